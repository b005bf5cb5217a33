"""The meeting as open data: web/meeting.json, an Open Civic Data event, and web/meeting.ics (RFC 5545).

Both are made from the public agenda (agenda.py) alone. Links are relative to web/, as the files
are published together: a site that moves them prefixes its own address.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from assembler.publish.agenda import Agenda, Entry, Paper, pack_link

TIMEZONE = "Europe/London"
# "10.00 am", "2.00pm", "14:30", "10am": the start of a meeting's time (a range's first part).
_TIME = re.compile(r"^\s*(\d{1,2})(?:[.:](\d{2}))?\s*(?:-\s*[\d.:]+\s*)?([ap])?\.?m?\.?", re.I)


def start_time(text: str) -> datetime.time | None:
    """The time a meeting starts, or None when its time is not one to be read (or not given)."""
    found = _TIME.match(text)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if found.group(3):
        hour = hour % 12 + (12 if found.group(3).lower() == "p" else 0)
    return datetime.time(hour, minute) if hour < 24 and minute < 60 else None


def starts(agenda: Agenda) -> datetime.datetime | None:
    """When the meeting starts, in London's time, or None if only its date is known."""
    meeting = agenda.meeting
    at = start_time(meeting.time)
    return datetime.datetime.combine(meeting.date, at, ZoneInfo(TIMEZONE)) if at else None


def range_of(paper: Paper) -> dict[str, int]:
    return {"first_page": paper.placement.first_page, "last_page": paper.placement.last_page}


def paper_media(paper: Paper, entry: Entry) -> dict:
    links = [{"media_type": "application/pdf", "url": f"../{entry.pdf}"}] if entry.pdf else []
    if paper.html:
        links.append({"media_type": "text/html", "url": paper.html})
    note = f"{paper.doc.label}: {paper.doc.title}" if paper.doc.label else paper.doc.title
    return {"note": note, "links": links,
            "extras": {"pack": entry.pack.pdf.name, **range_of(paper)}}


def agenda_item(entry: Entry, order: int) -> dict:
    item = entry.item
    extras: dict[str, object] = {"number": item.number, "marked": entry.marked}
    if entry.papers:
        extras |= {"pack": entry.pack.pdf.name, "first_page": entry.papers[0].placement.first_page,
                   "last_page": entry.papers[-1].placement.last_page}
    extras |= {key: getattr(item, key) for key in ("exempt", "supplement", "verbal") if getattr(item, key)}
    return {"description": item.title, "order": str(order), "subjects": [],
            "notes": [note for note in (item.text, entry.exclusion) if note],
            "related_entities": [{"name": item.presenter, "entity_type": "person", "note": "presenter"}]
            if item.presenter else [],
            "media": [paper_media(paper, entry) for paper in entry.papers], "extras": extras}


def event(agenda: Agenda) -> dict:
    meeting = agenda.meeting
    start = starts(agenda)
    return {
        "_type": "event", "name": meeting.body, "description": "",
        "classification": "committee-meeting",
        "start_date": start.isoformat() if start else meeting.date.isoformat(),
        "end_date": "", "all_day": start is None, "timezone": TIMEZONE, "status": "confirmed",
        "location": {"name": meeting.venue, "note": "", "coordinates": None},
        "participants": [{"name": meeting.body, "entity_type": "organization", "note": "host"}],
        "links": [{"note": "The agenda", "url": "index.html"}],
        "sources": [{"url": "index.html", "note": "The agenda this was made with, by assembler"}],
        "documents": [{"note": pack.title, "date": meeting.date.isoformat(),
                       "links": [{"media_type": "application/pdf", "url": pack_link(pack)}]}
                      for pack in agenda.packs],
        "media": [],
        "agenda": [agenda_item(entry, n) for n, entry in enumerate(agenda.entries, 1)],
        "extras": {"meeting": meeting.id, "organisation": meeting.organisation, "time": meeting.time},
    }


def write_event(out: Path, agenda: Agenda) -> Path:
    out.write_text(json.dumps(event(agenda), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# The calendar entry.

def ics_text(value: str) -> str:
    """A TEXT value as RFC 5545 (3.3.11) escapes it."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n") \
        .replace("\n", "\\n")


def folded(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a character, ended by CRLF."""
    out: list[bytes] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):  # a continuation starts with a space
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode("utf-8") for part in out) + "\r\n"


def calendar(agenda: Agenda, stamp: datetime.datetime) -> str:
    meeting = agenda.meeting
    start = starts(agenda)
    utc = "%Y%m%dT%H%M%SZ"
    when = f"DTSTART:{start.astimezone(datetime.timezone.utc):{utc}}" if start else \
        f"DTSTART;VALUE=DATE:{meeting.date:%Y%m%d}"
    listed = "\n".join(f"{e.item.number}. {e.item.title}" + (f" {e.marked}" if e.marked else "")
                       for e in agenda.entries)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//assembler//agenda packs//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "BEGIN:VEVENT",
             # The same for every build of the meeting, so a calendar updates its entry rather than adding one.
             f"UID:{meeting.id}@assembler",
             f"DTSTAMP:{stamp.astimezone(datetime.timezone.utc):{utc}}", when,
             f"SUMMARY:{ics_text(meeting.body)}",
             *([f"LOCATION:{ics_text(meeting.venue)}"] if meeting.venue else []),
             f"DESCRIPTION:{ics_text('Agenda:' + chr(10) + listed)}",
             "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    return "".join(folded(line) for line in lines)


def write_calendar(out: Path, agenda: Agenda, stamp: datetime.datetime) -> Path:
    out.write_bytes(calendar(agenda, stamp).encode("utf-8"))
    return out
