"""The pipeline: load → render → convert → plan → assemble, and the build's outputs.

Everything is written into a staging folder beside the output and swapped into place only when
the whole build has succeeded, so a failed build never leaves a half-written pack behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
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
from assembler.manifest import fingerprint, write_manifest
from assembler.model import Meeting
from assembler.plan import PagePlan, Part, mark, references, settle
from assembler.publish import interrupt_reported, meeting_lock, staging
from assembler.render import render_agenda, render_papers

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
    documents: int = 0  # the Word files this pack needed laid out, the front sheet included
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
        self.fronts: dict[PagePlan, tuple[Path, Path]] = {}  # plan → its front sheet's .docx and PDF
        self.laid_out: list[str] = []  # the documents LibreOffice laid out, not found in the cache
        self.documents = 0

    def convert(self, jobs: list[Conversion]) -> dict[Path, Path]:
        """Each job's PDF: from the cache where it has been made before, else made and kept."""
        keys = {job.docx: self.cache.pdf_key(job.docx) for job in jobs}
        found = {job.docx: self.cache.pdf(keys[job.docx]) for job in jobs}
        missing = [job for job in jobs if not found[job.docx]]
        self.documents += len(jobs)
        self.laid_out += [job.name for job in missing]
        if missing:
            self.progress.converting(len(missing))
            made = self.engine.convert(missing, self.work / "pdf", lambda job: self.progress.converted(job.name))
            found |= {docx: self.cache.store_pdf(keys[docx], pdf) for docx, pdf in made.items()}
        return found  # type: ignore[return-value]

    def agenda(self, marks: dict[str, str], name: str) -> Conversion:
        out = self.work / f"{name}.docx"
        render_agenda(self.meeting, marks, out, self.cache)
        return Conversion(out, self.meeting.folder / "meeting.yaml", "the front sheet")

    def measure_front(self, plan: PagePlan) -> int:
        job = self.agenda(references(self.meeting.items, plan), f"agenda-{len(self.fronts) + 1}")
        pdf = self.convert([job])[job.docx]
        self.fronts[plan] = (job.docx, pdf)
        return len(PdfReader(pdf).pages)

    def run(self, inputs: str) -> PagePlan:
        self.progress.stage("Rendering the papers")
        rendered = render_papers(self.meeting, self.stage / "papers", self.progress.detail, self.cache)
        jobs = [Conversion(r.docx, r.doc.source) for r in rendered if r.docx]
        guess = self.agenda({i.number: mark(i, GUESS if i.paper else None) for i in self.meeting.items},
                            "agenda-0")
        converted = self.convert([*jobs, guess])
        pdfs = {(r.item.number, r.index): converted[r.docx] if r.docx else r.doc.source for r in rendered}
        parts = [Part(r.item.number, r.index, len(open_pdf(pdfs[(r.item.number, r.index)], r.doc.source).pages))
                 for r in rendered]
        self.progress.stage("Planning the pages")
        plan = settle(parts, self.duplex, len(PdfReader(converted[guess.docx]).pages), self.measure_front)
        self.progress.stage("Assembling the pack")
        front_docx, front_pdf = self.fronts[plan]
        pictures = [picture for r in rendered for picture in r.pictures]
        prints = fingerprint(self.meeting, pictures, self.duplex, self.epoch, self.engine.version)
        assemble(plan, Sources(front_pdf, pdfs), self.meeting, self.stage / PACK, prints.document_id,
                 prints.date)
        shutil.copyfile(front_docx, self.stage / "agenda.docx")
        write_manifest(self.stage / "manifest.json", self.meeting, plan, prints, self.stage / PACK, inputs)
        shutil.rmtree(self.work)
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
    with interrupt_reported(target), meeting_lock(target, progress.notice):
        manifest = previous_build(target, inputs)
        if manifest:
            return BuildResult(pack, manifest["pages"], pack.stat().st_size, time.monotonic() - started,
                               warnings, unchanged=True)
        with staging(target) as stage:
            builder = Builder(meeting, stage, Cache(output / ".cache", identity), engine, duplex, progress,
                              source_date_epoch)
            plan = builder.run(inputs)
    return BuildResult(pack, plan.total_pages, pack.stat().st_size, time.monotonic() - started, warnings,
                       documents=builder.documents, laid_out=tuple(builder.laid_out))
