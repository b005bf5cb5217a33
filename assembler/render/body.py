"""Turn a paper's Markdown body into WordprocessingML that uses the template's own styles.

The body is written straight into the rendered document (docxtpl's `{{p body }}`), not as a
subdocument: subdocuments are merged by docxcompose, which gives each one fresh numbering and so
restarts the paragraph numbers. Written inline, every numbered paragraph points at the template's
own "Numbered Paragraph" style, whose numbering definition lives in the template, so numbering runs
on through the whole paper and a house-style change made in Word carries through.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from assembler.errors import AssemblerError
from assembler.render.tables import Extent, TableFont, cell_lines, column_widths, extent, too_wide

# Characters that XML 1.0 forbids; a stray one would make Word refuse the whole document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


SUB_ITEM = re.compile(r"^\((?:[a-z]{1,2}|[ivxlc]+|\d{1,2})\)\s+")
# A line of minutes that starts with the author's own marker: "(i)", "(a)", "1.", "a.", "iv."
_MARKER = re.compile(r"^(?:\((?:[a-z]{1,2}|[ivxlc]+|\d{1,2})\)|(?:[a-z]|[ivxlc]+|\d{1,2})\.)\s+", re.I)
# A Roman list written as lines of a paragraph, since Markdown's own lists count only in digits:
# "I. ", "i. " or "(i) " at the start of each line; the style that numbers it so.
_ROMAN = {"upper": (re.compile(r"^([IVXLC]+)\.\s+"), "Roman List"),
          "lower": (re.compile(r"^([ivxlc]+)\.\s+"), "Lower Roman List"),
          "bracketed": (re.compile(r"^\(([ivxlc]+)\)\s+"), "Bracketed Roman List")}
_ROMAN_DIGITS = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50),
                 ("xl", 40), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))
RESOLUTION = re.compile(r"^(RESOLVED|AGREED)\s*:\s*")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
_PART = re.compile(r"^PART\s+([A-Z])\b\.?\s*(.*)$", re.I)

_JUSTIFY = {"left": "left", "center": "center", "right": "right"}  # GFM's alignments, as Word names them

# How deep lists and block quotes may nest (Word's lists have nine levels), and bold, italics and
# links within a line. The parser silently drops whatever lies deeper than its own limit, maxNesting;
# a list or quote takes at most two of its levels, so with this one it keeps everything down to the
# level this check refuses, and no text is ever lost without a word.
MAX_BLOCK_DEPTH = 9
MAX_INLINE_DEPTH = 20
MAX_COLUMNS = 63  # as Word's tables allow
PARSER = MarkdownIt("commonmark", {"html": True, "maxNesting": 2 * MAX_BLOCK_DEPTH + 2}).enable("table")
_CONTAINERS = {"bullet_list_open": "lists", "ordered_list_open": "lists", "blockquote_open": "block quotes"}


@functools.lru_cache(maxsize=64)
def parsed(markdown: str) -> list[Token]:
    """The body's tokens, parsed once however often a build reads it (for its pictures, its parts
    and its text); read them, never change them."""
    return PARSER.parse(markdown)


def checked(markdown: str, source: Path, first_line: int) -> list[Token]:
    """The body's tokens, once they are known to nest no deeper than is supported: deeper, the
    parser would have dropped text, and the tree of tokens would be too deep to walk."""
    tokens = parsed(markdown)
    depth = cells = row = 0
    for token in tokens:
        line = first_line + token.map[0] if token.map else first_line
        if token.type in _CONTAINERS:
            depth += 1
            if depth > MAX_BLOCK_DEPTH:
                raise AssemblerError(f"{_CONTAINERS[token.type]} nested more than {MAX_BLOCK_DEPTH} "
                                     "deep are not supported; bring the deepest lines up a level",
                                     source, line)
        elif token.type.endswith(("list_close", "blockquote_close")):
            depth -= 1
        elif token.type == "tr_open":
            cells, row = 0, line
        elif token.type in ("th_open", "td_open"):
            cells += 1
            if cells > MAX_COLUMNS:
                raise AssemblerError(f"a table of more than {MAX_COLUMNS} columns; a Word table holds "
                                     f"{MAX_COLUMNS} at most: split it into tables", source, row)
        elif token.type == "inline":
            _check_inline(token, source, line)
    return tokens


def _check_inline(inline: Token, source: Path, line: int) -> None:
    """Bold, italics and links nested deeper than a sentence could need: often a stray run of '*'."""
    for child in inline.children or ():
        if child.level > MAX_INLINE_DEPTH:
            raise AssemblerError(f"bold, italics and links nested more than {MAX_INLINE_DEPTH} deep are "
                                 "not supported; check the '*' and '_' on this line", source, line)
        if child.type in ("softbreak", "hardbreak"):
            line += 1


STYLE_NAMES = (
    "Heading 1", "Heading 2", "Heading 3", "Numbered Paragraph", "Sub-item", "Sub-sub-item",
    "Body Text", "List Bullet", "List Bullet 2", "List Bullet 3", "List Continue", "Quote",
    "Table Text", "Table Heading",
)
MINUTES_STYLE_NAMES = ("Minute Heading", "Resolution", "Minute Sub-item")
# Styles only a paper that asks for them needs, so that a house template from before them still serves.
OPTIONAL_STYLE_NAMES = ("Decimal Sub-paragraph", *(name for _, name in _ROMAN.values()))


NewList = Callable[[str], str]  # a list style's name -> the numPr of a fresh list in that style


@dataclass(frozen=True)
class Turned:
    """Landscape pages for a table too wide for the paper's own: the section breaks around it."""

    before: str  # the sectPr that ends the pages before the table, as the template has them
    after: str  # the sectPr that ends the table's own pages: the template's, turned on its side
    text_width: int  # across the landscape page, in twips


