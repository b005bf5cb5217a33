"""Every mistake a user can make in a meeting folder prints one exact line: file, line, fault.

Each meeting here fails while it is loaded or while its Markdown is rendered, before LibreOffice is
started: every program the tests start is seen as Python starts it (an audit hook, which a process
killed at once cannot escape), and a build that starts LibreOffice, to lay out or to have one
waiting, fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DAMAGED_DOCX, EXAMPLE

from assembler.cli import main
from assembler.errors import InvalidSources
from assembler.render.body import STYLE_NAMES, Layout, markdown_to_wordml
from assembler.sources.load import DEFAULT_TEMPLATES, load_meeting

Files = dict[str, "str | bytes | Path"]  # name in m/ → text, bytes, or a Path for a symlink to it

LIBREOFFICE = {"soffice", "soffice.bin", "libreoffice"}
STARTED: list[str] = []  # each LibreOffice started in this process, as the audit hook saw it


def _record(event: str, args: tuple) -> None:
    if event == "subprocess.Popen":
        executable, command = args[0], args[1]
        program = executable or (command if isinstance(command, (str, bytes, os.PathLike)) else command[0])
        if Path(os.fsdecode(program)).name in LIBREOFFICE:
            STARTED.append(os.fsdecode(program))


sys.addaudithook(_record)

MEETING = """\
body: Board
date: 2026-09-24
items:
  - title: Report
    paper: p.md
