"""What every page's layout needs: the council's name for the header."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from assembler.audience import Reader, may_read_item
from assembler.commands.agenda import read_agenda
from assembler.errors import AssemblerError
from assembler.web.places import meeting_folders, reader_of

FALLBACK = "Democratic Services"


@functools.lru_cache(maxsize=256)
def _about(folder: Path, changed: int) -> tuple[str, frozenset[str]]:
    """A meeting's `organisation` and every author its items name, read again only when its
    meeting.yaml changes."""
    try:
        agenda = read_agenda(folder)
    except AssemblerError:
        return "", frozenset()
    return agenda.details.organisation, frozenset(name for entry in agenda.items for name in entry.authors)


def organisation_of(reader: Reader, folder: Path) -> str:
    """A meeting's `organisation`, if the reader may see some item of it; else none. An author's
    "not found" page for another meeting must read as one for a meeting that does not exist."""
    try:
        organisation, authors = _about(folder, (folder / "meeting.yaml").stat().st_mtime_ns)
    except OSError:
        return ""
    return organisation if may_read_item(reader, authors) else ""


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The setting's name; else, once signed in, the name the page's meeting gives, or the first any
    meeting gives, of those the reader may see. Before signing in, nothing is read from the meetings."""
    if settings.ORGANISATION or not request.user.is_authenticated:
        return {"organisation": settings.ORGANISATION or FALLBACK}
    meeting = request.resolver_match.kwargs.get("meeting") if request.resolver_match else None
    folders = [settings.PAPERS / meeting] if meeting else meeting_folders()
    reader = reader_of(request)
    return {"organisation": next(filter(None, (organisation_of(reader, folder) for folder in folders)), FALLBACK)}
