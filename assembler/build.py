"""The pipeline: load → render → convert → plan → assemble, and the build's outputs.

Everything is written into a staging folder beside the output and swapped into place only when
the whole build has succeeded, so a failed build never leaves a half-written pack behind. One
build makes every pack of the meeting: public, confidential and supplements (packs.py).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from pypdf import PdfReader

from assembler.assemble import Sources, assemble
from assembler.cache import Cache, code_digest, digest, file_digest
from assembler.convert import DEFAULT_TIMEOUT, Conversion, Engine, Local, user_profiles
from assembler.documents import open_pdf
from assembler.errors import AssemblerError, InvalidSources, Problem
from assembler.listeners import Listener, Listeners
from assembler.load import load_meeting
from assembler.manifest import Fingerprint, fingerprint, write_manifest
from assembler.model import Item, Meeting
from assembler.outputs import interrupt_reported, meeting_lock, staging
from assembler.packs import CONFIDENTIAL, Pack, is_public, packs
from assembler.plan import PagePlan, Part, mark, references, settle
from assembler.publish import publish_items
from assembler.render import Rendered, pictures_of, render_agenda, render_papers

PACK = "agenda-pack.pdf"
GUESS = (88, 89)  # a first guess at a reference's width, before any page is known


class Progress:
    """What a build tells its user as it goes. This one says nothing; the command line's shows it."""

    def stage(self, text: str) -> None:
        """A step of the build: rendering, planning, assembling."""

    def detail(self, text: str) -> None:
        """A finer step, such as one paper rendered."""

    def converting(self, total: int) -> None:
        """LibreOffice is about to lay out this many documents."""

    def converted(self, name: str) -> None:
        """One document has been laid out."""

    def notice(self, text: str) -> None:
        """Something the user should know even when not following progress, such as a wait."""


@dataclass(frozen=True)
class BuildResult:
    pack: Path
    pages: int
    size: int
    seconds: float
    warnings: list[Problem]
    packs: tuple[Path, ...] = ()  # every pack written: public, confidential, supplements
    documents: int = 0  # the Word files the packs needed laid out, front sheets included
    laid_out: tuple[str, ...] = ()  # those LibreOffice laid out this time: the rest came from the cache
    unchanged: bool = False  # nothing had changed since the last build, so nothing was done


