"""Builds and their outputs in the workspace: the build button and its live progress, the list of
what a build made (each PDF with its pages and size), downloads and page previews.

Who may open an output is asked of audience.py: packs and everything under confidential/ are for
those who may read packs (officers); an item's own PDF also for those who may read the item (its
authors), found through the build's manifests. Anything else, or a path that leads out of the
meeting's output folder, is not found (404). Every opening of confidential material is audited.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from assembler.audience import CONFIDENTIAL, Reader, may_read_item, may_read_packs
from assembler.commands.agenda import Agenda
from assembler.errors import Problem
from assembler.web import jobs
from assembler.web.audit import record
from assembler.web.models import BuildJob
from assembler.web.places import meeting_place, officers_meeting, reader_of

PREVIEW_DPI = 60  # a page about 500 pixels high: enough to recognise it, quick to draw
PREVIEW_SECONDS = 60  # pdftoppm on one page of a sound PDF takes a fraction of a second


@require_POST
def start(request: HttpRequest, meeting: str) -> HttpResponse:
    """Queue a build of the meeting (officers), unless one is already waiting or running."""
    officers_meeting(request, meeting)
    who = request.user.get_username()
    try:
        job = jobs.start(meeting, who)
    except jobs.AlreadyBuilding as exc:
        return render(request, "web/build_refused.html", {"id": meeting, "message": exc.problem.message}, status=409)
    record(who, "build queued", meeting, f"build {job.pk}")
    return HttpResponseRedirect(reverse("meeting", kwargs={"meeting": meeting}) + "#build")


def last_job(meeting: str) -> BuildJob | None:
    return BuildJob.objects.filter(meeting=meeting).first()


def status(request: HttpRequest, meeting: str) -> HttpResponse:
    """The build panel's live part, polled by htmx while a build is waiting or running. Unchanged
    since the poller's last look (`seen`), it answers 204, which htmx leaves alone: the live region
    is not read out again every second."""
    officers_meeting(request, meeting)
    job = last_job(meeting)
    if job and request.GET.get("seen") == signature(job):
        return HttpResponse(status=204)
    return render(request, "web/build_status.html", {"id": meeting, "build": job, "seen": signature(job)})


def signature(job: BuildJob | None) -> str:
    """What the build panel shows of a job, in short: it changes when the panel would."""
    if job is None:
        return ""
    shown = f"{job.pk}:{job.state}:{job.stage}:{job.laid_out}:{job.to_lay_out}"
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def panel(meeting: str) -> dict[str, Any]:
    """What the build panel on the meeting page needs."""
    job = last_job(meeting)
    return {"build": job, "seen": signature(job)}


def last_problems(meeting: str, found: list[Problem]) -> list[Problem]:
    """The last build's problems that checking (`found`) does not already show, as Problems naming
    the files under the workspace, so that they can be shown against their items."""
    job = last_job(meeting)
    if job is None or job.active:
        return []
    known = {str(problem) for problem in found}
    made = [Problem(settings.ROOT / p["path"] if p["path"] else None, p["line"], p["message"], p["warning"])
            for p in job.problems]
    return [problem for problem in made if str(problem) not in known]


@dataclass(frozen=True)
class Output:
    """A PDF a build made, as the outputs page lists it."""

    name: str  # relative to output/<meeting-id>/, with forward slashes
    pages: int
    size: int

    @property
    def confidential(self) -> bool:
        return confidential(self.name)


def confidential(name: str) -> bool:
    """Whether an output, named relative to output/<meeting-id>/, is confidential material."""
    return name.split("/")[0] == CONFIDENTIAL


def described(path: Path, name: str) -> Output:
    """An output with its pages and size, as the outputs page and a preview show it."""
    return Output(name, page_count(path), path.stat().st_size)


def target_of(meeting: str) -> Path:
    return (settings.OUTPUT / meeting).resolve()


def page_count(path: Path) -> int:
    try:
        return len(PdfReader(path).pages)
    except (OSError, PyPdfError, ValueError):  # being replaced by a build, say: none to preview
        return 0


def item_pdfs(target: Path) -> dict[str, tuple[str, str]]:
    """Each item's own PDF, by its name under target, with the item's number and title, as the
    build's manifests (the public one, the supplements', the confidential one) list them."""
    found: dict[str, tuple[str, str]] = {}
    for manifest in [*target.glob("*manifest.json"), *(target / CONFIDENTIAL).glob("*manifest.json")]:
        try:
            items = json.loads(manifest.read_text(encoding="utf-8"))["items"]
            for item in items:
                if item.get("pdf"):
                    name = (manifest.parent / item["pdf"]).relative_to(target).as_posix()
                    found[name] = (str(item["number"]), str(item["title"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # damaged: its items are not offered
            continue
    return found


def may_open(reader: Reader, name: str, agenda: Agenda | None, items: dict[str, tuple[str, str]]) -> bool:
    """Packs and confidential material for those who may read packs; an item's own PDF also for
    those who may read that item, if it is still the item the PDF was built from (same number and
    title: an agenda changed since the build may have given the number to another item)."""
    if may_read_packs(reader):
        return True
    made_from = items.get(name)
    entry = next((e for e in agenda.items if (e.number, e.title) == made_from), None) if agenda and made_from else None
    return entry is not None and may_read_item(reader, entry.authors)


def readable_outputs(request: HttpRequest, meeting: str) -> list[Output]:
    """The meeting's PDFs the reader may open; 404 for a reader with no item in the meeting (it is
    not theirs to know of it)."""
    place = meeting_place(meeting)
    target = target_of(meeting)
    reader = reader_of(request)
    items = item_pdfs(target)
    names = sorted(path.relative_to(target).as_posix() for path in target.rglob("*.pdf")
                   if path.is_file() and not path.is_symlink()  # a build writes no links: someone else put it there
                   and not any(part.startswith(".") for part in path.relative_to(target).parts))
    readable = [name for name in names if may_open(reader, name, place.agenda, items)]
    mine = place.agenda and any(may_read_item(reader, entry.authors) for entry in place.agenda.items)
    if not readable and not mine:
        raise Http404("no such meeting")
    return [described(target / name, name) for name in readable]


def outputs(request: HttpRequest, meeting: str) -> HttpResponse:
    found = readable_outputs(request, meeting)
    officer = may_read_packs(reader_of(request))
    return render(request, "web/outputs.html", {"id": meeting, "outputs": found, "officer": officer})


def opened(request: HttpRequest, meeting: str, name: str) -> tuple[Path, str]:
    """The output the URL names, if it is a PDF inside output/<meeting-id>/ (links followed) that
    the reader may open; 404 otherwise."""
    place = meeting_place(meeting)
    target = target_of(meeting)
    if Path(name).is_absolute():  # the URL names a file of the meeting's outputs, not of the machine
        raise Http404("no such output")
    if (target / name).is_symlink():  # a build writes no links: someone else put it there
        raise Http404("no such output")
    try:
        path = (target / name).resolve(strict=True)
        inside = path.relative_to(target)
    except (OSError, ValueError, RuntimeError):
        raise Http404("no such output") from None
    relative = inside.as_posix()
    if (path.suffix.lower() != ".pdf" or not path.is_file() or any(part.startswith(".") for part in inside.parts)
            or not may_open(reader_of(request), relative, place.agenda, item_pdfs(target))):
        raise Http404("no such output")
    return path, relative


def _audit(request: HttpRequest, meeting: str, name: str, what: str) -> None:
    if confidential(name):
        record(request.user.get_username(), what, meeting, name)


def download(request: HttpRequest, meeting: str, name: str) -> FileResponse:
    """The file as it is: its pages are not counted, as a preview's are."""
    path, relative = opened(request, meeting, name)
    _audit(request, meeting, relative, "confidential downloaded")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="application/pdf")


