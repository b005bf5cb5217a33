"""The one way from a source value to a file name: item numbers, appendix labels and meeting ids.

Each of these names a file or folder of the output, so each is checked when the sources are read:
a value that could hold a separator, a '..' or a name that another value also maps to would
write a paper where it does not belong, or over another one.
"""

from __future__ import annotations

import re

from assembler.model import Document, Item

# Letters and digits, with dots between them: 4, 4a, 10.1, A1. No '-', which the file names use
# to join the number to the title: '10-a' titled 'b' would be named as '10' titled 'a b'.
NUMBER = re.compile(r"[A-Za-z0-9]+(\.[A-Za-z0-9]+)*")
NUMBER_RULE = "up to 12 letters and digits, with dots between them, such as 4, 4a or 10.1"
MEETING_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MEETING_ID_RULE = "up to 100 letters, digits, '-', '_' and '.', starting with a letter or digit"


def number_ok(number: str) -> bool:
    """Whether an item number is safe as part of a file name: NUMBER_RULE."""
    return len(number) <= 12 and bool(NUMBER.fullmatch(number))


def number_key(number: str) -> str:
    """An item number as the reader takes it: '02' is '2', and 'A1' is 'a1' (and one file name)."""
    return re.sub(r"\d+", lambda digits: str(int(digits[0])), number.casefold())


def meeting_id_ok(name: str) -> bool:
    """Whether a meeting folder's name is safe as the name of its output folder: MEETING_ID_RULE."""
    return len(name) <= 100 and bool(MEETING_ID.fullmatch(name)) and ".." not in name


def slug(text: str) -> str:
    """Text as part of a file name: lower-case letters and digits joined by '-', never empty."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48].rstrip("-") or "item"


def output_stem(item: Item, doc: Document) -> str:
    """papers/05-anti-social-behaviour-update, …-appendix-a: sorted names in agenda order.

    Distinct for every document of a meeting that loaded: numbers differ as number_key does,
    and the appendices of one paper differ in slug(label).
    """
    stem = f"{item.number.zfill(2)}-{slug(named_title(item.title, item.public_title, item.exempt))}"
    return f"{stem}-{slug(doc.label)}" if doc.label else stem


def named_title(title: str, public_title: str, exempt: object) -> str:
    """The title an item's files are named by: for an exempt item, the title the public sees. A
    file's name travels further than its content (addresses, logs, the audit log), and an exempt
    item's real title may say too much."""
    return public_title or title if exempt else title
