"""Each template, filled from the skeleton `assembler new paper` writes, built into a pack; and a
house style changed in Word-like ways (by python-docx) carrying through to the PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image
from readback import check_pack, front_sheet_references, layout_text, page_range, pages, styled_words

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build, check
from assembler.commands.preview import preview
from assembler.commands.scaffold import new_meeting, new_paper
from assembler.sources.load import DEFAULT_TEMPLATES

OFFICER = "  - name: Ada Lovelace\n    role: Head of Service\n    phone: 01234 305 000\n    email: ada@example.org\n"


def fill(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def skeletons(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """A meeting started with `new meeting`, every template's paper with `new paper`, the required
    blanks filled in as an author would, then built."""
    folder = tmp_path_factory.mktemp("skeletons") / "cabinet-2026-10-15"
    new_meeting(folder)
    fill(folder / "meeting.yaml", "body:", "body: Cabinet")
    new_paper(folder / "minutes.md", "minutes")
    fill(folder / "minutes.md", "\ndate:", "\ndate: 2026-09-17")
    new_paper(folder / "strategy.md", "cabinet-report", "Community Safety Strategy")
    fill(folder / "strategy.md", "report_of:", "report_of: the Director of Children and Family Services")
    fill(folder / "strategy.md", "#  - name:", OFFICER + "#  - name:")
    new_paper(folder / "board.md", "report", "Board Report")
    new_paper(folder / "board-data.md", "appendix", "Board Data", appendix_to=folder / "board.md")
    assert check(folder) == []
    return build(folder, BuildOptions(tmp_path_factory.mktemp("out")))


def item_text(result: BuildResult, number: str) -> tuple[str, int, int]:
    """An item's text as laid out, without the stamps, and its first and last pages."""
    first, last = page_range(front_sheet_references(result.pack, 1)[number])
    text = layout_text(result.pack, first, last)
    return re.sub(r"^\s*(Page \d+|Agenda Item \d+)\s*$", "", text, flags=re.M), first, last


def headings(text: str) -> list[str]:
    """The lines that stand alone at the margin, from the first section on."""
    lines = re.findall(r"^([A-Z][A-Za-z()]*(?: [A-Za-z()]+)*)$", text, re.M)
    return lines[lines.index("Purpose of the Report"):]


def test_the_skeleton_meeting_builds_a_pack_with_its_papers_in_order(skeletons):
    marks = check_pack(skeletons.pack, duplex=True)
    assert sorted(marks, key=int) == ["2", "5", "6"]  # minutes, then the two papers before 'Other business'


def test_the_cabinet_report_opens_in_part_a_and_starts_part_b_on_a_new_page(skeletons):
    text, first, last = item_text(skeletons, "5")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[:5] == ["CABINET – 15 OCTOBER 2026", "COMMUNITY SAFETY STRATEGY",
                         "REPORT OF THE DIRECTOR OF CHILDREN AND FAMILY SERVICES", "PART A",
                         "Purpose of the Report"]
    assert headings(text) == [
        "Purpose of the Report", "Recommendations", "Reasons for Recommendation",
        "Timetable for Decisions (including Scrutiny)", "Policy Framework and Previous Decisions",
        "Resource Implications", "Circulation under the Local Issues Alert Procedure",
        "Officer to Contact", "PART B", "Background", "Consultation",
        "Equality and Human Rights Implications", "Crime and Disorder Implications",
        "Environmental Implications", "Partnership Working and Associated Issues", "Risk Assessment",
        "Background Papers", "None"]
    assert text.index("Officer to Contact") < text.index("Ada Lovelace, Head of Service") < text.index("PART B")
    all_pages = pages(skeletons.pack)
    part_b = next(n for n in range(first, last + 1) if "PART B" in all_pages[n - 1].text)
    assert part_b > first and all_pages[part_b - 1].text.split()[:3] == ["PART", "B", "Background"]
    numbers = [int(n) for n in re.findall(r"^(\d+)\.\s", text, re.M)]
    assert numbers == list(range(1, 15))  # run on from Part A into Part B


def test_the_board_report_skeleton_has_every_section_and_lists_its_appendix(skeletons):
    text, _, _ = item_text(skeletons, "6")
    assert headings(text)[:8] == ["Purpose of the Report", "Background", "Main Points", "Implications",
                                  "Recommendations", "Background Papers", "None", "Appendices"]
    assert "Appendix A – Board Data" in text
    assert re.search(r"^\s+APPENDIX A\s*$", text, re.M) and "Board Data" in text
    assert re.search(r"Financial\s+What it costs", text)  # the implications table


def test_the_minutes_skeleton_numbers_its_minutes_and_ends_with_the_signature(skeletons):
    text, _, _ = item_text(skeletons, "2")
    minutes = re.findall(r"^(\d+)\.\s+([A-Z ,]+)\.$", text, re.M)
    assert [n for n, _ in minutes] == ["1", "2", "3", "4", "5"]
    assert "RESOLVED:" in text and re.search(r"^\s+\(a\)\s+That the first decision", text, re.M)
    assert text.rstrip().endswith("CHAIRMAN")


