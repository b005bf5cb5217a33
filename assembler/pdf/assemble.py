"""Stage 5: assemble a pack from its front sheet and the papers' PDFs, following its page plan.

Stamps and fillers are laid down in one pass over the pages; links, bookmarks, page labels and
document information are added as the pack is written.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, replace
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4

from assembler.errors import AssemblerError
from assembler.model import Document, Item
from assembler.pdf.links import link_references, resolve_links
from assembler.pdf.margins import stamp_clear
from assembler.pdf.pdfwriter import add_object, set_file_id
from assembler.pdf.prepare import Bookmark, bookmarks, disarm, linked_pages, make_ready
from assembler.pdf.stamps import Stamp, draw, read_stamps
from assembler.pdf.tagged import STAMP, TaggedPart, add_structure
from assembler.plan.packs import Pack
from assembler.plan.pages import PagePlan, Placement, page_reference
from assembler.sources.documents import open_pdf


@dataclass(frozen=True)
class Sources:
    """The PDFs the pack is made from: the front sheet, and each part's by (item number, index)."""

    front: Path
    parts: dict[tuple[str, int], Path]


@dataclass(frozen=True)
class Sheet:
    """One page of the pack: a page of a document (None for a filler) and what is stamped on it.

    A paper's page is made ready for the pack (upright, on A4) once copied into it, and its stamp
    then takes the page's size and, on a partner's page, a place clear of the text.
    """

    page: PageObject | None
    stamp: Stamp
    paper: bool = False  # a page of a paper, to be made ready, rather than of the front sheet
    ours: bool = True  # from our own templates, which keep the margins free for the stamps


def _item(pack: Pack, placement: Placement) -> Item:
    return next(i for i in pack.meeting.items if i.number == placement.part.item)


def _document(pack: Pack, placement: Placement) -> Document:
    return _item(pack, placement).documents[placement.part.index]


def part_sheets(pack: Pack, placement: Placement, reader: PdfReader) -> list[Sheet]:
    item = _item(pack, placement)
    doc = _document(pack, placement)
    ours = doc.kind == "md"
    first, appendix = placement.part.index == 0, placement.part.index > 0
    # Our appendix template prints its label; a partner's file gets it stamped where the item's would go.
    label = doc.label if appendix and not ours else ""
    return [Sheet(page, Stamp(placement.first_page + offset,
                              item=item.number if offset == 0 and first else "",
                              label=label if offset == 0 else "",
                              notice=pack.notice(item)), paper=True, ours=ours)
            for offset, page in enumerate(linked_pages(reader))]


def sheets(plan: PagePlan, pack: Pack, readers: dict[tuple[str, int], PdfReader], front: PdfReader) -> list[Sheet]:
    """Every page of the pack in order, fillers included, each with its stamp."""
    made = [Sheet(page, Stamp(n)) for n, page in enumerate(list(front.pages)[: plan.front_pages], 1)]
    for placement in plan.placements:
        made += [Sheet(None, Stamp(n, filler=True)) for n in range(len(made) + 1, placement.first_page)]
        made += part_sheets(pack, placement, readers[placement.part.key])
    return made


def _fitted(sheet: Sheet, page: PageObject) -> Stamp:
    """The sheet's stamp for its page as it is in the pack."""
    if not sheet.paper:
        return sheet.stamp
    box = page.cropbox
    stamp = replace(sheet.stamp, width=float(box.width), height=float(box.height))
    return stamp if sheet.ours else stamp_clear(page, stamp)


def _add_outline(writer: PdfWriter, marks: tuple[Bookmark, ...], first: int, parent: IndirectObject) -> None:
    """A document's own bookmarks, nested under its entry in the pack's outline."""
    for mark in marks:
        added = writer.add_outline_item(title=mark.title, page_number=first + mark.page, parent=parent)
        _add_outline(writer, mark.children, first, added)


def part_title(pack: Pack, placement: Placement) -> str:
    """A paper's title in the pack's bookmarks and structure tree: "5. Title", or "Appendix A – Title"."""
    doc = _document(pack, placement)
    if placement.part.index == 0:
        item = _item(pack, placement)
        return f"{item.number}. {item.title}"
    return f"{doc.label} – {doc.title}" if doc.title else doc.label


def tagged_parts(pack: Pack, starts: list[tuple[Placement, int]], pdfs: dict[tuple[str, int], Path]
                 ) -> list[TaggedPart]:
    """Each paper's PDF, first page (from 0) and title, for its Part of the structure tree."""
    return [TaggedPart(pdfs[placement.part.key], first, part_title(pack, placement)) for placement, first in starts]


def add_bookmarks(writer: PdfWriter, pack: Pack, starts: list[tuple[Placement, int]],
                  readers: dict[tuple[str, int], PdfReader]) -> None:
    """Each item's entry, its appendices' under it and partners' own outlines under theirs; starts
    gives each part's first page (from 0) in the writer."""
    parent = None
    for placement, first in starts:
        doc = _document(pack, placement)
        if placement.part.index == 0:
            added = parent = writer.add_outline_item(title=part_title(pack, placement), page_number=first)
        else:
            added = writer.add_outline_item(title=part_title(pack, placement), page_number=first, parent=parent)
        if doc.kind != "md":  # a partner's own outline; our papers' headings would only crowd it
            _add_outline(writer, bookmarks(readers[placement.part.key]), first, added)


