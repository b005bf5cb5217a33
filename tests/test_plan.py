"""The page plan on its own: fillers, ranges and the front-sheet fixed point, without LibreOffice."""

import pytest

from assembler.errors import AssemblerError
from assembler.model import Item
from assembler.plan.pages import Part, page_reference, plan_pages, references, settle


def test_duplex_starts_every_part_on_an_odd_page():
    plan = plan_pages(1, [Part("2", 0, 3), Part("5", 0, 2), Part("5", 1, 1), Part("6", 0, 1)], duplex=True)
    assert [p.first_page for p in plan.placements] == [3, 7, 9, 11]
    assert all(p.first_page % 2 == 1 for p in plan.placements)
    assert plan.fillers == [2, 6, 10]
    assert plan.total_pages == 11


def test_simplex_has_no_fillers():
    plan = plan_pages(1, [Part("2", 0, 3), Part("5", 0, 2)], duplex=False)
    assert [p.first_page for p in plan.placements] == [2, 5]
    assert plan.fillers == []
    assert plan.total_pages == 6


def test_item_range_covers_appendices_and_the_filler_between_but_not_after():
    plan = plan_pages(2, [Part("5", 0, 3), Part("5", 1, 2), Part("6", 0, 4)], duplex=True)
    # paper 3-5, filler 6, appendix 7-8; item 6 starts straight after, on odd page 9
    assert plan.item_range("5") == (3, 8)
    assert plan.item_range("6") == (9, 12)
    assert plan.item_range("1") is None


def test_references_read_like_the_marked_column():
    items = [Item("1", "Apologies"), Item("2", "Minutes", paper=object()),  # type: ignore[arg-type]
             Item("3", "Update", verbal=True), Item("4", "Report")]
    plan = plan_pages(1, [Part("2", 0, 1)], duplex=True)
    assert references(items, plan) == {"1": "", "2": "(Page 3)", "3": "Verbal report", "4": ""}
    assert page_reference(9, 12) == "(Pages 9 - 12)"


def test_settle_follows_a_front_sheet_that_grows_by_a_page():
    parts = [Part("2", 0, 5), Part("3", 0, 2)]
    seen = []

    def measure(plan):  # the filled-in references make the front sheet run to 3 pages
        seen.append(plan.front_pages)
        return 3

    plan = settle(parts, duplex=True, front_pages=2, measure_front=measure)
    assert plan.front_pages == 3
    assert seen == [2, 3]
    assert [p.first_page for p in plan.placements] == [5, 11]


def test_settle_accepts_a_right_first_guess_after_one_measurement():
    calls = []
    plan = settle([Part("2", 0, 1)], True, 1, lambda plan: calls.append(plan) or 1)
    assert len(calls) == 1 and plan.front_pages == 1


def test_settle_gives_up_with_a_message_when_it_never_settles():
    flip = iter([2, 1, 2, 1, 2, 1, 2])
    with pytest.raises(AssemblerError, match="never settled"):
        settle([Part("2", 0, 1)], True, 1, lambda plan: next(flip))
