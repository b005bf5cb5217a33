"""Lay documents out on unoserver listeners: LibreOffice running as a service, here or on other hosts.

For a council that builds many committees' packs on one server, or a shared service for several
councils, each listener is `unoserver` (from PyPI) with its own LibreOffice. Documents are sent
over XML-RPC as bytes, so a listener need not share a disk with the build, and are spread over
the listeners one at a time each, largest first.
"""

from __future__ import annotations

import contextlib
import http.client
import queue
import threading
import xmlrpc.client
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assembler.errors import AssemblerError
from assembler.layout.convert import EXPORT_FILTER, EXPORT_OPTIONS, Conversion, Done

OPTIONS = [f"{name}={str(value).lower()}" for name, value in EXPORT_OPTIONS]  # as unoserver takes them
START_HINT = "start one with: unoserver --interface 0.0.0.0 --port PORT"


@dataclass(frozen=True)
class Listener:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Listener:
        host, _, port = text.strip().rpartition(":")
        if not host or not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):  # not "³"
            raise AssemblerError(f"'{text}': give a unoserver listener as host:port, e.g. 127.0.0.1:2003")
        return cls(host, int(port))


class _Transport(xmlrpc.client.Transport):
    """XML-RPC with a time limit, so that a listener that hangs cannot hang the build."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host: tuple[str, dict[str, str]] | str) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def _proxy(listener: Listener, timeout: float) -> xmlrpc.client.ServerProxy:
    return xmlrpc.client.ServerProxy(f"http://{listener}", transport=_Transport(timeout), allow_none=True)


def _unreachable(listener: Listener, exc: Exception) -> AssemblerError:
    return AssemblerError(f"the unoserver listener {listener} cannot be reached ({exc}); {START_HINT}")


def _version(info: object) -> str:
    """The LibreOffice version in a listener's answer to info(), a struct of strings."""
    if not isinstance(info, dict):
        raise KeyError("libreoffice_version")
    return str(info["libreoffice_version"])


def libreoffice_version(listeners: Sequence[Listener], timeout: float = 30) -> str:
    """The LibreOffice version all the listeners run; different versions would lay pages out differently."""
    versions = {}
    for listener in listeners:
        try:
            versions[listener] = _version(_proxy(listener, timeout).info())
        except (OSError, xmlrpc.client.Error, KeyError) as exc:
            raise _unreachable(listener, exc) from None
    if len(set(versions.values())) > 1:
        found = ", ".join(f"{listener} has {version}" for listener, version in versions.items())
        raise AssemblerError(f"the unoserver listeners run different LibreOffice versions ({found}); "
                             "page numbers could differ between builds, so use one version")
    return next(iter(versions.values()))


def _convert_one(listener: Listener, job: Conversion, outdir: Path, timeout: float) -> None:
    data = xmlrpc.client.Binary(job.docx.read_bytes())
    try:
        result = _proxy(listener, timeout).convert(None, data, None, "pdf", "writer_pdf_Export", OPTIONS, True, None)
    except xmlrpc.client.Fault:
        raise AssemblerError(f"LibreOffice could not convert this document to PDF (the listener {listener} "
                             "refused it); open it in Word or LibreOffice to check it is not damaged",
                             job.source) from None
    except TimeoutError:
        raise AssemblerError(f"the unoserver listener {listener} took longer than {timeout:g} s; "
                             "try again, or raise the limit with --timeout", job.source) from None
    except (OSError, xmlrpc.client.Error) as exc:
        raise _unreachable(listener, exc) from None
    (outdir / job.pdf_name).write_bytes(_pdf_bytes(result, listener, job))


def _pdf_bytes(result: object, listener: Listener, job: Conversion) -> bytes:
    """The PDF in a listener's answer to convert(): binary data, as no output path was given."""
    if not isinstance(result, xmlrpc.client.Binary):
        raise AssemblerError(f"the unoserver listener {listener} answered without a PDF; "
                             "check that it runs unoserver", job.source)
    return result.data


def convert_on(listeners: Sequence[Listener], jobs: Sequence[Conversion], outdir: Path,
               timeout: float, done: Done = lambda job: None) -> dict[Path, Path]:
    """Convert each job on whichever listener is free next; returns docx → pdf."""
    outdir.mkdir(parents=True, exist_ok=True)
    waiting: queue.Queue[Conversion] = queue.Queue()
    for job in sorted(jobs, key=lambda j: j.docx.stat().st_size, reverse=True):
        waiting.put(job)
    failures: list[AssemblerError] = []
    reporting = threading.Lock()

    def work(listener: Listener) -> None:
        while not failures:
            try:
                job = waiting.get_nowait()
            except queue.Empty:
                return
            try:
                _convert_one(listener, job, outdir, timeout)
                with reporting:
                    done(job)
            except AssemblerError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=work, args=(listener,), name=str(listener), daemon=True)
               for listener in listeners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return {job.docx: outdir / job.pdf_name for job in jobs}


@dataclass(frozen=True)
class Listeners:
    """The engine that lays documents out on unoserver listeners."""

    listeners: tuple[Listener, ...]
    timeout: float

    @property
    def identity(self) -> str:
        return f"unoserver:{libreoffice_version(self.listeners)}|{EXPORT_FILTER}"

    @property
    def version(self) -> str:
        return libreoffice_version(self.listeners)

    def convert(self, jobs: Sequence[Conversion], outdir: Path, done: Done) -> dict[Path, Path]:
        return convert_on(self.listeners, jobs, outdir, self.timeout, done)

    def running(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the listeners run as a service, not for one build

    def finished(self) -> None:
        pass  # the listeners are not this build's to stop