class Stamper:
    """Lays each stamp page over a pack page as a Form XObject.

    The page's own content streams are left as they are, wrapped in q/Q and followed by one
    small stream that draws the stamp: nothing is parsed or re-encoded, so stamping is quick and
    the pack stays the size of its papers, all stamps sharing one embedded font.
    """

    NAME = NameObject(STAMP)

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self.save = self._stream(b"q\n")
        self.draws: dict[tuple[float, float], IndirectObject] = {}

    def _stream(self, data: bytes) -> IndirectObject:
        stream = DecodedStreamObject()
        stream.set_data(data)
        return add_object(self.writer, stream.flate_encode())

    def _form(self, stamp: PageObject) -> IndirectObject:
        form = DecodedStreamObject()
        contents = stamp.get_contents()
        form.set_data(contents.get_data() if contents is not None else b"")
        form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): stamp.mediabox,
                     NameObject("/Resources"): stamp["/Resources"].clone(self.writer)})
        return add_object(self.writer, form.flate_encode())

    def _draw(self, x: float, y: float) -> IndirectObject:
        if (x, y) not in self.draws:
            self.draws[(x, y)] = self._stream(f"Q q 1 0 0 1 {x:g} {y:g} cm {self.NAME} Do Q\n".encode())
        return self.draws[(x, y)]

    def stamp(self, page: PageObject, stamp: PageObject) -> None:
        resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[self.NAME] = self._form(stamp)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources  # a copy: papers share one resource dictionary
        box = page.cropbox
        page[NameObject("/Contents")] = ArrayObject([self.save, *_streams(page),
                                                     self._draw(float(box.left), float(box.bottom))])


def _streams(page: PageObject) -> list[PdfObject]:
    """The page's own content streams as they are: none on a filler's blank page, one, or an array of them."""
    contents = page.get("/Contents")
    if contents is None:
        return []
    streams = contents.get_object()
    return list(streams) if isinstance(streams, ArrayObject) else [contents]


def add_identity(writer: PdfWriter, document_id: bytes, date: datetime.datetime | None) -> None:
    """A file identifier and dates that depend on the sources alone, never on the clock."""
    set_file_id(writer, document_id)
    if date:
        stamp = f"D:{date.astimezone(datetime.timezone.utc):%Y%m%d%H%M%S}Z"
        writer.add_metadata({"/CreationDate": stamp, "/ModDate": stamp})


def write_pages(writer: PdfWriter, made: list[Sheet]) -> None:
    """The sheets' pages, each made ready and stamped."""
    pages = [writer.add_page(sheet.page) if sheet.page else writer.add_blank_page(*A4) for sheet in made]
    for sheet, page in zip(made, pages):
        if sheet.paper:
            make_ready(page)
    stamps = [_fitted(sheet, page) for sheet, page in zip(made, pages)]
    overlay = read_stamps(draw(tuple(stamps)))
    stamper = Stamper(writer)
    for page, stamp in zip(pages, overlay.pages):
        stamper.stamp(page, stamp)


def assemble(plan: PagePlan, sources: Sources, pack: Pack, out: Path, document_id: bytes,
             date: datetime.datetime | None = None) -> None:
    front = open_pdf(sources.front)
    readers = {key: open_pdf(path) for key, path in sources.parts.items()}
    made = sheets(plan, pack, readers, front)
    if len(made) != plan.total_pages:
        raise AssemblerError(f"internal error: the plan has {plan.total_pages} pages, the PDFs "
                             f"{len(made)}; please report this")
    writer = PdfWriter()
    write_pages(writer, made)
    starts = [(placement, placement.first_page - 1) for placement in plan.placements]
    for placement, first in starts:
        resolve_links(writer, first, placement.part.pages)
    ranges = {number: plan.item_range(number) for number in (i.number for i in pack.meeting.items)}
    link_references(writer, plan.front_pages, {page_reference(*r): r[0] for r in ranges.values() if r})
    writer.add_outline_item(title="Agenda", page_number=0)
    add_bookmarks(writer, pack, starts, readers)
    finish(writer, pack, plan.total_pages)
    add_identity(writer, document_id, date)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_tagged(writer, [TaggedPart(sources.front, 0, pack.heading), *tagged_parts(pack, starts, sources.parts)],
                 pack.title, out)


def write_tagged(writer: PdfWriter, parts: list[TaggedPart], title: str, out: Path) -> None:
    """Write the pages with their papers' structure trees merged in (pdf/tagged.py).

    pikepdf writes the file: pypdf reading the tagged file back (to clone it) took longer than the rest
    of the assembly. pikepdf keeps the first half of the file identifier, which the sources decide, and
    makes the second a digest of the content, so the same sources still give the same bytes.
    """
    written = io.BytesIO()
    writer.write(written)
    out.write_bytes(add_structure(written.getvalue(), parts, title))


def finish(writer: PdfWriter, pack: Pack, pages: int) -> None:
    """Document information, language, and the pages' labels: numbered from 1, as they are stamped."""
    writer.set_page_label(0, pages - 1, style=PageLabelStyle.DECIMAL, start=1)
    meeting = pack.meeting
    writer.add_metadata({"/Title": pack.title, "/Author": meeting.organisation or meeting.body,
                         "/Subject": f"Agenda pack for the meeting of {meeting.body}"})
    writer.root_object[NameObject("/Lang")] = TextStringObject("en-GB")
    writer.page_mode = "/UseOutlines"
    disarm(writer)
