"""How wide a table's columns are: measured from their text, as a browser lays out an automatic table.

Each column gets at least its longest word, so that no word is broken, and at most its longest line;
between the two, the room there is goes to each column in proportion to how much more it wants. A
table whose words alone need more than the text width is too wide for the page (the paper turns it
to landscape); only a word wider than the whole text width is ever broken.

Text is measured with the metrics of the font LibreOffice prints it in: Liberation Sans for Arial,
Carlito for Calibri, Liberation Serif for Times New Roman (each made to the other's widths).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assembler.errors import AssemblerError

FONT_FOLDERS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/liberation2"),
                Path("/usr/share/fonts/truetype/crosextra"))
# The metric-compatible font LibreOffice prints each of Word's usual fonts in (lower-case names).
METRIC_TWINS = {"arial": "LiberationSans", "helvetica": "LiberationSans", "liberation sans": "LiberationSans",
                "calibri": "Carlito", "carlito": "Carlito",
                "times new roman": "LiberationSerif", "liberation serif": "LiberationSerif"}
SLACK = 1.03  # LibreOffice's layout rounds each glyph to its own grid: measure a little wide
BORDER = 20  # twips: the cell's border, which takes from its width

_RUN = re.compile(r"<w:r>(?:<w:rPr>(.*?)</w:rPr>)?(?:<w:t[^>]*>(.*?)</w:t>|(<w:br/>))</w:r>")
_SPACE = re.compile(r"(\s+)")


@dataclass(frozen=True)
class TableFont:
    """The font of a template's table text: its family as the template names it, and its size."""

    family: str
    size: float  # points
    cell_margin: int  # twips inside each cell, left and right together

    @property
    def twin(self) -> str:
        return METRIC_TWINS.get(self.family.lower(), "LiberationSans")

    def width(self, text: str, bold: bool) -> float:
        """The width of text in twips."""
        from reportlab.pdfbase.pdfmetrics import stringWidth
        return stringWidth(text, _registered(self.twin, bold), self.size) * 20 * SLACK


@functools.lru_cache(maxsize=16)
def _registered(twin: str, bold: bool) -> str:
    """The name under which reportlab knows the font's face, registered on first use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    face = f"{twin}-{'Bold' if bold else 'Regular'}"
    for folder in FONT_FOLDERS:
        if (folder / f"{face}.ttf").is_file():
            pdfmetrics.registerFont(TTFont(f"table-{face}", str(folder / f"{face}.ttf")))
            return f"table-{face}"
    if twin != "LiberationSans":  # Carlito or Liberation Serif missing: Liberation Sans errs wide enough
        return _registered("LiberationSans", bold)
    raise AssemblerError("the Liberation Sans font is not installed; install it with: "
                         "apt-get install fonts-liberation")


Line = list[tuple[str, bool]]  # a line of a cell: its pieces of text, each bold or not


def cell_lines(runs: str, bold: bool) -> list[Line]:
    """The lines of a cell's text, read off the runs written for it (a <w:br/> starts a line)."""
    lines: list[Line] = [[]]
    for props, text, breaks in _RUN.findall(runs):
        if breaks:
            lines.append([])
        else:
            lines[-1].append((html.unescape(text), bold or "<w:b/>" in props))
    return lines


@dataclass(frozen=True)
class Extent:
    """How narrow a column can be without breaking a word, and how wide its longest line is (twips)."""

    least: float
    most: float


def extent(cells: Sequence[list[Line]], font: TableFont) -> Extent:
    least = most = 0.0
    for lines in cells:
        for line in lines:
            most = max(most, sum(font.width(text, bold) for text, bold in line))
            least = max(least, _longest_word(line, font))
    padding = font.cell_margin + BORDER
    return Extent(least + padding, most + padding)


def _longest_word(line: Line, font: TableFont) -> float:
    """The widest word of a line; a word may run across pieces ("**Over**all")."""
    longest = word = 0.0
    for text, bold in line:
        for piece in _SPACE.split(text):
            if piece.isspace():
                longest, word = max(longest, word), 0.0
            elif piece:
                word += font.width(piece, bold)
    return max(longest, word)


def too_wide(extents: Sequence[Extent], width: int) -> bool:
    """Whether the columns' words alone need more than the text width."""
    return sum(e.least for e in extents) > width


def column_widths(extents: Sequence[Extent], width: int) -> list[int]:
    """The columns' widths in twips, adding up to the text width.

    Where every line fits, each column gets its longest line and the room left over is shared in
    proportion to them; where not, each gets its longest word and the room between that and its
    longest line in proportion to how much more it wants; where even the words do not fit, the
    words' widths are scaled down together, so only the widest words break.
    """
    least = [e.least for e in extents]
    most = [e.most for e in extents]
    shares: Sequence[float]
    if sum(most) <= width:
        shares = most
    elif sum(least) >= width:
        shares = least
    else:
        spare = (width - sum(least)) / (sum(most) - sum(least))
        shares = [low + (high - low) * spare for low, high in zip(least, most)]
    if not sum(shares):  # every cell empty
        shares = [1.0] * len(shares)
    total = sum(shares)
    widths = [int(width * share / total) for share in shares]
    widths[-1] += width - sum(widths)  # rounding's remainder, so the table is exactly as wide as the text
    return widths
