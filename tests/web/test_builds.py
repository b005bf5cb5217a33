"""Builds and outputs in the workspace: a real build (real LibreOffice) queued by an officer and run
through the job runner, its progress, its outputs with their pages, previews, downloads, the audit
log, and who is refused what."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import alive, free_port, report, running_with, wait_for
from PIL import Image
from pypdf import PdfReader

from .conftest_django import workspace_root

if TYPE_CHECKING:
    from django.test import Client

MEETING = "board-2026-09-24"


@dataclass(frozen=True)
class Built:
    root: Path
    out: Path  # output/<meeting-id>/
    job_id: int
    refused: str  # the page a second build asked for while the first waited


def meeting_yaml(items: str) -> str:
    return f"body: Board\ndate: 2026-09-24\nitems:\n{items}"


ITEMS = """\
  - title: Budget
    paper: budget.md
    authors: [alice]
  - title: Secret deal
    paper: secret.md
    exempt: 3
    authors: [bob]
  - title: Roads
    paper: roads.md
"""


def write_meeting(root: Path, name: str, items: str, papers: dict[str, str]) -> Path:
    folder = root / "papers" / name
    folder.mkdir(parents=True)
    (folder / "meeting.yaml").write_text(meeting_yaml(items), encoding="utf-8")
    for file, text in papers.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def client_for(name: str, role: str) -> Client:
    from django.test import Client

    from assembler.web.models import User

    user, _ = User.objects.get_or_create(username=name, defaults={"role": role})
    client = Client()
    client.force_login(user)
    return client


def run_next_queued() -> None:
    """What the worker does with the next task on the queue, done here: the job runner, in full."""
    from assembler.web import jobs

    queue = jobs.queue()
    task = queue.dequeue()
    assert task is not None, "nothing was queued"
    queue.execute(task)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The meeting queued by an officer (twice: the second refused), then built by the job runner."""
    root = workspace_root(tmp_path_factory)
    write_meeting(root, MEETING, ITEMS, {
        "budget.md": report("Budget report", "The budget.\n\n" + "Money. " * 900),
        "secret.md": report("Secret report", "Nobody may know of Quibblestone.\n"),
        "roads.md": report("Roads report", "Potholes.\n")})
    officer = client_for("olive", "officer")
    first = officer.post(f"/meetings/{MEETING}/build/")
    assert first.status_code == 302 and first["Location"].endswith(f"/meetings/{MEETING}/#build")
    second = officer.post(f"/meetings/{MEETING}/build/")
    assert second.status_code == 409
    from assembler.web.models import BuildJob

    job = BuildJob.objects.get(meeting=MEETING)  # the second made none
    assert job.state == BuildJob.QUEUED
    run_next_queued()
    return Built(root, root / "output" / MEETING, job.pk, second.content.decode())


def test_a_second_build_of_a_waiting_meeting_is_refused_with_words(built: Built) -> None:
    assert "a build of this meeting is already waiting or running" in built.refused.lower()


def test_the_job_runner_builds_and_writes_its_progress(built: Built) -> None:
    from assembler.web.models import AuditEntry, BuildJob

    job = BuildJob.objects.get(pk=built.job_id)
    assert job.state == BuildJob.BUILT, (job.summary, job.problems)
    pages = len(PdfReader(built.out / "agenda-pack.pdf").pages)
    assert job.summary.startswith(f"Built the pack: {pages} pages")
    assert job.to_lay_out >= 3 and job.laid_out == job.to_lay_out  # every paper, and the front sheets
    assert job.stage == "Done" and job.started and job.finished and job.started <= job.finished
    assert AuditEntry.objects.filter(who="olive", action="build queued", meeting=MEETING).exists()


def test_the_meeting_page_shows_the_build_and_stops_polling_once_done(built: Built) -> None:
    officer = client_for("olive", "officer")
    page = officer.get(f"/meetings/{MEETING}/").content.decode()
    assert 'aria-live="polite"' in page and "Build the pack" in page and "Built the pack" in page
    assert "hx-trigger" not in page  # done: nothing polls
    fragment = officer.get(f"/meetings/{MEETING}/build/status/")
    assert fragment.status_code == 200 and "Built the pack" in fragment.content.decode()
    seen = re.search(r"seen=(\w*)", officer.get(f"/meetings/{MEETING}/").content.decode())
    assert seen is None  # a finished job's panel carries no poller at all


