"""Exempt items, supplements and the publishing outputs, built with real LibreOffice and read back."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import partners
import pytest
from click.testing import CliRunner
from conftest import ROOT, report
from pypdf import PdfReader
from readback import check_pack, layout_text, pages

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build
from assembler.cli import main
from assembler.plan.packs import packs
from assembler.sources.load import load_meeting

FULL = ROOT / "papers" / "northshire-scsb-2026-09-24-full"
# Words found only in the exempt papers, their titles, appendices and file names.
MARKERS = ("Quibblestone", "Zanzibarine", "Frobisher-Klatt", "Wolfhaven")
EXEMPT = "Exempt – paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972"
MEETING = {"body": "Eastmere Licensing Committee", "date": "2026-10-01", "organisation": "Eastmere Council"}


def paragraphs(word: str, count: int = 8) -> str:
    return "\n\n".join(f"{word} paragraph {n} " + "of plain words " * 40 for n in range(count))


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp("exempt") / "m"
    folder.mkdir()
    items = [
        {"title": "Minutes.", "paper": "minutes.md"},
        {"title": "Licensing policy.", "paper": "policy.md", "presenter": "A. Officer"},
        {"title": "Quibblestone Ltd: review of premises licence.", "public_title": "Review of a premises licence.",
         "presenter": "B. Officer", "paper": "quibblestone-review.md", "exempt": 3},
        {"title": "Late report on taxis.", "paper": "taxis.md", "supplement": 1},
        {"title": "Wolfhaven case.", "public_title": "A case.", "paper": "wolfhaven.pdf", "exempt": "1",
         "supplement": 1},
        {"title": "Date of the next meeting.", "text": "To be confirmed."},
    ]
    files = {
        "minutes.md": report("Minutes", paragraphs("Minutes", 3)),
        "policy.md": report("Licensing policy", paragraphs("Policy", 10)),
        "quibblestone-review.md": report(
            "Zanzibarine premises review", paragraphs("Zanzibarine", 6),
            appendices=[{"title": "Frobisher-Klatt statement", "file": "frobisher-klatt.pdf"}]),
        "taxis.md": report("Taxi licensing", paragraphs("Taxi", 4)),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    secret = [partners.Sheet(words=partners.body_words(partners.A4, "Frobisher-Klatt"), marks=("Frobisher-Klatt",))]
    (folder / "frobisher-klatt.pdf").write_bytes(partners.pdf(secret))
    wolfhaven = [partners.Sheet(words=partners.body_words(partners.A4, "Wolfhaven"))]
    (folder / "wolfhaven.pdf").write_bytes(partners.pdf(wolfhaven))
    (folder / "meeting.yaml").write_text(json.dumps(MEETING | {"items": items}), encoding="utf-8")
    return build(folder, BuildOptions(folder.parent / "out"))


def public_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and "confidential" not in p.relative_to(out).parts]


def everything_in(path: Path) -> str:
    """All a reader could get out of a file: text, metadata, bookmarks, attachments, links, raw bytes."""
    found = [str(path)]
    if path.suffix == ".pdf":
        found.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)
        reader = PdfReader(path)
        found.append(json.dumps({str(k): str(v) for k, v in (reader.metadata or {}).items()}))
        found.append(subprocess.run(["mutool", "show", str(path), "outline"], capture_output=True, text=True).stdout)
        found += [name + data.decode("latin-1") for name, datas in reader.attachments.items() for data in datas]
        found.append(subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(path), "-"],
                                    capture_output=True).stdout.decode("latin-1"))
    elif path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            found += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    else:
        found.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(found)


def test_no_exempt_word_reaches_any_public_output(meeting):
    out = meeting.pack.parent
    files = public_files(out)
    assert {"agenda-pack.pdf", "agenda.docx", "manifest.json", "supplement-1-pack.pdf"} <= {p.name for p in files}
    assert any(p.parent.name == "items" for p in files)
    for path in files:
        text = everything_in(path)
        leaked = [m for m in MARKERS if m.lower() in text.lower()]
        assert not leaked, f"{path.relative_to(out)} gives away {leaked}"


def test_the_confidential_outputs_hold_the_exempt_papers(meeting):
    folder = meeting.pack.parent / "confidential"
    text = everything_in(folder / "confidential-pack.pdf")
    assert all(m in text for m in MARKERS[:3])
    assert "Wolfhaven" in everything_in(folder / "supplement-1-pack.pdf")
    # named by the titles the public sees: names travel further than contents (addresses, logs)
    assert {p.name for p in (folder / "papers").iterdir()} == {"03-review-of-a-premises-licence.docx"}
    assert sorted(p.name for p in (folder / "items").iterdir()) == [
        "03-review-of-a-premises-licence.pdf", "05-a-case.pdf"]


def test_the_public_front_sheet_lists_the_exempt_item_without_its_pages(meeting):
    text = " ".join(layout_text(meeting.pack, 1, 2).split())
    assert "3. Review of a premises licence." in text and "B. Officer" in text
    assert " ".join(EXEMPT.split()) in text or all(w in text for w in EXEMPT.split())
    resolution = text.index("Exclusion of the press and public")
    assert text.index("2. Licensing policy.") < resolution < text.index("3. Review of a premises licence.")
    assert "paragraphs 1 and 3 of Part 1 of Schedule 12A" in text
    assert "(to follow – Supplement 1)" in text


def test_public_page_numbers_are_those_of_the_public_pack_alone(meeting):
    marks = check_pack(meeting.pack, duplex=True)
    assert sorted(marks) == ["1", "2"]
    manifest = json.loads((meeting.pack.parent / "manifest.json").read_text())
    assert manifest["items"][2] == {"number": "3", "title": "Review of a premises licence.", "exempt": 3}
    assert manifest["pages"] == len(pages(meeting.pack))


def test_the_confidential_pack_stamps_every_exempt_page(meeting):
    pack = meeting.pack.parent / "confidential" / "confidential-pack.pdf"
    marks = check_pack(pack, duplex=True)
    assert sorted(marks) == ["1", "2", "3"]
    all_pages = pages(pack)
    for number, page in enumerate(all_pages, 1):
        head = " ".join(page.lines()[:2])
        exempt = marks["3"][0] <= number <= marks["3"][1] and "This page is intentionally" not in page.text
        assert (head == "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A to the "
                        "Local Government Act 1972") == exempt, number


def test_the_supplement_has_its_own_front_sheet_numbering_and_references(meeting):
    pack = meeting.pack.parent / "supplement-1-pack.pdf"
    marks = check_pack(pack, duplex=True)
    assert list(marks) == ["4"] and marks["4"][0] == 3
    front = " ".join(layout_text(pack, 1, 1).split())
    assert "Supplementary agenda" in front and "Licensing policy" not in front
    assert "5. A case." in front and "Exempt – paragraph 1 of Part 1" in front
    confidential = meeting.pack.parent / "confidential" / "supplement-1-pack.pdf"
    assert sorted(check_pack(confidential, duplex=True)) == ["4", "5"]


def test_each_items_pdf_carries_the_stamps_of_its_pack(meeting):
    folder = meeting.pack.parent
    assert sorted(p.name for p in (folder / "items").iterdir()) == [
        "01-minutes.pdf", "02-licensing-policy.pdf", "04-late-report-on-taxis.pdf"]
    for name, pack, item in [("01-minutes.pdf", meeting.pack, "1"), ("02-licensing-policy.pdf", meeting.pack, "2"),
                             ("04-late-report-on-taxis.pdf", folder / "supplement-1-pack.pdf", "4")]:
        first, last = check_pack(pack, duplex=True)[item]
        own, whole = pages(folder / "items" / name), pages(pack)
        assert [p.footer for p in own] == [whole[n - 1].footer for n in range(first, last + 1)]
        assert own[0].item_stamp() == whole[first - 1].item_stamp() == item
        assert PdfReader(folder / "items" / name).page_labels == [str(n) for n in range(first, last + 1)]
        title = PdfReader(folder / "items" / name).metadata.title
        assert title.startswith(f"Eastmere Licensing Committee – 1 October 2026 – Item {item}: ")


def test_front_sheet_references_link_to_the_items_first_pages(meeting):
    reader = PdfReader(meeting.pack)
    marks = check_pack(meeting.pack, duplex=True)
    words = pages(meeting.pack)[0].words
    height = pages(meeting.pack)[0].height
    links = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert len(links) == len(marks)
    for link, (first, last) in zip(links, sorted(marks.values())):
        assert reader.get_page_number(link["/Dest"][0].get_object()) == first - 1
        x0, y0, x1, y1 = (float(v) for v in link["/Rect"])
        inside = [w.text for w in words  # the words whose middles the link covers
                  if x0 <= (w.x0 + w.x1) / 2 <= x1 and y0 <= height - (w.y0 + w.y1) / 2 <= y1]
        assert " ".join(inside) == (f"(Page {first})" if first == last else f"(Pages {first} - {last})")


def test_pack_metadata(meeting):
    info = PdfReader(meeting.pack).metadata
    assert info.title == "Eastmere Licensing Committee – 1 October 2026 – Agenda pack"
    assert info.author == "Eastmere Council" and info.subject
    assert PdfReader(meeting.pack).trailer["/Root"]["/Lang"] == "en-GB"


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("full")
    result = CliRunner().invoke(main, ["build", str(FULL), "--output", str(out), "--quiet", "--print-ready"])
    assert result.exit_code == 0, result.output
    assert result.output.count("every font embedded: ready to print") == 4
    return out / FULL.name


@pytest.mark.parametrize("pack, manifest", [
    ("agenda-pack.pdf", "manifest.json"), ("confidential/confidential-pack.pdf", "confidential/manifest.json"),
    ("supplement-1-pack.pdf", "supplement-1-manifest.json"),
    ("confidential/supplement-1-pack.pdf", "confidential/supplement-1-manifest.json"),
])
def test_every_pack_of_the_full_example_reads_back_as_its_manifest_says(full, pack: str, manifest: str):
    marks = check_pack(full / pack, duplex=True, landscape=True)  # stamps, references, fillers, A4
    listed = json.loads((full / manifest).read_text())
    assert listed["pages"] == len(PdfReader(full / pack).pages)
    assert {i["number"]: (i["first_page"], i["last_page"]) for i in listed["items"] if i.get("first_page")} == marks


def test_the_full_example_has_every_shape_of_partner_document(full):
    all_pages = pages(full / "agenda-pack.pdf")
    assert any(p.width > p.height for p in all_pages)  # the landscape dashboard
    sources = {Path(i["paper"]["file"]).suffix for i in json.loads((full / "manifest.json").read_text())["items"]
               if "paper" in i}
    assert sources == {".md", ".docx", ".pdf"}
    leaked = [p for p in public_files(full) if "Harrowgate" in everything_in(p) or "Tannery" in everything_in(p)]
    assert not leaked


def test_a_supplement_item_without_its_paper_yet_is_to_follow_and_makes_no_supplement(make_meeting):
    folder = make_meeting(MEETING | {"items": [{"title": "Late report.", "supplement": 1}]})
    made = packs(load_meeting(folder)[0])
    assert [pack.name for pack in made] == ["agenda-pack"]
    assert made[0].notes == {"1": "(to follow – Supplement 1)"}
