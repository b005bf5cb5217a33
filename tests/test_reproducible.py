"""The same sources, templates and tools give the same bytes; the manifest says what they were."""

from __future__ import annotations

import datetime
import json
import shutil
from dataclasses import fields
from pathlib import Path

from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, files, report
from PIL import Image
from pypdf import PdfReader

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.cli import main
from assembler.publish.manifest import Fingerprint
from assembler.runtime.cache import file_digest as sha256

MEETING = {"body": "Board", "date": "2026-09-24",
           "items": [{"title": "Report", "paper": "p.md"}, {"title": "Partner report", "paper": "w.pdf"}]}
EPOCH = 1790000000


def test_building_twice_gives_the_same_bytes(example, tmp_path: Path):
    again = build(EXAMPLE, BuildOptions(tmp_path))
    assert again.pack != example.pack
    assert files(again.pack.parent) == files(example.pack.parent)  # the pack, manifest and .docx files


def test_the_pdf_identifier_and_date_come_from_the_sources(make_meeting, fake_soffice, tmp_path: Path):
    folder = make_meeting(MEETING, {"p.md": report("Report", "Text.\n", appendices=[
        {"title": "Figures", "file": "a.md"}]), "a.md": "![Chart](chart.png)\n"})
    shutil.copyfile(fake_soffice.folder / "page.pdf", folder / "w.pdf")
    Image.new("RGB", (30, 10), "steelblue").save(folder / "chart.png")
    result = CliRunner(env={"SOURCE_DATE_EPOCH": str(EPOCH)}).invoke(main, ["build", str(folder), "-o",
                                                                            str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    pack = tmp_path / "out" / "m" / "agenda-pack.pdf"
    manifest = json.loads(pack.with_name("manifest.json").read_text())
    assert manifest["sources"] == {name: sha256(folder / name)
                                   for name in ("a.md", "chart.png", "meeting.yaml", "p.md", "w.pdf")}
    shipped = sorted((ROOT / "assembler" / "templates").glob("*.docx"))
    assert manifest["templates"] == {p.name: sha256(p) for p in shipped}
    assert manifest["tools"]["libreoffice"] == "0.0"  # as the stand-in's --version says
    assert manifest["source_date_epoch"] == EPOCH and manifest["pack_sha256"] == sha256(pack)
    reader = PdfReader(pack)
    prints = Fingerprint(**{f.name: manifest[f.name] for f in fields(Fingerprint)})
    permanent, changing = [part.original_bytes for part in reader.trailer["/ID"]]
    assert permanent == prints.document_id and len(changing) == 16  # the second half: a digest of the content
    assert reader.metadata.creation_date == datetime.datetime.fromtimestamp(EPOCH, datetime.timezone.utc)
    assert reader.metadata.modification_date == reader.metadata.creation_date


def test_without_source_date_epoch_the_pdf_has_no_date(make_meeting, fake_soffice, tmp_path: Path):
    folder = make_meeting(MEETING | {"items": MEETING["items"][:1]}, {"p.md": report("Report", "Text.\n")})
    result = build(folder, BuildOptions(tmp_path / "out"))
    metadata = PdfReader(result.pack).metadata
    assert metadata.creation_date is None and metadata.modification_date is None
