"""Stage 3: lay the rendered Word documents out as PDF with LibreOffice.

One soffice process converts many files, since its start-up (about 1.2 s) costs more than most
conversions; the files are shared among one process per core. Two processes cannot share a
LibreOffice profile, so each takes a numbered profile slot, held with a lock for as long as it
runs: builds of different meetings can run at once, and a profile, once made, is used again
(making one costs about half a second).

For a build, each slot also has a host: a LibreOffice started when the build starts, so that it
starts while the papers render, and kept running until the build has laid out its last document
(a watch keeps it between builds). `soffice --convert-to` on
a slot whose host runs hands its files to the host and waits, which takes a tenth of a second,
not a start-up: the front sheet, laid out once the papers' pages are counted, costs no second
start. If a host dies, soffice on its slot simply runs on its own, as it would without one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

from assembler.cache import user_cache
from assembler.documents import open_pdf
from assembler.errors import AssemblerError

INSTALL_HINT = "install it with: apt-get install libreoffice-writer-nogui fonts-liberation fonts-crosextra-carlito"
DEFAULT_TIMEOUT = 600.0
POLL = 0.05  # seconds between looks at LibreOffice's progress
HOST_START = 30.0  # seconds a host may take to start before its slot's soffice runs without it


@dataclass(frozen=True)
class Conversion:
    docx: Path
    source: Path  # the file the user wrote, named in messages
    label: str = ""  # what to call it on screen, if not the source's name

    @property
    def name(self) -> str:
        return self.label or self.source.name

    @property
    def pdf_name(self) -> str:
        return self.docx.with_suffix(".pdf").name


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise AssemblerError(f"LibreOffice (soffice) is not installed; {INSTALL_HINT}")
    return found


def engine_id() -> str:
    """Which LibreOffice lays the pages out: its build identity, read without starting it."""
    program = Path(os.path.realpath(soffice())).parent
    version = program / "versionrc"
    binary = program / "soffice.bin"
    fingerprint = [version.read_text(errors="replace") if version.is_file() else ""]
    if binary.is_file():
        stat = binary.stat()
        fingerprint.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "libreoffice:" + "|".join(fingerprint)


def local_version() -> str:
    """This machine's LibreOffice version as people read it ("7.4.7.2"), from `soffice --version`."""
    try:
        said = subprocess.run([soffice(), "--version"], capture_output=True, text=True, timeout=60,
                              check=False).stdout.split()
    except subprocess.TimeoutExpired:
        return "unknown"
    return said[1] if len(said) > 1 else "unknown"


def _batches(jobs: Sequence[Conversion], count: int) -> list[list[Conversion]]:
    """Deal the jobs round-robin, largest first, so each process gets a similar load."""
    ordered = sorted(jobs, key=lambda j: j.docx.stat().st_size, reverse=True)
    return [b for b in (ordered[n::count] for n in range(count)) if b]


def _command(binary: str, profile: Path, outdir: Path, batch: list[Conversion]) -> list[str]:
    return [binary, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck", f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
            *[str(job.docx) for job in batch]]


def _stop(process: subprocess.Popen) -> None:
    """Kill soffice and every helper process it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


Done = Callable[[Conversion], None]


def user_profiles() -> Path:
    """Where LibreOffice profiles are kept between builds: the user's cache folder."""
    return user_cache() / "libreoffice"


@contextlib.contextmanager
def profile_slots(root: Path, count: int) -> Iterator[list[Path]]:
    """The first `count` profile folders under root that no other process is using."""
    root.mkdir(parents=True, exist_ok=True)
    held: list[Path] = []
    with contextlib.ExitStack() as locks:
        number = 0
        while len(held) < count:
            handle = locks.enter_context((root / f"slot-{number}.lock").open("w"))
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(root / f"slot-{number}")
            except BlockingIOError:
                handle.close()
            number += 1
        yield held


def _start(command: list[str]) -> subprocess.Popen:
    # Its output is not read, so it goes nowhere: a full pipe would make soffice wait forever.
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _run(batches: list[list[Conversion]], slots: Sequence[Path], outdir: Path, timeout: float,
         done: Done) -> tuple[list[int], list[Conversion]]:
    """One soffice per batch, reporting each document as its PDF is complete; returns each
    one's exit status (negative: the signal that ended it), and the jobs never reported."""
    binary = soffice()
    processes: list[subprocess.Popen] = []
    waiting = [job for batch in batches for job in batch]
    with contextlib.ExitStack() as stack:
        stack.callback(_stop_all, processes)
        for slot, batch in zip(slots, batches):
            processes.append(_start(_command(binary, slot, outdir, batch)))
        deadline = time.monotonic() + timeout
        while running := [process for process in processes if process.poll() is None]:
            if time.monotonic() > deadline:
                raise AssemblerError(f"LibreOffice took longer than {timeout:g} s and was stopped; "
                                     "try again, or raise the limit with --timeout")
            waiting = _report(waiting, outdir, done)
            with contextlib.suppress(subprocess.TimeoutExpired):  # a pause that ends when soffice does
                running[0].wait(POLL)
        waiting = _report(waiting, outdir, done)
    return [process.returncode for process in processes], waiting


