"""Ctrl-C, or SIGTERM, during a build: one line, no LibreOffice left running, the last pack intact."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from conftest import ONE_REPORT, alive, files, finish, report, running_with, start_build, wait_for

from assembler.build import stages as pipeline
from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.errors import Interrupted
from assembler.runtime.interrupts import stopping_cleanly

STOPPED = "interrupted; out/m/ holds the last complete build"


def long_paper(words: str) -> str:
    return report("Report", "\n\n".join(f"{words} paragraph {n}. " * 30 for n in range(60)))


def test_ctrl_c_while_libreoffice_runs(make_meeting, tmp_path: Path):
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "First version.\n")})
    build(folder, BuildOptions(tmp_path / "out"))
    before = files(tmp_path / "out" / "m")
    (folder / "p.md").write_text(long_paper("Second version"), encoding="utf-8")
    # In its own session, as a terminal's foreground job: Ctrl-C goes to the whole group.
    started = start_build(tmp_path, "m", "--output", "out", start_new_session=True)
    profiles = str(tmp_path / "cache" / "assembler" / "libreoffice")
    wait_for(lambda: running_with(profiles) or started.poll() is not None, "LibreOffice to start")
    assert started.poll() is None, "the build ended before LibreOffice was seen running"
    os.killpg(started.pid, signal.SIGINT)
    errors = finish(started)
    assert started.returncode == 130
    assert errors.splitlines()[-1] == STOPPED
    assert "Traceback" not in errors
    assert files(tmp_path / "out" / "m") == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".cache", ".m.lock", "m"]
    assert running_with(profiles) == []


def test_sigterm_while_libreoffice_hangs(make_meeting, fake_soffice, tmp_path: Path):
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    build(folder, BuildOptions(tmp_path / "out"))
    before = files(tmp_path / "out" / "m")
    (folder / "p.md").write_text(report("Report", "Changed text.\n"), encoding="utf-8")
    fake_soffice.misbehave("hang")
    started = start_build(tmp_path, "m", "--output", "out")
    wait_for(lambda: fake_soffice.calls() or started.poll() is not None, "the stand-in to hang")
    started.terminate()  # SIGTERM to the build alone, as `kill` or a service manager sends it
    errors = finish(started)
    assert started.returncode == 130, errors
    assert errors.splitlines() == [STOPPED]  # not a terminal: nothing but what went wrong
    assert files(tmp_path / "out" / "m") == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".cache", ".m.lock", "m"]
    assert [pid for pid in fake_soffice.pids() if alive(pid)] == []


def test_an_interrupt_a_library_swallows_still_stops_the_build(make_meeting, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch):
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    build(folder, BuildOptions(tmp_path / "out"))
    before = files(tmp_path / "out" / "m")
    (folder / "p.md").write_text(report("Report", "Changed text.\n"), encoding="utf-8")
    original = pipeline.render_papers

    def render_papers(*args: object, **options: object) -> object:
        try:  # as reportlab does while it loads: a bare `except:` around an import
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the signal's handler raises KeyboardInterrupt here
        except:  # noqa: E722
            pass
        return original(*args, **options)

    monkeypatch.setattr(pipeline, "render_papers", render_papers)
    with stopping_cleanly(), pytest.raises(Interrupted, match="out/m/ holds the last complete build"):
        build(folder, BuildOptions(tmp_path / "out"))
    assert files(tmp_path / "out" / "m") == before
