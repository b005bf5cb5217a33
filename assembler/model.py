"""The small typed objects that flow forward through the pipeline: a meeting, its items, their documents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal["md", "docx", "pdf"]


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Document:
    """One source that becomes pages of the pack: an item's paper or one of its appendices."""

    source: Path
    kind: Kind
    title: str
    label: str = ""  # "Appendix A"; empty for the paper itself
    template: str = ""  # Markdown only: the template it is rendered with
    front_matter: dict[str, Any] = field(default_factory=dict)
    body: str = ""  # Markdown only: the text after the front matter
    body_line: int = 1  # the line of the file on which the body starts, for messages


@dataclass(frozen=True)
class Item:
    number: str
    title: str
    presenter: str = ""
    text: str = ""
    verbal: bool = False
    paper: Document | None = None
    appendices: tuple[Document, ...] = ()
    exempt: int | None = None  # the paragraph of Part 1 of Schedule 12A that keeps the paper private
    public_title: str = ""  # the title the public sees, where the title itself would say too much
    supplement: int | None = None  # the supplementary pack a late paper goes out in
    authors: tuple[str, ...] = ()  # the workspace accounts that write its paper: not used by the build

    @property
    def documents(self) -> tuple[Document, ...]:
        """The paper then its appendices, in pack order."""
        return (self.paper, *self.appendices) if self.paper else ()


@dataclass(frozen=True)
class House:
    """A council's house conventions: the templates' house.yaml, then the meeting's own `house:`.

    The defaults are the conventions the packs have always followed."""

    ranges_include_blank_pages: bool = False  # "(Pages 3 - 8)" counts the item's trailing filler page
    appendices: Literal["new-right-hand-page", "run-on"] = "new-right-hand-page"
    exempt_marked: Literal["full", "short"] = "full"  # the Marked column of an exempt item in public
    contact: Literal["top", "end"] = "end"  # where the front sheet prints the Democratic Services contact


@dataclass(frozen=True)
class Meeting:
    folder: Path
    body: str
    date: datetime.date
    items: tuple[Item, ...]
    templates: Path
    time: str = ""
    venue: str = ""
    organisation: str = ""
    contact: Contact | None = None
    house: House = House()

    @property
    def id(self) -> str:
        # resolved, so that "." names the folder rather than nothing, which would make the output
        # folder itself the build's target
        return self.folder.resolve().name

    @property
    def documents(self) -> list[Document]:
        return [doc for item in self.items for doc in item.documents]
