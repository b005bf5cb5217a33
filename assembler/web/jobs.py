"""Builds asked for in the browser: queued on huey, run by the worker (worker.py), followed in the
BuildJob row that the build panel reads.

The queue is huey's: a SQLite file beside the workspace's database by default, Redis when
ASSEMBLER_REDIS_URL (or --redis) names one, so that workers on several machines can share it.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from huey import Huey, RedisHuey, SqliteHuey

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult, Progress
from assembler.build.run import build
from assembler.errors import AssemblerError, Interrupted, Problem, shown
from assembler.layout.convert import Engine
from assembler.runtime import processes
from assembler.runtime.interrupts import stopping_cleanly
from assembler.web.models import BuildJob

WRITES_PER_SECOND = 4  # progress written to the database at most this often: pages poll once a second


@functools.cache
def _queue(redis_url: str) -> tuple[Huey, Callable[[int], object]]:
    """The queue, and the build task registered on it (calling it queues a job). By the Redis URL
    read when asked, so that a test may name another."""
    if redis_url:
        queue: Huey = RedisHuey("assembler", url=redis_url, results=False)
    else:
        queue = SqliteHuey("assembler", filename=str(settings.QUEUE), results=False)
    return queue, queue.task(name="build")(run_queued)


def queue() -> Huey:
    return _queue(settings.REDIS_URL)[0]


class AlreadyBuilding(AssemblerError):
    """A build of the meeting is waiting or running: a second would only repeat it."""


def start(meeting: str, who: str) -> BuildJob:
    """Queue a build of the meeting; AlreadyBuilding if one is already queued or running."""
    # The database takes its write lock at the start (settings: IMMEDIATE), so two officers
    # pressing "build" at once cannot both find no job and both queue one.
    with transaction.atomic():
        _fail_abandoned(BuildJob.objects.filter(meeting=meeting, state=BuildJob.RUNNING))
        if BuildJob.objects.filter(meeting=meeting, state__in=(BuildJob.QUEUED, BuildJob.RUNNING)).exists():
            raise AlreadyBuilding("a build of this meeting is already waiting or running; "
                                  "follow it on the meeting's page")
        job = BuildJob.objects.create(meeting=meeting, requested_by=who)
    try:
        _queue(settings.REDIS_URL)[1](job.pk)
    except Exception as exc:  # Redis down, say: the job must not stay "waiting" and block the next
        BuildJob.objects.filter(pk=job.pk).update(state=BuildJob.FAILED,
                                                  summary="The build queue could not be reached.")
        raise AssemblerError(f"the build queue could not be reached ({exc}); is the worker's Redis running?") from None
    return job


class Warm:
    """The LibreOffice the worker keeps running between builds (None: each build starts its own)."""

    engine: Engine | None = None


def run_queued(job_id: int) -> None:
    """The task the worker runs: one job, with the worker's warm LibreOffice."""
    close_old_connections()  # a connection the database closed since the last build is opened again
    try:
        # The first signal to stop raises KeyboardInterrupt in the build, as on the command line; the
        # next ones (huey and multiprocessing both send SIGTERM) must not cut its clean-up short.
        with stopping_cleanly():
            run(job_id, Warm.engine)
    finally:
        close_old_connections()


