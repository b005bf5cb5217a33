"""Render one paper and its appendices for its author to look at, without building the pack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assembler.audience import of_item
from assembler.errors import AssemblerError, Problem
from assembler.layout.convert import DEFAULT_TIMEOUT, Conversion, convert, user_profiles
from assembler.render.word import render_papers
from assembler.runtime.outputs import inside, output_errors, private, refuse_overlap
from assembler.sources.load import load_paper


@dataclass(frozen=True)
class Preview:
    files: list[Path]  # the .docx files, then their PDFs when asked for
    warnings: list[Problem]


def meeting_folder(paper: Path) -> Path:
    """The nearest folder above a paper that holds a meeting.yaml."""
    for folder in paper.absolute().parents:
        if (folder / "meeting.yaml").is_file():
            return folder
    raise AssemblerError("no meeting.yaml in this folder or above it", paper)


def preview(paper: Path, output: Path = Path("output"), pdf: bool = False,
            timeout: float = DEFAULT_TIMEOUT) -> Preview:
    """Render paper's item into output/<meeting-id>/preview/ (confidential/preview/ for an exempt
    item's paper), and lay it out as PDF if asked."""
    if not paper.is_file():
        raise AssemblerError("no such file", paper)
    meeting, warnings = load_paper(meeting_folder(paper), paper)
    target = inside(output, meeting.id)
    refuse_overlap(output, meeting.folder, meeting.templates, target)
    audience = of_item(meeting.items[0])
    folder = target / audience.folder / "preview"
    with output_errors(folder):
        if audience.restricted:
            private(folder.parent)
        rendered = render_papers(meeting, folder, lambda message: None)
        jobs = [Conversion(r.docx, r.doc.source) for r in rendered if r.docx]
        files = [job.docx for job in jobs]
        if pdf and jobs:
            # Profile slots are locked while in use, so a preview never upsets a build running at once.
            files += convert(jobs, folder, user_profiles(), timeout=timeout).values()
    return Preview(files, warnings)
