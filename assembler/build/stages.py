"""The build's slow stages for one meeting: render, lay out, plan and assemble every pack.

build.py imports this only when something has changed, so that a build with nothing to do
starts and ends without loading the Word, PDF and drawing libraries.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader

from assembler.build.progress import Progress
from assembler.layout.convert import Conversion, Engine
from assembler.model import Item, Meeting
from assembler.pdf.assemble import Sources, assemble
from assembler.plan.packs import CONFIDENTIAL, Pack, is_public, packs, screen_name
from assembler.plan.pages import PagePlan, Part, mark, references, settle
from assembler.publish.items import publish_items
from assembler.publish.manifest import Fingerprint, fingerprint, write_manifest
from assembler.render.word import Rendered, pictures_of, render_agenda, render_papers
from assembler.runtime.cache import Cache
from assembler.runtime.interrupts import still_wanted
from assembler.runtime.outputs import inside, private
from assembler.runtime.parallel import in_parallel
from assembler.sources.documents import open_pdf

GUESS = (88, 89)  # a first guess at a reference's width, before any page is known
WORK = ".work"  # LibreOffice's files while the build runs, removed before the output is put in place


class Builder:
    def __init__(self, meeting: Meeting, stage: Path, cache: Cache, engine: Engine, duplex: bool,
                 progress: Progress, epoch: int | None = None):
        self.meeting = meeting
        self.stage = stage
        self.cache = cache
        self.engine = engine
        self.duplex = duplex
        self.progress = progress
        self.epoch = epoch
        self.fronts: dict[tuple[str, PagePlan], tuple[Path, Path]] = {}  # (pack, plan) → front .docx, PDF
        self.laid_out: list[str] = []  # the documents LibreOffice laid out, not found in the cache
        self.documents = 0

    def convert(self, jobs: list[Conversion], cached: bool = True) -> dict[Path, Path]:
        """Each job's PDF: from the cache where it has been made before, else made (and kept, if cached).

        What is made from exempt papers is never kept, since the cache is outside confidential/, and
        is laid out into confidential/'s own working folder.
        """
        keys = {job.docx: self.cache.pdf_key(job.docx) for job in jobs} if cached else {}
        found = {job.docx: self.cache.pdf(keys[job.docx]) if cached else None for job in jobs}
        missing = [job for job in jobs if not found[job.docx]]
        self.documents += len(jobs)
        self.laid_out += [job.name for job in missing]
        if missing:
            self.progress.converting(len(missing))
            made = self.engine.convert(missing, self.workroom(not cached) / "pdf",
                                       lambda job: self.progress.converted(job.name))
            found |= {docx: self.cache.store_pdf(keys[docx], pdf) if cached else pdf for docx, pdf in made.items()}
        return found  # type: ignore[return-value]

    def workroom(self, confidential: bool) -> Path:
        """The working folder for what is made from public sources, or from exempt ones."""
        return self.stage / CONFIDENTIAL / WORK if confidential else self.stage / WORK

    def agenda(self, pack: Pack, marks: dict[str, str], name: str) -> Conversion:
        out = self.workroom(pack.confidential) / f"{name}.docx"
        out.parent.mkdir(parents=True, exist_ok=True)
        render_agenda(pack.meeting, marks | pack.notes, out, pack.heading,
                      None if pack.confidential else self.cache)
        return Conversion(out, self.meeting.folder / "meeting.yaml", "the front sheet")

    def measure_front(self, pack: Pack, plan: PagePlan) -> int:
        job = self.agenda(pack, references(pack.meeting.items, plan), f"{pack.name}-{len(self.fronts) + 1}")
        pdf = self.convert([job], cached=not pack.confidential)[job.docx]
        self.fronts[(pack.name, plan)] = (job.docx, pdf)
        return len(PdfReader(pdf).pages)

    def render(self) -> list[Rendered]:
        """Public papers into papers/, exempt ones into confidential/papers/, and nowhere else."""
        if not all(is_public(item) for item in self.meeting.items):
            private(self.stage / CONFIDENTIAL)
        split: dict[bool, list[Item]] = {True: [], False: []}
        for item in self.meeting.items:
            split[is_public(item)].append(item)
        self.progress.stage("Rendering the papers")
        return [*render_papers(replace(self.meeting, items=tuple(split[True])), self.stage / "papers",
                               self.progress.detail, self.cache),
                *render_papers(replace(self.meeting, items=tuple(split[False])),
                               self.stage / CONFIDENTIAL / "papers", self.progress.detail)]

    @staticmethod
    def job(rendered: Rendered) -> Conversion:
        assert rendered.docx
        return Conversion(rendered.docx, rendered.doc.source, screen_name(rendered.item, rendered.doc))

    def run(self, inputs: str, rendered: list[Rendered]) -> list[tuple[Pack, PagePlan]]:
        still_wanted()  # before LibreOffice's work, should the libraries' loading have hidden a Ctrl-C
        made = packs(self.meeting)
        guesses = {pack.name: self.agenda(pack, {i.number: mark(i, GUESS if i.paper else None)
                                                 for i in pack.meeting.items}, f"{pack.name}-0")
                   for pack in made}
        # What is made from exempt papers, confidential front sheets included, is laid out uncached.
        confidential = {pack.name for pack in made if pack.confidential}
        papers = [r for r in rendered if r.docx]
        public = [self.job(r) for r in papers if is_public(r.item)]
        public += [job for name, job in guesses.items() if name not in confidential]
        exempt = [self.job(r) for r in papers if not is_public(r.item)]
        exempt += [job for name, job in guesses.items() if name in confidential]
        converted = self.convert(public) | self.convert(exempt, cached=False)
        pdfs = {r.key: converted[r.docx] if r.docx else r.doc.source for r in rendered}
        counts = {r.key: len(open_pdf(pdfs[r.key], r.doc.source).pages) for r in rendered}
        plans = [(pack, self.plan(pack, counts, converted[guesses[pack.name].docx])) for pack in made]
        self.engine.finished()  # nothing more to lay out: LibreOffice's memory is free for assembling
        libreoffice = self.engine.version
        for pack, plan in plans:
            # Each pack's fingerprint holds only its own sources: an exempt paper's never reach a public one.
            shown = [picture for item in pack.meeting.items for doc in item.documents if doc.kind == "md"
                     for picture in pictures_of(doc)]
            prints = fingerprint(pack.meeting, shown, self.duplex, self.epoch, libreoffice)
            self.make_pack(pack, plan, pdfs, prints)
            write_manifest(inside(self.stage, pack.folder / pack.manifest), pack, plan, prints,
                           self.stage / pack.pdf, inputs)
        for confidential in (False, True):
            shutil.rmtree(self.workroom(confidential), ignore_errors=True)
        return plans

    @staticmethod
    def keys(pack: Pack) -> list[tuple[str, int]]:
        """Each document of the pack, as (item number, index)."""
        return [(item.number, n) for item in pack.meeting.items for n in range(len(item.documents))]

    def plan(self, pack: Pack, counts: dict[tuple[str, int], int], guess: Path) -> PagePlan:
        """Where every page of the pack goes, its front sheet laid out with the references filled in."""
        self.progress.stage(f"Planning {pack.pdf}")
        return settle([Part(*key, counts[key]) for key in self.keys(pack)], self.duplex,
                      len(PdfReader(guess).pages), lambda candidate: self.measure_front(pack, candidate))

    def make_pack(self, pack: Pack, plan: PagePlan, pdfs: dict[tuple[str, int], Path], prints: Fingerprint) -> None:
        """Assemble and publish one pack, with its front sheet as a Word document beside it."""
        self.progress.stage(f"Assembling {pack.pdf}")
        front_docx, front_pdf = self.fronts[(pack.name, plan)]
        out = inside(self.stage, pack.pdf)
        in_parallel(lambda: assemble(plan, Sources(front_pdf, {key: pdfs[key] for key in self.keys(pack)}), pack,
                                     out, prints.document_id, prints.date),
                    lambda: publish_items(plan, pack, out.parent, pdfs, None if pack.confidential else self.cache))
        shutil.copyfile(front_docx, out.with_name(pack.front))
