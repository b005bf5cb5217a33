"""Draw the pack's own marks with reportlab: the "Page N" footer, the "Agenda Item N" stamp, the
"NOT FOR PUBLICATION" notice, fillers.

All stamps of a pack are drawn as one PDF, one page per pack page, in an embedded TrueType font;
assemble lays each of its pages over the matching page of the pack.

In the tagged pack, the footer, the item stamp and a filler's words are page furniture, drawn as
pagination artifacts that a screen reader skips. The notice and an appendix's label ("Appendix A" on
the first page of a partner's appendix, which has no heading of ours) are real content: each is a
marked-content sequence of the stamp (MCID 0, 1 in order), which pdf/tagged.py makes a paragraph (P)
of the page's paper.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from assembler.errors import AssemblerError

FILLER_TEXT = "This page is intentionally left blank"
FONT_FOLDERS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/liberation2"))
REGULAR, BOLD = "LiberationSans", "LiberationSans-Bold"
MARGIN = 28.35  # 1 cm: stamps sit this far inside the page's edge
FOOTER_SIZE, ITEM_SIZE, FILLER_SIZE, NOTICE_SIZE = 10, 12, 12, 10
LEADING = 3  # points between the lines of the head block
ARTIFACT = "/Artifact <</Type /Pagination>> BDC"


@dataclass(frozen=True)
class Line:
    """One line of a stamp: its text, font and size, and where it sits across the page."""

    text: str
    font: str
    size: float
    align: str  # "centre" or "right"
    paragraph: str = ""  # real content (the notice, a label): the paragraph it is part of; "" for furniture


@dataclass(frozen=True)
class Stamp:
    """What to draw on one page of the pack, that page's visible size, and where the stamps go."""

    page: int
    width: float = A4[0]
    height: float = A4[1]
    item: str = ""  # "5" on the first page of item 5's paper
    label: str = ""  # "Appendix A" on the first page of an appendix that is a partner's .docx or .pdf
    filler: bool = False
    notice: str = ""  # on every page of an exempt paper in a confidential pack: the paragraph
    footer_at: float = MARGIN  # the footer's baseline, up from the foot of the page
    top_at: float = 0.0  # the head block's top, down from the top of the page; 0 for the usual place

    def head(self) -> list[Line]:
        """The lines at the head of the page, top to bottom."""
        lines = []
        if self.notice:
            lines += [Line("NOT FOR PUBLICATION", BOLD, NOTICE_SIZE, "centre", paragraph="notice"),
                      Line(self.notice, REGULAR, NOTICE_SIZE - 2, "centre", paragraph="notice")]
        if self.item:
            lines.append(Line(f"Agenda Item {self.item}", BOLD, ITEM_SIZE, "right"))
        if self.label:
            lines.append(Line(self.label, BOLD, ITEM_SIZE, "right", paragraph="label"))
        return lines

    @property
    def head_top(self) -> float:
        return self.top_at or usual_head_top(self.notice)


def usual_head_top(notice: str) -> float:
    """Where the head block starts: higher when a notice goes above the item stamp."""
    return 0.5 * MARGIN if notice else 1.2 * MARGIN


def line_x(line: Line, width: float) -> float:
    """Where a line starts across a page of this width."""
    measured = pdfmetrics.stringWidth(line.text, line.font, line.size)
    return (width - measured) / 2 if line.align == "centre" else width - 1.5 * MARGIN - measured


def head_baselines(stamp: Stamp) -> list[tuple[Line, float]]:
    """Each head line with its baseline, up from the foot of the page."""
    placed, top = [], stamp.height - stamp.head_top
    for line in stamp.head():
        top -= line.size
        placed.append((line, top))
        top -= LEADING
    return placed


def register_fonts() -> None:
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_FOLDERS:
        if (folder / f"{REGULAR}-Regular.ttf").is_file():
            pdfmetrics.registerFont(TTFont(REGULAR, str(folder / f"{REGULAR}-Regular.ttf")))
            pdfmetrics.registerFont(TTFont(BOLD, str(folder / f"{BOLD}.ttf")))
            return
    raise AssemblerError("the Liberation Sans font is not installed; install it with: "
                         "apt-get install fonts-liberation")


@functools.lru_cache(maxsize=4)
def draw(stamps: tuple[Stamp, ...]) -> bytes:
    """One PDF page per stamp, each the size of the page it will lie on.

    Kept for the next few calls: a rebuild whose pages did not move stamps the same again.
    """
    register_fonts()
    buffer = io.BytesIO()
    # invariant: no creation date or random ID, so the same pack comes out byte for byte the same.
    # Uncompressed, since each page is read straight back and compressed once, as a stamp's form.
    canvas = Canvas(buffer, invariant=1, pageCompression=0,
                    initialFontName=REGULAR,  # type: ignore[arg-type]  # types-reportlab has it as a float
                    initialFontSize=FOOTER_SIZE)
    for stamp in stamps:
        canvas.setPageSize((stamp.width, stamp.height))
        canvas.addLiteral(ARTIFACT)
        canvas.setFont(REGULAR, FOOTER_SIZE)
        canvas.drawCentredString(stamp.width / 2, stamp.footer_at, f"Page {stamp.page}")
        if stamp.filler:
            canvas.setFont(REGULAR, FILLER_SIZE)
            canvas.drawCentredString(stamp.width / 2, stamp.height / 2, FILLER_TEXT)
        canvas.addLiteral("EMC")
        mcid = 0
        for paragraph, placed in itertools.groupby(head_baselines(stamp), key=lambda placed: placed[0].paragraph):
            canvas.addLiteral(f"/P <</MCID {mcid}>> BDC" if paragraph else ARTIFACT)
            mcid += bool(paragraph)
            for line, baseline in placed:
                canvas.setFont(line.font, line.size)
                canvas.drawString(line_x(line, stamp.width), baseline, line.text)
            canvas.addLiteral("EMC")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def read_stamps(pdf: bytes) -> PdfReader:
    """The stamps as drawn, read back for laying over the pack's pages, their font's ToUnicode map
    cleared of the U+0000 that reportlab's subset gives its unused codes 0–31 (PDF/UA forbids it)."""
    reader = PdfReader(io.BytesIO(pdf))
    maps = {}  # the fonts are shared by every page: each map once
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        fonts = resources.get("/Font", DictionaryObject()).get_object() if isinstance(resources, DictionaryObject) \
            else DictionaryObject()
        for font in fonts.values():
            cmap = font.get_object().get("/ToUnicode")
            if cmap is not None:
                maps[cmap.idnum] = cmap.get_object()
    for stream in maps.values():
        stream.set_data(re.sub(rb"(\d+) beginbfchar\n(.*?)\nendbfchar", _cleaned, stream.get_data(), flags=re.S))
    return reader


def _cleaned(match: re.Match[bytes]) -> bytes:
    pairs = [pair for pair in re.findall(rb"<[0-9A-F]{2}> <[0-9A-F]{4}>", match.group(2))
             if not pair.endswith(b"<0000>")]
    return b"%d beginbfchar\n" % len(pairs) + b"\n".join(pairs) + b"\nendbfchar"
