"""Damaged inputs and a nearly-full disk: each is one line and exit 1, never a traceback.

A partner's PDF whose page has no usable size, rotation or annotations is refused when the sources
are read, by `check` as well as `build`; a manifest nested too deeply to read is a damaged one; a
conversion that fails for want of disk space says so, rather than blaming LibreOffice.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import test_names_outputs
from conftest import ONE_REPORT, report
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, FloatObject, NameObject, NullObject, NumberObject, PdfObject, TextStringObject
from readback import layout_text
from test_names_outputs import assembler, tmpfs
from test_partners import write_meeting

# A meeting built onto a small disk, as test_names_outputs builds it.
small_disk, built = test_names_outputs.small_disk, test_names_outputs.built

SIZE = "has no usable size; ask for the file again"


def _numbers(*values: float) -> ArrayObject:
    return ArrayObject(FloatObject(v) for v in values)


def damaged_pdf(key: str, value: PdfObject, on_pages: bool = False) -> bytes:
    """A one-page A4 PDF with one entry of its page (or of its page tree, to be inherited) set to value."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if key == "/Annots":  # an array holding itself, as object 6 0 R would be in the file
        looped = ArrayObject()
        value = writer._add_object(looped)
        looped.append(value)
    if on_pages:
        del writer.pages[0][NameObject(key)]
        writer._root_object["/Pages"].get_object()[NameObject(key)] = value
    else:
        writer.pages[0][NameObject(key)] = value
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue().replace(b" 12345 ", b" nan   ")  # pypdf writes no nan; the same length keeps the offsets


DAMAGED_PDFS = {
    "MediaBox with nan": (damaged_pdf("/MediaBox", ArrayObject(NumberObject(v) for v in (0, 0, 12345, 842))), SIZE),
    "MediaBox null": (damaged_pdf("/MediaBox", NullObject()), SIZE),
    "MediaBox of three numbers": (damaged_pdf("/MediaBox", _numbers(0, 0, 595)), SIZE),
    "MediaBox a string": (damaged_pdf("/MediaBox", TextStringObject("abc")), SIZE),
    "MediaBox of no size": (damaged_pdf("/MediaBox", _numbers(0, 0, 0, 0)), SIZE),
    "MediaBox of no size, inherited": (damaged_pdf("/MediaBox", _numbers(0, 0, 0, 0), on_pages=True), SIZE),
    "CropBox of no size": (damaged_pdf("/CropBox", _numbers(0, 0, 0, 0)), SIZE),
    "MediaBox far too big": (damaged_pdf("/MediaBox", _numbers(0, 0, 1e30, 1e30)), SIZE),
    "Rotate a string": (damaged_pdf("/Rotate", TextStringObject("x")),
                        "has a rotation that is not a number; ask for the file again"),
    "Annots holding itself": (damaged_pdf("/Annots", NumberObject(0)),
                              "has damaged notes or links; ask for the file again"),
}


def _paper_line(folder: Path) -> int:
    lines = (folder / "meeting.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith("paper: p.pdf"))


@pytest.mark.parametrize("kind", list(DAMAGED_PDFS))
def test_a_partner_pdf_with_a_damaged_page_is_one_line_in_check_and_build(kind, tmp_path):
    data, message = DAMAGED_PDFS[kind]
    folder = write_meeting(tmp_path / "m", [{"title": "Report", "paper": "p.pdf"}], {"p.pdf": data})
    expected = [f"m/meeting.yaml:{_paper_line(folder)}: 'p.pdf': page 1 {message}"]
    assert assembler(tmp_path, "check", "m") == (1, expected)
    assert assembler(tmp_path, "build", "m", "--output", "out") == (1, expected)
    assert not (tmp_path / "out" / "m").exists()


def test_a_manifest_nested_too_deep_to_read_is_damaged_in_verify_and_rebuilt_by_build(built, small_disk, tmp_path):
    target, _ = built
    (target / "manifest.json").write_text("[" * 100_000)
    code, lines = assembler(tmp_path, "verify", "m", "--output", "disk", "--quiet")
    assert (code, lines) == (1, ["disk/m/manifest.json: damaged: not the manifest a build writes, so the pack "
                                 "cannot be checked against its sources; build the meeting again to write "
                                 "a new one"])
    assert assembler(tmp_path, "build", "m", "--output", "disk") == (0, [])
    assert json.loads((target / "manifest.json").read_text())["pages"] >= 1
    assert "converted by the stand-in soffice" in layout_text(target / "agenda-pack.pdf")


@pytest.mark.parametrize("size", ["40k", "60k", "80k", "100k"])
def test_a_nearly_full_output_disk_is_blamed_on_the_disk_not_on_libreoffice(size, make_meeting, tmp_path):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    with tmpfs(tmp_path / "disk", size):
        code, lines = assembler(tmp_path, "build", "m", "--output", "disk")
        assert (code, lines) == (1, ["disk/m: no space left on the disk; free some space and build again"])
        assert not (tmp_path / "disk" / "m").exists()
