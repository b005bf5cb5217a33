"""The build's slow stages for one meeting: render, lay out, plan and assemble every pack.

run.py imports this only when something has changed, so that a build with nothing to do
starts and ends without loading the Word, PDF and drawing libraries.
"""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from pypdf import PdfReader

from assembler.audience import PUBLIC, RESTRICTED, Audience, of_item, screen_name
from assembler.build.options import BuildOptions
from assembler.build.progress import Progress
from assembler.layout.convert import Conversion, Engine
from assembler.model import Meeting
from assembler.pdf.assemble import Sources, assemble
from assembler.plan.packs import Pack, packs
from assembler.plan.pages import PagePlan, Part, mark, references, settle
from assembler.publish.items import publish_items
from assembler.publish.manifest import Fingerprint, fingerprint, write_manifest
from assembler.publish.web import publish_web
from assembler.render.word import Rendered, pictures_of, render_agenda, render_papers
from assembler.runtime.cache import Cache
from assembler.runtime.interrupts import still_wanted
from assembler.runtime.outputs import inside, private
from assembler.runtime.parallel import in_parallel
from assembler.sources.documents import open_pdf

GUESS = (88, 89)  # a first guess at a reference's width, before any page is known
WORK = ".work"  # LibreOffice's files while the build runs, removed before the output is put in place


@dataclass(frozen=True)
class Planned:
    """A pack, and where every page of it goes."""

    pack: Pack
    plan: PagePlan


@dataclass(frozen=True)
class Made:
    """What the slow stages made: every pack, and what LibreOffice was asked to lay out."""

    packs: tuple[Planned, ...]  # the public agenda pack first
    documents: int  # the Word files the packs needed laid out, front sheets included
    laid_out: tuple[str, ...]  # those LibreOffice laid out this time: the rest came from the cache


