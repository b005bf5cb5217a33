"""The documents people send: is each file what its name says, and can it be opened?"""

from __future__ import annotations

import contextlib
import math
import os
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from assembler.errors import AssemblerError
from assembler.runtime.cache import digest, file_digest, user_cache

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

# pypdf and python-docx are imported where they are used: a build with nothing to do, and a
# meeting of Markdown papers alone, need neither, and importing them costs a tenth of a second.

OLD_WORD = b"\xd0\xcf\x11\xe0"  # the start of an old binary .doc (and .xls, .ppt)
NOT_WORD = "not a Word .docx file, or a damaged one"


# The readers of the PDFs opened most recently, by content: a paper's PDF is checked as
# LibreOffice writes it, its pages counted, and then laid into each pack and its item's PDF; a
# watch lays the unchanged papers in again at every build. A reader holds its whole file.
_opened: OrderedDict[str, tuple[PdfReader, int]] = OrderedDict()
KEPT_BYTES = 256 * 2**20


def open_pdf(path: Path, source: Path | None = None) -> PdfReader:
    """A PDF ready to read; a message naming the file if it is locked or damaged.

    The same content opened again gets the same reader, already read: open a document to read
    it, not to change it (only links are noted on its pages, by prepare.linked_pages).
    """
    key = file_digest(path)
    if key not in _opened:
        _opened[key] = (_read_pdf(path, source), path.stat().st_size)
        while sum(size for _, size in _opened.values()) > KEPT_BYTES and len(_opened) > 1:
            _opened.popitem(last=False)
    _opened.move_to_end(key)
    return _opened[key][0]


def _read_pdf(path: Path, source: Path | None) -> PdfReader:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise AssemblerError("the PDF needs a password to open; ask its author for an unlocked copy",
                                 source or path)
        reader.pages[0]
        return reader
    except AssemblerError:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise AssemblerError(f"the PDF cannot be read ({exc or type(exc).__name__}); "
                             "ask for the file again", source or path) from None


@dataclass(frozen=True)
class Examined:
    """What one look at a file found."""

    problem: str | None = None  # why it cannot be used; None if it can
    repaired: bool = False  # a PDF that opens only once repaired
    attached: bool = False  # a PDF carrying files attached to it, which are left out of the pack
    untagged: bool = False  # a PDF without tags (a structure tree), which screen readers cannot follow


