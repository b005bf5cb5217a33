"""Stage 4: plan the pack's pages. Pure arithmetic on page counts: no files, no LibreOffice.

The front sheet comes first, then each item's paper and its appendices in agenda order. In a
duplex pack every paper starts on an odd (right-hand) page, after a filler page where needed, and
so does every appendix unless the house runs appendices on after their report (House.appendices).
The front sheet lists the references, and its own length moves every page after
it, so `settle` repeats the plan until the front sheet's length stops changing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assembler.errors import AssemblerError
from assembler.model import House, Item

MAX_ROUNDS = 5
USUAL = House()  # the conventions packs have always followed


@dataclass(frozen=True)
class Part:
    """A run of pages that starts on a fresh page: an item's paper (index 0) or an appendix."""

    item: str  # the item's number
    index: int
    pages: int

    @property
    def key(self) -> tuple[str, int]:
        """(item number, index): how the build names each document's PDF and reader."""
        return self.item, self.index


@dataclass(frozen=True)
class Placement:
    part: Part
    first_page: int  # numbered from 1, the front sheet's first page

    @property
    def last_page(self) -> int:
        return self.first_page + self.part.pages - 1


@dataclass(frozen=True)
class PagePlan:
    front_pages: int
    placements: tuple[Placement, ...]
    total_pages: int
    duplex: bool
    ranges_include_blank_pages: bool = False  # House.ranges_include_blank_pages

    @property
    def fillers(self) -> list[int]:
        used = set(range(1, self.front_pages + 1))
        for p in self.placements:
            used.update(range(p.first_page, p.last_page + 1))
        return [n for n in range(1, self.total_pages + 1) if n not in used]

    def item_range(self, item: str) -> tuple[int, int] | None:
        """First and last page of an item's paper with its appendices, fillers between them included,
        and the filler after them too where the house counts it, so that the ranges run on."""
        own = [p for p in self.placements if p.part.item == item]
        if not own:
            return None
        last = own[-1].last_page
        if self.ranges_include_blank_pages:
            after = [p.first_page for p in self.placements if p.first_page > last]
            last = (after[0] if after else self.total_pages + 1) - 1
        return own[0].first_page, last


def plan_pages(front_pages: int, parts: Sequence[Part], duplex: bool, house: House = USUAL) -> PagePlan:
    page = front_pages + 1
    placements = []
    for part in parts:
        fresh = part.index == 0 or house.appendices == "new-right-hand-page"  # else it runs on
        if duplex and fresh and page % 2 == 0:
            page += 1  # a filler page goes before this part
        placements.append(Placement(part, page))
        page += part.pages
    return PagePlan(front_pages, tuple(placements), page - 1, duplex, house.ranges_include_blank_pages)


def page_reference(first: int, last: int) -> str:
    return f"(Page {first})" if first == last else f"(Pages {first} - {last})"


def settle(parts: Sequence[Part], duplex: bool, front_pages: int,
           measure_front: Callable[[PagePlan], int], house: House = USUAL) -> PagePlan:
    """The plan whose front sheet, filled in with its references, is as long as the plan assumed.

    front_pages is a first guess; measure_front lays out the front sheet for a plan and returns
    its real length.
    """
    tried = []
    for _ in range(MAX_ROUNDS):
        plan = plan_pages(front_pages, parts, duplex, house)
        measured = measure_front(plan)
        if measured == front_pages:
            return plan
        tried.append(front_pages)
        front_pages = measured
    raise AssemblerError(f"the page references never settled: the front sheet came out at "
                         f"{', '.join(map(str, tried))} pages in turn; shorten the agenda's text "
                         "or report this as a bug")


def mark(item: Item, pages: tuple[int, int] | None) -> str:
    """An item's entry in the Marked column: its page range, "Verbal report", or nothing."""
    if pages:
        return page_reference(*pages)
    return "Verbal report" if item.verbal else ""


def references(items: Sequence[Item], plan: PagePlan) -> dict[str, str]:
    return {item.number: mark(item, plan.item_range(item.number)) for item in items}
