"""Tagged PDF/UA output, read back: LibreOffice's tags, the titles, the pack's merged structure tree,
artifacts, links, and the two checks (page-validation's ua1 profile and assembler's own integrity check)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
from conftest import ONE_REPORT, ROOT, report

from assembler.commands.preview import preview
from assembler.layout.convert import Conversion, convert

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
