"""What authors forget their documents hold: a look inside partners' files before they are published.

A Word file can carry text nobody sees on screen (tracked changes, comments, hidden text), whole
files embedded in it (a chart's spreadsheet, say), and the names of the people who wrote it in its
properties. Councils have been reprimanded for publishing such things. The parts of the .docx are
read as XML here, without LibreOffice, once documents.zip_problem has found them small enough.
"""

from __future__ import annotations

import functools
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Entities are not expanded and nothing is fetched: the file is someone else's.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
STORIES = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")  # the parts with text
TRACKED = {W + name for name in ("ins", "del", "moveFrom", "moveTo", "cellIns", "cellDel", "cellMerge",
                                 "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange",
                                 "tcPrChange", "tblGridChange", "numberingChange")}
OFF = {"0", "false", "off"}
# The properties that name people, by part and element, with what to call each in a message.
PEOPLE = {"docProps/core.xml": {"{http://purl.org/dc/elements/1.1/}creator": "author",
                                "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
                                "lastModifiedBy": "last saved by"},
          "docProps/app.xml": {"{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
                               "Company": "company",
                               "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
                               "Manager": "manager"}}


@dataclass(frozen=True)
class Finding:
    """Something a reader of the published file would see that its author did not mean to show."""

    what: str  # "tracked changes"
    fix: str  # what to do in Word
    plural: bool = True


CHANGES = Finding("tracked changes", "accept or reject them in Word")
COMMENTS = Finding("comments", "delete them in Word")
HIDDEN_TEXT = Finding("hidden text", "delete it, or make it visible, in Word", plural=False)
EMBEDDED = Finding("embedded files", "delete them, or paste charts as pictures, in Word")


@dataclass(frozen=True)
class Hidden:
    """What a Word file holds out of sight; people: which of its properties name someone."""

    findings: tuple[Finding, ...] = ()
    people: tuple[str, ...] = ()


DAMAGED = (KeyError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError)  # what reading a part may raise


def _xml(parts: zipfile.ZipFile, name: str) -> etree._Element | None:
    """A part of the file as XML; None if it is missing or damaged (python-docx has read those it needs)."""
    try:
        return etree.fromstring(parts.read(name), PARSER)
    except (*DAMAGED, etree.XMLSyntaxError):
        return None


def _hidden_run(run: etree._Element) -> bool:
    """A run of text set as hidden (w:vanish), which Word shows only with formatting marks on."""
    vanish = run.find(f"{W}rPr/{W}vanish")
    return (vanish is not None and vanish.get(f"{W}val", "true") not in OFF
            and any((t.text or "").strip() for t in run.iter(f"{W}t", f"{W}delText")))


def _story_findings(story: etree._Element) -> set[Finding]:
    found = set()
    for element in story.iter():
        if element.tag in TRACKED:
            found.add(CHANGES)
        elif element.tag in (f"{W}commentReference", f"{W}commentRangeStart"):
            found.add(COMMENTS)
        elif element.tag == f"{W}altChunk":
            found.add(EMBEDDED)
        elif element.tag == f"{W}r" and _hidden_run(element):
            found.add(HIDDEN_TEXT)
    return found


def _people(parts: zipfile.ZipFile) -> tuple[str, ...]:
    named = []
    for part, fields in PEOPLE.items():
        root = _xml(parts, part)
        if root is not None:
            named += [label for tag, label in fields.items()
                      if any((e.text or "").strip() for e in root.iter(tag))]
    return tuple(named)


def word_hidden(path: Path) -> Hidden:
    """What the .docx holds out of sight. Its size must have been checked (documents.zip_problem)."""
    with zipfile.ZipFile(path) as parts:
        names = parts.namelist()
        found: set[Finding] = set()
        for name in filter(STORIES.fullmatch, names):
            story = _xml(parts, name)
            found |= _story_findings(story) if story is not None else set()
        comments = _xml(parts, "word/comments.xml")
        if comments is not None and comments.find(f"{W}comment") is not None:
            found.add(COMMENTS)
        if any(name.startswith("word/embeddings/") for name in names):
            found.add(EMBEDDED)
        order = (CHANGES, COMMENTS, HIDDEN_TEXT, EMBEDDED)
        return Hidden(tuple(f for f in order if f in found), _people(parts))


def _unnamed(data: bytes, fields: dict[str, str]) -> bytes:
    """A properties part with the people's names taken out."""
    root = etree.fromstring(data, PARSER)
    for element in (e for tag in fields for e in root.iter(tag)):
        element.text = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def unnamed_parts(source: Path) -> dict[str, Callable[[bytes], bytes]]:
    """How to take the names of the people who wrote a .docx out of its properties, part by part
    (sanitise.copy_for_layout makes the copy): none if no property names anyone."""
    with zipfile.ZipFile(source) as parts:  # the properties alone: the stories were read when it was checked
        named = _people(parts)
    if not named:
        return {}
    return {part: functools.partial(_unnamed, fields=fields) for part, fields in PEOPLE.items()}