@dataclass(frozen=True)
class Layout:
    """What the template offers the body: its style ids by name and the width of its text column."""

    styles: dict[str, str]
    text_width: int  # twentieths of a point
    table_style: str
    numbered: bool = True
    minutes: bool = False
    decimal: bool = False  # `subparagraphs: decimal`: a numbered paragraph's list numbered 7.1, 7.2
    indents: dict[str, int] = field(default_factory=dict)  # list style -> its text's left indent
    new_list: NewList = lambda style: ""
    # The numPr of the style's own list, written out: LibreOffice reads a style's list but not its level.
    same_list: NewList = lambda style: ""
    table_font: TableFont = TableFont("Arial", 10, 160)
    turned: Turned | None = None  # None where the pages are landscape already


@dataclass(frozen=True)
class Cell:
    runs: str  # the cell's text as runs
    align: str  # "left", "center", "right", or "" for the style's own


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    header: bool


@dataclass(frozen=True)
class Body:
    xml: str
    turned_to_end: bool  # its last pages are landscape, and the rest of its document should be too


ImageWriter = Callable[[Path, str, int], str]  # file, description, line -> the picture's run XML


@dataclass(frozen=True)
class Part:
    """A stretch of a paper's body: its Markdown and the file line it starts on."""

    markdown: str
    first_line: int


def split_parts(markdown: str, source: Path, first_line: int) -> tuple[Part, Part | None]:
    """Part A and Part B of a Cabinet-style body, split at its `# PART B` heading (None without one).

    The template prints the "PART A" and "PART B" headings itself, so the heading is not kept.
    """
    found = None
    tokens = checked(markdown, source, first_line)
    for opening, inline in zip(tokens, tokens[1:]):
        heading = opening.type == "heading_open" and opening.tag == "h1"
        part = _PART.match(inline.content.strip()) if heading else None
        if not part or opening.level or not opening.map:
            continue
        line = first_line + opening.map[0]
        letter, rest = part.group(1).upper(), part.group(2)
        if letter != "B" or rest:
            raise AssemblerError("the template prints 'PART A' itself and starts Part B at a heading "
                                 "'# PART B' alone on its line", source, line)
        if found:
            raise AssemblerError("a second '# PART B' heading", source, line)
        found = opening.map
    if not found:
        return Part(markdown, first_line), None
    lines = markdown.splitlines(keepends=True)
    return (Part("".join(lines[:found[0]]), first_line),
            Part("".join(lines[found[1]:]), first_line + found[1]))


def text_run(text: str, bold: bool = False, italic: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(xml_text(text))}</w:t></w:r>'


def paragraph(style: str, runs: str, extra: str = "") -> str:
    return f'<w:p><w:pPr><w:pStyle w:val={quoteattr(style)}/>{extra}</w:pPr>{runs}</w:p>'


