"""What `assembler check` says of each meeting, remembered while its files are unchanged.

Checking renders every paper, which takes a second or so; pages list every meeting's problems, so
the answer is kept until a file of the meeting changes. This is a cache of what a page shows, not
of anything built: it may go by the files' sizes and times (a build's cache never does).
"""

from __future__ import annotations

import threading
from pathlib import Path

from assembler.build.run import check
from assembler.errors import Problem

_lock = threading.Lock()
_seen: dict[Path, tuple[tuple[tuple[str, int, int], ...], list[Problem]]] = {}


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    found = []
    for path in sorted(folder.rglob("*")):
        try:
            stat = path.stat() if path.exists() else path.lstat()  # a link to nowhere: an editor's lock file
        except FileNotFoundError:  # gone since the listing: a save's or an upload's temporary file
            continue
        found.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def problems(folder: Path) -> list[Problem]:
    """The meeting's problems, errors and warnings, as `assembler check` lists them."""
    signature = _signature(folder)
    with _lock:
        seen = _seen.get(folder)
        if seen and seen[0] == signature:
            return seen[1]
    found = check(folder)
    with _lock:
        _seen[folder] = (signature, found)
    return found
