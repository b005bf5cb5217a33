"""Python's work shared with a forked copy of the process, so that a second core is not left idle.

Once LibreOffice has laid everything out, what is left (cutting the items' own PDFs) is Python's
alone, and a build would otherwise use one core of several.
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Callable, NoReturn, Sequence, TypeVar

from assembler.interrupts import STOPPING

Piece = TypeVar("Piece")


def shared(work: Sequence[Piece], do: Callable[[Piece], None]) -> None:
    """do(piece) for each piece of work: every other one in a forked child, the rest here.

    If the child fails, its share is done again here, so that its error is raised just as it would
    have been without a child. If this process fails, or is interrupted, the child is stopped.
    """
    if len(work) < 2 or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        for piece in work:
            do(piece)
        return
    child = os.fork()
    if child == 0:
        _do_and_end(work[1::2], do)
    try:
        for piece in work[::2]:
            do(piece)
        status = os.waitpid(child, 0)[1]
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
        raise
    if os.waitstatus_to_exitcode(status) != 0:
        for piece in work[1::2]:
            do(piece)


def _do_and_end(work: Sequence[Piece], do: Callable[[Piece], None]) -> NoReturn:
    """The child's part: its share, then an end that runs none of the parent's clean-up."""
    for stopping in STOPPING:
        signal.signal(stopping, signal.SIG_DFL)  # the parent reports an interruption and tidies up
    try:
        for piece in work:
            do(piece)
    except BaseException:  # noqa: B036 - whatever it was, the parent does this share again
        os._exit(1)
    os._exit(0)
