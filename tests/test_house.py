"""House conventions (house.yaml beside the templates, or meeting.yaml's `house:`), the warning for
an appendix a paper names but lacks, "Officer to Contact" and the Word files' properties: real
builds with LibreOffice, read back."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import MakeMeeting, report
from readback import check_pack, layout_text, pages

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build
from assembler.errors import InvalidSources
from assembler.sources.load import DEFAULT_TEMPLATES, load_meeting

FULL_WORDING = "Exempt – paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972"
OFFICER = {"name": "Ann Lee", "role": "Community Safety Manager", "email": "ann.lee@example.org"}
MEETING = {
    "body": "Eastmere Community Safety Board", "date": "2026-10-01", "organisation": "Eastmere Council",
    "contact": {"name": "Joan Clerk", "phone": "01234 567 890", "email": "joan.clerk@example.org"},
    "items": [
        {"title": "Apologies."},
        # a page, then a one-page appendix: where the appendix goes and what the range counts show
        {"title": "Community safety plan.", "paper": "plan.md"},
        {"title": "Grant update.", "paper": "grant.md"},
        {"title": "Contract award.", "public_title": "Contract award.", "paper": "contract.md", "exempt": 3},
    ],
}
FILES = {
    "plan.md": report("Community Safety Plan", "The plan.", officers=[OFFICER],
                      appendices=[{"title": "Measures", "file": "measures.md"}]),
    "measures.md": "The measures.",
    "grant.md": report("Grant Update", "The grant.", officers=[OFFICER, OFFICER | {"name": "Bob Ray"}]),
    "contract.md": report("Contract Award", "The bids."),
}


def built(make_meeting: MakeMeeting, tmp_path: Path, house: dict | None = None,
          own: dict | None = None) -> BuildResult:
    """The meeting built with house.yaml holding `house` (in a copy of the stock templates) and
    meeting.yaml's `house:` holding `own`."""
    meeting = MEETING | ({"house": own} if own else {})
    if house is not None:
        meeting |= {"templates": "templates"}
    folder = make_meeting(meeting, FILES)
    if house is not None:
        shutil.copytree(DEFAULT_TEMPLATES, folder / "templates")
        (folder / "templates" / "house.yaml").write_text(yaml.safe_dump(house), encoding="utf-8")
    return build(folder, BuildOptions(tmp_path / "out"))


def references(result: BuildResult) -> dict[str, tuple[int, int]]:
    """Item → page range, as the front sheet says, after the checks every duplex pack must pass."""
    return check_pack(result.pack, duplex=True)


def front_sheet(pdf: Path) -> str:
    front = min(n for n, page in enumerate(pages(pdf), 1) if page.item_stamp()) - 1
    return layout_text(pdf, 1, front)


def test_the_defaults_are_the_conventions_packs_have_always_followed(make_meeting: MakeMeeting, tmp_path: Path):
    result = built(make_meeting, tmp_path)
    # the paper on 3, a filler, its appendix on the right-hand page 5, a filler, the next paper on 7
    assert references(result) == {"2": (3, 5), "3": (7, 7)}
    text = front_sheet(result.pack)
    assert FULL_WORDING in re.sub(r"\s+", " ", text)  # in the Marked column, wrapped
    assert "Exempt (para." not in text
    assert text.index("4. Contract award.") < text.index("Democratic Services contact: Joan Clerk")


def test_ranges_count_the_blank_pages_and_the_marked_column_is_short(make_meeting: MakeMeeting, tmp_path: Path):
    result = built(make_meeting, tmp_path, {"ranges_include_blank_pages": True, "exempt_marked": "short",
                                            "contact": "top"})
    # the same pages, but a range runs on to the page before the next paper, as "3 - 8", "9 - 12" do
    assert references(result) == {"2": (3, 6), "3": (7, 7)}
    text = front_sheet(result.pack)
    line = next(line for line in text.splitlines() if "4. Contract award." in line)
    assert line.split()[-3:] == ["Exempt", "(para.", "3)"], line
    assert re.sub(r"\s+", " ", text).count(FULL_WORDING) == 1  # once, under the item
    assert text.index("Democratic Services contact: Joan Clerk") < text.index("Agenda\n")
    assert "Telephone: 01234 567 890" in text


def test_the_meetings_own_house_settings_win_and_appendices_run_on(make_meeting: MakeMeeting, tmp_path: Path):
    result = built(make_meeting, tmp_path, {"ranges_include_blank_pages": True, "appendices": "new-right-hand-page"},
                   own={"appendices": "run-on"})
    # the paper on 3, its appendix straight after on the left-hand page 4, the next paper on 5
    assert references(result) == {"2": (3, 4), "3": (5, 5)}
    found = pages(result.pack)
    assert "APPENDIX A" in found[3].text
    assert [n for n, page in enumerate(found, 1) if "intentionally left blank" in page.text] == [2]


