"""An item's own PDF, cut out of the finished pack: its papers' pages as the pack has them (stamps,
page numbers and links), their Parts of the pack's structure tree, their bookmarks, and the pack's
page numbers as page labels, without the front sheet or filler pages.

pikepdf copies the pages and then the Parts: it copies each object of the pack once, so the copied
elements point at the item's copies of the pages, and nothing is walked in Python. Cut this way
rather than made again from the papers, an item is the same as its pages in the pack by
construction, and costs a copy rather than a second assembly.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem

from assembler.pdf.prepare import Bookmark
from assembler.pdf.tagged import Structure, copy_parts, read_structure, stamp_form


@dataclass(frozen=True)
class Cut:
    """What one item's PDF holds of the pack, and what it says of itself."""

    pages: tuple[int, ...]  # the pack's pages, from 0, in order
    parts: tuple[int, ...]  # the Parts of the pack's structure tree (0 is the front sheet's)
    labels: tuple[tuple[int, int, int], ...]  # runs of page labels: first page (from 0), count, first label
    title: str
    author: str
    subject: str


@dataclass(frozen=True)
class OpenPack:
    """A written pack, read once for all its items to be cut from."""

    pdf: pikepdf.Pdf
    structure: Structure | None  # None: an untagged pack
    outline: tuple[Bookmark, ...]


@contextlib.contextmanager
def open_pack(path: Path) -> Iterator[OpenPack]:
    with pikepdf.open(path) as pdf:
        yield OpenPack(pdf, read_structure(pdf), _outline(pdf))


def cut(pack: OpenPack, wanted: Cut, out: Path) -> None:
    item = pikepdf.new()
    item.pages.extend(pack.pdf.pages[index] for index in wanted.pages)
    if pack.structure:
        copy_parts(pack.structure, item, wanted.parts, wanted.title)
    place = {index: n for n, index in enumerate(wanted.pages)}
    with item.open_outline() as outline:
        outline.root.extend(_entries(pack.outline, place))
    item.Root.PageLabels = Dictionary(Nums=Array([value for first, _, start in wanted.labels
                                                  for value in (first, Dictionary(S=Name.D, St=start))]))
    item.Root.PageMode = Name.UseOutlines
    item.Root.Lang = pikepdf.String("en-GB")
    item.docinfo.Title, item.docinfo.Author = wanted.title, wanted.author
    item.docinfo.Subject = wanted.subject
    # Object streams, as the pack has: the structure tree's many small objects compressed together.
    item.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _entries(marks: tuple[Bookmark, ...], place: dict[int, int]) -> list[OutlineItem]:
    """The pack's bookmarks that open one of the item's pages, nested as they are, opening the same page."""
    found = []
    for mark in marks:
        if mark.page in place:
            entry = OutlineItem(mark.title, place[mark.page])
            entry.children.extend(_entries(mark.children, place))
            found.append(entry)
    return found


def _outline(pdf: pikepdf.Pdf) -> tuple[Bookmark, ...]:
    pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
    with pdf.open_outline() as outline:
        return _marks(outline.root, pages)


def _marks(entries: list[OutlineItem], pages: dict[tuple[int, int], int]) -> tuple[Bookmark, ...]:
    found = []
    for entry in entries:
        target = entry.destination if entry.destination is not None else (entry.action or Dictionary()).get("/D")
        page = target[0] if isinstance(target, Array) and len(target) else None
        if isinstance(page, Dictionary) and page.objgen in pages:
            found.append(Bookmark(entry.title, pages[page.objgen], _marks(entry.children, pages)))
    return tuple(found)


def stamps_digest(pdf: pikepdf.Pdf) -> str:
    """The stamps' fonts, as a digest. Drawn once for all the pack's stamps, they hold the glyphs of
    them all: the one thing on an item's pages that other items can change."""
    found, seen = hashlib.sha256(), set[tuple[int, int]]()
    for form in (stamp_form(page.obj) for page in pdf.pages):
        for part in _contents(form.get("/Resources") if form is not None else None, seen):
            found.update(len(part).to_bytes(8, "big") + part)
    return found.hexdigest()


def _contents(obj: object, seen: set[tuple[int, int]]) -> Iterator[bytes]:
    """Everything an object holds, as bytes, following references (each once)."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    if isinstance(obj, pikepdf.Stream):
        yield obj.read_raw_bytes()
    if isinstance(obj, (Dictionary, pikepdf.Stream)):
        for key in sorted(obj.keys()):
            yield key.encode()
            yield from _contents(obj[key], seen)
    elif isinstance(obj, Array):
        for each in obj:
            yield from _contents(each, seen)
    elif isinstance(obj, pikepdf.Object):
        yield obj.unparse()
    else:
        yield repr(obj).encode()
