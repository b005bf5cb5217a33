"""The pipeline: load → render → convert → plan → assemble, and the build's outputs.

Everything is written into a staging folder beside the output and swapped into place only when
the whole build has succeeded, so a failed build never leaves a half-written pack behind.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from pypdf import PdfReader

from assembler.assemble import Sources, assemble
from assembler.cache import Cache, code_digest, digest, file_digest
from assembler.convert import DEFAULT_TIMEOUT, Conversion, Engine, Local, user_profiles
from assembler.documents import open_pdf
from assembler.errors import AssemblerError, InvalidSources, Problem
from assembler.listeners import Listener, Listeners
from assembler.load import load_meeting
from assembler.model import Document, Item, Meeting
from assembler.plan import PagePlan, Part, mark, references, settle
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


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh folder beside target that replaces it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        yield stage
        old = target.with_name(f".{target.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        stage.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class Builder:
    def __init__(self, meeting: Meeting, stage: Path, cache: Cache, engine: Engine, duplex: bool,
                 progress: Progress):
        self.meeting = meeting
        self.stage = stage
        self.work = stage / ".work"
        self.cache = cache
        self.engine = engine
        self.duplex = duplex
        self.progress = progress
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
        assemble(plan, Sources(front_pdf, pdfs), self.meeting, self.stage / PACK)
        shutil.copyfile(front_docx, self.stage / "agenda.docx")
        self.write_manifest(plan, inputs)
        shutil.rmtree(self.work)
        return plan

    def write_manifest(self, plan: PagePlan, inputs: str) -> None:
        folder = self.meeting.folder
        manifest = {
            "meeting": self.meeting.id, "body": self.meeting.body, "date": self.meeting.date.isoformat(),
            "pages": plan.total_pages, "duplex": self.duplex,
            "items": [_item_entry(item, plan, folder) for item in self.meeting.items],
            "sources": {"meeting.yaml": file_digest(folder / "meeting.yaml")},
            "templates": {p.name: file_digest(p) for p in sorted(self.meeting.templates.glob("*.docx"))},
            "pack_sha256": file_digest(self.stage / PACK),
            "inputs": inputs,
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (self.stage / "manifest.json").write_text(text, encoding="utf-8")


def _document_entry(doc: Document, plan: PagePlan, item: Item, index: int, folder: Path) -> dict:
    placement = next(p for p in plan.placements if p.part.item == item.number and p.part.index == index)
    entry = {"file": doc.source.relative_to(folder).as_posix(), "sha256": file_digest(doc.source),
             "first_page": placement.first_page, "last_page": placement.last_page}
    return ({"label": doc.label, "title": doc.title} | entry) if doc.label else entry


def _item_entry(item: Item, plan: PagePlan, folder: Path) -> dict:
    pages = plan.item_range(item.number)
    entry = {"number": item.number, "title": item.title,
             "first_page": pages[0] if pages else None, "last_page": pages[1] if pages else None,
             "verbal": item.verbal}
    if item.paper:
        entry["paper"] = _document_entry(item.paper, plan, item, 0, folder)
        entry["appendices"] = [_document_entry(doc, plan, item, n, folder)
                               for n, doc in enumerate(item.appendices, 1)]
    return entry


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


def inputs_digest(meeting: Meeting, duplex: bool, engine: str) -> str:
    """Everything a pack is made from: a build with the same digest would make the same pack."""
    files = sorted({*meeting.folder.rglob("*"), *meeting.templates.glob("*.docx")})
    return digest(code_digest(), engine, f"duplex={duplex}",
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
          unoservers: Sequence[str] = ()) -> BuildResult:
    started = time.monotonic()
    meeting, warnings = load_meeting(folder)
    target = output / meeting.id
    engine = engine_for(unoservers, timeout)
    identity = engine.identity
    inputs = inputs_digest(meeting, duplex, identity)
    pack = target / PACK
    manifest = previous_build(target, inputs)
    if manifest:
        return BuildResult(pack, manifest["pages"], pack.stat().st_size, time.monotonic() - started,
                           warnings, unchanged=True)
    with staging(target) as stage:
        builder = Builder(meeting, stage, Cache(output / ".cache", identity), engine, duplex, progress)
        plan = builder.run(inputs)
    return BuildResult(pack, plan.total_pages, pack.stat().st_size, time.monotonic() - started, warnings,
                       documents=builder.documents, laid_out=tuple(builder.laid_out))
