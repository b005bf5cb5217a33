"""Stage 2: render each Markdown paper, and the agenda front sheet, into its Word template."""

from __future__ import annotations

import copy
import datetime
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Emu
from docxtpl import DocxTemplate
from jinja2 import Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from markupsafe import Markup

from assembler.audience import exclusion_resolution, screen_name
from assembler.errors import AssemblerError, InvalidSources
from assembler.model import Document, Item, Meeting
from assembler.names import output_stem
from assembler.render.body import (
    MINUTES_STYLE_NAMES,
    OPTIONAL_STYLE_NAMES,
    STYLE_NAMES,
    Layout,
    Part,
    Turned,
    picture_sources,
    split_parts,
    write_body,
    xml_text,
)
from assembler.render.tables import TableFont
from assembler.runtime.cache import Cache, code_digest, digest, file_digest, json_digest
from assembler.runtime.outputs import inside
from assembler.sources.documents import zip_problem
from assembler.sources.load import available_templates
from assembler.sources.sanitise import copy_for_layout
from assembler.sources.schema import as_date, as_text

TABLE_STYLE = "Council Table"
DECIMAL_NUMBERING = "Decimal paragraphs"  # the numbering definition `subparagraphs: decimal` uses
LIST_STYLES = ("Sub-item", "Sub-sub-item", "List Bullet", "List Bullet 2", "List Bullet 3")
PICTURE_KINDS = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def template_path(meeting: Meeting, name: str, source: Path | None = None) -> Path:
    path = meeting.templates / f"{name}.docx"
    if not path.is_file():
        raise AssemblerError(f"no template '{name}' in {meeting.templates}; available: "
                             f"{', '.join(available_templates(meeting.templates)) or 'none'}", source)
    problem = zip_problem(path)  # before python-docx unpacks it
    if problem:
        raise AssemblerError(problem, path)
    return path


def meeting_context(meeting: Meeting) -> dict[str, Any]:
    d = meeting.date
    return {"body": meeting.body, "date_text": f"{d.day} {d:%B %Y}",
            "date_long": f"{d:%A}, {d.day} {d:%B %Y}", "time": meeting.time, "venue": meeting.venue,
            "organisation": meeting.organisation,
            "contact": asdict(meeting.contact) if meeting.contact else None}


def _plain(value: Any) -> Any:
    """Front matter as a template reads it: missing values empty, not "None"."""
    if value is None:
        return ""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# Templates loop over these whatever the front matter holds. A key that is not its template's is only
# warned of, so it may hold anything: what is not a list is taken as none, or as a list of one.

