"""Documents such as partners send, made in the test: PDFs of any page shape, forms, outlines, links,
locked and damaged files, scans; Word files with their own headers and footers."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import docx
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject, RectangleObject
from reportlab import rl_config
from reportlab.lib.pagesizes import A3, A4, A5, letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

SERIF = "LiberationSerif"
SLIDE = (960.0, 540.0)  # 16:9, as presentation software exports it
LANDSCAPE = (A4[1], A4[0])


@dataclass(frozen=True)
class Sheet:
    """One page to make: its size, the words on it and where (x, y from its lower left), its /Rotate,
    and how far its CropBox is moved in from the MediaBox (the visible area then starts there)."""

    size: tuple[float, float] = A4
    words: tuple[tuple[float, float, str], ...] = ()
    rotate: int = 0
    crop: float = 0.0
    marks: tuple[str, ...] = field(default=())  # bookmarks that open this page


def body_words(size: tuple[float, float], name: str, margin: float = 72) -> tuple[tuple[float, float, str], ...]:
    """A heading and some lines of text filling the page inside margin."""
    width, height = size
    lines = [(margin, height - margin - 14, f"{name} heading")]
    lines += [(margin, y, f"{name} line {n} of ordinary text") for n, y in
              enumerate(range(int(height - margin - 40), int(margin), -40), 1)]
    return tuple(lines)


def _serif() -> str:
    """A font that gets embedded, as any print-ready PDF's fonts are; unlike the stamps' font."""
    if SERIF not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(SERIF, "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"))
    return SERIF


def pdf(sheets: list[Sheet], link_to: int | None = None, field_value: str = "") -> bytes:
    """A PDF of these pages; optionally a link on the first page to page link_to (from 0), and a
    filled-in text field on the first page."""
    _serif()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=sheets[0].size, invariant=1, initialFontName=SERIF)
    for n, sheet in enumerate(sheets):
        canvas.setPageSize(sheet.size)
        canvas.setFont(SERIF, 11)
        for x, y, text in sheet.words:
            canvas.drawString(x, y, text)
        canvas.bookmarkPage(f"p{n}")
        for mark in sheet.marks:
            canvas.addOutlineEntry(mark, f"p{n}", level=0)
        if n == 0 and field_value:
            canvas.acroForm.textfield(name="officer", value=field_value, x=72, y=300, width=300, height=24,
                                      borderWidth=0, fontName="Helvetica", fontSize=11)  # fields: standard fonts only
        if n == 0 and link_to is not None:
            canvas.linkRect("", f"p{link_to}", (72, 200, 300, 220), relative=0)
            canvas.drawString(72, 205, "Go to the table")
        canvas.showPage()
    canvas.save()
    return _shaped(buffer.getvalue(), sheets)


def _shaped(data: bytes, sheets: list[Sheet]) -> bytes:
    """Give each page its /Rotate and its CropBox."""
    if not any(s.rotate or s.crop for s in sheets):
        return data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page, sheet in zip(writer.pages, sheets):
        if sheet.rotate:
            page[NameObject("/Rotate")] = NumberObject(sheet.rotate)
        if sheet.crop:
            width, height = sheet.size
            page.cropbox = RectangleObject((sheet.crop, sheet.crop, width - sheet.crop, height - sheet.crop))
    return _written(writer)


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def locked(data: bytes, algorithm: str, user: str = "") -> bytes:
    """The PDF encrypted: with only an owner password (anyone may read it) unless user is given."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm=algorithm)
    return _written(writer)


def damaged(data: bytes) -> bytes:
    """The PDF with its cross-reference table pointing at the wrong places, as a bad upload leaves it."""
    start = data.rindex(b"startxref")
    return data[:start] + b"startxref\n999999\n%%EOF\n"


def scan(pages: int, seed: int = 1) -> bytes:
    """An image-only PDF, like a scanner's: each page one photograph-like (incompressible) JPEG."""
    rng = random.Random(seed)
    buffer = io.BytesIO()
    rl_config.useA85 = 0  # binary JPEG streams, as a scanner writes them, not reportlab's ASCII text
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    for _ in range(pages):
        image = Image.frombytes("L", (600, 850), bytes(rng.getrandbits(8) for _ in range(600 * 850)))
        picture = io.BytesIO()
        image.save(picture, "JPEG", quality=80)
        picture.seek(0)
        canvas.drawImage(ImageReader(picture), 0, 0, *A4)
        canvas.showPage()
    canvas.save()
    rl_config.useA85 = 1
    return buffer.getvalue()


def word(heading: str, paragraphs: list[str], footer: str = "", header: str = "") -> bytes:
    """A Word document with its own header and footer text, as a partner's house style has them."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = docx.shared.Mm(210), docx.shared.Mm(297)
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
        section.footer_distance = docx.shared.Mm(8)
    document.add_heading(heading, 1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


SHAPES = {  # name → a page of that shape, its text running into the margins where it says so
    "A4 portrait": Sheet(A4, body_words(A4, "Portrait")),
    "A4 landscape": Sheet(LANDSCAPE, body_words(LANDSCAPE, "Landscape")),
    "US Letter": Sheet(letter, body_words(letter, "Letter")),
    "A3": Sheet(A3, body_words(A3, "Athree")),
    "A5": Sheet(A5, body_words(A5, "Afive", margin=40)),
    "slide 16:9": Sheet(SLIDE, body_words(SLIDE, "Slide", margin=48)),
    "rotated 90": Sheet(A4, body_words(A4, "Turned"), rotate=90),
    "rotated 180": Sheet(A4, body_words(A4, "Upended"), rotate=180),
    "rotated 270": Sheet(A4, body_words(A4, "Widdershins"), rotate=270),
    "CropBox moved in": Sheet(A4, body_words(A4, "Cropped", margin=110), crop=40),
    "text to the edges": Sheet(A4, body_words(A4, "Edgy", margin=12)),
    "own footer": Sheet(A4, body_words(A4, "Footed") + ((280, 30, "OFFICIAL SENSITIVE"),)),
}
