"""Publishing a build: two builds of one meeting never interleave, and the output folder is only ever
swapped whole, even after a build was killed outright."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ONE_REPORT, finish, report, start_build

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.runtime.outputs import meeting_lock, staging


def test_a_second_build_of_a_meeting_waits_for_the_first(make_meeting, fake_soffice, tmp_path: Path):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    with meeting_lock(tmp_path / "out" / "m", lambda message: None):  # as a first build holds it
        second = start_build(tmp_path, "m", "--output", "out")
        assert second.stderr.readline() == "another build of m is running; waiting for it to finish\n"
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".m.lock"]  # nothing written yet
        assert second.poll() is None
    errors = finish(second)
    assert second.returncode == 0, errors
    assert (tmp_path / "out" / "m" / "agenda-pack.pdf").is_file()


def test_builds_of_different_meetings_run_at_once(make_meeting, fake_soffice, tmp_path: Path):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")}, name="b")
    with meeting_lock(tmp_path / "out" / "a", lambda message: None):
        other = start_build(tmp_path, "b", "--output", "out")
        errors = finish(other)  # on a lock shared with a, it would wait for ever
    assert other.returncode == 0, errors
    assert "waiting" not in errors
    assert (tmp_path / "out" / "b" / "agenda-pack.pdf").is_file()


def test_a_build_killed_between_the_renames_leaves_the_old_output_for_the_next(tmp_path: Path):
    (tmp_path / ".m-old").mkdir()  # as a build killed outright between its two renames leaves it
    (tmp_path / ".m-old" / "agenda-pack.pdf").write_bytes(b"the last complete pack")
    (tmp_path / ".m-new-x1y2").mkdir()  # and a staging folder it never finished
    with pytest.raises(RuntimeError), meeting_lock(tmp_path / "m", print), staging(tmp_path / "m"):
        raise RuntimeError("the next build fails")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.lock", "m"]
    assert (tmp_path / "m" / "agenda-pack.pdf").read_bytes() == b"the last complete pack"


def test_building_the_current_folder_writes_into_its_own_output_folder(make_meeting, fake_soffice,
                                                                       tmp_path: Path, monkeypatch):
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    (tmp_path / "out" / "other").mkdir(parents=True)  # another meeting's pack, to be left alone
    monkeypatch.chdir(folder)
    result = build(Path("."), BuildOptions(tmp_path / "out"))
    assert result.pack == tmp_path / "out" / "m" / "agenda-pack.pdf"
    assert (tmp_path / "out" / "other").is_dir()