def _people(entries: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    listed = entries if isinstance(entries, list) else []
    return [{k: _plain(e.get(k)) for k in keys} for e in listed if isinstance(e, dict)]


def _texts(value: Any) -> list[Any]:
    if isinstance(value, list):
        return _plain(value)
    return [str(value)] if value not in (None, "") else []


def paper_context(doc: Document, item: Item, meeting: Meeting) -> dict[str, Any]:
    fm = doc.front_matter
    context: dict[str, Any] = {key: _plain(value) for key, value in fm.items()}
    officers = _people(fm.get("officers"), ("name", "role", "phone", "email", "organisation"))
    context.update(
        meeting=meeting_context(meeting), title=doc.title, label=doc.label,
        report_of=_plain(fm.get("report_of")),
        officers=officers, officers_heading="Officer to Contact" if len(officers) == 1 else "Officers to Contact",
        present=_people(fm.get("present"), ("name", "role")),
        apologies=_people(fm.get("apologies"), ("name", "role")),
        appendices=[{"label": a.label, "title": a.title} for a in item.appendices] if not doc.label else [],
        background_papers=_texts(fm.get("background_papers")),
    )
    held = as_date(fm.get("date"))
    if held:
        context["date_text"] = f"{held.day} {held:%B %Y}"
    return context


def _style_ids(word: WordDocument, names: tuple[str, ...], template: Path) -> dict[str, str]:
    by_name = {style.name: style.style_id for style in word.styles}
    if "Quotations" in by_name:  # tagged as a BlockQuote; a house template's "Quote" still serves, tagged as P
        by_name["Quote"] = by_name["Quotations"]
    missing = [name for name in names if name not in by_name]
    if missing:
        raise AssemblerError(f"the template has no style named {', '.join(repr(m) for m in missing)}; "
                             "see docs/templates.md for the styles a template must keep", template)
    return {name: by_name[name] for name in names}


def numbered(doc: Document) -> bool:
    """Whether the body's paragraphs are numbered 1., 2., 3.: a paper's by default, an appendix's
    only if asked, the minutes' never (their minutes are numbered instead)."""
    asked = doc.front_matter.get("numbered")  # an empty `numbered:` means the default
    return bool((not doc.label if asked is None else asked) and doc.template != "minutes")


def first_number(doc: Document) -> int:
    """The number of the first numbered paragraph, or of the first minute."""
    start = doc.front_matter.get("first_minute" if doc.template == "minutes" else "number_from")
    return 1 if start is None else int(start)


def has_parts(doc: Document, meeting: Meeting) -> bool:
    """Whether the paper's template prints Part A and Part B (the Cabinet style), its body split at '# PART B'."""
    template = template_path(meeting, doc.template, doc.source)
    return "part_b" in template_variables(DocxTemplate(template), template)


def _layout(word: WordDocument, doc: Document, template: Path) -> Layout:
    minutes = doc.template == "minutes"
    names = STYLE_NAMES + (MINUTES_STYLE_NAMES if minutes else ()) + (TABLE_STYLE,)
    styles = _style_ids(word, names, template)
    present = {style.name for style in word.styles}
    styles |= _style_ids(word, tuple(name for name in OPTIONAL_STYLE_NAMES if name in present), template)
    decimal = numbered(doc) and doc.front_matter.get("subparagraphs") == "decimal"
    if decimal:
        _use_decimal(word, template)
    indents = {name: _left_indent(word, name) for name in LIST_STYLES}
    return Layout(styles=styles, text_width=_text_width(word.sections[-1], template), table_style=styles[TABLE_STYLE],
                  numbered=numbered(doc), minutes=minutes, decimal=decimal, indents=indents,
                  new_list=lambda name: _new_list(word, name), same_list=lambda name: _same_list(word, name),
                  table_font=_table_font(word), turned=_turned(word, template))


def _use_decimal(word: WordDocument, template: Path) -> None:
    """Number the paragraphs' list by the template's "Decimal paragraphs" definition, whose second
    level reads "%1.%2": a list under paragraph 7 is 7.1, 7.2, and paragraph 8 stays 8, in Word too."""
    numbering = word.part.numbering_part.element
    found = numbering.xpath(f'w:abstractNum[w:name/@w:val="{DECIMAL_NUMBERING}"]/@w:abstractNumId')
    paragraphs = _numbering_level(word, "Numbered Paragraph")
    if not found or paragraphs is None:
        raise AssemblerError(f"the template has no numbering definition named '{DECIMAL_NUMBERING}', which "
                             "'subparagraphs: decimal' needs; see docs/templates.md", template)
    paragraphs[0].abstractNumId.val = int(found[0])


def landscape(doc: Document) -> bool:
    """Whether a paper asks for landscape pages throughout (`orientation: landscape`)."""
    asked = as_text(doc.front_matter.get("orientation")).lower()
    if asked not in ("", "portrait", "landscape"):
        raise AssemblerError(f"orientation: '{asked}' should be portrait or landscape", doc.source)
    return asked == "landscape"


def _portrait(section: Section) -> bool:
    return (section.page_width or 0) < (section.page_height or 0)


def _turn(section: Section) -> None:
    """Lay a portrait section's pages on their side, the margins turning with the page: the left
    margin becomes the top one, as it does when a printed page is turned to read a wide table."""
    if not _portrait(section):
        return
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = (
        section.left_margin, section.top_margin, section.right_margin, section.bottom_margin)


def _turned(word: WordDocument, template: Path) -> Turned | None:
    """The section breaks that put a wide table on landscape pages; None if the pages are landscape."""
    last = word.sections[-1]
    if not _portrait(last):
        return None
    before, after = copy.deepcopy(last._sectPr), copy.deepcopy(last._sectPr)
    turned = Section(after, word.part)
    _turn(turned)
    # The table's pages are not a title page, and go on counting: only the first section starts anything.
    for name in ("w:type", "w:titlePg", "w:pgNumType"):
        for found in after.findall(qn(name)):
            after.remove(found)
    return Turned(etree.tostring(before, encoding=str), etree.tostring(after, encoding=str),
                  _text_width(turned, template))


def _table_font(word: WordDocument) -> TableFont:
    """The font and size of the template's table text, and its table style's cell margins."""
    family, size, style = None, None, word.styles["Table Text"]
    while style is not None:
        family, size = family or style.font.name, size or style.font.size
        style = style.base_style
    margins = word.styles[TABLE_STYLE].element.xpath(
        "./w:tblPr/w:tblCellMar/*[self::w:left or self::w:right]/@w:w")
    return TableFont(family or "Arial", size.pt if size else 10.0,
                     sum(int(m) for m in margins) if len(margins) == 2 else 216)  # Word's default: 108 a side


def _text_width(section: Section, template: Path) -> int:
    """The width between a section's margins, in twentieths of a point."""
    width, left, right = section.page_width, section.left_margin, section.right_margin
    if width is None or left is None or right is None:  # Word itself always writes them
        raise AssemblerError("the template's last section has no page size or margins; "
                             "set them in Word's Layout tab", template)
    return int((width - left - right) / 635)  # 635 EMU to the twentieth of a point


def _numbering_level(word: WordDocument, style_name: str) -> tuple[Any, int] | None:
    """The w:num a paragraph style is numbered by, and its level; None for an unnumbered style."""
    ppr = word.styles[style_name].element.pPr
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is None or num_pr.numId is None:
        return None
    level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return word.part.numbering_part.element.num_having_numId(num_pr.numId.val), level


def _left_indent(word: WordDocument, style_name: str) -> int:
    """Where a list style's text starts, in twips: from the style or the list level it is linked to."""
    style = word.styles[style_name]
    while style is not None:
        if style.paragraph_format.left_indent is not None:
            return int(style.paragraph_format.left_indent / 635)
        style = style.base_style
    found = _numbering_level(word, style_name)
    if found is None:
        return 0
    num, level = found
    numbering = word.part.numbering_part.element
    left = numbering.xpath(f'w:abstractNum[@w:abstractNumId="{num.abstractNumId.val}"]'
                           f'/w:lvl[@w:ilvl="{level}"]/w:pPr/w:ind/@w:left')
    return int(left[0]) if left else 0


def _new_list(word: WordDocument, style_name: str) -> str:
    """A new instance of the list a style is numbered by, starting again at its first number.

    It shares the template's list definition, so the template still decides how numbers look.
    """
    found = _numbering_level(word, style_name)
    if found is None:
        return ""
    num, level = found
    fresh = word.part.numbering_part.element.add_num(num.abstractNumId.val)
    fresh.add_lvlOverride(ilvl=level).add_startOverride(1)
    return f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{fresh.numId}"/></w:numPr>'


def _same_list(word: WordDocument, style_name: str) -> str:
    """The list a style is numbered by, and its level, as a paragraph's own numPr."""
    found = _numbering_level(word, style_name)
    if found is None:
        return ""
    num, level = found
    return f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num.numId}"/></w:numPr>'


