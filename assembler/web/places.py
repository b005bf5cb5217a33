"""Where a request's meeting and item are on disk, and whether the one asking may see them.

Every view finds its meeting and item through here, so none forgets the access rule: what a
reader may not see is answered as not found (404), which does not even say it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest

from assembler.audience import Reader, may_change_agenda, may_read_item
from assembler.commands.agenda import Agenda, Entry, read_agenda, version_of
from assembler.errors import AssemblerError
from assembler.names import meeting_id_ok
from assembler.sources.schema import MAX_MEETING_BYTES


def reader_of(request: HttpRequest) -> Reader:
    return request.user.reader  # type: ignore[union-attr]  # LoginRequiredMiddleware: always a User


def meeting_folders() -> list[Path]:
    """The meetings under papers/: folders with a meeting.yaml and a name safe to build under."""
    if not settings.PAPERS.is_dir():
        return []
    return sorted((folder for folder in settings.PAPERS.iterdir()
                   if meeting_id_ok(folder.name) and (folder / "meeting.yaml").is_file()), key=lambda f: f.name)


def meeting_folder(meeting: str) -> Path:
    folder = settings.PAPERS / meeting
    if not meeting_id_ok(meeting) or not (folder / "meeting.yaml").is_file():
        raise Http404("no such meeting")
    return folder


@dataclass(frozen=True)
class Place:
    folder: Path
    agenda: Agenda | None  # None when meeting.yaml cannot be read at all
    error: AssemblerError | None


def meeting_place(meeting: str) -> Place:
    folder = meeting_folder(meeting)
    try:
        return Place(folder, _agenda(folder), None)
    except AssemblerError as exc:
        return Place(folder, None, exc)


_kept: dict[Path, Agenda] = {}  # the agenda last read from each meeting folder


def _agenda(folder: Path) -> Agenda:
    """meeting.yaml parsed again only when its bytes change: parsing it with its comments and lines
    takes about 10 ms, and the meetings list reads every meeting on every view, while reading the
    bytes to compare takes microseconds. Kept by content, not by file times, so that a page never
    shows an agenda older than the file (a save would then be refused as stale)."""
    path = folder / "meeting.yaml"
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_MEETING_BYTES else b""
    except OSError:
        data = b""
    kept = _kept.get(folder)
    if kept is not None and kept.version == version_of(data):
        return kept
    agenda = read_agenda(folder)  # its own problems, in its own words, if it cannot be read
    _kept[folder] = agenda
    return agenda


def officers_meeting(request: HttpRequest, meeting: str) -> Place:
    """A meeting for a page only officers have (its details, agenda, builds, packs)."""
    if not may_change_agenda(reader_of(request)):
        raise Http404("no such meeting")
    return meeting_place(meeting)


def readers_item(request: HttpRequest, meeting: str, position: int) -> tuple[Place, Entry]:
    """An item the reader may see (officers: any; authors: their own), with its meeting."""
    place = meeting_place(meeting)
    entry = next((e for e in place.agenda.items if e.position == position), None) if place.agenda else None
    if entry is None or not may_read_item(reader_of(request), entry.authors):
        raise Http404("no such item")
    return place, entry
