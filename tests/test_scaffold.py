"""`assembler new meeting`, `new paper`, `templates` and the mistakes `render` can meet: files in, files out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assembler.build.run import check
from assembler.cli import main
from assembler.commands.scaffold import MARKER, new_meeting, new_paper

MEETING = """\
# Board of 1 October: agreed with the Chair
body: Eastmere Licensing Committee   # the committee
date: 2026-10-01
items:
- title: Apologies.       # always first
- title: Premises licence review.
  paper: review.md

# contact details to follow
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return Path("papers") / "eastmere-2026-10-01"


def test_new_meeting_writes_the_procedural_items_and_the_date_its_name_gives(folder):
    assert run("new", "meeting", str(folder))[0] == 0
    data = yaml.safe_load((folder / "meeting.yaml").read_text())
    assert str(data["date"]) == "2026-10-01" and data["body"] is None
    assert [i["title"] for i in data["items"]] == [
        "Introductions and apologies.", "Minutes of the previous meeting.",
        "Matters arising from the minutes (which are not covered elsewhere on the agenda).",
        "Declarations of interest.", "Other business.", "Date of the next meeting."]
    assert [str(p) for p in check(folder)] == [
        f"{folder}/meeting.yaml:1: meeting: 'body' is required",
        f"{folder}/meeting.yaml:19: 'minutes.md': no such file in {folder.name}/"]


def test_new_meeting_leaves_the_date_blank_when_the_name_has_none(tmp_path):
    yaml_text = new_meeting(tmp_path / "cabinet").read_text()
    assert yaml.safe_load(yaml_text)["date"] is None


def test_new_meeting_and_new_paper_never_write_over_a_file(folder):
    run("new", "meeting", str(folder))
    before = (folder / "meeting.yaml").read_text()
    assert run("new", "meeting", str(folder)) == (
        1, f"{folder}/meeting.yaml: already exists; assembler will not write over it\n")
    assert (folder / "meeting.yaml").read_text() == before
    (folder / "minutes.md").write_text("mine")
    assert run("new", "paper", str(folder / "minutes.md"), "--template", "minutes")[0] == 1
    assert (folder / "minutes.md").read_text() == "mine"


def test_new_paper_inserts_its_item_above_the_marker_and_changes_nothing_else(folder):
    run("new", "meeting", str(folder))
    before = (folder / "meeting.yaml").read_text()
    code, out = run("new", "paper", str(folder / "trigger.md"), "--title", "Case Review: Annual Report")
    assert (code, out) == (0, f"{folder}/trigger.md: written; added to {folder}/meeting.yaml\n")
    after = (folder / "meeting.yaml").read_text()
    added = "  - title: 'Case Review: Annual Report.'\n    paper: trigger.md\n"
    assert after == before.replace(f"  {MARKER}\n", added + f"  {MARKER}\n")
    titles = [i["title"] for i in yaml.safe_load(after)["items"]]
    assert titles.index("Case Review: Annual Report.") == titles.index("Other business.") - 1


def test_new_paper_appends_after_the_last_item_in_the_files_own_indentation(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "meeting.yaml").write_text(MEETING)
    new_paper(folder / "fees.md", "report", "Fees and charges")
    expected = MEETING.replace("  paper: review.md\n", "  paper: review.md\n- title: Fees and charges.\n"
                                                       "  paper: fees.md\n")
    assert (folder / "meeting.yaml").read_text() == expected


def test_new_paper_for_a_paper_already_on_the_agenda_adds_nothing(folder):
    run("new", "meeting", str(folder))
    before = (folder / "meeting.yaml").read_text()
    assert run("new", "paper", str(folder / "minutes.md"), "-t", "minutes")[1].endswith("already on the agenda\n")
    assert (folder / "meeting.yaml").read_text() == before
    front = yaml.safe_load((folder / "minutes.md").read_text().split("---")[1])
    assert (front["template"], front["title"]) == ("minutes", "Minutes")


def test_new_appendix_is_listed_in_its_reports_front_matter(folder):
    run("new", "meeting", str(folder))
    run("new", "paper", str(folder / "review.md"))
    run("new", "paper", str(folder / "map.md"), "-t", "appendix", "--appendix-to", "review.md", "--title", "Map")
    run("new", "paper", str(folder / "plan.md"), "-t", "appendix", "--appendix-to", "review.md", "--title", "Plan")
    front = yaml.safe_load((folder / "review.md").read_text().split("---")[1])
    assert front["appendices"] == [{"title": "Map", "file": "map.md"}, {"title": "Plan", "file": "plan.md"}]
    assert "map.md" not in (folder / "meeting.yaml").read_text()


