"""Values that name files are checked, and the output side's faults are one line.

Item numbers, appendix labels and meeting ids become file and folder names, so a hostile or
careless value must never write a paper outside its folder or over another paper. A full disk, a
read-only folder, a file given as --output or a damaged manifest each print one line and leave the
last complete build as it was. Output folders follow the umask, so a web server can publish them,
and the manifest does not depend on where the sources sit.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ONE_REPORT, files, report
from readback import layout_text

from assembler.errors import AssemblerError
from assembler.runtime.outputs import inside

SECRET = "Harrowgate tender prices"


def assembler(cwd: Path, *args: str) -> tuple[int, list[str]]:
    """The `assembler` program run in cwd, as an officer would: its exit code and stderr's lines."""
    env = os.environ | {"XDG_CACHE_HOME": str(cwd / "cache")}
    done = subprocess.run([sys.executable, "-m", "assembler", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stderr.splitlines()


def agenda(*items: dict) -> dict:
    return {"body": "Board", "date": "2026-09-24", "items": list(items)}


def written_below(folder: Path) -> list[str]:
    """Every file and folder below folder, as paths relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# -- item numbers, appendix labels and meeting ids ---------------------------------------------

@pytest.mark.parametrize("number", ["../../11", "../../..", "2/3", ".5", "1..2", "1 2", "5-b",
                                    "3\\4", "x" * 13, "³"])
def test_an_item_number_that_is_not_a_safe_file_name_is_an_error(make_meeting, tmp_path: Path, number: str):
    good = ({"title": f"Item {n}", "number": n} for n in ("2a", "10.1", "A1", "1.10", "1.1", "B"))
    make_meeting(agenda({"title": "Report"},
                        {"title": "Contract", "number": number, "exempt": 3, "paper": "secret.md"}, *good),
                 {"secret.md": report("Contract", f"{SECRET}.\n")})
    for command in (["check", "m"], ["build", "m", "--output", "out/public"]):
        code, lines = assembler(tmp_path, *command)
        assert code == 1
        assert lines == [f"m/meeting.yaml:6: item 2: 'number' should be up to 12 letters and digits, with dots "
                         f"between them, such as 4, 4a or 10.1, not {number!r}, as it names the item's files"]
    assert not (tmp_path / "out").exists()  # nothing written, in out/ or beside it
    assert written_below(tmp_path / "m") == ["meeting.yaml", "secret.md"]


@pytest.mark.parametrize("first, second, shown", [("2", "02", " (as 2)"), ("A1", "a1", " (as A1)"),
                                                 ("10.1", "10.01", " (as 10.1)")])
def test_item_numbers_that_name_the_same_files_are_a_clash(make_meeting, tmp_path: Path, first, second, shown):
    make_meeting(agenda({"title": "Report", "number": first, "paper": "p.md"},
                        {"title": "Report", "number": second, "paper": "q.md"}),
                 {"p.md": report("Report", "One.\n"), "q.md": report("Report", "Two.\n")})
    code, lines = assembler(tmp_path, "check", "m")
    assert (code, lines) == (1, [f"m/meeting.yaml:7: item 2: number {second} is already used by item 1{shown}"])


def test_two_appendices_that_would_share_a_file_name_are_an_error(make_meeting, tmp_path: Path):
    paper = report("Report", "Text.\n", appendices=[{"file": "a.md", "title": "A", "label": "Appendix A"},
                                                      {"file": "b.md", "title": "B", "label": "appendix-a"}])
    make_meeting(ONE_REPORT, {"p.md": paper, "a.md": report("A", "A.\n"), "b.md": report("B", "B.\n")})
    code, lines = assembler(tmp_path, "check", "m")
    assert (code, lines) == (1, ["m/p.md:6: appendix 'appendix-a' would have the same file name as "
                                 "'Appendix A'; give each appendix its own label"])


@pytest.mark.parametrize("name", [".m", "m b", "m;rm", "é"])
def test_a_meeting_folder_whose_name_cannot_name_its_output_folder_is_an_error(make_meeting, tmp_path: Path,
                                                                                 name: str):
    make_meeting(agenda({"title": "Apologies"}), name=name)
    code, lines = assembler(tmp_path, "build", name, "--output", "out")
    assert code == 1
    assert lines == [f"{name}: the folder's name should be up to 100 letters, digits, '-', '_' and '.', "
                     f"starting with a letter or digit, not {name!r}, as it names the output folder; "
                     "rename the folder"]
    assert not (tmp_path / "out").exists()


# -- where the output goes ------------------------------------------------------------------

@pytest.mark.parametrize("command", [["build", "m"], ["verify", "m"], ["render", "m/p.md"]])
def test_an_output_folder_inside_the_meeting_folder_is_refused(make_meeting, tmp_path: Path, command):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    code, lines = assembler(tmp_path, *command, "--output", "m/out")
    assert (code, lines) == (1, ["m/out: the output folder is inside the meeting folder m/, so every build "
                                 "would find its own output changed; choose an --output folder outside it, "
                                 "such as output"])
    assert written_below(tmp_path / "m") == ["meeting.yaml", "p.md"]


def test_an_output_folder_that_would_put_the_pack_in_place_of_the_sources_is_refused(make_meeting,
                                                                                     tmp_path: Path):
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")}, name="papers/m")
    before = files(folder)
    code, lines = assembler(tmp_path, "build", "papers/m", "--output", "papers")
    assert (code, lines) == (1, ["papers: building into papers/m/ would replace papers/m/; "
                                 "choose another --output folder"])
    assert files(folder) == before


def test_the_manifest_inputs_do_not_depend_on_where_the_sources_sit(make_meeting, fake_soffice, tmp_path: Path):
    sources = {"p.md": report("Report", "Text.\n")}
    first = make_meeting(ONE_REPORT, sources, name="here/m")
    second = make_meeting(ONE_REPORT, sources, name="elsewhere/m")
    assert assembler(tmp_path, "build", str(first), "--output", "out1")[0] == 0
    assert assembler(tmp_path, "build", str(second), "--output", "out2")[0] == 0
    assert assembler(tmp_path / "here", "build", "m", "--output", "../out3")[0] == 0
    inputs = {json.loads((tmp_path / out / "m" / "manifest.json").read_text())["inputs"]
              for out in ("out1", "out2", "out3")}
    assert len(inputs) == 1
    fake_soffice.misbehave("exit-1")  # a rebuild would now fail: the copy elsewhere must need none
    code, lines = assembler(tmp_path, "build", str(second), "--output", "out1", "--verbose")
    assert code == 0, lines
    assert not fake_soffice.calls()


def test_output_folders_follow_the_umask_so_they_can_be_published(make_meeting, tmp_path: Path):
    make_meeting(agenda({"title": "Report", "paper": "p.md"},
                        {"title": "Contract", "paper": "c.md", "exempt": 3}),
                 {"p.md": report("Report", "Text.\n"), "c.md": report("Contract", "Prices.\n")})
    old = os.umask(0o022)
    try:
        code, lines = assembler(tmp_path, "build", "m", "--output", "out")
    finally:
        os.umask(old)
    assert code == 0, lines
    out = tmp_path / "out" / "m"
    modes = {p.relative_to(out).as_posix(): oct(p.stat().st_mode & 0o777) for p in [out, *out.rglob("*")]}
    assert modes["."] == oct(0o755)
    assert modes.pop("confidential") == oct(0o700)  # but not what is not for publication
    assert {mode for name, mode in modes.items() if (out / name).is_dir()} == {oct(0o755)}
    assert {mode for name, mode in modes.items() if (out / name).is_file()} == {oct(0o644)}
    assert "Text." in layout_text(out / "agenda-pack.pdf")


# -- the output side's faults ---------------------------------------------------------------

@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of that size ("2m", "60k") mounted at folder while the block runs: a real file system
    that fills up and can be made read-only."""
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB disk."""
    with tmpfs(tmp_path / "disk", "2m") as folder:
        yield folder


def fill(disk: Path) -> None:
    """Write to disk until the operating system says it is full."""
    with (disk / "filler").open("wb") as filler:
        with pytest.raises(OSError) as full:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
    assert full.value.errno == errno.ENOSPC


@pytest.fixture
def built(make_meeting, fake_soffice, small_disk: Path, tmp_path: Path) -> tuple[Path, dict[Path, bytes]]:
    """A meeting built onto the small disk, then changed so that the next build has work to do."""
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    code, lines = assembler(tmp_path, "build", "m", "--output", "disk")
    assert code == 0, lines
    (folder / "p.md").write_text(report("Report", "Changed text.\n"), encoding="utf-8")
    return small_disk / "m", files(small_disk / "m")


def test_a_full_disk_is_one_line_and_leaves_the_last_build(built, small_disk: Path, tmp_path: Path):
    target, before = built
    fill(small_disk)
    code, lines = assembler(tmp_path, "build", "m", "--output", "disk")
    assert (code, lines) == (1, ["disk/m: no space left on the disk; free some space and build again"])
    assert files(target) == before
    assert sorted(p.name for p in small_disk.iterdir()) == [".cache", ".m.lock", "filler", "m"]


def test_a_read_only_output_folder_is_one_line_and_leaves_the_last_build(built, small_disk: Path,
                                                                         tmp_path: Path):
    target, before = built
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, lines = assembler(tmp_path, "build", "m", "--output", "disk")
    assert (code, lines) == (1, ["disk/.m.lock: the folder is read-only; choose another --output folder, "
                                 "or make it writable"])
    assert files(target) == before


def test_an_output_that_is_not_a_folder_is_one_line(make_meeting, tmp_path: Path):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    code, lines = assembler(tmp_path, "build", "m", "--output", "/dev/null")
    assert (code, lines) == (1, ["/dev/null: not a folder; give --output a folder"])
    code, lines = assembler(tmp_path, "build", "m", "--output", "notes.txt/out")
    assert (code, lines) == (1, ["notes.txt/out: part of this path is a file, not a folder; "
                                 "give --output a folder"])


DAMAGED = [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"inputs": 5}',
           json.dumps({"pages": "7", "duplex": True}).encode()]


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_manifest_is_one_line_in_verify_and_a_fresh_start_in_build(built, small_disk: Path,
                                                                             tmp_path: Path, damage: bytes):
    target, _ = built
    (target / "manifest.json").write_bytes(damage)
    code, lines = assembler(tmp_path, "verify", "m", "--output", "disk", "--quiet")
    assert (code, lines) == (1, ["disk/m/manifest.json: damaged: not the manifest a build writes, so the pack "
                                 "cannot be checked against its sources; build the meeting again to write "
                                 "a new one"])
    code, lines = assembler(tmp_path, "build", "m", "--output", "disk")
    assert (code, lines) == (0, [])
    assert json.loads((target / "manifest.json").read_text())["pages"] >= 1
    assert "converted by the stand-in soffice" in layout_text(target / "agenda-pack.pdf")


@pytest.mark.parametrize("name", ["../11", "items/../../11", "/etc/passwd", "."])
def test_a_path_that_would_leave_its_output_folder_is_never_written(tmp_path: Path, name: str):
    with pytest.raises(AssemblerError, match="would be written outside"):
        inside(tmp_path / "out", name)
    assert inside(tmp_path / "out", "items/05-report.pdf") == tmp_path / "out" / "items" / "05-report.pdf"


def test_an_exempt_items_files_are_named_by_the_title_the_public_sees():
    """A file's name travels further than its content (web addresses, logs, the audit log)."""
    from assembler.model import Document, Item
    from assembler.names import output_stem

    paper = Document(Path("/m/deal.md"), "md", "Deal")
    named = {(item.title, item.exempt): output_stem(item, paper) for item in (
        Item("8", "Award to Harrowgate Vigil Ltd", paper=paper, exempt=3, public_title="CCTV contract"),
        Item("9", "Review of the Quill case", paper=paper, exempt=1),
        Item("4", "Policing report", paper=paper))}
    assert named == {("Award to Harrowgate Vigil Ltd", 3): "08-cctv-contract",
                     ("Review of the Quill case", 1): "09-review-of-the-quill-case",
                     ("Policing report", None): "04-policing-report"}
