"""The meeting's agenda as the public sees it, for the web version and the open data (web/).

It is read off the public packs alone, so nothing of an exempt item but its public title and the
paragraph that makes it exempt can reach web/: the packs already hold each item as the public may
see it (plan/packs.py, asking audience.py). A supplement's items are shown as its public
supplement pack shows them, once it has been made; until then the main pack's "to follow" stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assembler.audience import PUBLIC, exclusion_resolution
from assembler.model import Document, Item, Meeting
from assembler.names import output_stem
from assembler.plan.packs import Pack
from assembler.plan.pages import PagePlan, Placement, references
from assembler.publish.items import item_pdf, published


@dataclass(frozen=True)
class Paper:
    """One public document of an item, where it is in its pack, and its web page (Markdown only)."""

    item: Item
    index: int  # 0 for the paper, then its appendices
    doc: Document
    placement: Placement

    @property
    def key(self) -> tuple[str, int]:
        return self.item.number, self.index

    @property
    def html(self) -> str | None:
        """Its web page's file name in web/, or None for a partner's PDF or Word file (PDF only)."""
        return f"{output_stem(self.item, self.doc)}.html" if self.doc.kind == "md" else None


@dataclass(frozen=True)
class Entry:
    """One item of the agenda as the public sees it."""

    item: Item  # as its public pack shows it: an exempt item by its public title, without papers
    marked: str  # the Marked column: "(Pages 9 - 12)", "Verbal report", "Exempt – paragraph 3 of …"
    exclusion: str  # the resolution to exclude the press and public, printed before this item
    pack: Pack  # the public pack that lists it with its papers, or the main pack
    pdf: str | None  # its papers' own PDF, relative to output/<meeting-id>/
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class Agenda:
    meeting: Meeting  # as the public main pack shows it
    entries: tuple[Entry, ...]
    packs: tuple[Pack, ...]  # the public packs: the main pack first, then each supplement's

    @property
    def papers(self) -> list[Paper]:
        return [paper for entry in self.entries for paper in entry.papers]


def public_agenda(planned: list[tuple[Pack, PagePlan]]) -> Agenda:
    """The agenda from the meeting's packs; the confidential ones are passed over unread."""
    public = [(pack, plan) for pack, plan in planned if pack.audience == PUBLIC]
    main = public[0][0]
    holding = {pack.supplement: (pack, plan) for pack, plan in public}
    exclusion = exclusion_resolution(main.meeting.items)
    entries = []
    for listed in main.meeting.items:
        pack, plan = holding.get(listed.supplement, public[0])
        item = next(i for i in pack.meeting.items if i.number == listed.number)
        marked = (references([item], plan) | pack.notes).get(item.number, "")
        pdf = item_pdf(item) if item in published(pack) else None
        papers = tuple(Paper(item, n, doc, next(p for p in plan.placements if p.part.key == (item.number, n)))
                       for n, doc in enumerate(item.documents))
        entries.append(Entry(item, marked, exclusion.get(item.number, ""), pack, pdf, papers))
    return Agenda(main.meeting, tuple(entries), tuple(pack for pack, _ in public))


def pack_link(pack: Pack) -> str:
    """A public pack's PDF, relative to web/."""
    return (Path("..") / pack.pdf).as_posix()
