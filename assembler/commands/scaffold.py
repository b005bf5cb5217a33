"""Start a meeting or a paper from a skeleton: `assembler new meeting` and `assembler new paper`.

A skeleton's front matter is written from schema.py, so it offers every field the template reads.
The new paper is added to meeting.yaml (or to its report's front matter) by inserting lines into
the file as it stands: the comments and layout people gave it are kept.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from assembler.errors import AssemblerError, shown
from assembler.sources.load import (
    DEFAULT_TEMPLATES,
    PyYamlResolver,
    available_templates,
    split_front_matter,
    yaml_reader,
)
from assembler.sources.schema import LIST, MEETING, TEMPLATES, Field, as_date

EDIT = None  # YAML 1.2 for an edit: what the file says is written back as it was
MARKER = "# assembler new paper adds items above this line"
COMMENT_COLUMN = 28

# The skeleton texts, shipped as package data: the procedural items that end a new meeting.yaml
# (with {folder} and {marker} to fill in), and each template's body, with a line telling the author
# what goes in each section. A template without a body of its own gets the report's.
SKELETONS = resources.files("assembler") / "skeletons"


def skeleton(name: str) -> str:
    return (SKELETONS / name).read_text(encoding="utf-8")


def skeleton_body(template: str) -> str:
    own = f"{template}.md"
    return skeleton(own if (SKELETONS / own).is_file() else "report.md")


@dataclass(frozen=True)
class NewPaper:
    path: Path
    listed_in: Path | None  # the file the paper was added to; None if it was already listed there


def _comment(text: str, note: str) -> str:
    return f"{text:<{COMMENT_COLUMN - 1}} # {note}" if note else text


def yaml_scalar(text: str) -> str:
    """A value as YAML writes it on one line: quoted only where it must be, as YAML 1.1 reads it."""
    writer = YAML(typ="safe", pure=True)
    writer.Resolver = PyYamlResolver  # 'yes' and '2026-01-01' are quoted, to stay text
    writer.width, writer.allow_unicode = 10_000, True
    written = io.StringIO()
    writer.dump(text, written)
    return written.getvalue().removesuffix("\n...\n").strip()


def _field_lines(field: Field, value: str) -> list[str]:
    """A field as `key: value  # guide`, a list of mappings with a commented-out example entry."""
    note = ("required: " if field.required and not value else "") + field.help
    if field.entries:
        note += ("; " if note else "") + "remove the # from the lines below to use it"
    lines = [_comment(f"{field.name}: {value}".rstrip(), note)]
    first = "  - " if field.kind == LIST else "  "  # a list of mappings, or one mapping
    for n, entry in enumerate(field.entries):
        indent = first if n == 0 else " " * len(first)
        lines.append(_comment(f"#{indent}{entry.name}:", entry.help or ("required" if entry.required else "")))
    return lines


def front_matter(template: str, title: str) -> str:
    values = {"template": template, "title": yaml_scalar(title)}
    fields = TEMPLATES.get(template, TEMPLATES["report"])
    lines = [line for f in fields for line in _field_lines(f, values.get(f.name, ""))]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _meeting_date(folder: Path) -> str:
    """The date a meeting folder's name ends with (papers/cabinet-2026-10-15), if it does."""
    found = re.search(r"\d{4}-\d{2}-\d{2}$", folder.name)
    return found.group(0) if found and as_date(found.group(0)) else ""


def new_meeting(folder: Path) -> Path:
    """Write a meeting.yaml skeleton with the standard procedural items; never over an existing one."""
    path = folder / "meeting.yaml"
    if path.exists():
        raise AssemblerError("already exists; assembler will not write over it", path)
    values = {"date": _meeting_date(folder)}
    head = [line for f in MEETING if f.name != "items" for line in _field_lines(f, values.get(f.name, ""))]
    folder.mkdir(parents=True, exist_ok=True)
    items = skeleton("meeting-items.yaml").format(folder=shown(folder), marker=MARKER)
    path.write_text("\n".join(head) + "\n" + items, encoding="utf-8")
    return path


