"""Tagged PDF/UA output, read back: LibreOffice's tags, the titles, the pack's merged structure tree,
artifacts, links, and the two checks (page-validation's ua1 profile and assembler's own integrity check)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import page
import pikepdf
import pytest
from conftest import EXAMPLE, ONE_REPORT, ROOT, report
from partners import Sheet, body_words
from partners import pdf as partner_pdf
from reportlab.lib.pagesizes import A4

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.commands.preview import preview
from assembler.layout.convert import Conversion, convert
from assembler.pdf.structure import check_structure
from assembler.sources.load import load_meeting

FULL = ROOT / "papers" / "northshire-scsb-2026-09-24-full"


def headings(pdf: Path) -> list[str]:
    """The tree's headings in order, as standard types."""
    return [kind for kind in structure_order(pdf) if kind in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")]


def structure_order(pdf: Path) -> list[str]:
    """Every element's standard type, in the tree's order (depth first)."""
    found: list[str] = []
    with pikepdf.open(pdf) as doc:
        roles = doc.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary())

        def walk(node: object) -> None:
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node and node.get("/Type") != "/OBJR":
                found.append(str(roles.get(str(node.S), node.S)))
                walk(node.get("/K"))

        walk(doc.Root.StructTreeRoot.K)
    return found


def structure_types(pdf: Path) -> set[str]:
    """Every structure type in the PDF's tree, as its RoleMap maps it to a standard type."""
    found: set[str] = set()
    with pikepdf.open(pdf) as doc:
        roles = doc.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary())
        waiting = [doc.Root.StructTreeRoot]
        while waiting:
            node = waiting.pop()
            if isinstance(node, pikepdf.Array):
                waiting += list(node)
            elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") != "/OBJR" and "/K" in node:
                if "/S" in node:
                    found.add(str(roles.get(str(node.S), node.S)))
                waiting.append(node.K)
    return found


def test_a_partners_word_file_is_laid_out_tagged(tmp_path):
    docx = shutil.copy(FULL / "police-performance.docx", tmp_path / "partner.docx")
    pdf = convert([Conversion(Path(docx), FULL / "police-performance.docx")], tmp_path / "pdf",
                  tmp_path / "profiles", processes=1)[Path(docx)]
    with pikepdf.open(pdf) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in doc.Root and "/ParentTree" in doc.Root.StructTreeRoot
    assert {"/Document", "/P"} <= structure_types(pdf)


def test_a_paper_is_titled_and_its_headings_nest_under_its_title(make_meeting, tmp_path):
    body = "## Background\n\nText.\n\n### Detail\n\n> A quoted line.\n\n## Next\n\nMore text.\n"
    folder = make_meeting(ONE_REPORT, {"p.md": report("Winter Gritting", body)})
    pdf = next(f for f in preview(folder / "p.md", tmp_path / "out", pdf=True).files if f.suffix == ".pdf")
    with pikepdf.open(pdf) as doc:
        assert str(doc.docinfo.Title) == "Winter Gritting"
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True
    assert headings(pdf)[:4] == ["/H1", "/H2", "/H3", "/H2"]  # the title, then ## under it, not H3
    assert "/BlockQuote" in structure_types(pdf)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """Both example meetings built once, tagged: meeting id → its output folder."""
    made = {}
    for folder in (EXAMPLE, FULL):
        result = build(folder, BuildOptions(tmp_path_factory.mktemp(folder.name)))
        made[folder.name] = result.pack.parent
    return made


def made_pdfs(outputs: dict[str, Path]) -> list[Path]:
    """Every PDF a build publishes: packs and item PDFs, public and confidential."""
    return sorted(pdf for folder in outputs.values() for pdf in folder.rglob("*.pdf") if ".cache" not in pdf.parts)


def failures(pdf: Path) -> list[tuple[str, str]]:
    return [(f.rule_id, f.message) for f in page.validate_pdf(pdf, profile="ua1").failures]


