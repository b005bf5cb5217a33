"""Ctrl-C, and the signals a system sends to stop a program, end a build through its clean-up code.

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt, which runs every `finally` on its way out:
LibreOffice's process groups are killed and the staging folder removed. SIGTERM (kill, systemd)
and SIGHUP (the terminal closed) would end the process at once, leaving LibreOffice running, so
they are made to do the same as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


_asked = False  # a stopping signal came: see still_wanted


def _interrupt(signum: int, frame: FrameType | None) -> None:
    global _asked
    _asked = True
    for stopping in STOPPING:
        signal.signal(stopping, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    raise KeyboardInterrupt


def still_wanted() -> None:
    """Raise KeyboardInterrupt again if a stopping signal came and something swallowed it: a few
    libraries catch every exception, KeyboardInterrupt included (reportlab does, as it loads)."""
    if _asked:
        raise KeyboardInterrupt


@contextlib.contextmanager
def stopping_cleanly() -> Iterator[None]:
    """While the block runs, every stopping signal raises KeyboardInterrupt, once."""
    global _asked
    _asked = False
    previous = {stopping: signal.signal(stopping, _interrupt) for stopping in STOPPING}
    try:
        yield
    finally:
        _asked = False  # what was asked was for this block alone
        for stopping, handler in previous.items():
            signal.signal(stopping, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold the stopping signals back until the block is done; one that came meanwhile acts then."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
