"""Stage 3: lay the rendered Word documents out as PDF with LibreOffice.

One soffice process converts many files, since its start-up (about 1.2 s) costs more than most
conversions; the files are shared among one process per core. Two processes cannot share a
LibreOffice profile, so each takes a numbered profile slot, held with a lock for as long as it
runs: builds of different meetings can run at once, and a profile, once made, is used again
(making one costs about half a second).

For a build, each slot also has a host: a LibreOffice started once the papers have rendered (a
fault in one is reported without starting it), and kept running until the build has laid out its
last document (a watch keeps it between builds). `soffice --convert-to` on
a slot whose host runs hands its files to the host and waits, which takes a tenth of a second,
not a start-up: the front sheet, laid out once the papers' pages are counted, costs no second
start. If a host dies, soffice on its slot simply runs on its own, as it would without one.

No LibreOffice outlives its build: a lifeline process is told of every process group the build
starts, and stops those still running when the build ends, however it ends. A slot's LibreOffice
left running by a build killed before its lifeline could act is stopped when the slot is next
taken, so that a build never hands its work to a LibreOffice that is not its own.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from assembler.errors import AssemblerError
from assembler.runtime import processes
from assembler.runtime.cache import user_cache
from assembler.sources.documents import open_pdf

INSTALL_HINT = "install it with: apt-get install libreoffice-writer-nogui fonts-liberation fonts-crosextra-carlito"
DEFAULT_TIMEOUT = 600.0
POLL = 0.05  # seconds between looks at LibreOffice's progress
HOST_START = 30.0  # seconds a host may take to start before its slot's soffice runs without it
ENDING = 5.0  # seconds a killed LibreOffice is waited for: it frees its memory as it ends
ROOM = 8 * 2**20  # bytes a profile folder needs free: a new profile takes half a megabyte
OUTPUT_ROOM = 4 * 2**20  # bytes free below which a failed conversion is put down to the output disk
# The PDF export's options: a tagged PDF (headings, lists, tables, figures' alt text, /Lang) made for
# PDF/UA, which also maps the styles' own tags to standard ones. A misspelt option is ignored without
# a word, so tests/test_tagged.py reads the tags back. The same options go to unoserver listeners.
EXPORT_OPTIONS = (("UseTaggedPDF", True), ("PDFUACompliance", True))
EXPORT_FILTER = "pdf:writer_pdf_Export:" + json.dumps(
    {name: {"type": "boolean", "value": str(value).lower()} for name, value in EXPORT_OPTIONS},
    separators=(",", ":"))


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


@dataclass(frozen=True)
class Deadline:
    """When LibreOffice's time is up: one limit for its whole wait, from its start to the last retry."""

    seconds: float
    at: float

    @classmethod
    def start(cls, seconds: float) -> Deadline:
        return cls(seconds, time.monotonic() + seconds)

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def error(self) -> AssemblerError:
        return AssemblerError(f"LibreOffice took longer than {self.seconds:g} s and was stopped; "
                              "try again, or raise the limit with --timeout")


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
    return "libreoffice:" + "|".join([*fingerprint, EXPORT_FILTER])


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
            "--convert-to", EXPORT_FILTER, "--outdir", str(outdir),
            *[str(job.docx) for job in batch]]


