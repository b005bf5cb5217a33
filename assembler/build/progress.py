"""What a build tells its user as it goes (Progress), and what it hands back when done (BuildResult)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assembler.errors import Problem


class Progress:
    """What a build tells its user as it goes. This one says nothing; the command line's shows it."""

    def stage(self, text: str) -> None:
        """A step of the build: rendering, planning, assembling."""

    def detail(self, text: str) -> None:
        """A finer step, such as one paper rendered."""

    def converting(self, total: int) -> None:
        """LibreOffice is about to lay out this many documents."""

    def converted(self, name: str) -> None:
        """One document has been laid out."""

    def notice(self, text: str) -> None:
        """Something the user should know even when not following progress, such as a wait."""


@dataclass(frozen=True)
class BuildResult:
    pack: Path
    pages: int
    size: int
    seconds: float
    warnings: list[Problem]
    packs: tuple[Path, ...] = ()  # every pack written: public, confidential, supplements
    documents: int = 0  # the Word files the packs needed laid out, front sheets included
    laid_out: tuple[str, ...] = ()  # those LibreOffice laid out this time: the rest came from the cache
    unchanged: bool = False  # nothing had changed since the last build, so nothing was done
