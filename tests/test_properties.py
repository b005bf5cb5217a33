"""Random Markdown and YAML, as many hands write it: the loader and renderer either succeed, giving
well-formed Word XML, or raise the project's own error. Never another exception. No LibreOffice."""

from __future__ import annotations

import datetime
import io
import tempfile
import zipfile
from pathlib import Path

import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from assembler.errors import AssemblerError
from assembler.render.body import MINUTES_STYLE_NAMES, STYLE_NAMES, Layout, markdown_to_wordml
from assembler.render.word import render_agenda, render_papers
from assembler.sources.load import load_meeting
from assembler.sources.schema import DATE, FLAG, ITEM, LIST, MAPPING, MEETING, TEMPLATES, TEXT, TEXTS, WHOLE, Field

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# Pieces that mean something to Markdown, to YAML or to a template, mixed with random text.
PIECES = ["# ", "## ", "### ", "#### ", "\n", "\n\n", "1. ", "2) ", "- ", "* ", "  ", "    ", "> ",
          "| a | b |\n|---|:--:|\n| c |", "|", "---", "***", "```", "~~~", "**", "*", "_", "`",
          "[link](https://example.org/x)", "[", "](", "![chart](chart.png)", "![](", "<b>", "</div>",
          "<!-- note -->", "&amp;", "&#0;", "&#xFFFE;", "\\newpage", "\\", "(a) ", "RESOLVED: ",
          "{{ 7*7 }}", "{% if x %}", "}}", "\x00", "\x0b", "\ufffe", "\u2028", "é", "😀", "\t", "\r\n",
          "<https://a.example>", "www.example.org", ": ", "- {", "'", '"', "&", "<", ">", "\x85"]
text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=30).map("".join)

KEYS = sorted({f.name for fields in (MEETING, ITEM, *TEMPLATES.values()) for f in fields})
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    text, st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner,
                                                 max_size=5)), max_leaves=12)
mappings = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


def value_for(field: Field) -> st.SearchStrategy:
    """A value of the kind a field asks for, or near it: most pass the schema and reach the renderer."""
    if field.entries:
        entry = conforming(field.entries)
        return entry if field.kind == MAPPING else st.lists(entry, max_size=3)
    kinds = {TEXT: text | st.integers() | st.floats(), DATE: st.dates() | scalars, FLAG: st.booleans(),
             WHOLE: st.integers(), LIST: st.lists(scalars, max_size=3),
             TEXTS: text | st.lists(text, max_size=3)}
    return kinds.get(field.kind, scalars)


def conforming(fields: tuple[Field, ...]) -> st.SearchStrategy[dict]:
    required = {f.name: value_for(f) for f in fields if f.required}
    optional = {f.name: value_for(f) for f in fields if not f.required}
    return st.fixed_dictionaries(required, optional=optional)


def mostly(fields: tuple[Field, ...]) -> st.SearchStrategy[dict]:
    """Three times in four a mapping that follows the schema, or nearly; else any mapping at all."""
    return st.integers(0, 3).flatmap(lambda n: conforming(fields) if n else mappings)

MEETING_YAML = "body: Board\ndate: 2026-09-24\nitems:\n  - title: Report\n    paper: p.md\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "steelblue").save(buffer, "PNG")
    return buffer.getvalue()


CHART = png()  # the picture a body's "![chart](chart.png)" finds


def well_formed(wordml: str) -> None:
    etree.fromstring(f'<w:body xmlns:w="{W}">{wordml}</w:body>'.encode())


def docx_well_formed(path: Path) -> None:
    with zipfile.ZipFile(path) as docx:
        for name in docx.namelist():
            if name.endswith(".xml"):
                etree.fromstring(docx.read(name))


def layouts() -> st.SearchStrategy[Layout]:
    names = STYLE_NAMES + MINUTES_STYLE_NAMES
    return st.builds(Layout, styles=st.just({name: name.replace(" ", "") for name in names}),
                     text_width=st.integers(1, 12000), table_style=st.just("Table"),
                     numbered=st.booleans(), minutes=st.booleans())


@settings(max_examples=400, deadline=None)
@given(markdown=text, layout=layouts(), first_line=st.integers(1, 500))
def test_any_markdown_gives_well_formed_word_xml_or_our_error(markdown: str, layout: Layout, first_line: int):
    try:
        wordml = markdown_to_wordml(markdown, Path("p.md"), first_line, layout,
                                    lambda path, description, line: "<w:r/>")
    except AssemblerError:
        return
    well_formed(wordml)


def load_and_render(files: dict[str, str | bytes]) -> None:
    """Write a meeting folder, load it and render its papers and front sheet, all without LibreOffice."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "m"
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content.encode() if isinstance(content, str) else content)
        try:
            meeting, _ = load_meeting(folder)
            rendered = render_papers(meeting, Path(scratch) / "out", lambda message: None)
            render_agenda(meeting, {item.number: "(Pages 3 - 4)" for item in meeting.items},
                          Path(scratch) / "agenda.docx")
        except AssemblerError:
            event("our error")
            return
        event("rendered")
        for docx in [Path(scratch) / "agenda.docx", *(r.docx for r in rendered if r.docx)]:
            docx_well_formed(docx)


@st.composite
def front_matter(draw: st.DrawFn) -> dict:
    template = draw(st.sampled_from(sorted(TEMPLATES)))
    front = draw(mostly(TEMPLATES[template]))
    return front | {"template": template} if draw(st.booleans()) else front


@settings(max_examples=150, deadline=None)
@given(front=front_matter(), body=text)
def test_any_paper_loads_and_renders_or_gives_our_error(front: dict, body: str):
    paper = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{body}"
    load_and_render({"meeting.yaml": MEETING_YAML, "p.md": paper, "chart.png": CHART})


def agenda_item(item: dict) -> dict:
    """An item whose paper, if it has one, is the meeting's p.md; appendices belong in its front matter."""
    item.pop("appendices", None)
    return item | {"paper": "p.md"} if "paper" in item else item


@settings(max_examples=300, deadline=None)
@given(meeting=mostly(MEETING), agenda=st.lists(mostly(ITEM).map(agenda_item), min_size=1, max_size=3))
def test_any_meeting_yaml_loads_and_renders_or_gives_our_error(meeting: dict, agenda: list[dict]):
    meeting.pop("templates", None)  # a random folder name would only ever be missing
    source = yaml.safe_dump(meeting | {"items": agenda}, allow_unicode=True)
    load_and_render({"meeting.yaml": source, "p.md": "---\ntitle: Report\n---\nText.\n"})


@settings(max_examples=200, deadline=None)
@given(source=text | st.binary(max_size=60))
def test_any_text_as_meeting_yaml_or_front_matter_gives_our_error_at_worst(source: str | bytes):
    load_and_render({"meeting.yaml": source, "p.md": "---\ntitle: Report\n---\nText.\n"})
    load_and_render({"meeting.yaml": MEETING_YAML, "p.md": source})
    if isinstance(source, str):
        load_and_render({"meeting.yaml": MEETING_YAML, "p.md": f"---\n{source}\n---\nText.\n"})