def _restart(word: WordDocument, style_name: str, start: int) -> None:
    """Start the list that a style is numbered by at `start`, in this document only."""
    found = _numbering_level(word, style_name)
    if found is None:
        return
    num, level = found
    for override in num.findall("{*}lvlOverride"):
        num.remove(override)
    num.add_lvlOverride(ilvl=level).add_startOverride(start)


class _Pictures:
    """Adds the pictures a body names to the document, each scaled to fit the text width."""

    def __init__(self, word: WordDocument, doc: Document, width: int):
        self.word, self.doc, self.width = word, doc, width

    def __call__(self, name: Path, description: str, line: int) -> str:
        folder = self.doc.source.parent
        path = folder / name
        if name.is_absolute() or ".." in name.parts or not path.is_file():
            raise AssemblerError(f"picture '{name}': no such file beside the paper", self.doc.source, line)
        if path.suffix.lower() not in PICTURE_KINDS:
            raise AssemblerError(f"picture '{name}': use a PNG, JPEG, GIF or BMP file", self.doc.source, line)
        try:
            inline = self.word.part.new_pic_inline(str(path), None, None)
        except Exception:  # python-docx raises several kinds, often without a message
            raise AssemblerError(f"picture '{name}' cannot be read as a picture", self.doc.source,
                                 line) from None
        if inline.extent.cx > self.width:
            scale = self.width / inline.extent.cx
            inline = self.word.part.new_pic_inline(str(path), Emu(self.width),
                                                   Emu(int(inline.extent.cy * scale)))
        inline.docPr.set("descr", description)
        return f"<w:r><w:drawing>{inline.xml.split('?>', 1)[-1]}</w:drawing></w:r>"


