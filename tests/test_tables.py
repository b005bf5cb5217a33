"""Tables laid out as a typesetter would: columns as wide as their text needs, no word broken, GFM's
alignment, no header row when none is written, and landscape pages for what is too wide for portrait.

One meeting is built once with real LibreOffice, and its pack and Word files are read back.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build
from tests.conftest import ROOT, report
from tests.readback import Page, check_pack, first_pages, layout_text, pages

FULL = ROOT / "papers" / "northshire-scsb-2026-09-24-full"
# The example's 10-column performance dashboard: its table alone, from its header row on.
DASHBOARD = (FULL / "serious-violence-dashboard.md").read_text(encoding="utf-8").split("\n\n", 2)[-1]

ACTION_PLAN = "".join(f"| {' | '.join(row)} |\n" for row in (
    ("Action", "Lead", "Due", "Progress"),
    ("---", "---", "---", "---"),
    ("Refresh the strategy", "Head of Safer Communities", "March 2027",
     "Consultation with the districts closed in August; the draft goes to the Board in December."),
    ("Agree data sharing", "Senior Analyst", "June 2027",
     "Signed by the Police, Probation and four of the six district councils; the others by October."),
))

ALIGNED = """\
| Activity | Amount | Rating |
|:--|--:|:-:|
| Youth outreach in Northtown | £84,000 | Green |
| Hospital navigators | £1,000 | A |
| Knife crime education in schools | £138,000 | Red |
"""

NO_HEADER = """\
| | |
|---|---|
| Chair | Councillor Amrit Pal |
| Vice-chair | Councillor Joan Fry |
"""

PORTRAIT = report("Safer Communities Performance",
                  "# Introduction\n\nThis report sets out performance for the quarter.\n\n"
                  f"## Performance Dashboard\n\n{DASHBOARD}\n# Action Plan\n\n{ACTION_PLAN}\n"
                  f"# Allocation\n\n{ALIGNED}\n# Membership\n\n{NO_HEADER}")
TURNED = report("Safer Communities Performance Dashboard", "The dashboard follows.\n\n" + DASHBOARD,
                orientation="landscape",
                appendices=[{"title": "Dashboard for the Districts", "file": "districts.md"}])
TURNED_APPENDIX = "---\ntemplate: appendix\norientation: landscape\n---\n\n" + DASHBOARD
ENDING = report("Dashboard Only", DASHBOARD, numbered=False)  # a body that is one wide table


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp("tables")
    meeting = folder / "m"
    meeting.mkdir()
    (meeting / "meeting.yaml").write_text(
        "body: Safer Communities Board\ndate: 2026-09-24\nitems:\n"
        "  - {title: Performance., paper: portrait.md}\n"
        "  - {title: Dashboard., paper: turned.md}\n"
        "  - {title: Dashboard only., paper: ending.md}\n", encoding="utf-8")
    for name, text in (("portrait.md", PORTRAIT), ("turned.md", TURNED), ("districts.md", TURNED_APPENDIX),
                       ("ending.md", ENDING)):
        (meeting / name).write_text(text, encoding="utf-8")
    return build(meeting, BuildOptions(folder / "out"))


def cell_words(table: str) -> set[str]:
    """Every word of a Markdown table's cells."""
    rows = [line for line in table.splitlines() if line.startswith("|") and not re.match(r"\|[-:| ]+\|$", line)]
    return {word for row in rows for cell in row.strip("|").split("|") for word in cell.split()}


def table_pages(pack: Path, item: str) -> list[Page]:
    """The pages of an item's paper, from its stamped first page to the next filler or paper."""
    all_pages = pages(pack)
    first = first_pages(all_pages)[item]
    found = []
    for page in all_pages[first - 1:]:
        if found and (page.item_stamp() or "intentionally left blank" in page.text):
            break
        found.append(page)
    return found


def word_xml(built: BuildResult, item: str) -> str:
    paper = next((built.pack.parent / "papers").glob(f"0{item}-*.docx"))
    with zipfile.ZipFile(paper) as parts:
        return parts.read("word/document.xml").decode()


def tables_of(xml: str) -> list[str]:
    return re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S)


def test_the_pack_passes_its_checks_with_landscape_pages(built: BuildResult):
    check_pack(built.pack, duplex=True, landscape=True)


def test_no_word_of_a_wide_table_is_broken(built: BuildResult):
    printed = {word.text for page in table_pages(built.pack, "1") for word in page.words}
    broken = cell_words(DASHBOARD) - printed
    assert not broken, f"broken or missing: {sorted(broken)}"
    assert {"Overall", "population)", "Indicators"} <= printed


def test_a_table_too_wide_for_portrait_gets_landscape_pages_of_its_own(built: BuildResult):
    shapes = ["landscape" if page.width > page.height else "portrait" for page in table_pages(built.pack, "1")]
    # The introduction on a portrait page, the dashboard (with its heading) on landscape ones, the
    # rest of the report portrait again.
    assert shapes[0] == "portrait" and shapes[-1] == "portrait" and "landscape" in shapes
    turned = [n for n, shape in enumerate(shapes) if shape == "landscape"]
    assert turned == list(range(turned[0], turned[-1] + 1))
    landscape = [table_pages(built.pack, "1")[n] for n in turned]
    assert "Performance Dashboard" in landscape[0].text and "Introduction" not in landscape[0].text
    # Nine rows as tall as their words need: two landscape pages (five portrait ones before).
    assert len(landscape) <= 2