def _stop(process: subprocess.Popen) -> None:
    """Kill soffice and every helper process it started, and wait until they have ended: the
    assembly that follows is to have their memory."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    deadline = time.monotonic() + ENDING
    while _group_running(process.pid) and time.monotonic() < deadline:  # soffice.bin, still ending
        time.sleep(POLL / 5)


def _group_running(group: int) -> bool:
    """Whether a process of the group is running still (not a zombie)."""
    return any(int(fields[2]) == group for fields in processes.running())


Done = Callable[[Conversion], None]

# Waits for the build to end, however it ends, then stops the LibreOffice process groups still
# running: a build killed with kill -9 runs no clean-up of its own, and a LibreOffice left behind
# runs on (a host holds a document open for ever; a conversion lays its whole batch out).
LIFELINE = """
import os, signal, sys
groups = set()
for line in sys.stdin:  # "+N": process group N has started; "-N": it has ended, and been reaped
    (groups.add if line[0] == "+" else groups.discard)(int(line[1:]))
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass
"""


class Lifeline:
    """A small process holding the read end of a pipe from the build. Each LibreOffice the build starts
    tells it its process group before it runs a line of LibreOffice's own (from its child process, so
    that the build being killed at any moment cannot leave it untold), and the build tells it of each
    it has reaped, so that a number given since to another process is never stopped. When the pipe
    closes, as it does when the build ends however it ends, the lifeline stops the rest."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LIFELINE], stdin=subprocess.PIPE,
                                        start_new_session=True)
        assert self.process.stdin is not None  # stdin=PIPE gives one, whatever typeshed allows
        self.pipe: IO[bytes] = self.process.stdin
        self.covered: set[int] = set()

    def __enter__(self) -> Lifeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pipe.close()
        self.process.wait()

    def start(self, command: list[str]) -> subprocess.Popen:
        """Start a LibreOffice, in a process group of its own that the lifeline covers."""
        pipe = self.pipe.fileno()
        # Its output is not read, so it goes nowhere: a full pipe would make soffice wait forever.
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True,
                                   preexec_fn=lambda: os.write(pipe, f"+{os.getpid()}\n".encode()))
        self.covered.add(process.pid)
        return process

    def ended(self, process: subprocess.Popen) -> bool:
        """Whether a LibreOffice it covers has ended; one that has is reaped, and forgotten."""
        if process.poll() is None:
            return False
        self._forget(process)
        return True

    def end(self, process: subprocess.Popen) -> None:
        """Stop a LibreOffice it covers, with its helpers, unless it has ended; then forget it."""
        if process.returncode is None:  # not reaped: its number is still its own
            _stop(process)
        self._forget(process)

    def _forget(self, process: subprocess.Popen) -> None:
        if process.pid in self.covered:
            self.covered.discard(process.pid)
            os.write(self.pipe.fileno(), f"-{process.pid}\n".encode())  # one write: lines never mix


def user_profiles() -> Path:
    """Where LibreOffice profiles are kept between builds: the user's cache folder."""
    return user_cache() / "libreoffice"


@contextlib.contextmanager
def profile_slots(root: Path, count: int) -> Iterator[list[Path]]:
    """The first `count` profile folders under root that no other process is using, ready for use."""
    with contextlib.ExitStack() as locks:
        try:
            held = _take_slots(root, count, locks)
        except OSError as exc:
            raise _unwritable(root, exc) from None
        # Before the locks go: a LibreOffice this build was starting as it was stopped (its number not
        # yet known, say) ends with it, rather than outliving it.
        locks.callback(_stop_any_on, held)
        yield held


def _take_slots(root: Path, count: int, locks: contextlib.ExitStack) -> list[Path]:
    _check_room(root)
    held: list[Path] = []
    number = 0
    while len(held) < count:
        handle = locks.enter_context((root / f"slot-{number}.lock").open("w"))
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
        else:
            held.append(_claim(root / f"slot-{number}"))
        number += 1
    return held


def _check_room(root: Path) -> None:
    """A disk too full for a profile fails here, in words, rather than as LibreOffice failing to convert."""
    root.mkdir(parents=True, exist_ok=True)
    disk = os.statvfs(root)
    if disk.f_bavail * disk.f_frsize < ROOM:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _unwritable(root: Path, exc: OSError) -> AssemblerError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return AssemblerError("no space left on device for LibreOffice's profiles; free some space on that "
                              "disk, or set XDG_CACHE_HOME to a folder on another disk", root)
    return AssemblerError(f"LibreOffice's profiles cannot be written here ({exc.strerror or exc}); make the "
                          "folder writable, or set XDG_CACHE_HOME to another folder", root)


def _claim(slot: Path) -> Path:
    """Make a slot whose lock this build now holds ready for its own LibreOffice alone.

    A LibreOffice still running on the slot's profile was left by a build killed before its
    lifeline could stop it (the lifeline itself killed, say). Left running, it would be handed this
    build's documents, so it is stopped, and the pipes it listened on are removed.
    """
    _stop_any_on([slot])
    for pipe in _pipe_files(_host_pipe(slot)) + _pipe_files(_office_pipe(slot)):
        pipe.unlink(missing_ok=True)
    _settings(slot)
    return slot


def _stop_any_on(slots: Sequence[Path]) -> None:
    """Stop every LibreOffice running on these slots' profiles: only for slots whose locks are held."""
    for slot in slots:
        for pid in _processes_with(f"-env:UserInstallation={slot.resolve().as_uri()}"):
            _stop_leftover(pid)


def _processes_with(argument: str) -> list[int]:
    """This user's running processes, other than this one, given argument on their command line."""
    proc = Path("/proc")
    found = []
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid == os.getuid() and argument in (entry / "cmdline").read_bytes().decode(
                    errors="replace").split("\0"):
                found.append(int(entry.name))
        except OSError:  # it ended meanwhile
            continue
    return found


