"""The workspace's pages for meetings and their agendas: each parses the request, asks places.py
whether the reader may see what it names, and calls the library (commands/agenda.py,
commands/upload.py) to read or change the files."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assembler.audience import may_change_agenda, may_read_item
from assembler.commands import agenda
from assembler.commands.upload import accept_upload
from assembler.errors import AssemblerError, Problem
from assembler.web import builds, checks
from assembler.web.audit import record
from assembler.web.forms import DetailsForm, ItemForm, MeetingForm, UploadForm, VersionForm
from assembler.web.models import AuditEntry, BuildJob
from assembler.web.places import (
    Place,
    meeting_folders,
    meeting_place,
    officers_meeting,
    reader_of,
    readers_item,
)


def home(request: HttpRequest) -> HttpResponse:
    """Officers: every meeting. Authors: the items assigned to them."""
    reader = reader_of(request)
    places = [meeting_place(folder.name) for folder in meeting_folders()]
    if may_change_agenda(reader):
        rows = [_meeting_row(place) for place in places]
        return render(request, "web/home.html", {"meetings": rows})
    mine = [(place, entry) for place in places if place.agenda
            for entry in place.agenda.items if may_read_item(reader, entry.authors)]
    return render(request, "web/my_items.html", {"items": mine})


def _meeting_row(place: Place) -> dict[str, Any]:
    found = checks.problems(place.folder)
    papers = [e for e in place.agenda.items if e.paper] if place.agenda else []
    present = [e for e in papers if (place.folder / e.paper).is_file()]
    return {"place": place, "id": place.folder.name, "papers_in": len(present),
            "papers_missing": len(papers) - len(present),
            "errors": sum(not p.warning for p in found), "warnings": sum(p.warning for p in found),
            "build": BuildJob.objects.filter(meeting=place.folder.name).first()}


def new_meeting(request: HttpRequest) -> HttpResponse:
    if not may_change_agenda(reader_of(request)):
        raise Http404("no such page")
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            folder = agenda.new_meeting_folder(settings.PAPERS, form.cleaned_data["body"],
                                               form.cleaned_data["date"].isoformat())
        except AssemblerError as exc:
            form.add_error("body", exc.problem.message)
        else:
            record(request.user.get_username(), "meeting started", folder.name)
            return redirect("meeting", meeting=folder.name)
    return render(request, "web/new_meeting.html", {"form": form})


def meeting(request: HttpRequest, meeting: str) -> HttpResponse:
    place = officers_meeting(request, meeting)
    found = checks.problems(place.folder)
    shown = [*found, *builds.last_problems(meeting, found)]  # and those only the last build met
    by_item: dict[int | None, list[Problem]] = (agenda.problems_by_item(place.agenda, shown) if place.agenda
                                                else {None: shown})
    rows = [(entry, by_item.get(entry.position, []), (place.folder / entry.paper).is_file() if entry.paper else None)
            for entry in (place.agenda.items if place.agenda else ())]
    return render(request, "web/meeting.html", {
        "place": place, "id": meeting, "rows": rows, "errors": sum(not p.warning for p in found),
        # the last build's own problems that concern no item are in its panel, not here
        "meeting_problems": [problem for problem in by_item.get(None, []) if problem in found],
        **builds.panel(meeting)})


def _refused(form: Any, exc: AssemblerError) -> None:
    """The library's answer, shown against the field it names (or above the form, for a stale save)."""
    field = exc.field if isinstance(exc, agenda.BadValue) and exc.field in form.fields else None
    form.add_error(field, exc.problem.message)


def details(request: HttpRequest, meeting: str) -> HttpResponse:
    place = officers_meeting(request, meeting)
    if place.agenda is None:
        return _unreadable(request, place)
    initial = {**asdict(place.agenda.details), "version": place.agenda.version}
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        values["date"] = values["date"].isoformat()
        try:
            agenda.save_details(place.folder, form.cleaned_data["version"], values)
        except AssemblerError as exc:
            _refused(form, exc)
        else:
            record(request.user.get_username(), "details changed", meeting)
            return redirect("meeting", meeting=meeting)
    return render(request, "web/details.html", {"form": form, "id": meeting, "place": place})


def _unreadable(request: HttpRequest, place: Place) -> HttpResponse:
    return render(request, "web/unreadable.html", {"place": place, "id": place.folder.name}, status=409)