def _page(request: HttpRequest, output: Output) -> int:
    """The page the request asks for (1 if none): a number from 1 to the file's last page, or 404."""
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("no such page") from None
    if not 1 <= number <= output.pages:
        raise Http404("no such page")
    return number


def preview(request: HttpRequest, meeting: str, name: str) -> HttpResponse:
    """A page of an output shown as an image, with the way to the other pages."""
    output = described(*opened(request, meeting, name))
    number = _page(request, output)
    return render(request, "web/preview.html", {"id": meeting, "output": output, "page": number,
                                                "previous": number - 1 if number > 1 else None,
                                                "next": number + 1 if number < output.pages else None})


def image(request: HttpRequest, meeting: str, name: str) -> HttpResponse:
    """One page as a PNG, drawn on request into memory: nothing is written to disk, so a
    confidential page is never left where a web server or a cache could serve it."""
    path, relative = opened(request, meeting, name)
    number = _page(request, described(path, relative))
    _audit(request, meeting, relative, "confidential previewed")
    drawn = subprocess.run(["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(PREVIEW_DPI), "-png",
                            "-singlefile", str(path)], capture_output=True, timeout=PREVIEW_SECONDS, check=False)
    if drawn.returncode != 0 or not drawn.stdout:
        raise Http404("this page cannot be shown")
    return HttpResponse(drawn.stdout, content_type="image/png")
