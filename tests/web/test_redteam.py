"""What a security review found by attacking a real workspace from outside: each test is one hole,
shown as the attacker met it, and must keep failing if the hole opens again."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .conftest_django import workspace_root
from .test_builds import client_for, write_meeting

if TYPE_CHECKING:
    from django.test import Client

ITEMS = """\
  - title: Budget
    authors: [rhea]
  - title: Hidden settlement
    exempt: 5
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = workspace_root(tmp_path_factory)
    for name, items, council in (("rt-own-2026-10-01", ITEMS, "Rheashire Council"),
                                 ("rt-other-2026-10-02", "  - title: Nothing of rhea's\n", "Quillshire Council")):
        yaml = write_meeting(found, name, items, {}) / "meeting.yaml"
        yaml.write_text(yaml.read_text(encoding="utf-8").replace("date:", f"organisation: {council}\ndate:"),
                        encoding="utf-8")
    return found


def header(page: bytes) -> tuple[list[str], list[str]]:
    """The council's name as the page's title and header show it."""
    text = page.decode()
    return re.findall(r"<title>(.*?)</title>", text), re.findall(r'logotype-text">(.*?)<', text)


def test_a_meeting_an_author_has_no_item_in_is_not_named_by_the_header(root: Path) -> None:
    # The 404 for another meeting's pages named its council in the header, where a meeting that
    # does not exist named none: the header told an author which meetings exist, and whose.
    rhea = client_for("rhea", "author")
    missing = rhea.get("/meetings/rt-none-2026-10-03/")
    assert missing.status_code == 404
    for address in ("/meetings/rt-other-2026-10-02/", "/meetings/rt-other-2026-10-02/items/1/upload/",
                    "/meetings/rt-other-2026-10-02/outputs/"):
        refused = rhea.get(address)
        assert refused.status_code == 404
        assert b"Quillshire" not in refused.content
        assert header(refused.content) == header(missing.content), address
    assert b"Rheashire Council" in rhea.get("/meetings/rt-own-2026-10-01/items/1/upload/").content
    officer = client_for("olive", "officer")
    assert b"Quillshire Council" in officer.get("/meetings/rt-other-2026-10-02/").content


def test_a_dangling_link_in_a_meeting_folder_does_not_break_its_pages(root: Path) -> None:
    # An editor's lock file (Emacs leaves `.#meeting.yaml`, a link to nowhere) or a file gone between
    # listing the folder and looking at it (every save's and upload's temporary file) made the
    # meetings list, the meeting's page and its authors' upload pages fail with a server error.
    folder = write_meeting(root, "rt-linked-2026-10-04", ITEMS, {})
    (folder / ".#meeting.yaml").symlink_to(folder / "gone-since")
    officer, rhea = client_for("olive", "officer"), client_for("rhea", "author")
    assert officer.get("/").status_code == 200
    assert b"Budget" in officer.get("/meetings/rt-linked-2026-10-04/").content
    assert b"Budget" in rhea.get("/meetings/rt-linked-2026-10-04/items/1/upload/").content


def small_pdf() -> bytes:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(595, 842)
    writer.write(out)
    return out.getvalue()


def send(client: Client, address: str, name: str, data: bytes, role: str) -> str:
    """Upload a file through the upload page's form, as a browser sends it; the page answered."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = client.get(address).content.decode()
    version = re.search(r'name="version" value="([^"]+)"', form)
    assert version, form
    answer = client.post(address, {"version": version[1], "role": role,
                                   "document": SimpleUploadedFile(name, data, "application/pdf")})
    return answer.content.decode() if answer.status_code == 200 else answer["Location"]


def test_an_upload_refused_by_the_agenda_leaves_no_file_behind(root: Path) -> None:
    # An appendix to a Markdown paper is refused (its appendices are listed in its front matter), but
    # the file had been written first and was left in the meeting folder, no item's: an author could
    # fill the disk 50 MB at a time under new names.
    folder = write_meeting(root, "rt-orphans-2026-10-05", "  - title: Budget\n    paper: budget.md\n"
                                                          "    authors: [rhea]\n", {"budget.md": "# Budget\n"})
    before = sorted(path.name for path in folder.iterdir())
    rhea = client_for("rhea", "author")
    for n in range(3):
        page = send(rhea, "/meetings/rt-orphans-2026-10-05/items/1/upload/", f"filler {n}.pdf", small_pdf(),
                    "appendix")
        assert "its paper is Markdown" in page
    assert sorted(path.name for path in folder.iterdir() if path.name != ".meeting.yaml.lock") == before


def test_an_item_takes_a_bounded_number_of_appendices(root: Path) -> None:
    # Each upload as an appendix under a new name added a file and a line to meeting.yaml: an author
    # could fill the disk, and meeting.yaml up to its size limit, after which no officer could save it.
    from assembler.commands.upload import APPENDICES_LIMIT

    listed = "".join(f"      - title: Part {n}\n        file: part-{n}.pdf\n" for n in range(APPENDICES_LIMIT))
    folder = write_meeting(root, "rt-appendices-2026-10-06", "  - title: Budget\n    paper: budget.pdf\n"
                                                             f"    authors: [rhea]\n    appendices:\n{listed}", {})
    yaml = (folder / "meeting.yaml").read_text(encoding="utf-8")
    rhea = client_for("rhea", "author")
    page = send(rhea, "/meetings/rt-appendices-2026-10-06/items/1/upload/", "one more.pdf", small_pdf(), "appendix")
    assert f"already has {APPENDICES_LIMIT} appendices" in page
    assert (folder / "meeting.yaml").read_text(encoding="utf-8") == yaml
    assert not any(path.suffix == ".pdf" for path in folder.iterdir())
    send(rhea, "/meetings/rt-appendices-2026-10-06/items/1/upload/", "new paper.pdf", small_pdf(), "paper")
    assert (folder / "01-budget.pdf").is_file()  # the paper itself may still be replaced


def test_replacing_a_paper_again_and_again_leaves_at_most_one_file_of_each_kind(root: Path) -> None:
    # A paper replaced by one of the other kind (a PDF by a .docx, then a PDF...) was written under a
    # new name each time (-2, -3... up to -999), the old one left behind: an author could fill the disk.
    from docx import Document

    folder = write_meeting(root, "rt-replace-2026-10-07", "  - title: Budget\n    authors: [rhea]\n", {})
    word = io.BytesIO()
    Document().save(word)
    rhea = client_for("rhea", "author")
    for _ in range(3):
        for name, data in (("budget.pdf", small_pdf()), ("budget.docx", word.getvalue())):
            send(rhea, "/meetings/rt-replace-2026-10-07/items/1/upload/", name, data, "paper")
    assert sorted(path.name for path in folder.glob("01-*")) == ["01-budget.docx", "01-budget.pdf"]
    assert "paper: 01-budget.docx" in (folder / "meeting.yaml").read_text(encoding="utf-8")


def test_an_upload_over_the_limit_is_refused_before_it_is_read(root: Path) -> None:
    # Waitress turns away bodies over the limit and a megabyte; below that, the workspace must say
    # so against the upload, in its own words, without reading the body.
    rhea = client_for("rhea", "author")
    page = rhea.post("/meetings/rt-own-2026-10-01/items/1/upload/", {"role": "paper"},
                     CONTENT_LENGTH=str(50 * 2**20 + 100 * 1024))
    assert page.status_code == 200
    assert re.search(rb'govuk-error-message">.*The file is larger than the limit of 50 MB', page.content, re.S)
    assert not [path for path in (root / "papers" / "rt-own-2026-10-01").iterdir() if path.suffix == ".pdf"]
