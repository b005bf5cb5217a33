"""`assembler publish`: the current build's public outputs, kept as output/<id>/published/v<N>/.

Each version stays as it was published, since the website, minutes and emails may link to it. A
version is made only from a build that matches the meeting's sources now, and only when it differs
from the last one; it carries a note of what changed since (publish/changes.py). Only files a
public manifest names are copied, and the agenda's web pages: never anything under confidential/.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assembler.audience import RESTRICTED
from assembler.build.run import PACK, engine_for, inputs_digest, previous_build
from assembler.errors import AssemblerError
from assembler.layout.convert import DEFAULT_TIMEOUT
from assembler.model import Meeting
from assembler.publish.changes import MAIN, Manifests, Note, changes, with_note
from assembler.runtime.cache import file_digest
from assembler.runtime.outputs import (
    PUBLISHED,
    inside,
    meeting_lock,
    output_errors,
    read_manifest,
    recover,
    staging,
)
from assembler.sources.load import load_meeting

WEB = "web"  # the agenda's web pages, when the build made them
INDEX = f"{WEB}/index.html"
RECORD = "version.json"  # what each version was copied from, to tell whether a build is already published
NOTE = "CHANGES.txt"
VERSION = re.compile(r"v([1-9][0-9]*)")


@dataclass(frozen=True)
class Published:
    version: int
    folder: Path
    note: Note | None  # None when the build was published already, as this version


def publish(folder: Path, output: Path, unoservers: Sequence[str], say: Callable[[str], None]) -> Published:
    """Publish the build of the meeting in folder, in output/<id>/, as its next version.

    unoservers: the listeners it was built on, if any, since they are part of what it was made from.
    The meeting's lock is held throughout, so that no build replaces the outputs while they are copied.
    """
    meeting, _ = load_meeting(folder)
    target = inside(output, meeting.id)
    identity = engine_for(unoservers, DEFAULT_TIMEOUT).identity
    with output_errors(target), meeting_lock(target, say):
        _check_build(meeting, target, identity)
        files = public_files(target)
        digests = {name: file_digest(path) for name, path in files.items()}
        published = target / PUBLISHED
        done = sorted(int(m[1]) for path in published.glob("v*") if (m := VERSION.fullmatch(path.name)))
        last = published / f"v{done[-1]}" if done else None
        if last and _record(last) == digests:
            return Published(done[-1], last, None)
        version = done[-1] + 1 if done else 1
        note = Note(version, datetime.datetime.now().astimezone(),
                    changes(_old_manifests(last), _manifests(target)) if last else None)
        new = published / f"v{version}"
        published.mkdir(exist_ok=True)
        recover(new)  # a publish killed outright leaves its staging folder
        with staging(new) as stage:
            _write(stage, files, digests, note)
    return Published(version, new, note)


def _check_build(meeting: Meeting, target: Path, identity: str) -> None:
    """Refuse a build that is not there, or no longer matches its sources. Hold the lock."""
    if not (target / MAIN).is_file() or not (target / PACK).is_file():
        raise AssemblerError("no build to publish; build the meeting first", target)
    built = read_manifest(target / MAIN)
    if not previous_build(target, inputs_digest(meeting, built["duplex"], identity, built["source_date_epoch"])):
        raise AssemblerError("the build no longer matches the meeting's sources (they, a template or "
                             "assembler changed since it was made); build it again, then publish", target)


def _manifests(folder: Path) -> Manifests:
    """The public packs' manifests in a build's folder or a version's: the main one and supplements'."""
    paths = [folder / MAIN, *sorted(folder.glob("supplement-*-manifest.json"))]
    found = {path.name: read_manifest(path) for path in paths}
    return {name: manifest for name, manifest in found.items() if manifest.get("confidential") is False}


def _old_manifests(version: Path) -> Manifests:
    try:
        manifests = _manifests(version)
    except AssemblerError as exc:
        raise AssemblerError("damaged, so what changed since cannot be told; put back the copy that was "
                             "published", exc.problem.path) from None
    if MAIN not in manifests:
        raise AssemblerError("not the manifest of a public pack, so what changed since cannot be told; put "
                             "back the copy that was published", version / MAIN)
    return manifests


def public_files(target: Path) -> dict[str, Path]:
    """Every file of the build to publish, by its name in the version: what its public manifests name
    (themselves, their packs and their items' PDFs), and the web pages."""
    manifests = _manifests(target)
    if MAIN not in manifests:
        raise AssemblerError("not the manifest of a public pack; build the meeting again", target / MAIN)
    names = [*manifests, *(manifest["pack"] for manifest in manifests.values()),
             *(item["pdf"] for manifest in manifests.values() for item in manifest["items"] if item.get("pdf"))]
    names += [path.relative_to(target).as_posix() for path in sorted((target / WEB).rglob("*")) if path.is_file()]
    for name in names:  # a manifest changed by hand could name anything: the last guard
        if RESTRICTED.folder in Path(name).parents:
            raise AssemblerError(f"names '{name}', which is not for publication; build the meeting again",
                                 target / MAIN)
    return {name: inside(target, name) for name in names}


def _record(version: Path) -> dict[str, str] | None:
    """The files a version was copied from, by name → sha256; None if its record cannot be read."""
    try:
        files = json.loads((version / RECORD).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files if isinstance(files, dict) else None


def _write(stage: Path, files: dict[str, Path], digests: dict[str, str], note: Note) -> None:
    for name, source in files.items():
        copy = inside(stage, name)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
    (stage / NOTE).write_text(note.text(), encoding="utf-8")
    record = {"version": note.version, "published": note.published.isoformat(timespec="seconds"), "files": digests}
    (stage / RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    index = stage / INDEX
    if index.is_file():
        index.write_text(with_note(index.read_text(encoding="utf-8"), note), encoding="utf-8")
