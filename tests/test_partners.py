"""Partners' documents of any shape, built into a pack with real LibreOffice and read back."""

from __future__ import annotations

from pathlib import Path

import partners
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader
from readback import Page, Word, check_pack, pages
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build
from assembler.cli import main
from assembler.pdf.printready import inspect

MEETING = {"body": "Eastmere Licensing Committee", "date": "2026-10-01", "organisation": "Eastmere Council"}
NAMES = list(partners.SHAPES)
HIDDEN = "Hiddenword"  # drawn outside the CropBox of the cropped page: no reader may see it


def write_meeting(folder: Path, items: list[dict], files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    (folder / "meeting.yaml").write_text(yaml.safe_dump(MEETING | {"items": items}), encoding="utf-8")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def shapes_pdf() -> bytes:
    sheets = list(partners.SHAPES.values())
    cropped = NAMES.index("CropBox moved in")
    sheets[cropped] = partners.Sheet(sheets[cropped].size, sheets[cropped].words + ((5, 5, HIDDEN),), crop=40)
    sheets[0] = partners.Sheet(sheets[0].size, sheets[0].words, marks=("Summary",))
    sheets[3] = partners.Sheet(sheets[3].size, sheets[3].words, marks=("Tables",))
    return partners.pdf(sheets, link_to=3, field_value="Inspector Quill")


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = write_meeting(tmp_path_factory.mktemp("shapes") / "m", [
        {"title": "Shapes", "paper": "shapes.pdf"},
        {"title": "Police report", "paper": "police.docx"},
    ], {"shapes.pdf": shapes_pdf(),
        "police.docx": partners.word("Police report", ["Burglary fell. " * 60] * 6,
                                     footer="OFFICIAL – Northshire Police footer", header="Northshire Police")})
    return build(folder, BuildOptions(folder.parent / "out"))


def stamp_words(page: Page, text: str) -> list[Word]:
    """The words of a stamp such as "Page 7", found as a run on one line."""
    parts = text.split()
    for n, word in enumerate(page.words):
        run = page.words[n:n + len(parts)]
        if [w.text for w in run] == parts and all(abs(w.y0 - word.y0) < 1 for w in run):
            return run
    raise AssertionError(f"no {text!r} on the page: {page.text[:200]}")


def clear_of_text(page: Page, stamp: list[Word]) -> bool:
    """No word of the page's own lies across the band of lines the stamp is on."""
    top, bottom = min(w.y0 for w in stamp), max(w.y1 for w in stamp)
    own = [w for w in page.words if w not in stamp and not w.text.isdigit()]
    return not any(w.y0 < bottom and w.y1 > top for w in own if w.text not in ("Page", "Agenda", "Item"))


def paper_pages(result: BuildResult) -> list[tuple[int, Page]]:
    marks = check_pack(result.pack, duplex=True, landscape=True)
    first, last = marks["1"]
    return [(n, pages(result.pack)[n - 1]) for n in range(first, last + 1)]


def test_every_shape_comes_out_a4_in_its_own_orientation(shapes):
    for (_, page), name in zip(paper_pages(shapes), NAMES):
        portrait = partners.SHAPES[name].size[0] < partners.SHAPES[name].size[1]
        if partners.SHAPES[name].rotate in (90, 270):
            portrait = not portrait  # the reader sees it turned
        assert (round(page.width), round(page.height)) == ((595, 842) if portrait else (842, 595)), name


def test_stamps_are_upright_at_the_foot_and_clear_of_the_pages_own_text(shapes):
    for (number, page), name in zip(paper_pages(shapes), NAMES):
        footer = stamp_words(page, f"Page {number}")
        assert footer[0].x1 - footer[0].x0 > 1.5 * (footer[0].y1 - footer[0].y0), f"{name}: not upright"
        assert min(w.y0 for w in footer) > 0.9 * page.height, name
        assert abs((footer[0].x0 + footer[-1].x1) / 2 - page.width / 2) < 2, f"{name}: not centred"
        assert clear_of_text(page, footer), f"{name}: the footer lies on the page's own text"


def test_the_item_stamp_is_clear_of_text_at_the_top_right(shapes):
    (number, page), *_ = paper_pages(shapes)
    stamp = stamp_words(page, "Agenda Item 1")
    assert max(w.y1 for w in stamp) < 0.1 * page.height and stamp[-1].x1 > 0.85 * page.width
    assert clear_of_text(page, stamp)


def test_a_partners_own_footer_keeps_its_place_and_the_page_number_goes_below_it(shapes):
    number, page = paper_pages(shapes)[NAMES.index("own footer")]
    theirs, ours = stamp_words(page, "OFFICIAL SENSITIVE"), stamp_words(page, f"Page {number}")
    assert ours[0].y0 > theirs[0].y1


def test_a_word_files_own_footer_is_not_covered(shapes):
    marks = check_pack(shapes.pack, duplex=True, landscape=True)
    for number in range(marks["2"][0], marks["2"][1] + 1):
        page = pages(shapes.pack)[number - 1]
        assert "Northshire Police footer" in page.text
        assert clear_of_text(page, stamp_words(page, f"Page {number}"))


def test_rotated_and_cropped_pages_keep_their_text_and_hide_what_the_cropbox_hid(shapes):
    text = " ".join(page.text for _, page in paper_pages(shapes))
    for word in ("Turned", "Upended", "Widdershins", "Cropped", "Edgy", "Slide", "Athree", "Afive"):
        assert f"{word} heading" in text or word in text, word
    assert HIDDEN not in text


def test_form_fields_are_flattened_into_the_page(shapes):
    reader = PdfReader(shapes.pack)
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert not [a for page in reader.pages for a in page.get("/Annots", []) if a.get_object()["/Subtype"] == "/Widget"]
    (number, page), *_ = paper_pages(shapes)
    assert "Inspector Quill" in page.text


def test_links_inside_a_document_go_to_its_page_in_the_pack_and_none_is_broken(shapes):
    reader = PdfReader(shapes.pack)
    tree = {page.indirect_reference.idnum for page in reader.pages}
    first = paper_pages(shapes)[0][0]
    inside = []
    for number, page in enumerate(reader.pages, 1):
        for annot in (a.get_object() for a in page.get("/Annots", [])):
            if annot["/Subtype"] == "/Link" and "/Dest" in annot:
                assert annot["/Dest"][0].idnum in tree, f"page {number}: a link to a page not in the pack"
                if number == first:
                    inside.append(reader.get_page_number(annot["/Dest"][0].get_object()) + 1)
    assert inside == [first + 3]


def test_the_documents_bookmarks_nest_under_the_items(shapes):
    reader = PdfReader(shapes.pack)
    first = paper_pages(shapes)[0][0]
    tops = [entry for entry in reader.outline if not isinstance(entry, list)]
    item = next(n for n, entry in enumerate(reader.outline) if not isinstance(entry, list)
                and entry.title == "1. Shapes")
    nested = reader.outline[item + 1]
    assert [(e.title, reader.get_destination_page_number(e) + 1) for e in nested] == \
           [("Summary", first), ("Tables", first + 3)]
    assert "Summary" not in [t.title for t in tops]


def test_locked_and_damaged_pdfs(tmp_path):
    good = partners.pdf([partners.Sheet(words=partners.body_words(partners.A4, "Readable"))])
    folder = write_meeting(tmp_path / "m", [
        {"title": "RC4", "paper": "rc4.pdf"}, {"title": "AES", "paper": "aes.pdf"},
        {"title": "Repaired", "paper": "repaired.pdf"},
    ], {"rc4.pdf": partners.locked(good, "RC4-128"), "aes.pdf": partners.locked(good, "AES-256"),
        "repaired.pdf": partners.damaged(good)})
    result = CliRunner().invoke(main, ["build", str(folder), "--output", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    untagged = ("the PDF is not tagged, so screen readers cannot follow it; it was included as it is: "
                "ask its author for an accessible (tagged) PDF")
    assert result.output.splitlines() == [
        f"{folder}/meeting.yaml:4: warning: 'rc4.pdf': {untagged}",
        f"{folder}/meeting.yaml:6: warning: 'aes.pdf': {untagged}",
        f"{folder}/meeting.yaml:8: warning: 'repaired.pdf': the PDF is damaged; it was repaired and "
        "included, but check its pages in the pack, or ask for the file again",
        f"{folder}/meeting.yaml:8: warning: 'repaired.pdf': {untagged}"]
    pack = tmp_path / "out" / "m" / "agenda-pack.pdf"
    marks = check_pack(pack, duplex=True)
    assert all("Readable heading" in pages(pack)[first - 1].text for first, _ in marks.values())


@pytest.mark.parametrize("data, message", [
    (partners.locked(partners.pdf([partners.Sheet()]), "AES-128", user="open-sesame"),
     "the PDF needs a password to open; ask its author for an unlocked copy"),
    (b"%PDF-1.4\n" + bytes(range(256)) * 8, "the PDF cannot be read"),
], ids=["user password", "unreadable"])
def test_a_pdf_that_cannot_be_opened_is_an_error_naming_it(tmp_path, data: bytes, message: str):
    folder = write_meeting(tmp_path / "m", [{"title": "Locked", "paper": "locked.pdf"}], {"locked.pdf": data})
    result = CliRunner().invoke(main, ["build", str(folder), "--output", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith(f"{folder}/meeting.yaml:4: 'locked.pdf': {message}")


def test_a_scanned_pdf_adds_no_more_than_its_own_size(tmp_path):
    # The same meeting twice: the scan's four pages, and four blank pages in its place.
    scan, blank = partners.scan(4), partners.pdf([partners.Sheet()] * 4)
    items = [{"title": "Scan", "paper": "scan.pdf"}]
    without = build(write_meeting(tmp_path / "blank", items, {"scan.pdf": blank}), BuildOptions(tmp_path / "out")).size
    result = build(write_meeting(tmp_path / "scanned", items, {"scan.pdf": scan}), BuildOptions(tmp_path / "out"))
    assert len(scan) > 1_000_000 and result.size - without <= len(scan)
    assert result.pages == 2 + 4


def test_print_ready_names_pages_not_a4_and_fonts_not_embedded(tmp_path):
    path = tmp_path / "raw.pdf"
    canvas = Canvas(str(path), invariant=1)
    for size in (partners.A4, letter, partners.LANDSCAPE):
        canvas.setPageSize(size)
        canvas.setFont("Helvetica", 11)  # one of the fonts a PDF may name without embedding it
        canvas.drawString(72, 72, "Text")
        canvas.showPage()
    canvas.save()
    found = inspect(path)
    assert (found.pages, found.not_a4, found.landscape, found.not_embedded) == (3, (2,), 1, ("Helvetica",))
    assert str(found) == (f"{path}: 3 pages, {found.size / 1e6:.1f} MB, not A4: pages 2, fonts not embedded: "
                          "Helvetica: NOT ready to print")


def test_a_documents_links_are_kept_when_it_is_laid_into_a_second_pack(tmp_path: Path):
    from assembler.pdf.prepare import TARGET, linked_pages
    from assembler.sources.documents import open_pdf

    (tmp_path / "shapes.pdf").write_bytes(shapes_pdf())

    def targets() -> list[int]:
        first = linked_pages(open_pdf(tmp_path / "shapes.pdf"))[0]
        return [int(a.get_object()[TARGET]) for a in first.get("/Annots", []) if TARGET in a.get_object()]

    assert targets() == [3]
    assert targets() == [3]  # the same reader, its links noted already: the public pack, then the confidential