HOUSE = "Liberation Serif"


@pytest.fixture(scope="module")
def restyled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One paper rendered with the stock templates and with a copy changed as a keeper would in Word:
    the numbered paragraphs' font and size, how the sub-items are numbered, and a logo at the top."""
    root = tmp_path_factory.mktemp("restyled")
    house = root / "house-style"
    shutil.copytree(DEFAULT_TEMPLATES, house)
    word = docx.Document(str(house / "report.docx"))
    Image.new("RGB", (400, 100), "darkgreen").save(root / "logo.png")
    word.paragraphs[0].insert_paragraph_before().add_run().add_picture(str(root / "logo.png"), width=Cm(4))
    style = word.styles["Numbered Paragraph"]
    style.font.name, style.font.size = HOUSE, Pt(14)
    level = word.part.numbering_part.element.xpath('w:abstractNum/w:lvl[w:pStyle/@w:val="SubItem"]')[0]
    level.find(qn("w:numFmt")).set(qn("w:val"), "upperLetter")
    level.find(qn("w:lvlText")).set(qn("w:val"), "%2)")
    word.save(str(house / "report.docx"))
    paper = ("---\ntitle: Restyled\n---\n# Heading\n\nAlpha paragraph.\n\nBravo paragraph:\n\n"
             "1. Firstitem\n2. Seconditem\n")
    found = {}
    for name, templates in (("stock", ""), ("house", "templates: ../house-style\n")):
        folder = root / name
        folder.mkdir()
        (folder / "meeting.yaml").write_text(f"body: Board\ndate: 2026-10-01\n{templates}items:\n"
                                             "  - title: Restyled\n    paper: p.md\n", encoding="utf-8")
        (folder / "p.md").write_text(paper, encoding="utf-8")
        found[name] = next(p for p in preview(folder / "p.md", root / "out", pdf=True).files if p.suffix == ".pdf")
    return found


def test_a_styles_font_changed_in_the_template_changes_the_pdf(restyled):
    stock = {w.text: w for w in styled_words(restyled["stock"])}
    house = {w.text: w for w in styled_words(restyled["house"])}
    assert (stock["Alpha"].font, stock["Alpha"].size) == ("LiberationSans", 12)
    assert (house["Alpha"].font, house["Alpha"].size) == ("LiberationSerif", 14)
    assert house["Heading"].font == stock["Heading"].font == "LiberationSans-Bold"  # other styles kept


def test_numbering_changed_in_the_template_changes_the_pdf(restyled):
    assert re.search(r"^\s+\(a\)\s+Firstitem", layout_text(restyled["stock"]), re.M)
    house = layout_text(restyled["house"])
    assert re.search(r"^\s+A\)\s+Firstitem", house, re.M) and re.search(r"^\s+B\)\s+Seconditem", house, re.M)
    assert re.search(r"^1\.\s+Alpha", house, re.M)


def test_a_logo_added_to_the_template_is_printed(restyled):
    def pictures(pdf: Path) -> int:
        listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
        return len(listed.stdout.splitlines()[2:])

    assert (pictures(restyled["stock"]), pictures(restyled["house"])) == (0, 1)


@pytest.fixture(scope="module")
def restyled_front(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack built with the front sheet's "Agenda Item" and the minutes' "Attendance" styles changed
    in a copy of the templates, as a keeper would in Word."""
    root = tmp_path_factory.mktemp("restyled-front")
    house = root / "house-style"
    shutil.copytree(DEFAULT_TEMPLATES, house)
    for template, name, size in (("agenda", "Agenda Item", 15), ("minutes", "Attendance", 13)):
        word = docx.Document(str(house / f"{template}.docx"))
        word.styles[name].font.name, word.styles[name].font.size = HOUSE, Pt(size)
        word.save(str(house / f"{template}.docx"))
    folder = root / "m"
    folder.mkdir()
    (folder / "meeting.yaml").write_text("body: Board\ndate: 2026-10-01\ntemplates: ../house-style\nitems:\n"
                                         "  - title: Restyledtitle\n    paper: minutes.md\n", encoding="utf-8")
    (folder / "minutes.md").write_text("---\ntitle: Minutes\ntemplate: minutes\ndate: 2026-06-11\ntime: 10 am\n"
                                       "present:\n  - {name: Attendeename, role: Attendeerole}\n---\n"
                                       "## Item\n\nText.\n", encoding="utf-8")
    return build(folder, BuildOptions(root / "out")).pack


def test_restyling_the_front_sheet_and_the_minutes_lists_in_word_reaches_them(restyled_front):
    words = {w.text: w for w in styled_words(restyled_front)}
    assert (words["Restyledtitle"].font, words["Restyledtitle"].size) == ("LiberationSerif", 15)
    assert (words["Attendeename"].font, words["Attendeename"].size) == ("LiberationSerif", 13)
    assert (words["Attendeerole"].font, words["Attendeerole"].size) == ("LiberationSerif", 13)
    assert words["Text."].font == "LiberationSans"  # other styles kept