"""


def paper(body: str, front: str = "title: Report\n") -> str:
    """A Markdown paper; its body starts on line 5 (three front-matter lines, then a blank)."""
    return f"---\n{front}---\n\n{body}"


def write(folder: Path, files: Files) -> Path:
    folder.mkdir()
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            path.symlink_to(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def meeting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Files], Path]:
    """Writes the meeting folder m/ into tmp_path, the working folder, from {name: content}."""
    monkeypatch.chdir(tmp_path)
    return lambda files: write(tmp_path / "m", files)


@pytest.fixture
def errors(meeting: Callable[[Files], Path], tmp_path: Path) -> Callable[[Files], list[str]]:
    """Checks and builds the meeting; both must fail cleanly, saying the same, without starting
    LibreOffice. Returns the lines."""

    def build(files: Files) -> list[str]:
        folder = str(meeting(files))
        STARTED.clear()
        checked = CliRunner().invoke(main, ["check", folder])
        built = CliRunner().invoke(main, ["build", folder, "--output", str(tmp_path / "out")])
        for result in (checked, built):
            assert "Traceback" not in result.output
            assert result.exit_code == 1, result.output
        assert STARTED == [], "the build started LibreOffice"
        problems = [line for line in built.output.splitlines() if not line.startswith("  rendering ")]
        assert checked.output.splitlines() == problems  # build runs the same checks first
        return problems

    return build


LOADER = {
    "no meeting.yaml": (
        {"p.md": paper("Text.\n")},
        "m: no meeting.yaml in this folder"),
    "YAML syntax": (
        {"meeting.yaml": "body: Board\ndate: [2026-09-24\nitems: []\n"},
        "m/meeting.yaml:3: YAML, column 6: expected ',' or ']', but got ':'"),
    "tab in indentation": (
        {"meeting.yaml": "body: Board\ndate: 2026-09-24\nitems:\n\t- title: Report\n"},
        "m/meeting.yaml:4: YAML, column 1: a tab character; use spaces instead"),
    "control character": (
        {"meeting.yaml": "body: Board\ndate: 2026-09-24\x01\nitems:\n  - title: Report\n"},
        "m/meeting.yaml:2: YAML, column 17: a control character (#x01) that YAML does not allow; "
        "delete it"),
    "duplicate key": (
        {"meeting.yaml": "body: Board\ndate: 2026-09-24\nbody: Panel\nitems:\n  - title: Report\n"},
        "m/meeting.yaml:3: YAML, column 1: duplicate key 'body'"),
    "body missing": (
        {"meeting.yaml": "date: 2026-09-24\nitems:\n  - title: Report\n"},
        "m/meeting.yaml:1: meeting: 'body' is required"),
    "date not a date": (
        {"meeting.yaml": "body: Board\ntime: 10.00 am\ndate: next week\nitems:\n  - title: Report\n"},
        "m/meeting.yaml:3: meeting: 'date' should be a date such as 2026-09-24, not 'next week'"),
    "items empty": (
        {"meeting.yaml": "body: Board\ndate: 2026-09-24\nitems: []\n"},
        "m/meeting.yaml:3: items: the agenda has no items"),
    "item with a paper but no title": (
        {"meeting.yaml": MEETING.replace("title: Report\n    ", ""), "p.md": paper("Text.\n")},
        "m/meeting.yaml:4: item 1: 'title' is required"),
    "paper and verbal": (
        {"meeting.yaml": MEETING + "    verbal: true\n", "p.md": paper("Text.\n")},
        "m/meeting.yaml:4: item 1: has both a paper and 'verbal: true'; choose one"),
    "duplicate numbers": (
        {"meeting.yaml": "body: Board\ndate: 2026-09-24\nitems:\n  - title: A\n    number: 4\n"
                         "  - title: B\n    number: 4\n"},
        "m/meeting.yaml:6: item 2: number 4 is already used by item 1"),
    "paper missing": (
        {"meeting.yaml": MEETING},
        "m/meeting.yaml:5: 'p.md': no such file in m/"),
    "path out with ..": (
        {"meeting.yaml": MEETING.replace("p.md", "../p.md"), "../p.md": paper("Text.\n")},
        "m/meeting.yaml:5: '../p.md': name a file inside the meeting folder, not a path out of it"),
    "absolute path": (
        {"meeting.yaml": MEETING.replace("p.md", "/etc/hostname")},
        "m/meeting.yaml:5: '/etc/hostname': name a file inside the meeting folder, "
        "not a path out of it"),
    "symlink out": (
        {"meeting.yaml": MEETING, "../elsewhere.md": paper("Text.\n"), "p.md": Path("../elsewhere.md")},
        "m/meeting.yaml:5: 'p.md': a link that leaves the meeting folder"),
    "directory as paper": (
        {"meeting.yaml": MEETING, "p.md/inside.md": paper("Text.\n")},
        "m/meeting.yaml:5: 'p.md': not a regular file"),
    "unsupported extension": (
        {"meeting.yaml": MEETING.replace("p.md", "p.txt"), "p.txt": "Text.\n"},
        "m/meeting.yaml:5: 'p.txt': a .txt file; papers and appendices are .md, .docx or .pdf"),
    "damaged Word file": (
        {"meeting.yaml": MEETING.replace("p.md", "p.docx"), "p.docx": DAMAGED_DOCX},
        "m/meeting.yaml:5: 'p.docx': not a Word .docx file, or a damaged one"),
    "not UTF-8": (
        {"meeting.yaml": MEETING, "p.md": paper("Caf\xe9.\n").encode("latin-1")},
        "m/p.md:5: not UTF-8 text: byte 26 (0xe9) cannot be read; save the file as UTF-8"),
    "not UTF-8, after a byte-order mark": (
        {"meeting.yaml": MEETING, "p.md": b"\xef\xbb\xbf" + paper("Caf\xe9.\n").encode("latin-1")},
        "m/p.md:5: not UTF-8 text: byte 29 (0xe9) cannot be read; save the file as UTF-8"),
    "front matter title missing": (
        {"meeting.yaml": MEETING, "p.md": paper("Text.\n", front="report_of: Director\n")},
        "m/p.md:1: front matter: 'title' is required"),
    "front matter YAML, and no follow-on 'title' error": (
        {"meeting.yaml": MEETING, "p.md": paper("Text.\n", front="report_of: X\ntitle: Duty: Year 3\n")},
        "m/p.md:3: YAML, column 12: a ': ' inside a value; put the value in quotes"),
    "a 10,000-word title": (
        {"meeting.yaml": MEETING.replace("Report", " ".join(["word"] * 10_000)), "p.md": paper("Text.\n")},
        "m/meeting.yaml:4: item 1: 'title' is 49,999 characters long; shorten it to 2,000 at most"),
    "a 10,000-word title in front matter": (
        {"meeting.yaml": MEETING, "p.md": paper("Text.\n", front=f"title: {' '.join(['word'] * 10_000)}\n")},
        "m/p.md:2: front matter: 'title' is 49,999 characters long; shorten it to 2,000 at most"),
    "a key in braces": (
        {"meeting.yaml": "body: Board\ndate: 2026-09-24\n{{ venue }}: Hall\nitems:\n  - title: Report\n"},
        "m/meeting.yaml:3: YAML, column 2: a key in '{ }' or '[ ]'; put it in quotes"),
    "appendices not a list": (
        {"meeting.yaml": MEETING, "p.md": paper("Text.\n", front="title: Report\nappendices: yes\n")},
        "m/p.md:3: front matter: 'appendices' should be a list, not True"),
    "a start number Word cannot count to": (
        {"meeting.yaml": MEETING, "p.md": paper("Text.\n", front="title: Report\nnumber_from: 100000\n")},
        "m/p.md:3: front matter: 'number_from' should be a whole number from 0 to 32767, not 100000"),
    "exempt paragraph out of range": (
        {"meeting.yaml": MEETING + "    exempt: 9\n", "p.md": paper("Text.\n")},
        "m/meeting.yaml:6: item 1: 'exempt' should be the paragraph of Part 1 of Schedule 12A that "
        "applies, 1 to 7, not 9"),
    "exempt paragraph in words": (
        {"meeting.yaml": MEETING + "    exempt: three\n", "p.md": paper("Text.\n")},
        "m/meeting.yaml:6: item 1: 'exempt' should be the paragraph of Part 1 of Schedule 12A that "
        "applies, 1 to 7, not 'three'"),
    "supplement 0": (
        {"meeting.yaml": MEETING + "    supplement: 0\n", "p.md": paper("Text.\n")},
        "m/meeting.yaml:6: item 1: 'supplement' should be 1 or more, not 0"),
    "supplement not a number": (
        {"meeting.yaml": MEETING + "    supplement: late\n", "p.md": paper("Text.\n")},
        "m/meeting.yaml:6: item 1: 'supplement' should be a whole number from 0 to 32767, not 'late'"),
    "unknown template": (
        {"meeting.yaml": MEETING, "p.md": paper("Text.\n", front="title: Report\ntemplate: fancy\n")},
        "m/p.md:3: front matter: no template 'fancy'; available: agenda, appendix, cabinet-report, minutes, report"),
}

BODY = {  # each fault is on line 7 of p.md: three lines of front matter, a blank, then the body
    "HTML block": ("Text.\n\n<div>Text.</div>\n", "raw HTML is not supported; write it in Markdown"),
    "inline HTML": ("A paragraph\nof three lines,\nsome <b>bold</b>.\n", "raw HTML is not supported: <b>"),
    "inline HTML across lines": ("A paragraph\nof four\nlines <span\nclass=x>with</span> a span.\n",
                                 "raw HTML is not supported: <span class=x>"),
    "inline HTML in a quote": ("> A quote\n> of three lines,\n> some <b>bold</b>.\n",
                               "raw HTML is not supported: <b>"),
    "fenced code": ("Text.\n\n```\ncode\n```\n", "code blocks ('```') are not supported"),
    "indented code": ("Text.\n\n    code\n",
                      "code blocks are not supported (is a line indented by four spaces?)"),
    "horizontal rule": ("Text.\n\n***\n\nText.\n", "a horizontal rule ('---') is not supported; "
                                                    "use a heading, or '\\newpage' for a new page"),
    "missing picture": ("See\nthe chart\n![Chart](chart.png)\n",
                        "picture 'chart.png': no such file beside the paper"),
    "SVG picture": ("See\nthe chart\n![Chart](chart.svg)\n",
                    "picture 'chart.svg': use a PNG, JPEG, GIF or BMP file"),
    "footnote": ("Text.\n\nAs the Act says[^1].\n",
                 "footnotes ('[^1]') are not supported; put the note in the text, in brackets"),
    "footnote's note": ("Text.\n\n[^1]: Crime and Disorder Act 1998.\n",
                        "footnotes ('[^1]') are not supported; put the note in the text, in brackets"),
}

CABINET = "title: Report\ntemplate: cabinet-report\nreport_of: the Director\n"
PARTS = {  # each fault is on line 9 of p.md: five lines of front matter, a blank, then the body
    "PART A written": ("Text.\n\n# PART A\n", "the template prints 'PART A' itself and starts Part B "
                                               "at a heading '# PART B' alone on its line"),
    "PART B with more words": ("Text.\n\n# Part B: Background\n", "the template prints 'PART A' "
                               "itself and starts Part B at a heading '# PART B' alone on its line"),
    "PART B twice": ("# PART B\n\n# PART B\n", "a second '# PART B' heading"),
}


@pytest.mark.parametrize("files, message", LOADER.values(), ids=LOADER.keys())
def test_a_loader_error_prints_one_line(errors, files: Files, message: str):
    assert errors(files) == [message]


@pytest.mark.parametrize("markdown, message", BODY.values(), ids=BODY.keys())
def test_a_body_error_names_its_line_in_the_file(errors, markdown: str, message: str):
    files = {"meeting.yaml": MEETING, "p.md": paper(markdown), "chart.svg": "<svg/>"}
    assert errors(files) == [f"m/p.md:7: {message}"]


@pytest.mark.parametrize("markdown, message", PARTS.values(), ids=PARTS.keys())
def test_a_cabinet_report_names_a_misplaced_part_heading(errors, markdown: str, message: str):
    files = {"meeting.yaml": MEETING, "p.md": paper(markdown, front=CABINET)}
    assert errors(files) == [f"m/p.md:9: {message}"]


def test_an_unreadable_picture_says_why(errors):
    files = {"meeting.yaml": MEETING, "p.md": paper("![Chart](chart.png)\n"), "chart.png": "not a picture"}
    assert errors(files) == ["m/p.md:5: picture 'chart.png' cannot be read as a picture"]


def test_several_problems_are_reported_together_one_line_each(errors):
    yaml = """\
