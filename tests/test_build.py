"""Builds of small meetings made in the test, with real LibreOffice."""

from __future__ import annotations

import io
import re

import docx
import partners
import pytest
from conftest import report
from pypdf import PdfReader
from readback import check_pack, first_pages, front_sheet_references, layout_text, page_range, pages
from reportlab.pdfgen.canvas import Canvas

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.errors import AssemblerError

MEETING = {"body": "Eastmere Licensing Committee", "date": "2026-10-01", "organisation": "Eastmere Council"}


def paragraphs(count: int, word: str = "Lorem") -> str:
    return "\n\n".join(f"{word} paragraph {n} " + "of plain words " * 40 for n in range(count))


def test_simplex_pack_has_no_fillers(make_meeting, tmp_path):
    items = [{"title": f"Report {n}", "paper": f"r{n}.md"} for n in range(1, 4)]
    files = {f"r{n}.md": report(f"Report {n}", paragraphs(n * 3)) for n in range(1, 4)}
    folder = make_meeting(MEETING | {"items": items}, files)
    result = build(folder, BuildOptions(tmp_path / "out", duplex=False))
    marks = check_pack(result.pack, duplex=False)
    assert [first for first, _ in sorted(marks.values())] == [2, marks["1"][1] + 1, marks["2"][1] + 1]


def test_references_settle_when_the_filled_in_front_sheet_runs_longer(make_meeting, tmp_path):
    # Forty items with long titles: the front sheet runs over several pages.
    items = [{"title": f"Licensing application number {n} for premises on the High Street, Eastmere, "
                       "with representations from residents and the police.",
              "presenter": "A. Officer – Eastmere Council", "paper": f"r{n}.md"} for n in range(1, 41)]
    files = {f"r{n}.md": report(f"Application {n}", paragraphs(1 + n % 4)) for n in range(1, 41)}
    folder = make_meeting(MEETING | {"items": items}, files)
    result = build(folder, BuildOptions(tmp_path / "out"))
    marks = check_pack(result.pack, duplex=True)
    assert len(marks) == 40
    assert min(first for first, _ in marks.values()) > 3  # the front sheet took more than two pages