@pytest.mark.parametrize("args, message", [
    (["-t", "fancy"], "no template 'fancy'; available: appendix, cabinet-report, minutes, report"),
    (["-t", "appendix"], "an appendix belongs to a report: give --template appendix and "
                         "--appendix-to REPORT.md together"),
    (["-t", "appendix", "--appendix-to", "nothing.md"], "--appendix-to: no Markdown report 'nothing.md' here"),
])
def test_new_paper_mistakes_print_one_line(folder, args, message):
    run("new", "meeting", str(folder))
    assert run("new", "paper", str(folder / "x.md"), *args) == (1, f"{folder}/x.md: {message}\n")
    assert not (folder / "x.md").exists()


def test_new_paper_will_not_rewrite_a_list_written_on_one_line(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "meeting.yaml").write_text("body: B\ndate: 2026-10-01\nitems: [{title: A}]\n")
    with pytest.raises(Exception, match="'items' is written on one line, or is not a list; add the entry by hand"):
        new_paper(folder / "x.md")
    assert not (folder / "x.md").exists()


def test_new_paper_needs_a_meeting(folder):
    folder.mkdir(parents=True)
    assert run("new", "paper", str(folder / "x.md")) == (
        1, f"{folder}/x.md: no meeting.yaml beside it; start the meeting with: assembler new meeting {folder}\n")


def test_templates_lists_each_template_and_its_required_fields():
    code, out = run("templates")
    assert code == 0
    blocks = {block.split(":")[0].strip(): block for block in out.split("\n\n")[1:]}
    assert sorted(blocks) == ["agenda", "appendix", "cabinet-report", "minutes", "report"]
    required = {name: [line.split()[0] for line in block.splitlines()[1:] if " required " in line]
                for name, block in blocks.items()}
    assert required == {"agenda": [], "appendix": [], "cabinet-report": ["title", "report_of"],
                        "minutes": ["title", "date"], "report": ["title"]}
    assert "officers" in blocks["report"] and "each entry: name (required), role, phone, email" in blocks["report"]


def test_render_names_a_paper_that_is_not_on_the_agenda(folder):
    run("new", "meeting", str(folder))
    meeting = folder / "meeting.yaml"
    meeting.write_text(meeting.read_text().replace("body:", "body: Board", 1))
    (folder / "stray.md").write_text("---\ntitle: Stray\n---\nText.\n")
    assert run("render", str(folder / "stray.md")) == (
        1, f"{folder}/stray.md: not the paper of any item in {folder}/meeting.yaml; add it with "
           "'assembler new paper', or render the paper it belongs to\n")
    assert run("render", str(folder / "none.md"))[1] == f"{folder}/none.md: no such file\n"


def test_new_paper_adds_only_its_lines_to_a_file_laid_out_by_hand(tmp_path):
    """ruamel.yaml's round trip would respace 'body:   Board', indent 'contact' by two and drop the
    '---'; the file keeps them, and the marker above the first item still has the item put above it."""
    folder = tmp_path / "m"
    folder.mkdir()
    layout = ("---\nbody:   Eastmere Licensing Committee\ncontact:\n    name: J. Crisp\ndate: 2026-10-01\n"
              "items:\n  # agreed with the Chair\n\n  " + MARKER + "\n  - title: Apologies.\n")
    (folder / "meeting.yaml").write_text(layout)
    new_paper(folder / "fees.md", "report", "Fees")
    assert (folder / "meeting.yaml").read_text() == layout.replace(
        f"  {MARKER}\n", f"  - title: Fees.\n    paper: fees.md\n  {MARKER}\n")


def test_new_appendix_quotes_a_title_yaml_would_read_as_true(folder):
    run("new", "meeting", str(folder))
    run("new", "paper", str(folder / "review.md"))
    run("new", "paper", str(folder / "on.md"), "-t", "appendix", "--appendix-to", "review.md", "--title", "On")
    front = yaml.safe_load((folder / "review.md").read_text().split("---")[1])
    assert front["appendices"] == [{"title": "On", "file": "on.md"}]
