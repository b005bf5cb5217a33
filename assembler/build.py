"""The pipeline: load → render → convert → plan → assemble, and the build's outputs.

Everything is written into a staging folder beside the output and swapped into place only when
the whole build has succeeded, so a failed build never leaves a half-written pack behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from pypdf import PdfReader

from assembler.assemble import Sources, assemble
from assembler.documents import open_pdf
from assembler.convert import DEFAULT_TIMEOUT, Conversion, convert
from assembler.errors import AssemblerError, InvalidSources, Problem
from assembler.load import load_meeting
from assembler.model import Document, Item, Meeting
from assembler.packs import CONFIDENTIAL, Pack, is_public, packs
from assembler.plan import PagePlan, Part, mark, references, settle
from assembler.publish import item_pdf, publish_items, published
from assembler.render import Rendered, render_agenda, render_papers

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
    packs: tuple[Path, ...] = ()  # every pack written: public, confidential, supplements


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    def __init__(self, meeting: Meeting, stage: Path, cache: Path, duplex: bool, timeout: float,
                 progress: Progress):
        self.meeting = meeting
        self.stage = stage
        self.work = stage / ".work"
        self.profiles = cache / "profiles" / meeting.id
        self.duplex = duplex
        self.timeout = timeout
        self.progress = progress
        self.fronts: dict[tuple[str, PagePlan], tuple[Path, Path]] = {}  # (pack, plan) → front .docx, PDF

    def convert(self, jobs: list[Conversion]) -> dict[Path, Path]:
        return convert(jobs, self.work / "pdf", self.profiles, timeout=self.timeout)

    def agenda(self, pack: Pack, marks: dict[str, str], name: str) -> Conversion:
        out = self.work / f"{name}.docx"
        render_agenda(pack.meeting, marks | pack.notes, out, pack.heading)
        return Conversion(out, self.meeting.folder / "meeting.yaml")

    def measure_front(self, pack: Pack, plan: PagePlan) -> int:
        job = self.agenda(pack, references(pack.meeting.items, plan), f"{pack.name}-{len(self.fronts) + 1}")
        pdf = self.convert([job])[job.docx]
        self.fronts[(pack.name, plan)] = (job.docx, pdf)
        return len(PdfReader(pdf).pages)

    def render(self) -> list[Rendered]:
        """Public papers into papers/, exempt ones into confidential/papers/, and nowhere else."""
        split = {True: [], False: []}  # type: dict[bool, list[Item]]
        for item in self.meeting.items:
            split[is_public(item)].append(item)
        return [*render_papers(replace(self.meeting, items=tuple(split[True])), self.stage / "papers",
                               self.progress),
                *render_papers(replace(self.meeting, items=tuple(split[False])),
                               self.stage / CONFIDENTIAL / "papers", self.progress)]

    def run(self) -> PagePlan:
        rendered = self.render()
        jobs = [Conversion(r.docx, r.doc.source) for r in rendered if r.docx]
        made = packs(self.meeting)
        guesses = {pack.name: self.agenda(pack, {i.number: mark(i, GUESS if i.paper else None)
                                                 for i in pack.meeting.items}, f"{pack.name}-0")
                   for pack in made}
        self.progress(f"converting {len(jobs) + len(guesses)} documents with LibreOffice")
        converted = self.convert([*jobs, *guesses.values()])
        pdfs = {(r.item.number, r.index): converted[r.docx] if r.docx else r.doc.source for r in rendered}
        counts = {(r.item.number, r.index): len(open_pdf(pdfs[(r.item.number, r.index)], r.doc.source).pages)
                  for r in rendered}
        plans = [(pack, self.make_pack(pack, pdfs, counts, converted[guesses[pack.name].docx]))
                 for pack in made]
        for pack, plan in plans:
            self.write_manifest(pack, plan)
        shutil.rmtree(self.work)
        return plans[0][1]

    def make_pack(self, pack: Pack, pdfs: dict[tuple[str, int], Path], counts: dict[tuple[str, int], int],
                  guess: Path) -> PagePlan:
        """Plan, assemble and publish one pack, with its front sheet as a Word document beside it."""
        keys = [(item.number, n) for item in pack.meeting.items for n in range(len(item.documents))]
        self.progress(f"planning and assembling {pack.pdf}")
        plan = settle([Part(*key, counts[key]) for key in keys], self.duplex, len(PdfReader(guess).pages),
                      lambda candidate: self.measure_front(pack, candidate))
        front_docx, front_pdf = self.fronts[(pack.name, plan)]
        out = self.stage / pack.pdf
        assemble(plan, Sources(front_pdf, {key: pdfs[key] for key in keys}), pack, out)
        shutil.copyfile(front_docx, out.with_name(pack.front))
        publish_items(out, plan, pack, out.parent)
        return plan

    def write_manifest(self, pack: Pack, plan: PagePlan) -> None:
        folder = self.meeting.folder
        manifest = {
            "meeting": self.meeting.id, "body": self.meeting.body, "date": self.meeting.date.isoformat(),
            "pack": pack.pdf.name, "supplement": pack.supplement, "confidential": pack.confidential,
            "pages": plan.total_pages, "duplex": self.duplex,
            "items": [_item_entry(item, plan, folder, pack) for item in pack.meeting.items],
            "sources": {"meeting.yaml": sha256(folder / "meeting.yaml")},
            "templates": {p.name: sha256(p) for p in sorted(self.meeting.templates.glob("*.docx"))},
            "pack_sha256": sha256(self.stage / pack.pdf),
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (self.stage / pack.folder / pack.manifest).write_text(text, encoding="utf-8")


def _document_entry(doc: Document, plan: PagePlan, item: Item, index: int, folder: Path) -> dict:
    placement = next(p for p in plan.placements if p.part.item == item.number and p.part.index == index)
    entry = {"file": doc.source.relative_to(folder).as_posix(), "sha256": sha256(doc.source),
             "first_page": placement.first_page, "last_page": placement.last_page}
    return ({"label": doc.label, "title": doc.title} | entry) if doc.label else entry


def _item_entry(item: Item, plan: PagePlan, folder: Path, pack: Pack) -> dict:
    if item.exempt and not pack.confidential:
        return {"number": item.number, "title": item.title, "exempt": item.exempt}  # nothing more is public
    pages = plan.item_range(item.number)
    entry = {"number": item.number, "title": item.title,
             "first_page": pages[0] if pages else None, "last_page": pages[1] if pages else None,
             "verbal": item.verbal}
    entry |= {key: getattr(item, key) for key in ("exempt", "supplement") if getattr(item, key)}
    if item.paper:
        entry["pdf"] = item_pdf(item) if item in published(pack) else None
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


def build(folder: Path, output: Path = Path("output"), duplex: bool = True,
          timeout: float = DEFAULT_TIMEOUT, progress: Progress = lambda message: None) -> BuildResult:
    started = time.monotonic()
    meeting, warnings = load_meeting(folder)
    target = output / meeting.id
    with staging(target) as stage:
        builder = Builder(meeting, stage, output / ".cache", duplex, timeout, progress)
        plan = builder.run()
    pack = target / PACK
    return BuildResult(pack, plan.total_pages, pack.stat().st_size, time.monotonic() - started, warnings,
                       tuple(target / made.pdf for made in packs(meeting)))
