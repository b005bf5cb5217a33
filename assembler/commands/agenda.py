"""A meeting's agenda read and edited as the workspace does: meeting.yaml, one change at a time.

Each edit is checked against the version of meeting.yaml the user saw, under a lock, so that two
people saving the same meeting cannot lose each other's work: the later save is refused. An edit
changes meeting.yaml by ruamel.yaml's round trip, as `assembler new paper` does, and keeps the
user's own lines everywhere outside what it changed: comments, spacing and quotes.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import fcntl
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from assembler.errors import AssemblerError, Problem
from assembler.names import MEETING_ID_RULE, NUMBER_RULE, meeting_id_ok, number_ok, slug
from assembler.sources.load import (
    Checker,
    check_fields,
    load_yaml,
    parse_yaml,
    split_front_matter,
    within,
    yaml_reader,
)
from assembler.sources.schema import (
    ACCOUNT,
    APPENDIX,
    ITEM,
    MAX_MEETING_BYTES,
    MEETING,
    as_date,
    as_text,
    as_whole,
    exempt_paragraph,
)

from .scaffold import (
    EDIT,
    insert_entry,
    last_comment,
    list_indents,
    new_meeting,
    plain_data,
    read_yaml,
    text_lines,
    title_from,
    yaml_styled,
)

LOCK = ".meeting.yaml.lock"  # beside meeting.yaml: the lock every save holds while it checks and writes
Role = Literal["paper", "appendix"]
CONTACT_FIELDS = {"contact_name": "name", "contact_phone": "phone", "contact_email": "email"}
DETAILS = ("body", "date", "time", "venue", "organisation", *CONTACT_FIELDS)
ITEM_FIELDS = ("title", "number", "presenter", "text", "paper", "verbal", "exempt", "public_title",
               "supplement", "authors")
ORDER = [f.name for f in ITEM]  # an item's keys are written in the schema's order


class StaleAgenda(AssemblerError):
    """meeting.yaml changed since the user opened it: their save would overwrite someone's work."""

    def __init__(self, path: Path):
        super().__init__("Someone else saved this meeting since you opened it; your changes have not "
                         "been saved. Open the meeting again to see what changed, then make your "
                         "changes again", path)


class BadValue(AssemblerError):
    """A value from a form that will not do: the message names the item and the field, and `field`
    says which, so the web can show it against that field."""

    def __init__(self, what: str, field: str, advice: str, path: Path | None = None, key: str = ""):
        super().__init__(f"{what}: {key or field}: {advice}", path)  # the key as meeting.yaml names it
        self.field = field


@dataclass(frozen=True)
class Details:
    body: str = ""
    date: str = ""
    time: str = ""
    venue: str = ""
    organisation: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class Entry:
    """One item of the agenda as meeting.yaml gives it, whether or not the meeting loads."""

    position: int  # 1, 2, 3… in the order of the agenda
    number: str  # as the build numbers it: its own number, or its position
    title: str
    presenter: str = ""
    text: str = ""
    verbal: bool = False
    paper: str = ""
    appendices: tuple[str, ...] = ()
    exempt: int | None = None
    public_title: str = ""
    supplement: int | None = None
    authors: tuple[str, ...] = ()
    line: int = 0  # the line of meeting.yaml where the item starts
    last_line: int = 0  # and its last line, with the comment lines that follow it


@dataclass(frozen=True)
class Agenda:
    folder: Path
    version: str  # the sha256 of meeting.yaml's bytes: what an edit checks it is changing
    details: Details
    items: tuple[Entry, ...]


# Reading


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_agenda(folder: Path) -> Agenda:
    """The agenda as meeting.yaml holds it, even where the meeting would not load: its problems are
    `check`'s to report, beside it."""
    path = folder / "meeting.yaml"
    data = _read_bytes(path)
    text = data.decode("utf-8-sig")
    tree = _read_tree(text, path)
    items = tree.get("items")
    listed = items if isinstance(items, CommentedSeq) else CommentedSeq()
    spans = _spans(tree, listed, len(text.splitlines()))
    return Agenda(folder, version_of(data), _details(tree),
                  tuple(_entry(n, value, *spans[n - 1]) for n, value in enumerate(listed, 1)))


