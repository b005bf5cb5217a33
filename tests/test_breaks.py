"""Page breaks, appendix labels and numbering as a typesetter would have them (issue 14), read back
from a real pack built with LibreOffice: pdftotext -layout, page by page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pikepdf
import pytest
import yaml
from conftest import report
from partners import word
from readback import FILLER, layout_text, pages

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.commands.preview import preview
from assembler.errors import AssemblerError
from assembler.pdf.structure import check_structure
from assembler.sources.load import DEFAULT_TEMPLATES

LETTER = Path(__file__).parent.parent / "papers" / "northshire-scsb-2026-09-24-full" / "home-office-grant-letter.pdf"
REPORTS = 6  # reports of lengths one line apart, so that page ends fall at every place in them
CLOSING = ("Officers to Contact", "Officer to Contact", "Background Papers", "Appendices")
OFFICERS = [{"name": "Amira Holt", "role": "Officer", "phone": "01234 000 001", "email": "a@example.org"},
            {"name": "Ben Orr", "role": "Officer", "phone": "01234 000 002", "email": "b@example.org"}]


def long_body(extra: int) -> str:
    """Paragraphs of one to five lines, each third one introducing a list, for about four pages."""
    blocks = ["Opening paragraph. " + "More words to fill the line out. " * (4 * extra)]
    for n in range(1, 40):
        words = "This sentence fills out the paragraph to its length. " * (2 * (n % 5) + 1)
        if n % 3:
            blocks.append(f"Paragraph{n} text. {words}")
        else:
            blocks.append(f"Paragraph{n} introduces a list: {words}It is recommended that:\n\n"
                          f"1. Firstpoint{n} of the list;\n2. Secondpoint{n} of the list.")
    return "\n\n".join(blocks) + "\n"


NUMBERED = """\
# Proposals

Paragraph one stands alone.

Paragraph two introduces sub-paragraphs:

1. Subone of paragraph two.
2. Subtwo of paragraph two, with its own list:
   1. Deepone;
   2. Deeptwo.

Paragraph three follows the sub-paragraphs.

The options are:
I. Upperone
II. Uppertwo
III. Upperthree
IV. Upperfour

i. Lowerone
ii. Lowertwo

(i) Bracketone
(ii) Bracketwo
"""

MINUTES = """\
---
title: Minutes of a meeting held on 11 June 2026
template: minutes
date: 2026-06-11
time: "10.00 - 11.00 am"
present:
  - {name: Mr. R. Hale, role: Chairman}
---
## Performance

The Board noted:
(i) Pointone of the points noted;
(ii) Pointtwo of the points noted;
(iii) Pointthree of the points noted;
(iv) Pointfour of the points noted.

Members asked:

1. Askone about the figures;
2. Asktwo about the trend.

(a) Lettered line as written.
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("breaks") / "m"
    folder.mkdir()
    items: list[dict[str, object]] = [{"title": "Minutes", "paper": "minutes.md"}]
    (folder / "minutes.md").write_text(MINUTES, encoding="utf-8")
    for n in range(REPORTS):
        (folder / f"r{n}.md").write_text(report(f"Report {n}", long_body(n), officers=OFFICERS,
                                                background_papers=["The strategy"],
                                                appendices=[{"title": "Notes", "file": "notes.md"}]),
                                         encoding="utf-8")
        items.append({"title": f"Report {n}", "paper": f"r{n}.md"})
    (folder / "notes.md").write_text("Notes in Markdown.\n", encoding="utf-8")
    (folder / "exempt-notes.md").write_text("Confidential notes.\n", encoding="utf-8")
    (folder / "numbered.md").write_text(report(
        "Numbering", NUMBERED, subparagraphs="decimal", appendices=[
            {"title": "Notes", "file": "exempt-notes.md"},
            {"title": "Partner's letter", "file": "letter.docx"},
            {"title": "Home Office letter", "file": "letter.pdf", "label": "Appendix 3"}]), encoding="utf-8")
    (folder / "letter.docx").write_bytes(word("Letterheading", ["Letter text."] * 3))
    # A tagged partner's PDF: an untagged one's pages stay untagged, and its notice with them.
    shutil.copy(LETTER, folder / "letter.pdf")
    # Exempt, so that its partner's appendices carry the notice as well as their label.
    items.append({"title": "Numbering", "paper": "numbered.md", "exempt": 3})
    (folder / "meeting.yaml").write_text(yaml.safe_dump({"body": "Board", "date": "2026-09-24", "items": items}),
                                         encoding="utf-8")
    packs = build(folder, BuildOptions(folder.parent / "out")).packs
    return next(p for p in packs if p.name == "confidential-pack.pdf")  # every item, the exempt one too


def page_lines(pdf_path: Path) -> list[list[str]]:
    """Each page's lines of text, the stamps and the footer left out."""
    text = layout_text(pdf_path).split("\n")
    found, page = [], []
    for line in text:
        line = line.strip()
        if re.fullmatch(r"Page \d+", line):
            found.append(page)
            page = []
        elif line and not re.fullmatch(r"Agenda Item \S+", line):
            page.append(line)
    return found


def test_no_page_ends_with_a_paragraph_that_introduces_what_follows(pack):
    lines = page_lines(pack)
    ends = [(n, page[-1]) for n, page in enumerate(lines, 1) if page and page[-1] != FILLER]
    assert len(ends) > 3 * REPORTS  # the reports run over several pages each
    colons = [(n, end) for n, end in ends if end.endswith(":") and n < len(lines)]
    assert not colons, f"a page ends with the line that introduces the next page's list: {colons}"


