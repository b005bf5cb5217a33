"""The audience rule, listed whole: who may read what is made from each paper, where it goes, and
whether it may be kept in the cache. Every stage asks assembler.audience; these are its answers."""

from __future__ import annotations

import datetime
from pathlib import Path

from assembler.audience import (
    PUBLIC,
    RESTRICTED,
    Reader,
    may_change_agenda,
    may_read_item,
    may_read_packs,
    of_item,
    screen_name,
)
from assembler.model import Document, Item, Meeting
from assembler.plan.packs import packs


def paper(name: str, label: str = "") -> Document:
    return Document(Path("/m") / name, "pdf", name, label)


PUBLIC_ITEM = Item("1", "Policy", paper=paper("policy.pdf"))
EXEMPT_ITEM = Item("2", "Smith contract", paper=paper("smith.pdf"), appendices=(paper("prices.pdf", "Appendix A"),),
                   exempt=3, public_title="A contract")
LATE_ITEM = Item("3", "Late report", paper=paper("late.pdf"), supplement=1)
LATE_EXEMPT_ITEM = Item("4", "Jones case", paper=paper("jones.pdf"), exempt=1, public_title="A case", supplement=1)
MEETING = Meeting(Path("/m"), "Board", datetime.date(2026, 9, 24),
                  (PUBLIC_ITEM, EXEMPT_ITEM, LATE_ITEM, LATE_EXEMPT_ITEM), Path("/templates"))


def test_what_is_made_from_each_paper_and_where_it_goes():
    rule = {item.number: (of_item(item), str(of_item(item).folder), of_item(item).cacheable,
                          [screen_name(item, doc) for doc in item.documents])
            for item in MEETING.items}
    assert rule == {
        "1": (PUBLIC, ".", True, ["policy.pdf"]),
        "2": (RESTRICTED, "confidential", False, ["exempt item 2", "exempt item 2, Appendix A"]),
        "3": (PUBLIC, ".", True, ["late.pdf"]),
        "4": (RESTRICTED, "confidential", False, ["exempt item 4"]),
    }


def test_who_sees_an_items_papers_title_and_text():
    assert [(audience.restricted, item.number, audience.sees(item))
            for audience in (PUBLIC, RESTRICTED) for item in MEETING.items] == [
        (False, "1", True), (False, "2", False), (False, "3", True), (False, "4", False),
        (True, "1", True), (True, "2", True), (True, "3", True), (True, "4", True)]


def test_every_pack_its_audience_folder_and_the_papers_it_holds():
    made = [(pack.name, pack.audience, str(pack.pdf),
             {item.number: (item.title, len(item.documents)) for item in pack.meeting.items})
            for pack in packs(MEETING)]
    assert made == [
        ("agenda-pack", PUBLIC, "agenda-pack.pdf",
         {"1": ("Policy", 1), "2": ("A contract", 0), "3": ("Late report", 0), "4": ("A case", 0)}),
        ("confidential-pack", RESTRICTED, "confidential/confidential-pack.pdf",
         {"1": ("Policy", 1), "2": ("Smith contract", 2), "3": ("Late report", 0), "4": ("Jones case", 0)}),
        ("supplement-1-pack", PUBLIC, "supplement-1-pack.pdf",
         {"3": ("Late report", 1), "4": ("A case", 0)}),
        ("supplement-1-pack", RESTRICTED, "confidential/supplement-1-pack.pdf",
         {"3": ("Late report", 1), "4": ("Jones case", 1)}),
    ]


OFFICER = Reader("clerk", officer=True)
AUTHOR = Reader("jsmith", officer=False)
OTHER_AUTHOR = Reader("apatel", officer=False)


def test_who_in_the_workspace_sees_which_item():
    """Officers see every item; an author only those naming them, exempt or not."""
    assigned = {"public, jsmith's": ("jsmith",), "exempt, jsmith's": ("jsmith", "apatel"),
                "exempt, nobody's": (), "public, apatel's": ("apatel",)}
    seen = {reader.name: sorted(item for item, authors in assigned.items() if may_read_item(reader, authors))
            for reader in (OFFICER, AUTHOR, OTHER_AUTHOR)}
    assert seen == {
        "clerk": ["exempt, jsmith's", "exempt, nobody's", "public, apatel's", "public, jsmith's"],
        "jsmith": ["exempt, jsmith's", "public, jsmith's"],
        "apatel": ["exempt, jsmith's", "public, apatel's"],
    }


def test_only_officers_open_packs_and_change_meetings():
    """Packs (the confidential pack above all) and every change but an author's own upload are officers'."""
    assert [(reader.name, may_read_packs(reader), may_change_agenda(reader))
            for reader in (OFFICER, AUTHOR)] == [("clerk", True, True), ("jsmith", False, False)]
    # an author's name in `authors:` is not an officer's role, and a name is matched whole
    assert not may_read_item(Reader("jsmit", officer=False), ("jsmith",))
