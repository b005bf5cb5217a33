"""The web version of a meeting's public outputs, under output/<meeting-id>/web/.

index.html (the agenda), a page for each public Markdown paper (html.py), style.css, and the open
data (opendata.py): all made from the public packs alone (agenda.py), never a confidential one.
"""

from __future__ import annotations

import datetime
from html import escape
from importlib import resources
from pathlib import Path

from assembler.model import Meeting
from assembler.plan.packs import Pack
from assembler.plan.pages import PagePlan
from assembler.publish.agenda import Agenda, Entry, Paper, pack_link, public_agenda
from assembler.publish.html import STYLE, page_shell, page_texts, paper_page
from assembler.publish.opendata import write_calendar, write_event
from assembler.render.word import meeting_context
from assembler.runtime.cache import Cache
from assembler.runtime.outputs import inside

WEB = "web"
INDEX = "index.html"
CHANGES = "<!-- assembler: changes -->"  # where `assembler publish` puts its note of what changed


def publish_web(folder: Path, planned: list[tuple[Pack, PagePlan]], pdfs: dict[tuple[str, int], Path],
                stamp: datetime.datetime, cache: Cache | None = None) -> list[Path]:
    """Write web/ into folder (output/<meeting-id>/); returns the files. pdfs are the papers' own
    laid-out PDFs by (item number, index); stamp is when the calendar entry was made; the cache
    keeps the papers' texts."""
    agenda = public_agenda(planned)
    web = inside(folder, WEB)
    web.mkdir(parents=True, exist_ok=True)
    written = [inside(web, STYLE)]
    written[0].write_text(resources.files("assembler.publish").joinpath(STYLE).read_text(encoding="utf-8"),
                          encoding="utf-8")
    texts = page_texts([(pdfs[paper.key], paper.doc.source) for paper in agenda.papers if paper.html], cache)
    for paper in agenda.papers:
        if paper.html:
            page = inside(web, paper.html)
            page.write_text(paper_page(paper, agenda.meeting, texts[pdfs[paper.key]], web, INDEX),
                            encoding="utf-8")
            written.append(page)
    index = inside(web, INDEX)
    index.write_text(index_page(agenda), encoding="utf-8")
    return [*written, index, write_event(inside(web, "meeting.json"), agenda),
            write_calendar(inside(web, "meeting.ics"), agenda, stamp)]


def when(meeting: Meeting) -> str:
    context = meeting_context(meeting)
    return context["date_long"] + (f" at {meeting.time}" if meeting.time else "")


def index_page(agenda: Agenda) -> str:
    """The agenda as the front sheet gives it, with links to each item's PDF and web pages."""
    meeting = agenda.meeting
    packs = "".join(f'<li><a href="{pack_link(pack)}">{escape(pack.heading)} pack (PDF)</a></li>\n'
                    for pack in agenda.packs)
    head = [f'<p class="organisation">{escape(meeting.organisation)}</p>\n' if meeting.organisation else "",
            f"<h1>{escape(meeting.body)}</h1>\n{CHANGES}\n",
            f'<p class="when">{escape(when(meeting))}</p>\n',
            f'<p class="venue">{escape(meeting.venue)}</p>\n' if meeting.venue else "",
            f'<h2>The packs</h2>\n<ul class="packs">\n{packs}</ul>\n<h2>Agenda</h2>\n']
    contact = meeting.contact
    foot = "" if not contact else (
        f'<h2>Contact</h2>\n<p class="contact">Democratic Services contact: {escape(contact.name)}'
        + (f"<br>Telephone: {escape(contact.phone)}" if contact.phone else "")
        + (f'<br>Email: <a href="mailto:{escape(contact.email)}">{escape(contact.email)}</a>'
           if contact.email else "") + "</p>\n")
    items = "".join(entry_html(entry, agenda.packs[0]) for entry in agenda.entries)
    return page_shell(f"Agenda – {meeting.body} – {meeting_context(meeting)['date_text']}",
                      "".join(head) + items + foot)


def entry_html(entry: Entry, main: Pack) -> str:
    item = entry.item
    exclusion = "" if not entry.exclusion else (
        '<section class="exclusion">\n<h3>Exclusion of the press and public</h3>\n'
        "<p>The meeting is recommended to pass the following resolution:</p>\n"
        f"<blockquote><p>“{escape(entry.exclusion)}”</p></blockquote>\n</section>\n")
    lines = [f'<p class="presenter">{escape(item.presenter)}</p>\n' if item.presenter else "",
             f'<p class="text">{escape(item.text)}</p>\n' if item.text else "",
             f'<p class="in-pack">{escape(entry.pack.heading)}</p>\n' if entry.pack != main and entry.papers else "",
             f'<p class="marked">{escape(entry.marked)}</p>\n' if entry.marked else "",
             links(entry)]
    return (f'{exclusion}<section class="item" id="item-{escape(item.number)}">\n'
            f'<h3><span class="number">{escape(item.number)}.</span> {escape(item.title)}</h3>\n'
            + "".join(lines) + "</section>\n")


def links(entry: Entry) -> str:
    """Links to the item's PDF and to each of its papers' web pages, or "PDF only"."""
    if not entry.papers:
        return ""
    number = escape(entry.item.number)
    out = [f'<li><a href="../{escape(entry.pdf)}">Item {number} papers (PDF)</a></li>\n'] if entry.pdf else []
    out += [f"<li>{paper_link(paper, number)}</li>\n" for paper in entry.papers]
    return f'<ul class="links">\n{"".join(out)}</ul>\n'


def paper_link(paper: Paper, number: str) -> str:
    name = escape(f"{paper.doc.label}: {paper.doc.title}" if paper.doc.label else paper.doc.title)
    if paper.html:
        return f'<a href="{escape(paper.html)}">Item {number}, {name} (web page)</a>'
    return f"Item {number}, {name} (PDF only)"