def test_a_waiting_build_polls_and_answers_no_change_with_204(built: Built) -> None:
    from assembler.web.builds import signature
    from assembler.web.models import BuildJob

    write_meeting(built.root, "waiting-2026-09-24", "  - title: Minutes\n    text: To approve.\n", {})
    officer = client_for("olive", "officer")
    officer.post("/meetings/waiting-2026-09-24/build/")
    job = BuildJob.objects.get(meeting="waiting-2026-09-24")
    panel = officer.get("/meetings/waiting-2026-09-24/build/status/").content.decode()
    assert 'hx-trigger="every 1s"' in panel and "Waiting for the worker" in panel
    assert officer.get(f"/meetings/waiting-2026-09-24/build/status/?seen={signature(job)}").status_code == 204
    run_next_queued()
    panel = officer.get(f"/meetings/waiting-2026-09-24/build/status/?seen={signature(job)}").content.decode()
    assert "Built the pack" in panel and "hx-trigger" not in panel


def listed(page: str) -> dict[str, int]:
    """The outputs page's rows: file name → pages."""
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^< ]+).*?</th>\s*'
                      r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', page, re.S)
    return {name: int(pages) for name, pages in rows}


def test_the_outputs_page_lists_every_pdf_with_its_pages(built: Built) -> None:
    page = client_for("olive", "officer").get(f"/meetings/{MEETING}/outputs/").content.decode()
    on_disk = {path.relative_to(built.out).as_posix(): len(PdfReader(path).pages)
               for path in built.out.rglob("*.pdf")}
    assert {"agenda-pack.pdf", "confidential/confidential-pack.pdf", "items/01-budget.pdf",
            "confidential/items/02-secret-deal.pdf"} <= set(on_disk)
    assert listed(page) == on_disk
    assert on_disk["items/01-budget.pdf"] >= 2  # the long paper: a count of 1 would prove nothing


def test_a_preview_is_a_png_of_the_page_asked_for(built: Built) -> None:
    officer = client_for("olive", "officer")
    pack = built.out / "agenda-pack.pdf"
    shown = officer.get(f"/meetings/{MEETING}/outputs/page/agenda-pack.pdf?page=3")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown.content.startswith(b"\x89PNG\r\n\x1a\n")
    drawn = subprocess.run(["pdftoppm", "-f", "3", "-l", "3", "-r", "60", "-png", "-singlefile", str(pack)],
                           capture_output=True, check=True).stdout
    first = subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-png", "-singlefile", str(pack)],
                           capture_output=True, check=True).stdout
    assert shown.content == drawn != first
    width, height = Image.open(io.BytesIO(shown.content)).size
    assert (width, height) == (497, 702)  # A4 at 60 dpi, as pdftoppm rounds it
    html = officer.get(f"/meetings/{MEETING}/outputs/preview/agenda-pack.pdf?page=3").content.decode()
    assert 'src="/meetings/board-2026-09-24/outputs/page/agenda-pack.pdf?page=3"' in html


def test_a_page_outside_the_file_is_not_found(built: Built) -> None:
    officer = client_for("olive", "officer")
    pages = len(PdfReader(built.out / "agenda-pack.pdf").pages)
    for page in ("0", str(pages + 1), "-1", "x", "99999999999999999999"):
        assert officer.get(f"/meetings/{MEETING}/outputs/page/agenda-pack.pdf?page={page}").status_code == 404
        assert officer.get(f"/meetings/{MEETING}/outputs/preview/agenda-pack.pdf?page={page}").status_code == 404


def test_confidential_downloads_and_previews_are_audited(built: Built) -> None:
    from assembler.web.models import AuditEntry

    officer = client_for("olive", "officer")
    got = officer.get(f"/meetings/{MEETING}/outputs/file/confidential/confidential-pack.pdf")
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == (built.out / "confidential/confidential-pack.pdf").read_bytes()
    assert "no-store" in got["Cache-Control"]
    assert AuditEntry.objects.filter(who="olive", action="confidential downloaded", meeting=MEETING,
                                     detail="confidential/confidential-pack.pdf").exists()
    assert officer.get(f"/meetings/{MEETING}/outputs/page/confidential/confidential-pack.pdf?page=1").status_code == 200
    assert AuditEntry.objects.filter(who="olive", action="confidential previewed",
                                     detail="confidential/confidential-pack.pdf").exists()
    public = AuditEntry.objects.count()
    officer.get(f"/meetings/{MEETING}/outputs/file/agenda-pack.pdf")
    assert AuditEntry.objects.count() == public  # the public pack is no one's secret


