"""Partners' Word files made safe to lay out: nothing in them reaches outside the document.

A .docx can link to a picture, a template or an object kept elsewhere (a relationship whose
TargetMode is External). LibreOffice would fetch it while laying the document out: over the
network, so that the partner's server hears of every build and two builds of the same sources
can differ, or from this machine's own files. The build's copy of the document has each such link
pointed at nothing, and what it linked to is left out, with a warning. The same copy has the
names of the people who wrote it taken out of its properties. Hyperlinks, which a reader
follows and the build never does, are kept.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from assembler.errors import AssemblerError
from assembler.sources.documents import NOT_WORD
from assembler.sources.hidden import DAMAGED, unnamed_parts

NOWHERE = "#"  # a target inside the document itself: there is nothing to fetch
SHOWN = 100  # characters of a link's target put in a message
KINDS = {"image": "an image", "attachedTemplate": "a template", "oleObject": "an object",
         "subDocument": "another document", "frame": "a web page"}
PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class Link:
    """A link from a Word file to something outside it, which the build does not fetch."""

    kind: str  # what it links to, in words: "an image"
    target: str

    def __str__(self) -> str:
        target = "".join(c if c.isprintable() else "?" for c in self.target)  # one line, whatever it holds
        target = target if len(target) <= SHOWN else target[:SHOWN - 1] + "…"
        return f"links to {self.kind} at {target}"


def _root(data: bytes) -> etree._Element | None:
    """A relationships part as XML, read as far as it can be; None if none of it can."""
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError:  # nothing at all to read, which recovering does not help
        return None


def _outside(root: etree._Element | None) -> list[etree._Element]:
    """A part's relationships that reach outside the document. What cannot be read at all, LibreOffice
    cannot follow either."""
    return [] if root is None else [r for r in root if r.get("TargetMode") == "External"
                                    and not r.get("Type", "").endswith("/hyperlink")]


def _parts(archive: zipfile.ZipFile) -> set[str]:
    return {name for name in archive.namelist() if name.endswith(".rels")}


def outside_links(docx: Path) -> list[Link]:
    """The links from a Word file to pictures, templates and objects outside it."""
    with zipfile.ZipFile(docx) as archive:
        return [Link(KINDS.get(r.get("Type", "").rpartition("/")[2], "a file"), r.get("Target", ""))
                for name in sorted(_parts(archive)) for r in _outside(_root(archive.read(name)))]


def copy_for_layout(source: Path, out: Path) -> None:
    """The build's copy of a partner's Word file, which LibreOffice lays out and papers/ publishes:
    each of its links to outside it pointed at nothing, and the names of the people who wrote it
    taken out of its properties (hidden.py)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as archive:
        linking = {name: _unlinked for name in _parts(archive) if _outside(_root(archive.read(name)))}
    changes = linking | unnamed_parts(source)
    if not changes:
        shutil.copyfile(source, out)
        return
    try:
        with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as copy:
            for info in original.infolist():
                data = original.read(info)
                change = changes.get(info.filename)
                copy.writestr(info, change(data) if change else data)
    except DAMAGED:
        raise AssemblerError(f"{NOT_WORD}; open it in Word and save it again, or ask its author for a new copy",
                             source) from None


def _unlinked(data: bytes) -> bytes:
    root = _root(data)
    found = _outside(root)
    if root is None or not found:
        return data
    for relationship in found:
        relationship.set("Target", NOWHERE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