def _spans(tree: CommentedMap, listed: CommentedSeq, total: int) -> list[tuple[int, int]]:
    """Each item's first and last lines (from 1): up to the next item, or the next key of the file."""
    starts = [listed.lc.item(n)[0] for n in range(len(listed))]
    keys = [tree.lc.key(k)[0] for k in tree]
    ends = [*starts[1:], min([k for k in keys if starts and k > starts[-1]], default=total)]
    return [(start + 1, max(start + 1, end)) for start, end in zip(starts, ends)]


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_MEETING_BYTES:  # looked at before reading: a wrong file may be gigabytes
            raise AssemblerError(f"the file is {size:,} bytes long; a meeting.yaml can be "
                                 f"{MAX_MEETING_BYTES:,} bytes at most", path)
        data = path.read_bytes()
        data.decode("utf-8-sig")
    except FileNotFoundError:
        raise AssemblerError("no meeting.yaml in this folder", path.parent) from None
    except UnicodeDecodeError:
        raise AssemblerError("not UTF-8 text; save the file as UTF-8", path) from None
    return data


def _read_tree(text: str, path: Path) -> CommentedMap:
    """meeting.yaml as the checks read it (YAML 1.1), with each value's line; a one-line message,
    the checks' own, if it is not YAML."""
    try:
        tree = yaml_reader().load(text)
    except YAMLError:
        tree = None
    if not isinstance(tree, CommentedMap):
        check = Checker()
        parse_yaml(text, path, check)
        problem = check.problems[0] if check.problems else Problem(path, 1, "not a mapping of 'key: value' lines")
        raise AssemblerError(problem.message, path, problem.line)
    return tree


def _text(value: Any) -> str:
    """A value as the form shows it: a date as 2026-09-24, nothing for a list or mapping."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if isinstance(value, (dict, list, bool)) else as_text(value)


def _details(tree: CommentedMap) -> Details:
    contact = tree.get("contact")
    contact = contact if isinstance(contact, dict) else {}
    return Details(**{name: _text(tree.get(name)) for name in DETAILS if name not in CONTACT_FIELDS},
                   **{name: _text(contact.get(key)) for name, key in CONTACT_FIELDS.items()})


def _entry(n: int, value: Any, line: int, last_line: int) -> Entry:
    item = value if isinstance(value, dict) else {"title": value}
    appendices = item.get("appendices")
    authors = item.get("authors")
    supplement = as_whole(item.get("supplement"))
    return Entry(
        position=n, number=as_text(item.get("number", n)), title=_text(item.get("title")),
        presenter=_text(item.get("presenter")), text=_text(item.get("text")), verbal=item.get("verbal") is True,
        paper=_file(item.get("paper")),
        appendices=tuple(_file(a.get("file")) for a in appendices if isinstance(a, dict))
        if isinstance(appendices, list) else (),
        exempt=exempt_paragraph(item.get("exempt")), public_title=_text(item.get("public_title")),
        supplement=supplement if supplement and supplement >= 1 else None,
        authors=tuple(str(a) for a in authors) if isinstance(authors, list) else (), line=line, last_line=last_line)


def _file(value: Any) -> str:
    return value if isinstance(value, str) else ""


# Problems against the items they concern


def problems_by_item(agenda: Agenda, problems: list[Problem]) -> dict[int | None, list[Problem]]:
    """Each problem under the position of the item it concerns: by the file it names (the item's
    paper or appendices, or a file inside them), or by its line of meeting.yaml; None for the rest."""
    if not problems:  # a meeting ready to build: no need to read every paper's front matter
        return {}
    meeting = (agenda.folder / "meeting.yaml").resolve()
    files = {entry.position: _item_files(agenda.folder, entry) for entry in agenda.items}
    found: dict[int | None, list[Problem]] = {}
    for problem in problems:
        path = problem.path.resolve() if problem.path else None
        if path == meeting:
            at = next((entry.position for entry in agenda.items
                       if problem.line and entry.line <= problem.line <= entry.last_line), None)
        else:
            at = next((n for n, named in files.items()
                       if path and any(path == f or f in path.parents for f in named)), None)
        found.setdefault(at, []).append(problem)
    return found


def _item_files(folder: Path, entry: Entry) -> list[Path]:
    """The files an item names, resolved: its paper, its appendices, and a Markdown paper's appendices."""
    named = [folder / name for name in (entry.paper, *entry.appendices) if name]
    if entry.paper.lower().endswith(".md"):
        named += [folder / name for name in _front_matter_appendices(folder / entry.paper)]
    return [path.resolve() for path in named]


