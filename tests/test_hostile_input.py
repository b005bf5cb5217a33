"""Hostile or damaged sources: each is answered quickly with one line per problem, never a traceback,
never unbounded work, and never Markdown text dropped without a word.

Each meeting is checked by the real command in its own process, with a time limit, and its stderr
read back: a YAML alias bomb or a deep nesting must neither hang it nor exhaust its memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assembler.errors import MAX_LINE, AssemblerError
from assembler.render.body import STYLE_NAMES, Layout, markdown_to_wordml

MEETING = "body: Board\ndate: 2026-09-24\nitems:\n  - title: Report\n    paper: p.md\n"
PAPER = "---\ntitle: Report\n---\n\n"  # the body starts on line 5


def alias_bomb(levels: int = 9) -> str:
    """A kilobyte of YAML that stands for 9 ** levels strings: the "billion laughs"."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def check(folder: Path, *files: tuple[str, str | bytes], cwd: Path | None = None) -> tuple[int, list[str]]:
    """Write the files into folder, run `assembler check` on it from cwd (by default the folder it is
    in), and return its exit code and stderr."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    cwd = cwd or folder.parent
    return assembler(cwd, "check", str(folder.relative_to(cwd)))


def assembler(cwd: Path, *args: str) -> tuple[int, list[str]]:
    """Run the command in a process of its own, with a time limit: its exit code and stderr."""
    done = subprocess.run([sys.executable, "-m", "assembler", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr.splitlines()


def fails(tmp_path: Path, meeting: str = MEETING, body: str = "Text.\n", front: str = "") -> list[str]:
    """The lines `check` gives for a meeting whose paper p.md has this body and these front-matter lines."""
    paper = PAPER.replace("---\n\n", front + "---\n\n") + body
    code, lines = check(tmp_path / "m", ("meeting.yaml", meeting), ("p.md", paper))
    assert code == 1, lines
    return lines


ALIAS = "YAML, column {}: anchors and aliases ('&a', '*a') are not supported; write the values out"


def test_an_alias_bomb_in_meeting_yaml_is_refused_before_it_expands(tmp_path: Path) -> None:
    meeting = alias_bomb() + MEETING + "venue: *a8\n"
    assert fails(tmp_path, meeting) == [f"m/meeting.yaml:1: {ALIAS.format(5)}"]


def test_an_alias_bomb_in_front_matter_is_refused_before_it_expands(tmp_path: Path) -> None:
    assert fails(tmp_path, front=alias_bomb() + "notes: *a8\n") == [f"m/p.md:3: {ALIAS.format(5)}"]


def test_a_merge_key_is_an_alias_too(tmp_path: Path) -> None:
    meeting = "base: &base {title: Report}\n" + MEETING.replace("  - title: Report\n", "  - <<: *base\n")
    assert fails(tmp_path, meeting) == [f"m/meeting.yaml:1: {ALIAS.format(7)}"]


LOADER = {
    "deeply nested brackets": (
        MEETING + "venue: " + "[" * 5000 + "]" * 5000 + "\n",
        "m/meeting.yaml:6: YAML, column 27: lists and mappings nested more than 20 deep are not "
        "supported; check the brackets and the indentation"),
    "a contact with a key no contact has": (
        MEETING + "contact: {name: J. Crisp, fax: 1, 7: 2}\n",
        None),  # only warnings: the meeting is ready to build
    "exempt as a superscript digit": (
        MEETING + '    exempt: "³"\n',
        "m/meeting.yaml:6: item 1: 'exempt' should be the paragraph of Part 1 of Schedule 12A that "
        "applies, 1 to 7, not '³'"),
    "exempt as an Arabic-Indic digit": (
        MEETING + '    exempt: "٣"\n',
        "m/meeting.yaml:6: item 1: 'exempt' should be the paragraph of Part 1 of Schedule 12A that "
        "applies, 1 to 7, not '٣'"),
    "a number of 5,000 digits": (
        MEETING + "    supplement: " + "1" * 5000 + "\n",
        "m/meeting.yaml:6: YAML, column 17: a number too long to read; if it is text, put it in quotes"),
    "a date not on the calendar": (
        MEETING.replace("2026-09-24", "2026-02-30"),
        "m/meeting.yaml:2: YAML, column 7: 2026-02-30 is not a date on the calendar"),
    "a set as a key": (
        MEETING + "? !!set {a}\n: x\n",
        "m/meeting.yaml:6: YAML, column 3: a value tagged '!!set' is not supported; write it as plain text, a "
        "list or a mapping"),
}


@pytest.mark.parametrize("meeting, expected", LOADER.values(), ids=LOADER.keys())
def test_a_value_that_crashed_the_loader_gets_one_line(tmp_path: Path, meeting: str, expected: str | None) -> None:
    code, lines = check(tmp_path / "m", ("meeting.yaml", meeting), ("p.md", PAPER + "Text.\n"))
    if expected is None:
        assert (code, lines) == (0, ["m/meeting.yaml:6: warning: meeting: contact: unknown key 'fax'",
                                     "m/meeting.yaml:6: warning: meeting: contact: unknown key '7'"])
    else:
        assert (code, lines) == (1, [expected])


def test_a_templates_folder_too_long_for_any_file_system_gets_one_short_line(tmp_path: Path) -> None:
    lines = fails(tmp_path, MEETING + "templates: " + "t" * 1900 + "\n")
    assert len(lines) == 1 and len(lines[0]) <= MAX_LINE and "…" in lines[0]
    assert lines[0].startswith("m/meeting.yaml:6: templates: no folder 'ttt") and lines[0].endswith("ttt'")


@pytest.mark.parametrize("port", ["³", "99999999"])
def test_a_listener_port_must_be_a_port_number(tmp_path: Path, port: str) -> None:
    check(tmp_path / "m", ("meeting.yaml", MEETING), ("p.md", PAPER + "Text.\n"))
    code, lines = assembler(tmp_path, "build", "m", "--output", "out", "--unoserver", f"127.0.0.1:{port}")
    assert (code, lines) == (1, [f"'127.0.0.1:{port}': give a unoserver listener as host:port, "
                                 "e.g. 127.0.0.1:2003"])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("meeting", [alias_bomb() + MEETING + "venue: *a8\n", LOADER["deeply nested brackets"][0],
                                     LOADER["a date not on the calendar"][0]], ids=["aliases", "nesting", "date"])
def test_new_paper_reads_meeting_yaml_with_the_same_limits(tmp_path: Path, meeting: str) -> None:
    check(tmp_path / "m", ("meeting.yaml", meeting))
    code, lines = assembler(tmp_path, "new", "paper", "m/q.md")
    assert (code, lines) == (1, ["m/meeting.yaml: cannot be read as a YAML mapping; 'assembler check' says why"])
    assert (tmp_path / "m" / "meeting.yaml").read_text() == meeting


def test_a_file_far_too_big_to_be_a_meeting_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    with open(folder / "meeting.yaml", "w") as meeting:
        meeting.write(MEETING)
        meeting.truncate(50 * 1024 * 1024)  # 50 MB, most of it never written to the disk
    code, lines = check(folder, ("p.md", PAPER + "Text.\n"))
    assert (code, lines) == (1, ["m/meeting.yaml:1: the file is 52,428,800 bytes long; a meeting.yaml can be "
                                 "100,000 bytes at most: check it is the right file"])


def test_a_paper_far_too_big_is_not_read(tmp_path: Path) -> None:
    lines = fails(tmp_path, body="A sentence of an ordinary paper.\n\n" * 40000)
    size = (tmp_path / "m" / "p.md").stat().st_size
    assert lines == [f"m/p.md:1: the file is {size:,} bytes long; a Markdown paper can be 1,000,000 bytes at "
                     "most: check it is the right file"]


NESTED = {
    "a list ten deep": (
        "".join("  " * n + f"- level {n}\n" for n in range(10)) + "\nAfter.\n",
        "m/p.md:14: lists nested more than 9 deep are not supported; bring the deepest lines up a level"),
    "a numbered list ten deep": (
        "Intro.\n\n" + "".join("   " * n + f"1. level {n}\n" for n in range(10)),
        "m/p.md:16: lists nested more than 9 deep are not supported; bring the deepest lines up a level"),
    "block quotes thirty deep": (
        "Intro.\n\n" + ">" * 30 + " deep\n\nAfter.\n",
        "m/p.md:7: block quotes nested more than 9 deep are not supported; bring the deepest lines up "
        "a level"),
    "lists in quotes in lists, on one line": (
        "- > " * 20 + "deep\n\nAfter.\n",
        "m/p.md:5: block quotes nested more than 9 deep are not supported; bring the deepest lines up "
        "a level"),
    "italics three thousand deep": (
        "Intro.\n\nA line\nwith " + "*a " * 3000 + "x" + " a*" * 3000 + "\n",
        "m/p.md:8: bold, italics and links nested more than 20 deep are not supported; check the '*' "
        "and '_' on this line"),
    "a line of 5,000 stars round a word": (
        "*" * 5000 + "word" + "*" * 5000 + "\n",
        "m/p.md:5: bold, italics and links nested more than 20 deep are not supported; check the '*' "
        "and '_' on this line"),
    "bold two thousand deep": (  # as long a line as a paper may have
        "**a " * 2000 + "x" + " a**" * 2000 + "\n",
        "m/p.md:5: bold, italics and links nested more than 20 deep are not supported; check the '*' "
        "and '_' on this line"),
}


@pytest.mark.parametrize("body, expected", NESTED.values(), ids=NESTED.keys())
def test_markdown_nested_too_deep_is_an_error_naming_its_line(tmp_path: Path, body: str, expected: str) -> None:
    assert fails(tmp_path, body=body) == [expected]


LONG = {
    "a long duplicate key": (
        MEETING + "k" * 1000 + ": x\n" + "k" * 1000 + ": y\n", "m", "duplicate key 'kkkk"),
    "a long path to a paper": (
        MEETING.replace("p.md", "folder/" * 250 + "p.md"), "m", "': no such file in m/"),
    "a long folder name": (
        MEETING.replace("date: 2026-09-24", "date: soon"), "f" * 250 + "/" + "g" * 250 + "/m",
        "meeting: 'date' should be a date such as 2026-09-24, not 'soon'"),
}


@pytest.mark.parametrize("meeting, folder, ending", LONG.values(), ids=LONG.keys())
def test_every_message_line_is_capped_keeping_its_advice(tmp_path: Path, meeting: str, folder: str,
                                                         ending: str) -> None:
    code, lines = check(tmp_path / folder, ("meeting.yaml", meeting), ("p.md", PAPER + "Text.\n"), cwd=tmp_path)
    assert code == 1 and lines
    assert all(len(line) <= MAX_LINE for line in lines), [len(line) for line in lines]
    assert ending in lines[0]


def test_a_key_holding_a_line_break_is_reported_on_one_line(tmp_path: Path) -> None:
    code, lines = check(tmp_path / "m", ("meeting.yaml", MEETING + '"fax\\n\\u001b[2J": 1\n'),
                        ("p.md", PAPER + "Text.\n"))
    assert (code, lines) == (0, ["m/meeting.yaml:6: warning: meeting: unknown key 'fax\\n\\x1b[2J'"])


LAYOUT = Layout(styles={name: name for name in STYLE_NAMES}, text_width=9000, table_style="Table Grid")
WORD = st.sampled_from(["alpha", "bravo", "charlie", "delta"])
MARKER = st.sampled_from(["- ", "> ", "1. ", "* ", ">", "  ", "   "])


PREFIX = st.integers(0, 30).flatmap(lambda n: st.lists(MARKER, min_size=n, max_size=n)).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PREFIX, WORD), min_size=1, max_size=8))
def test_nested_markdown_keeps_every_word_or_says_why(lines: list[tuple[str, str]]) -> None:
    markdown = "".join(f"{markers}{word}\n" for markers, word in lines) + "\nomega\n"
    try:
        wordml = markdown_to_wordml(markdown, Path("p.md"), 1, LAYOUT)
    except AssemblerError as exc:
        assert "nested more than" in str(exc) or "not supported" in str(exc)
        return
    for word in ("alpha", "bravo", "charlie", "delta", "omega"):
        assert wordml.count(word) == markdown.count(word), markdown


ODD = {  # found by trying to break the loader: each gave a traceback, or a wrong line
    "a NUL in a paper's name": (MEETING.replace("paper: p.md", 'paper: "p\\0.md"'),
                                "m/meeting.yaml:5: 'p\\x00.md': not the name of a file; name a file in the "
                                "meeting folder"),
    "an empty paper name": (MEETING.replace("paper: p.md", 'paper: ""'),
                            "m/meeting.yaml:5: '': not the name of a file; name a file in the meeting folder"),
    "a NUL in the templates folder": (MEETING + 'templates: "a\\0b"\n',
                                      "m/meeting.yaml:6: templates: no folder 'a\\x00b'"),
    "a lone surrogate": (MEETING + 'venue: "\\ud800"\n',
                         "m/meeting.yaml:6: meeting: 'venue' holds a character that is not text (a lone "
                         "surrogate, from a damaged copy and paste); type the value again"),
    "a date with a time": (MEETING.replace("2026-09-24", "2026-09-24 10:00:00"),
                           "m/meeting.yaml:2: meeting: 'date' should be a date such as 2026-09-24, "
                           "not 2026-09-24 10:00:00"),
}


@pytest.mark.parametrize("meeting, expected", ODD.values(), ids=ODD.keys())
def test_an_odd_value_gets_one_line_saying_what_is_wrong(tmp_path: Path, meeting: str, expected: str) -> None:
    assert expected in fails(tmp_path, meeting)


def test_a_link_that_goes_round_in_a_loop_gets_one_line(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "p.md").symlink_to("p.md")
    code, lines = check(tmp_path / "m", ("meeting.yaml", MEETING))
    assert (code, lines) == (1, ["m/meeting.yaml:5: 'p.md': a link that leads round in a loop, to no file"])


def test_a_time_of_day_is_text_not_a_number_in_sixties(tmp_path: Path) -> None:
    from assembler.sources.load import load_meeting

    check(tmp_path / "m", ("meeting.yaml", MEETING + "time: 10:00\n"), ("p.md", PAPER + "Text.\n"))
    assert load_meeting(tmp_path / "m")[0].time == "10:00"


def test_an_output_that_is_a_file_gets_the_readmes_one_line(tmp_path: Path) -> None:
    check(tmp_path / "m", ("meeting.yaml", MEETING), ("p.md", PAPER + "Text.\n"))
    (tmp_path / "afile").write_text("not a folder")
    code, lines = assembler(tmp_path, "build", "m", "--output", "afile")
    assert code == 1 and len(lines) == 1 and "not a folder; give --output a folder" in lines[0], lines


SECOND = {  # found by a second try at breaking it
    "a paper named by a number": (MEETING.replace("paper: p.md", "paper: 5"), "",
                                  "m/meeting.yaml:5: item 1: 'paper' should be a file name such as report.md, not 5"),
    "a merge key": (MEETING.replace("  - title: Report\n", "  - <<: {exempt: 3}\n    title: Report\n"), "",
                    "m/meeting.yaml:4: YAML, column 5: merge keys ('<<') are not supported; write the keys out"),
    "an ordered-map tag": ("body: !!omap [a: 1]\n" + MEETING.replace("body: Board\n", ""), "",
                           "m/meeting.yaml:1: YAML, column 7: a value tagged '!!omap' is not supported; write it "
                           "as plain text, a list or a mapping"),
    "a line of a million characters": (MEETING, "word " * 190_000,
                                       "m/p.md:5: a line of 950,000 characters; a paragraph runs to a few "
                                       "thousand at most (20,000 here): break it up"),
    "a hundred thousand paragraphs": (MEETING, "para\n\n" * 50_000,
                                      "m/p.md:30001: the paper has 100,004 lines; a paper can have 30,000 at most: "
                                      "move some of it into an appendix of its own"),
    "a table wider than Word's": (MEETING, "|" + "a|" * 100 + "\n|" + "-|" * 100 + "\n",
                                  "m/p.md:5: a table of more than 63 columns; a Word table holds 63 at most: "
                                  "split it into tables"),
}


@pytest.mark.parametrize("meeting, body, expected", SECOND.values(), ids=SECOND.keys())
def test_a_second_try_at_breaking_it_gets_one_line(tmp_path: Path, meeting: str, body: str, expected: str) -> None:
    assert fails(tmp_path, meeting, body or "Text.\n") == [expected]


def test_an_explicit_text_tag_is_plain_text(tmp_path: Path) -> None:
    code, lines = check(tmp_path / "m", ("meeting.yaml", MEETING.replace("body: Board", "body: !!str Board")),
                        ("p.md", PAPER + "Text.\n"))
    assert (code, lines) == (0, [])
