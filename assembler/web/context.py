"""What every page's layout needs: the council's name for the header."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from assembler.commands.agenda import read_agenda
from assembler.errors import AssemblerError
from assembler.web.places import meeting_folders

FALLBACK = "Democratic Services"


@functools.lru_cache(maxsize=256)
def _organisation(folder: Path, changed: int) -> str:
    """A meeting's `organisation`, read again only when its meeting.yaml changes."""
    try:
        return read_agenda(folder).details.organisation
    except AssemblerError:
        return ""


def organisation_of(folder: Path) -> str:
    try:
        return _organisation(folder, (folder / "meeting.yaml").stat().st_mtime_ns)
    except OSError:
        return ""


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The setting's name; else the name the page's meeting gives; else the first any meeting gives."""
    if settings.ORGANISATION:
        return {"organisation": settings.ORGANISATION}
    meeting = request.resolver_match.kwargs.get("meeting") if request.resolver_match else None
    folders = [settings.PAPERS / meeting] if meeting else meeting_folders()
    return {"organisation": next(filter(None, map(organisation_of, folders)), FALLBACK)}