def _front_matter_appendices(paper: Path) -> list[str]:
    try:
        head, _, _ = split_front_matter(paper.read_text(encoding="utf-8-sig"))
        front = load_yaml(head) if head else None
    except (OSError, UnicodeDecodeError, YAMLError):
        return []  # a paper that cannot be read: its problem names it
    listed = front.get("appendices") if isinstance(front, dict) else None
    return [str(a["file"]) for a in listed or [] if isinstance(a, dict) and isinstance(a.get("file"), str)] \
        if isinstance(listed, list) else []


# Editing: under the lock, against the version the user saw, keeping the user's lines


Place = tuple[str, Any]  # ("key", "venue") or ("item", 0): what an edit touches, to take its new lines


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the meeting's lock file, held while a save checks the version and writes."""
    with open(folder / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


Change = Callable[[CommentedMap, str, Path], tuple[list[Place], list[Place]]]


def _edit(folder: Path, version: str, change: Change) -> None:
    """Apply change to meeting.yaml if it is still the version the user saw. change edits the tree
    and says what it touched, before and after; every other line is written back as it was."""
    path = folder / "meeting.yaml"
    with _locked(folder):
        data = _read_bytes(path)
        if version_of(data) != version:
            raise StaleAgenda(path)
        text = data.decode("utf-8-sig")
        _read_tree(text, path)  # a file that is not YAML: its own message, from the checks
        tree = read_yaml(text, path)
        before = read_yaml(text, path)
        indents = _indents_of(before, text)  # as the file stands: the edit may move or remove the first item
        old, new = change(tree, text, path)
        after = _dumped(tree, indents)
        result = _spliced(text, after, _lines(before, old, text), _lines(read_yaml(after, path), new, after))
        if plain_data(result, path) != plain_data(after, path):
            result = after  # the round trip's own lines, which keep the comments, if splicing lost the meaning
        _check_readable(result, path)
        _write(path, result)


def _indents_of(tree: CommentedMap, text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file indents its items, or as the skeletons write lists."""
    listed = tree.get("items")
    if isinstance(listed, CommentedSeq) and listed and not listed.fa.flow_style():
        return list_indents(listed, tree.lc.key("items")[1], text)
    return 2, 4, 2


def _dumped(tree: CommentedMap, indents: tuple[int, int, int]) -> str:
    editor = yaml_reader(EDIT)
    editor.width = 10_000  # long lines stay long
    editor.indent(*indents)
    written = io.StringIO()
    editor.dump(tree, written)
    return written.getvalue()


def _lines(tree: CommentedMap, places: list[Place], text: str) -> set[int]:
    """The lines (counted from 0) of the places in the text tree was read from."""
    total = len(text.splitlines())
    keys = [tree.lc.key(k)[0] for k in tree]
    lines: set[int] = set()
    for kind, name in places:
        if kind == "key" and name in tree:
            start = tree.lc.key(name)[0]
            lines.update(range(start, min([k for k in keys if k > start], default=total)))
        elif kind == "item":
            listed = tree["items"]
            start = listed.lc.item(name)[0]
            after_items = [k for k in keys if k > start]
            end = listed.lc.item(name + 1)[0] if name + 1 < len(listed) else min(after_items, default=total)
            lines.update(range(start, end))
    return lines


def _spliced(before: str, after: str, old: set[int], new: set[int]) -> str:
    """The round trip's lines (after) where the edit touched them, the user's (before) everywhere else:
    the round trip may respace a line elsewhere ('body:   Board'), which the user wrote so."""
    theirs, ours = text_lines(before), after.splitlines(keepends=True)
    lines: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=theirs, b=ours, autojunk=False).get_opcodes():
        touched = op != "equal" and (not old.isdisjoint(range(i1, i2)) or not new.isdisjoint(range(j1, j2)))
        lines += ours[j1:j2] if touched else theirs[i1:i2]
    return "".join(lines)


def _check_readable(text: str, path: Path) -> None:
    """Refuse an edit that would leave meeting.yaml unreadable to the build: the checks' YAML reading."""
    check = Checker()
    parse_yaml(text, path, check)
    if check.problems:
        raise AssemblerError(f"the change would make the file unreadable ({check.problems[0].message}); "
                             "it was not saved", path)


def _write(path: Path, text: str) -> None:
    """Write the whole file or nothing: a reader sees the old file or the new one, never half of one."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".meeting.yaml.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# Comments after an item: kept in place as the item changes, moves or goes


def _detach_following(node: Any) -> str:
    """The comment lines after a node's last line (not a comment on that line itself), taken off it."""
    return _take_following(*last_comment(node))


def _attach_following(node: Any, lines: str) -> None:
    """Comment lines put after a node's last line, after any it has."""
    _put_following(*last_comment(node), lines)


def _key_end(mapping: CommentedMap, key: Any) -> tuple[Any, Any]:
    """Where the comment after a key's last line is held: in its value, if that is a list or mapping."""
    value = mapping[key]
    return last_comment(value) if isinstance(value, (CommentedMap, CommentedSeq)) and value else (mapping, key)


def _take_following(holder: Any, place: Any) -> str:
    token = holder.ca.items.get(place, [None] * 4)[2] if holder is not None else None
    if token is None or "\n" not in token.value:
        return ""
    cut = token.value.index("\n") + 1
    kept, moved = token.value[:cut], token.value[cut:]
    holder.ca.items[place][2] = CommentToken(kept, token.start_mark) if kept.strip() else None
    return moved


def _put_following(holder: Any, place: Any, lines: str) -> None:
    if not lines or holder is None:
        return
    slot = holder.ca.items.setdefault(place, [None] * 4)
    while len(slot) < 3:
        slot.append(None)
    token = slot[2]
    slot[2] = CommentToken((token.value if token else "\n") + lines, token.start_mark if token else CommentMark(0))


@contextlib.contextmanager
def _comments_kept(node: Any) -> Iterator[None]:
    """The comment lines after a mapping stay after it however its keys change."""
    following = _detach_following(node)
    yield
    _attach_following(node, following)


# The edits


def save_details(folder: Path, version: str, values: Mapping[str, str]) -> None:
    """The meeting's own fields, from a form: body, date, time, venue, organisation, contact_*."""
    _edit(folder, version, lambda tree, text, path: _set_details(tree, path, values))


def _set_details(tree: CommentedMap, path: Path, values: Mapping[str, str]) -> tuple[list[Place], list[Place]]:
    _known(values, DETAILS, "meeting", path)
    touched: list[Place] = []
    for name in DETAILS:
        if name in values and name not in CONTACT_FIELDS:
            value = _detail(name, values[name].strip(), path)
            if _set(tree, name, value, [f.name for f in MEETING]):
                touched.append(("key", name))
    if any(name in values for name in CONTACT_FIELDS) and _set_contact(tree, values, path):
        touched.append(("key", "contact"))
    _valid(tree, MEETING, path, "meeting")
    return touched, touched


def _detail(name: str, value: str, path: Path) -> Any:
    if name == "date":
        date = as_date(value)
        if date is None:
            raise BadValue("meeting", "date", "give the meeting's date as YYYY-MM-DD, such as 2026-09-24", path)
        return date
    if name == "body" and not value:
        raise BadValue("meeting", "body", "give the committee's name", path)
    return yaml_styled(value) if value else None


def _set_contact(tree: CommentedMap, values: Mapping[str, str], path: Path) -> bool:
    old = tree.get("contact")
    contact = old if isinstance(old, CommentedMap) else CommentedMap()
    if old is None:
        contact.fa.set_flow_style()  # one line, as the examples write it
    changed = any([_set(contact, key, yaml_styled(values[name].strip()) if values[name].strip() else None,
                        list(CONTACT_FIELDS.values()))
                   for name, key in CONTACT_FIELDS.items() if name in values])
    if contact and not contact.get("name"):
        raise BadValue("meeting", "contact_name", "give the contact's name, or leave the contact's details empty",
                       path, key="contact")
    if contact and old is not contact:
        _set(tree, "contact", contact, [f.name for f in MEETING])
    elif not contact and old is not None:
        _set(tree, "contact", None, [])
    return changed


def _set(mapping: CommentedMap, key: str, value: Any, order: list[str]) -> bool:
    """Set, replace or (for None) remove a key, placed in the schema's order; whether it changed."""
    if value is None:
        if mapping.get(key) is None:
            return False  # empty already: a skeleton's 'time:' line and its guide stay
        keys = list(mapping)
        following = _take_following(*_key_end(mapping, key))  # the comment lines below it stay
        del mapping[key]
        if keys.index(key):
            _put_following(*_key_end(mapping, keys[keys.index(key) - 1]), following)
        return True
    if key in mapping:
        if _same(mapping[key], value):
            return False  # left as written, quotes and all
        mapping[key] = value
        return True
    rank = order.index(key) if key in order else len(order)
    at = sum(1 for k in mapping if k in order and order.index(k) < rank)
    mapping.insert(at, key, value)
    return True


def _same(old: Any, new: Any) -> bool:
    """Whether a new value is the one written already, so that the line is left as the user wrote it."""
    if isinstance(old, list) or isinstance(new, list):
        return isinstance(old, list) and isinstance(new, list) and [str(v) for v in old] == [str(v) for v in new]
    return isinstance(old, bool) == isinstance(new, bool) and str(old) == str(new)


def add_item(folder: Path, version: str, values: Mapping[str, str]) -> int:
    """A new item, above the 'new paper' marker where there is one, else last; its position."""
    placed: list[int] = []

    def change(tree: CommentedMap, text: str, path: Path) -> tuple[list[Place], list[Place]]:
        item = CommentedMap()
        _set_item(item, values, path, 0, folder)
        listed = tree.get("items")
        if isinstance(listed, CommentedSeq) and listed:
            insert_entry(tree, "items", item, text, path)
        else:
            tree["items"] = CommentedSeq([item])
        at = next(n for n, entry in enumerate(tree["items"]) if entry is item)
        placed.append(at + 1)
        return [], [("item", at)]

    _edit(folder, version, change)
    return placed[0]


def save_item(folder: Path, version: str, position: int, values: Mapping[str, str]) -> None:
    """An item's fields, from a form: each given field set, or removed if empty."""
    def change(tree: CommentedMap, text: str, path: Path) -> tuple[list[Place], list[Place]]:
        item = _item(tree, position, path)
        with _comments_kept(item):
            _set_item(item, values, path, position, folder)
        return [("item", position - 1)], [("item", position - 1)]

    _edit(folder, version, change)


def move_item(folder: Path, version: str, position: int, by: Literal[-1, 1]) -> None:
    """An item moved up (-1) or down (+1) one place; the comment lines between items stay where they were."""
    def change(tree: CommentedMap, text: str, path: Path) -> tuple[list[Place], list[Place]]:
        _item(tree, position, path)
        listed, other = tree["items"], position + by
        if not 1 <= other <= len(listed):
            raise AssemblerError(f"item {position} is already {'first' if by < 0 else 'last'}", path)
        first, second = sorted((position - 1, other - 1))
        after_first, after_second = _detach_following(listed[first]), _detach_following(listed[second])
        listed[first], listed[second] = listed[second], listed[first]
        _attach_following(listed[first], after_first)
        _attach_following(listed[second], after_second)
        touched: list[Place] = [("item", first), ("item", second)]
        return touched, touched

    _edit(folder, version, change)


def remove_item(folder: Path, version: str, position: int) -> None:
    """An item taken off the agenda (its files stay in the folder); the comment lines after it stay."""
    def change(tree: CommentedMap, text: str, path: Path) -> tuple[list[Place], list[Place]]:
        item = _item(tree, position, path)
        listed = tree["items"]
        following = _detach_following(item)
        del listed[position - 1]
        if position > 1:
            _attach_following(listed[position - 2], following)
        return [("item", position - 1)], []

    _edit(folder, version, change)


def attach(folder: Path, version: str, position: int, file_name: str, role: Role, label: str = "") -> None:
    """A file in the meeting folder made an item's paper, or added to its appendices (titled label, or
    after the file's name). A paper replaces 'verbal': the item now has a paper."""
    def change(tree: CommentedMap, text: str, path: Path) -> tuple[list[Place], list[Place]]:
        item = _item(tree, position, path)
        _check_name(file_name, folder, path, position, "paper" if role == "paper" else "appendices")
        with _comments_kept(item):
            if role == "paper":
                _set(item, "paper", yaml_styled(file_name), ORDER)
                _set(item, "verbal", None, ORDER)
            else:
                _add_appendix(item, file_name, label, path, position)
        return [("item", position - 1)], [("item", position - 1)]

    _edit(folder, version, change)


def _add_appendix(item: CommentedMap, file_name: str, label: str, path: Path, position: int) -> None:
    if str(item.get("paper", "")).lower().endswith(".md"):
        raise AssemblerError(f"item {position}: its paper is Markdown, which lists its appendices in its "
                             "own front matter; add the appendix there", path)
    listed = item.get("appendices")
    if isinstance(listed, list) and any(isinstance(a, dict) and a.get("file") == file_name for a in listed):
        return  # already listed: the file itself was replaced
    entry = CommentedMap([("title", yaml_styled(label.strip() or title_from(Path(file_name)))),
                          ("file", yaml_styled(file_name))])
    _valid(entry, APPENDIX, path, f"item {position}: appendix")
    if isinstance(listed, CommentedSeq):
        listed.append(entry)
    else:
        _set(item, "appendices", CommentedSeq([entry]), ORDER)


def _item(tree: CommentedMap, position: int, path: Path) -> CommentedMap:
    listed = tree.get("items")
    count = len(listed) if isinstance(listed, list) else 0
    if not 1 <= position <= count:
        raise AssemblerError(f"there is no item {position}: the agenda has {count} items", path)
    item = listed[position - 1]
    if not isinstance(item, CommentedMap):
        raise AssemblerError(f"item {position} is not written as 'key: value' lines; edit it by hand", path)
    return item


# An item's values, from a form


def _set_item(item: CommentedMap, values: Mapping[str, Any], path: Path, position: int, folder: Path) -> None:
    what = f"item {position}" if position else "the new item"
    _known(values, ITEM_FIELDS, what, path)
    for name in ITEM_FIELDS:
        if name in values:
            _set(item, name, _item_value(name, values[name], what, path, folder), ORDER)
    _valid(item, ITEM, path, what)
    if item.get("paper") and item.get("verbal"):
        raise AssemblerError(f"{what}: has both a paper and 'verbal'; choose one", path)


def _item_value(name: str, given: Any, what: str, path: Path, folder: Path) -> Any:
    """A form's value as meeting.yaml holds it: read as YAML reads it, then checked as the build checks it."""
    if name == "authors":
        return _authors(given, what, path)
    value = str(given).strip()
    if not value:
        return None
    if name == "verbal":
        flag = _yaml_value(value)
        if not isinstance(flag, bool):
            raise BadValue(what, "verbal", f"give true or false, not {value!r}", path)
        return True if flag else None  # not verbal: no key, as most items are written
    if name == "exempt":
        paragraph = exempt_paragraph(_yaml_value(value))
        if paragraph is None:
            raise BadValue(what, "exempt", "give the paragraph of Schedule 12A, a number from 1 to 7", path)
        return paragraph
    if name == "supplement":
        number = as_whole(_yaml_value(value))
        if number is None or not 1 <= number <= 32767:
            raise BadValue(what, "supplement", "give the number of the supplementary pack, 1 or more", path)
        return number
    if name == "number" and not number_ok(value):
        raise BadValue(what, "number", f"give {NUMBER_RULE}", path)
    if name == "paper":
        _check_name(value, folder, path, 0, what + ": paper")
    return yaml_styled(value)


def _yaml_value(text: str) -> Any:
    try:
        return load_yaml(text)
    except YAMLError:
        return None


def _authors(given: Any, what: str, path: Path) -> CommentedSeq | None:
    """Account names, from a list or from text with commas or spaces between them."""
    names = re.split(r"[\s,]+", given) if isinstance(given, str) else [str(name) for name in given]
    names = list(dict.fromkeys(name for name in names if name))
    bad = next((name for name in names if not ACCOUNT.fullmatch(name)), None)
    if bad is not None:
        raise BadValue(what, "authors", f"{bad!r} is not an account name; account names are letters, "
                             "digits and . _ - @ +, with commas between them", path)
    if not names:
        return None
    listed = CommentedSeq(yaml_styled(name) for name in names)
    listed.fa.set_flow_style()  # authors: [jsmith, ajones]
    return listed


def _check_name(name: str, folder: Path, path: Path, position: int, what: str) -> None:
    """A file name that stays inside the meeting folder, as the build checks it."""
    check = Checker()
    if not within(folder, name, path, 0, check):
        where = f"item {position}: {what}" if position else what
        raise AssemblerError(f"{where}: {check.problems[0].message}", path)


def _known(values: Mapping[str, Any], names: tuple[str, ...], what: str, path: Path) -> None:
    unknown = [name for name in values if name not in names]
    if unknown:
        raise AssemblerError(f"{what}: '{unknown[0]}' cannot be set here; edit it in meeting.yaml by hand", path)


def _valid(mapping: CommentedMap, fields: tuple, path: Path, what: str) -> None:
    """The first error the build's own field checks find in an edited mapping, as the edit's refusal."""
    check = Checker()
    check_fields(_as_read(mapping), fields, path, check, what, 0)
    errors = [p for p in check.problems if not p.warning]
    if errors:
        raise AssemblerError(errors[0].message, path)


def _as_read(node: CommentedMap) -> Any:
    """An edited mapping as the build reads it (YAML 1.1, where 'yes' is true), for its checks."""
    return load_yaml(_dumped(node, (2, 4, 2)))


# A new meeting


def new_meeting_folder(papers: Path, body: str, date: str) -> Path:
    """papers/<committee>-<date>/, started from the skeleton with the committee and date filled in."""
    day = as_date(date.strip())
    if day is None:
        raise AssemblerError(f"date: give the meeting's date as YYYY-MM-DD, such as 2026-09-24, not {date!r}")
    if not body.strip():
        raise AssemblerError("body: give the committee's name")
    name = f"{slug(body)}-{day.isoformat()}"
    folder = papers / name
    if not meeting_id_ok(name):
        raise AssemblerError(f"the folder's name should be {MEETING_ID_RULE}", folder)
    if folder.exists():
        raise AssemblerError("already exists: this committee already meets on that date", folder)
    path = new_meeting(folder)
    save_details(folder, version_of(path.read_bytes()), {"body": body})
    return folder