def pdf_paper(text: str, pages_count: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for n in range(pages_count):
        canvas.drawString(100, 700, f"{text} sheet {n + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_word_and_pdf_papers_are_included_as_they_are(make_meeting, tmp_path):
    items = [
        {"title": "Police update", "paper": "police.docx"},
        {"title": "Dashboard", "paper": "dashboard.pdf",
         "appendices": [{"title": "Data tables", "file": "tables.pdf", "label": "Appendix 1"}]},
        {"title": "Verbal update", "verbal": True},
    ]
    files = {"police.docx": partners.word("Partner report from Northshire Police", ["Zebracrossing figures rose."]),
             "dashboard.pdf": pdf_paper("Quokka dashboard", 3), "tables.pdf": pdf_paper("Narwhal table", 2)}
    folder = make_meeting(MEETING | {"items": items}, files)
    result = build(folder, BuildOptions(tmp_path / "out"))
    marks = check_pack(result.pack, duplex=True)
    all_pages = pages(result.pack)
    assert "Zebracrossing" in all_pages[marks["1"][0] - 1].text
    first, last = marks["2"]
    assert "Quokka dashboard sheet 1" in all_pages[first - 1].text
    assert "Narwhal table sheet 2" in all_pages[last - 1].text
    assert last - first + 1 == 3 + 1 + 2  # the paper, a filler, then the appendix on an odd page
    assert front_sheet_references(result.pack, 1)["3"] == "Verbal report"
    outline = PdfReader(result.pack).outline
    assert outline[-1][0].title == "Appendix 1 – Data tables"


def test_a_failed_build_leaves_the_last_good_pack_untouched(make_meeting, tmp_path):
    items = [{"title": "Report", "paper": "r.md"}]
    folder = make_meeting(MEETING | {"items": items}, {"r.md": report("Report", paragraphs(2))})
    result = build(folder, BuildOptions(tmp_path / "out"))
    before = {p: p.read_bytes() for p in result.pack.parent.rglob("*") if p.is_file()}
    (folder / "r.md").write_text(report("Report", "Some <b>HTML</b> here.\n"), encoding="utf-8")
    with pytest.raises(AssemblerError, match="raw HTML"):
        build(folder, BuildOptions(tmp_path / "out"))
    after = {p: p.read_bytes() for p in result.pack.parent.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".cache", ".m.lock", "m"]  # no stage


def test_text_that_looks_like_template_code_or_markup_is_printed_literally(make_meeting, tmp_path):
    title = "Fees & charges: {{ 7*7 }} {% if x %} \"quoted\" <review>"
    body = "Costs rose by 5% & more: {{ config }} and a < b > c.\n"
    items = [{"title": title, "paper": "r.md"}]
    folder = make_meeting(MEETING | {"items": items}, {"r.md": report(title, body)})
    result = build(folder, BuildOptions(tmp_path / "out"))
    text = " ".join(layout_text(result.pack).split())
    assert title in text  # on the front sheet, as given
    assert "{{ config }} and a < b > c." in text
    assert "49" not in text
    assert first_pages(pages(result.pack)) == {"1": page_range(front_sheet_references(result.pack, 1)["1"])[0]}


def test_pictures_quotes_and_page_breaks(make_meeting, tmp_path):
    from PIL import Image

    body = ("# Chart\n\nSee the chart below.\n\n![Bar chart of offences](chart.png)\n\n"
            "> Regulation 4 says a thing must be done.\n\nAfter the quote.\n\n\\newpage\n\nOn a new page.\n")
    folder = make_meeting(MEETING | {"items": [{"title": "Pictures", "paper": "r.md"}]},
                          {"r.md": report("Pictures", body)})
    Image.new("RGB", (3000, 1000), "steelblue").save(folder / "chart.png")
    result = build(folder, BuildOptions(tmp_path / "out"))
    first, last = check_pack(result.pack, duplex=True)["1"]
    assert last == first + 1  # \newpage moved the last paragraph over
    page = PdfReader(result.pack).pages[first - 1]
    (image,) = page.images
    width, height = image.image.size  # LibreOffice resamples to 300 dpi at the printed size
    assert width > 1000 and abs(width / height - 3) < 0.01
    text = layout_text(result.pack, first, first)
    assert re.search(r"^1\.\s+See the chart below\.", text, re.M)
    assert re.search(r"^2\.\s+After the quote\.", text, re.M)  # the picture took no number
    assert re.search(r"^\s{4,}Regulation 4 says", text, re.M)  # the quote is indented
    assert "On a new page." in layout_text(result.pack, last, last)
    word = docx.Document(str(result.pack.parent / "papers" / "01-pictures.docx"))
    (inline,) = word.inline_shapes
    assert inline._inline.docPr.get("descr") == "Bar chart of offences"
    text_width = word.sections[0].page_width - word.sections[0].left_margin - word.sections[0].right_margin
    assert inline.width <= text_width


def test_a_table_of_5000_rows_is_laid_out_whole(make_meeting, tmp_path):
    rows = "".join(f"| Licence {n} | Premises {n}, High Street | Granted |\n" for n in range(1, 5001))
    body = "| Licence | Premises | Decision |\n|---|---|---|\n" + rows
    folder = make_meeting(MEETING | {"items": [{"title": "Licences", "paper": "r.md"}]},
                          {"r.md": report("Licences granted", body)})
    result = build(folder, BuildOptions(tmp_path / "out", duplex=False))
    first, last = check_pack(result.pack, duplex=False)["1"]
    assert last - first > 50
    text = layout_text(result.pack, last, last)
    assert re.search(r"^\s*Licence\s+Premises\s+Decision", text, re.M)  # the header row repeats
    assert re.search(r"^\s*Licence 5000\s+Premises 5000, High Street\s+Granted", text, re.M)
