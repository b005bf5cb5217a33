"""Two builds of one meeting never interleave: the second waits for the first. Other meetings do not wait."""

from __future__ import annotations

from pathlib import Path

from assembler.publish import meeting_lock
from conftest import finish, report, start_build

MEETING = {"body": "Board", "date": "2026-09-24", "items": [{"title": "Report", "paper": "p.md"}]}


def test_a_second_build_of_a_meeting_waits_for_the_first(make_meeting, fake_soffice, tmp_path: Path):
    make_meeting(MEETING, {"p.md": report("Report", "Text.\n")})
    with meeting_lock(tmp_path / "out" / "m", lambda message: None):  # as a first build holds it
        second = start_build(tmp_path, "m", "--output", "out")
        assert second.stderr.readline() == "  another build of m is running; waiting for it to finish\n"
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".m.lock"]  # nothing written yet
        assert second.poll() is None
    errors = finish(second)
    assert second.returncode == 0, errors
    assert (tmp_path / "out" / "m" / "agenda-pack.pdf").is_file()


def test_builds_of_different_meetings_run_at_once(make_meeting, fake_soffice, tmp_path: Path):
    make_meeting(MEETING, {"p.md": report("Report", "Text.\n")}, name="b")
    with meeting_lock(tmp_path / "out" / "a", lambda message: None):
        other = start_build(tmp_path, "b", "--output", "out")
        errors = finish(other)  # on a lock shared with a, it would wait for ever
    assert other.returncode == 0, errors
    assert "waiting" not in errors
    assert (tmp_path / "out" / "b" / "agenda-pack.pdf").is_file()
