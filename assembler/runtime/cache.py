"""A content-addressed store of the build's slow results, so that no work is done twice.

Three kinds of entry, each filed under the sha256 of everything that decides its content:
- a rendered Word file, keyed by its recipe: the source, the template, the values printed and
  this program's own code;
- a converted PDF, keyed by the rendered Word file's content, the layout engine and its version,
  and the export options;
- an item's own PDF for the website, keyed by its papers' PDFs, where they fall in the pack, what
  is stamped on them and this program's code.
Keys never depend on file times. Each entry is written whole and then renamed into place, with a
checksum beside it; an entry whose checksum does not match is deleted and made again. The whole
folder is safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent  # the assembler package, every subpackage included


def user_cache() -> Path:
    """The user's cache folder for assembler: LibreOffice's profiles, and what is known of files."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assembler"


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)  # length-prefixed: parts cannot run together
    return h.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def json_digest(value: Any) -> str:
    return digest(json.dumps(value, sort_keys=True, default=str, ensure_ascii=False))


@cache
def code_digest(package: Path = PACKAGE) -> str:
    """This program's own source, every module of every subpackage: a change to how papers are
    rendered invalidates old entries."""
    return digest(*(p.read_bytes() for p in sorted(package.rglob("*.py"))))


def word_digest(docx: Path) -> str:
    """A Word file's content, member by member: the zip's own timestamps change on every save."""
    with zipfile.ZipFile(docx) as archive:
        return digest(*(part for info in sorted(archive.infolist(), key=lambda i: i.filename)
                        for part in (info.filename.encode(), archive.read(info))))


class Cache:
    def __init__(self, folder: Path, engine: str):
        self.folder = folder
        self.engine = engine  # the layout engine and its version: part of every PDF's key

    def _entry(self, kind: str, key: str, suffix: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}{suffix}"

    @staticmethod
    def _checksum(path: Path) -> Path:
        return path.with_name(path.name + ".sha256")

    def _get(self, path: Path) -> Path | None:
        try:
            if self._checksum(path).read_text() == file_digest(path):
                return path
        except OSError:  # not there, or only half there
            return None
        path.unlink(missing_ok=True)  # damaged: make it again
        return None

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)  # a full disk leaves no part-written entry behind
            raise

    def _put(self, path: Path, source: Path) -> None:
        self._keep(path, source.read_bytes())

    def _keep(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write(path, data)
        self._write(self._checksum(path), hashlib.sha256(data).hexdigest().encode())

    def pdf_key(self, docx: Path) -> str:
        return digest(self.engine, word_digest(docx))  # the engine's identity includes its export options

    def pdf(self, key: str) -> Path | None:
        return self._get(self._entry("pdf", key, ".pdf"))

    def store_pdf(self, key: str, pdf: Path) -> Path:
        entry = self._entry("pdf", key, ".pdf")
        self._put(entry, pdf)
        return entry

    def kept(self, kind: str, key: str, make: Callable[[], bytes]) -> bytes:
        """The bytes of this kind and key, from the cache or as make() gives them (and then kept)."""
        entry = self._entry(kind, key, "")
        if self._get(entry):
            return entry.read_bytes()
        data = make()
        self._keep(entry, data)
        return data

    def made(self, kind: str, key: str, out: Path, make: Callable[[Path], None]) -> bool:
        """Write the file of this kind and key to out, from the cache or by make(out); True if cached."""
        entry = self._entry(kind, key, out.suffix)
        out.parent.mkdir(parents=True, exist_ok=True)
        if self._get(entry):
            out.write_bytes(entry.read_bytes())
            return True
        make(out)
        self._put(entry, out)
        return False
