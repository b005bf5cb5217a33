"""`assembler verify`: rebuild a meeting and show whether its published pack came from its sources.

The rebuild goes into a temporary folder with the options the manifest records, and its pack is
compared byte for byte with the published one. When they differ, the two manifests say why: which
sources or templates changed, or which tool has another version now.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assembler.build.options import DEFAULTS, BuildOptions
from assembler.build.progress import Progress
from assembler.build.run import PACK, build
from assembler.errors import AssemblerError, Interrupted, Problem, shown
from assembler.runtime.cache import file_digest
from assembler.runtime.outputs import inside, meeting_lock, output_errors, read_manifest, refuse_overlap
from assembler.sources.load import load_meeting

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    matches: bool
    findings: list[Problem]  # the verdict's own line, then each difference found


def verify(folder: Path, options: BuildOptions = DEFAULTS, progress: Progress | None = None) -> Verdict:
    """Build the meeting again, as its manifest records, and compare with the pack in options.output."""
    progress = progress or Progress()
    output = options.output
    meeting, _ = load_meeting(folder)
    target = inside(output, meeting.id)
    refuse_overlap(output, meeting.folder, meeting.templates, target)
    pack = target / PACK
    if not pack.is_file() or not pack.with_name("manifest.json").is_file():
        raise AssemblerError("no built pack and manifest to verify; build the meeting first", pack.parent)
    # the pack and manifest of one build, not of two
    with output_errors(target), meeting_lock(target, progress.notice):
        published, published_sha256 = read_manifest(pack.with_name("manifest.json")), file_digest(pack)
    fresh = _rebuild(folder, published, options, progress)
    if fresh["pack_sha256"] == published_sha256:
        verdict = f"matches a fresh build of {shown(folder)} (sha256 {published_sha256[:12]}…)"
        return Verdict(True, [Problem(pack, None, verdict)])
    found = differences(published, fresh, published_sha256, pack,
                        {"sources": meeting.folder, "templates": meeting.templates})
    found = found or [Problem(None, None, "the sources, templates and tools are the same as when the "
                                          "pack was built, yet the pack differs; please report this")]
    return Verdict(False, [Problem(pack, None, f"differs from a fresh build of {shown(folder)}"), *found])


def _rebuild(folder: Path, published: Manifest, options: BuildOptions, progress: Progress) -> Manifest:
    """The manifest of a build into a temporary folder, with the options the published one records."""
    with tempfile.TemporaryDirectory(prefix="assembler-verify-") as scratch:
        recorded = replace(options, output=Path(scratch), duplex=published["duplex"],
                           source_date_epoch=published.get("source_date_epoch"))
        try:
            rebuilt = build(folder, recorded, progress)
        except Interrupted:
            raise Interrupted("interrupted; nothing was changed") from None
        return read_manifest(rebuilt.pack.with_name("manifest.json"))


def differences(published: Manifest, fresh: Manifest, pack_sha256: str, pack: Path,
                folders: dict[str, Path]) -> list[Problem]:
    """What differs between the build a manifest records and a fresh one, one line each."""
    found = []
    if pack_sha256 != published["pack_sha256"]:
        found.append(Problem(pack, None, "changed after it was built: it is not the pack its "
                                         "manifest describes"))
    for kind, folder in folders.items():
        found += _files_changed(published.get(kind, {}), fresh[kind], folder)
    was, now = published.get("tools", {}), fresh["tools"]
    found += [Problem(None, None, f"{tool}: {was.get(tool, 'not used')} when the pack was built, "
                                  f"{now.get(tool, 'not used')} now")
              for tool in sorted(was.keys() | now.keys()) if was.get(tool) != now.get(tool)]
    return found


def _files_changed(was: dict[str, str], now: dict[str, str], folder: Path) -> list[Problem]:
    found = []
    for name in sorted(was.keys() | now.keys()):
        if name not in now:
            found.append(Problem(folder / name, None, "no longer used; the pack was built with it"))
        elif name not in was:
            found.append(Problem(folder / name, None, "new since the pack was built"))
        elif was[name] != now[name]:
            found.append(Problem(folder / name, None, "changed since the pack was built"))
    return found