def _stop_all(processes: list[subprocess.Popen]) -> None:
    """However the run ends, no LibreOffice is left running (the slots' locks are released after)."""
    for process in processes:
        if process.poll() is None:
            _stop(process)


def _report(waiting: list[Conversion], outdir: Path, done: Done) -> list[Conversion]:
    """Report the jobs whose PDFs are now complete; return those still waiting."""
    finished = [job for job in waiting if _usable(outdir / job.pdf_name)]
    for job in finished:
        done(job)
    return [job for job in waiting if job not in finished]


def _attempt(batches: list[list[Conversion]], slots: Sequence[Path], outdir: Path,
             timeout: float, done: Done) -> dict[Conversion, str]:
    """Convert the batches; returns each job that failed, with why."""
    for job in (job for batch in batches for job in batch):
        (outdir / job.pdf_name).unlink(missing_ok=True)  # so that what is found is this attempt's
    statuses, unreported = _run(batches, slots, outdir, timeout, done)
    # A job reported done has a usable PDF already: only the others are looked at again.
    failures = {job: _failure(outdir / job.pdf_name, status)
                for batch, status in zip(batches, statuses) for job in batch if job in unreported}
    return {job: why for job, why in failures.items() if why}


def convert(jobs: Sequence[Conversion], outdir: Path, profiles: Path,
            processes: int = os.cpu_count() or 1, timeout: float = DEFAULT_TIMEOUT,
            done: Done = lambda job: None) -> dict[Path, Path]:
    """Convert each job's .docx to a PDF in outdir, in profile slots under profiles; returns docx → pdf."""
    with profile_slots(profiles, min(processes, len(jobs)) or 1) as slots:
        return convert_in(jobs, outdir, slots, timeout, done)


def convert_in(jobs: Sequence[Conversion], outdir: Path, slots: Sequence[Path], timeout: float,
               done: Done = lambda job: None) -> dict[Path, Path]:
    """Convert each job's .docx to a PDF in outdir, one soffice per slot; returns docx → pdf.

    A job that fails is tried once more, in a process of its own: a document that crashes
    LibreOffice then neither takes its batch down with it again nor hides which one it was.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    if not jobs:
        return {}
    failed = list(_attempt(_batches(jobs, min(len(slots), len(jobs))), slots, outdir, timeout, done))
    again: dict[Conversion, str] = {}
    for n in range(0, len(failed), len(slots)):
        again |= _attempt([[job] for job in failed[n:n + len(slots)]], slots, outdir, timeout, done)
    if again:
        job = next(job for job in jobs if job in again)
        raise AssemblerError(f"LibreOffice could not convert this document to PDF ({again[job]}); "
                             "open it in Word or LibreOffice to check it is not damaged", job.source)
    return {job.docx: outdir / job.pdf_name for job in jobs}


def _failure(pdf: Path, status: int) -> str:
    """Why soffice, ending with status, gave no usable PDF; "" if it did."""
    if _usable(pdf):
        return ""
    if status < 0:
        return f"it crashed: {signal.strsignal(-status) or f'signal {-status}'}"
    if status > 0:
        return f"it stopped with exit status {status}"
    return "it wrote a damaged PDF" if pdf.exists() else "it wrote no PDF"


def _usable(pdf: Path) -> bool:
    """A PDF that ends as a PDF should and opens; an empty, cut-off or garbled file does not."""
    size = pdf.stat().st_size if pdf.is_file() else 0
    if size < 64:
        return False
    with pdf.open("rb") as handle:
        handle.seek(max(0, size - 1024))
        if b"%%EOF" not in handle.read():
            return False
    try:
        open_pdf(pdf)
    except AssemblerError:
        return False
    return True


class Engine(Protocol):
    """What lays Word documents out as PDF: LibreOffice here, or unoserver listeners."""

    @property
    def identity(self) -> str:
        """Which engine and version: part of every cached PDF's key."""

    @property
    def version(self) -> str:
        """The LibreOffice version that lays the pages out, as people read it: the manifest's record."""

    def convert(self, jobs: Sequence[Conversion], outdir: Path, done: Done) -> dict[Path, Path]:
        """Each job's .docx laid out as a PDF in outdir; returns docx → pdf."""

    def running(self) -> contextlib.AbstractContextManager[None]:
        """Whatever the engine keeps running for one build: started on entry, stopped on exit."""

    def finished(self) -> None:
        """The build will lay out nothing more: what runs for it alone may stop now."""


def _host_pipe(slot: Path) -> str:
    """The name of the pipe a slot's host listens on: one per slot, so per user and machine."""
    return "assembler-" + hashlib.sha256(str(slot.resolve()).encode()).hexdigest()[:16]


def _pipe_files(name: str) -> list[Path]:
    """Where LibreOffice makes a named pipe: /tmp, or /var/tmp if /tmp cannot be written."""
    return [Path(folder) / f"OSL_PIPE_{os.getuid()}_{name}" for folder in ("/tmp", "/var/tmp")]


