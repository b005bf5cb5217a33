"""Draw the pack's own marks with reportlab: the "Page N" footer, the "Agenda Item N" stamp, fillers.

All stamps of a pack are drawn as one PDF, one page per pack page, in an embedded TrueType font;
assemble lays each of its pages over the matching page of the pack.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from assembler.errors import AssemblerError

FILLER_TEXT = "This page is intentionally left blank"
FONT_FOLDERS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/liberation2"))
REGULAR, BOLD = "LiberationSans", "LiberationSans-Bold"
MARGIN = 28.35  # 1 cm: stamps sit this far inside the page's edge
FOOTER_SIZE, ITEM_SIZE, FILLER_SIZE = 10, 12, 12


@dataclass(frozen=True)
class Stamp:
    """What to draw on one page of the pack, and that page's visible size."""

    page: int
    width: float = A4[0]
    height: float = A4[1]
    item: str = ""  # "5" on the first page of item 5's paper
    filler: bool = False


def _register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_FOLDERS:
        if (folder / f"{REGULAR}-Regular.ttf").is_file():
            pdfmetrics.registerFont(TTFont(REGULAR, str(folder / f"{REGULAR}-Regular.ttf")))
            pdfmetrics.registerFont(TTFont(BOLD, str(folder / f"{BOLD}.ttf")))
            return
    raise AssemblerError("the Liberation Sans font is not installed; install it with: "
                         "apt-get install fonts-liberation")


def draw(stamps: list[Stamp]) -> bytes:
    """One PDF page per stamp, each the size of the page it will lie on."""
    _register_fonts()
    buffer = io.BytesIO()
    # invariant: no creation date or random ID, so the same pack comes out byte for byte the same
    canvas = Canvas(buffer, invariant=1, pageCompression=1, initialFontName=REGULAR,
                    initialFontSize=FOOTER_SIZE)
    for stamp in stamps:
        canvas.setPageSize((stamp.width, stamp.height))
        canvas.setFont(REGULAR, FOOTER_SIZE)
        canvas.drawCentredString(stamp.width / 2, MARGIN, f"Page {stamp.page}")
        if stamp.item:
            canvas.setFont(BOLD, ITEM_SIZE)
            canvas.drawRightString(stamp.width - 1.5 * MARGIN, stamp.height - 1.2 * MARGIN - ITEM_SIZE,
                                   f"Agenda Item {stamp.item}")
        if stamp.filler:
            canvas.setFont(REGULAR, FILLER_SIZE)
            canvas.drawCentredString(stamp.width / 2, stamp.height / 2, FILLER_TEXT)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
