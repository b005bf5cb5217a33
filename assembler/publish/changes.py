"""What changed between two published versions of a meeting's packs, told from their manifests.

Pure: it reads only the public manifests of each version (manifest.json and each supplement's), so
it can say nothing of an exempt paper, which no public manifest describes. Councillors read the
note it makes (CHANGES.txt, and the agenda web page) instead of comparing two packs page by page.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assembler.publish.web import CHANGES

MAIN = "manifest.json"  # the main public pack's manifest; supplements' are supplement-<N>-manifest.json

Manifest = dict[str, Any]
Manifests = Mapping[str, Manifest]  # a version's public manifests, by file name


@dataclass(frozen=True)
class Listed:
    """An item as the public agenda lists it."""

    number: str
    title: str


@dataclass(frozen=True)
class Retitled:
    number: str
    was: str
    now: str


@dataclass(frozen=True)
class Paper:
    """A paper or appendix of an item that was replaced, added or taken away."""

    item: Listed
    document: str  # "the paper", or its label, such as "Appendix A"
    how: str  # "replaced", "added" or "removed"


@dataclass(frozen=True)
class Moved:
    """An item whose page reference in a pack changed."""

    number: str
    pack: str  # "" for the main agenda pack, else such as "Supplementary agenda 1"
    was: tuple[int, int]
    now: tuple[int, int]


@dataclass(frozen=True)
class Changes:
    added: tuple[Listed, ...] = ()
    removed: tuple[Listed, ...] = ()
    retitled: tuple[Retitled, ...] = ()
    papers: tuple[Paper, ...] = ()
    supplements: tuple[int, ...] = ()  # supplementary packs published for the first time
    moved: tuple[Moved, ...] = ()

    def lines(self) -> list[str]:
        """Each change as a sentence for councillors, in the order they would look for them."""
        return [*(f"{_named(i)}: added to the agenda." for i in self.added),
                *(f"{_named(i)}: taken off the agenda." for i in self.removed),
                *(f"Item {r.number}: its title changed from “{r.was}” to “{r.now}”." for r in self.retitled),
                *(f"{_named(p.item)}: {p.document} {HOW[p.how]}." for p in self.papers),
                *(f"Supplementary agenda {n}: published." for n in self.supplements),
                *(f"Item {m.number}: {'page' if _one(m.was) else 'pages'} {_pages(m.was)} → {_pages(m.now)}"
                  + (f" in {m.pack}." if m.pack else ".") for m in self.moved)]


HOW = {"replaced": "has been replaced by a new version", "added": "has been added", "removed": "has been taken out"}


def _named(item: Listed) -> str:
    return f"Item {item.number}, {item.title.rstrip('.')}"  # agenda titles often end in a full stop


def _one(pages: tuple[int, int]) -> bool:
    return pages[0] == pages[1]


def _pages(pages: tuple[int, int]) -> str:
    """As the front sheet gives a reference: "9" or "9 - 12"."""
    return str(pages[0]) if _one(pages) else f"{pages[0]} - {pages[1]}"


def changes(old: Manifests, new: Manifests) -> Changes:
    """What changed from the version whose public manifests are old to the one whose are new."""
    was, now = _items(old[MAIN]), _items(new[MAIN])
    kept = [number for number in now if number in was]
    return Changes(
        added=tuple(_listed(now[n]) for n in now if n not in was),
        removed=tuple(_listed(was[n]) for n in was if n not in now),
        retitled=tuple(Retitled(n, was[n]["title"], now[n]["title"]) for n in kept
                       if was[n]["title"] != now[n]["title"]),
        papers=tuple(paper for n in kept for paper in _papers(_listed(now[n]), _documents(old, n),
                                                              _documents(new, n))),
        supplements=tuple(sorted(_supplements(new) - _supplements(old))),
        moved=tuple(move for name, manifest in new.items() if name in old
                    for move in _moved(old[name], manifest)))


def _items(manifest: Manifest) -> dict[str, Manifest]:
    return {item["number"]: item for item in manifest["items"]}


def _listed(item: Manifest) -> Listed:
    return Listed(item["number"], item["title"])


def _documents(manifests: Manifests, number: str) -> dict[str, str]:
    """An item's papers in any of a version's packs: "the paper" or its label → its source's sha256.

    An item to follow in a supplement has its paper in the supplement's pack, not the main one."""
    found = {}
    for manifest in manifests.values():
        for item in manifest["items"]:
            if item["number"] == number and item.get("paper"):
                found["the paper"] = item["paper"]["sha256"]
                found |= {doc["label"]: doc["sha256"] for doc in item.get("appendices", [])}
    return found


def _papers(item: Listed, was: dict[str, str], now: dict[str, str]) -> list[Paper]:
    return ([Paper(item, name, "replaced") for name in now if name in was and was[name] != now[name]]
            + [Paper(item, name, "added") for name in now if name not in was]
            + [Paper(item, name, "removed") for name in was if name not in now])


def _supplements(manifests: Manifests) -> set[int]:
    return {m["supplement"] for m in manifests.values() if m.get("supplement") is not None}


def _moved(old: Manifest, new: Manifest) -> list[Moved]:
    pack = f"Supplementary agenda {new['supplement']}" if new.get("supplement") is not None else ""
    was = _items(old)
    return [Moved(item["number"], pack, _range(was[item["number"]]), _range(item))
            for item in new["items"] if item["number"] in was and item.get("first_page")
            and was[item["number"]].get("first_page") and _range(was[item["number"]]) != _range(item)]


def _range(item: Manifest) -> tuple[int, int]:
    return item["first_page"], item["last_page"]


@dataclass(frozen=True)
class Note:
    """The change note of one published version."""

    version: int
    published: datetime.datetime
    changes: Changes | None  # None for the first version

    @property
    def heading(self) -> str:
        return f"Changes since version {self.version - 1}" if self.changes is not None else f"Version {self.version}"

    @property
    def dateline(self) -> str:
        when = self.published
        return f"Version {self.version}, published {when.day} {when:%B %Y %H:%M}."

    def lines(self) -> list[str]:
        if self.changes is None:
            return ["First published version."]
        # the manifests the same, yet the files not: made again by a new version of assembler or a template
        return self.changes.lines() or ["No item, paper or page number changed; the documents were made again."]

    def text(self) -> str:
        """CHANGES.txt: plain words, one change a line."""
        if self.changes is None:
            return f"{self.dateline}\n{self.lines()[0]}\n"
        return f"{self.dateline}\n{self.heading}:\n" + "".join(f"- {line}\n" for line in self.lines())

    def html(self) -> str:
        """The note as a section of the agenda's web page, every value escaped."""
        if self.changes is None:
            body = f"<p>{html.escape(self.lines()[0])}</p>"
        else:
            body = "<ul>\n" + "".join(f"<li>{html.escape(line)}</li>\n" for line in self.lines()) + "</ul>"
        return (f'<section class="changes" aria-labelledby="changes">\n<h2 id="changes">{html.escape(self.heading)}'
                f"</h2>\n<p>{html.escape(self.dateline)}</p>\n{body}\n</section>\n")


def with_note(page: str, note: Note) -> str:
    """The agenda's web page with the note at its marker, or else after its first heading."""
    if CHANGES in page:
        return page.replace(CHANGES, note.html(), 1)
    head, found, rest = page.partition("</h1>")
    return f"{head}{found}\n{note.html()}{rest}" if found else page
