"""The LibreOffice a build keeps running (one host per core), and `build --watch`, which keeps it
between builds: real LibreOffice throughout."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import partners
import pytest
from conftest import ONE_REPORT, alive, finish, report, running_with, start_build, wait_for
from readback import layout_text

from assembler.build.options import BuildOptions
from assembler.build.progress import Progress
from assembler.build.run import build
from assembler.errors import AssemblerError
from assembler.layout.convert import Conversion, Deadline, Local


def word_file(path: Path, text: str) -> Conversion:
    path.write_bytes(partners.word(text, []))
    return Conversion(path, path.with_suffix(".md"))


def test_conversions_are_handed_to_the_host(tmp_path: Path):
    engine = Local(tmp_path / "profiles", timeout=5, processes=1)
    job = word_file(tmp_path / "a.docx", "A page.")
    with engine.running():
        host = next(iter(engine.hosts.values()))
        host.wait(Deadline.start(60))
        os.killpg(host.process.pid, signal.SIGSTOP)  # a host that no longer answers
        try:
            # Run on its own, soffice would convert the file; handed to the host, it waits for it.
            with pytest.raises(AssemblerError, match="LibreOffice took longer than 5 s"):
                engine.convert([job], tmp_path / "pdf", lambda job: None)
        finally:
            os.killpg(host.process.pid, signal.SIGCONT)


def test_one_host_serves_every_round_and_ends_with_the_build(tmp_path: Path):
    engine = Local(tmp_path / "profiles", timeout=120, processes=1)
    with engine.running():
        host = next(iter(engine.hosts.values())).process
        first = engine.convert([word_file(tmp_path / "a.docx", "The papers.")], tmp_path / "pdf", lambda job: None)
        second = engine.convert([word_file(tmp_path / "b.docx", "The front sheet.")], tmp_path / "pdf",
                                lambda job: None)
        assert alive(host.pid)
        assert running_with(str(tmp_path / "profiles")), "no LibreOffice runs on the build's profile"
    assert "The papers." in layout_text(next(iter(first.values())))
    assert "The front sheet." in layout_text(next(iter(second.values())))
    assert not alive(host.pid)
    assert running_with(str(tmp_path / "profiles")) == []


def test_watch_builds_after_each_save_and_keeps_going_after_a_mistake(make_meeting, tmp_path: Path):
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "The first version.\n")})
    watcher = start_build(tmp_path, "m", "--output", "out", "--watch", "--timeout", "120", stdout=subprocess.PIPE,
                          start_new_session=True)
    try:
        assert "out/m/agenda-pack.pdf: " in watcher.stdout.readline()  # type: ignore[union-attr]
        profiles = str(tmp_path / "cache" / "assembler" / "libreoffice")
        hosts = running_with(profiles)
        assert hosts, "no LibreOffice was kept running between builds"

        (folder / "p.md").write_text(report("Report", "The second version.\n"), encoding="utf-8")
        assert watcher.stdout.readline().rstrip().endswith("laid out afresh: p.md")  # type: ignore[union-attr]
        assert "The second version." in layout_text(tmp_path / "out" / "m" / "agenda-pack.pdf")
        assert [pid for pid in hosts if alive(pid)] == hosts  # the same LibreOffice, kept warm

        meeting = (folder / "meeting.yaml").read_text()
        (folder / "meeting.yaml").write_text(meeting + "\tbroken: [\n")
        assert watcher.stderr.readline().startswith("m/meeting.yaml:")  # type: ignore[union-attr]
        (folder / "meeting.yaml").write_text(meeting)
        assert "nothing had changed since the last build" in watcher.stdout.readline()  # type: ignore[union-attr]
        assert "The second version." in layout_text(tmp_path / "out" / "m" / "agenda-pack.pdf")
    finally:
        os.killpg(watcher.pid, signal.SIGINT)  # Ctrl-C, as at a terminal
        errors = finish(watcher)
    assert watcher.returncode == 130, errors
    assert errors.splitlines()[-1] == "interrupted; out/m/ holds the last complete build"
    assert running_with(profiles) == []


def test_libreoffices_version_is_asked_once_per_installation(tmp_path: Path):
    said = subprocess.run(["soffice", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    assert Local(tmp_path, timeout=60).version == said
    remembered = list(tmp_path.glob("version-*"))
    assert [path.read_text() for path in remembered] == [said]
    remembered[0].write_text("9.9.9.9")  # what a later build finds is what it reports: it does not ask again
    assert Local(tmp_path, timeout=60).version == "9.9.9.9"


def test_a_build_starts_libreoffice_once_its_papers_render_and_stops_it_before_it_assembles(
        make_meeting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the build's profiles, told apart
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    seen: dict[str, list[int]] = {}

    class Looking(Progress):
        def stage(self, text: str) -> None:
            seen[text.split()[0]] = running_with(str(tmp_path / "cache"))

    build(folder, BuildOptions(tmp_path / "out"), progress=Looking())
    assert seen["Rendering"] == []  # a fault in a paper is reported without starting LibreOffice
    assert seen["Planning"], "LibreOffice was not running while the front sheet was laid out"
    assert seen["Assembling"] == []  # its memory is free for the pack


def test_libreoffice_ends_even_when_the_build_is_killed_outright(make_meeting, tmp_path: Path):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    started = start_build(tmp_path, "m", "--output", "out")
    profiles = str(tmp_path / "cache" / "assembler" / "libreoffice")
    wait_for(lambda: running_with(profiles) or started.poll() is not None, "LibreOffice to start")
    assert started.poll() is None, "the build ended before LibreOffice was seen running"
    started.kill()  # kill -9: the build runs no clean-up of its own
    finish(started)
    wait_for(lambda: running_with(profiles) == [], "LibreOffice to end after the build was killed", limit=60)


def test_a_watch_starts_again_a_host_that_has_ended(tmp_path: Path):
    engine = Local(tmp_path / "profiles", timeout=120, processes=1)
    with engine.running():
        first = next(iter(engine.hosts.values())).process
        os.killpg(first.pid, signal.SIGKILL)  # as a document that crashes LibreOffice would
        first.wait()
        with engine.running():  # the next build of the watch
            again = next(iter(engine.hosts.values())).process
            assert again.pid != first.pid and alive(again.pid)
            pdf = engine.convert([word_file(tmp_path / "a.docx", "Laid out again.")], tmp_path / "pdf",
                                 lambda job: None)
            assert "Laid out again." in layout_text(next(iter(pdf.values())))
    assert running_with(str(tmp_path / "profiles")) == []
