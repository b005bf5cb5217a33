"""Every Markdown construct a paper may use, rendered into the real templates, laid out by
LibreOffice through `assembler render`, and read back from the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import report
from docx.shared import Length
from PIL import Image
from readback import Page, layout_text, pages, styled_words

from assembler.commands.preview import preview
from assembler.sources.load import DEFAULT_TEMPLATES

MEETING = "body: Eastmere Licensing Committee\ndate: 2026-10-01\nitems:\n  - title: Constructs\n    paper: p.md\n"
WIDE = ["Wardname", "Population", "Incidents", "Previous", "Direction", "Commentary"]
WIDER = [f"Widecolumn{n}" for n in range(12)]  # too many to fit whole: they must still fit the width
ROWS = 70  # enough to run the long table over a page

BODY = f"""\
# Opening heading

Alpha paragraph has **Boldword** and *Italicword* and a [licensing page](https://www.example.org/licensing/) link.

Bravo paragraph introduces a list:

1. Lettera item;
2. Letterb item, which holds a list:
   1. Romani item;
   2. Romanii item;
3. Letterc item.

   Continued paragraph inside the third item.

## Second heading

Charlie paragraph follows a heading.

- Bulletone
  - Bullettwo
    - Bulletthree
      - Bulletfour

> Regulation quoted text.

![Bar chart of incidents by ward](chart.png)

Delta paragraph follows the picture.

| {' | '.join(WIDE)} |
|{'---|' * len(WIDE)}
| {' | '.join(['Harlow Vale North and Riverside'] * 3 + ['a longer note in each of the cells of the row'] * 3)} |

| {' | '.join(WIDER)} |
|{'---|' * len(WIDER)}
| {' | '.join(['some text'] * len(WIDER))} |

\\newpage

Echo paragraph starts a page.

| Ward | Incidents |
|---|---|
""" + "".join(f"| Rowword {n} | {n * 7} |\n" for n in range(1, ROWS + 1))

APPENDIX = """\
First list:

1. Appone
2. Apptwo

Second list:

1. Appthree
2. Appfour
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The paper and its appendix as .docx and PDF, by `assembler render --pdf`."""
    folder = tmp_path_factory.mktemp("constructs") / "m"
    folder.mkdir()
    (folder / "meeting.yaml").write_text(MEETING, encoding="utf-8")
    appendices = [{"title": "Lists in an appendix", "file": "a.md"}]
    (folder / "p.md").write_text(report("Every construct", BODY, appendices=appendices), encoding="utf-8")
    (folder / "a.md").write_text(APPENDIX, encoding="utf-8")
    Image.new("RGB", (600, 300), "steelblue").save(folder / "chart.png")
    result = preview(folder / "p.md", folder.parent / "out", pdf=True)
    return {path.name: path for path in result.files}


def paper_pdf(rendered: dict[str, Path]) -> Path:
    return rendered["01-constructs.pdf"]


def word(all_pages: list[Page], text: str) -> tuple[int, float]:
    """The page (from 0) and left edge of the first word that is text."""
    return next((n, w.x0) for n, page in enumerate(all_pages) for w in page.words if w.text == text)


def test_render_writes_the_paper_and_its_appendix_as_word_and_pdf(rendered):
    assert sorted(rendered) == ["01-constructs-appendix-a.docx", "01-constructs-appendix-a.pdf",
                                "01-constructs.docx", "01-constructs.pdf"]
    assert all(path.parent.name == "preview" and path.parent.parent.name == "m" for path in rendered.values())


def test_paragraphs_are_numbered_on_across_headings_but_not_a_picture(rendered):
    text = layout_text(paper_pdf(rendered))
    numbered = re.findall(r"^(\d+)\.\s+(\w+)", text, re.M)
    assert numbered == [("1", "Alpha"), ("2", "Bravo"), ("3", "Charlie"), ("4", "Delta"), ("5", "Echo")]


def test_a_list_after_a_paragraph_gives_a_b_and_a_list_inside_it_i_ii(rendered):
    text = layout_text(paper_pdf(rendered))
    found = re.findall(r"^\s+(\([a-z]+\))\s+(\w+)", text, re.M)
    assert found == [("(a)", "Lettera"), ("(b)", "Letterb"), ("(i)", "Romani"), ("(ii)", "Romanii"),
                     ("(c)", "Letterc")]


def test_every_list_starts_again_at_a_even_without_a_numbered_paragraph_before_it(rendered):
    text = layout_text(rendered["01-constructs-appendix-a.pdf"])
    found = re.findall(r"^\s+(\([a-z]+\))\s+(\w+)", text, re.M)
    assert found == [("(a)", "Appone"), ("(b)", "Apptwo"), ("(a)", "Appthree"), ("(b)", "Appfour")]


def test_a_second_paragraph_in_a_list_item_lines_up_with_the_items_text(rendered):
    all_pages = pages(paper_pdf(rendered))
    assert word(all_pages, "Continued")[1] == pytest.approx(word(all_pages, "Letterc")[1], abs=0.5)
    assert word(all_pages, "Continued")[1] > word(all_pages, "Bravo")[1]


def test_bullets_step_in_at_every_depth_even_past_the_templates_three(rendered):
    all_pages = pages(paper_pdf(rendered))
    lefts = [word(all_pages, w)[1] for w in ("Charlie", "Bulletone", "Bullettwo", "Bulletthree", "Bulletfour")]
    assert lefts == sorted(lefts) and len(set(round(x) for x in lefts)) == 5
    assert "•" in layout_text(paper_pdf(rendered))


def test_bold_italic_and_a_quote_are_set_in_their_fonts(rendered):
    fonts = {w.text: w.font for w in styled_words(paper_pdf(rendered))}
    assert fonts["Boldword"].endswith("-Bold") and fonts["Italicword"].endswith("-Italic")
    assert fonts["Alpha"] == "LiberationSans"  # Arial in the template, laid out with its metric twin
    all_pages = pages(paper_pdf(rendered))
    assert word(all_pages, "Regulation")[1] > word(all_pages, "Charlie")[1] + 20  # indented


def test_a_link_keeps_its_text_and_prints_its_address(rendered):
    text = " ".join(layout_text(paper_pdf(rendered)).split())
    assert "a licensing page (example.org/licensing) link." in text


def test_a_picture_is_placed_within_the_text_width_with_its_description(rendered):
    listed = subprocess.run(["pdfimages", "-list", str(paper_pdf(rendered))], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert len(listed) == 1 and listed[0].split()[:3] == ["1", "0", "image"]  # drawn once, on page 1
    word_file = docx.Document(str(rendered["01-constructs.docx"]))
    (picture,) = word_file.inline_shapes
    assert picture._inline.docPr.get("descr") == "Bar chart of incidents by ward"
    section = word_file.sections[0]
    assert picture.width <= section.page_width - section.left_margin - section.right_margin


def test_wide_tables_stay_within_the_text_width_breaking_no_word_that_fits(rendered):
    all_pages = pages(paper_pdf(rendered))
    section = docx.Document(str(rendered["01-constructs.docx"])).sections[0]
    left, right = section.left_margin.pt, Length(section.page_width - section.right_margin).pt
    n, _ = word(all_pages, "Wardname")
    words = all_pages[n].words
    assert all(left - 1 <= w.x0 and w.x1 <= right + 1 for w in words)
    assert set(WIDE) <= {w.text for w in words}  # each header word whole, in one piece
    assert "Widecolumn0" not in {w.text for w in words}  # twelve long words cannot all fit whole


def test_a_newpage_line_starts_a_new_page(rendered):
    all_pages = pages(paper_pdf(rendered))
    n, _ = word(all_pages, "Echo")
    assert n > word(all_pages, "Delta")[0]
    body = [w.text for w in sorted(all_pages[n].words, key=lambda w: (round(w.y0), w.x0))]
    assert body[:2] == ["5.", "Echo"]


def test_a_table_running_over_a_page_repeats_its_header_row_on_each(rendered):
    all_pages = pages(paper_pdf(rendered))
    with_rows = [page for page in all_pages if any(w.text == "Rowword" for w in page.words)]
    assert len(with_rows) >= 2
    for page in with_rows:
        header = min((w for w in page.words if w.text == "Incidents"), key=lambda w: w.y0)
        first_row = min((w for w in page.words if w.text == "Rowword"), key=lambda w: w.y0)
        assert header.y0 < first_row.y0
    cells = " ".join(w.text for page in with_rows for w in page.words)
    assert f"Rowword {ROWS} {ROWS * 7}" in cells


def test_the_body_uses_only_the_templates_styles_and_lists(rendered):
    template = docx.Document(str(DEFAULT_TEMPLATES / "report.docx"))
    known = {style.name for style in template.styles}
    abstract = set(template.part.numbering_part.element.xpath("w:abstractNum/@w:abstractNumId"))
    word_file = docx.Document(str(rendered["01-constructs.docx"]))
    used = {p.style.name for p in word_file.paragraphs}
    assert used <= known
    assert {"Heading 1", "Heading 2", "Numbered Paragraph", "Sub-item", "Sub-sub-item", "List Bullet",
            "List Bullet 2", "List Bullet 3", "List Continue", "Quotations", "Body Text"} <= used
    assert {t.style.name for t in word_file.tables} == {"Council Table"}
    cells = {p.style.name for t in word_file.tables for row in t.rows for c in row.cells for p in c.paragraphs}
    assert cells == {"Table Heading", "Table Text"}
    numbering = word_file.part.numbering_part.element
    assert set(numbering.xpath("w:num/w:abstractNumId/@w:val")) <= abstract  # no list of our own
