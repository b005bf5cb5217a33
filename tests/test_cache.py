"""Rebuilds reuse what was made before, and only that: the cache, read back from the packs made."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import report
from readback import check_pack, layout_text, pages

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.cli import main
from assembler.runtime.cache import PACKAGE, code_digest

MEETING = {"body": "Westbrook Community Safety Panel", "date": "2026-11-05"}
ITEMS = [{"title": "Noise nuisance", "paper": "noise.md"}, {"title": "Street lighting", "paper": "lights.md"}]
FILES = {"noise.md": report("Noise nuisance", "Complaints about noise fell.\n"),
         "lights.md": report("Street lighting", "Lights were repaired.\n")}


def test_nothing_changed_means_nothing_done_and_the_same_pack(make_meeting, tmp_path):
    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)
    first = build(folder, BuildOptions(tmp_path / "out"))
    before = first.pack.read_bytes()
    for path in folder.iterdir():  # new file times, same content
        os.utime(path, (1e9, 1e9))
    again = build(folder, BuildOptions(tmp_path / "out"))
    assert again.unchanged and again.pack.read_bytes() == before


def test_one_edited_paper_is_the_only_one_laid_out_again(make_meeting, tmp_path):
    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)
    first = build(folder, BuildOptions(tmp_path / "out"))
    assert sorted(first.laid_out) == ["lights.md", "noise.md", "the front sheet", "the front sheet"]
    (folder / "noise.md").write_text(report("Noise nuisance", "Complaints about noise rose sharply.\n"))
    second = build(folder, BuildOptions(tmp_path / "out"))
    assert second.laid_out == ("noise.md",)  # the front sheet's references did not change
    check_pack(second.pack, duplex=True)
    assert "Complaints about noise rose sharply." in layout_text(second.pack)


def test_an_items_own_pdf_follows_its_pages_when_an_earlier_paper_grows(make_meeting, tmp_path):
    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)
    first = build(folder, BuildOptions(tmp_path / "out"))
    lights = first.pack.parent / "items" / "02-street-lighting.pdf"
    before = pages(lights)
    longer = "Complaints.\n\n\\newpage\n\nMore.\n\n\\newpage\n\nStill more.\n"
    (folder / "noise.md").write_text(report("Noise nuisance", longer))
    second = build(folder, BuildOptions(tmp_path / "out"))
    first_page, last_page = check_pack(second.pack, duplex=True)["2"]
    whole = pages(second.pack)
    assert [p.footer for p in pages(lights)] == [whole[n - 1].footer for n in range(first_page, last_page + 1)]
    assert [p.footer for p in pages(lights)] != [p.footer for p in before]  # it moved, and was cut again


def test_an_item_from_the_cache_is_the_one_a_cold_build_cuts(make_meeting, tmp_path):
    """The stamps share their fonts, which hold the glyphs of every stamp in the pack: a later
    appendix labelled "Annexe É" changes them, and so the earlier item's pages, which must then be
    cut again rather than taken from the cache."""
    from reportlab.pdfgen.canvas import Canvas

    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)
    build(folder, BuildOptions(tmp_path / "warm"))
    canvas = Canvas(str(folder / "annex.pdf"))
    canvas.drawString(72, 720, "Figures for the year.")
    canvas.save()
    (folder / "lights.md").write_text(report("Street lighting", "Lights were repaired.\n", appendices=[
        {"file": "annex.pdf", "label": "Annexe É", "title": "Figures"}]))
    warm = build(folder, BuildOptions(tmp_path / "warm"))
    cold = build(folder, BuildOptions(tmp_path / "cold"))
    assert "Annexe É" in layout_text(warm.pack)
    noise = Path("items") / "01-noise-nuisance.pdf"
    assert (warm.pack.parent / noise).read_bytes() == (cold.pack.parent / noise).read_bytes()


def test_a_papers_text_is_read_again_only_when_its_pdf_changed(make_meeting, tmp_path, monkeypatch):
    """The web version reads each paper's text with pdftotext (here the real one, each run noted)."""
    noted = tmp_path / "pdftotext.log"
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pdftotext").write_text(f'#!/bin/sh\necho "$@" >> {noted}\nexec {shutil.which("pdftotext")} "$@"\n')
    (tools / "pdftotext").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)

    def papers_read() -> list[str]:
        read = [line for line in noted.read_text().splitlines() if line != "-v"]
        noted.write_text("")
        return read

    first = build(folder, BuildOptions(tmp_path / "out"))
    assert len(papers_read()) == 2
    (folder / "noise.md").write_text(report("Noise nuisance", "Complaints about noise rose sharply.\n"))
    build(folder, BuildOptions(tmp_path / "out"))
    assert len(papers_read()) == 1  # the new noise.md's; the lights' text came from the cache
    assert 'id="page-' in (first.pack.parent / "web" / "02-street-lighting.html").read_text()