class JobProgress(Progress):
    """A build's progress, written into its job row, at most WRITES_PER_SECOND times a second."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.pending: dict[str, object] = {}
        self.laid_out = self.to_lay_out = 0
        self.written = 0.0

    def stage(self, text: str) -> None:
        self._set(stage=text)

    def notice(self, text: str) -> None:
        self._set(stage=text)

    def converting(self, total: int) -> None:
        # The papers first, then each pack's front sheet: one count over the whole build.
        self.to_lay_out += total
        self._set(stage="Laying out documents with LibreOffice", to_lay_out=self.to_lay_out)

    def converted(self, name: str) -> None:
        self.laid_out += 1
        self._set(laid_out=self.laid_out)

    def _set(self, **fields: object) -> None:
        self.pending |= fields
        if time.monotonic() - self.written >= 1 / WRITES_PER_SECOND:
            self.flush()

    def flush(self, **final: object) -> None:
        """Write what is pending, with the final fields if given (always written)."""
        fields = self.pending | final
        if fields:
            BuildJob.objects.filter(pk=self.job_id).update(**fields)
        self.pending = {}
        self.written = time.monotonic()


def as_record(problem: Problem) -> dict[str, object]:
    """A problem as a job keeps it: its path relative to the workspace, so that it reads as
    `papers/<id>/meeting.yaml:12: ...`, as the command line run in the workspace shows it."""
    path = _relative(problem.path) if problem.path else None
    return {"path": path, "line": problem.line, "message": problem.message, "warning": problem.warning,
            "text": str(Problem(Path(path) if path else None, problem.line, problem.message, problem.warning))}


def _relative(path: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(settings.ROOT).as_posix()
    except ValueError:  # a template folder elsewhere, say
        return shown(absolute)


def run(job_id: int, engine: Engine | None = None) -> None:
    """Run one queued job to its end: built, or failed with its problems. Never left running."""
    job = BuildJob.objects.get(pk=job_id)
    progress = JobProgress(job_id)
    progress.flush(state=BuildJob.RUNNING, started=timezone.now(), stage="Starting", worker=this_process())
    try:
        result = build(settings.PAPERS / job.meeting, BuildOptions(output=settings.OUTPUT), progress, engine)
    except Interrupted as exc:  # the worker was stopped: the build tidied up, and says what is left
        _ended(progress, BuildJob.FAILED, STOPPED, exc.problems)
    except AssemblerError as exc:
        count = len(exc.problems)
        _ended(progress, BuildJob.FAILED, f"The build stopped: {count} problem{'s' if count != 1 else ''} to mend.",
               exc.problems)
    except Exception:  # a fault of ours: the job says so in plain words, the traceback goes to the log
        traceback.print_exc(file=sys.stderr)
        _ended(progress, BuildJob.FAILED, "The build failed because of a fault in assembler itself, not in the "
                                          "papers; the worker's log has the details. Please report it.")
    except BaseException:  # stopped before the build could say so itself
        _ended(progress, BuildJob.FAILED, STOPPED)
        raise
    else:
        _ended(progress, BuildJob.BUILT, summary(result), result.warnings, stage="Done")


STOPPED = "The worker was stopped during this build; build the meeting again."


def _ended(progress: JobProgress, state: str, summary: str, problems: list[Problem] | None = None,
           **more: object) -> None:
    progress.flush(state=state, finished=timezone.now(), summary=summary,
                   problems=[as_record(problem) for problem in problems or []], **more)


def summary(result: BuildResult) -> str:
    if result.unchanged:
        return f"Nothing had changed since the last build: the pack has {result.pages} pages."
    return f"Built the pack: {result.pages} pages, in {result.seconds:.1f} seconds."


def recover_abandoned() -> None:
    """Jobs left "running" by a worker that was stopped or killed mid-build are failed, so that the
    meeting can be built again: with the embedded queue, where this is the only worker, all of them;
    with Redis, those whose worker ran on this machine and has ended."""
    running = BuildJob.objects.filter(state=BuildJob.RUNNING)
    if settings.REDIS_URL:
        _fail_abandoned(running)
    else:
        _stopped(running)


def _stopped(jobs: QuerySet[BuildJob]) -> None:
    """Fail these jobs, if running still, as stopped with their worker."""
    jobs.filter(state=BuildJob.RUNNING).update(state=BuildJob.FAILED, finished=timezone.now(), summary=STOPPED)


def this_process() -> str:
    """This process, as no other process, here or on another machine, before or after, is named."""
    return f"{socket.gethostname()} {os.getpid()} {_started(os.getpid())}"


def _started(pid: int) -> str:
    """When a process started, in clock ticks since the machine started; "" if it is not running."""
    fields = processes.stat(pid)
    return fields[19] if fields else ""


def _fail_abandoned(running: QuerySet[BuildJob]) -> None:
    """Fail the jobs whose worker ran on this machine and has ended: a worker on another machine
    cannot be seen from here, and its jobs are left to it."""
    host = socket.gethostname()
    for job in running:
        where, _, rest = job.worker.partition(" ")
        pid, _, started = rest.partition(" ")
        if where == host and pid.isdigit() and _started(int(pid)) != started:
            _stopped(BuildJob.objects.filter(pk=job.pk))
