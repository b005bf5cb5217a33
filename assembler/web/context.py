"""What every page's layout needs: the council's name for the header."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest

from assembler.audience import Reader, may_read_item
from assembler.web.places import meeting_folders, meeting_place, reader_of

FALLBACK = "Democratic Services"


def organisation_of(reader: Reader, meeting: str) -> str:
    """A meeting's `organisation`, if the reader may see some item of it; else none. An author's
    "not found" page for another meeting must read as one for a meeting that does not exist."""
    try:
        agenda = meeting_place(meeting).agenda
    except Http404:
        return ""
    if agenda is None or not any(may_read_item(reader, entry.authors) for entry in agenda.items):
        return ""
    return agenda.details.organisation


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The setting's name; else, once signed in, the name the page's meeting gives, or the first any
    meeting gives, of those the reader may see. Before signing in, nothing is read from the meetings."""
    if settings.ORGANISATION or not request.user.is_authenticated:
        return {"organisation": settings.ORGANISATION or FALLBACK}
    meeting = request.resolver_match.kwargs.get("meeting") if request.resolver_match else None
    names = [meeting] if meeting else [folder.name for folder in meeting_folders()]
    reader = reader_of(request)
    return {"organisation": next(filter(None, (organisation_of(reader, name) for name in names)), FALLBACK)}
