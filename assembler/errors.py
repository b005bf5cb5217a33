"""The errors a user can meet: each prints as one line naming the file, the place and the fault."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def shown(path: Path) -> str:
    """A path as the user typed it: relative to the working folder when it is inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass(frozen=True)
class Problem:
    path: Path | None
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = shown(self.path) if self.path else ""
        if where and self.line:
            where += f":{self.line}"
        prefix = "warning: " if self.warning else ""
        return f"{where}: {prefix}{self.message}" if where else f"{prefix}{self.message}"


class AssemblerError(Exception):
    """A fault the user can fix. The CLI prints it without a traceback."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None):
        self.problem = Problem(path, line, message)
        super().__init__(str(self.problem))


class InvalidSources(AssemblerError):
    """Several problems found while checking a meeting; each is printed on its own line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        Exception.__init__(self, "\n".join(str(p) for p in problems))


class Interrupted(AssemblerError):
    """Ctrl-C, or a signal to stop, ended the command cleanly; the CLI exits 130 as a shell expects."""