@pytest.mark.parametrize(("where", "text", "message"), [
    ("house.yaml", "appendices: sideways\n",
     "m/templates/house.yaml:1: house: 'appendices' should be 'new-right-hand-page' or 'run-on', not 'sideways'"),
    ("house.yaml", "ranges_include_blank_pages: sometimes\n",
     "m/templates/house.yaml:1: house: 'ranges_include_blank_pages' should be a true/false, not 'sometimes'"),
    ("meeting", {"contact": "middle"},
     "m/meeting.yaml:4: meeting: house: 'contact' should be 'top' or 'end', not 'middle'"),
    ("meeting", "short",
     "m/meeting.yaml:3: meeting: 'house' should be a mapping, not 'short'"),
])
def test_a_bad_house_setting_is_one_line(make_meeting: MakeMeeting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         where: str, text: object, message: str):
    meeting = {"body": "B", "date": "2026-10-01", "items": [{"title": "Apologies."}]}
    if where == "meeting":
        meeting["house"] = text
    else:
        meeting["templates"] = "templates"
    folder = make_meeting(meeting)
    if where != "meeting":
        shutil.copytree(DEFAULT_TEMPLATES, folder / "templates")
        (folder / "templates" / where).write_text(str(text), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidSources) as raised:
        load_meeting(Path("m"))
    assert [str(p) for p in raised.value.problems] == [message]


def test_a_paper_naming_an_appendix_it_does_not_have_is_warned_of(make_meeting: MakeMeeting, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch):
    body = "See Appendix A.\n\nThe figures are at Appendix 1, and Appendix 1 again.\n\nAlso Appendix C.\n"
    paper = report("Plan", body, appendices=[{"title": "One", "file": "one.md"}, {"title": "Two", "file": "two.md"}])
    make_meeting({"body": "B", "date": "2026-10-01", "items": [
        {"title": "Plan.", "paper": "plan.md"},
        {"title": "Secret.", "paper": "secret-hall-sale.md", "exempt": 3}]},
        {"plan.md": paper, "one.md": "1", "two.md": "2", "secret-hall-sale.md": report("Hall sale", body)})
    monkeypatch.chdir(tmp_path)
    _, warnings = load_meeting(Path("m"))
    assert [str(w) for w in warnings] == [
        "m/plan.md:11: warning: the text names 'Appendix 1', which is not among the appendices "
        "the paper lists ('Appendix A', 'Appendix B'); correct the text or the label of the appendix",
        "m/plan.md:13: warning: the text names 'Appendix C', which is not among the appendices "
        "the paper lists ('Appendix A', 'Appendix B'); correct the text or the label of the appendix",
        # an exempt item's: told against its line in meeting.yaml, naming neither its file nor its title
        "m/meeting.yaml:6: warning: item 2 (exempt): its paper, line 4: the text names '…', which is not "
        "among the appendices the paper lists (none); correct the text or the label of the appendix",
        "m/meeting.yaml:6: warning: item 2 (exempt): its paper, line 6: the text names '…', which is not "
        "among the appendices the paper lists (none); correct the text or the label of the appendix",
        "m/meeting.yaml:6: warning: item 2 (exempt): its paper, line 8: the text names '…', which is not "
        "among the appendices the paper lists (none); correct the text or the label of the appendix",
    ]


def test_officer_to_contact_and_the_word_files_properties(make_meeting: MakeMeeting, tmp_path: Path):
    result = built(make_meeting, tmp_path)
    text = layout_text(result.pack)
    plan_pages, grant_page = text.split("Grant Update".upper())[0], text.split("GRANT UPDATE")[1]
    assert "Officer to Contact\n" in plan_pages and "Officers to Contact" not in plan_pages
    assert "Officers to Contact\n" in grant_page
    folder = result.pack.parent
    for docx in [folder / "agenda.docx", *sorted((folder / "papers").glob("*.docx"))]:
        core = zipfile.ZipFile(docx).read("docProps/core.xml").decode()
        assert "<dc:creator>Eastmere Council</dc:creator>" in core, docx
        assert re.search(r"<dcterms:created[^>]*>2026-10-01T00:00:00Z<", core), core
        assert re.search(r"<dcterms:modified[^>]*>2026-10-01T00:00:00Z<", core), core


def test_the_contact_block_never_stands_alone_on_the_front_sheets_last_page(example: BuildResult):
    front = min(n for n, page in enumerate(pages(example.pack), 1) if page.item_stamp()) - 1
    sheet = [layout_text(example.pack, n, n) for n in range(1, front + 1)]
    holding = next(page for page in sheet if "Democratic Services contact" in page)
    assert re.search(r"^\s*\d+\. \S", holding, re.M), holding  # an item's line is on its page too
    assert check_pack(example.pack, duplex=True)
