"""Publishing outputs: each item's papers as a PDF of its own for the website, cut from its pack.

Cutting the pages from the finished pack keeps every stamp exactly as the pack has it; the
outline, the links inside the papers and the page labels come with them.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter

from assembler.assemble import finish
from assembler.model import Item
from assembler.packs import Pack
from assembler.plan import PagePlan
from assembler.render import output_stem

ITEMS = "items"


def published(pack: Pack) -> list[Item]:
    """The items a pack publishes: its papers, less those a public pack already published."""
    return [item for item in pack.meeting.items
            if item.paper and (item.exempt or not pack.confidential)]


def item_pdf(item: Item) -> str:
    """items/05-anti-social-behaviour-update.pdf, relative to the pack's folder; for an item with a paper."""
    return f"{ITEMS}/{output_stem(item, item.documents[0])}.pdf"


def publish_items(pack_pdf: Path, plan: PagePlan, pack: Pack, folder: Path) -> list[Path]:
    """Write each published item's pages, fillers left out, into folder/items/; returns the files."""
    reader = PdfReader(pack_pdf)
    written = []
    meeting = pack.meeting
    for item in published(pack):
        own = [p for p in plan.placements if p.part.item == item.number]
        writer = PdfWriter()
        writer.append(reader, pages=[n - 1 for p in own for n in range(p.first_page, p.last_page + 1)])
        runs, at = [], 0
        for placement in own:
            runs.append((at, placement.part.pages, placement.first_page))
            at += placement.part.pages
        date = f"{meeting.date.day} {meeting.date:%B %Y}"
        finish(writer, f"{meeting.body} – {date} – Item {item.number}: {item.title}",
               meeting.organisation or meeting.body, f"Agenda item {item.number} of {pack.title}", runs)
        out = folder / item_pdf(item)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            writer.write(handle)
        written.append(out)
    return written