class Host:
    """A LibreOffice left running on a slot's profile for the length of a build.

    It holds a blank document open, since a LibreOffice with none open ends after the first
    conversion handed to it. Its --accept pipe is made only once it can take work: a conversion
    started sooner would start a LibreOffice of its own on the same profile.
    """

    def __init__(self, slot: Path):
        name = _host_pipe(slot)
        self.pipes = _pipe_files(name)
        for pipe in self.pipes:
            pipe.unlink(missing_ok=True)  # left by a host that was killed: the slot's lock is ours
        self.process = _start([soffice(), "--headless", "--invisible", "--norestore", "--nologo",
                               "--nolockcheck", f"-env:UserInstallation={slot.resolve().as_uri()}",
                               f"--accept=pipe,name={name};urp;", "private:factory/swriter"])

    def wait(self) -> None:
        """Until the host can take work or has ended; one that is slow to start is stopped."""
        deadline = time.monotonic() + HOST_START
        while self.process.poll() is None and not any(pipe.exists() for pipe in self.pipes):
            if time.monotonic() > deadline:
                self.stop()
                return
            time.sleep(POLL / 5)

    def stop(self) -> None:
        _stop(self.process)
        for pipe in self.pipes:
            pipe.unlink(missing_ok=True)


# Waits for the build to end, however it ends, then stops the hosts: a build killed with kill -9
# runs no clean-up of its own, and a host, holding a document open, would otherwise run for ever.
LIFELINE = """
import os, signal, sys
sys.stdin.buffer.read()
for group in sys.argv[1:]:
    try:
        os.killpg(int(group), signal.SIGKILL)
    except ProcessLookupError:
        pass
"""


class Lifeline:
    """A small process holding the read end of a pipe from the build: when the build ends and the
    pipe closes, it stops the hosts' process groups."""

    def __init__(self, hosts: Sequence[Host]):
        self.process = subprocess.Popen([sys.executable, "-c", LIFELINE, *(str(h.process.pid) for h in hosts)],
                                        stdin=subprocess.PIPE, start_new_session=True)

    def cut(self) -> None:
        """The build is stopping the hosts itself: the lifeline goes first, so that it cannot stop
        another process that has since been given a host's number."""
        _stop(self.process)
        if self.process.stdin:
            self.process.stdin.close()


class Local:
    """LibreOffice on this machine: one host per core, started for the build and stopped after it."""

    def __init__(self, profiles: Path, timeout: float, processes: int = os.cpu_count() or 1):
        self.profiles = profiles
        self.timeout = timeout
        self.processes = processes
        self.hosts: dict[Path, Host] = {}
        self.lifeline: Lifeline | None = None
        self.depth = 0  # running() inside running(): builds of a watch, the hosts kept between them

    @property
    def identity(self) -> str:
        return engine_id()

    @functools.cached_property
    def version(self) -> str:
        """Asked of LibreOffice once per installation (it takes a tenth of a second), then remembered
        beside the profiles under the installation's identity."""
        remembered = self.profiles / f"version-{hashlib.sha256(self.identity.encode()).hexdigest()[:16]}"
        if remembered.is_file():
            return remembered.read_text()
        found = local_version()
        if found != "unknown":
            self.profiles.mkdir(parents=True, exist_ok=True)
            partial = remembered.with_suffix(f".{os.getpid()}")
            partial.write_text(found)
            partial.replace(remembered)  # whole or not at all, should another build read it meanwhile
        return found

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        self.depth += 1
        try:
            if self.depth > 1:
                self._revive()
                yield
                return
            with profile_slots(self.profiles, self.processes) as slots:
                try:
                    for slot in slots:
                        self.hosts[slot] = Host(slot)
                    self.lifeline = Lifeline(list(self.hosts.values()))
                    yield
                finally:
                    self._stop_hosts()
        finally:
            self.depth -= 1

    def finished(self) -> None:
        if self.depth == 1:  # a build of its own; a watch keeps its hosts for the next build
            self._stop_hosts()

    def _revive(self) -> None:
        """Start again any host that has ended since the last build of a watch (a document that
        crashed it, say), so that one bad save does not slow every build after it."""
        ended = [slot for slot, host in self.hosts.items() if host.process.poll() is not None]
        if not ended:
            return
        if self.lifeline:
            self.lifeline.cut()
        for slot in ended:
            self.hosts[slot].stop()
            self.hosts[slot] = Host(slot)
        self.lifeline = Lifeline(list(self.hosts.values()))

    def _stop_hosts(self) -> None:
        if self.lifeline:
            self.lifeline.cut()
            self.lifeline = None
        while self.hosts:
            self.hosts.popitem()[1].stop()

    def convert(self, jobs: Sequence[Conversion], outdir: Path, done: Done) -> dict[Path, Path]:
        if not self.hosts:
            raise RuntimeError("Local.convert called outside Local.running()")
        slots = list(self.hosts)[:len(jobs)]
        for slot in slots:
            self.hosts[slot].wait()
        return convert_in(jobs, outdir, slots, self.timeout, done)
