"""Builds queued on Redis, as when several workers share the work: a real redis-server on loopback,
a real `assembler worker --redis`, a build queued by the web's own code, and the pack read back."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import alive, free_port, report, wait_for
from pypdf import PdfReader
from unoservers import running_listeners

from .conftest_django import workspace_root

MEETING = "redis-2026-09-24"
KILLED = "redis-killed-2026-09-24"
LISTENED = "listened-2026-09-24"



@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own on loopback, keeping nothing on disk."""
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_for(answers, "redis-server to start", 30)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait()


@pytest.fixture
def worker(redis_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`assembler worker ROOT --redis URL` on the tests' workspace; yields ROOT."""
    root = workspace_root(tmp_path_factory)
    env = os.environ | {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "assembler", "worker", str(root), "--redis", redis_url],
                               env=env, stderr=subprocess.PIPE, text=True)
    try:
        yield root
    finally:
        process.terminate()
        stderr = process.communicate(timeout=60)[1]
        assert "The worker is waiting for builds (Redis)." in stderr, stderr


def test_a_build_queued_on_redis_is_built_by_a_worker(worker: Path, redis_url: str) -> None:
    from django.test import override_settings

    from assembler.web import jobs
    from assembler.web.models import BuildJob

    folder = worker / "papers" / MEETING
    folder.mkdir()
    (folder / "meeting.yaml").write_text("body: Board\ndate: 2026-09-24\nitems:\n  - title: Budget\n"
                                         "    paper: budget.md\n", encoding="utf-8")
    (folder / "budget.md").write_text(report("Budget", "Money.\n"), encoding="utf-8")
    with override_settings(REDIS_URL=redis_url):
        job = jobs.start(MEETING, "olive")  # the worker reads Redis alone: only it can build this

    def ended() -> bool:
        job.refresh_from_db()
        return not job.active

    wait_for(ended, "the worker to build the meeting", 240)
    assert job.state == BuildJob.BUILT, (job.summary, job.problems)
    pack = worker / "output" / MEETING / "agenda-pack.pdf"
    assert job.summary.startswith(f"Built the pack: {len(PdfReader(pack).pages)} pages")
    assert job.laid_out == job.to_lay_out >= 2  # the paper and the front sheet, by the worker's LibreOffice


def test_a_build_whose_worker_was_killed_does_not_block_the_next(worker: Path, redis_url: str) -> None:
    """With Redis, other workers elsewhere may be building, so a worker starting does not fail every
    running job; but one whose worker ran here and has ended is failed when the meeting is next built."""
    from django.test import override_settings

    from assembler.web import jobs
    from assembler.web.models import BuildJob

    folder = worker / "papers" / KILLED
    folder.mkdir()
    papers = [f"p{n}.md" for n in range(6)]
    (folder / "meeting.yaml").write_text("body: Board\ndate: 2026-09-24\nitems:\n" + "".join(
        f"  - title: Report {n}\n    paper: {name}\n" for n, name in enumerate(papers)), encoding="utf-8")
    for n, name in enumerate(papers):
        (folder / name).write_text(report(f"Report {n}", "Words of the report. " * 800 + "\n"), encoding="utf-8")
    with override_settings(REDIS_URL=redis_url):
        job = jobs.start(KILLED, "olive")

        def running() -> bool:
            job.refresh_from_db()
            return job.state == BuildJob.RUNNING

        wait_for(running, "the worker to start the build", 240)
        pid = int(job.worker.split()[1])
        os.kill(pid, signal.SIGKILL)  # the process building it, killed outright mid-build
        wait_for(lambda: not alive(pid), "the worker's build process to end", 30)
        job.refresh_from_db()
        assert job.state == BuildJob.RUNNING  # nothing could say otherwise
        again = jobs.start(KILLED, "olive")
    job.refresh_from_db()
    assert (job.state, job.summary) == (BuildJob.FAILED, jobs.STOPPED)
    assert again.pk != job.pk and again.active


def test_a_worker_given_listeners_lays_out_on_them(redis_url: str, tmp_path: Path,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    """ASSEMBLER_UNOSERVERS reaches the worker as it reaches `build`: with no LibreOffice on its PATH,
    the worker builds on the listeners (a worker of its own, on its own Redis, so no other takes it)."""
    root = workspace_root(tmp_path_factory)  # Django set up, before its modules are imported
    from django.test import override_settings

    from assembler.web import jobs
    from assembler.web.models import BuildJob

    folder = root / "papers" / LISTENED
    folder.mkdir()
    (folder / "meeting.yaml").write_text("body: Board\ndate: 2026-09-24\nitems:\n  - title: Budget\n"
                                         "    paper: budget.md\n", encoding="utf-8")
    (folder / "budget.md").write_text(report("Budget", "Money.\n"), encoding="utf-8")
    nowhere = tmp_path / "no-soffice"
    nowhere.mkdir()
    (nowhere / "pdftotext").symlink_to(shutil.which("pdftotext") or "/usr/bin/pdftotext")  # the web version's
    with running_listeners(tmp_path / "listeners", 1) as addresses:
        env = os.environ | {"PATH": str(nowhere), "ASSEMBLER_UNOSERVERS": addresses[0],
                            "XDG_CACHE_HOME": str(tmp_path / "cache")}
        process = subprocess.Popen([sys.executable, "-m", "assembler", "worker", str(root), "--redis", redis_url],
                                   env=env, stderr=subprocess.PIPE, text=True)
        try:
            with override_settings(REDIS_URL=redis_url):
                job = jobs.start(LISTENED, "olive")

            def ended() -> bool:
                job.refresh_from_db()
                return not job.active

            wait_for(ended, "the worker to build the meeting", 240)
        finally:
            process.terminate()
            stderr = process.communicate(timeout=60)[1]
    assert job.state == BuildJob.BUILT, (job.summary, job.problems, stderr)
    assert (root / "output" / LISTENED / "agenda-pack.pdf").exists()