_variables: dict[str, frozenset[str]] = {}


def template_variables(tpl: DocxTemplate, template: Path) -> frozenset[str]:
    """The names a template prints, worked out once per template content (it re-reads the file)."""
    key = file_digest(template)
    if key not in _variables:
        try:
            found = tpl.get_undeclared_template_variables(jinja_env=SandboxedEnvironment())
        except TemplateError as exc:
            raise AssemblerError(f"the template cannot be rendered: {exc}", template) from None
        _variables[key] = frozenset(found)
    return _variables[key]


class _Sandbox(SandboxedEnvironment):
    """Sandboxed and escaping, since the values are other people's text, never template code; and
    compiling each part of a template once, since a meeting's papers share a few templates and
    compiling takes more of rendering than anything else."""

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self.compiled: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self.compiled:
            self.compiled[source] = super().from_string(source)
        return self.compiled[source]


_sandbox = _Sandbox()


def _render(tpl: DocxTemplate, context: Mapping[str, Any], template: Path, source: Path) -> None:
    env = _sandbox
    try:
        missing = sorted(template_variables(tpl, template) - context.keys())
        if missing:
            raise AssemblerError(f"the template {template.name} prints {', '.join(missing)}, which "
                                 f"this paper does not give; add {missing[0]}: to it", source)
        tpl.render(dict(context), jinja_env=env, autoescape=True)
    except TemplateError as exc:
        raise AssemblerError(f"the template cannot be rendered: {exc}", template) from None


def _describe(word: WordDocument, meeting: Meeting) -> None:
    """The organisation as the file's author, and the meeting's date as its dates, not the template's."""
    properties = word.core_properties
    properties.author = properties.last_modified_by = xml_text(meeting.organisation)
    properties.created = properties.modified = datetime.datetime.combine(meeting.date, datetime.time())


def _closing_kept(word: WordDocument) -> None:
    """Keep the lines after the front sheet's table of items (the contact block) with its last row,
    so that they never stand alone on a page: Word and LibreOffice move the row over with them."""
    body = word.element.body
    tables = body.findall(qn("w:tbl"))
    if not tables:
        return
    after = list(tables[-1].itersiblings(qn("w:p")))
    if not any("".join(p.itertext()).strip() for p in after):
        return
    for p in [*tables[-1].findall(qn("w:tr"))[-1].iter(qn("w:p")), *after[:-1]]:
        p.get_or_add_pPr().keepNext_val = True


def _save(tpl: DocxTemplate, out: Path, title: str) -> None:
    """Write the .docx with a fixed date on each part, so that the same sources give the same bytes.

    The title goes in its core properties: LibreOffice makes it the PDF's title, shown in the window.
    """
    tpl.docx.core_properties.title = xml_text(title)
    rendered = io.BytesIO()
    tpl.save(rendered)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(rendered) as parts, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as fixed:
        for part in parts.infolist():
            fixed.writestr(zipfile.ZipInfo(part.filename, ZIP_EPOCH), parts.read(part), zipfile.ZIP_DEFLATED)


def render_document(doc: Document, item: Item, meeting: Meeting, out: Path) -> None:
    """Render a Markdown paper or appendix into its template, writing out (a .docx)."""
    template = template_path(meeting, doc.template, doc.source)
    tpl = DocxTemplate(template)
    tpl.init_docx()
    _describe(tpl.docx, meeting)
    if landscape(doc):
        for section in tpl.docx.sections:
            _turn(section)
    layout = _layout(tpl.docx, doc, template)
    pictures = _Pictures(tpl.docx, doc, int(layout.text_width * 635))
    parts = has_parts(doc, meeting)
    part_a, part_b = split_parts(doc.body, doc.source, doc.body_line) if parts else \
        (Part(doc.body, doc.body_line), None)
    last = "part_b" if part_b else "body"
    written = {name: write_body(part.markdown, doc.source, part.first_line, layout, pictures,
                                starts=name == "body", ends=name == last)
               for name, part in (("body", part_a), ("part_b", part_b)) if part}
    if written[last].turned_to_end:
        _turn(tpl.docx.sections[-1])
    body = {name: Markup(written[name].xml if name in written else "") for name in ("body", "part_b")}
    context = paper_context(doc, item, meeting) | body
    _render(tpl, context, template, doc.source)
    if doc.front_matter.get("first_minute" if layout.minutes else "number_from") is not None:
        _restart(tpl.docx, "Minute Heading" if layout.minutes else "Numbered Paragraph", first_number(doc))
    _save(tpl, out, doc.title)


