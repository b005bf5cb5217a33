"""`assembler worker`: runs the builds queued in the browser, keeping LibreOffice warm between them.

It is huey's consumer with one worker of the "process" type, and the worker process keeps one
LibreOffice engine running for its whole life, as `build --watch` does, so that a rebuild after
one paper changes takes about a second.

Why a process worker: the build needs a process's main thread. Its clean-up on being stopped
comes from a signal raising KeyboardInterrupt, which Python delivers to the main thread only
(huey's process worker turns SIGTERM into exactly that while a task runs), and it forks for its
second core (runtime/parallel.py), which is safe in a process with one thread but not in one
where huey's scheduler and other threads run beside the build, as with thread workers.

`assembler serve` starts this as its child (worker_process), and it never outlives serve: the
kernel sends it SIGTERM when serve ends, even by kill -9 (PR_SET_PDEATHSIG), and its own worker
process is sent SIGKILL when it ends, LibreOffice going with it through the build's lifeline.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.db import connections

from assembler.build.run import engine_for
from assembler.layout.convert import DEFAULT_TIMEOUT
from assembler.web import jobs

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
STOP_WAIT = 10  # seconds serve gives its worker to stop LibreOffice and tidy up, before killing it
CLEAN_UP_WAIT = 8  # of those, seconds the worker gives its build's process to tidy up


def die_with_parent(parent: int, signum: int) -> None:
    """Have the kernel send this process signum when its parent ends, however it ends (Linux)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)
    if os.getppid() != parent:  # the parent ended before the line above: nobody is left to stop us
        os._exit(1)


def work(unoservers: Sequence[str] = ()) -> None:
    """Run the consumer until stopped, laying documents out on the unoserver listeners if given, else
    on a LibreOffice of its own. setup(root) has been called and the working folder is ROOT, so that
    problems name files as `papers/<id>/...`."""
    from huey.consumer import Consumer

    engine = engine_for(unoservers, DEFAULT_TIMEOUT)  # a listener given wrongly is reported before anything starts
    jobs.recover_abandoned()
    connections.close_all()  # the worker process, forked below, opens its own: SQLite's must not be shared
    queue = jobs.queue()
    consumer = os.getpid()
    kept = contextlib.ExitStack()

    @queue.on_startup()
    def warm() -> None:  # in the worker process, before its first task
        die_with_parent(consumer, signal.SIGKILL)  # the consumer gone: nothing would stop this otherwise
        kept.enter_context(engine.running())
        jobs.Warm.engine = engine

    @queue.on_shutdown()
    def cool() -> None:
        jobs.Warm.engine = None
        kept.close()

    print(f"The worker is waiting for builds ({'Redis' if settings.REDIS_URL else 'embedded queue'}).",
          file=sys.stderr)
    running = Consumer(queue, workers=1, worker_type="process", periodic=False, check_worker_health=True)
    running.run()
    # huey gives an interrupted worker process a second before it returns, and the worker process dies
    # with this one (PR_SET_PDEATHSIG): wait for the build's own clean-up (LibreOffice stopped, the
    # staging folder removed), which may take longer on a busy machine.
    for _, process in running.worker_threads:
        process.join(CLEAN_UP_WAIT)


@contextlib.contextmanager
def worker_process(root: Path, redis_url: str) -> Iterator[subprocess.Popen]:
    """`assembler worker ROOT` as a child of this process, for as long as the block runs."""
    serve = os.getpid()
    command = [sys.executable, "-m", "assembler", "worker", str(root)] + (["--redis", redis_url] if redis_url else [])
    # Its own session: Ctrl-C on serve's terminal reaches serve alone, which then stops the worker
    # at once rather than the worker waiting for a build to finish.
    child = subprocess.Popen(command, start_new_session=True,
                             preexec_fn=lambda: die_with_parent(serve, signal.SIGTERM))
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
