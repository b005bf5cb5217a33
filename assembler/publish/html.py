"""The HTML version of each public Markdown paper, for the council's website: web/NN-slug.html.

A paper's page is made from the same parse of its Markdown as its Word file (render/body.py), so
it says what the PDF says: the same paragraph numbers, headings, lists, tables and pictures, and
the same parts of the front matter (report of, background papers, officers, appendices). It also
marks where each of the pack's pages starts (`id="page-14"`), so that "see page 14" works online.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

from markdown_it.tree import SyntaxTreeNode

from assembler.errors import AssemblerError
from assembler.model import Document, Meeting
from assembler.publish.agenda import Paper
from assembler.render.body import RESOLUTION, SUB_ITEM, Part, checked, picture_only, split_parts
from assembler.render.word import first_number, has_parts, numbered, paper_context
from assembler.runtime.cache import Cache, digest, file_digest
from assembler.runtime.outputs import inside

STYLE = "style.css"
TEXT_SECONDS = 60  # pdftotext reads a paper of a hundred pages in well under a second
PROBE = 40  # how much of a piece's text is looked for in the PDF's text: enough to be found once


@dataclass(frozen=True)
class Piece:
    """A stretch of a page's HTML. A page's anchor may go at `opening`'s end, where the text a
    reader sees of it (`text`, matched with the PDF's) starts; a piece without text never takes one."""

    opening: str
    rest: str = ""
    text: str = ""


def block(html: str, text: str) -> Piece:
    """A paragraph, heading, figure or table that an anchor goes before."""
    return Piece("", html, text)


def page_shell(title: str, body: str, head: str = "") -> str:
    """A whole page: its language, title, the one style sheet, a skip link and the main landmark."""
    return (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{escape(title)}</title>\n<link rel="stylesheet" href="{STYLE}">\n</head>\n<body>\n'
            f'<a class="skip" href="#main">Skip to main content</a>\n{head}'
            f'<main id="main">\n{body}</main>\n</body>\n</html>\n')


def plain(node: SyntaxTreeNode) -> str:
    """What a reader sees of an inline node, as text."""
    if node.type in ("text", "code_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(plain(child) for child in node.children)


class HtmlBody:
    """A paper's Markdown body as HTML pieces, numbered as its template numbers it.

    Only what render/body.py accepts reaches here: the paper was rendered into Word first, which
    refuses anything else with a message naming the line.
    """

    def __init__(self, doc: Document, picture: Callable[[str], str]):
        self.minutes = doc.template == "minutes"
        self.numbered = numbered(doc)
        self.number = first_number(doc)  # the next paragraph's (or minute's) number
        self.picture = picture
        self.shift = 1  # the paper's title is the h1: a '#' heading is an h2

    def write(self, part: Part) -> list[Piece]:
        root = SyntaxTreeNode(checked(part.markdown, Path(), part.first_line))
        return [piece for node in root.children for piece in self.block(node)]

    def block(self, node: SyntaxTreeNode) -> list[Piece]:
        if node.type == "heading":
            return [self.heading(node)]
        if node.type == "paragraph":
            return self.paragraph(node)
        if node.type in ("bullet_list", "ordered_list"):
            return self.list_block(node)
        if node.type == "blockquote":
            return self.quote(node)
        return self.table(node)  # the only other kind body.py lets through

    def quote(self, node: SyntaxTreeNode) -> list[Piece]:
        """A block quote: its paragraphs are in the Quote style in Word, never numbered."""
        numbered, self.numbered = self.numbered, False
        inside_quote = [piece for child in node.children for piece in self.block(child)]
        self.numbered = numbered
        return [Piece("<blockquote>\n"), *inside_quote, Piece("</blockquote>\n")]

    def numbered_number(self) -> str:
        self.number += 1
        return f'<span class="number">{self.number - 1}.</span> '

    def heading(self, node: SyntaxTreeNode) -> Piece:
        level = int(node.tag[1])
        tag = f"h{min(level, 3) + self.shift}"
        inline = node.children[0]
        minute = self.minutes and level == 2
        number = self.numbered_number() if minute else ""
        return block(f"<{tag}>{number}{self.inline(inline)}</{tag}>\n", plain(inline))

    def paragraph(self, node: SyntaxTreeNode) -> list[Piece]:
        inline = node.children[0]
        if inline.content.strip() == "\\newpage":
            return []
        if picture_only(inline):
            return [block(f'<figure>{self.inline(inline)}</figure>\n', "")]
        if self.minutes:
            return self.minutes_paragraph(inline)
        number = self.numbered_number() if self.numbered else ""
        return [block(f'<p>{number}{self.inline(inline)}</p>\n', plain(inline))]

    def minutes_paragraph(self, inline: SyntaxTreeNode) -> list[Piece]:
        """As the minutes' template sets them: "RESOLVED:" apart, "(a)" sub-items hanging their marker."""
        text = plain(inline)
        resolution = RESOLUTION.match(inline.content)
        if resolution:
            rest = self.inline(inline, skip=len(resolution.group(0)))
            head = block(f'<p class="resolution"><strong>{resolution.group(1)}:</strong></p>\n',
                         f"{resolution.group(1)}:")
            return [head, block(f"<p>{rest}</p>\n", text[len(resolution.group(0)):])] if rest else [head]
        marker = SUB_ITEM.match(inline.content)
        if marker:
            rest = self.inline(inline, skip=len(marker.group(0)))
            return [block(f'<p class="sub-item"><span class="marker">{escape(marker.group(0).strip())}</span> '
                          f'{rest}</p>\n', text)]
        return [block(f"<p>{self.inline(inline)}</p>\n", text)]

    def list_block(self, node: SyntaxTreeNode) -> list[Piece]:
        tag = "ol" if node.type == "ordered_list" else "ul"
        pieces = [Piece(f"<{tag}>\n")]
        for item in node.children:
            for n, child in enumerate(item.children):
                if child.type == "paragraph" and n == 0:
                    pieces.append(Piece("<li>", self.inline(child.children[0]), plain(child.children[0])))
                elif child.type == "paragraph":
                    pieces.append(block(f"<p>{self.inline(child.children[0])}</p>", plain(child.children[0])))
                else:
                    pieces += self.block(child)
            pieces.append(Piece("</li>\n"))
        return [*pieces, Piece(f"</{tag}>\n")]

    def table(self, node: SyntaxTreeNode) -> list[Piece]:
        pieces = [Piece("<table>\n")]
        for part in node.children:
            header = part.type == "thead"
            if header and not any(cell.children and plain(cell.children[0]).strip()
                                  for row in part.children for cell in row.children):
                continue  # a header row of empty cells is left out, as in the PDF
            pieces.append(Piece(f"<{part.type}>\n"))
            for row in part.children:
                cells = [self.cell(cell, header) for cell in row.children]
                text = " ".join(plain(cell.children[0]) if cell.children else "" for cell in row.children)
                opening, _, rest = "".join(cells).partition(">")
                pieces.append(Piece(f"<tr>{opening}>", f"{rest}</tr>\n", text))
            pieces.append(Piece(f"</{part.type}>\n"))
        return [*pieces, Piece("</table>\n")]

    def cell(self, cell: SyntaxTreeNode, header: bool) -> str:
        align = re.search(r"text-align:(\w+)", str(cell.attrs.get("style", "")))
        kind = ' class="right"' if align and align.group(1) == "right" else \
            ' class="centre"' if align and align.group(1) == "center" else ""
        content = self.inline(cell.children[0]) if cell.children else ""
        return f'<th scope="col"{kind}>{content}</th>' if header else f"<td{kind}>{content}</td>"

    def inline(self, node: SyntaxTreeNode, skip: int = 0) -> str:
        """The HTML of an inline node; `skip` drops that many leading characters of plain text."""
        children = list(node.children)
        out = []
        while skip and children and children[0].type == "text":
            text = children.pop(0).content
            out.append(escape(text[skip:]))
            skip = max(0, skip - len(text))
        return "".join(out) + "".join(self.run(child) for child in children)

    def run(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        inner = "".join(self.run(child) for child in node.children)
        if kind == "text":
            return escape(node.content)
        if kind == "code_inline":
            return f"<code>{escape(node.content)}</code>"
        if kind == "strong":
            return f"<strong>{inner}</strong>"
        if kind == "em":
            return f"<em>{inner}</em>"
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "<br>\n"
        if kind == "link":
            return f'<a href="{escape(str(node.attrs.get("href", "")))}">{inner}</a>'
        # An image: the only other kind body.py lets through.
        alt = "".join(c.content for c in node.children if c.type == "text")
        return f'<img src="{escape(self.picture(str(node.attrs.get("src", ""))))}" alt="{escape(alt)}">'


class Pictures:
    """Copies the pictures a paper shows into web/, under names made from the paper's own."""

    def __init__(self, doc: Document, web: Path, stem: str):
        self.doc, self.web, self.stem = doc, web, stem
        self.names: dict[str, str] = {}

    def __call__(self, src: str) -> str:
        if src not in self.names:
            # Never the author's file name: only the paper's own (public) name and a count.
            name = f"{self.stem}-picture-{len(self.names) + 1}{Path(src).suffix.lower()}"
            shutil.copyfile(self.doc.source.parent / src, inside(self.web, name))
            self.names[src] = name
        return self.names[src]


# The front matter's parts, as the templates print them around the body.

def people_table(heading: str, people: list[dict[str, Any]], second: str) -> list[Piece]:
    """The minutes' Present, Officers and Apologies: a name and a role (or organisation) each."""
    if not people:
        return []
    rows = [Piece("<tr>", f'<th scope="row">{escape(p["name"])}</th><td>{escape(str(p[second]))}</td></tr>\n',
                  f'{p["name"]} {p[second]}') for p in people]
    label = "Organisation" if second == "organisation" else "Role"
    return [block(f"<h2>{heading}</h2>\n", heading),
            Piece(f'<table>\n<thead class="hidden"><tr><th scope="col">Name</th><th scope="col">{label}</th>'
                  "</tr></thead>\n<tbody>\n"), *rows, Piece("</tbody>\n</table>\n")]


def officers(context: dict[str, Any]) -> list[Piece]:
    if not context["officers"]:
        return []
    pieces = [block("<h2>Officers to Contact</h2>\n", "Officers to Contact")]
    for officer in context["officers"]:
        lines = [escape(officer["name"]), escape(str(officer["role"])) if officer["role"] else "",
                 f'Tel: {escape(str(officer["phone"]))}' if officer["phone"] else "",
                 f'Email: <a href="mailto:{escape(officer["email"])}">{escape(officer["email"])}</a>'
                 if officer["email"] else ""]
        text = " ".join(str(officer[k]) for k in ("name", "role", "phone", "email"))
        pieces.append(block(f'<p class="officer">{"<br>".join(line for line in lines if line)}</p>\n', text))
    return pieces


def background_papers(context: dict[str, Any]) -> list[Piece]:
    listed = [block(f"<p>{escape(str(p))}</p>\n", str(p)) for p in context["background_papers"]]
    return [block("<h2>Background Papers</h2>\n", "Background Papers"), *(listed or [block("<p>None</p>\n", "None")])]


def appendices(paper: Paper) -> list[Piece]:
    """The appendices the report lists, each linked to its own web page where it has one."""
    if paper.doc.label or not paper.item.appendices:
        return []
    pieces = [block("<h2>Appendices</h2>\n", "Appendices"), Piece("<ul>\n")]
    for n, doc in enumerate(paper.item.appendices, 1):
        name = escape(f"{doc.label} – {doc.title}")
        html = replace(paper, index=n, doc=doc).html
        pieces.append(Piece("<li>", (f'<a href="{escape(html)}">{name}</a>' if html else name) + "</li>\n",
                            f"{doc.label} {doc.title}"))
    return [*pieces, Piece("</ul>\n")]


def paper_pieces(paper: Paper, meeting: Meeting, body: HtmlBody) -> list[Piece]:
    """The paper in the order its template prints it."""
    doc = paper.doc
    context = paper_context(doc, paper.item, meeting)
    title = block(f"<h1>{escape(doc.title)}</h1>\n", doc.title)
    held = f'{meeting.body} – {context["meeting"]["date_text"]}'
    if doc.template == "minutes":
        people = [*people_table("Present", context["present"], "role"),
                  *people_table("Officers", context["officers"], "organisation"),
                  *people_table("Apologies", context["apologies"], "role")]
        closing = [block(f"<p>{escape(str(context[k]))}</p>\n", str(context[k]))
                   for k in ("time", "date_text") if context.get(k)]
        return [title, *people, *body.write(Part(doc.body, doc.body_line)), *closing]
    if doc.label:
        return [block(f'<p class="label">{escape(doc.label)}</p>\n', doc.label), title,
                *body.write(Part(doc.body, doc.body_line))]
    report_of = [block(f'<p class="report-of">Report of {escape(str(context["report_of"]))}</p>\n',
                       f'Report of {context["report_of"]}')] if context["report_of"] else []
    front = [block(f'<p class="meeting">{escape(held)}</p>\n', held), title, *report_of]
    if not has_parts(doc, meeting):
        return [*front, *body.write(Part(doc.body, doc.body_line)), *background_papers(context),
                *officers(context), *appendices(paper)]
    part_a, part_b = split_parts(doc.body, doc.source, doc.body_line)
    body.shift = 2  # under the "Part A" and "Part B" headings

    def part(letter: str, markdown: Part) -> list[Piece]:
        return [block(f"<h2>Part {letter}</h2>\n", f"PART {letter}"), *body.write(markdown)]

    return [*front, *part("A", part_a), *officers(context), *(part("B", part_b) if part_b else []),
            *background_papers(context), *appendices(paper)]


# Where each of the pack's pages starts.

def squeezed(text: str) -> str:
    """Text as it is compared with a PDF's: letters and digits only, in one case, ligatures undone,
    so that line breaks, bullets, paragraph numbers and capitals the template adds do not count."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def anchor_places(texts: list[str], pages: list[str]) -> list[int]:
    """For each page of the paper's PDF, the index of the piece (by its text) its anchor goes on.

    How they are matched: the pages' text (squeezed) is read as one string, and each piece's text
    is looked for in it, in order, from where the piece before it ended: its first PROBE
    characters, since the PDF adds to a piece (numbers, bullets, a link's address) but never
    leaves out any of its text, so the rest of the piece only moves the search on. A page's
    anchor goes on the first piece found starting on it.

    When no match is found: a piece not found carries no anchor and the search goes on from the
    same place. A page on which no piece is found to start (one long paragraph or table row runs
    over all of it, or its text could not be read) has its anchor on the piece found last before
    it, the one running onto it; if there is none, on the paper's first piece. So every page has
    its anchor, and a link to it is never dead.
    """
    starts = list(itertools.accumulate((len(page) for page in pages), initial=0))
    whole = "".join(pages)
    found: list[tuple[int, int]] = []  # (where in whole, piece index)
    cursor = 0
    for index, text in enumerate(texts):
        probe = squeezed(text)[:PROBE]
        at = whole.find(probe, cursor) if probe else -1
        if at >= 0:
            found.append((at, index))
            cursor = at + len(squeezed(text))
    first = next((i for i, text in enumerate(texts) if squeezed(text)), 0)
    places = []
    for page in range(len(pages)):
        on = [i for at, i in found if starts[page] <= at < starts[page + 1]]
        before = [i for at, i in found if at < starts[page]]
        places.append(on[0] if on else before[-1] if before else first)
    return places


def page_texts(pdfs: list[tuple[Path, Path]], cache: Cache | None) -> dict[Path, list[str]]:
    """The text of each page of each (paper's laid-out PDF, its source), squeezed, by the PDF.

    poppler's pdftotext, a form feed after each page: some fifty times as fast as pypdf's. Several
    run at once, each a process of its own. A text read before is in the cache, by its PDF's content.
    """
    def read(pdf: Path, source: Path) -> bytes:
        return cache.kept("text", digest(_poppler(), file_digest(pdf)), lambda: _pdftotext(pdf, source)) \
            if cache else _pdftotext(pdf, source)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        texts = pool.map(lambda each: read(*each), pdfs)
        return {pdf: [squeezed(page) for page in text.decode("utf-8", "replace").split("\f")[:-1]]
                for (pdf, _), text in zip(pdfs, texts)}


@functools.cache
def _poppler() -> str:
    """pdftotext's version, part of each kept text's key: another version may read a PDF otherwise."""
    try:
        found = subprocess.run(["pdftotext", "-v"], capture_output=True, timeout=TEXT_SECONDS).stderr
    except (OSError, subprocess.SubprocessError):
        return ""  # none: reading a paper says so
    return found.decode("utf-8", "replace").partition("\n")[0]


def _pdftotext(pdf: Path, source: Path) -> bytes:
    try:
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
                              timeout=TEXT_SECONDS).stdout
    except (OSError, subprocess.SubprocessError):
        raise AssemblerError("pdftotext could not read the paper's PDF, to mark the pack's pages in its web "
                             "page; install poppler-utils (scripts/setup does)", source) from None


def paper_page(paper: Paper, meeting: Meeting, texts: list[str], web: Path, index: str) -> str:
    """The paper's web page; texts are its own laid-out PDF's pages' (page_texts), page k of which is
    the pack's page first + k."""
    assert paper.html
    body = HtmlBody(paper.doc, Pictures(paper.doc, web, Path(paper.html).stem))
    pieces = paper_pieces(paper, meeting, body)
    places = anchor_places([piece.text for piece in pieces], texts)
    anchors: dict[int, list[int]] = {}
    for offset, place in enumerate(places):
        anchors.setdefault(place, []).append(paper.placement.first_page + offset)
    html = "".join(piece.opening + "".join(f'<span class="page" id="page-{n}">Page {n}</span>'
                                           for n in anchors.get(i, [])) + piece.rest
                   for i, piece in enumerate(pieces))
    head = f'<nav aria-label="Agenda"><p><a href="{index}">Back to the agenda</a></p></nav>\n'
    item = paper.item
    return page_shell(f"Item {item.number}: {paper.doc.title} – {meeting.body}", html, head)
