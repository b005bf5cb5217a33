"""The pipeline: load → render → convert → plan → assemble, and the build's outputs.

Everything is written into a staging folder beside the output and swapped into place only when
the whole build has succeeded, so a failed build never leaves a half-written pack behind.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pypdf import PdfReader

from assembler.assemble import Sources, assemble
from assembler.documents import open_pdf
from assembler.convert import DEFAULT_TIMEOUT, Conversion, convert
from assembler.errors import AssemblerError, InvalidSources, Problem
from assembler.load import load_meeting
from assembler.manifest import fingerprint, write_manifest
from assembler.model import Meeting
from assembler.plan import PagePlan, Part, mark, references, settle
from assembler.publish import interrupt_reported, meeting_lock, staging
from assembler.render import render_agenda, render_papers

PACK = "agenda-pack.pdf"
GUESS = (88, 89)  # a first guess at a reference's width, before any page is known

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    pack: Path
    pages: int
    size: int
    seconds: float
    warnings: list[Problem]


class Builder:
    def __init__(self, meeting: Meeting, stage: Path, cache: Path, duplex: bool, timeout: float,
                 progress: Progress, epoch: int | None = None):
        self.meeting = meeting
        self.stage = stage
        self.work = stage / ".work"
        self.profiles = cache / "profiles" / meeting.id
        self.duplex = duplex
        self.timeout = timeout
        self.progress = progress
        self.epoch = epoch
        self.fronts: dict[PagePlan, tuple[Path, Path]] = {}  # plan → its front sheet's .docx and PDF

    def convert(self, jobs: list[Conversion]) -> dict[Path, Path]:
        return convert(jobs, self.work / "pdf", self.profiles, timeout=self.timeout)

    def agenda(self, marks: dict[str, str], name: str) -> Conversion:
        out = self.work / f"{name}.docx"
        render_agenda(self.meeting, marks, out)
        return Conversion(out, self.meeting.folder / "meeting.yaml")

    def measure_front(self, plan: PagePlan) -> int:
        job = self.agenda(references(self.meeting.items, plan), f"agenda-{len(self.fronts) + 1}")
        pdf = self.convert([job])[job.docx]
        self.fronts[plan] = (job.docx, pdf)
        return len(PdfReader(pdf).pages)

    def run(self) -> PagePlan:
        rendered = render_papers(self.meeting, self.stage / "papers", self.progress)
        jobs = [Conversion(r.docx, r.doc.source) for r in rendered if r.docx]
        guess = self.agenda({i.number: mark(i, GUESS if i.paper else None) for i in self.meeting.items},
                            "agenda-0")
        self.progress(f"converting {len(jobs) + 1} documents with LibreOffice")
        converted = self.convert([*jobs, guess])
        pdfs = {(r.item.number, r.index): converted[r.docx] if r.docx else r.doc.source for r in rendered}
        parts = [Part(r.item.number, r.index, len(open_pdf(pdfs[(r.item.number, r.index)], r.doc.source).pages))
                 for r in rendered]
        self.progress("planning the pages")
        plan = settle(parts, self.duplex, len(PdfReader(converted[guess.docx]).pages), self.measure_front)
        self.progress("assembling the pack")
        front_docx, front_pdf = self.fronts[plan]
        pictures = [picture for r in rendered for picture in r.pictures]
        prints = fingerprint(self.meeting, pictures, self.duplex, self.epoch)
        assemble(plan, Sources(front_pdf, pdfs), self.meeting, self.stage / PACK, prints.document_id,
                 prints.date)
        shutil.copyfile(front_docx, self.stage / "agenda.docx")
        write_manifest(self.stage / "manifest.json", self.meeting, plan, prints, self.stage / PACK)
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


def build(folder: Path, output: Path = Path("output"), duplex: bool = True,
          timeout: float = DEFAULT_TIMEOUT, progress: Progress = lambda message: None,
          source_date_epoch: int | None = None) -> BuildResult:
    """Build the meeting in folder into output/<id>/; the pack is dated source_date_epoch, if given."""
    started = time.monotonic()
    meeting, warnings = load_meeting(folder)
    target = output / meeting.id
    with interrupt_reported(target), meeting_lock(target, progress), staging(target) as stage:
        plan = Builder(meeting, stage, output / ".cache", duplex, timeout, progress,
                       source_date_epoch).run()
    pack = target / PACK
    return BuildResult(pack, plan.total_pages, pack.stat().st_size, time.monotonic() - started, warnings)