def _stop_leftover(pid: int) -> None:
    """Kill a process and its group (not this build's own group), and wait until it has gone."""
    with contextlib.suppress(ProcessLookupError):
        group = os.getpgid(pid)
        if group == os.getpgrp():
            os.kill(pid, signal.SIGKILL)
        else:
            os.killpg(group, signal.SIGKILL)
    deadline = time.monotonic() + HOST_START
    while processes.stat(pid) and time.monotonic() < deadline:
        time.sleep(POLL / 5)


# Settings each profile has: no lock file beside a document (a build killed outright left one,
# named after an exempt paper, in its staging folder), and nothing fetched over the network while
# laying out, as a second guard behind sanitise.py.
SETTINGS = tuple(
    f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>\n'
    for path, name, value in (("/org.openoffice.Office.Common/Misc", "UseDocumentOOoLockFile", "false"),
                              ("/org.openoffice.Office.Common/Misc", "UseDocumentSystemFileLocking", "false"),
                              ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks",
                               "true")))
REGISTRY = ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
            'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '</oor:items>\n')


def _settings(slot: Path) -> None:
    """Add the settings the profile lacks; LibreOffice keeps them when it saves its own."""
    registry = slot / "user" / "registrymodifications.xcu"
    text = registry.read_text(encoding="utf-8", errors="replace") if registry.is_file() else ""
    if "</oor:items>" not in text:
        text = REGISTRY  # a new profile, or a damaged one LibreOffice would not read either
    missing = [line for line in SETTINGS if line not in text]
    if missing:
        registry.parent.mkdir(parents=True, exist_ok=True)
        registry.write_text(text.replace("</oor:items>", "".join(missing) + "</oor:items>"), encoding="utf-8")


def _run(batches: list[list[Conversion]], slots: Sequence[Path], outdir: Path, deadline: Deadline,
         done: Done, line: Lifeline) -> tuple[list[int], list[Conversion]]:
    """One soffice per batch, reporting each document as its PDF is complete; returns each
    one's exit status (negative: the signal that ended it), and the jobs never reported."""
    binary = soffice()
    processes: list[subprocess.Popen] = []
    waiting = [job for batch in batches for job in batch]
    try:
        for slot, batch in zip(slots, batches):
            processes.append(line.start(_command(binary, slot, outdir, batch)))
        while running := [process for process in processes if not line.ended(process)]:
            if deadline.passed():
                raise deadline.error()
            waiting = _report(waiting, outdir, done)
            with contextlib.suppress(subprocess.TimeoutExpired):  # a pause that ends when soffice does
                running[0].wait(POLL)
        waiting = _report(waiting, outdir, done)
    finally:
        for process in processes:  # however the run ends, no LibreOffice is left running
            line.end(process)
    return [process.returncode for process in processes], waiting


def _report(waiting: list[Conversion], outdir: Path, done: Done) -> list[Conversion]:
    """Report the jobs whose PDFs are now complete; return those still waiting."""
    finished = [job for job in waiting if _usable(outdir / job.pdf_name)]
    for job in finished:
        done(job)
    return [job for job in waiting if job not in finished]


def _attempt(batches: list[list[Conversion]], slots: Sequence[Path], outdir: Path,
             deadline: Deadline, done: Done, line: Lifeline) -> dict[Conversion, str]:
    """Convert the batches; returns each job that failed, with why."""
    for job in (job for batch in batches for job in batch):
        (outdir / job.pdf_name).unlink(missing_ok=True)  # so that what is found is this attempt's
    statuses, unreported = _run(batches, slots, outdir, deadline, done, line)
    # A job reported done has a usable PDF already: only the others are looked at again.
    failures = {job: _failure(outdir / job.pdf_name, status)
                for batch, status in zip(batches, statuses) for job in batch if job in unreported}
    return {job: why for job, why in failures.items() if why}


def convert(jobs: Sequence[Conversion], outdir: Path, profiles: Path,
            processes: int = os.cpu_count() or 1, timeout: float = DEFAULT_TIMEOUT,
            done: Done = lambda job: None) -> dict[Path, Path]:
    """Convert each job's .docx to a PDF in outdir, in profile slots under profiles; returns docx → pdf."""
    deadline = Deadline.start(timeout)
    with Lifeline() as line, profile_slots(profiles, min(processes, len(jobs)) or 1) as slots:
        return convert_in(jobs, outdir, slots, deadline, line, done)