class Builder:
    def __init__(self, meeting: Meeting, stage: Path, cache: Cache, engine: Engine, duplex: bool,
                 progress: Progress, epoch: int | None = None):
        self.meeting = meeting
        self.stage = stage
        self.work = stage / ".work"
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

        What is made from exempt papers is never kept: the cache is outside confidential/.
        """
        keys = {job.docx: self.cache.pdf_key(job.docx) for job in jobs} if cached else {}
        found = {job.docx: self.cache.pdf(keys[job.docx]) if cached else None for job in jobs}
        missing = [job for job in jobs if not found[job.docx]]
        self.documents += len(jobs)
        self.laid_out += [job.name for job in missing]
        if missing:
            self.progress.converting(len(missing))
            made = self.engine.convert(missing, self.work / "pdf", lambda job: self.progress.converted(job.name))
            found |= {docx: self.cache.store_pdf(keys[docx], pdf) if cached else pdf for docx, pdf in made.items()}
        return found  # type: ignore[return-value]

    def agenda(self, pack: Pack, marks: dict[str, str], name: str) -> Conversion:
        out = self.work / f"{name}.docx"
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
        split: dict[bool, list[Item]] = {True: [], False: []}
        for item in self.meeting.items:
            split[is_public(item)].append(item)
        self.progress.stage("Rendering the papers")
        return [*render_papers(replace(self.meeting, items=tuple(split[True])), self.stage / "papers",
                               self.progress.detail, self.cache),
                *render_papers(replace(self.meeting, items=tuple(split[False])),
                               self.stage / CONFIDENTIAL / "papers", self.progress.detail)]

    def run(self, inputs: str) -> list[tuple[Pack, PagePlan]]:
        rendered = self.render()
        made = packs(self.meeting)
        guesses = {pack.name: self.agenda(pack, {i.number: mark(i, GUESS if i.paper else None)
                                                 for i in pack.meeting.items}, f"{pack.name}-0")
                   for pack in made}
        exempt = {pack.name for pack in made if pack.confidential} | \
            {r.docx for r in rendered if r.docx and not is_public(r.item)}
        public = [Conversion(r.docx, r.doc.source) for r in rendered if r.docx and r.docx not in exempt]
        public += [job for name, job in guesses.items() if name not in exempt]
        private = [Conversion(r.docx, r.doc.source) for r in rendered if r.docx in exempt]
        private += [job for name, job in guesses.items() if name in exempt]
        converted = self.convert(public) | self.convert(private, cached=False)
        pdfs = {(r.item.number, r.index): converted[r.docx] if r.docx else r.doc.source for r in rendered}
        counts = {(r.item.number, r.index): len(open_pdf(pdfs[(r.item.number, r.index)], r.doc.source).pages)
                  for r in rendered}
        plans = []
        libreoffice = self.engine.version
        for pack in made:
            # Each pack's fingerprint holds only its own sources: an exempt paper's never reach a public one.
            shown = [picture for item in pack.meeting.items for doc in item.documents if doc.kind == "md"
                     for picture in pictures_of(doc)]
            prints = fingerprint(pack.meeting, shown, self.duplex, self.epoch, libreoffice)
            plan = self.make_pack(pack, pdfs, counts, converted[guesses[pack.name].docx], prints)
            write_manifest(self.stage / pack.folder / pack.manifest, pack, plan, prints, self.stage / pack.pdf,
                           inputs)
            plans.append((pack, plan))
        shutil.rmtree(self.work)
        return plans

    def make_pack(self, pack: Pack, pdfs: dict[tuple[str, int], Path], counts: dict[tuple[str, int], int],
                  guess: Path, prints: Fingerprint) -> PagePlan:
        """Plan, assemble and publish one pack, with its front sheet as a Word document beside it."""
        keys = [(item.number, n) for item in pack.meeting.items for n in range(len(item.documents))]
        self.progress.stage(f"Planning and assembling {pack.pdf}")
        plan = settle([Part(*key, counts[key]) for key in keys], self.duplex, len(PdfReader(guess).pages),
                      lambda candidate: self.measure_front(pack, candidate))
        front_docx, front_pdf = self.fronts[(pack.name, plan)]
        out = self.stage / pack.pdf
        assemble(plan, Sources(front_pdf, {key: pdfs[key] for key in keys}), pack, out, prints.document_id,
                 prints.date)
        shutil.copyfile(front_docx, out.with_name(pack.front))
        publish_items(out, plan, pack, out.parent)
        return plan


def check(folder: Path) -> list[Problem]:
    """Every problem build would meet before LibreOffice runs: the sources, the templates, the Markdown."""
    try:
        meeting, warnings = load_meeting(folder)
        with tempfile.TemporaryDirectory() as scratch:
            render_papers(meeting, Path(scratch), lambda message: None)
            render_agenda(meeting, {}, Path(scratch) / "agenda.docx")
    except InvalidSources as exc:
        return exc.problems
    except AssemblerError as exc:
        return [*warnings, exc.problem]
    return warnings


def inputs_digest(meeting: Meeting, duplex: bool, engine: str, epoch: int | None) -> str:
    """Everything a pack is made from: a build with the same digest would make the same pack."""
    files = sorted({*meeting.folder.rglob("*"), *meeting.templates.glob("*.docx")})
    return digest(code_digest(), engine, f"duplex={duplex}", f"epoch={epoch}",
                  *(f"{path}:{file_digest(path)}" for path in files if path.is_file()))


def previous_build(target: Path, inputs: str) -> dict | None:
    """The last build's manifest, if it was made from these same inputs and its pack is intact."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("inputs") == inputs and file_digest(target / PACK) == manifest.get("pack_sha256"):
            return manifest
    except (OSError, ValueError):
        pass
    return None


def engine_for(unoservers: Sequence[str], timeout: float) -> Engine:
    """Local LibreOffice, or the unoserver listeners given as host:port."""
    if unoservers:
        return Listeners(tuple(Listener.parse(text) for text in unoservers), timeout)
    return Local(user_profiles(), timeout)


def build(folder: Path, output: Path = Path("output"), duplex: bool = True,
          timeout: float = DEFAULT_TIMEOUT, progress: Progress = Progress(),
          unoservers: Sequence[str] = (), source_date_epoch: int | None = None) -> BuildResult:
    """Build the meeting in folder into output/<id>/; the pack is dated source_date_epoch, if given."""
    started = time.monotonic()
    meeting, warnings = load_meeting(folder)
    target = output / meeting.id
    engine = engine_for(unoservers, timeout)
    identity = engine.identity
    inputs = inputs_digest(meeting, duplex, identity, source_date_epoch)
    pack = target / PACK
    written = tuple(target / made.pdf for made in packs(meeting))
    with interrupt_reported(target), meeting_lock(target, progress.notice):
        manifest = previous_build(target, inputs)
        if manifest:
            return BuildResult(pack, manifest["pages"], pack.stat().st_size, time.monotonic() - started,
                               warnings, written, unchanged=True)
        with staging(target) as stage:
            builder = Builder(meeting, stage, Cache(output / ".cache", identity), engine, duplex, progress,
                              source_date_epoch)
            plans = builder.run(inputs)
    return BuildResult(pack, plans[0][1].total_pages, pack.stat().st_size, time.monotonic() - started,
                       warnings, written, builder.documents, tuple(builder.laid_out))
