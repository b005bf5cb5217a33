"""LibreOffice's faults, played by a stand-in soffice on PATH: each is one line, and nothing is lost.

Every test first builds the meeting with the stand-in behaving, then makes it misbehave on the
paper, 01-report.docx, and builds again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ONE_REPORT, FakeSoffice, alive, files, report

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.cli import main
from assembler.errors import AssemblerError
from assembler.layout.convert import Conversion, convert

PAPER = "01-report.docx"
NOT_CONVERTED = "m/p.md: LibreOffice could not convert this document to PDF ({}); open it in Word or " \
                "LibreOffice to check it is not damaged"

FAULTS = {
    "hangs": ("hang", "LibreOffice took longer than 1 s and was stopped; try again, or raise the limit "
                      "with --timeout"),
    "crashes": ("crash", NOT_CONVERTED.format("it crashed: Segmentation fault")),
    "exits with an error": ("exit-1", NOT_CONVERTED.format("it stopped with exit status 1")),
    "exits 0 without a PDF": ("silent", NOT_CONVERTED.format("it wrote no PDF")),
    "writes garbage": ("garbage", NOT_CONVERTED.format("it wrote a damaged PDF")),
}


@pytest.fixture
def built(make_meeting, fake_soffice: FakeSoffice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The meeting m, built once into out/ with the stand-in behaving; the working folder is tmp_path."""
    monkeypatch.chdir(tmp_path)
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    build(Path("m"), BuildOptions(Path("out")))
    return tmp_path / "out"


def build_again() -> list[str]:
    """Change the paper, so that it must be laid out again, not taken from the cache, and build m
    with the CLI, as an officer would; returns what it printed."""
    Path("m/p.md").write_text(report("Report", "Text, changed.\n"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "m", "--output", "out", "--timeout", "1", "--quiet"])
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


@pytest.mark.parametrize("mode, message", FAULTS.values(), ids=FAULTS.keys())
def test_a_fault_is_one_line_leaves_the_last_pack_and_no_process(built: Path, fake_soffice: FakeSoffice,
                                                                 mode: str, message: str):
    before = files(built / "m")
    fake_soffice.misbehave(mode, faulty=PAPER)
    assert build_again() == [message]
    assert files(built / "m") == before
    assert sorted(p.name for p in built.iterdir()) == [".cache", ".m.lock", "m"]  # no staging folder left
    assert fake_soffice.pids(), "the stand-in never ran"
    assert [pid for pid in fake_soffice.pids() if alive(pid)] == []


def conversions(folder: Path, names: str) -> list[Conversion]:
    """Jobs for convert: a .docx per name (the stand-in does not read them), each from a source .md."""
    folder.mkdir()
    for name in names:
        (folder / f"{name}.docx").write_bytes(b"PK")
    return [Conversion(folder / f"{name}.docx", folder / f"{name}.md") for name in names]


def test_a_crash_is_retried_once_with_the_document_on_its_own(fake_soffice: FakeSoffice, tmp_path: Path):
    jobs = conversions(tmp_path / "docs", "abc")
    fake_soffice.misbehave("crash", faulty="b.docx")
    with pytest.raises(AssemblerError) as failed:
        convert(jobs, tmp_path / "pdf", tmp_path / "profiles", processes=1)
    assert failed.value.problem.path == tmp_path / "docs" / "b.md"  # not a, whose run b took down
    assert [call.count(".docx") for call in fake_soffice.calls()] == [3, 1, 1, 1]


def test_a_crash_that_does_not_happen_again_is_no_error(fake_soffice: FakeSoffice, tmp_path: Path):
    jobs = conversions(tmp_path / "docs", "abc")
    fake_soffice.misbehave("crash-once", faulty="b.docx")
    pdfs = convert(jobs, tmp_path / "pdf", tmp_path / "profiles", processes=1)
    assert sorted(pdf.name for pdf in pdfs.values() if pdf.is_file()) == ["a.pdf", "b.pdf", "c.pdf"]
    assert [call.count(".docx") for call in fake_soffice.calls()] == [3, 1, 1, 1]


def test_libreoffice_printing_a_lot_does_not_stall_it(built: Path, fake_soffice: FakeSoffice):
    fake_soffice.misbehave("chatty")
    # a stalled soffice would be stopped with an error
    result = build(Path("m"), BuildOptions(Path("out"), timeout=120))
    assert result.pages > 1


def test_libreoffice_not_installed_says_how_to_install_it(built: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert build_again() == ["LibreOffice (soffice) is not installed; install it with: apt-get install "
                             "libreoffice-writer-nogui fonts-liberation fonts-crosextra-carlito"]
