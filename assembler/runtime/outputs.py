"""The meeting's output folder: its lock, and the staging folder swapped into place whole.

A build holds its meeting's lock from start to end, writes into a staging folder beside the output
folder, and swaps the staging folder into place only once everything has succeeded. A build that
fails, or is interrupted, leaves the last complete output folder as it was. The versions published
from earlier builds (`published/`) are the one thing carried over from the old folder to the new.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assembler.errors import AssemblerError, Interrupted, shown
from assembler.runtime.interrupts import signals_deferred, still_wanted

# What to do about the output side's faults, by errno; any other names the system's own words.
FAULTS = {
    errno.ENOSPC: "no space left on the disk; free some space and build again",
    errno.EDQUOT: "the disk quota is used up; free some space and build again",
    errno.EROFS: "the folder is read-only; choose another --output folder, or make it writable",
    errno.EACCES: "permission denied; choose another --output folder, or ask for access to it",
    errno.EPERM: "permission denied; choose another --output folder, or ask for access to it",
    errno.ENOTDIR: "part of this path is a file, not a folder; give --output a folder",
    errno.EEXIST: "not a folder; give --output a folder",
}

PUBLISHED = "published"  # under output/<meeting-id>/: the versions published, which outlive every build


def inside(folder: Path, name: str | Path) -> Path:
    """folder/name, after making sure it is inside folder: no value from the sources may lead out of it.

    The names are checked when the sources are read; this is the last guard before writing.
    """
    path = folder / name
    # By the names alone: the folders need not exist yet, and a link an administrator made is theirs.
    if Path(os.path.abspath(folder)) not in Path(os.path.abspath(path)).parents:
        raise AssemblerError(f"'{name}' would be written outside {shown(folder)}/, so nothing was "
                             "written; please report this", folder)
    return path


def refuse_overlap(output: Path, folder: Path, templates: Path, target: Path) -> None:
    """Refuse an output folder that holds the sources, or is held by them.

    Inside the meeting folder, each build's output would be a changed source for the next; a
    target that is, or holds, the sources would replace them with the pack.
    """
    sources = folder.resolve()
    if sources == output.resolve() or sources in output.resolve().parents:
        raise AssemblerError(f"the output folder is inside the meeting folder {shown(folder)}/, so every "
                             "build would find its own output changed; choose an --output folder "
                             "outside it, such as output", output)
    for kept in (sources, templates.resolve()):
        if kept == target.resolve() or target.resolve() in kept.parents:
            raise AssemblerError(f"building into {shown(target)}/ would replace {shown(kept)}/; choose "
                                 "another --output folder", output)


@contextlib.contextmanager
def output_errors(target: Path) -> Iterator[None]:
    """Turn a fault of the disk or the folders (full, read-only, not a folder) into one line.

    The staging folder is removed on the way out, so the last complete build is left as it was.
    """
    try:
        yield
    except OSError as exc:
        what = FAULTS.get(exc.errno or 0) or f"{(exc.strerror or str(exc)).lower()}; check the folder " \
                                              "and build again"
        raise AssemblerError(what, Path(exc.filename) if exc.filename else target) from None


# What a build and verify read back from a manifest, and the types they read it as.
MANIFEST_KEYS: dict[str, type | tuple[type, ...]] = {
    "pages": int, "duplex": bool, "pack_sha256": str, "inputs": str, "sources": dict,
    "templates": dict, "tools": dict, "source_date_epoch": (int, type(None))}


def read_manifest(path: Path) -> dict[str, Any]:
    """A build's manifest.json; AssemblerError if it is damaged (OSError if it cannot be read at all)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than Python can read
        manifest = None
    if not _well_formed(manifest):
        raise AssemblerError("damaged: not the manifest a build writes, so the pack cannot be checked "
                             "against its sources; build the meeting again to write a new one", path)
    return manifest


def _well_formed(manifest: Any) -> bool:
    """Whether each value a build or verify reads is there, and of its type (true is not a number)."""
    return isinstance(manifest, dict) and all(
        isinstance(manifest.get(key), kind) and not (kind is int and isinstance(manifest.get(key), bool))
        for key, kind in MANIFEST_KEYS.items())


def umask() -> int:
    """The process's umask, read without changing it: other threads may be creating files."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no /proc: the only other way to read it is to set it
    os.umask(mask)
    return mask


@contextlib.contextmanager
def meeting_lock(target: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock on the meeting built into target; a second build of it waits here for the first.

    Waiting rather than failing lets two officers press "build" at once and both get a pack built
    from the latest sources. The lock file is never deleted: a build waiting on a deleted file would
    hold a lock that a third build, opening a new file, would not see.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.with_name(f".{target.name}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another build of {target.name} is running; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        recover(target)
        yield  # the lock goes with the file's closing, also when the process is killed


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh folder beside target that replaces it only if the block succeeds. Hold the lock."""
    old = _old(target)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    stage.chmod(0o777 & ~umask())  # mkdtemp's folder is private, but a pack is for publishing
    try:
        yield stage
        still_wanted()  # a build interrupted, even where a library hid it, is not put in place
        with signals_deferred():  # an interrupt between the two renames would leave no output at all
            if target.exists():
                target.rename(old)
            stage.rename(target)
            _carry_over(old, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _old(target: Path) -> Path:
    return target.with_name(f".{target.name}-old")


def _carry_over(old: Path, target: Path) -> None:
    """Move the published versions from the old output folder into the new one: a rename, never a
    copy, so that no version is ever lost or half there."""
    kept = old / PUBLISHED
    if kept.is_dir() and not (target / PUBLISHED).exists():
        kept.rename(target / PUBLISHED)


def recover(target: Path) -> None:
    """Put right what a build killed outright (SIGKILL, a power cut) left behind: its staging folder
    may hold confidential papers, so it goes even when this build finds nothing to do. Hold the lock."""
    old = _old(target)
    if old.exists() and not target.exists():
        old.rename(target)  # killed between the renames: the old output is the last complete one
    elif old.exists():
        _carry_over(old, target)  # killed after the renames, before the published versions moved
    shutil.rmtree(old, ignore_errors=True)
    for path in target.parent.iterdir():
        if path.name.startswith(f".{target.name}-new-"):
            shutil.rmtree(path, ignore_errors=True)


def private(folder: Path) -> Path:
    """folder, made if need be, that only its owner may read, whatever the umask: a web server
    publishing the output folder cannot read what is not for publication."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


@contextlib.contextmanager
def interrupt_reported(target: Path) -> Iterator[None]:
    """Turn Ctrl-C into one line that says what the output folder now holds."""
    try:
        yield
    except KeyboardInterrupt:
        if target.is_dir():
            raise Interrupted(f"interrupted; {shown(target)}/ holds the last complete build") from None
        raise Interrupted("interrupted; no pack was written") from None
