"""A file sent through the workspace, made an item's paper or appendix: checked, safely named, recorded.

An upload is hostile until shown otherwise: its kind is read from its content, not its name; its
name is made from the item's number and title, never from the name it came with; it is written
inside the meeting folder, and never over another item's file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from assembler.errors import AssemblerError
from assembler.names import named_title, slug
from assembler.sources.documents import examine

from .agenda import Agenda, Entry, Role, StaleAgenda, attach, read_agenda
from .scaffold import title_from

SIZE_LIMIT = 50 * 2**20  # a long report with photographs is a few MB; a scanned one some tens
CHUNK = 2**20
APPENDICES_LIMIT = 26  # Appendix A to Z: each upload of one adds a file, so an author's are bounded
KINDS = {".pdf": "pdf", ".docx": "docx"}
NAMES = {"pdf": "a PDF", "docx": "a Word .docx file"}


def accept_upload(folder: Path, position: int, role: Role, original_name: str, data: BinaryIO | bytes,
                  size_limit: int = SIZE_LIMIT, version: str | None = None) -> Path:
    """The uploaded file, checked and written into the meeting folder as item position's paper or a
    new appendix of it, and recorded in meeting.yaml. Given the version of meeting.yaml the user saw,
    a meeting changed since is refused before anything is written."""
    agenda = read_agenda(folder)
    if version is not None and version != agenda.version:
        raise StaleAgenda(folder / "meeting.yaml")
    entry = _entry(agenda, position)
    if role == "appendix" and len(entry.appendices) >= APPENDICES_LIMIT:
        raise AssemblerError(f"item {entry.number} already has {len(entry.appendices)} appendices, the most it "
                             "can have; to add another, ask Democratic Services to remove one from the item",
                             folder / "meeting.yaml", entry.line)
    shown = _base_name(original_name)
    kind = KINDS.get(Path(shown).suffix.lower())
    if kind is None:
        raise AssemblerError(f"'{shown}': upload a Word .docx file or a PDF; "
                             f"{_other_kind(Path(shown).suffix.lower())}")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            _copy(data, out, size_limit, shown)
        _check(Path(temporary), kind, shown)
        target = folder / _safe_name(agenda, entry, role, kind, shown)
        replaced = target.exists()
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    title = "" if role == "paper" else title_from(Path(shown))
    try:
        attach(folder, version or agenda.version, position, target.name, role, title)
    except BaseException:
        if not replaced:  # no item's file: left in the folder, refused uploads could fill the disk
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    return target


def _entry(agenda: Agenda, position: int) -> Entry:
    if not 1 <= position <= len(agenda.items):
        raise AssemblerError(f"there is no item {position}: the agenda has {len(agenda.items)} items",
                             agenda.folder / "meeting.yaml")
    return agenda.items[position - 1]


def _base_name(name: str) -> str:
    """The last part of the name a browser sent, which may hold a path from any system."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"


def _other_kind(suffix: str) -> str:
    if suffix == ".doc":
        return "this is an old-style Word .doc file: open it in Word and save it as .docx"
    return f"this is a {suffix} file" if suffix else "this file's name has no extension, such as .pdf"


def _copy(data: BinaryIO | bytes, out: BinaryIO, limit: int, shown: str) -> None:
    """Copy at most limit bytes: a bigger file is refused once the limit is passed, unread beyond it."""
    if isinstance(data, bytes):
        if len(data) > limit:
            raise _too_big(shown, limit)
        out.write(data)
        return
    written = 0
    while chunk := data.read(min(CHUNK, limit + 1 - written)):
        written += len(chunk)
        if written > limit:
            raise _too_big(shown, limit)
        out.write(chunk)


def _too_big(shown: str, limit: int) -> AssemblerError:
    return AssemblerError(f"'{shown}': the file is larger than {limit / 2**20:,.0f} MB, the most an upload "
                          "can be; ask its author for a smaller copy (with pictures at a lower resolution)")


def _check(path: Path, kind: str, shown: str) -> None:
    """The content is what the name says, and the build can use it (documents.examine)."""
    found = _content_kind(path)
    if found and found != kind:
        right = next(suffix for suffix, k in KINDS.items() if k == found)
        raise AssemblerError(f"'{shown}': the file is {NAMES[found]}, not {NAMES[kind]}, whatever its name "
                             f"says; name it {right} and upload it again")
    problem = examine(path, kind).problem
    if problem:
        raise AssemblerError(f"'{shown}': {problem}")


def _content_kind(path: Path) -> str | None:
    """'pdf' or 'docx' by what the file holds (a PDF's '%PDF-', a zip holding word/document.xml)."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" in head:  # as examine and PDF readers find it: within the first kilobyte
        return "pdf"
    try:
        with zipfile.ZipFile(path) as parts:
            return "docx" if "word/document.xml" in parts.namelist() else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _safe_name(agenda: Agenda, entry: Entry, role: Role, kind: str, shown: str) -> str:
    """The item's number and title (for an exempt item, its public title) as a file name
    (05-hate-crime-update.pdf; …-crime-figures.pdf for an appendix), with -2, -3… if that name is
    another's: only this item's own files are replaced."""
    # the number as a slug too: an agenda being edited may hold a number the build would refuse
    stem = f"{slug(entry.number).zfill(2)}-{slug(named_title(entry.title, entry.public_title, entry.exempt))}"
    if role == "appendix":
        stem += f"-{slug(Path(shown).stem)}"
    # A paper's own names are also those of its other kind: a PDF replacing a .docx paper, and then a
    # .docx again, reuses them rather than leaving a new file behind each time.
    own = {entry.paper, *(f"{stem}.{k}" for k in KINDS.values())} if role == "paper" else set(entry.appendices)
    others = {name for item in agenda.items if item is not entry for name in (item.paper, *item.appendices)}
    for n in range(1, 1000):
        name = f"{stem}{'' if n == 1 else f'-{n}'}.{kind}"
        if name not in others and (name in own or not (agenda.folder / name).exists()):
            return name
    raise AssemblerError(f"item {entry.position}: too many files named {stem}…; remove some from the folder")
