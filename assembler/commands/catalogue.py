"""`assembler templates`: the templates a meeting can use and the front matter each one reads."""

from __future__ import annotations

from pathlib import Path

from assembler.errors import shown
from assembler.sources.load import available_templates
from assembler.sources.schema import PURPOSES, TEMPLATES, Field


def _field_line(field: Field) -> str:
    entries = ", ".join(f"{e.name}{' (required)' if e.required else ''}" for e in field.entries)
    about = "; ".join(part for part in (field.help, f"each entry: {entries}" if entries else "") if part)
    return f"    {field.name:<18} {'required' if field.required else '':<9} {field.kind:<24} {about}".rstrip()


def describe(folder: Path) -> str:
    """Each template in folder, what it is for, and its front-matter fields."""
    lines = [f"Templates in {shown(folder)}/ (choose one with 'template:' in a paper's front matter):"]
    for name in available_templates(folder):
        lines += ["", f"  {name}: {PURPOSES.get(name, 'a template of this board; it reads the report fields')}"]
        if name != "agenda":
            lines += [_field_line(f) for f in TEMPLATES.get(name, TEMPLATES["report"])]
    return "\n".join(lines)
