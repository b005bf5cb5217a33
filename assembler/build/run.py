"""A build of one meeting: load → render → lay out → plan → assemble, and the build's outputs.

Everything is written into a staging folder beside the output and swapped into place only when
the whole build has succeeded, so a failed build never leaves a half-written pack behind. One
build makes every pack of the meeting: public, confidential and supplements (packs.py).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from assembler.build.options import DEFAULTS, BuildOptions
from assembler.build.progress import BuildResult, Progress
from assembler.errors import AssemblerError, InvalidSources, Problem
from assembler.layout.convert import Engine, Local, user_profiles
from assembler.model import Meeting
from assembler.plan.packs import packs
from assembler.runtime.cache import Cache, code_digest, digest, file_digest
from assembler.runtime.outputs import (
    inside,
    interrupt_reported,
    meeting_lock,
    output_errors,
    read_manifest,
    refuse_overlap,
    staging,
)
from assembler.sources.load import load_meeting, template_files

PACK = "agenda-pack.pdf"


def check(folder: Path) -> list[Problem]:
    """Every problem build would meet before LibreOffice runs: the sources, the templates, the Markdown."""
    from assembler.render.word import render_agenda, render_papers  # the Word libraries: only when checking

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
    # Named relative to their folders, so that a copy of the sources elsewhere has the same digest.
    sources = (f"{path.relative_to(meeting.folder).as_posix()}:{file_digest(path)}"
               for path in sorted(meeting.folder.rglob("*")) if path.is_file())
    templates = (f"template {path.name}:{file_digest(path)}"
                 for path in template_files(meeting.templates))
    return digest(code_digest(), engine, f"duplex={duplex}", f"epoch={epoch}", *sources, *templates)


def previous_build(target: Path, inputs: str) -> dict | None:
    """The last build's manifest, if it was made from these same inputs and its pack is intact."""
    try:
        manifest = read_manifest(target / "manifest.json")
        if manifest["inputs"] == inputs and file_digest(target / PACK) == manifest["pack_sha256"]:
            return manifest
    except (OSError, AssemblerError):  # none, or damaged: build afresh
        pass
    return None


def engine_for(unoservers: Sequence[str], timeout: float, documents: int | None = None) -> Engine:
    """Local LibreOffice, or the unoserver listeners given as host:port.

    Locally, one LibreOffice per core, but no more than there are documents to lay out.
    """
    if unoservers:
        from assembler.layout.listeners import Listener, Listeners  # XML-RPC: only for those who use it

        return Listeners(tuple(Listener.parse(text) for text in unoservers), timeout)
    cores = os.cpu_count() or 1
    return Local(user_profiles(), timeout, min(cores, documents or cores))


def build(folder: Path, options: BuildOptions = DEFAULTS, progress: Progress | None = None,
          engine: Engine | None = None) -> BuildResult:
    """Build the meeting in folder into options.output/<id>/.

    The engine, if given, is one already running, as watching keeps it between builds.
    """
    started = time.monotonic()
    progress = progress or Progress()
    meeting, warnings = load_meeting(folder)
    output = options.output
    target = inside(output, meeting.id)
    refuse_overlap(output, meeting.folder, meeting.templates, target)
    # one LibreOffice per document at most: the front sheet is laid out too
    engine = engine or engine_for(options.unoservers, options.timeout, len(meeting.documents) + 1)
    identity = engine.identity
    inputs = inputs_digest(meeting, options.duplex, identity, options.source_date_epoch)
    pack = target / PACK
    written = tuple(target / made.pdf for made in packs(meeting))
    with output_errors(target), interrupt_reported(target), meeting_lock(target, progress.notice):
        manifest = previous_build(target, inputs)
        if manifest:
            return BuildResult(pack, manifest["pages"], pack.stat().st_size, time.monotonic() - started,
                               warnings, written, unchanged=True)
        with staging(target) as stage:
            from assembler.build.stages import Builder  # the slow stages' libraries: only when there is work

            builder = Builder(meeting, stage, Cache(output / ".cache", identity), engine, options, progress)
            rendered = builder.render()  # first: a fault in a paper is reported without starting LibreOffice
            with engine.running():
                made = builder.run(inputs, rendered)
    return BuildResult(pack, made.packs[0].plan.total_pages, pack.stat().st_size, time.monotonic() - started,
                       warnings, written, made.documents, made.laid_out)
