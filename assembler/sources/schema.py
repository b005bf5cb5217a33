"""What meeting.yaml and each template's front matter may hold: the user-facing contract, in one place."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The most characters a value may hold. A title or a name runs to a few hundred at most; a value of
# tens of thousands is a paste gone wrong, and would make LibreOffice lay out a front sheet of tens
# of pages again and again while the page references settle.
MAX_TEXT = 2000

# The most bytes a meeting.yaml or a Markdown paper may hold: far beyond any real one (an agenda is a
# few thousand bytes; a million is some 300 pages of text), yet read and checked in seconds. A bigger
# file is almost certainly the wrong one, and is not read at all.
MAX_MEETING_BYTES = 100_000
MAX_PAPER_BYTES = 1_000_000

TEXT, DATE, FLAG, WHOLE, LIST, MAPPING, TEXTS, FILE, ACCOUNTS, SUBPARAGRAPHS = (
    "text", "date such as 2026-09-24", "true/false", "whole number from 0 to 32767", "list", "mapping",
    "text or list of text", "file name such as report.md",
    "list of account names such as [jsmith] (letters, digits and . _ - @ +)", "word: lettered or decimal")

CHOICE = "choice"  # one of a field's choices, as written
HOUSE_FILE = "house.yaml"  # the house conventions, in the templates folder

# An account name, as the workspace's accounts are named (Django's usernames): letters, digits and . _ - @ +
ACCOUNT = re.compile(r"[\w.@+-]{1,150}")


EXEMPT_PARAGRAPHS = range(1, 8)  # Part 1 of Schedule 12A has seven paragraphs


def as_date(value: Any) -> datetime.date | None:
    """A date given bare (2026-09-24) or quoted ("2026-09-24"); None for anything else."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def as_text(value: Any) -> str:
    """A value printed as text: "" for none, else as written, without surrounding spaces."""
    return "" if value is None else str(value).strip()


def as_accounts(value: Any) -> tuple[str, ...]:
    """A list of account names as a tuple; () for anything else."""
    return tuple(str(name) for name in value) if isinstance(value, list) else ()


def exempt_paragraph(value: Any) -> int | None:
    """The paragraph of Part 1 of Schedule 12A, given as a number or as text such as "3"; None if it is none."""
    text = as_text(value)
    return int(text) if text.isascii() and text.isdigit() and int(text) in EXEMPT_PARAGRAPHS else None  # not "³"


def as_whole(value: Any) -> int | None:
    """A whole number; None for anything else (true and false are numbers to Python, not to YAML)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# How each kind of value is read once checked. Every value is converted, accepted or not: a value
# that is not accepted has been reported already, and the follow-on checks see what they always saw.
CONVERTERS: dict[str, Callable[[Any], Any]] = {TEXT: as_text, DATE: as_date, FLAG: bool, WHOLE: as_whole,
                                                FILE: as_text, ACCOUNTS: as_accounts, CHOICE: as_text}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = TEXT
    required: bool = False
    help: str = ""
    entries: tuple[Field, ...] = ()  # for a mapping, or a list of mappings
    choices: tuple[str, ...] = ()  # for a choice

    @property
    def expected(self) -> str:
        """What a value of the field should be, as a message says it."""
        if self.kind == CHOICE:
            return " or ".join(f"'{choice}'" for choice in self.choices)
        return ("an " if self.kind[0] in "aeiou" else "a ") + self.kind

    def accepts(self, value: Any) -> bool:
        if self.kind == CHOICE:
            return value in self.choices
        if self.kind == TEXT:
            return isinstance(value, (str, int, float)) and not isinstance(value, bool)
        if self.kind == DATE:
            return as_date(value) is not None
        if self.kind == FLAG:
            return isinstance(value, bool)
        if self.kind == FILE:  # 5 or 1.5 read as numbers would name no file, and be passed over
            return isinstance(value, str)
        if self.kind == WHOLE:  # a number to start a list from: Word's lists count no further
            return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 32767
        if self.kind == LIST:
            return isinstance(value, list)
        if self.kind == SUBPARAGRAPHS:
            return value in ("lettered", "decimal")
        if self.kind == ACCOUNTS:
            return isinstance(value, list) and all(isinstance(v, str) and ACCOUNT.fullmatch(v) for v in value)
        if self.kind == MAPPING:
            return isinstance(value, dict)
        return isinstance(value, (str, list))  # TEXTS

    def convert(self, value: Any) -> Any:
        """The value as the build uses it: text, a date, true/false, a number; lists and mappings as given."""
        return CONVERTERS.get(self.kind, _as_given)(value)


def _as_given(value: Any) -> Any:
    return value


def converted(data: Mapping[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Each field's value in data, converted as its kind says: what the loader builds a meeting from."""
    return {f.name: f.convert(data.get(f.name)) for f in fields}


PERSON = (Field("name", required=True), Field("role"), Field("phone"), Field("email"))
APPENDIX = (
    Field("title", required=True, help="the appendix's title"),
    Field("file", FILE, required=True, help="a .md, .docx or .pdf file in the meeting folder"),
    Field("label", help='e.g. "Appendix 1"; default Appendix A, B, C…'),
)

