"""Stage 5: assemble the pack from the front sheet and the papers' PDFs, following the page plan.

Stamps and fillers are laid down in one pass over the pages; bookmarks, page labels and document
information are added as the pack is written.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import (ArrayObject, ByteStringObject, DecodedStreamObject, DictionaryObject,
                           IndirectObject, NameObject, TextStringObject)
from reportlab.lib.pagesizes import A4

from assembler.documents import open_pdf
from assembler.errors import AssemblerError
from assembler.model import Meeting
from assembler.plan import PagePlan
from assembler.stamps import Stamp, draw

A4_TOLERANCE = 2.0  # points: what counts as A4 already


@dataclass(frozen=True)
class Sources:
    """The PDFs the pack is made from: the front sheet, and each part's by (item number, index)."""

    front: Path
    parts: dict[tuple[str, int], Path]


def fit_to_a4(page: PageObject) -> PageObject:
    """An A4 page as it is; any other size scaled to fit A4 of the same orientation, centred."""
    if page.rotation:
        page.transfer_rotation_to_content()  # stamps are then drawn upright on the page as seen
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    target = (A4[1], A4[0]) if width > height else A4
    if abs(width - target[0]) <= A4_TOLERANCE and abs(height - target[1]) <= A4_TOLERANCE:
        return page
    scale = min(target[0] / width, target[1] / height)
    dx = (target[0] - width * scale) / 2 - float(box.left) * scale
    dy = (target[1] - height * scale) / 2 - float(box.bottom) * scale
    a4 = PageObject.create_blank_page(width=target[0], height=target[1])
    a4.merge_transformed_page(page, Transformation().scale(scale).translate(dx, dy))
    return a4


def page_sequence(plan: PagePlan, readers: dict[tuple[str, int], PdfReader],
                  front: PdfReader) -> list[PageObject | None]:
    """Every page of the pack in order; None where a filler goes."""
    pages: list[PageObject | None] = list(front.pages)[: plan.front_pages]
    for placement in plan.placements:
        pages.extend([None] * (placement.first_page - 1 - len(pages)))
        reader = readers[(placement.part.item, placement.part.index)]
        pages.extend(fit_to_a4(page) for page in reader.pages)
    return pages


def stamps_for(plan: PagePlan, pages: list[PageObject | None]) -> list[Stamp]:
    firsts = {p.first_page: p.part.item for p in plan.placements if p.part.index == 0}
    stamps = []
    for number, page in enumerate(pages, 1):
        if page is None:
            stamps.append(Stamp(number, filler=True))
        else:
            box = page.cropbox
            stamps.append(Stamp(number, float(box.width), float(box.height), firsts.get(number, "")))
    return stamps


def add_bookmarks(writer: PdfWriter, plan: PagePlan, meeting: Meeting) -> None:
    writer.add_outline_item(title="Agenda", page_number=0)
    items = {item.number: item for item in meeting.items}
    parent = None
    for placement in plan.placements:
        item = items[placement.part.item]
        if placement.part.index == 0:
            parent = writer.add_outline_item(title=f"{item.number}. {item.title}",
                                             page_number=placement.first_page - 1)
        else:
            doc = item.appendices[placement.part.index - 1]
            title = f"{doc.label} – {doc.title}" if doc.title else doc.label
            writer.add_outline_item(title=title, page_number=placement.first_page - 1, parent=parent)


class Stamper:
    """Lays each stamp page over a pack page as a Form XObject.

    The page's own content streams are left as they are, wrapped in q/Q and followed by one
    small stream that draws the stamp: nothing is parsed or re-encoded, so stamping is quick and
    the pack stays the size of its papers, all stamps sharing one embedded font.
    """

    NAME = NameObject("/AssemblerStamp")

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self.save = self._stream(b"q\n")
        self.draws: dict[tuple[float, float], IndirectObject] = {}

    def _stream(self, data: bytes) -> IndirectObject:
        stream = DecodedStreamObject()
        stream.set_data(data)
        return self.writer._add_object(stream.flate_encode())

    def _form(self, stamp: PageObject) -> IndirectObject:
        form = DecodedStreamObject()
        form.set_data(stamp.get_contents().get_data())
        form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                     NameObject("/BBox"): stamp.mediabox,
                     NameObject("/Resources"): stamp["/Resources"].clone(self.writer)})
        return self.writer._add_object(form.flate_encode())

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
        contents = page.get("/Contents")
        own = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else \
            ([contents] if contents is not None else [])
        box = page.cropbox
        page[NameObject("/Contents")] = ArrayObject([self.save, *own,
                                                     self._draw(float(box.left), float(box.bottom))])


def add_identity(writer: PdfWriter, document_id: bytes, date: datetime.datetime | None) -> None:
    """A file identifier and dates that depend on the sources alone, never on the clock."""
    writer._ID = ArrayObject([ByteStringObject(document_id), ByteStringObject(document_id)])
    if date:
        stamp = f"D:{date.astimezone(datetime.timezone.utc):%Y%m%d%H%M%S}Z"
        writer.add_metadata({"/CreationDate": stamp, "/ModDate": stamp})


def assemble(plan: PagePlan, sources: Sources, meeting: Meeting, out: Path, document_id: bytes,
             date: datetime.datetime | None = None) -> None:
    front = open_pdf(sources.front)
    readers = {key: open_pdf(path) for key, path in sources.parts.items()}
    pages = page_sequence(plan, readers, front)
    if len(pages) != plan.total_pages:
        raise AssemblerError(f"internal error: the plan has {plan.total_pages} pages, the PDFs "
                             f"{len(pages)}; please report this")
    overlay = PdfReader(io.BytesIO(draw(stamps_for(plan, pages))))
    writer = PdfWriter()
    stamper = Stamper(writer)
    for page, stamp in zip(pages, overlay.pages):
        if page is None:
            writer.add_page(stamp)
        else:
            stamper.stamp(writer.add_page(page), stamp)
    add_bookmarks(writer, plan, meeting)
    writer.set_page_label(0, plan.total_pages - 1, style="/D", start=1)
    writer.add_metadata({
        "/Title": f"{meeting.body} – {meeting.date.day} {meeting.date:%B %Y} – Agenda pack",
        "/Author": meeting.organisation or meeting.body,
        "/Subject": f"Agenda pack for the meeting of {meeting.body}",
    })
    add_identity(writer, document_id, date)
    writer._root_object[NameObject("/Lang")] = TextStringObject("en-GB")
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