def item(request: HttpRequest, meeting: str, position: int | None = None) -> HttpResponse:
    """Add an item (no position) or change one."""
    place = officers_meeting(request, meeting)
    if place.agenda is None:
        return _unreadable(request, place)
    entry = next((e for e in place.agenda.items if e.position == position), None)
    if position is not None and entry is None:
        raise Http404("no such item")
    initial: dict[str, Any] = {"version": place.agenda.version}
    if entry:
        initial |= {"title": entry.title, "presenter": entry.presenter, "text": entry.text,
                    "verbal": entry.verbal, "exempt": str(entry.exempt or ""), "public_title": entry.public_title,
                    "supplement": entry.supplement, "authors": list(entry.authors)}
    form = ItemForm(request.POST or None, initial=initial, listed=entry.authors if entry else ())
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            if entry:
                agenda.save_item(place.folder, version, entry.position, form.values())
            else:
                position = agenda.add_item(place.folder, version, form.values())
        except AssemblerError as exc:
            _refused(form, exc)
        else:
            record(request.user.get_username(), "item changed" if entry else "item added", meeting,
                   f"item at position {position}: {_described(form.values())}")
            return HttpResponseRedirect(reverse("meeting", kwargs={"meeting": meeting}) + f"#item-{position}")
    return render(request, "web/item.html", {"form": form, "id": meeting, "entry": entry, "place": place})


def _described(values: dict[str, Any]) -> str:
    return "; ".join(f"{key}={value}" for key, value in values.items() if value)


@require_POST
def move(request: HttpRequest, meeting: str, position: int) -> HttpResponse:
    place = officers_meeting(request, meeting)
    form = VersionForm(request.POST)
    by: Literal[-1, 1] = 1 if request.POST.get("direction") == "down" else -1
    if place.agenda is None or not form.is_valid():
        return _unreadable(request, place)
    try:
        agenda.move_item(place.folder, form.cleaned_data["version"], position, by)
    except AssemblerError as exc:
        return render(request, "web/refused.html", {"id": meeting, "message": exc.problem.message}, status=409)
    record(request.user.get_username(), "item moved", meeting, f"item at position {position} moved {by:+d}")
    return HttpResponseRedirect(reverse("meeting", kwargs={"meeting": meeting}) + f"#item-{position + by}")


def remove(request: HttpRequest, meeting: str, position: int) -> HttpResponse:
    place = officers_meeting(request, meeting)
    if place.agenda is None:
        return _unreadable(request, place)
    entry = next((e for e in place.agenda.items if e.position == position), None)
    if entry is None:
        raise Http404("no such item")
    form = VersionForm(request.POST or None, initial={"version": place.agenda.version})
    if request.method == "POST" and form.is_valid():
        try:
            agenda.remove_item(place.folder, form.cleaned_data["version"], position)
        except AssemblerError as exc:
            _refused(form, exc)
        else:
            record(request.user.get_username(), "item removed", meeting, f"item {entry.number}: {entry.title}")
            return redirect("meeting", meeting=meeting)
    return render(request, "web/remove.html", {"form": form, "id": meeting, "entry": entry})


def upload(request: HttpRequest, meeting: str, position: int) -> HttpResponse:
    """An item's paper or appendix: officers for any item, authors for their own."""
    place, entry = readers_item(request, meeting, position)
    assert place.agenda is not None  # readers_item found the item in it
    initial = {"version": place.agenda.version, "role": "paper"}
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.UPLOAD_LIMIT + 64 * 1024:  # refused unread
        form = UploadForm(initial, initial=initial)  # bound without the file: never valid
        form.errors["document"] = form.error_class([f"The file is larger than the limit of "
                                                    f"{settings.UPLOAD_LIMIT // 2**20} MB."])
    else:
        form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if form.is_bound and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            path = accept_upload(place.folder, position, form.cleaned_data["role"], document.name, document,
                                 settings.UPLOAD_LIMIT, form.cleaned_data["version"])
        except AssemblerError as exc:
            form.add_error("document", exc.problem.message)
        else:
            record(request.user.get_username(), "uploaded", meeting,
                   f"item {entry.number}: {form.cleaned_data['role']} {path.name} ({document.size} bytes)")
            return _after_upload(request, meeting, position)
    problems = agenda.problems_by_item(place.agenda, checks.problems(place.folder)).get(position, [])
    return render(request, "web/upload.html", {"form": form, "id": meeting, "entry": entry, "problems": problems})


def _after_upload(request: HttpRequest, meeting: str, position: int) -> HttpResponse:
    if may_change_agenda(reader_of(request)):
        return HttpResponseRedirect(reverse("meeting", kwargs={"meeting": meeting}) + f"#item-{position}")
    return redirect("upload", meeting=meeting, position=position)


def audit(request: HttpRequest) -> HttpResponse:
    if not may_change_agenda(reader_of(request)):
        raise Http404("no such page")
    page = Paginator(AuditEntry.objects.all(), 100).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"page": page})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token (or from another site): refused, and nothing changed."""
    return render(request, "web/csrf_failure.html", status=403)