body: Board
date: next week
venu: County Hall
items:
  - title: Minutes
    paper: minutes.md
  - title: Report
    paper: report.txt
    verbal: true
  - title: Update
    number: 1
"""
    files = {"meeting.yaml": yaml, "minutes.md": paper("Text.\n", front="report_of: Director\n"),
             "report.txt": "Text.\n"}
    assert errors(files) == [
        "m/meeting.yaml:3: warning: meeting: unknown key 'venu' (did you mean 'venue'?)",
        "m/meeting.yaml:2: meeting: 'date' should be a date such as 2026-09-24, not 'next week'",
        "m/minutes.md:1: front matter: 'title' is required",
        "m/meeting.yaml:7: item 2: has both a paper and 'verbal: true'; choose one",
        "m/meeting.yaml:8: 'report.txt': a .txt file; papers and appendices are .md, .docx or .pdf",
        "m/meeting.yaml:10: item 3: number 1 is already used by item 1",
    ]


def test_an_unknown_key_is_a_warning_that_does_not_stop_the_check(meeting):
    folder = meeting({"meeting.yaml": MEETING + "venu: County Hall\n",
                      "p.md": paper("Text.\n", front="title: Report\nreport_off: Director\n")})
    loaded, warnings = load_meeting(folder)
    assert [str(w) for w in warnings] == [
        "m/meeting.yaml:6: warning: meeting: unknown key 'venu' (did you mean 'venue'?)",
        "m/p.md:3: warning: front matter: unknown key 'report_off' (did you mean 'report_of'?)",
    ]
    assert loaded.items[0].paper.title == "Report"


def test_a_public_title_without_exempt_is_an_error(meeting):
    """Its author meant the item to be exempt, it seems (a misspelt 'exempt', say): publishing its
    paper would be the wrong way to find out."""
    folder = meeting({"meeting.yaml": MEETING + "    public_title: A report\n", "p.md": paper("Text.\n")})
    with pytest.raises(InvalidSources) as raised:
        load_meeting(folder)
    assert [str(p) for p in raised.value.problems] == [
        "m/meeting.yaml:6: item 1: 'public_title' is used only with 'exempt'; add 'exempt:' with its "
        "paragraph, or delete it"]


def test_exempt_may_be_given_as_text(meeting):
    folder = meeting({"meeting.yaml": MEETING + "    exempt: '3'\n    public_title: A report\n",
                      "p.md": paper("Text.\n")})
    item = load_meeting(folder)[0].items[0]
    assert (item.exempt, item.public_title, item.supplement) == (3, "A report", None)


def test_an_agenda_template_without_the_exclusion_resolution_is_an_error(meeting, tmp_path):
    house = tmp_path / "house"
    house.mkdir()
    with zipfile.ZipFile(DEFAULT_TEMPLATES / "agenda.docx") as source, \
            zipfile.ZipFile(house / "agenda.docx", "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            copy.writestr(name, data.replace(b"item.exclusion", b"item.title") if name == "word/document.xml" else data)
    shutil.copy(DEFAULT_TEMPLATES / "report.docx", house / "report.docx")
    folder = meeting({"meeting.yaml": "templates: ../house\n" + MEETING + "    exempt: 3\n",
                      "p.md": paper("Text.\n")})
    result = CliRunner().invoke(main, ["check", str(folder)])
    assert result.exit_code == 1
    assert result.output == ("house/agenda.docx: the template does not print item.exclusion, the "
                             "resolution to exclude the press and public before an exempt item; see "
                             "docs/templates.md\n")


def test_python_m_assembler_help_works(tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "assembler", "--help"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "build" in result.stdout and "Traceback" not in result.stderr


def test_a_block_quote_is_not_an_error():
    layout = Layout(styles={name: name for name in STYLE_NAMES}, text_width=9000, table_style="Table")
    xml = markdown_to_wordml("> A quote\n> with **bold**.\n", Path("p.md"), 5, layout)
    assert xml.count('w:val="Quote"') == 1 and "bold" in xml


def test_check_passes_a_good_meeting_and_exits_0_on_warnings_alone(meeting):
    folder = str(meeting({"meeting.yaml": MEETING + "venu: Hall\n", "p.md": paper("Text.\n")}))
    result = CliRunner().invoke(main, ["check", folder])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "m/meeting.yaml:6: warning: meeting: unknown key 'venu' (did you mean 'venue'?)",
        "m: ready to build, 1 warning"]


def test_the_example_meeting_checks_clean():
    result = CliRunner().invoke(main, ["check", str(EXAMPLE)])
    assert result.exit_code == 0 and result.output.endswith("ready to build\n"), result.output


def test_a_usage_mistake_exits_2():
    assert CliRunner().invoke(main, ["check"]).exit_code == 2
    assert CliRunner().invoke(main, ["build", "papers/x", "--timeout", "soon"]).exit_code == 2