def keep(node: SyntaxTreeNode) -> str:
    """Keep with next a paragraph that introduces what follows (it ends in ":"), so that "It is
    recommended that:" never ends a page whose list starts on the next."""
    return "<w:keepNext/>" if node.content.rstrip().endswith(":") else ""


def roman_value(numeral: str) -> int:
    value, rest = 0, numeral.lower()
    for digits, worth in _ROMAN_DIGITS:
        while rest.startswith(digits):
            value, rest = value + worth, rest[len(digits):]
    return value if not rest else 0


def print_address(href: str) -> str:
    """A link's address as a reader of the printed page would type it."""
    return re.sub(r"^(https?://(www\.)?|mailto:)", "", href).rstrip("/")


class BodyWriter:
    def __init__(self, source: Path, first_line: int, layout: Layout, images: ImageWriter | None):
        self.source = source
        self.first_line = first_line
        self.layout = layout
        self.images = images
        self.tables: dict[int, list[Row]] = {}  # each table's rows, by id(node)
        self.headings: list[int] = []  # the Markdown levels of the headings the next one may nest under

    def line_of(self, node: SyntaxTreeNode) -> int:
        """The file line of a node; an inline node counts the line breaks before it in its block."""
        block = node
        while block.map is None and block.parent is not None:
            block = block.parent
        start = block.map[0] + self.first_line if block.map else self.first_line
        return start + _breaks_before(block, node)

    def fail(self, node: SyntaxTreeNode, message: str) -> AssemblerError:
        return AssemblerError(message, self.source, self.line_of(node))

    def style(self, name: str, node: SyntaxTreeNode | None = None) -> str:
        """A style's id; node, for a style only some papers need, is where the paper asks for it."""
        if name not in self.layout.styles:
            raise AssemblerError(f"the template has no style named '{name}', which this paper's lists "
                                 "need; see docs/templates.md", self.source, self.line_of(node) if node else None)
        return self.layout.styles[name]

    # Blocks

    def write(self, markdown: str, starts: bool = False, ends: bool = False) -> Body:
        """The body's blocks, each table too wide for the page on landscape pages of its own, with
        the heading just before it, and tables that follow one another on the same pages.

        A body that `starts` its document and opens with such a table turns the pages from the
        document's start, rather than leave its title alone on a portrait page; one that `ends` it
        and closes with one leaves the rest of the document on landscape pages (the caller turns
        the document's last section), rather than end on a page with nothing but its closing lines.
        """
        blocks = list(SyntaxTreeNode(checked(markdown, self.source, self.first_line)).children)
        wide = [self.turns(node) for node in blocks] + [False]
        turned = [w or (node.type == "heading" and wide[n + 1]) for n, (node, w) in enumerate(zip(blocks, wide))]
        turned.append(False)
        out = []
        for n, node in enumerate(blocks):
            if not turned[n] or self.layout.turned is None:
                out.append(self.block(node, depth=0))
                continue
            if (n > 0 and not turned[n - 1]) or (n == 0 and not starts):
                out.append(_section_break(self.layout.turned.before))
            if node.type != "table":
                out.append(self.block(node, depth=0))
                continue
            closes = not turned[n + 1] and not (ends and n == len(blocks) - 1)
            end = _section_break(self.layout.turned.after) if closes else "<w:p/>"
            out.append(self.table(node, end, self.layout.turned.text_width))
        return Body("".join(out), bool(ends and blocks and turned[len(blocks) - 1]))

    def block(self, node: SyntaxTreeNode, depth: int) -> str:
        kind = node.type
        if kind == "heading":
            return self.heading(node)
        if kind == "paragraph":
            return self.paragraph(node)
        if kind in ("bullet_list", "ordered_list"):
            return self.list_block(node, depth + 1)
        if kind == "blockquote":
            return self.quote(node)
        if kind == "table":
            return self.table(node)
        if kind in ("html_block", "html_inline"):
            raise self.fail(node, "raw HTML is not supported; write it in Markdown")
        if kind == "code_block":
            raise self.fail(node, "code blocks are not supported (is a line indented by four spaces?)")
        if kind == "fence":
            raise self.fail(node, "code blocks ('```') are not supported")
        if kind == "hr":
            raise self.fail(node, "a horizontal rule ('---') is not supported; use a heading, "
                                  "or '\\newpage' for a new page")
        raise self.fail(node, f"Markdown '{kind}' is not supported")

    def quote(self, node: SyntaxTreeNode) -> str:
        """Every paragraph of a block quote in the Quote style, a list's markers kept as text."""
        quote = self.style("Quote")
        out = []
        for leaf, marker in self.leaves(node, ""):
            runs = text_run(f"{marker} ") if marker else ""
            out.append(paragraph(quote, runs + self.inline(leaf.children[0])))
        return "".join(out)

    def leaves(self, node: SyntaxTreeNode, marker: str) -> list[tuple[SyntaxTreeNode, str]]:
        """The paragraphs inside a block quote, however deeply nested, each with its list marker."""
        if node.type == "paragraph":
            return [(node, marker)]
        if node.type == "list_item":
            marker = f"{node.info}{node.markup}" if node.info else "\u2022"
        elif node.type not in ("blockquote", "bullet_list", "ordered_list"):
            raise self.fail(node, f"'{node.type}' inside a block quote is not supported")
        found = []
        for child in node.children:
            found += self.leaves(child, marker)
            marker = ""  # only an item's first paragraph carries its marker
        return found

    def heading(self, node: SyntaxTreeNode) -> str:
        level = int(node.tag[1])
        name = "Minute Heading" if self.layout.minutes and level == 2 else f"Heading {min(level, 3)}"
        return paragraph(self.style(name), self.inline(node.children[0]), self.outline(level))

    def outline(self, level: int) -> str:
        """The heading's level in the tagged PDF: one below the heading it nests under, the paper's
        title being the first (H1). A paper whose headings start at ## still nests (H1, H2, not H3);
        the style, and so the look, is the author's."""
        while self.headings and self.headings[-1] >= level:
            self.headings.pop()
        self.headings.append(level)
        return f'<w:outlineLvl w:val="{len(self.headings)}"/>'  # Word counts from 0: 1 is H2

    def paragraph(self, node: SyntaxTreeNode) -> str:
        inline = node.children[0]
        if inline.content.strip() == "\\newpage":
            return '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
        intro, listed = _introduced(_lines(inline))
        is_list = bool(intro) or len(listed) > 1  # one line alone is a sentence, not a list
        if self.layout.minutes:
            if is_list and all(_MARKER.match(_line_text(line)) for line in listed):
                return self.intro(intro) + "".join(self.marked_line(line) for line in listed)
            return self.minutes_paragraph(inline)
        roman = _roman_kind(listed) if is_list else None
        if roman:
            return self.intro(intro) + self.roman_list(listed, roman)
        return paragraph(self.style(self.paragraph_style(picture_only(inline))), self.inline(inline), keep(inline))

    def paragraph_style(self, pictures_alone: bool = False) -> str:
        numbered = self.layout.numbered and not self.layout.minutes and not pictures_alone
        return "Numbered Paragraph" if numbered else "Body Text"

    def intro(self, line: list[SyntaxTreeNode] | None) -> str:
        """The line that introduces a list written as lines ("The Board noted:"), kept with it."""
        if not line:
            return ""
        return paragraph(self.style(self.paragraph_style()), self.line_runs(line), "<w:keepNext/>")

    def roman_list(self, lines: list[list[SyntaxTreeNode]], kind: str) -> str:
        """A paragraph of lines "I. …", "II. …" as a list in the template's Roman list style."""
        pattern, name = _ROMAN[kind]
        style = self.style(name, lines[0][0])
        numbering = self.layout.new_list(name)
        out = []
        for line in lines:
            marker = pattern.match(_line_text(line))
            assert marker  # _roman_kind matched every line
            out.append(paragraph(style, self.line_runs(line, len(marker.group(0))), numbering))
        return "".join(out)

    def marked_line(self, line: list[SyntaxTreeNode]) -> str:
        """A line of minutes that starts with its own marker, kept as written and hung in the margin."""
        marker = _MARKER.match(_line_text(line))
        assert marker  # the caller matched every line
        runs = text_run(marker.group(0).strip()) + "<w:r><w:tab/></w:r>"
        return paragraph(self.style("Minute Sub-item"), runs + self.line_runs(line, len(marker.group(0))))

    def minutes_paragraph(self, inline: SyntaxTreeNode) -> str:
        """Minutes are unnumbered; resolutions are set apart and "(a)" sub-items hang their marker."""
        text = inline.content
        resolution = RESOLUTION.match(text)
        if resolution:
            head = paragraph(self.style("Resolution"), text_run(f"{resolution.group(1)}:"))
            rest = self.inline(inline, skip=len(resolution.group(0)))
            return head + (paragraph(self.style("Body Text"), rest, keep(inline)) if rest else "")
        marker = SUB_ITEM.match(text)
        if marker:
            runs = text_run(marker.group(0).strip()) + "<w:r><w:tab/></w:r>"
            return paragraph(self.style("Minute Sub-item"), runs + self.inline(inline, skip=len(marker.group(0))),
                             keep(inline))
        return paragraph(self.style("Body Text"), self.inline(inline), keep(inline))

    def list_block(self, node: SyntaxTreeNode, depth: int) -> str:
        """A list in the template's list styles: (a) then (i) for numbers, bullets by depth.

        Each numbered list is a fresh instance of the template's list, so it starts again at (a) or
        (i) wherever it stands: in an unnumbered appendix, or after a heading, there is no numbered
        paragraph before it to restart it.
        """
        ordered = node.type == "ordered_list"
        if ordered and self.layout.minutes:
            return "".join(self.minutes_item(item, depth) for item in node.children)
        names = self.list_styles(ordered)
        name = names[min(depth, len(names)) - 1]
        # Deeper than the template's levels: the deepest style, one more step in for each level.
        step = self.indent(names[-1]) - self.indent(names[-2])
        left = self.indent(name) + step * max(0, depth - len(names))
        # A decimal sub-paragraph goes on counting in its paragraph's list: 7.1 after paragraph 7.
        numbering = "" if not ordered else self.layout.same_list(name) if name == "Decimal Sub-paragraph" \
            else self.layout.new_list(name)
        own = numbering + (f'<w:ind w:left="{left}"/>' if depth > len(names) else "")
        return "".join(self.list_item(item, depth, name, own, left) for item in node.children)

    def list_styles(self, ordered: bool) -> tuple[str, ...]:
        """The styles of a list's levels: (a) then (i) for numbers, or 7.1 then (a) in a report with
        decimal sub-paragraphs; bullets by depth."""
        if not ordered:
            return "List Bullet", "List Bullet 2", "List Bullet 3"
        if self.layout.decimal:
            return "Decimal Sub-paragraph", "Sub-sub-item"
        return "Sub-item", "Sub-sub-item"

    def minutes_item(self, item: SyntaxTreeNode, depth: int) -> str:
        """An item of a numbered list in minutes, its marker ("1.", "2)") kept as the author wrote it."""
        out = []
        left = f'<w:ind w:left="{self.indent("Sub-item") * depth}"/>' if depth > 1 else ""
        for n, child in enumerate(item.children):
            if child.type == "paragraph" and n == 0:
                runs = text_run(f"{item.info}{item.markup}") + "<w:r><w:tab/></w:r>" + self.inline(child.children[0])
                out.append(paragraph(self.style("Minute Sub-item"), runs, keep(child.children[0]) + left))
            else:
                out.append(self.block(child, depth))
        return "".join(out)

    def list_item(self, item: SyntaxTreeNode, depth: int, name: str, own: str, left: int) -> str:
        """The item's first paragraph carries its number or bullet; later ones line up with its text."""
        out = []
        for n, child in enumerate(item.children):
            if child.type != "paragraph":
                out.append(self.block(child, depth))
            elif n == 0:
                out.append(paragraph(self.style(name), self.inline(child.children[0]), keep(child.children[0]) + own))
            else:
                out.append(paragraph(self.style("List Continue"), self.inline(child.children[0]),
                                     f'<w:ind w:left="{left}"/>'))
        return "".join(out)

    def indent(self, name: str) -> int:
        return self.layout.indents.get(name, 0)

    def table(self, node: SyntaxTreeNode, end: str = "<w:p/>", width: int = 0) -> str:
        """A table at its content's widths, its header row repeated on each page it runs on to.

        `end` is the paragraph after it: an empty one keeps two tables, or a table and a list,
        apart; or the section break that ends a table's landscape pages, `width` across.
        """
        rows = self.rows(node)
        widths = column_widths(self.extents(node), width or self.layout.text_width)
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        headed = int(bool(rows) and rows[0].header)
        # tblLook's firstRow (0x20 in its older hex form) is what shades the first row in the table
        # style: only a header row is shaded. 0x400 is noVBand.
        props = (f'<w:tblPr><w:tblStyle w:val={quoteattr(self.layout.table_style)}/>'
                 f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
                 f'<w:tblLook w:val="{0x400 | 0x20 * headed:04X}" w:firstRow="{headed}" w:lastRow="0" '
                 'w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>')
        body = "".join(self.table_row(row, widths) for row in rows)
        return f"<w:tbl>{props}<w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>{end}"

    def rows(self, node: SyntaxTreeNode) -> list[Row]:
        """The table's rows with their cells written out, once (a picture in a cell is added to the
        document when written). A header row whose cells are all empty is left out: Markdown
        cannot write a table without one."""
        if id(node) not in self.tables:
            rows = [Row(tuple(self.table_cell(cell) for cell in row.children), part.type == "thead")
                    for part in node.children for row in part.children]
            self.tables[id(node)] = [r for r in rows if not r.header or any(c.runs for c in r.cells)]
        return self.tables[id(node)]

    def table_cell(self, cell: SyntaxTreeNode) -> Cell:
        align = re.search(r"text-align:(\w+)", str(cell.attrs.get("style", "")))
        return Cell(self.inline(cell.children[0]) if cell.children else "", align.group(1) if align else "")

    def extents(self, node: SyntaxTreeNode) -> list[Extent]:
        rows = self.rows(node)
        count = max((len(row.cells) for row in rows), default=0)
        return [extent([cell_lines(row.cells[c].runs, row.header) for row in rows if c < len(row.cells)],
                       self.layout.table_font) for c in range(count)]

    def turns(self, node: SyntaxTreeNode) -> bool:
        """Whether a table goes on landscape pages of its own: its words do not fit across the page."""
        return (node.type == "table" and self.layout.turned is not None
                and too_wide(self.extents(node), self.layout.text_width))

    def table_row(self, row: Row, widths: list[int]) -> str:
        # The header row repeats at the top of each page the table runs on to.
        props = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if row.header else "<w:trPr><w:cantSplit/></w:trPr>"
        style = self.style("Table Heading" if row.header else "Table Text")
        cells = []
        for cell, width in zip(row.cells, widths):
            jc = f'<w:jc w:val="{_JUSTIFY[cell.align]}"/>' if cell.align in _JUSTIFY else ""
            cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                         f'{paragraph(style, cell.runs, jc)}</w:tc>')
        return f"<w:tr>{props}{''.join(cells)}</w:tr>"

    # Inline

    def inline(self, node: SyntaxTreeNode, skip: int = 0) -> str:
        """The runs of an inline node; `skip` drops that many leading characters of plain text."""
        return self.line_runs(list(node.children), skip)

    def line_runs(self, children: list[SyntaxTreeNode], skip: int = 0) -> str:
        """The runs of some of an inline node's children, less `skip` leading characters of plain text."""
        out: list[str] = []
        children = list(children)
        while skip and children and children[0].type == "text":
            text = children.pop(0).content
            if len(text) > skip:
                out.append(text_run(text[skip:]))
            skip = max(0, skip - len(text))
        self.runs(children, out, bold=False, italic=False)
        return "".join(out)

    def runs(self, children: list[SyntaxTreeNode], out: list[str], bold: bool, italic: bool) -> None:
        for child in children:
            kind = child.type
            if kind in ("text", "code_inline"):
                if _FOOTNOTE.search(child.content):
                    raise self.fail(child, "footnotes ('[^1]') are not supported; "
                                           "put the note in the text, in brackets")
                out.append(text_run(child.content, bold, italic))
            elif kind == "strong":
                self.runs(child.children, out, True, italic)
            elif kind == "em":
                self.runs(child.children, out, bold, True)
            elif kind == "softbreak":
                out.append(text_run(" ", bold, italic))
            elif kind == "hardbreak":
                out.append("<w:r><w:br/></w:r>")
            elif kind == "link":
                self.link(child, out, bold, italic)
            elif kind == "image":
                out.append(self.image(child))
            elif kind == "html_inline":
                raise self.fail(child, f"raw HTML is not supported: {' '.join(child.content.split())}")
            else:
                raise self.fail(child, f"Markdown '{kind}' is not supported")

    def link(self, node: SyntaxTreeNode, out: list[str], bold: bool, italic: bool) -> None:
        """Keep the text; print the address after it, since a printed page cannot be clicked."""
        self.runs(node.children, out, bold, italic)
        address = print_address(str(node.attrs.get("href", "")))
        shown_text = "".join(c.content for c in node.children if c.type == "text")
        if address and print_address(shown_text) != address:
            out.append(text_run(f" ({address})", bold, italic))

    def image(self, node: SyntaxTreeNode) -> str:
        if self.images is None:
            raise self.fail(node, "pictures are not supported in this document")
        description = "".join(c.content for c in node.children if c.type == "text")
        return self.images(Path(str(node.attrs.get("src", ""))), description, self.line_of(node))