def untagged_pages(pdf: Path, outputs: dict[str, Path]) -> set[int]:
    """The pages of a pack or item PDF that hold a partner's untagged PDF, by its manifest."""
    folder = pdf.parent.parent if pdf.parent.name == "items" else pdf.parent
    manifests = sorted(folder.glob("*manifest.json"))
    pages: set[int] = set()
    for manifest in manifests:
        data = json.loads(manifest.read_text())
        if data["pack"] != pdf.name and pdf.parent.name != "items":
            continue
        for item in data["items"]:
            if pdf.parent.name == "items" and item.get("pdf") != f"items/{pdf.name}":
                continue
            start = item.get("first_page") or 1
            for doc in [item["paper"], *item["appendices"]] if item.get("paper") else []:
                if not doc["accessible"]:
                    first = doc["first_page"] - (start - 1 if pdf.parent.name == "items" else 0)
                    pages |= set(range(first, first + doc["last_page"] - doc["first_page"] + 1))
    return pages


def test_every_pdf_made_from_our_sources_passes_ua1_and_the_integrity_check(outputs):
    pdfs = made_pdfs(outputs)
    assert len(pdfs) >= 15  # both meetings' packs, supplements, confidential packs and item PDFs
    for pdf in pdfs:
        assert check_structure(pdf) == [], pdf
        untagged = untagged_pages(pdf, outputs)
        for rule, message in failures(pdf):
            # A partner's untagged PDF is included as it is: its own pages' text, and its fonts, alone fail.
            on_page = re.match(r"page (\d+) contains text", message)
            assert untagged and (rule == "PDFUA1-FONT-UNICODE-VALUE-001" or (
                on_page and int(on_page.group(1)) in untagged)), (pdf, rule, message)


def test_an_untagged_partner_pdf_is_recorded_and_its_pages_alone_fail(outputs):
    manifest = json.loads((outputs[FULL.name] / "manifest.json").read_text())
    recorded = {doc["file"]: doc["accessible"] for item in manifest["items"] if item.get("paper")
                for doc in [item["paper"], *item["appendices"]]}
    assert recorded["community-safety-dashboard.pdf"] is False and recorded["probation-delivery-plan.pdf"] is False
    assert recorded["police-performance.docx"] is True and recorded["minutes-2026-06-11.md"] is True
    assert untagged_pages(outputs[FULL.name] / "agenda-pack.pdf", outputs)
    assert any(rule == "PDFUA1-CONTENT-TAGGING-001" for rule, _ in failures(outputs[FULL.name] / "agenda-pack.pdf"))


def test_the_pack_is_one_document_of_parts_titled_with_links_tagged(outputs):
    pack = outputs[EXAMPLE.name] / "agenda-pack.pdf"
    with pikepdf.open(pack) as doc:
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True and str(doc.Root.Lang) == "en-GB"
        with doc.open_metadata() as meta:
            assert meta["dc:title"] == str(doc.docinfo.Title) and meta["pdfuaid:part"] == "1"
        top = doc.Root.StructTreeRoot.K
        assert top.S == "/Document" and {str(kid.S) for kid in top.K} == {"/Part"}
        assert str(top.K[0].T) == "Agenda" and str(top.K[1].T).startswith("2. Minutes")
        front = doc.pages[0].obj
        links = [a for a in front.Annots if a.Subtype == "/Link"]
        assert links and front.Tabs == "/S"
        for link in links:
            assert re.fullmatch(r"Pages? \d+( to \d+)?", str(link.Contents))
            parents = pikepdf.NumberTree(doc.Root.StructTreeRoot.ParentTree)
            assert parents[int(link.StructParent)].S == "/Link"
    assert "/H1" in structure_types(pack) and "/Table" in structure_types(pack)