def title_from(path: Path) -> str:
    words = re.sub(r"[-_]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:]


def new_paper(path: Path, template: str = "report", title: str = "",
              appendix_to: Path | None = None) -> NewPaper:
    """Write a paper's skeleton and list it: in meeting.yaml, or in the report it is an appendix of."""
    folder = path.parent
    meeting = folder / "meeting.yaml"
    if path.suffix.lower() != ".md":
        raise AssemblerError("a paper written here is Markdown: name it .md", path)
    if path.exists():
        raise AssemblerError("already exists; assembler will not write over it", path)
    if not meeting.is_file():
        raise AssemblerError(f"no meeting.yaml beside it; start the meeting with: "
                             f"assembler new meeting {shown(folder)}", path)
    _check_template(template, _templates_folder(meeting), path)
    if (template == "appendix") != (appendix_to is not None):
        raise AssemblerError("an appendix belongs to a report: give --template appendix and "
                             "--appendix-to REPORT.md together", path)
    title = title or title_from(path)
    listed_in = _list_appendix(appendix_to, path, title) if appendix_to else _list_item(meeting, path, title)
    path.write_text(front_matter(template, title) + "\n" + skeleton_body(template), encoding="utf-8")
    return NewPaper(path, listed_in)


def read_yaml(text: str, path: Path) -> CommentedMap:
    """The YAML mapping, as ruamel.yaml reads it for an edit; a one-line message if it is not one."""
    try:
        data = yaml_reader(EDIT).load(text)  # with the checks' limits: no alias bomb, no deep nesting
    except YAMLError:
        data = None
    if not isinstance(data, CommentedMap):
        raise AssemblerError("cannot be read as a YAML mapping; 'assembler check' says why", path)
    return data


def _templates_folder(meeting: Path) -> Path:
    folder = read_yaml(meeting.read_text(encoding="utf-8-sig"), meeting).get("templates")
    return (meeting.parent / str(folder)).resolve() if folder else DEFAULT_TEMPLATES


def _check_template(template: str, folder: Path, path: Path) -> None:
    names = [n for n in available_templates(folder) if n != "agenda"]
    if template not in names:
        raise AssemblerError(f"no template '{template}'; available: {', '.join(names) or 'none'}", path)


def _list_item(meeting: Path, path: Path, title: str) -> Path | None:
    name = path.name
    text = meeting.read_text(encoding="utf-8-sig")
    items = read_yaml(text, meeting).get("items") or []
    if any(isinstance(i, dict) and i.get("paper") == name for i in items):
        return None
    item_title = title if title.endswith((".", "?", "!")) else f"{title}."
    meeting.write_text(add_entry(text, "items", {"title": item_title, "paper": name}, meeting), encoding="utf-8")
    return meeting


def _list_appendix(report: Path, path: Path, title: str) -> Path:
    if report.suffix.lower() != ".md" or not report.is_file():
        raise AssemblerError(f"--appendix-to: no Markdown report '{report.name}' here", path)
    text = report.read_text(encoding="utf-8-sig")
    head, _, _ = split_front_matter(text)
    if head is None:
        raise AssemblerError("no front matter between '---' lines to list the appendix in", report)
    start = text.index("\n") + 1  # the front matter starts after the opening '---' line
    entry = {"title": title, "file": path.name}
    text = text[:start] + add_entry(head, "appendices", entry, report) + text[start + len(head):]
    report.write_text(text, encoding="utf-8")
    return report


def add_entry(text: str, key: str, entry: dict[str, str], path: Path) -> str:
    """Add one list entry under key in a YAML mapping, by ruamel.yaml's round trip, which keeps the
    comments. The entry goes above the MARKER comment where there is one, else after the list's
    last entry; a key that is empty or missing gets its first entry. Only the entry's lines may be
    new: a file laid out in a way the round trip would change is left for the user to edit."""
    data = read_yaml(text, path)
    editor = yaml_reader(EDIT)
    editor.width = 10_000  # long lines stay long
    listed = data.get(key)
    new = CommentedMap((k, yaml_styled(v)) for k, v in entry.items())
    if listed is None:
        data[key] = CommentedSeq([new])
        editor.indent(sequence=4, offset=2)  # under its key, as the skeletons write lists
    else:
        insert_entry(data, key, new, text, path)
        editor.indent(*list_indents(listed, data.lc.key(key)[1], text))
    result = io.StringIO()
    editor.dump(data, result)
    return _spliced(text, result.getvalue(), key, path)


def yaml_styled(value: str) -> str:
    """A new value, quoted where YAML 1.1 (as the checks read the file) would take it for something else."""
    quoted = yaml_scalar(value)
    styles = {"'": SingleQuotedScalarString, '"': DoubleQuotedScalarString}
    return styles[quoted[0]](value) if quoted[0] in styles else value


def insert_entry(data: CommentedMap, key: str, new: CommentedMap, text: str, path: Path) -> None:
    """Put new in key's list, above the marker comment or else after the last entry, and move the
    comment lines that followed the entry before it (from the marker on) to follow new."""
    listed, line = data[key], data.lc.key(key)[0] + 1
    if not isinstance(listed, CommentedSeq) or listed.fa.flow_style() or not listed:
        raise AssemblerError(f"'{key}' is written on one line, or is not a list; add the entry by hand",
                             path, line)
    marker = next((n for n, text_line in enumerate(text.splitlines()) if text_line.strip() == MARKER), None)
    found = marker is not None and marker >= line
    at = sum(1 for n in range(len(listed)) if listed.lc.item(n)[0] < marker) if found else len(listed)
    listed.insert(at, new)
    if at:
        _move_comment(listed[at - 1], new, MARKER if found else "")
    elif found:
        _move_leading(data, key, new)


def _move_comment(before: Any, new: CommentedMap, start: str) -> None:
    """The comment lines after the entry before, from the one holding start on, moved to follow new;
    a comment on the entry's own last line stays."""
    holder, place = last_comment(before)
    token = holder.ca.items.get(place, [None] * 4)[2] if holder is not None else None
    if token is None or start not in token.value or "\n" not in token.value:
        return
    cut = token.value.rindex("\n", 0, token.value.index(start)) if start else token.value.index("\n")
    kept, moved = token.value[:cut + 1], token.value[cut:]
    holder.ca.items[place][2] = CommentToken(kept, token.start_mark) if kept.strip() else None
    new.ca.items[list(new)[-1]] = [None, None, CommentToken(moved, token.start_mark), None]


def _move_leading(data: CommentedMap, key: str, new: CommentedMap) -> None:
    """The comment lines above the first entry of key's list, from the marker on, moved to follow new."""
    tokens = data.ca.items.get(key, [None] * 4)[3] or []  # the list holds the same comments
    at = next((n for n, token in enumerate(tokens) if MARKER in token.value), None)
    if at is None:
        return
    moved = "\n" + "".join(" " * token.column + token.value for token in tokens[at:])
    new.ca.items[list(new)[-1]] = [None, None, CommentToken(moved, tokens[at].start_mark), None]
    del tokens[at:]
    if not tokens:  # an empty list of comments would still be written, as a stray '-'
        data.ca.items[key][3] = data[key].ca.comment = None


def last_comment(node: Any) -> tuple[Any, Any]:
    """The mapping or list, and its key or index, that holds the comment after a node's last line."""
    holder, place = None, None
    while isinstance(node, (CommentedMap, CommentedSeq)) and node:
        holder, place = node, list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        node = node[place]
    return holder, place


def list_indents(listed: CommentedSeq, key_column: int, text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file indents its list: '- ' under the key, or indented."""
    line, column = listed.lc.item(0)
    dash = text.splitlines()[line].rfind("-", 0, column)
    return 2, column - key_column, max(0, dash - key_column)


def text_lines(text: str) -> list[str]:
    """A file's lines, each ending in a newline, the last one too."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _spliced(before: str, after: str, key: str, path: Path) -> str:
    """The lines the round trip added (after) put into the text as the user wrote it (before): the
    round trip may respace a line ('body:   Board') or drop a '---', and the user's lines are kept.
    The result must mean what the round trip's does, or the file is left for the user to edit."""
    old, new = text_lines(before), after.splitlines(keepends=True)
    lines: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        lines += new[j1:j2] if op == "insert" or (op == "replace" and j2 - j1 > i2 - i1) else old[i1:i2]
    result = "".join(lines)
    if plain_data(result, path) != plain_data(after, path):
        raise AssemblerError(f"'{key}' is laid out in a way assembler cannot add to; add the entry "
                             "by hand", path)
    return result


def plain_data(text: str, path: Path) -> Any:
    return json.loads(json.dumps(read_yaml(text, path), default=str))
