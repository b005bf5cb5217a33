"""Two pieces of Python's work at once, one in a forked copy of the process, so that a second core
is not left idle.

Once LibreOffice has laid everything out, what is left (the packs and their items' PDFs, and the
web version) is Python's alone, and a build would otherwise use one core of several.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from typing import NoReturn

from assembler.runtime.interrupts import STOPPING

Work = Callable[[], object]


def in_parallel(here: Work, there: Work) -> None:
    """Do here() in this process and there() in a forked child, and wait for both.

    If the child fails, there() is done again here, so that its error is raised just as it would
    have been without a child. If this process fails, or is interrupted, the child is stopped.
    """
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        here()
        there()
        return
    child = os.fork()
    if child == 0:
        _do_and_end(there)
    try:
        here()
        status = os.waitpid(child, 0)[1]
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
        raise
    if os.waitstatus_to_exitcode(status) != 0:
        there()


def _do_and_end(work: Work) -> NoReturn:
    """The child's part: its work, then an end that runs none of the parent's clean-up."""
    for stopping in STOPPING:
        signal.signal(stopping, signal.SIG_DFL)  # the parent reports an interruption and tidies up
    try:
        work()
    except BaseException:  # noqa: B036 - whatever it was, the parent does this work again
        os._exit(1)
    os._exit(0)