CONTACT = (Field("name", required=True), Field("phone"), Field("email"))
# The house conventions: every key optional, the defaults (model.House) being what packs have always done.
HOUSE = (
    Field("ranges_include_blank_pages", FLAG, help="true: a page range counts the blank page after the item"),
    Field("appendices", CHOICE, choices=("new-right-hand-page", "run-on"),
          help="new-right-hand-page (default) or run-on: straight after the report"),
    Field("exempt_marked", CHOICE, choices=("full", "short"),
          help='full (default) or short: "Exempt (para. 3)", the wording under the item'),
    Field("contact", CHOICE, choices=("top", "end"), help="where the front sheet prints it: end (default) or top"),
)
MEETING = (
    Field("body", required=True, help="the committee, e.g. Northshire Safer Communities Strategy Board"),
    Field("date", DATE, required=True, help="the meeting date, e.g. 2026-09-24"),
    Field("time", help='printed as given, e.g. "10.00 am"'),
    Field("venue"),
    Field("organisation", help="printed on the front sheet and as the PDF's author"),
    Field("contact", MAPPING, help="the Democratic Services contact", entries=CONTACT),
    Field("templates", help="a folder of this board's own templates, relative to the meeting folder"),
    Field("house", MAPPING, help=f"house conventions, over the templates' {HOUSE_FILE}: see docs/templates.md",
          entries=HOUSE),
    Field("items", LIST, required=True, help="the agenda, in order"),
)

ITEM = (
    Field("title", required=True),
    Field("number", TEXT, help="default: 1, 2, 3… in order"),
    Field("presenter", help="printed under the title"),
    Field("text", help="printed under the title, e.g. the date of the next meeting"),
    Field("paper", FILE, help="a .md, .docx or .pdf file in the meeting folder"),
    Field("verbal", FLAG, help='"Verbal report" in the Marked column'),
    Field("appendices", LIST, help="for a .docx or .pdf paper", entries=APPENDIX),
    Field("exempt", TEXT, help="1 to 7: the paragraph of Part 1 of Schedule 12A to the Local Government "
                               "Act 1972 that keeps the paper out of the public pack"),
    Field("public_title", help="with exempt: the title printed in public (default: the title)"),
    Field("supplement", WHOLE, help="1, 2…: a late paper, sent out in that supplementary pack"),
    Field("authors", ACCOUNTS, help="the workspace accounts that write its paper; the build ignores it"),
)

NUMBERING = (
    Field("numbered", FLAG, help="number the body paragraphs 1., 2., 3… (default true)"),
    Field("number_from", WHOLE, help="the first paragraph number (default 1)"),
    Field("subparagraphs", SUBPARAGRAPHS, help="a list under a numbered paragraph: lettered (a), (b) "
                                               "(the default) or decimal 7.1, 7.2"),
)

TEMPLATE = Field("template", help="the template to render with, as 'assembler templates' lists them")
OFFICERS = Field("officers", LIST, help="printed as Officer to Contact, or Officers for several", entries=PERSON)
APPENDICES = Field("appendices", LIST, help="the paper's appendices, in order", entries=APPENDIX)
BACKGROUND_PAPERS = Field("background_papers", TEXTS, help='printed as "None" when absent')
ORIENTATION = Field("orientation", help='"landscape" for landscape pages throughout (default portrait; '
                                        "a table too wide for portrait pages gets landscape pages of its own)")

TEMPLATES: dict[str, tuple[Field, ...]] = {
    "report": (
        TEMPLATE,
        Field("title", required=True),
        Field("report_of", help='e.g. "the Director of Children and Family Services"'),
        OFFICERS, APPENDICES, BACKGROUND_PAPERS, *NUMBERING, ORIENTATION,
    ),
    "cabinet-report": (
        TEMPLATE,
        Field("title", required=True),
        Field("report_of", required=True, help='printed as "REPORT OF …", e.g. "the Director of …"'),
        OFFICERS, APPENDICES, BACKGROUND_PAPERS, *NUMBERING, ORIENTATION,
    ),
    "appendix": (
        TEMPLATE,
        Field("title", help="default: the title the report gives the appendix"),
        Field("numbered", FLAG, help="number the body paragraphs (default false)"),
        Field("number_from", WHOLE),
        ORIENTATION,
    ),
    "minutes": (
        TEMPLATE,
        Field("title", required=True, help="Minutes of a meeting of … held at … on …"),
        Field("date", DATE, required=True),
        Field("time", help='start and end, e.g. "10.00 - 11.25 am"'),
        Field("venue"),
        Field("chair"),
        Field("present", LIST, entries=(Field("name", required=True), Field("role"))),
        Field("officers", LIST, entries=(Field("name", required=True), Field("organisation"))),
        Field("apologies", LIST, entries=(Field("name", required=True), Field("role"))),
        Field("first_minute", WHOLE, help="the number of the first minute (default 1)"),
    ),
}

PURPOSES = {
    "report": "a report to a board: its name and date, the title, the body, Officers to Contact, "
              "Appendices, Background Papers",
    "cabinet-report": "a Cabinet report: REPORT OF …, PART A, then PART B from a '# PART B' heading",
    "minutes": "the minutes of a previous meeting: every '## heading' a numbered minute",
    "appendix": "an appendix written in Markdown, headed 'Appendix A – title'",
    "agenda": "the front sheet; it reads meeting.yaml, not front matter",
}
