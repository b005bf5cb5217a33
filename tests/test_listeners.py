"""The unoserver engine, for real: listeners started on loopback by the test, each its own LibreOffice."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator

import partners
import pytest
from conftest import DAMAGED_DOCX, free_port, report
from readback import check_pack, front_sheet_references
from unoservers import running_listeners

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.errors import AssemblerError
from assembler.layout.convert import Conversion
from assembler.layout.listeners import Listener, convert_on, libreoffice_version

MEETING = {"body": "Harlow Vale Scrutiny Panel", "date": "2026-11-12"}



@pytest.fixture(scope="module")
def listeners(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    with running_listeners(tmp_path_factory.mktemp("listeners"), 2) as addresses:
        yield addresses


def test_a_pack_built_on_listeners_matches_one_built_here(listeners, make_meeting, tmp_path):
    items = [{"title": f"Report {n}", "paper": f"r{n}.md"} for n in range(1, 4)]
    files = {f"r{n}.md": report(f"Report {n}", "\n\n".join(["Paragraph text " * 60] * (n * 4)))
             for n in range(1, 4)}
    folder = make_meeting(MEETING | {"items": items}, files)
    remote = build(folder, BuildOptions(tmp_path / "remote", unoservers=tuple(listeners)))
    local = build(folder, BuildOptions(tmp_path / "local"))
    assert check_pack(remote.pack, duplex=True) == check_pack(local.pack, duplex=True)
    assert front_sheet_references(remote.pack, 1) == front_sheet_references(local.pack, 1)
    assert sorted(remote.laid_out) == ["r1.md", "r2.md", "r3.md", "the front sheet", "the front sheet"]
    assert remote.pack.read_bytes() == local.pack.read_bytes()  # one LibreOffice version: the same pack


def test_a_build_on_listeners_needs_no_libreoffice_here_and_records_theirs(listeners, make_meeting, tmp_path,
                                                                            monkeypatch):
    folder = make_meeting(MEETING | {"items": [{"title": "Report", "paper": "r.md"}]},
                          {"r.md": report("Report", "Text.\n")})
    nowhere = tmp_path / "no-soffice"
    nowhere.mkdir()
    # poppler's pdftotext is still needed here (the web version's page anchors); LibreOffice is not
    (nowhere / "pdftotext").symlink_to(shutil.which("pdftotext") or "/usr/bin/pdftotext")
    monkeypatch.setenv("PATH", str(nowhere))
    result = build(folder, BuildOptions(tmp_path / "out", unoservers=tuple(listeners)))
    manifest = json.loads(result.pack.with_name("manifest.json").read_text())
    assert manifest["tools"]["libreoffice"] == libreoffice_version([Listener.parse(a) for a in listeners])


def test_without_pdftotext_the_build_says_so_and_leaves_no_pack(listeners, make_meeting, tmp_path, monkeypatch):
    folder = make_meeting(MEETING | {"items": [{"title": "Report", "paper": "r.md"}]},
                          {"r.md": report("Report", "Text.\n")})
    nowhere = tmp_path / "no-tools"
    nowhere.mkdir()
    monkeypatch.setenv("PATH", str(nowhere))  # neither LibreOffice (the listeners lay out) nor poppler
    with pytest.raises(AssemblerError) as raised:
        build(folder, BuildOptions(tmp_path / "out", unoservers=tuple(listeners)))
    assert str(raised.value) == (f"{folder / 'r.md'}: pdftotext could not read the paper's PDF, to mark the pack's "
                                 "pages in its web page; install poppler-utils (scripts/setup does)")
    assert not (tmp_path / "out" / "m" / "agenda-pack.pdf").exists()


def test_documents_are_spread_over_the_listeners(listeners, tmp_path):
    jobs = []
    for n in range(6):
        (tmp_path / f"d{n}.docx").write_bytes(partners.word(f"Document {n}", ["words " * 400]))
        jobs.append(Conversion(tmp_path / f"d{n}.docx", tmp_path / f"d{n}.docx"))
    where: list[str] = []
    pdfs = convert_on([Listener.parse(a) for a in listeners], jobs, tmp_path / "pdf", 120,
                      lambda job: where.append(threading.current_thread().name))
    assert all(pdf.read_bytes().startswith(b"%PDF") for pdf in pdfs.values())
    assert sorted(set(where)) == sorted(listeners)


def test_a_document_a_listener_cannot_convert_is_named(listeners, tmp_path):
    (tmp_path / "bad.docx").write_bytes(DAMAGED_DOCX)
    job = Conversion(tmp_path / "bad.docx", tmp_path / "bad.md")
    with pytest.raises(AssemblerError) as refused:
        convert_on([Listener.parse(listeners[0])], [job], tmp_path / "pdf", 120)
    assert str(refused.value) == (
        f"{tmp_path / 'bad.md'}: LibreOffice could not convert this document to PDF (the listener "
        f"{listeners[0]} refused it); open it in Word or LibreOffice to check it is not damaged")


def test_a_listener_that_is_not_there_is_named(make_meeting, tmp_path):
    folder = make_meeting(MEETING | {"items": [{"title": "Report", "paper": "r.md"}]},
                          {"r.md": report("Report", "Text.\n")})
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(AssemblerError, match=f"the unoserver listener {address} cannot be reached .*; "
                                             "start one with: unoserver"):
        build(folder, BuildOptions(tmp_path / "out", unoservers=(address,)))


@pytest.mark.parametrize("text", ["localhost", "host:port", ":2003"])
def test_a_listener_must_be_host_and_port(text):
    with pytest.raises(AssemblerError, match="give a unoserver listener as host:port"):
        Listener.parse(text)
