"""`--print-ready`: what a print room asks of a PDF before it will print it, checked and reported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from assembler.pdf.prepare import is_a4

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class PrintReport:
    pdf: Path
    pages: int
    size: int  # bytes
    landscape: int  # pages that are A4 landscape
    not_a4: tuple[int, ...]  # page numbers, from 1
    not_embedded: tuple[str, ...]  # font names

    @property
    def ready(self) -> bool:
        return not self.not_a4 and not self.not_embedded

    def __str__(self) -> str:
        turned = f" ({self.landscape} landscape)" if self.landscape else ""
        facts = [f"{self.pages} pages", f"{self.size / 1e6:.1f} MB",
                 f"A4 throughout{turned}" if not self.not_a4 else
                 "not A4: pages " + ", ".join(map(str, self.not_a4)),
                 "every font embedded" if not self.not_embedded else
                 "fonts not embedded: " + ", ".join(self.not_embedded)]
        return f"{self.pdf}: {', '.join(facts)}: " + ("ready to print" if self.ready else "NOT ready to print")


def _embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # drawn by the PDF itself
    if font.get("/Subtype") == "/Type0":
        descendants = font["/DescendantFonts"]  # an array of one font
        font = descendants[0].get_object() if isinstance(descendants, ArrayObject) and descendants else font
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(key in descriptor.get_object() for key in FONT_FILES)


def _fonts(resources: DictionaryObject, seen: set[int]) -> list[DictionaryObject]:
    """The fonts of a page's resources, and of the forms it draws, each once."""
    found = []
    for font in resources.get("/Font", DictionaryObject()).get_object().values():
        if id(font.get_object()) not in seen:
            seen.add(id(font.get_object()))
            found.append(font.get_object())
    for xobject in resources.get("/XObject", DictionaryObject()).get_object().values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject and id(xobject) not in seen:
            seen.add(id(xobject))
            found += _fonts(xobject["/Resources"].get_object(), seen)
    return found


def inspect(pdf: Path) -> PrintReport:
    reader = PdfReader(pdf)
    not_a4: list[int] = []
    missing: set[str] = set()
    seen: set[int] = set()
    landscape = 0
    for number, page in enumerate(reader.pages, 1):
        if not is_a4(float(page.cropbox.width), float(page.cropbox.height)):
            not_a4.append(number)
        landscape += (page.rotation % 180 == 0) == (float(page.cropbox.width) > float(page.cropbox.height))
        fonts = _fonts(page.get("/Resources", DictionaryObject()).get_object(), seen)
        missing |= {str(font.get("/BaseFont", "unnamed")).lstrip("/") for font in fonts if not _embedded(font)}
    return PrintReport(pdf, len(reader.pages), pdf.stat().st_size, landscape, tuple(not_a4), tuple(sorted(missing)))