def test_a_closing_heading_is_never_the_last_line_of_a_page(pack):
    alone = [(n, page[-1]) for n, page in enumerate(page_lines(pack), 1) if page and page[-1] in CLOSING]
    assert not alone


def test_the_first_page_of_every_appendix_shows_its_label(pack):
    lines = page_lines(pack)
    starts = {"Appendix A": "Confidential notes.", "Appendix B": "Letterheading", "Appendix 3": "2 Marsham Street"}
    for label, first_text in starts.items():
        found = [n for n, page in enumerate(lines) if any(first_text in line for line in page)]
        assert found, first_text
        first = " ".join(lines[found[0]])
        assert label in first or label.upper() in first, (label, first[:80])


def test_a_label_stamp_sits_at_the_top_right_in_the_margin(pack):
    for page in pages(pack):
        words = [w.text for w in page.words]
        if "Marsham" not in words:
            continue
        label = next(w for n, w in enumerate(page.words) if w.text == "3" and words[n - 1] == "Appendix")
        own = [w for w in page.words if w.text == "Marsham"]
        assert label.x1 > page.width * 0.8  # right-hand, as "Agenda Item N" is
        assert label.y1 < page.height / 8 and label.y1 < own[0].y0  # at the top, above the letter's text
        return
    pytest.fail("no page shows the letter")


def test_a_label_is_tagged_as_a_paragraph_after_the_notice(pack):
    assert check_structure(pack) == []
    with pikepdf.open(pack) as doc:
        parents = pikepdf.NumberTree(doc.Root.StructTreeRoot.ParentTree)
        stamps = [p.Resources.XObject.AssemblerStamp for p in doc.pages]
        tagged = [[element.S for element in parents[int(form.StructParents)]] for form in stamps
                  if "/StructParents" in form]
        labels = [form for form in stamps if b"(Appendix" in form.read_bytes()]
        assert len(labels) == 2  # Appendix B (.docx) and Appendix 3 (.pdf); Appendix A prints its own
        for form in labels:
            assert [element.S for element in parents[int(form.StructParents)]] == ["/P", "/P"]
            drawn = form.read_bytes()
            assert drawn.index(b"/MCID 0") < drawn.index(b"NOT FOR PUBLICATION") < drawn.index(b"/MCID 1") \
                < drawn.index(b"(Appendix")
        assert tagged.count(["/P"]) > 0  # the exempt paper's other pages: the notice alone


def test_decimal_sub_paragraphs_count_under_their_paragraph(pack):
    text = re.sub(r"\s+", " ", layout_text(pack))
    assert "2. Paragraph two introduces" in text
    assert "2.1 Subone" in text and "2.2 Subtwo" in text
    assert "(a) Deepone" in text and "(b) Deeptwo" in text
    assert "3. Paragraph three follows" in text  # paragraph three stays 3


def test_roman_lists_are_numbered_as_written(pack):
    text = re.sub(r"\s+", " ", layout_text(pack))
    assert "4. The options are:" in text  # the line that introduces the list stays a paragraph
    for marker, word_ in (("I.", "Upperone"), ("II.", "Uppertwo"), ("III.", "Upperthree"), ("IV.", "Upperfour"),
                          ("i.", "Lowerone"), ("ii.", "Lowertwo"), ("(i)", "Bracketone"), ("(ii)", "Bracketwo")):
        assert f"{marker} {word_}" in text


def test_minutes_keep_the_authors_own_markers(pack):
    text = re.sub(r"\s+", " ", layout_text(pack))
    assert "The Board noted: (i) Pointone" in text
    for marker, point in (("(ii)", "Pointtwo"), ("(iii)", "Pointthree"), ("(iv)", "Pointfour")):
        assert f"{marker} {point}" in text
    assert "1. Askone" in text and "2. Asktwo" in text
    assert "(a) Lettered line" in text


@pytest.mark.parametrize(("body", "front", "message"), [
    ("Options:\nI. One\nII. Two\n", {}, "the template has no style named 'Roman List'"),
    ("Paragraph:\n\n1. One\n", {"subparagraphs": "decimal"},
     "the template has no numbering definition named 'Decimal paragraphs'"),
])
def test_a_house_template_made_before_these_lists_is_named_in_one_line(tmp_path, body, front, message):
    """A house template without the Roman styles or the decimal definition (made before them): the
    paper that needs one is refused in a line naming the template, before LibreOffice starts."""
    house = tmp_path / "house"
    shutil.copytree(DEFAULT_TEMPLATES, house)
    word = docx.Document(str(house / "report.docx"))
    for element in word.styles.element.xpath('w:style[w:name/@w:val="Roman List"]'):
        element.getparent().remove(element)
    for name in word.part.numbering_part.element.xpath("w:abstractNum/w:name"):
        name.getparent().remove(name)
    word.save(str(house / "report.docx"))
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "meeting.yaml").write_text(yaml.safe_dump({"body": "Board", "date": "2026-09-24", "templates": "../house",
                                                         "items": [{"title": "R", "paper": "p.md"}]}), encoding="utf-8")
    (folder / "p.md").write_text(report("R", body, **front), encoding="utf-8")
    with pytest.raises(AssemblerError) as raised:
        preview(folder / "p.md", tmp_path / "out")
    assert message in raised.value.problem.message
    assert raised.value.problem.path.name in ("p.md", "report.docx")
    assert "\n" not in str(raised.value)