def convert_in(jobs: Sequence[Conversion], outdir: Path, slots: Sequence[Path], deadline: Deadline,
               line: Lifeline, done: Done = lambda job: None) -> dict[Path, Path]:
    """Convert each job's .docx to a PDF in outdir, one soffice per slot; returns docx → pdf.

    A job that fails is tried once more, in a process of its own: a document that crashes
    LibreOffice then neither takes its batch down with it again nor hides which one it was.
    The retries count against the same deadline as the first attempt.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    if not jobs:
        return {}
    failed = list(_attempt(_batches(jobs, min(len(slots), len(jobs))), slots, outdir, deadline, done, line))
    again: dict[Conversion, str] = {}
    for n in range(0, len(failed), len(slots)):
        again |= _attempt([[job] for job in failed[n:n + len(slots)]], slots, outdir, deadline, done, line)
    if again:
        _check_output_room(outdir)
        job = next(job for job in jobs if job in again)
        raise AssemblerError(f"LibreOffice could not convert this document to PDF ({again[job]}); "
                             "open it in Word or LibreOffice to check it is not damaged", job.source)
    return {job.docx: outdir / job.pdf_name for job in jobs}


def _check_output_room(outdir: Path) -> None:
    """A disk too full for LibreOffice to write its PDF is the disk's fault, not the document's:
    LibreOffice, failing to write, says only that it wrote no PDF, or a cut-off one."""
    if shutil.disk_usage(outdir).free < OUTPUT_ROOM:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


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


def _office_pipe(slot: Path) -> str:
    """The pipe through which a LibreOffice takes the work of any soffice started later on its
    profile, named as LibreOffice names it: the MD5 of the profile's address, each byte in hex."""
    address = hashlib.md5(slot.resolve().as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    return "SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in address)


def _pipe_files(name: str) -> list[Path]:
    """Where LibreOffice makes a named pipe: /tmp, or /var/tmp if /tmp cannot be written."""
    return [Path(folder) / f"OSL_PIPE_{os.getuid()}_{name}" for folder in ("/tmp", "/var/tmp")]


class Host:
    """A LibreOffice left running on a slot's profile for the length of a build.

    It holds a blank document open, since a LibreOffice with none open ends after the first
    conversion handed to it. Its --accept pipe is made only once it can take work: a conversion
    started sooner would start a LibreOffice of its own on the same profile.
    """

    def __init__(self, slot: Path, line: Lifeline):
        name = _host_pipe(slot)
        self.line = line
        self.pipes = _pipe_files(name)
        self.process = line.start([soffice(), "--headless", "--invisible", "--norestore", "--nologo",
                                   "--nolockcheck", f"-env:UserInstallation={slot.resolve().as_uri()}",
                                   f"--accept=pipe,name={name};urp;", "private:factory/swriter"])

    def wait(self, deadline: Deadline) -> None:
        """Until the host can take work or has ended; one that is slow to start is stopped, and
        the build's time for LibreOffice running out while it starts stops the build."""
        started = time.monotonic() + HOST_START
        while not self.line.ended(self.process) and not any(pipe.exists() for pipe in self.pipes):
            if deadline.passed():
                raise deadline.error()
            if time.monotonic() > started:
                self.stop()
                return
            time.sleep(POLL / 5)

    def stop(self) -> None:
        self.line.end(self.process)
        for pipe in self.pipes:
            pipe.unlink(missing_ok=True)


class Local:
    """LibreOffice on this machine: one host per core, started for the build and stopped after it."""

    def __init__(self, profiles: Path, timeout: float, processes: int = os.cpu_count() or 1):
        self.profiles = profiles
        self.timeout = timeout
        self.processes = processes
        self.hosts: dict[Path, Host] = {}
        self.line: Lifeline | None = None
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
            with Lifeline() as self.line, profile_slots(self.profiles, self.processes) as slots:
                try:
                    for slot in slots:
                        self.hosts[slot] = Host(slot, self.line)
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
        for slot, host in self.hosts.items():
            if host.line.ended(host.process):
                host.stop()
                self.hosts[slot] = Host(slot, host.line)

    def _stop_hosts(self) -> None:
        while self.hosts:
            self.hosts.popitem()[1].stop()

    def convert(self, jobs: Sequence[Conversion], outdir: Path, done: Done) -> dict[Path, Path]:
        if not self.hosts or not self.line:
            raise RuntimeError("Local.convert called outside Local.running()")
        deadline = Deadline.start(self.timeout)  # from LibreOffice's start: a host may be starting still
        slots = list(self.hosts)[:len(jobs)]
        for slot in slots:
            self.hosts[slot].wait(deadline)
        return convert_in(jobs, outdir, slots, deadline, self.line, done)
