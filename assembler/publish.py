"""Publishing outputs: each item's papers as a PDF of its own for the website, cut from its pack.

Cutting the pages from the finished pack keeps every stamp exactly as the pack has it; the
outline, the links inside the papers and the page labels come with them.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter

from assembler.assemble import finish
from assembler.cache import Cache, code_digest, digest, file_digest
from assembler.model import Item
from assembler.packs import Pack
from assembler.parallel import shared
from assembler.plan import PagePlan, Placement
from assembler.render import output_stem

ITEMS = "items"


def published(pack: Pack) -> list[Item]:
    """The items a pack publishes: its papers, less those a public pack already published."""
    return [item for item in pack.meeting.items
            if item.paper and (item.exempt or not pack.confidential)]


def item_pdf(item: Item) -> str:
    """items/05-anti-social-behaviour-update.pdf, relative to the pack's folder; for an item with a paper."""
    return f"{ITEMS}/{output_stem(item, item.documents[0])}.pdf"


def _item_key(pack: Pack, item: Item, placements: list[Placement], pdfs: dict[tuple[str, int], Path]) -> str:
    """Everything an item's PDF is cut from: its papers' PDFs, their pages' places and stamps."""
    return digest(code_digest(), pack.title, pack.notice(item), repr(item), repr(pack.meeting.date),
                  pack.meeting.body, pack.meeting.organisation or "",
                  *(f"{placement}:{file_digest(pdfs[(placement.part.item, placement.part.index)])}"
                    for placement in placements))


def _write_item(reader: PdfReader, own: list[Placement], item: Item, pack: Pack, out: Path) -> None:
    writer = PdfWriter()
    writer.append(reader, pages=[n - 1 for p in own for n in range(p.first_page, p.last_page + 1)])
    runs, at = [], 0
    for placement in own:
        runs.append((at, placement.part.pages, placement.first_page))
        at += placement.part.pages
    meeting = pack.meeting
    date = f"{meeting.date.day} {meeting.date:%B %Y}"
    finish(writer, f"{meeting.body} – {date} – Item {item.number}: {item.title}",
           meeting.organisation or meeting.body, f"Agenda item {item.number} of {pack.title}", runs)
    with out.open("wb") as handle:
        writer.write(handle)


def publish_items(pack_pdf: Path, plan: PagePlan, pack: Pack, folder: Path, pdfs: dict[tuple[str, int], Path],
                  cache: Cache | None = None) -> list[Path]:
    """Write each published item's pages, fillers left out, into folder/items/; returns the files.

    pdfs are the papers' own PDFs, by (item number, index). An item whose papers, pages and stamps
    are as they were comes from the cache, if one is given, rather than being cut again. The items
    are shared with a second core.
    """
    reader = PdfReader(pack_pdf)
    cuts = [(item, [p for p in plan.placements if p.part.item == item.number], folder / item_pdf(item))
            for item in published(pack)]
    if cuts:
        (folder / ITEMS).mkdir(parents=True, exist_ok=True)

    def cut(item: Item, own: list[Placement], out: Path) -> None:
        make = lambda target: _write_item(reader, own, item, pack, target)  # noqa: E731
        if cache:
            cache.made("item", _item_key(pack, item, own, pdfs), out, make)
        else:
            make(out)

    shared(cuts, lambda job: cut(*job))
    return [out for _, _, out in cuts]
