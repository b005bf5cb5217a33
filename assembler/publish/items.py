"""Publishing outputs: each item's papers as a PDF of its own for the website.

Each is cut out of its pack once the pack is written (pdf/cut.py): the same pages, stamps, page
numbers, links, tags and bookmarks, without the front sheet or filler pages.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

from assembler.model import Item
from assembler.names import output_stem
from assembler.pdf.cut import Cut, cut, open_pack, stamps_digest
from assembler.plan.packs import Pack
from assembler.plan.pages import PagePlan, Placement
from assembler.runtime.cache import Cache, code_digest, digest, file_digest
from assembler.runtime.outputs import inside

ITEMS = "items"


def published(pack: Pack) -> list[Item]:
    """The items a pack publishes: its papers, less those a public pack already published."""
    return [item for item in pack.meeting.items
            if item.paper and (item.exempt or not pack.confidential)]


def item_pdf(item: Item) -> str:
    """items/05-anti-social-behaviour-update.pdf, relative to the pack's folder; for an item with a paper."""
    return f"{ITEMS}/{output_stem(item, item.documents[0])}.pdf"


def _item_cut(pack: Pack, item: Item, own: list[tuple[int, Placement]]) -> Cut:
    """The item's pages of the pack, and its Parts of the pack's structure tree (the front sheet's
    first); own are the item's placements in the plan, with their indices there."""
    firsts = itertools.accumulate((p.part.pages for _, p in own), initial=0)
    meeting = pack.meeting
    title = f"{meeting.body} – {meeting.date.day} {meeting.date:%B %Y} – Item {item.number}: {item.title}"
    return Cut(pages=tuple(page for _, p in own for page in range(p.first_page - 1, p.last_page)),
               parts=tuple(1 + n for n, _ in own),
               labels=tuple((first, p.part.pages, p.first_page) for first, (_, p) in zip(firsts, own)),
               title=title, author=meeting.organisation or meeting.body,
               subject=f"Agenda item {item.number} of {pack.title}")


def _item_key(pack: Pack, item: Item, placements: list[Placement], pdfs: dict[tuple[str, int], Path],
              stamps: str) -> str:
    """Everything an item's PDF is made from: its papers' PDFs, their pages' places and stamps, and
    the font the pack's stamps share."""
    return digest(code_digest(), pack.title, pack.notice(item), repr(item), repr(pack.meeting.date),
                  pack.meeting.body, pack.meeting.organisation or "", stamps,
                  *(f"{placement}:{file_digest(pdfs[placement.part.key])}" for placement in placements))


def publish_items(plan: PagePlan, pack: Pack, made: Path, pdfs: dict[tuple[str, int], Path],
                  cache: Cache | None = None) -> list[Path]:
    """Cut each published item's pages out of the pack made, into items/ beside it; returns the files.

    pdfs are the papers' own PDFs, by (item number, index). An item whose papers, pages and stamps
    are as they were comes from the cache, if one is given, rather than being cut again.
    """
    items = published(pack)
    if not items:
        return []
    written = []
    with open_pack(made) as opened:
        stamps = stamps_digest(opened.pdf) if cache else ""
        for item in items:
            own = [(n, p) for n, p in enumerate(plan.placements) if p.part.item == item.number]
            out = inside(made.parent, item_pdf(item))
            out.parent.mkdir(parents=True, exist_ok=True)
            make = functools.partial(cut, opened, _item_cut(pack, item, own))
            if cache:
                cache.made("item", _item_key(pack, item, [p for _, p in own], pdfs, stamps), out, make)
            else:
                make(out)
            written.append(out)
    return written
