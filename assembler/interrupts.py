"""Ctrl-C, and the signals a system sends to stop a program, end a build through its clean-up code.

Python turns Ctrl-C (SIGINT) into KeyboardInterrupt, which runs every `finally` on its way out:
LibreOffice's process groups are killed and the staging folder removed. SIGTERM (kill, systemd)
and SIGHUP (the terminal closed) would end the process at once, leaving LibreOffice running, so
they are made to do the same as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
from types import FrameType
from typing import Iterator

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for stopping in STOPPING:
        signal.signal(stopping, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    raise KeyboardInterrupt


@contextlib.contextmanager
def stopping_cleanly() -> Iterator[None]:
    """While the block runs, every stopping signal raises KeyboardInterrupt, once."""
    previous = {stopping: signal.signal(stopping, _interrupt) for stopping in STOPPING}
    try:
        yield
    finally:
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
