"""The web version of a meeting (output/<id>/web/): read back in headless Chromium, beside the packs' PDFs."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from readback import first_pages, front_sheet_references, is_filler, layout_text, pages
from selenium import webdriver
from selenium.webdriver.common.by import By

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build
from assembler.plan.pages import page_reference
from assembler.publish.html import anchor_places, squeezed
from assembler.publish.opendata import folded, start_time
from tests.web.browser import assert_accessible, start_chromium

ROOT = Path(__file__).resolve().parent.parent
FULL = ROOT / "papers" / "northshire-scsb-2026-09-24-full"
# What the full example's exempt items hold that nothing public does: their real titles, their
# files' names, the contractor, the bids, the place and the person.
MARKERS = ("Harrowgate", "Vigil", "Quorn", "412,500", "Award of the Town Centre", "Northtown Case",
           "Tannery", "Adult M", "cctv-contract", "domestic-homicide-review", "Independent Chair")
PARAGRAPH_NUMBER = re.compile(r"^(\d+)\.[ \t]+\S", re.M)  # "12. It is recommended", at the margin


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build(FULL, BuildOptions(tmp_path_factory.mktemp("full")))


@pytest.fixture(scope="module")
def webs(example: BuildResult, full: BuildResult) -> list[Path]:
    """Both example meetings' web/ folders, built with real LibreOffice."""
    return [example.pack.parent / "web", full.pack.parent / "web"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def papers_of(web: Path) -> list[Path]:
    return sorted(web.glob("[0-9]*.html"))


def item_pdf(web: Path, page: Path) -> Path:
    """The item's own PDF, as its index links it."""
    return next((web.parent / "items").glob(f"{page.name.split('-')[0]}-*.pdf"))


def by_footer(pdf: Path) -> dict[int, int]:
    """Pack page number, as the footer prints it → page of this PDF (from 1)."""
    return {int(page.footer.split()[-1]): n for n, page in enumerate(pages(pdf), 1)}


USED = "return [...document.querySelectorAll('link[href], img[src], script[src]')].map(e => e.href || e.src)"


def test_every_page_passes_axe_core_and_stands_alone(webs, browser):
    for web in webs:
        for page in [web / "index.html", *papers_of(web)]:
            browser.get(page.as_uri())
            assert_accessible(browser)
            assert browser.title and browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en-GB"
            skip = browser.find_element(By.CSS_SELECTOR, "a.skip")
            assert skip.get_attribute("href").endswith("#main") and browser.find_elements(By.ID, "main")
            used = browser.execute_script(USED)
            assert used and all(url.startswith("file://") for url in used), used
            assert browser.execute_script("return getComputedStyle(document.body).maxWidth") == "736px"  # style.css
            assert not browser.find_elements(By.TAG_NAME, "script")
    css = (webs[0] / "style.css").read_text()
    assert "@media print" in css and "@import" not in css and "url(" not in css


def test_the_index_gives_the_front_sheets_references(webs, browser):
    for web in webs:
        browser.get((web / "index.html").as_uri())
        shown = {}
        for section in browser.find_elements(By.CSS_SELECTOR, "section.item"):
            number = section.get_attribute("id").removeprefix("item-")
            marked = section.find_elements(By.CSS_SELECTOR, ".marked")
            in_pack = section.find_elements(By.CSS_SELECTOR, ".in-pack")
            shown[number] = (marked[0].text if marked else "", in_pack[0].text if in_pack else "Agenda")
        for pack, heading in (("agenda-pack.pdf", "Agenda"), ("supplement-1-pack.pdf", "Supplementary agenda")):
            pdf = web.parent / pack
            if not pdf.exists():
                continue
            front = min(first_pages(pages(pdf)).values()) - 1
            references = front_sheet_references(pdf, front)
            assert references and all(shown[n] == (r, heading) for n, r in references.items()), (pack, shown)
    full_index = (webs[1] / "index.html").read_text()
    assert "Exempt – paragraph 3 of Part 1 of Schedule 12A" in full_index
    assert "Town Centre CCTV Maintenance Contract." in full_index
    assert "Item 4, Local Policing Performance Report. (PDF only)" in full_index
    assert "<h1>Northshire Safer Communities Strategy Board</h1>\n<!-- assembler: changes -->" in full_index


def test_paragraph_numbers_are_those_of_the_pdf(webs, browser):
    checked = 0
    for web in webs:
        for page in papers_of(web):
            browser.get(page.as_uri())
            numbers = [int(n.text.rstrip(".")) for n in browser.find_elements(By.CSS_SELECTOR, "main .number")]
            anchors = [int(a.get_attribute("id").removeprefix("page-"))
                       for a in browser.find_elements(By.CSS_SELECTOR, "span.page")]
            pdf = item_pdf(web, page)
            footers = by_footer(pdf)
            text = layout_text(pdf, footers[min(anchors)], footers[max(anchors)])
            assert numbers == [int(n) for n in PARAGRAPH_NUMBER.findall(text)], page.name
            checked += len(numbers)
    assert checked > 150


ANCHORED = """
const mark = arguments[0];
const inside = mark.parentElement.closest('li, td, th');
const block = inside ? inside.closest('li, tr') : mark.nextElementSibling;
return [block.tagName, block.textContent.replace(/Page \\d+/g, ' ')];
"""


def markdown_pages(item: Path) -> set[int]:
    """The pack's pages of an item's Markdown paper and appendices: a partner's PDF has no web page."""
    folder = item.parent.parent
    entries = [entry for manifest in folder.glob("*manifest.json")
               for entry in json.loads(manifest.read_text())["items"] if entry.get("pdf") == f"items/{item.name}"]
    documents = [doc for entry in entries for doc in [entry["paper"], *entry.get("appendices", [])] if doc]
    return {page for doc in documents if doc["file"].endswith(".md")
            for page in range(doc["first_page"], doc["last_page"] + 1)}


def test_each_page_of_the_pack_has_an_anchor_at_its_first_paragraph(webs, browser):
    for web in webs:
        for item in sorted({item_pdf(web, page) for page in papers_of(web)}):
            own = [page for page in papers_of(web) if item_pdf(web, page) == item]
            printed = pages(item)
            numbers = {int(page.footer.split()[-1]) for page in printed if not is_filler(page)} & markdown_pages(item)
            anchored: dict[int, tuple[str, str]] = {}
            for page in own:
                browser.get(page.as_uri())
                for mark in browser.find_elements(By.CSS_SELECTOR, "span.page"):
                    number = int(mark.get_attribute("id").removeprefix("page-"))
                    assert mark.text == f"Page {number}"
                    anchored[number] = browser.execute_script(ANCHORED, mark)
            assert set(anchored) == numbers, item.name
            for number, (tag, text) in anchored.items():
                on_page = squeezed(printed[by_footer(item)[number] - 1].text)
                # The anchored paragraph starts on the page, or runs onto it from the page before.
                first_line = squeezed(next(line for line in printed[by_footer(item)[number] - 1].lines()
                                           if not line.startswith("Agenda Item")))
                assert squeezed(text)[:30] in on_page or first_line in squeezed(text), (item.name, number, tag)


def test_no_exempt_material_reaches_web(webs, full):
    web = webs[1]
    for path in web.rglob("*"):
        assert not any(m.lower() in path.name.lower() for m in MARKERS), path.name
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = [m for m in MARKERS if m.lower() in text.lower()]
        assert not leaked, f"{path.name} gives away {leaked}"
    assert (full.pack.parent / "confidential" / "confidential-pack.pdf").exists()  # there was something to leak


def test_meeting_json_is_an_open_civic_data_event(webs):
    event = json.loads((webs[1] / "meeting.json").read_text(encoding="utf-8"))
    assert event["name"] == "Northshire Safer Communities Strategy Board"
    assert event["start_date"] == "2026-09-24T10:00:00+01:00" and event["timezone"] == "Europe/London"
    assert event["location"]["name"] == "County Hall, Northtown" and event["status"] == "confirmed"
    assert [d["links"][0]["url"] for d in event["documents"]] == ["../agenda-pack.pdf", "../supplement-1-pack.pdf"]
    assert event["sources"] and event["classification"]
    agenda = {entry["extras"]["number"]: entry for entry in event["agenda"]}
    assert [entry["order"] for entry in event["agenda"]] == [str(n) for n in range(1, 11)]
    minutes = agenda["2"]
    assert minutes["media"][0]["links"] == [
        {"media_type": "application/pdf", "url": "../items/02-minutes-of-the-meeting-held-on-11-june-2026.pdf"},
        {"media_type": "text/html", "url": "02-minutes-of-the-meeting-held-on-11-june-2026.html"}]
    extras = minutes["extras"]
    assert extras["first_page"] == 3 and page_reference(extras["first_page"], extras["last_page"]) == extras["marked"]
    assert agenda["7"]["extras"]["pack"] == "supplement-1-pack.pdf"
    assert agenda["8"]["description"] == "Town Centre CCTV Maintenance Contract." and not agenda["8"]["media"]
    assert agenda["4"]["related_entities"][0]["name"].startswith("Chief Superintendent Claire Donnelly")
    for entry in event["agenda"]:
        for media in entry["media"]:
            for link in media["links"]:
                assert (webs[1] / link["url"]).is_file(), link


def test_meeting_ics_is_a_calendar_entry(webs):
    raw = (webs[0] / "meeting.ics").read_bytes()
    lines = raw.split(b"\r\n")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines) and any(line.startswith(b" ") for line in lines)
    calendar = icalendar.Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == datetime.datetime(2026, 9, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    assert str(event["UID"]) == "northshire-scsb-2026-09-24@assembler"
    assert str(event["SUMMARY"]) == "Northshire Safer Communities Strategy Board"
    assert str(event["LOCATION"]) == "County Hall, Northtown"
    description = str(event["DESCRIPTION"])
    assert "9. Safer Communities Performance – Quarter 1 2026-27. (Pages 27 - 35)" in description
    assert "10. Neighbourhood Policing Model Review. Verbal report" in description


def test_a_page_is_anchored_where_its_first_paragraph_is_found_or_at_the_one_running_onto_it():
    texts = ["Report title", "", "First paragraph of the report", "A paragraph running over a whole page",
             "Words the PDF does not hold", "Last paragraph"]
    pages = [squeezed("REPORT TITLE 1. First paragraph of the report 2. A paragraph running"),
             squeezed("over a whole page"), squeezed("page three: Last paragraph"), ""]
    # page 1: the title; page 2: nothing starts on it; page 3: the piece not found is passed over;
    # page 4 (blank): the piece before it
    assert anchor_places(texts, pages) == [0, 3, 5, 5]
    assert anchor_places(["Nothing", "matches"], ["abc", "def"]) == [0, 0]  # every page has an anchor


def test_the_calendar_folds_long_lines_between_characters():
    line = "DESCRIPTION:" + "Safer Communities Performance – Quarter 1 2026-27. " * 5
    folded_line = folded(line).encode("utf-8")
    parts = folded_line.removesuffix(b"\r\n").split(b"\r\n")
    assert all(len(part) <= 75 for part in parts) and all(part.startswith(b" ") for part in parts[1:])
    assert b"".join(part.removeprefix(b" ") if n else part for n, part in enumerate(parts)).decode() == line


@pytest.mark.parametrize(("text", "time"), [("10.00 am", datetime.time(10)), ("2.00pm", datetime.time(14)),
                                             ("14:30", datetime.time(14, 30)), ("10.00 - 11.25 am", datetime.time(10)),
                                             ("12.15 pm", datetime.time(12, 15)), ("After Cabinet", None), ("", None)])
def test_the_start_time_is_read_from_the_meetings_time(text, time):
    assert start_time(text) == time


def test_a_table_whose_header_cells_are_empty_has_no_header_row_online_either():
    from markdown_it.tree import SyntaxTreeNode

    from assembler.model import Document
    from assembler.publish.html import HtmlBody
    from assembler.render.body import checked

    body = HtmlBody(Document(Path("p.md"), "md", "P", template="report"), lambda name: name)
    for markdown, header in (("|  |  |\n|--|--|\n| a | b |\n", False), ("| x | y |\n|--|--|\n| a | b |\n", True)):
        table = SyntaxTreeNode(checked(markdown, Path(), 1)).children[0]
        html = "".join(piece.opening + piece.rest for piece in body.table(table))
        assert ("<thead>" in html) == header and "<td>a</td>" in html, html