def agenda_context(meeting: Meeting, marks: Mapping[str, str], heading: str = "Agenda") -> dict[str, Any]:
    exclusion = exclusion_resolution(meeting.items)
    items = [{"number": i.number, "title": i.title, "presenter": i.presenter, "text": i.text,
              "marked": marks.get(i.number, ""), "exclusion": exclusion.get(i.number, "")}
             for i in meeting.items]
    return {"meeting": meeting_context(meeting), "items": items, "heading": heading,
            "house": asdict(meeting.house)}


def render_agenda(meeting: Meeting, marks: Mapping[str, str], out: Path, heading: str = "Agenda",
                  cache: Cache | None = None) -> None:
    template = template_path(meeting, "agenda")
    context = agenda_context(meeting, marks, heading)

    def make(target: Path) -> None:
        tpl = DocxTemplate(template)
        tpl.init_docx()
        _describe(tpl.docx, meeting)
        if exclusion_resolution(meeting.items) and "item.exclusion" not in tpl.get_xml():
            raise AssemblerError("the template does not print item.exclusion, the resolution to exclude "
                                 "the press and public before an exempt item; see docs/templates.md", template)
        _render(tpl, context, template, meeting.folder / "meeting.yaml")
        _closing_kept(tpl.docx)
        _save(tpl, target, f"{meeting.body} – {context['meeting']['date_text']} – {heading}")

    if cache:
        cache.made("docx", digest(code_digest(), file_digest(template), json_digest(context)), out, make)
    else:
        make(out)


def recipe(doc: Document, item: Item, meeting: Meeting) -> str:
    """Everything that decides a Markdown document's rendered Word file."""
    template = template_path(meeting, doc.template, doc.source)
    return digest(code_digest(), file_digest(template), file_digest(doc.source),
                  json_digest(paper_context(doc, item, meeting)), *map(file_digest, pictures_of(doc)))


@dataclass(frozen=True)
class Rendered:
    """A document ready for the pack: its Word file to convert, or None for a PDF given as it is."""

    item: Item
    index: int  # 0 for the paper, then its appendices
    doc: Document
    docx: Path | None
    pictures: tuple[Path, ...] = ()  # the files a Markdown body shows

    @property
    def key(self) -> tuple[str, int]:
        """(item number, index), as plan.Part.key names the same document."""
        return self.item.number, self.index


def pictures_of(doc: Document) -> tuple[Path, ...]:
    """The picture files a Markdown body shows (those that exist: a missing one is reported when rendering)."""
    found = (doc.source.parent / name for name in picture_sources(doc.body))
    return tuple(path for path in found if path.is_file())


def _render_one(doc: Document, item: Item, meeting: Meeting, folder: Path, index: int,
                cache: Cache | None) -> Rendered:
    if doc.kind == "pdf":
        return Rendered(item, index, doc, None)
    out = inside(folder, f"{output_stem(item, doc)}.docx")
    if doc.kind == "md":
        make = lambda target: render_document(doc, item, meeting, target)  # noqa: E731
        if cache:
            cache.made("docx", recipe(doc, item, meeting), out, make)
        else:
            make(out)
        return Rendered(item, index, doc, out, pictures_of(doc))
    copy_for_layout(doc.source, out)
    return Rendered(item, index, doc, out)


def render_papers(meeting: Meeting, folder: Path, progress: Callable[[str], None],
                  cache: Cache | None = None) -> list[Rendered]:
    """Render every paper and appendix into folder; raises InvalidSources listing every failure."""
    rendered, problems = [], []
    for item in meeting.items:
        for index, doc in enumerate(item.documents):
            progress(f"rendering {screen_name(item, doc)}")
            try:
                rendered.append(_render_one(doc, item, meeting, folder, index, cache))
            except AssemblerError as exc:
                problems.append(exc.problem)
    if problems:
        raise InvalidSources(problems)
    return rendered
