"""The errors a user can meet: each prints as one line naming the file, the place and the fault."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path


def shown(path: Path) -> str:
    """A path as the user typed it: relative to the working folder when it is inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


# The most characters a message line may hold. A value or a file name quoted in a message can be a
# whole pasted page; what is cut is its middle, so that the place and the advice are always seen.
MAX_LINE = 500
MAX_PLACE = 200  # of which the file's name and line
# Characters that would break the one line apart, or drive the terminal: shown as escapes instead.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def shortened(text: str, most: int) -> str:
    """text in at most `most` characters: its middle cut out for '…', its end kept (the advice)."""
    if len(text) <= most:
        return text
    head = most // 3
    return text[:head] + "…" + text[len(text) - (most - head - 1):]


def one_line(text: str) -> str:
    return _UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


@dataclass(frozen=True)
class Problem:
    path: Path | None
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = shortened(one_line(shown(self.path)), MAX_PLACE) if self.path else ""
        if where and self.line:
            where += f":{self.line}"
        start = f"{where}: " if where else ""
        start += "warning: " if self.warning else ""
        return start + shortened(one_line(self.message), MAX_LINE - len(start))


class AssemblerError(Exception):
    """A fault the user can fix: its problems, each printed on a line of its own without a
    traceback, and the exit status the command ends with (as click's exceptions carry theirs)."""

    exit_code = 1

    def __init__(self, message: str, path: Path | None = None, line: int | None = None):
        self.problems = [Problem(path, line, message)]
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @property
    def problem(self) -> Problem:
        """The first problem: the one that stopped the command."""
        return self.problems[0]


class InvalidSources(AssemblerError):
    """Several problems found while checking a meeting."""

    def __init__(self, problems: list[Problem]):
        super().__init__("")
        self.problems = problems


class Interrupted(AssemblerError):
    """Ctrl-C, or a signal to stop, ended the command cleanly."""

    exit_code = 130  # what a shell expects of a program stopped by Ctrl-C
