from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "papers" / "northshire-scsb-2026-09-24"
ONE_REPORT = {"body": "Board", "date": "2026-09-24", "items": [{"title": "Report", "paper": "p.md"}]}


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The example meeting, built once for the whole session with real LibreOffice."""
    return build(EXAMPLE, BuildOptions(tmp_path_factory.mktemp("example")))


MakeMeeting = Callable[..., Path]


@pytest.fixture
def make_meeting(tmp_path: Path) -> MakeMeeting:
    """Write a meeting folder: meeting.yaml from `meeting` (a dict) and the other files as given."""

    def make(meeting: dict, files: dict[str, str | bytes] | None = None, name: str = "m") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "meeting.yaml").write_text(yaml.safe_dump(meeting, allow_unicode=True), encoding="utf-8")
        for filename, content in (files or {}).items():
            path = folder / filename
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return folder

    return make


def damaged_docx() -> bytes:
    """A zip with Word's part names, holding no Word XML: LibreOffice would silently write no PDF."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as parts:
        parts.writestr("[Content_Types].xml", "garbage")
        parts.writestr("word/document.xml", "<w:document")
    return buffer.getvalue()


DAMAGED_DOCX = damaged_docx()


def files(folder: Path) -> dict[Path, bytes]:
    """Every file below folder, by its path in it, with its bytes: to show nothing changed."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def report(title: str, body: str, **front: object) -> str:
    """A Markdown report's source text."""
    return "---\n" + yaml.safe_dump({"title": title, **front}, allow_unicode=True) + "---\n" + body


FAKE_SOFFICE = '''\
#!{python}
"""A stand-in for soffice. It does what $FAKE_SOFFICE says to a run given a document whose name
holds $FAKE_SOFFICE_FAULTY, and converts the others to a copy of page.pdf, beside this script."""
import os, resource, signal, socket, subprocess, sys, time
from pathlib import Path

here = Path(__file__).parent
args = sys.argv[1:]
if args == ["--version"]:
    print("LibreOffice 0.0 (stand-in)")
    sys.exit(0)
with open(here / "pids", "a") as pids:
    pids.write(f"{{os.getpid()}}\\n")
if os.environ.get("FAKE_SOFFICE") == "hang-at-start":  # every run, a build's hosts included
    time.sleep(600)
accept = [arg for arg in args if arg.startswith("--accept=pipe,name=")]
if accept:  # a build's host: it listens, as LibreOffice would, until it is stopped
    host = socket.socket(socket.AF_UNIX)
    host.bind(f"/tmp/OSL_PIPE_{{os.getuid()}}_" + accept[0].split("name=")[1].split(";")[0])
    host.listen()
    time.sleep(600)
with open(here / "calls", "a") as calls:
    calls.write(" ".join(args) + "\\n")
outdir = Path(args[args.index("--outdir") + 1])
docs = [Path(arg) for arg in args if arg.endswith(".docx")]
faulty = any(os.environ.get("FAKE_SOFFICE_FAULTY", "") in doc.name for doc in docs)
mode = os.environ.get("FAKE_SOFFICE", "convert") if faulty else "convert"
if mode == "crash-once":
    mode = "convert" if (here / "crashed").exists() else "crash"
    (here / "crashed").touch()
if mode == "hang":
    child = subprocess.Popen(["sleep", "600"])  # a helper process, as soffice.bin is
    with open(here / "pids", "a") as pids:
        pids.write(f"{{child.pid}}\\n")
    time.sleep(600)
elif mode == "crash":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.kill(os.getpid(), signal.SIGSEGV)
elif mode == "exit-1":
    sys.exit(1)
elif mode == "chatty":
    sys.stderr.write("warn: a message LibreOffice prints\\n" * 30000)  # far more than a pipe holds
for doc in docs:
    pdf = outdir / (doc.stem + ".pdf")
    if mode in ("convert", "chatty"):
        pdf.write_bytes((here / "page.pdf").read_bytes())
    elif mode == "garbage":
        pdf.write_bytes(b"%PDF-1.7\\n" + b"\\x8f not a PDF at all " * 40 + b"\\n%%EOF\\n")
'''


class FakeSoffice:
    """The stand-in soffice on PATH: what it was asked to do, and the processes it started."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch):
        self.folder = folder
        self.monkeypatch = monkeypatch

    def misbehave(self, mode: str, faulty: str = "") -> None:
        """From now on, do `mode` to every run given a document whose name holds `faulty`."""
        self.monkeypatch.setenv("FAKE_SOFFICE", mode)
        self.monkeypatch.setenv("FAKE_SOFFICE_FAULTY", faulty)
        for record in ("calls", "pids", "crashed"):
            (self.folder / record).unlink(missing_ok=True)

    def calls(self) -> list[str]:
        record = self.folder / "calls"
        return record.read_text().splitlines() if record.exists() else []

    def pids(self) -> list[int]:
        record = self.folder / "pids"
        return [int(pid) for pid in record.read_text().split()] if record.exists() else []


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSoffice:
    """A stand-in soffice first on PATH, converting every document to a one-page PDF until told otherwise."""
    folder = tmp_path / "fake-soffice"
    folder.mkdir()
    script = folder / "soffice"
    script.write_text(FAKE_SOFFICE.format(python=sys.executable))
    script.chmod(0o755)
    canvas = Canvas(str(folder / "page.pdf"), pagesize=A4)
    canvas.drawString(72, 720, "A page converted by the stand-in soffice")
    canvas.save()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("FAKE_SOFFICE", raising=False)
    return FakeSoffice(folder, monkeypatch)


def alive(pid: int) -> bool:
    """Whether a process is running: it exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # it ended, perhaps while being read
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def running_with(text: str) -> list[int]:
    """The live processes whose command line holds text."""
    found = []
    for proc in (p for p in Path("/proc").iterdir() if p.name.isdigit()):
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if text in command and alive(int(proc.name)):
            found.append(int(proc.name))
    return found


def wait_for(condition: Callable[[], object], what: str, limit: float = 300) -> None:
    """Poll until condition holds; fail, rather than hang, if it never does."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def start_build(cwd: Path, *args: str, **popen: object) -> subprocess.Popen:
    """`assembler build` run as its own program in cwd, as an officer would run it; stderr is read.

    Its LibreOffice profiles go under cwd/cache/, so that its processes can be told apart."""
    env = os.environ | {"XDG_CACHE_HOME": str(cwd / "cache")}
    return subprocess.Popen([sys.executable, "-m", "assembler", "build", *args], cwd=cwd, env=env,
                            stderr=subprocess.PIPE, text=True, **popen)


def finish(process: subprocess.Popen, limit: float = 300) -> str:
    """Wait for a started build to end; returns its stderr. Kills it and fails, rather than hang."""
    try:
        return process.communicate(timeout=limit)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"the build had not ended after {limit} s")


def free_port() -> int:
    """A TCP port on loopback that nothing is listening on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
