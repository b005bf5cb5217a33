"""Who may read what is made from each paper: the rule with legal weight, in one place.

An item exempt under Schedule 12A to the Local Government Act 1972 is for councillors and officers
entitled to its exempt information, not for the public. Everything made from its papers (Word
files, PDFs, previews, the confidential packs) is for the restricted audience alone: it is written
under confidential/, never kept in the cache (which sits outside confidential/), and named on
screen by its item only. Every stage asks this module which audience a thing is for, and what
follows; none decides for itself.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from assembler.model import Document, Item

CONFIDENTIAL = "confidential"  # the folder, under output/<meeting-id>/, of everything not for publication
ACT = "Part 1 of Schedule 12A to the Local Government Act 1972"


@dataclass(frozen=True)
class Audience:
    """Who may read a pack, or what is made from a paper: the public, or the restricted few."""

    restricted: bool

    def sees(self, item: Item) -> bool:
        """Whether this audience may see the item's papers, title and text."""
        return self.restricted or not item.exempt

    @property
    def folder(self) -> Path:
        """Where what is made for this audience goes, relative to output/<meeting-id>/."""
        return Path(CONFIDENTIAL) if self.restricted else Path()

    @property
    def cacheable(self) -> bool:
        """Whether what is made for it may be kept in output/.cache/, which is outside confidential/."""
        return not self.restricted


PUBLIC = Audience(restricted=False)
RESTRICTED = Audience(restricted=True)


@dataclass(frozen=True)
class Reader:
    """Someone signed in to the workspace: an officer of Democratic Services, or a report author."""

    name: str
    officer: bool


def may_read_item(reader: Reader, authors: Collection[str]) -> bool:
    """Whether a reader may see an item at all: its title, papers, problems and its own PDFs.

    Officers see every item. An author sees only the items whose `authors:` name them, exempt or
    not: so an author never sees an exempt item's title, paper or outputs unless assigned it.
    """
    return reader.officer or reader.name in authors


def may_read_packs(reader: Reader) -> bool:
    """Whether a reader may open a meeting's packs (public, supplements, confidential), its details,
    its builds and its problems. Only officers: a pack holds other people's papers, the
    confidential pack every exempt one, and nothing in a meeting's pages is for an author beyond
    their own items."""
    return reader.officer


def may_change_agenda(reader: Reader) -> bool:
    """Whether a reader may start a meeting, change its details or agenda, build it or read the
    audit log. Only officers; an author may only upload the paper of an item of theirs."""
    return reader.officer


def of_item(item: Item) -> Audience:
    """The audience of what is made from the item's papers on their own (its Word files and PDFs)."""
    return RESTRICTED if item.exempt else PUBLIC


def screen_name(item: Item, doc: Document) -> str:
    """How progress lines name a document: an exempt one by its item alone, never its file or title,
    since a build's output is read by people who may see only what is public."""
    if of_item(item) == PUBLIC:
        return doc.source.name
    return f"exempt item {item.number}" + (f", {part_of(doc)}" if doc.label else "")


def part_of(doc: Document) -> str:
    """Which of an exempt item's documents this is, in words that give nothing of it away: its
    paper, or its appendix by a label such as "Appendix B" (a label of the author's own may say more)."""
    if not doc.label:
        return "its paper"
    return doc.label if re.fullmatch(r"Appendix [A-Z]+", doc.label) else "an appendix"


def exempt_mark(paragraph: int) -> str:
    """The Marked column of an exempt item in a public pack; with House.exempt_marked "short", the
    line printed under the item instead."""
    return f"Exempt – paragraph {paragraph} of {ACT}"


def exempt_short(paragraph: int) -> str:
    """The Marked column of an exempt item in a public pack, with House.exempt_marked "short"."""
    return f"Exempt (para. {paragraph})"


def not_for_publication(paragraph: int) -> str:
    """The line printed under "NOT FOR PUBLICATION" on every page of an exempt paper."""
    return f"by virtue of paragraph {paragraph} of {ACT}"


def exclusion_resolution(items: tuple[Item, ...]) -> dict[str, str]:
    """The resolution to exclude the press and public, printed before the first exempt item."""
    exempt = [item for item in items if item.exempt]
    if not exempt:
        return {}
    paragraphs = sorted({item.exempt for item in items if item.exempt})
    which = " and ".join(str(p) for p in paragraphs)
    return {exempt[0].number: (
        "That under Section 100A(4) of the Local Government Act 1972 the press and public be "
        "excluded from the meeting for the following business on the grounds that it involves the "
        f"likely disclosure of exempt information as defined in paragraph{'s' if len(paragraphs) > 1 else ''} "
        f"{which} of Part 1 of Schedule 12A of the Act.")}