def _section_break(section: str) -> str:
    """An empty paragraph that ends a section: the pages before it are laid out as section says."""
    return f"<w:p><w:pPr>{section}</w:pPr></w:p>"


def picture_only(inline: SyntaxTreeNode) -> bool:
    """Whether a paragraph holds only pictures: it is set apart, never numbered."""
    return all(c.type == "image" or (c.type == "text" and not c.content.strip()) for c in inline.children)


def _lines(inline: SyntaxTreeNode) -> list[list[SyntaxTreeNode]]:
    """An inline node's children, line by line (split at its soft line breaks)."""
    lines: list[list[SyntaxTreeNode]] = [[]]
    for child in inline.children:
        if child.type == "softbreak":
            lines.append([])
        else:
            lines[-1].append(child)
    return lines


def _line_text(line: list[SyntaxTreeNode]) -> str:
    return line[0].content if line and line[0].type == "text" else ""


def _introduced(lines: list[list[SyntaxTreeNode]]) -> tuple[list[SyntaxTreeNode] | None, list[list[SyntaxTreeNode]]]:
    """A paragraph's first line if it introduces the lines after it (it ends in ":"), and the rest."""
    first = lines[0]
    if len(lines) > 1 and first and first[-1].type == "text" and first[-1].content.rstrip().endswith(":"):
        return first, lines[1:]
    return None, lines