def test_a_damaged_cache_entry_is_made_again_not_used(make_meeting, tmp_path):
    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)
    build(folder, BuildOptions(tmp_path / "out"))
    cached = list((tmp_path / "out" / ".cache" / "pdf").rglob("*.pdf"))
    for pdf in cached:
        pdf.write_bytes(pdf.read_bytes()[:200])  # cut short, as a full disk or a crash would
    (folder / "meeting.yaml").write_text((folder / "meeting.yaml").read_text() + "\n")  # force a build
    again = build(folder, BuildOptions(tmp_path / "out"))
    assert sorted(again.laid_out) == ["lights.md", "noise.md", "the front sheet", "the front sheet"]
    check_pack(again.pack, duplex=True)
    assert "Lights were repaired." in layout_text(again.pack)


def test_the_command_line_says_what_it_did_only_when_asked(make_meeting, tmp_path):
    folder = make_meeting(MEETING | {"items": ITEMS}, FILES)
    args = ["build", str(folder), "--output", str(tmp_path / "out")]
    quiet = CliRunner().invoke(main, args)  # not a terminal: nothing but errors
    assert quiet.exit_code == 0 and quiet.output == ""
    (folder / "lights.md").write_text(report("Street lighting", "Lights were replaced.\n"))
    verbose = CliRunner().invoke(main, [*args, "--verbose"])
    lines = verbose.output.splitlines()
    assert ["Rendering the papers", "Laying out 1 document with LibreOffice", "  laid out lights.md",
            "Planning agenda-pack.pdf", "Assembling agenda-pack.pdf"] == [
                line for line in lines[:-1] if "rendering" not in line]
    assert re.search(r"agenda-pack\.pdf: 5 pages, [\d.]+ MB, [\d.]+ s; 3 of 4 documents from the cache, "
                     r"laid out afresh: lights\.md$", lines[-1])
    again = CliRunner().invoke(main, [*args, "--verbose"])
    assert again.output.splitlines()[-1].endswith("; nothing had changed since the last build")


def test_a_sound_pdf_is_remembered_by_its_content_not_its_name(tmp_path, monkeypatch):
    from reportlab.pdfgen.canvas import Canvas

    from assembler.sources.documents import Examined, examine

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pdf = tmp_path / "appendix.pdf"
    canvas = Canvas(str(pdf))
    canvas.drawString(72, 720, "A partner's appendix.")
    canvas.save()
    assert examine(pdf, "pdf") == Examined(untagged=True)
    assert len(list((tmp_path / "cache" / "assembler" / "sound-pdfs").iterdir())) == 1
    assert examine(pdf, "pdf") == Examined(untagged=True)  # remembered, untagged as it is
    pdf.write_bytes(b"%PDF-1.7\n" + b"not a PDF at all " * 20)  # the same name, damaged content
    assert examine(pdf, "pdf").problem.startswith("the PDF cannot be read")


def test_the_code_digest_covers_every_module_of_every_subpackage(tmp_path):
    def changed_copy(module: str) -> Path:
        """A copy of the package with one line added to module."""
        package = tmp_path / module.replace("/", "-") / "assembler"
        shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
        with (package / module).open("a") as source:
            source.write("# changed\n")
        return package

    modules = ("cli.py", "render/body.py", "layout/convert.py")  # the top level, then two subpackages
    digests = {code_digest(), *(code_digest(changed_copy(module)) for module in modules)}
    assert len(digests) == 1 + len(modules)
