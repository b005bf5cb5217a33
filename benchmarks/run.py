"""Measure assembler against LibreOffice itself, on synthetic meetings made for the purpose.

    .venv/bin/python benchmarks/run.py [--json benchmarks/results.json]

Prints each figure with its ratio and target, and writes them all to a JSON file. Numbers are
only compared within one run on one machine; no test asserts them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
from pypdf import PdfReader
from synthetic import make_meeting

HERE = Path(__file__).resolve().parent
ASSEMBLER = [sys.executable, "-m", "assembler"]
UNTAGGED = [sys.executable, str(HERE / "untagged.py")]  # the same build, less tagging
SMALL = [1 + (n * 7) % 20 for n in range(20)]  # 20 reports of 1 to 20 pages
BIG = [4 + (n * 11) % 30 for n in range(60)]  # 60 papers, about 1,000 pages
ROUNDS = 7  # bare, cold and untagged cold builds are each measured this many times, in turns; medians are taken


def tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    family, changed = {root}, True
    while changed:
        grown = {pid for pid, parent in parents.items() if parent in family}
        changed = not grown <= family
        family |= grown
    total = 0
    for pid in family:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time of a command, and the peak memory of its whole process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        peak = max(peak, tree_rss(process.pid))
        try:
            process.wait(timeout=0.05)  # returns as the command ends, so that short runs are timed closely
            break
        except subprocess.TimeoutExpired:
            continue
    elapsed = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()}")
    return elapsed, peak


def rendered(meeting: Path, work: Path) -> list[Path]:
    """The meeting's papers rendered to Word, as assembler renders them, for bare LibreOffice."""
    from assembler.render.word import render_papers
    from assembler.sources.load import load_meeting

    loaded, _ = load_meeting(meeting)
    return [r.docx for r in render_papers(loaded, work / "docx", lambda message: None) if r.docx]