def test_an_author_opens_their_own_items_pdf_and_nothing_else(built: Built) -> None:
    alice = client_for("alice", "author")
    page = alice.get(f"/meetings/{MEETING}/outputs/").content.decode()
    assert listed(page) == {"items/01-budget.pdf": len(PdfReader(built.out / "items/01-budget.pdf").pages)}
    own = alice.get(f"/meetings/{MEETING}/outputs/file/items/01-budget.pdf")
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")
    refused = ["agenda-pack.pdf", "confidential/confidential-pack.pdf", "confidential/items/02-secret-deal.pdf",
               "items/03-roads.pdf", "agenda.docx", "manifest.json"]
    for name in refused:
        for kind in ("file", "preview", "page"):
            assert alice.get(f"/meetings/{MEETING}/outputs/{kind}/{name}").status_code == 404, (kind, name)
    for address in (f"/meetings/{MEETING}/", f"/meetings/{MEETING}/build/status/"):
        assert alice.get(address).status_code == 404
    assert alice.post(f"/meetings/{MEETING}/build/").status_code == 404


def test_the_author_of_an_exempt_item_opens_its_pdf_audited(built: Built) -> None:
    from assembler.web.models import AuditEntry

    bob = client_for("bob", "author")
    assert listed(bob.get(f"/meetings/{MEETING}/outputs/").content.decode()).keys() == \
        {"confidential/items/02-secret-deal.pdf"}
    assert bob.get(f"/meetings/{MEETING}/outputs/file/confidential/items/02-secret-deal.pdf").status_code == 200
    assert AuditEntry.objects.filter(who="bob", action="confidential downloaded").exists()
    assert bob.get(f"/meetings/{MEETING}/outputs/file/confidential/confidential-pack.pdf").status_code == 404


def test_an_author_with_no_item_in_the_meeting_finds_no_outputs(built: Built) -> None:
    assert client_for("carol", "author").get(f"/meetings/{MEETING}/outputs/").status_code == 404


def test_paths_leading_out_of_the_meetings_outputs_are_not_found(built: Built, tmp_path: Path) -> None:
    outside = tmp_path / "outside.pdf"
    outside.write_bytes((built.out / "agenda-pack.pdf").read_bytes())
    (built.out / "items" / "link-out.pdf").symlink_to(outside)
    # a link from a public place to confidential material: judged by where it leads
    (built.out / "items" / "link-in.pdf").symlink_to(built.out / "confidential" / "confidential-pack.pdf")
    officer, alice = client_for("olive", "officer"), client_for("alice", "author")
    try:
        for name in ("../../workspace.sqlite3", "..%2F..%2Fworkspace.sqlite3", "items/../../board-2026-09-24.lock",
                     "%2e%2e/%2e%2e/papers/board-2026-09-24/meeting.yaml", "items/link-out.pdf",
                     f"{built.out}/agenda-pack.pdf", "/etc/passwd", ".board-2026-09-24.lock"):
            for kind in ("file", "preview", "page"):
                assert officer.get(f"/meetings/{MEETING}/outputs/{kind}/{name}").status_code == 404, (kind, name)
        # a link no build wrote is neither opened nor listed, for anyone
        for reader in (officer, alice):
            assert reader.get(f"/meetings/{MEETING}/outputs/file/items/link-in.pdf").status_code == 404
            listed = reader.get(f"/meetings/{MEETING}/outputs/").content
            assert b"link-in.pdf" not in listed and b"link-out.pdf" not in listed
        assert officer.get("/meetings/../outputs/").status_code == 404
    finally:
        for link in ("link-out.pdf", "link-in.pdf"):
            (built.out / "items" / link).unlink()


