"""Where a page's own text lies, and where the stamps can go without covering it.

A partner's page may have its own header or footer, or text that runs into the margins. The
stamps keep their usual places where those are free; otherwise they move towards the edge of the
page, as far as a printer can still print; where even that is taken, the page's content is made a
little smaller so that the stamps have a margin of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pypdf import PageObject, Transformation

from assembler.pdf.prepare import fit, transform
from assembler.pdf.stamps import FOOTER_SIZE, MARGIN, Stamp, head_baselines, register_fonts, usual_head_top

EDGE = 14.0  # points: no stamp comes nearer the edge of the page than this (printers need about 5 mm)
GAP = 2.0  # points kept clear between a stamp and the page's own text
EM = 0.55  # the average width of a character, in ems: text is measured without reading its font
STEP = 1.0


@dataclass(frozen=True)
class Box:
    bottom: float
    top: float


def text_boxes(page: PageObject) -> list[Box]:
    """How far up and down each run of the page's text reaches, on the page as shown."""
    found: list[Box] = []
    width, height = float(page.cropbox.width), float(page.cropbox.height)

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text.strip():
            return
        matrix = Transformation(tuple(tm)).transform(Transformation(tuple(cm)))
        corners = [matrix.apply_on((x, y)) for x in (0, EM * len(text.strip()) * size)
                   for y in (-0.25 * size, 0.95 * size)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        if max(xs) > 0 and min(xs) < width and max(ys) > 0 and min(ys) < height:  # visible
            found.append(Box(min(ys), max(ys)))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:  # text that pypdf cannot follow is treated as absent, as on a scanned page
        return found
    return found


def _free(boxes: list[Box], bottom: float, top: float) -> bool:
    return not any(box.bottom < top + GAP and box.top > bottom - GAP for box in boxes)


def _footer_room(boxes: list[Box]) -> float | None:
    """The highest baseline, from the usual one down to the edge, where the footer covers no text."""
    baseline = MARGIN
    while baseline >= EDGE:
        if _free(boxes, baseline - 0.25 * FOOTER_SIZE, baseline + FOOTER_SIZE):
            return baseline
        baseline -= STEP
    return None


def _head_extent(stamp: Stamp) -> tuple[float, float]:
    lines = head_baselines(stamp)
    return lines[-1][1] - 0.25 * lines[-1][0].size, stamp.height - stamp.head_top


def _head_room(stamp: Stamp, boxes: list[Box]) -> float | None:
    """The lowest start of the head block, from the usual one up to the edge, that covers no text."""
    if not stamp.head():
        return stamp.top_at
    top = usual_head_top(stamp.notice)
    while top >= EDGE:
        if _free(boxes, *_head_extent(replace(stamp, top_at=top))):
            return top
        top -= STEP
    return None


def placed(stamp: Stamp, boxes: list[Box]) -> Stamp | None:
    """The stamp moved clear of the page's text, or None if the page has no margin to move it into."""
    register_fonts()
    footer, head = _footer_room(boxes), _head_room(stamp, boxes)
    if footer is None or head is None:
        return None
    return replace(stamp, footer_at=footer, top_at=head)


def make_room(page: PageObject, stamp: Stamp) -> None:
    """Shrink the page's content, centred, clear of the stamps in their usual places."""
    register_fonts()
    width, height = float(page.cropbox.width), float(page.cropbox.height)
    foot = MARGIN + FOOTER_SIZE + GAP
    head = height - _head_extent(stamp)[0] + GAP if stamp.head() else 0.0
    transform(page, fit(width, height, (width, height), (foot, head)), (width, height), page.cropbox)


def stamp_clear(page: PageObject, stamp: Stamp) -> Stamp:
    """Where the stamp goes on a page of someone else's making, shrinking the page if it must."""
    moved = placed(stamp, text_boxes(page))
    if moved is not None:
        return moved
    make_room(page, stamp)
    return stamp
