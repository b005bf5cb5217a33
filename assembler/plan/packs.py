"""Which items go into which pack, and how each pack lists the items whose papers it does not hold.

A meeting makes these packs:
- the public agenda pack: the main agenda, with each exempt item listed under its public title
  and the paragraph that makes it exempt, and each late item marked as to follow;
- the confidential pack, when the main agenda has an exempt paper: the same, exempt papers included;
- for each supplement, a public supplement pack of its late papers, and a confidential one when
  one of them is exempt.

Each pack carries the meeting as that pack may show it: an item withheld from a pack keeps no
paper, no appendix and no private title there, so no later stage can put them into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from assembler.audience import PUBLIC, RESTRICTED, Audience, exempt_mark, exempt_short, not_for_publication
from assembler.model import House, Item, Meeting


def to_follow(supplement: int) -> str:
    return f"(to follow – Supplement {supplement})"


@dataclass(frozen=True)
class Pack:
    meeting: Meeting  # the meeting as this pack shows it
    name: str  # the PDF's name, without .pdf
    heading: str  # at the head of its front sheet
    title: str  # the PDF's document title
    front: str  # the file name of its front sheet as a Word document
    manifest: str  # the file name of its manifest
    confidential: bool = False
    supplement: int | None = None
    notes: dict[str, str] = field(default_factory=dict)  # the Marked column of items listed without their paper

    @property
    def audience(self) -> Audience:
        return RESTRICTED if self.confidential else PUBLIC

    @property
    def folder(self) -> Path:
        """Where the pack and everything made for it go, relative to output/<meeting-id>/."""
        return self.audience.folder

    @property
    def pdf(self) -> Path:
        return self.folder / f"{self.name}.pdf"

    def notice(self, item: Item) -> str:
        """The "not for publication" line for each page of an item's papers in this pack, if any."""
        return not_for_publication(item.exempt) if self.confidential and item.exempt else ""


def _withheld(item: Item) -> Item:
    return replace(item, paper=None, appendices=())


def _shown(item: Item, audience: Audience, supplement: int | None, house: House) -> tuple[Item, str]:
    """An item as a pack lists it, and the Marked column's note when its paper is not in the pack.

    An exempt item's note is the statutory wording, or where the house keeps the column short,
    "Exempt (para. 3)" with the wording printed under the item in place of its own text."""
    note = ""
    if item.exempt and not audience.sees(item):
        short = house.exempt_marked == "short"
        note = exempt_short(item.exempt) if short else exempt_mark(item.exempt)
        item = replace(_withheld(item), title=item.public_title or item.title, public_title="",
                       text=exempt_mark(item.exempt) if short else "")
    if item.supplement is not None and item.supplement != supplement:
        return _withheld(item), to_follow(item.supplement)
    return item, note


def _pack(meeting: Meeting, items: list[Item], confidential: bool, supplement: int | None) -> Pack:
    shown = [_shown(item, RESTRICTED if confidential else PUBLIC, supplement, meeting.house) for item in items]
    date = f"{meeting.date.day} {meeting.date:%B %Y}"
    if supplement is None:
        name, heading, kind = "agenda-pack", "Agenda", "Agenda pack"
    else:
        name = f"supplement-{supplement}-pack"
        heading = "Supplementary agenda" + (f" {supplement}" if supplement > 1 else "")
        kind = f"Supplementary agenda {supplement}"
    if confidential:
        name = name.replace("agenda-pack", "confidential-pack")
        heading += " – including exempt items: not for publication"
        kind = f"Confidential {kind[0].lower()}{kind[1:]}"
    prefix = f"supplement-{supplement}-" if supplement else ""
    return Pack(replace(meeting, items=tuple(item for item, _ in shown)), name, heading,
                f"{meeting.body} – {date} – {kind}", f"{prefix}agenda.docx", f"{prefix}manifest.json",
                confidential, supplement,
                {item.number: note for item, note in shown if note})


def packs(meeting: Meeting) -> list[Pack]:
    """Every pack the meeting makes: public ones first, each followed by its confidential twin."""
    made = []
    # A supplement is made once one of its papers has arrived; until then its items are to follow.
    supplements = sorted({item.supplement for item in meeting.items if item.supplement and item.paper})
    for supplement in [None, *supplements]:
        items = [item for item in meeting.items if supplement is None or item.supplement == supplement]
        made.append(_pack(meeting, items, False, supplement))
        if any(item.exempt and item.paper and item.supplement == supplement for item in items):
            made.append(_pack(meeting, items, True, supplement))
    return made