def _roman_kind(lines: list[list[SyntaxTreeNode]]) -> str | None:
    """Which Roman list a paragraph's lines make ("upper", "lower", "bracketed"), if every line starts
    with the next numeral from I or i."""
    for kind, (pattern, _) in _ROMAN.items():
        markers = [pattern.match(_line_text(line)) for line in lines]
        if all(m and roman_value(m.group(1)) == n for n, m in enumerate(markers, 1)):
            return kind
    return None


def _cell_text(row: SyntaxTreeNode, column: int) -> str:
    cell = row.children[column] if column < len(row.children) else None
    return cell.children[0].content if cell is not None and cell.children else ""


def _breaks_before(block: SyntaxTreeNode, node: SyntaxTreeNode) -> int:
    """How many line breaks the text of block holds before node."""
    breaks = 0
    for other in block.walk():
        if other is node:
            break
        if other.type in ("softbreak", "hardbreak"):
            breaks += 1
        elif other.type == "html_inline":
            breaks += other.content.count("\n")
    return breaks


@functools.lru_cache(maxsize=256)
def picture_places(markdown: str) -> tuple[tuple[str, int], ...]:
    """The files a body's pictures name, each with its line in the body (from 0), in order (asked
    for several times a build: kept)."""
    found = []
    for token in parsed(markdown):
        line = token.map[0] if token.map else 0
        for child in token.children or ():
            if child.type == "image":
                found.append((str(child.attrs.get("src", "")), line))
            elif child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                line += child.content.count("\n")
    return tuple(found)


def picture_sources(markdown: str) -> tuple[str, ...]:
    """The files a body's pictures name, in order."""
    return tuple(name for name, _ in picture_places(markdown))


def write_body(markdown: str, source: Path, first_line: int, layout: Layout, images: ImageWriter | None = None,
               starts: bool = False, ends: bool = False) -> Body:
    return BodyWriter(source, first_line, layout, images).write(markdown, starts, ends)


def markdown_to_wordml(markdown: str, source: Path, first_line: int, layout: Layout,
                       images: ImageWriter | None = None) -> str:
    return write_body(markdown, source, first_line, layout, images).xml