def bare(docx: list[Path], work: Path, outdir: Path) -> float:
    """LibreOffice alone converting the rendered Word files in one process: the floor. It exports
    them as assembler does, tagged for PDF/UA, so that the two do the same work."""
    from assembler.layout.convert import EXPORT_FILTER

    def soffice(files: list[Path], outdir: Path) -> list[str]:
        return ["soffice", "--headless", "--norestore", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--convert-to", EXPORT_FILTER, "--outdir", str(outdir), *map(str, files)]

    if not (work / "profile").exists():  # a made profile, as assembler's are after a first build
        timed(soffice(docx[:1], work / "warm-up"), work)
    seconds, _ = timed(soffice(docx, outdir), work)
    if len(list(outdir.glob("*.pdf"))) != len(docx):
        sys.exit("bare LibreOffice did not convert every document")
    return seconds


def check_tagging(output: Path, tagged: bool) -> None:
    """Stop, rather than report a false figure, if a build's pack, items or papers' PDFs are not tagged
    as they should be (untagged.py patching names that have since changed, say)."""
    made = output / "small"
    for pdf in [made / "agenda-pack.pdf", *sorted((made / "items").glob("*.pdf"))[:1],
                *sorted((output / ".cache" / "pdf").glob("*/*.pdf"))[:1]]:
        with pikepdf.open(pdf) as opened:
            if ("/StructTreeRoot" in opened.Root) != tagged:
                sys.exit(f"{pdf} is {'not ' if tagged else ''}tagged: the comparison would be false")


def edit_one_paragraph(meeting: Path) -> None:
    report = sorted(meeting.glob("report-*.md"))[len(SMALL) // 2]
    text = report.read_text()
    at = text.index("\n\n", len(text) // 2)
    report.write_text(text[:at] + " One sentence added by the benchmark." + text[at:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def listeners(work: Path, count: int) -> Iterator[list[str]]:
    """unoserver listeners on loopback, started and made ready before anything is timed."""
    started = []
    try:
        for n in range(count):
            port = free_port()
            command = [sys.executable, "-m", "unoserver.server", "--interface", "127.0.0.1", "--port", str(port),
                       "--uno-port", str(free_port()), "--user-installation", str(work / f"listener-{n}")]
            started.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                             start_new_session=True), f"127.0.0.1:{port}"))
        for process, address in started:
            while process.poll() is None:
                try:
                    xmlrpc.client.ServerProxy(f"http://{address}").info()
                    break
                except OSError:
                    time.sleep(0.2)
        yield [address for _, address in started]
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def warm_listener_edit(work: Path) -> float:
    """The one-paragraph edit again, laid out by listeners that were already running."""
    meeting = make_meeting(work / "served", SMALL)
    with listeners(work, os.cpu_count() or 1) as addresses:
        build = [*ASSEMBLER, "build", "-q", "--output", str(work / "served-out"),
                 *(f"--unoserver={address}" for address in addresses), str(meeting)]
        timed(build, work)
        edit_one_paragraph(meeting)
        return timed(build, work)[0]


def watched_edit(work: Path) -> float:
    """The one-paragraph edit under `build --watch`: from the file saved to the new pack in place."""
    meeting = make_meeting(work / "watched", SMALL)
    command = [*ASSEMBLER, "build", "--watch", "--output", str(work / "watched-out"), str(meeting)]
    watcher = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        built = watcher.stdout.readline()  # type: ignore[union-attr]
        if "pages" not in built:
            sys.exit(f"build --watch did not build:\n{built}{watcher.stderr.read()}")  # type: ignore[union-attr]
        started = time.perf_counter()
        edit_one_paragraph(meeting)
        built = watcher.stdout.readline()  # type: ignore[union-attr]
        seconds = time.perf_counter() - started
        if "report-11.md" not in built:
            sys.exit(f"build --watch did not lay out the edited report again:\n{built}")
        return seconds
    finally:
        os.killpg(watcher.pid, signal.SIGINT)
        watcher.wait()


def measure(work: Path) -> dict[str, Any]:
    small = make_meeting(work / "small", SMALL)
    warm = make_meeting(work / "warm-up", [1, 1], pdf_appendices=0)  # makes assembler's profiles once
    timed([*ASSEMBLER, "build", "-q", "--output", str(work / "warm-out"), str(warm)], work)
    docx = rendered(small, work / "bare")
    bares: list[float] = []
    colds: list[tuple[float, int]] = []
    untagged: list[tuple[float, int]] = []
    for n in range(ROUNDS):  # taken in turns, so that a change in the machine's speed touches all three
        bares.append(bare(docx, work / "bare", work / "bare" / f"pdf-{n}"))
        tagged_build = [*ASSEMBLER, "build", "-q", "--output", str(work / f"cold-{n}"), str(small)]
        untagged_build = [*UNTAGGED, "build", "-q", "--output", str(work / f"untagged-{n}"), str(small)]
        # Which goes first alternates, so that a machine slowing down or speeding up favours neither.
        for command in (tagged_build, untagged_build) if n % 2 == 0 else (untagged_build, tagged_build):
            (colds if command is tagged_build else untagged).append(timed(command, work))
        check_tagging(work / f"cold-{n}", tagged=True)
        check_tagging(work / f"untagged-{n}", tagged=False)
    bare_s = statistics.median(bares)
    cold_s, cold_rss = statistics.median(seconds for seconds, _ in colds), max(rss for _, rss in colds)
    papers_bytes = sum(p.stat().st_size for p in [*(work / "bare" / "pdf-0").glob("*.pdf"), *small.glob("*.pdf")])
    build = [*ASSEMBLER, "build", "-q", "--output", str(work / f"cold-{ROUNDS - 1}")]
    pack = work / f"cold-{ROUNDS - 1}" / "small" / "agenda-pack.pdf"
    pages = len(PdfReader(pack).pages)
    edit_one_paragraph(small)
    edit_s, _ = timed([*build, str(small)], work)
    same_s, _ = timed([*build, str(small)], work)
    served_edit_s = warm_listener_edit(work)
    watched_edit_s = watched_edit(work)
    big = make_meeting(work / "big", BIG, seed=2)
    big_s, big_rss = timed([*build, str(big)], work)
    big_pages = len(PdfReader(work / f"cold-{ROUNDS - 1}" / "big" / "agenda-pack.pdf").pages)
    return {
        "bare_seconds": bare_s, "cold_seconds": cold_s, "cold_peak_rss_mb": cold_rss / 1e6,
        "bare_runs": bares, "cold_runs": [seconds for seconds, _ in colds],
        # Each cold run against the bare run just before it: the machine's drift touches both alike.
        "cold_to_bare": statistics.median(cold / bare for bare, (cold, _) in zip(bares, colds)),
        "untagged_runs": [seconds for seconds, _ in untagged],
        # Each tagged cold build against the untagged one beside it.
        "tagged_to_untagged": statistics.median(cold / plain for (cold, _), (plain, _) in zip(colds, untagged)),
        "pages": pages, "one_edit_seconds": edit_s, "no_change_seconds": same_s,
        "one_edit_on_listeners_seconds": served_edit_s, "one_edit_watching_seconds": watched_edit_s,
        "big_seconds": big_s, "big_pages": big_pages, "big_peak_rss_mb": big_rss / 1e6,
        "pack_bytes": pack.stat().st_size, "papers_bytes": papers_bytes,
    }


def report(m: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    per_page, big_per_page = m["cold_seconds"] / m["pages"], m["big_seconds"] / m["big_pages"]
    rows = [
        ("bare LibreOffice, one process", f"{m['bare_seconds']:.2f} s for {m['pages']} pages (median of {ROUNDS})",
         "", True),
        ("cold build", f"{m['cold_seconds']:.2f} s (median of {ROUNDS}); {m['cold_to_bare']:.2f} x bare "
         "(median of each run against bare's run before it)", "<= 1.0 x bare", m["cold_to_bare"] <= 1.0),
        ("tagging's cost", f"cold build {m['tagged_to_untagged']:.2f} x the same build untagged (median of "
         f"{ROUNDS} pairs; untagged {statistics.median(m['untagged_runs']):.2f} s)", "<= 1.10 x",
         m["tagged_to_untagged"] <= 1.10),
        ("one paragraph edited, build --watch",
         f"{m['one_edit_watching_seconds']:.2f} s = {m['one_edit_watching_seconds'] / m['cold_seconds']:.2f} x cold",
         "<= 0.25 x cold, < 2 s",
         m["one_edit_watching_seconds"] <= 0.25 * m["cold_seconds"] and m["one_edit_watching_seconds"] < 2),
        ("one paragraph edited, a build of its own",
         f"{m['one_edit_seconds']:.2f} s = {m['one_edit_seconds'] / m['cold_seconds']:.2f} x cold", "", True),
        ("one paragraph edited, unoserver listeners",
         f"{m['one_edit_on_listeners_seconds']:.2f} s = "
         f"{m['one_edit_on_listeners_seconds'] / m['cold_seconds']:.2f} x cold",
         "", True),
        ("nothing changed", f"{m['no_change_seconds']:.2f} s = {m['no_change_seconds'] / m['cold_seconds']:.2f} x cold",
         "<= 0.1 x cold", m["no_change_seconds"] <= 0.1 * m["cold_seconds"]),
        ("big meeting", f"{m['big_seconds']:.2f} s for {m['big_pages']} pages = "
         f"{big_per_page / per_page:.2f} x the small one's time per page", "<= 1.2 x", big_per_page <= 1.2 * per_page),
        ("big meeting peak memory", f"{m['big_peak_rss_mb']:.0f} MB (LibreOffice included)", "< 600 MB",
         m["big_peak_rss_mb"] < 600),
        ("pack size", f"{m['pack_bytes'] / 1e6:.2f} MB = {m['pack_bytes'] / m['papers_bytes']:.2f} x the papers' PDFs",
         "<= 1.15 x", m["pack_bytes"] <= 1.15 * m["papers_bytes"]),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="assembler-bench-") as folder:
        figures = measure(Path(folder))
    rows = report(figures)
    width = max(len(r[0]) for r in rows)
    for name, value, target, met in rows:
        verdict = ("met" if met else "MISSED") if target else ""
        print(f"{name:<{width}}  {value:<60} {target:<22} {verdict}")
    figures |= {"cpus": os.cpu_count(), "targets_met": all(r[3] for r in rows),
                "date": time.strftime("%Y-%m-%d")}
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