def test_a_failed_builds_problems_read_as_the_command_line_shows_them(built: Built) -> None:
    from assembler.web.models import BuildJob

    write_meeting(built.root, "broken-2026-09-24", "  - title: Budget\n    paper: budget.md\n", {})
    officer = client_for("olive", "officer")
    officer.post("/meetings/broken-2026-09-24/build/")
    run_next_queued()
    job = BuildJob.objects.get(meeting="broken-2026-09-24")
    assert job.state == BuildJob.FAILED
    texts = [problem["text"] for problem in job.problems]
    assert any(text.startswith("papers/broken-2026-09-24/meeting.yaml:5: ") for text in texts), texts
    assert job.problems[0]["path"] == "papers/broken-2026-09-24/meeting.yaml"
    panel = officer.get("/meetings/broken-2026-09-24/build/status/").content.decode()
    assert "The build failed" in panel and "papers/broken-2026-09-24/meeting.yaml:5: " in panel


def test_a_builds_own_problem_is_shown_against_its_item(built: Built) -> None:
    from assembler.errors import Problem
    from assembler.web.jobs import as_record
    from assembler.web.models import BuildJob

    folder = write_meeting(built.root, "laid-2026-09-24", "  - title: First\n    text: Hello.\n"
                           "  - title: Roads\n    paper: roads.md\n", {"roads.md": report("Roads", "Text.\n")})
    # LibreOffice's own failures are met only by a build: this one is kept as the job runner keeps it
    BuildJob.objects.create(meeting="laid-2026-09-24", requested_by="olive", state=BuildJob.FAILED,
                            problems=[as_record(Problem(folder / "roads.md", None, "LibreOffice could not lay "
                                                                                    "this paper out"))])
    page = client_for("olive", "officer").get("/meetings/laid-2026-09-24/").content.decode()
    item = page[page.index('id="item-2"'):]
    assert "papers/laid-2026-09-24/roads.md: LibreOffice could not lay this paper out" in item[:item.index("</li>")]


@pytest.fixture
def serving(built: Built, tmp_path: Path) -> Iterator[subprocess.Popen]:
    port = free_port()
    env = os.environ | {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    serve = subprocess.Popen([sys.executable, "-m", "assembler", "serve", str(built.root), "--port", str(port)],
                             env=env, stderr=subprocess.DEVNULL)
    yield serve
    serve.kill()
    serve.wait()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_the_worker_and_its_libreoffice_do_not_outlive_serve_killed_outright(
        serving: subprocess.Popen, tmp_path: Path) -> None:
    wait_for(lambda: len(running_with(str(tmp_path / "cache"))) >= 1, "the worker's warm LibreOffice", 60)
    worker = children(serving.pid)
    assert len(worker) == 1 and alive(worker[0])
    consumer_children = children(worker[0])
    serving.send_signal(signal.SIGKILL)
    serving.wait()
    wait_for(lambda: not alive(worker[0]) and not any(alive(pid) for pid in consumer_children),
             "the worker to end with serve", 30)
    wait_for(lambda: not running_with(str(tmp_path / "cache")), "LibreOffice to end with the worker", 30)


def test_a_worker_stopped_mid_build_fails_the_job_and_leaves_nothing_running(built: Built, tmp_path: Path) -> None:
    """huey's process worker turns SIGTERM into KeyboardInterrupt in the build's main thread: the
    build's own clean-up runs (LibreOffice stopped, the staging folder removed) and the job says so."""
    from assembler.web import jobs
    from assembler.web.models import BuildJob

    write_meeting(built.root, "stopped-2026-09-24", "  - title: Budget\n    paper: budget.md\n",
                  {"budget.md": report("Budget", "Money and more money.\n\n" * 1500)})
    cache = tmp_path / "cache"
    worker = subprocess.Popen([sys.executable, "-m", "assembler", "worker", str(built.root)],
                              env=os.environ | {"XDG_CACHE_HOME": str(cache)}, stderr=subprocess.DEVNULL)
    try:
        job = jobs.start("stopped-2026-09-24", "olive")

        def running() -> bool:
            job.refresh_from_db()
            return job.state != BuildJob.QUEUED

        wait_for(running, "the worker to start the build", 120)
        worker.terminate()
        assert worker.wait(60) == 0
    finally:
        worker.kill()
    job.refresh_from_db()
    assert job.state == BuildJob.FAILED and job.summary == jobs.STOPPED, (job.state, job.summary, job.problems)
    assert not running_with(str(cache))
    assert not list((built.root / "output").glob(".stopped-2026-09-24-*"))  # no staging folder left
