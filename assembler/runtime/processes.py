"""What Linux's /proc says of a running process: how the build waits for LibreOffice to end, and
how the workspace tells whether a build's worker is still there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")


def stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the process's name (its state, parent, group, ..., the
    20th its start time), or None if it has ended or is a zombie waiting to be reaped."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):  # ended, perhaps while being read
        return None
    return None if fields[0] == "Z" else fields


def running() -> Iterator[list[str]]:
    """The stat fields of every running process."""
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        found = stat(int(entry.name)) if entry.name.isdigit() else None
        if found:
            yield found
