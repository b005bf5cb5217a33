"""The agenda as the workspace reads and edits it: meeting.yaml read back after every edit, its
other lines as they were."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assembler.commands.agenda import (
    LOCK,
    Details,
    StaleAgenda,
    add_item,
    attach,
    move_item,
    new_meeting_folder,
    problems_by_item,
    read_agenda,
    remove_item,
    save_details,
    save_item,
)
from assembler.errors import AssemblerError, InvalidSources
from assembler.sources.load import MeetingLoader, load_meeting
from tests.conftest import ROOT, wait_for

FULL = ROOT / "papers" / "northshire-scsb-2026-09-24-full"  # a comment on nearly every item
MARKED = ROOT / "papers" / "northshire-scsb-2026-09-24"  # the 'new paper' marker among its items


def copied(source: Path, tmp_path: Path) -> Path:
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    return folder


def lines(folder: Path) -> list[str]:
    return (folder / "meeting.yaml").read_text(encoding="utf-8").splitlines(keepends=True)


def titles(folder: Path) -> list[str]:
    return [entry.title for entry in read_agenda(folder).items]


# authors: in the schema, ignored by the build


def test_an_item_names_its_authors_and_the_meeting_loads_with_them(make_meeting):
    folder = make_meeting({"body": "Board", "date": "2026-09-24",
                           "items": [{"title": "Report.", "authors": ["jsmith", "a.b-c_d@x+y"]}]})
    meeting, warnings = load_meeting(folder)
    assert meeting.items[0].authors == ("jsmith", "a.b-c_d@x+y") and warnings == []


@pytest.mark.parametrize("authors", [["j smith"], "jsmith", [5], ["../x"]])
def test_a_bad_authors_value_is_one_line_naming_the_item(make_meeting, authors):
    folder = make_meeting({"body": "Board", "date": "2026-09-24", "items": [{"title": "Report.", "authors": authors}]})
    with pytest.raises(InvalidSources) as raised:
        load_meeting(folder)
    message = str(raised.value)
    assert message.count("\n") == 0
    assert message.startswith(f"{folder}/meeting.yaml:")
    assert "item 1: 'authors' should be a list of account names such as [jsmith]" in message


# Reading


def test_read_agenda_gives_the_details_and_every_item_as_the_build_numbers_them(tmp_path):
    agenda = read_agenda(FULL)
    assert agenda.details == Details("Northshire Safer Communities Strategy Board", "2026-09-24", "10.00 am",
                                     "County Hall, Northtown", "Northshire County Council", "Joanna Crisp",
                                     "01234 305 117", "joanna.crisp@example.org")
    meeting, _ = load_meeting(FULL)
    assert [(e.number, e.title, e.exempt, e.supplement) for e in agenda.items] == [
        (i.number, i.title, i.exempt, i.supplement) for i in meeting.items]
    cctv = agenda.items[7]
    assert (cctv.paper, cctv.public_title, cctv.line, cctv.last_line) == (
        "cctv-contract.md", "Town Centre CCTV Maintenance Contract.", 26, 30)
    assert lines(FULL)[cctv.line - 1].lstrip().startswith("- title: Award of the Town Centre CCTV")


def test_read_agenda_reads_a_meeting_that_does_not_load(make_meeting):
    folder = make_meeting({"date": "2026-02-30x", "items": [
        {"title": "Report.", "paper": "missing.pdf", "exempt": 9, "number": "2/3"}, "Just a title."]})
    agenda = read_agenda(folder)
    assert agenda.details.body == "" and agenda.details.date == "2026-02-30x"
    assert [(e.number, e.title, e.paper, e.exempt) for e in agenda.items] == [
        ("2/3", "Report.", "missing.pdf", None), ("2", "Just a title.", "", None)]


def test_a_meeting_yaml_that_is_not_yaml_is_one_line_naming_it(make_meeting):
    folder = make_meeting({})
    (folder / "meeting.yaml").write_text("body: Board\nitems:\n  - title: [unclosed\n")
    with pytest.raises(AssemblerError) as raised:
        read_agenda(folder)
    assert str(raised.value).startswith(f"{folder}/meeting.yaml:") and "\n" not in str(raised.value)


# Editing: the rest of the file as it was


def test_saving_an_item_keeps_every_other_line_byte_for_byte(tmp_path):
    folder = copied(FULL, tmp_path)
    before, item = lines(folder), read_agenda(folder).items[3]
    save_item(folder, read_agenda(folder).version, 4, {"presenter": "Supt. A. New – Northshire Police"})
    after = lines(folder)
    assert after[:item.line - 1] == before[:item.line - 1]
    assert after[item.last_line:] == before[item.last_line:]
    assert after[item.line:item.last_line] == [
        "    presenter: Supt. A. New – Northshire Police\n",
        "    paper: police-performance.docx                  # a partner's Word file, with its own header and footer\n"]


def test_every_field_of_an_item_round_trips_and_empty_removes_it(tmp_path):
    folder = copied(FULL, tmp_path)
    values = {"title": "Award: of 'the' contract #1.", "number": "4a", "presenter": "yes", "text": "on: 10",
              "paper": "police-performance.docx", "exempt": "3", "public_title": "A contract.",
              "supplement": "2", "authors": "jsmith, ajones jsmith"}
    save_item(folder, read_agenda(folder).version, 4, values)
    entry = read_agenda(folder).items[3]
    assert (entry.title, entry.number, entry.presenter, entry.text, entry.paper, entry.exempt,
            entry.public_title, entry.supplement, entry.authors) == (
        "Award: of 'the' contract #1.", "4a", "yes", "on: 10", "police-performance.docx", 3, "A contract.", 2,
        ("jsmith", "ajones"))
    meeting, _ = load_meeting(folder)  # and the build reads them so
    assert (meeting.items[3].title, meeting.items[3].exempt, meeting.items[3].authors) == (
        "Award: of 'the' contract #1.", 3, ("jsmith", "ajones"))
    save_item(folder, read_agenda(folder).version, 4, {name: "" for name in values if name != "title"} | {
        "verbal": "true"})
    entry = read_agenda(folder).items[3]
    assert (entry.number, entry.presenter, entry.paper, entry.exempt, entry.supplement, entry.authors,
            entry.verbal) == ("4", "", "", None, None, (), True)
    assert lines(folder)[entry.line - 1:entry.last_line] == ["  - title: \"Award: of 'the' contract #1.\"\n",
                                                            "    verbal: true\n"]


def test_the_details_round_trip_and_other_lines_stay(tmp_path):
    folder = copied(FULL, tmp_path)
    before = lines(folder)
    save_details(folder, read_agenda(folder).version, {
        "venue": "", "time": "2.00 pm", "contact_phone": "01234 999", "date": "2026-10-01"})
    assert read_agenda(folder).details == Details(
        "Northshire Safer Communities Strategy Board", "2026-10-01", "2.00 pm", "", "Northshire County Council",
        "Joanna Crisp", "01234 999", "joanna.crisp@example.org")
    after = lines(folder)
    assert after[:2] == before[:2] and after[4] == before[5] and after[6:] == before[7:]  # venue's line went
    assert after[2:4] == ["date: 2026-10-01\n", 'time: "2.00 pm"\n']
    assert after[5] == 'contact: {name: Joanna Crisp, phone: "01234 999", email: joanna.crisp@example.org}\n'
    assert str(load_meeting(folder)[0].date) == "2026-10-01"


def test_a_save_against_an_old_version_is_refused_and_changes_nothing(tmp_path):
    folder = copied(FULL, tmp_path)
    seen = read_agenda(folder).version
    save_item(folder, seen, 1, {"presenter": "The Chair"})  # someone else, first
    theirs = (folder / "meeting.yaml").read_bytes()
    for edit in (lambda: save_item(folder, seen, 2, {"title": "Mine."}), lambda: remove_item(folder, seen, 3),
                 lambda: add_item(folder, seen, {"title": "Mine."}), lambda: move_item(folder, seen, 2, 1),
                 lambda: save_details(folder, seen, {"venue": "Mine"}),
                 lambda: attach(folder, seen, 2, "x.pdf", "paper")):
        with pytest.raises(StaleAgenda) as raised:
            edit()
        assert str(raised.value) == (f"{folder}/meeting.yaml: Someone else saved this meeting since you opened "
                                     "it; your changes have not been saved. Open the meeting again to see what "
                                     "changed, then make your changes again")
        assert (folder / "meeting.yaml").read_bytes() == theirs


def test_a_new_item_goes_above_the_marker_and_moves_and_goes_keep_the_comments_in_place(tmp_path):
    folder = copied(MARKED, tmp_path)
    before = lines(folder)
    position = add_item(folder, read_agenda(folder).version, {"title": "Late: report.", "supplement": "1"})
    assert position == 14 and titles(folder)[13:] == ["Late: report.", "Other business.", "Date of the next meeting."]
    move_item(folder, read_agenda(folder).version, 14, -1)  # above Partnership Strategy Refresh
    move_item(folder, read_agenda(folder).version, 1, 1)
    assert titles(folder)[:2] == ["Minutes of the meeting held on 11 June 2026.", "Introductions and apologies."]
    remove_item(folder, read_agenda(folder).version, 14)  # the item just above the marker
    after = lines(folder)
    assert after[-4:] == before[-4:]  # the marker, Other business, Date of the next meeting
    assert after[-7:-4] == ["    paper: hate-crime-awareness-week.md\n", "  - title: 'Late: report.'\n",
                            "    supplement: 1\n"]
    assert "Partnership Strategy Refresh" not in "".join(after)
    assert after[:7] == before[:7] and after[7:9] == before[8:10] and after[9] == before[7]
    assert load_meeting(folder)[0].items[12].supplement == 1


def test_moving_past_either_end_or_a_missing_item_is_one_line(tmp_path):
    folder = copied(FULL, tmp_path)
    version = read_agenda(folder).version
    for edit, message in ((lambda: move_item(folder, version, 1, -1), "item 1 is already first"),
                          (lambda: move_item(folder, version, 10, 1), "item 10 is already last"),
                          (lambda: remove_item(folder, version, 11), "there is no item 11: the agenda has 10 items")):
        with pytest.raises(AssemblerError) as raised:
            edit()
        assert str(raised.value) == f"{folder}/meeting.yaml: {message}"


@pytest.mark.parametrize(("values", "message"), [
    ({"exempt": "9"}, "item 5: exempt: give the paragraph of Schedule 12A, a number from 1 to 7"),
    ({"exempt": "three"}, "item 5: exempt: give the paragraph of Schedule 12A, a number from 1 to 7"),
    ({"supplement": "0"}, "item 5: supplement: give the number of the supplementary pack, 1 or more"),
    ({"supplement": "[1"}, "item 5: supplement: give the number of the supplementary pack, 1 or more"),
    ({"verbal": "maybe"}, "item 5: verbal: give true or false, not 'maybe'"),
    ({"number": "2/3"}, "item 5: number: give up to 12 letters and digits, with dots between them, "
                        "such as 4, 4a or 10.1"),
    ({"authors": "jo/smith"}, "item 5: authors: 'jo/smith' is not an account name; account names are letters, "
                              "digits and . _ - @ +, with commas between them"),
    ({"title": ""}, "item 5: 'title' is required"),
    ({"title": "x" * 2001}, "item 5: 'title' is 2,001 characters long; shorten it to 2,000 at most"),
    ({"paper": "../../etc/passwd"}, "item 5: paper: '../../etc/passwd': name a file inside the meeting folder, "
                                    "not a path out of it"),
    ({"verbal": "true"}, "item 5: has both a paper and 'verbal'; choose one"),
    ({"colour": "red"}, "item 5: 'colour' cannot be set here; edit it in meeting.yaml by hand"),
])
def test_a_bad_value_is_refused_in_one_line_and_nothing_is_written(tmp_path, values, message):
    folder = copied(FULL, tmp_path)
    before = (folder / "meeting.yaml").read_bytes()
    with pytest.raises(AssemblerError) as raised:
        save_item(folder, read_agenda(folder).version, 5, values)
    assert str(raised.value) == f"{folder}/meeting.yaml: {message}"
    assert (folder / "meeting.yaml").read_bytes() == before


def test_bad_details_are_refused_in_one_line(tmp_path):
    folder = copied(FULL, tmp_path)
    version = read_agenda(folder).version
    for values, message in (({"date": "24/9/26"}, "meeting: date: give the meeting's date as YYYY-MM-DD, such as "
                                                  "2026-09-24"),
                            ({"body": " "}, "meeting: body: give the committee's name"),
                            ({"contact_name": ""}, "meeting: contact: give the contact's name, or leave the "
                                                   "contact's details empty")):
        with pytest.raises(AssemblerError) as raised:
            save_details(folder, version, values)
        assert str(raised.value) == f"{folder}/meeting.yaml: {message}"


def test_attaching_a_paper_and_appendices(tmp_path):
    folder = copied(FULL, tmp_path)
    attach(folder, read_agenda(folder).version, 1, "apologies.pdf", "paper")
    attach(folder, read_agenda(folder).version, 1, "list.pdf", "appendix", "List of members")
    attach(folder, read_agenda(folder).version, 1, "list.pdf", "appendix")  # replaced on disk: listed once
    entry = read_agenda(folder).items[0]
    assert (entry.paper, entry.appendices) == ("apologies.pdf", ("list.pdf",))
    assert lines(folder)[8:13] == ["  - title: Introductions and apologies.\n", "    paper: apologies.pdf\n",
                                   "    appendices:\n", "      - title: List of members\n", "        file: list.pdf\n"]
    with pytest.raises(AssemblerError, match="item 2: its paper is Markdown, which lists its appendices in its own "
                                             "front matter; add the appendix there"):
        attach(folder, read_agenda(folder).version, 2, "x.pdf", "appendix")


def test_a_save_waits_for_another_process_holding_the_lock_and_then_sees_its_change(tmp_path):
    """Two saves cannot interleave: one holds the lock from its version check to its write."""
    folder = copied(FULL, tmp_path)
    seen = read_agenda(folder).version
    other = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from assembler.commands.agenda import _locked\n"
        f"folder = Path({str(folder)!r})\n"
        "with _locked(folder):\n"
        "    print('locked', flush=True); sys.stdin.readline()\n"
        "    path = folder / 'meeting.yaml'; path.write_text(path.read_text() + '# theirs\\n')\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert other.stdout and other.stdout.readline() == "locked\n"
    outcome: list[BaseException | None] = []

    def mine() -> None:
        try:
            save_item(folder, seen, 1, {"presenter": "Mine"})
            outcome.append(None)
        except AssemblerError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=mine)
    thread.start()
    lock_id = f":{(folder / LOCK).stat().st_ino} "

    def waiting() -> bool:  # the kernel lists a process blocked on a lock with '->'
        return any("->" in line and lock_id in line for line in Path("/proc/locks").read_text().splitlines())

    wait_for(waiting, "the save to wait for the lock", limit=60)
    assert not outcome  # still waiting
    other.communicate("go\n")
    thread.join()
    assert isinstance(outcome[0], StaleAgenda)
    assert lines(folder)[-1] == "# theirs\n" and "Mine" not in "".join(lines(folder))


# A new meeting, and problems against items


def test_a_new_meeting_folder_is_named_and_filled_in(tmp_path):
    folder = new_meeting_folder(tmp_path / "papers", "Eastmere Licensing Committee", "2026-10-01")
    assert folder == tmp_path / "papers" / "eastmere-licensing-committee-2026-10-01"
    details = read_agenda(folder).details
    assert (details.body, details.date) == ("Eastmere Licensing Committee", "2026-10-01")
    _, problems = MeetingLoader(folder).load()
    assert [p.message for p in problems] == [f"'minutes.md': no such file in {folder.name}/"]
    with pytest.raises(AssemblerError, match="already exists: this committee already meets on that date"):
        new_meeting_folder(tmp_path / "papers", "Eastmere Licensing Committee", "2026-10-01")
    with pytest.raises(AssemblerError, match="date: give the meeting's date as YYYY-MM-DD"):
        new_meeting_folder(tmp_path / "papers", "Eastmere", "1 October")


def test_problems_are_put_against_the_items_they_concern(tmp_path):
    folder = copied(MARKED, tmp_path)
    text = (folder / "meeting.yaml").read_text().replace("body: Northshire Safer Communities Strategy Board\n", "")
    text = text.replace("verbal: true", "verbal: maybe", 1)  # item 10
    (folder / "meeting.yaml").write_text(text)
    (folder / "community-trigger-review.md").unlink()
    appendix = folder / "appendix-draft-terms-of-reference.md"  # an appendix of item 13's Markdown paper
    appendix.write_text("---\ntitle: [unclosed\n---\nText.\n")
    _, problems = MeetingLoader(folder).load()
    found = problems_by_item(read_agenda(folder), problems)
    assert {n: [p.message.split(":")[0] for p in listed] for n, listed in found.items()} == {
        None: ["meeting"], 5: ["'community-trigger-review.md'"], 10: ["item 10"], 13: ["YAML, column 1"]}
    assert found[13][0].path == appendix


def test_a_meeting_yaml_that_is_not_yaml_is_not_edited(make_meeting):
    folder = make_meeting({})
    (folder / "meeting.yaml").write_text("body: Board\nitems:\n\t- title: Tab.\n")
    before = (folder / "meeting.yaml").read_bytes()
    with pytest.raises(AssemblerError) as raised:
        save_details(folder, hashlib.sha256(before).hexdigest(), {"venue": "Hall"})
    assert str(raised.value) == f"{folder}/meeting.yaml:3: YAML, column 1: a tab character; use spaces instead"
    assert (folder / "meeting.yaml").read_bytes() == before


def test_the_first_item_of_an_empty_agenda(make_meeting):
    folder = make_meeting({"body": "Board", "date": "2026-09-24", "items": None})
    assert add_item(folder, read_agenda(folder).version, {"title": "Apologies.", "verbal": "no"}) == 1
    assert (folder / "meeting.yaml").read_text().endswith("items:\n  - title: Apologies.\n")
    with pytest.raises(AssemblerError, match=r"meeting.yaml: the new item: 'title' is required$"):
        add_item(folder, read_agenda(folder).version, {"presenter": "Someone"})
    remove_item(folder, read_agenda(folder).version, 1)
    assert read_agenda(folder).items == ()


def test_removing_a_key_keeps_the_comment_lines_below_it_and_empty_keys_stay(make_meeting):
    folder = make_meeting({})
    (folder / "meeting.yaml").write_text("body: B\ndate: 2026-09-24\nvenue: Hall  # where\n# a note\n"
                                         "organisation: Org\ntime:    # guide\nitems:\n  - title: A.   # only\n")
    save_details(folder, read_agenda(folder).version, {"venue": "", "time": "", "organisation": ""})
    assert (folder / "meeting.yaml").read_text() == (
        "body: B\ndate: 2026-09-24\n# a note\ntime:    # guide\nitems:\n  - title: A.   # only\n")
