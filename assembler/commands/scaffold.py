"""Start a meeting or a paper from a skeleton: `assembler new meeting` and `assembler new paper`.

A skeleton's front matter is written from schema.py, so it offers every field the template reads.
The new paper is added to meeting.yaml (or to its report's front matter) by inserting lines into
the file as it stands: the comments and layout people gave it are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assembler.errors import AssemblerError, shown
from assembler.sources.load import DEFAULT_TEMPLATES, available_templates, load_yaml, split_front_matter
from assembler.sources.schema import LIST, MEETING, TEMPLATES, Field, as_date

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
    """A value as YAML writes it on one line: quoted only where it must be."""
    return yaml.safe_dump(text, allow_unicode=True, width=10_000).removesuffix("\n...\n").strip()


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


def _title_from(path: Path) -> str:
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
    title = title or _title_from(path)
    listed_in = _list_appendix(appendix_to, path, title) if appendix_to else _list_item(meeting, path, title)
    path.write_text(front_matter(template, title) + "\n" + skeleton_body(template), encoding="utf-8")
    return NewPaper(path, listed_in)


def _read_yaml(text: str, path: Path, compose: bool = False) -> Any:
    """A YAML mapping (or, composed, its node tree); a one-line message if it is not one."""
    try:
        data = load_yaml(text, compose=compose)  # with the checks' limits: no alias bomb, no deep nesting
    except yaml.YAMLError:
        data = None
    if not isinstance(data, (dict, yaml.MappingNode)):
        raise AssemblerError("cannot be read as a YAML mapping; 'assembler check' says why", path)
    return data


def _templates_folder(meeting: Path) -> Path:
    folder = _read_yaml(meeting.read_text(encoding="utf-8-sig"), meeting).get("templates")
    return (meeting.parent / str(folder)).resolve() if folder else DEFAULT_TEMPLATES


def _check_template(template: str, folder: Path, path: Path) -> None:
    names = [n for n in available_templates(folder) if n != "agenda"]
    if template not in names:
        raise AssemblerError(f"no template '{template}'; available: {', '.join(names) or 'none'}", path)


def _list_item(meeting: Path, path: Path, title: str) -> Path | None:
    name = path.name
    text = meeting.read_text(encoding="utf-8-sig")
    items = _read_yaml(text, meeting).get("items") or []
    if any(isinstance(i, dict) and i.get("paper") == name for i in items):
        return None
    item_title = title if title.endswith((".", "?", "!")) else f"{title}."
    entry = [f"title: {yaml_scalar(item_title)}", f"paper: {yaml_scalar(name)}"]
    meeting.write_text(add_entry(text, "items", entry, meeting), encoding="utf-8")
    return meeting


def _list_appendix(report: Path, path: Path, title: str) -> Path:
    if report.suffix.lower() != ".md" or not report.is_file():
        raise AssemblerError(f"--appendix-to: no Markdown report '{report.name}' here", path)
    text = report.read_text(encoding="utf-8-sig")
    head, _, _ = split_front_matter(text)
    if head is None:
        raise AssemblerError("no front matter between '---' lines to list the appendix in", report)
    start = text.index("\n") + 1  # the front matter starts after the opening '---' line
    entry = [f"title: {yaml_scalar(title)}", f"file: {yaml_scalar(path.name)}"]
    text = text[:start] + add_entry(head, "appendices", entry, report) + text[start + len(head):]
    report.write_text(text, encoding="utf-8")
    return report


def add_entry(text: str, key: str, entry: list[str], path: Path) -> str:
    """Insert one list entry (its `key: value` lines) under key in a YAML mapping, keeping the rest.

    The entry goes above the MARKER comment where there is one, else after the list's last entry;
    a key that is empty or missing gets its first entry. The result is read back before it is used.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    root = _read_yaml(text, path, compose=True)
    found = next(((k, v) for k, v in root.value if k.value == key), None)
    if found is None:
        lines.append(f"{key}:\n")
        at, dash = len(lines), "  - "
    else:
        at, dash = _place(lines, key, *found, path)
    pad = " " * len(dash)
    block = [f"{dash if n == 0 else pad}{line}\n" for n, line in enumerate(entry)]
    result = "".join(lines[:at] + block + lines[at:])
    if yaml.safe_load("\n".join(entry)) not in (_read_yaml(result, path).get(key) or []):
        raise AssemblerError(f"'{key}' is laid out in a way assembler cannot add to; add the entry "
                             "by hand", path)
    return result


def _place(lines: list[str], key: str, key_node: yaml.Node, value: yaml.Node,
           path: Path) -> tuple[int, str]:
    """Where a new entry goes in an existing list, and the dash that starts it."""
    if isinstance(value, yaml.ScalarNode) and value.value == "" and value.style is None:
        return key_node.start_mark.line + 1, " " * (key_node.start_mark.column + 2) + "- "
    if not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
        raise AssemblerError(f"'{key}' is written on one line, or is not a list; add the entry by hand",
                             path, key_node.start_mark.line + 1)
    first = value.value[0].start_mark
    dash = lines[first.line][:first.column]
    if not re.fullmatch(r"\s*-\s+", dash):
        dash = " " * max(0, first.column - 2) + "- "
    for n, line in enumerate(lines):
        if line.strip() == MARKER:
            return n, line[:len(line) - len(line.lstrip())] + "- "
    end = _last(value).end_mark
    return (end.line if end.column == 0 else end.line + 1), dash


def _last(node: yaml.Node) -> yaml.Node:
    """The last scalar written inside a node: the list's last entry ends on its line."""
    while isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node

