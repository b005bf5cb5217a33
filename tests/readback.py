"""Read a built pack back from the outside, with poppler and mupdf, as a reader would see it."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

FILLER = "This page is intentionally left blank"
ITEM_LINE = re.compile(r"^\s*(\d+)\.\s+(.*?)\s{2,}(\(Pages? (\d+)(?: - (\d+))?\)|Verbal report)\s*$")


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    width: float
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def lines(self) -> list[str]:
        """The page's lines of words, top to bottom: words whose tops are within a point are one line."""
        rows: list[list[Word]] = []
        for word in sorted(self.words, key=lambda w: (w.y0, w.x0)):
            if rows and abs(rows[-1][0].y0 - word.y0) < 1:
                rows[-1].append(word)
            else:
                rows.append([word])
        return [" ".join(w.text for w in sorted(row, key=lambda w: w.x0)) for row in rows]

    @property
    def footer(self) -> str:
        """The last line of the page, where the page number goes."""
        return self.lines()[-1] if self.words else ""

    def item_stamp(self) -> str | None:
        """The item in an "Agenda Item N" line of its own in the top sixth of the page."""
        top = [w for w in self.words if w.y1 < self.height / 6]
        for line in Page(self.width, self.height, top).lines():
            m = re.fullmatch(r"Agenda Item (\S+)", line)
            if m:
                return m.group(1)
        return None


def pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    found = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [Word(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                            m.group(3))]
        found.append(Page(float(m.group(1)), float(m.group(2)), words))
    return found


def layout_text(pdf: Path, first: int = 1, last: int = 0) -> str:
    command = ["pdftotext", "-layout", "-f", str(first)] + (["-l", str(last)] if last else []) + [str(pdf), "-"]
    # A form feed starts each page; as a line break, a page's first line still matches "^".
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.replace("\f", "\n")


def is_filler(page: Page) -> bool:
    return page.text.replace(page.footer, "").strip() == FILLER


def front_sheet_references(pdf: Path, front_pages: int) -> dict[str, str]:
    """Item number → what its line in the Marked column says, read from the laid-out front sheet."""
    marks = {}
    for line in layout_text(pdf, 1, front_pages).splitlines():
        m = ITEM_LINE.match(line)
        if m:
            marks[m.group(1)] = m.group(3)
    return marks


def page_range(reference: str) -> tuple[int, int]:
    m = re.match(r"\(Pages? (\d+)(?: - (\d+))?\)", reference)
    assert m, reference
    return int(m.group(1)), int(m.group(2) or m.group(1))


def first_pages(all_pages: list[Page]) -> dict[str, int]:
    """Item number → the page stamped "Agenda Item N"."""
    found = {}
    for number, page in enumerate(all_pages, 1):
        item = page.item_stamp()
        if item:
            assert item not in found, f"item {item} stamped twice"
            found[item] = number
    return found


def check_pack(pdf: Path, duplex: bool, landscape: bool = False) -> dict[str, tuple[int, int]]:
    """The checks every pack must pass; returns item → page range as the front sheet states it."""
    all_pages = pages(pdf)
    sizes = {(595, 842), (842, 595)} if landscape else {(595, 842)}
    for number, page in enumerate(all_pages, 1):
        assert page.footer == f"Page {number}", f"page {number}: footer {page.footer!r}"
        assert (round(page.width), round(page.height)) in sizes, f"page {number} is not A4"
    stamped = first_pages(all_pages)
    front = min(stamped.values()) - 1
    marks = {n: page_range(r) for n, r in front_sheet_references(pdf, front).items() if r != "Verbal report"}
    assert marks.keys() == stamped.keys()
    ordered = sorted(marks.values())
    for (first, last), following in zip(ordered, [r[0] for r in ordered[1:]] + [len(all_pages) + 1]):
        gap = range(last + 1, following)
        assert all(is_filler(all_pages[p - 1]) for p in gap), f"pages {list(gap)} should be fillers"
        assert len(gap) <= (1 if duplex else 0)
        if duplex:
            assert first % 2 == 1
    for item, (first, _) in marks.items():
        assert stamped[item] == first, f"item {item}: the front sheet says page {first}, stamp on {stamped[item]}"
    return marks


@dataclass
class Styled:
    text: str
    font: str  # as embedded, such as LiberationSans-Bold
    size: float


def styled_words(pdf: Path) -> list[Styled]:
    """Every word of the PDF with the font and size it is set in, as mupdf reads them."""
    out = subprocess.run(["mutool", "draw", "-F", "stext", "-o", "-", str(pdf)], capture_output=True,
                         text=True, check=True).stdout
    words = []
    for font in ElementTree.fromstring(out).iter("font"):
        text = "".join(char.get("c", "") for char in font.iter("char"))
        words += [Styled(word, font.get("name", ""), float(font.get("size", 0))) for word in text.split()]
    return words
