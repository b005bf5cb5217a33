"""Links in the pack: the front sheet's page references, and the links inside partners' documents.

The front sheet is laid out by LibreOffice, so where each reference sits is read back from the
PDF's own text positions: each reference, such as "(Pages 9 - 12)", is a run of text of its own
in the Marked column, and each is unique, since no two papers share a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pypdf import PageObject, PdfWriter, Transformation
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject
from reportlab.pdfbase import pdfmetrics

from assembler.pdf.prepare import TARGET
from assembler.pdf.stamps import REGULAR, register_fonts
from assembler.pdf.tagged import MCID_KEY

Rect = tuple[float, float, float, float]


def text_spots(page: PageObject, wanted: set[str]) -> dict[str, tuple[Rect, int | None]]:
    """Where each wanted text sits on the page, measured in the font the front sheet is set in, and
    the marked content (MCID) it is tagged as, if any."""
    register_fonts()
    found: dict[str, tuple[Rect, int | None]] = {}
    marked: list[int | None] = []  # the marked-content sequences the text is inside, innermost last

    def operator(op: bytes, args: Any, cm: Any, tm: Any) -> None:
        if op in (b"BDC", b"BMC"):
            properties = args[1] if op == b"BDC" and len(args) > 1 else None
            mcid = properties.get("/MCID") if isinstance(properties, DictionaryObject) else None
            marked.append(int(mcid) if isinstance(mcid, NumberObject) else None)
        elif op == b"EMC" and marked:
            marked.pop()

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        text = text.strip()
        if text not in wanted:
            return
        matrix = Transformation(tuple(tm)).transform(Transformation(tuple(cm)))
        left, baseline = matrix.apply_on((0, 0))
        right, top = matrix.apply_on((pdfmetrics.stringWidth(text, REGULAR, size), size))
        mcid = next((n for n in reversed(marked) if n is not None), None)
        found[text] = ((left - 1, baseline - 0.3 * (top - baseline), right + 1, top), mcid)

    page.extract_text(visitor_text=visit, visitor_operand_before=operator)
    return found


def link_references(writer: PdfWriter, front_pages: int, targets: Mapping[str, int]) -> None:
    """Make each reference text on the front sheet a link to its page (from 1), described in words
    ("Pages 9 to 12") and noted with its text's marked content, for pdf/tagged.py to tag."""
    for number in range(front_pages):
        spots = text_spots(writer.pages[number], set(targets))
        for text, (rect, mcid) in spots.items():
            annot = writer.add_annotation(number, Link(rect=rect, target_page_index=targets[text] - 1))
            annot[NameObject("/Contents")] = TextStringObject(text.strip("()").replace(" - ", " to "))
            if mcid is not None:
                annot[NameObject(MCID_KEY)] = NumberObject(mcid)


def resolve_links(writer: PdfWriter, first: int, count: int) -> None:
    """Point the internal links of a document placed from page `first` (from 0) at the pack's pages."""
    for page in writer.pages[first:first + count]:
        for annot in (a.get_object() for a in page.get("/Annots", ArrayObject())):
            if TARGET in annot:
                target = writer.pages[first + int(annot.pop(TARGET))]
                annot[NameObject("/Dest")] = ArrayObject([target.indirect_reference, NameObject("/Fit")])