def examine(path: Path, kind: str) -> Examined:
    """Whether a .pdf or .docx file can be used, and what else a look at it found."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if not head:
        return Examined("the file is empty")
    if kind == "pdf":
        if b"%PDF-" not in head:
            return Examined("not a PDF" + (": it is a Word file; name it .docx" if head.startswith(b"PK") else ""))
        return _examine_pdf(path)
    if kind == "docx":
        return Examined(_word_problem(path, head))
    return Examined()


# What "sound" covers, in the sound PDFs' markers: a marker left before a check was added does not vouch for it.
SOUND_CHECKS = "opens; unrepaired; every page's size, rotation and annotations; no attached files; tagged"
UNTAGGED = b"untagged"  # a sound PDF's marker holds this if the PDF has no tags


def _examine_pdf(path: Path) -> Examined:
    """A PDF found sound (it opens, unrepaired, with no attached files) is remembered, by its content
    and pypdf's version, with whether it is tagged, so that a build with nothing new to do need not
    open it again."""
    marker = user_cache() / "sound-pdfs" / digest(version("pypdf"), SOUND_CHECKS, path.read_bytes())
    if marker.exists():
        return Examined(untagged=marker.read_bytes() == UNTAGGED)
    try:
        reader = open_pdf(path)
        problem = _pages_problem(reader)
    except AssemblerError as exc:
        return Examined(exc.problem.message)
    if problem:
        return Examined(problem)
    found = Examined(repaired=_repaired(path), attached=_attached(reader), untagged=not is_tagged(reader))
    if replace(found, untagged=False) == Examined():
        with contextlib.suppress(OSError):  # a memory only: a cache that cannot be written costs time alone
            marker.parent.mkdir(parents=True, exist_ok=True)
            partial = marker.with_suffix(f".{os.getpid()}")
            partial.write_bytes(UNTAGGED if found.untagged else b"")
            partial.replace(marker)  # whole or not at all, should another build read it meanwhile
    return found


def is_tagged(reader: PdfReader) -> bool:
    """Whether a PDF is tagged: marked as such, with a structure tree for a screen reader to follow."""
    from pypdf.generic import DictionaryObject

    try:
        root = reader.root_object
        marked = root.get("/MarkInfo", DictionaryObject()).get_object()
        return "/StructTreeRoot" in root and bool(marked.get("/Marked", False))
    except Exception:  # pypdf raises many kinds for a damaged file: one that cannot be read is not tagged
        return False


def _attached(reader: PdfReader) -> bool:
    """Whether a PDF carries files attached to it, as a whole or on a page."""
    from pypdf.generic import ArrayObject, DictionaryObject

    try:
        names = reader.root_object.get("/Names", DictionaryObject()).get_object()
        return "/EmbeddedFiles" in names or any(
            annot.get_object().get("/Subtype") == "/FileAttachment"
            for page in reader.pages for annot in page.get("/Annots", ArrayObject()).get_object())
    except Exception:  # pypdf raises many kinds for a damaged file; attached files are left out of the pack anyway
        return False


# The largest side a PDF page may have, in points (200 inches): a viewer, pypdf and the pack's own
# scaling all fail on a page of no size, or of a size no printer could hold.
LARGEST_SIDE = 14_400


def _pages_problem(reader: PdfReader) -> str | None:
    """What is wrong with the first page whose size, rotation or annotations cannot be laid into a
    pack (None if none is): found here, `check` reports it, rather than the build failing halfway."""
    for number, page in enumerate(reader.pages, 1):
        problem = _page_problem(page)
        if problem:
            return f"page {number} {problem}; ask for the file again"
    return None


def _page_problem(page: PageObject) -> str | None:
    # pypdf's arrays, dictionaries and numbers are Python's lists, dicts, ints and floats.
    boxes = [page.get(name) for name in ("/MediaBox", "/CropBox") if name == "/MediaBox" or name in page]
    if not all(_usable_box(box.get_object() if box is not None else None) for box in boxes):
        return "has no usable size"
    rotate = page.get("/Rotate")
    if rotate is not None and not isinstance(rotate.get_object(), int):
        return "has a rotation that is not a number"
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else []
    if not isinstance(annots, list) or not all(isinstance(a.get_object(), dict) for a in annots):
        return "has damaged notes or links"
    return None


def _usable_box(box: object) -> bool:
    """A rectangle of four finite numbers, neither of its sides empty nor beyond the largest a PDF may have."""
    if not isinstance(box, list) or len(box) != 4:
        return False
    corners = [corner.get_object() for corner in box]
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in corners):
        return False
    return all(0 < abs(corners[n + 2] - corners[n]) <= LARGEST_SIDE for n in (0, 1))


def _repaired(path: Path) -> bool:
    """Whether the PDF opens only once pypdf has repaired it (a damaged cross-reference table, say)."""
    from pypdf import PdfReader

    try:
        PdfReader(path, strict=True).pages[0]
    except Exception:  # pypdf raises many kinds for a damaged file
        return True
    return False


def _word_problem(path: Path, head: bytes) -> str | None:
    if head.startswith(OLD_WORD):
        return "an old-style Word .doc file; open it in Word and save it as .docx"
    if head.startswith(b"%PDF-"):
        return "not a Word file: it is a PDF; name it .pdf"
    if not zipfile.is_zipfile(path):
        return NOT_WORD
    return zip_problem(path) or (None if _opens_as_word(path) else NOT_WORD)


# A .docx is a zip of parts. Its parts' sizes are read from the zip's directory before anything
# unpacks them: a "zip bomb" of a few MB that unpacks to gigabytes kept LibreOffice busy for
# minutes. A long report with many photographs unpacks to a few tens of MB, in a few hundred parts.
UNPACKED_LIMIT = 256 * 2**20
PARTS_LIMIT = 10_000


def zip_problem(path: Path) -> str | None:
    """Why a zip-based file is too big to unpack safely (None if it is not)."""
    try:
        with zipfile.ZipFile(path) as parts:
            entries = parts.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return NOT_WORD
    if len(entries) > PARTS_LIMIT:
        return (f"it holds {len(entries):,} parts, far more than any Word document ({PARTS_LIMIT:,} at most); "
                "ask its author for a new copy")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > UNPACKED_LIMIT:
        return (f"it unpacks to {unpacked / 2**20:,.0f} MB, far more than any Word document "
                f"({UNPACKED_LIMIT // 2**20} MB at most); ask its author for a new copy, with smaller pictures")
    return None


def _opens_as_word(path: Path) -> bool:
    """Whether python-docx can read it. LibreOffice, given a file it cannot, writes no PDF and exits 0."""
    import docx

    try:
        docx.Document(str(path))
    except Exception:  # python-docx raises many kinds for a damaged file
        return False
    return True
