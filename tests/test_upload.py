"""Uploads through the workspace: the kind read from the content, a safe name inside the meeting
folder, never over another item's file, recorded in meeting.yaml."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from assembler.commands.agenda import StaleAgenda, read_agenda, save_item
from assembler.commands.upload import accept_upload
from assembler.errors import AssemblerError
from assembler.sources.load import load_meeting
from tests.partners import LANDSCAPE, Sheet, body_words, pdf, word

MEETING = {"body": "Board", "date": "2026-09-24", "items": [
    {"title": "Apologies."}, {"title": "Partner: update!", "number": "4a", "verbal": True},
    {"title": "Report.", "paper": "4a-partner-update.pdf"}]}


@pytest.fixture
def folder(make_meeting) -> Path:
    return make_meeting(MEETING, {"4a-partner-update.pdf": pdf([Sheet()])})


@pytest.fixture(scope="module")
def landscape() -> bytes:
    return pdf([Sheet(LANDSCAPE, body_words(LANDSCAPE, "Dashboard"))])


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def refused(folder: Path, *args: object, **kwargs: object) -> str:
    """The one line an upload is refused with; nothing in the folder changed."""
    before = contents(folder)
    with pytest.raises(AssemblerError) as raised:
        accept_upload(folder, *args, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(raised.value)
    assert contents(folder) == before
    return str(raised.value)


def test_a_partners_pdf_becomes_the_items_paper_under_a_safe_name(folder, landscape):
    path = accept_upload(folder, 1, "paper", "Apologies list (final).PDF", io.BytesIO(landscape))
    assert path == folder / "01-apologies.pdf" and path.read_bytes() == landscape
    meeting, _ = load_meeting(folder)
    assert meeting.items[0].paper and meeting.items[0].paper.source == path
    assert round(PdfReader(path).pages[0].mediabox.width) == round(LANDSCAPE[0])


def test_a_path_in_the_name_lands_inside_the_meeting_folder(folder, landscape, tmp_path):
    for name in ("../../x.pdf", "..\\..\\x.pdf", "/etc/x.pdf", "../../"):
        if name.endswith("/"):
            assert refused(folder, 1, "paper", name, landscape) == (
                "'upload': upload a Word .docx file or a PDF; this file's name has no extension, such as .pdf")
            continue
        path = accept_upload(folder, 1, "paper", name, landscape)
        assert path == folder / "01-apologies.pdf"
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path.parent / "x.pdf").exists()
    assert read_agenda(folder).items[0].paper == "01-apologies.pdf"


def test_a_paper_for_a_verbal_item_replaces_verbal_and_never_another_items_file(folder, landscape):
    theirs = folder / "4a-partner-update.pdf"  # item 3's paper, named as item 2's would be
    stray = folder / "4a-partner-update-2.pdf"
    stray.write_bytes(b"someone's file")  # a file no item names: not ours to replace either
    path = accept_upload(folder, 2, "paper", "update.pdf", landscape)
    assert path == folder / "4a-partner-update-3.pdf"
    assert theirs.read_bytes() != landscape and stray.read_bytes() == b"someone's file"
    entry = read_agenda(folder).items[1]
    assert (entry.paper, entry.verbal) == ("4a-partner-update-3.pdf", False)
    again = pdf([Sheet(), Sheet()])  # the author sends a new version: it replaces the item's own paper
    assert accept_upload(folder, 2, "paper", "update v2.pdf", again) == path and path.read_bytes() == again


def test_a_word_appendix_is_listed_with_its_title(folder, landscape):
    accept_upload(folder, 2, "paper", "update.pdf", landscape)
    path = accept_upload(folder, 2, "appendix", "crime_figures.docx", word("Crime figures", ["Up."]))
    assert path.name == "4a-partner-update-crime-figures.docx"
    assert read_agenda(folder).items[1].appendices == (path.name,)
    meeting, _ = load_meeting(folder)
    appendices = meeting.items[1].appendices
    assert [(d.title, d.label, d.source) for d in appendices] == [("Crime figures", "Appendix A", path)]


def test_a_word_file_renamed_pdf_and_a_pdf_renamed_docx_are_refused(folder, landscape):
    assert refused(folder, 1, "paper", "report.pdf", word("Report", ["Text."])) == (
        "'report.pdf': the file is a Word .docx file, not a PDF, whatever its name says; "
        "name it .docx and upload it again")
    assert refused(folder, 1, "paper", "report.docx", landscape) == (
        "'report.docx': the file is a PDF, not a Word .docx file, whatever its name says; "
        "name it .pdf and upload it again")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.txt", b"hello", "'notes.txt': upload a Word .docx file or a PDF; this is a .txt file"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "'old.doc': upload a Word .docx file or a PDF; this is an old-style Word .doc "
                                     "file: open it in Word and save it as .docx"),
    ("empty.pdf", b"", "'empty.pdf': the file is empty"),
    ("text.pdf", b"just text", "'text.pdf': not a PDF"),
    ("zip.docx", b"PK\x05\x06" + bytes(18), "'zip.docx': not a Word .docx file, or a damaged one"),
])
def test_a_file_that_is_not_a_usable_document_is_refused(folder, name, data, message):
    assert refused(folder, 1, "paper", name, data) == message


def test_a_damaged_pdf_is_refused_by_the_checks_the_build_makes(folder, landscape):
    assert refused(folder, 1, "paper", "broken.pdf", landscape[:300]).startswith(
        "'broken.pdf': the PDF cannot be read")


class Endless(io.RawIOBase):
    """A stream of a PDF that never ends, counting what is read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0  # never "all of it"
        self.read_bytes += size
        return (b"%PDF-1.7\n" + b"0" * size)[:size]


def test_an_upload_over_the_limit_is_refused_without_reading_it_all(folder):
    stream = Endless()
    assert refused(folder, 1, "paper", "huge.pdf", stream, size_limit=3 * 2**20) == (
        "'huge.pdf': the file is larger than 3 MB, the most an upload can be; ask its author for a smaller "
        "copy (with pictures at a lower resolution)")
    assert stream.read_bytes == 3 * 2**20 + 1
    assert refused(folder, 1, "paper", "huge.pdf", b"%PDF-" + bytes(2**20), size_limit=2**20).startswith(
        "'huge.pdf': the file is larger than 1 MB, the most an upload can be")


def test_an_upload_against_an_old_version_or_a_missing_item_is_refused(folder, landscape):
    seen = read_agenda(folder).version
    save_item(folder, seen, 1, {"presenter": "The Chair"})
    before = contents(folder)
    with pytest.raises(StaleAgenda):
        accept_upload(folder, 1, "paper", "a.pdf", landscape, version=seen)
    assert contents(folder) == before
    assert refused(folder, 4, "paper", "a.pdf", landscape) == (
        f"{folder}/meeting.yaml: there is no item 4: the agenda has 3 items")


def test_an_exempt_items_file_is_named_after_its_public_title(folder, landscape):
    save_item(folder, read_agenda(folder).version, 1, {"title": "Smith v Council.", "exempt": "1",
                                                       "public_title": "A legal case."})
    assert accept_upload(folder, 1, "paper", "smith.pdf", landscape).name == "01-a-legal-case.pdf"
