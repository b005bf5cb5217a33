"""Publishing outputs: each item's papers as a PDF of its own for the website.

Each is made as its pack's pages are, from the papers' own PDFs with the same stamps, page numbers,
links and bookmarks, but without the front sheet or filler pages. Made this way rather than cut
from the finished pack, the items need not wait for the pack, and are made beside it, on a
second core.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

from pypdf import PdfWriter

from assembler.model import Item
from assembler.names import output_stem
from assembler.pdf.assemble import add_bookmarks, finish, part_sheets, tagged_parts, write_pages, write_tagged
from assembler.pdf.links import resolve_links
from assembler.plan.packs import Pack
from assembler.plan.pages import PagePlan, Placement
from assembler.runtime.cache import Cache, code_digest, digest, file_digest
from assembler.runtime.outputs import inside
from assembler.sources.documents import open_pdf

ITEMS = "items"


def published(pack: Pack) -> list[Item]:
    """The items a pack publishes: its papers, less those a public pack already published."""
    return [item for item in pack.meeting.items
            if item.paper and (item.exempt or not pack.confidential)]


def item_pdf(item: Item) -> str:
    """items/05-anti-social-behaviour-update.pdf, relative to the pack's folder; for an item with a paper."""
    return f"{ITEMS}/{output_stem(item, item.documents[0])}.pdf"


def _item_key(pack: Pack, item: Item, placements: list[Placement], pdfs: dict[tuple[str, int], Path]) -> str:
    """Everything an item's PDF is made from: its papers' PDFs, their pages' places and stamps."""
    return digest(code_digest(), pack.title, pack.notice(item), repr(item), repr(pack.meeting.date),
                  pack.meeting.body, pack.meeting.organisation or "",
                  *(f"{placement}:{file_digest(pdfs[placement.part.key])}"
                    for placement in placements))


def _write_item(item: Item, own: list[Placement], pack: Pack, pdfs: dict[tuple[str, int], Path], out: Path) -> None:
    readers = {p.part.key: open_pdf(pdfs[p.part.key]) for p in own}
    starts = list(zip(own, itertools.accumulate((p.part.pages for p in own[:-1]), initial=0)))
    writer = PdfWriter()
    write_pages(writer, [sheet for p in own for sheet in part_sheets(pack, p, readers[p.part.key])])
    for placement, first in starts:
        resolve_links(writer, first, placement.part.pages)
    add_bookmarks(writer, pack, starts, readers)
    meeting = pack.meeting
    date = f"{meeting.date.day} {meeting.date:%B %Y}"
    title = f"{meeting.body} – {date} – Item {item.number}: {item.title}"
    finish(writer, title, meeting.organisation or meeting.body, f"Agenda item {item.number} of {pack.title}",
           [(first, placement.part.pages, placement.first_page) for placement, first in starts])
    write_tagged(writer, tagged_parts(pack, starts, pdfs), title, out)


def publish_items(plan: PagePlan, pack: Pack, folder: Path, pdfs: dict[tuple[str, int], Path],
                  cache: Cache | None = None) -> list[Path]:
    """Write each published item's pages into folder/items/; returns the files.

    pdfs are the papers' own PDFs, by (item number, index). An item whose papers, pages and stamps
    are as they were comes from the cache, if one is given, rather than being made again.
    """
    written = []
    for item in published(pack):
        own = [p for p in plan.placements if p.part.item == item.number]
        out = inside(folder, item_pdf(item))
        out.parent.mkdir(parents=True, exist_ok=True)
        make = functools.partial(_write_item, item, own, pack, pdfs)
        if cache:
            cache.made("item", _item_key(pack, item, own, pdfs), out, make)
        else:
            make(out)
        written.append(out)
    return written
