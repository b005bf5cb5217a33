"""The meeting's output folder: its lock, and the staging folder swapped into place whole.

A build holds its meeting's lock from start to end, writes into a staging folder beside the output
folder, and swaps the staging folder into place only once everything has succeeded. A build that
fails, or is interrupted, leaves the last complete output folder as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from assembler.errors import Interrupted, shown
from assembler.interrupts import signals_deferred, still_wanted


@contextlib.contextmanager
def meeting_lock(target: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock on the meeting built into target; a second build of it waits here for the first.

    Waiting rather than failing lets two officers press "build" at once and both get a pack built
    from the latest sources. The lock file is never deleted: a build waiting on a deleted file would
    hold a lock that a third build, opening a new file, would not see.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.with_name(f".{target.name}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another build of {target.name} is running; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # the lock goes with the file's closing, also when the process is killed


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh folder beside target that replaces it only if the block succeeds. Hold the lock."""
    old = target.with_name(f".{target.name}-old")
    _recover(target, old)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        yield stage
        still_wanted()  # a build interrupted, even where a library hid it, is not put in place
        with signals_deferred():  # an interrupt between the two renames would leave no output at all
            if target.exists():
                target.rename(old)
            stage.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _recover(target: Path, old: Path) -> None:
    """Put right what a build killed outright (SIGKILL, a power cut) left behind."""
    if old.exists() and not target.exists():
        old.rename(target)  # killed between the renames: the old output is the last complete one
    shutil.rmtree(old, ignore_errors=True)
    for path in target.parent.iterdir():
        if path.name.startswith(f".{target.name}-new-"):
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def interrupt_reported(target: Path) -> Iterator[None]:
    """Turn Ctrl-C into one line that says what the output folder now holds."""
    try:
        yield
    except KeyboardInterrupt:
        if target.is_dir():
            raise Interrupted(f"interrupted; {shown(target)}/ holds the last complete build") from None
        raise Interrupted("interrupted; no pack was written") from None