def test_a_body_that_is_a_wide_table_turns_every_page_and_leaves_none_empty(built: BuildResult):
    paper = table_pages(built.pack, "3")
    assert all(page.width > page.height for page in paper)  # its title too: not alone on a portrait page
    assert all(page.text.replace(page.footer, "").strip() for page in paper)
    assert "Background Papers" in paper[-1].text


def test_the_wordiest_column_of_an_action_plan_is_the_widest(built: BuildResult):
    plan = next(t for t in tables_of(word_xml(built, "1")) if "Refresh the strategy" in t)
    widths = [int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"/>', plan)]
    assert len(widths) == 4 and max(widths) == widths[3], widths
    assert widths[3] > 2 * widths[0]
    # Each cell says the width of its column, and the layout is fixed, so LibreOffice keeps them.
    assert '<w:tblLayout w:type="fixed"/>' in plan
    assert re.findall(r'<w:tcW w:w="(\d+)"', plan)[:4] == [str(w) for w in widths]


def test_columns_are_aligned_as_the_markdown_says(built: BuildResult):
    page = next(p for p in table_pages(built.pack, "1") if "£84,000" in p.text)
    amounts = [w for w in page.words if w.text in ("£84,000", "£1,000", "£138,000")]
    ratings = [w for w in page.words if w.text in ("Green", "A", "Red") and w.x0 > amounts[0].x1]
    assert len(amounts) == 3 and len(ratings) == 3

    def spread(values: list[float]) -> float:
        return max(values) - min(values)

    assert spread([w.x1 for w in amounts]) < 1 and spread([w.x0 for w in amounts]) > 10  # right
    assert spread([(w.x0 + w.x1) / 2 for w in ratings]) < 1 and spread([w.x0 for w in ratings]) > 5  # centred
    names = [w for w in page.words if w.text in ("Youth", "Hospital", "Knife")]
    assert len(names) == 3 and spread([w.x0 for w in names]) < 1  # left


def test_a_table_without_header_text_has_no_header_row(built: BuildResult):
    tables = tables_of(word_xml(built, "1"))
    members = next(t for t in tables if "Vice-chair" in t)
    assert "w:tblHeader" not in members and 'w:firstRow="0"' in members
    assert re.search(r'<w:tblLook w:val="0400"', members)  # nor in Word's older form of it
    assert "<w:shd" not in members
    first_row = re.search(r"<w:tr>.*?</w:tr>", members, re.S)
    assert first_row and "Chair" in first_row.group(0)
    # The other tables keep theirs, repeated on each page
    assert all("w:tblHeader" in t for t in tables if t is not members)


def test_a_landscape_paper_and_appendix_are_on_landscape_a4_with_the_stamp_upright(built: BuildResult):
    all_pages = pages(built.pack)
    first = first_pages(all_pages)["2"]
    reader = PdfReader(built.pack)
    paper = table_pages(built.pack, "2")
    count = len(paper)
    appendix = all_pages[first - 1 + count:]
    appendix = appendix[1:] if appendix and "intentionally left blank" in appendix[0].text else appendix
    assert appendix and "APPENDIX A" in appendix[0].text
    for n in range(first, first + count + len(appendix)):
        page = reader.pages[n - 1]
        if "intentionally left blank" in all_pages[n - 1].text:
            continue
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595) and page.rotation == 0, n
    assert re.search(r"^\s*Agenda Item 2$", layout_text(built.pack, first, first), re.M)
    stamp = [w for w in all_pages[first - 1].words if w.text in ("Agenda", "Item")]
    assert len(stamp) == 2 and all(w.x1 - w.x0 > w.y1 - w.y0 for w in stamp)  # upright: wider than tall
    top_margin = 1418 / 20  # the template's left margin, which turned with the page
    assert all(w.y1 < top_margin and w.x1 < 842 - 14 for w in stamp)
    own = [w for w in all_pages[first - 1].words if abs(w.y0 - stamp[0].y0) > 1 and w.y0 < 595 / 2]
    assert min(w.y0 for w in own) >= top_margin - 2  # the paper's own text starts below the margin


def test_an_orientation_that_is_neither_is_one_line_naming_the_file(tmp_path: Path):
    meeting = tmp_path / "m"
    meeting.mkdir()
    (meeting / "meeting.yaml").write_text(
        "body: Board\ndate: 2026-09-24\nitems:\n  - {title: Report., paper: p.md}\n", encoding="utf-8")
    (meeting / "p.md").write_text(report("Report", "Text.\n", orientation="sideways"), encoding="utf-8")
    command = [sys.executable, "-m", "assembler", "render", str(meeting / "p.md"), "-o", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if "sideways" in line]
    assert len(lines) == 1 and lines[0].endswith("p.md: orientation: 'sideways' should be portrait or landscape")