def test_the_notice_is_a_paragraph_and_the_stamps_are_artifacts(outputs):
    pack = outputs[FULL.name] / "confidential" / "confidential-pack.pdf"
    with pikepdf.open(pack) as doc:
        parents = pikepdf.NumberTree(doc.Root.StructTreeRoot.ParentTree)
        notices = [form for p in doc.pages if (form := p.Resources.XObject.get("/AssemblerStamp")) is not None
                   and "/StructParents" in form]
        assert notices
        for form in notices:
            assert parents[int(form.StructParents)][0].S == "/P"
        stamp = doc.pages[0].Resources.XObject.AssemblerStamp.read_bytes()
        assert re.search(rb"/Artifact <</Type /Pagination>> BDC\nBT [^\n]*\(Page 1\) Tj T\* ET\nEMC", stamp)


def planted(pack: Path, out: Path, content: bytes, untag_stamp: bool = False) -> Path:
    """The pack with content added to its second page; untag_stamp: its stamp drawn without its artifact marks."""
    with pikepdf.open(pack) as doc:
        second = doc.pages[1]
        if untag_stamp:
            stamp = second.Resources.XObject.AssemblerStamp
            stamp.write(re.sub(rb"/Artifact <</Type /Pagination>> BDC|EMC", b"", stamp.read_bytes()))
        second.contents_add(doc.make_stream(content), prepend=False)
        doc.save(out)
    return out


def test_a_planted_untagged_stamp_fails_page_validation(outputs, tmp_path):
    bad = planted(outputs[EXAMPLE.name] / "agenda-pack.pdf", tmp_path / "stamp.pdf", b"", untag_stamp=True)
    assert ("PDFUA1-CONTENT-TAGGING-001", "page 2/XObject /AssemblerStamp contains text that is neither "
            "/Artifact nor tagged real content") in failures(bad)


def test_a_planted_orphan_id_fails_the_integrity_check(outputs, tmp_path):
    pack = outputs[EXAMPLE.name] / "agenda-pack.pdf"
    bad = planted(pack, tmp_path / "orphan.pdf", b"/P <</MCID 999>> BDC EMC")
    assert failures(bad) == []  # no validator sees it: hence the check
    assert check_structure(bad) == ["page 2: MCID 999 belongs to 0 structure elements, not one"]


def test_an_exempt_items_untagged_pdf_is_warned_of_without_its_name(make_meeting):
    folder = make_meeting({"body": "Board", "date": "2026-09-24", "items": [
        {"title": "Sale of the depot to Acme Ltd", "public_title": "Property matter", "exempt": 3,
         "paper": "acme-valuation.pdf"},
        {"title": "Partner update", "paper": "partner.pdf"}]},
        {"acme-valuation.pdf": partner_pdf([Sheet(A4, body_words(A4, "Valuation"))]),
         "partner.pdf": partner_pdf([Sheet(A4, body_words(A4, "Update"))])})
    warnings = [p.message for p in load_meeting(folder)[1]]
    assert warnings == [
        "item 1 (exempt): its paper: the PDF is not tagged, so screen readers cannot follow it; it was included "
        "as it is: ask its author for an accessible (tagged) PDF",
        "'partner.pdf': the PDF is not tagged, so screen readers cannot follow it; it was included as it is: "
        "ask its author for an accessible (tagged) PDF"]
    # Its NOT FOR PUBLICATION notice is tagged (in the stamp's form, under the form's own key) on a page
    # whose partner content is not: the page itself needs no key, and its tags are wired right.
    built = build(folder, BuildOptions(folder.parent / "out"))
    confidential = built.pack.parent / "confidential"
    for pdf in [confidential / "confidential-pack.pdf", *sorted((confidential / "items").glob("*.pdf"))]:
        assert check_structure(pdf) == [], pdf.name


def test_the_minutes_attendance_tables_have_header_cells(outputs):
    minutes = next((outputs[EXAMPLE.name] / "items").glob("02-minutes*.pdf"))
    assert {"/Table", "/TH", "/TD"} <= structure_types(minutes)