class Builder:
    """The slow stages, for every pack of one meeting, written into a staging folder."""

    def __init__(self, meeting: Meeting, stage: Path, cache: Cache, engine: Engine, options: BuildOptions,
                 progress: Progress):
        self.meeting = meeting
        self.stage = stage
        self.cache = cache
        self.engine = engine
        self.options = options
        self.progress = progress
        self.fronts: dict[tuple[str, PagePlan], tuple[Path, Path]] = {}  # (pack, plan) → front .docx, PDF
        self.laid_out: list[str] = []  # the documents LibreOffice laid out, not found in the cache
        self.documents = 0

    def run(self, inputs: str, rendered: list[Rendered]) -> Made:
        """Lay out, plan, then assemble and publish every pack, from the rendered papers: the stages
        after render, in order. LibreOffice is running (engine.running())."""
        still_wanted()  # before LibreOffice's work, should the libraries' loading have hidden a Ctrl-C
        made = packs(self.meeting)
        guesses = {pack.name: self.first_front(pack) for pack in made}
        pdfs = self.lay_out(rendered, [(pack.audience, guesses[pack.name]) for pack in made])
        papers = {r.key: pdfs[r.docx] if r.docx else r.doc.source for r in rendered}
        counts = {r.key: len(open_pdf(papers[r.key], r.doc.source).pages) for r in rendered}
        planned = tuple(Planned(pack, self.plan(pack, counts, pdfs[guesses[pack.name].docx])) for pack in made)
        self.engine.finished()  # nothing more to lay out: LibreOffice's memory is free for assembling
        for each in planned:
            self.progress.stage(f"Assembling {each.pack.pdf}")
        # The web version on a second core, while the packs and their items' PDFs are made here, where
        # what is kept between builds (the stamps drawn, under --watch) is kept.
        prints = [self.fingerprint(each.pack) for each in planned]  # in order: two packs may share a name
        in_parallel(lambda: self.assemble(planned, papers, prints), lambda: self.publish_web(planned, papers))
        for each, its in zip(planned, prints):
            self.describe(each, its, inputs)
        for audience in (PUBLIC, RESTRICTED):
            shutil.rmtree(self.workroom(audience), ignore_errors=True)
        return Made(planned, self.documents, tuple(self.laid_out))

    def render(self) -> list[Rendered]:
        """Public papers into papers/, exempt ones into confidential/papers/, and nowhere else. The
        first stage, run before LibreOffice starts: a fault in a paper is reported without it."""
        if any(of_item(item).restricted for item in self.meeting.items):
            private(self.stage / RESTRICTED.folder)
        self.progress.stage("Rendering the papers")
        return [paper for audience in (PUBLIC, RESTRICTED) for paper in render_papers(
            replace(self.meeting, items=tuple(i for i in self.meeting.items if of_item(i) == audience)),
            self.stage / audience.folder / "papers", self.progress.detail,
            self.cache if audience.cacheable else None)]

    def first_front(self, pack: Pack) -> Conversion:
        """The pack's front sheet with a guess at each reference, to measure its length by."""
        return self.agenda(pack, {i.number: mark(i, GUESS if i.paper else None) for i in pack.meeting.items},
                           f"{pack.name}-0")

    def lay_out(self, rendered: list[Rendered], fronts: list[tuple[Audience, Conversion]]) -> dict[Path, Path]:
        """Every Word file's PDF (papers', and the packs' first front sheets), each laid out for the
        audience it is made for."""
        jobs = [(of_item(r.item), Conversion(r.docx, r.doc.source, screen_name(r.item, r.doc)))
                for r in rendered if r.docx] + fronts
        return {docx: pdf for audience in (PUBLIC, RESTRICTED)
                for docx, pdf in self.convert([job for a, job in jobs if a == audience], audience).items()}

    def convert(self, jobs: list[Conversion], audience: Audience) -> dict[Path, Path]:
        """Each job's PDF: from the cache where it has been made before, else made (and kept, if the
        audience allows: what is made from exempt papers is never kept, since the cache is outside
        confidential/, and is laid out into confidential/'s own working folder)."""
        cached = audience.cacheable
        keys = {job.docx: self.cache.pdf_key(job.docx) for job in jobs} if cached else {}
        found = {job.docx: self.cache.pdf(keys[job.docx]) if cached else None for job in jobs}
        missing = [job for job in jobs if not found[job.docx]]
        self.documents += len(jobs)
        self.laid_out += [job.name for job in missing]
        if missing:
            self.progress.converting(len(missing))
            made = self.engine.convert(missing, self.workroom(audience) / "pdf",
                                       lambda job: self.progress.converted(job.name))
            found |= {docx: self.cache.store_pdf(keys[docx], pdf) if cached else pdf for docx, pdf in made.items()}
        return {docx: pdf for docx, pdf in found.items() if pdf}

    def workroom(self, audience: Audience) -> Path:
        """The working folder for what is made for the audience."""
        return self.stage / audience.folder / WORK

    def agenda(self, pack: Pack, marks: dict[str, str], name: str) -> Conversion:
        out = self.workroom(pack.audience) / f"{name}.docx"
        out.parent.mkdir(parents=True, exist_ok=True)
        render_agenda(pack.meeting, marks | pack.notes, out, pack.heading,
                      self.cache if pack.audience.cacheable else None)
        return Conversion(out, self.meeting.folder / "meeting.yaml", "the front sheet")

    def measure_front(self, pack: Pack, plan: PagePlan) -> int:
        job = self.agenda(pack, references(pack.meeting.items, plan), f"{pack.name}-{len(self.fronts) + 1}")
        pdf = self.convert([job], pack.audience)[job.docx]
        self.fronts[(pack.name, plan)] = (job.docx, pdf)
        return len(PdfReader(pdf).pages)

    @staticmethod
    def keys(pack: Pack) -> list[tuple[str, int]]:
        """Each document of the pack, as (item number, index)."""
        return [(item.number, n) for item in pack.meeting.items for n in range(len(item.documents))]

    def plan(self, pack: Pack, counts: dict[tuple[str, int], int], guess: Path) -> PagePlan:
        """Where every page of the pack goes, its front sheet laid out with the references filled in."""
        self.progress.stage(f"Planning {pack.pdf}")
        return settle([Part(*key, counts[key]) for key in self.keys(pack)], self.options.duplex,
                      len(PdfReader(guess).pages), lambda candidate: self.measure_front(pack, candidate),
                      pack.meeting.house)

    def publish_web(self, planned: tuple[Planned, ...], papers: dict[tuple[str, int], Path]) -> None:
        """The agenda and public papers as web pages, and the meeting as open data, in web/."""
        # The calendar entry's date stamp: the PDF's date, else the meeting's day, never the clock,
        # so that the same sources give the same bytes.
        epoch = self.options.source_date_epoch
        stamp = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) if epoch is not None else \
            datetime.datetime.combine(self.meeting.date, datetime.time(), datetime.timezone.utc)
        publish_web(self.stage, [(each.pack, each.plan) for each in planned], papers, stamp,
                    self.cache if PUBLIC.cacheable else None)  # the web version is public papers' alone

    def fingerprint(self, pack: Pack) -> Fingerprint:
        # Each pack's fingerprint holds only its own sources: an exempt paper's never reach a public one.
        shown = [picture for item in pack.meeting.items for doc in item.documents if doc.kind == "md"
                 for picture in pictures_of(doc)]
        return fingerprint(pack.meeting, shown, self.options.duplex, self.options.source_date_epoch,
                           self.engine.version)

    def assemble(self, planned: tuple[Planned, ...], papers: dict[tuple[str, int], Path],
                 prints: list[Fingerprint]) -> None:
        """Each pack, then its items' own PDFs cut out of it."""
        for (pack, plan), its in zip(((each.pack, each.plan) for each in planned), prints):
            out = inside(self.stage, pack.pdf)
            front = self.fronts[(pack.name, plan)][1]
            assemble(plan, Sources(front, {key: papers[key] for key in self.keys(pack)}), pack, out,
                     its.document_id, its.date)
            publish_items(plan, pack, out, papers, self.cache if pack.audience.cacheable else None)

    def describe(self, planned: Planned, prints: Fingerprint, inputs: str) -> None:
        """The pack's front sheet as a Word document beside it, and its manifest."""
        pack, plan = planned.pack, planned.plan
        out = inside(self.stage, pack.pdf)
        shutil.copyfile(self.fronts[(pack.name, plan)][0], out.with_name(pack.front))
        write_manifest(inside(self.stage, pack.folder / pack.manifest), pack, plan, prints, out, inputs)
