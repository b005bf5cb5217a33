"""LibreOffice kept in bounds: none outlives its build however the build ends, a build hands work to
no LibreOffice but its own, nothing is fetched over the network while laying out, --timeout counts
from LibreOffice's start, and a full disk under HOME is said in words. Real LibreOffice, except where
a stand-in soffice plays one that hangs."""

from __future__ import annotations

import http.server
import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import partners
import pytest
from click.testing import CliRunner
from conftest import ONE_REPORT, alive, finish, report, running_with, start_build, wait_for
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from lxml import etree
from PIL import Image
from readback import layout_text

from assembler.cli import main
from assembler.sources.sanitise import copy_for_layout

ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
PAPER = {"body": "Board", "date": "2026-09-24", "items": [{"title": "Partner report", "paper": "partner.docx"}]}


def long_table(rows: int) -> bytes:
    """A partner's .docx holding one long table, which LibreOffice takes several seconds to lay out."""
    document = docx.Document()
    document.add_paragraph("A long table follows.")
    cell = "<w:tc><w:p><w:r><w:t>row {} cell {}</w:t></w:r></w:p></w:tc>"
    body = "".join("<w:tr>" + "".join(cell.format(n, c) for c in range(4)) + "</w:tr>" for n in range(rows))
    document.element.body.insert(-1, parse_xml(f"<w:tbl {nsdecls('w')}><w:tblGrid>{'<w:gridCol/>' * 4}</w:tblGrid>"
                                               f"{body}</w:tbl>"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def profiles(cwd: Path) -> str:
    """The LibreOffice profiles of a build started by conftest.start_build in cwd."""
    return str(cwd / "cache" / "assembler" / "libreoffice")


def converting(folder: str) -> list[int]:
    """The `soffice --convert-to` processes running on the profiles in folder."""
    return [pid for pid in running_with(folder) if pid in running_with("--convert-to")]


def lock_files(folder: Path) -> list[Path]:
    return list(folder.rglob(".~lock.*#"))


def test_a_build_killed_outright_mid_conversion_leaves_no_libreoffice_and_the_next_build_succeeds(
        make_meeting, tmp_path: Path):
    folder = make_meeting(PAPER, {"partner.docx": long_table(2500)})
    started = start_build(tmp_path, "m", "--output", "out")
    wait_for(lambda: converting(profiles(tmp_path)) or started.poll() is not None, "the conversion to start")
    time.sleep(1)  # LibreOffice is now laying the long table out
    assert started.poll() is None, "the build ended before it was killed"
    started.kill()  # kill -9, as a supervisor's timeout does: the build runs no clean-up of its own
    finish(started)
    wait_for(lambda: running_with(profiles(tmp_path)) == [], "LibreOffice to end after the build was killed", limit=5)
    assert lock_files(tmp_path / "out") == []  # none named after a paper, to be left in a staging folder

    (folder / "partner.docx").write_bytes(partners.word("Partner report", ["A short report now."]))
    again = start_build(tmp_path, "m", "--output", "out")
    errors = finish(again, limit=120)
    assert again.returncode == 0, errors
    assert "A short report now." in layout_text(tmp_path / "out" / "m" / "agenda-pack.pdf")
    assert running_with(profiles(tmp_path)) == []


def test_a_preview_killed_outright_leaves_no_libreoffice(make_meeting, tmp_path: Path):
    """`render --pdf` starts no host: its LibreOffice is the one laying the document out."""
    make_meeting(PAPER, {"partner.docx": long_table(2500)})
    env = os.environ | {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    started = subprocess.Popen([sys.executable, "-m", "assembler", "render", "--pdf", "m/partner.docx"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: converting(profiles(tmp_path)) or started.poll() is not None, "the conversion to start")
    assert started.poll() is None, "the preview ended before it was killed"
    started.kill()
    started.communicate()
    wait_for(lambda: running_with(profiles(tmp_path)) == [], "LibreOffice to end after the preview was killed",
             limit=5)


@pytest.fixture
def stuck_libreoffice(tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A LibreOffice on the first profile slot of a build in tmp_path that no longer answers, as one
    left behind by a build killed outright is to every later build."""
    slot = (Path(profiles(tmp_path)) / "slot-0").resolve()
    name = f"hardening-{os.getpid()}"
    pipe = Path(f"/tmp/OSL_PIPE_{os.getuid()}_{name}")
    stuck = subprocess.Popen(["soffice", "--headless", "--invisible", "--norestore", "--nolockcheck",
                              f"-env:UserInstallation={slot.as_uri()}", f"--accept=pipe,name={name};urp;",
                              "private:factory/swriter"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(pipe.exists, "the stuck LibreOffice to start", limit=60)
        os.killpg(stuck.pid, signal.SIGSTOP)
        yield stuck
    finally:
        for pid in running_with(str(slot)):
            os.kill(pid, signal.SIGKILL)
        stuck.kill()
        stuck.wait()
        pipe.unlink(missing_ok=True)


def test_a_libreoffice_left_on_a_slot_is_stopped_and_the_build_uses_its_own(
        make_meeting, tmp_path: Path, stuck_libreoffice: subprocess.Popen):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Laid out by the build's own LibreOffice.\n")})
    leftovers = running_with(str(Path(profiles(tmp_path)) / "slot-0"))
    started = start_build(tmp_path, "m", "--output", "out", "--timeout", "20")
    errors = finish(started, limit=120)
    assert started.returncode == 0, errors
    assert "Laid out by the build's own LibreOffice." in layout_text(tmp_path / "out" / "m" / "agenda-pack.pdf")
    assert leftovers and not any(alive(pid) for pid in leftovers)


class Recorder(http.server.BaseHTTPRequestHandler):
    """Notes every request it is sent, of any kind, and answers with a picture."""

    asked: list[str] = []

    def answer(self) -> None:
        self.asked.append(f"{self.command} {self.path}")
        picture = io.BytesIO()
        Image.new("RGB", (40, 40), "red").save(picture, "PNG")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(picture.getvalue())

    do_GET = do_HEAD = do_OPTIONS = do_PROPFIND = do_POST = answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A web server on the loopback interface: its address, and the requests it has had."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", Recorder.asked
    finally:
        server.shutdown()
        server.server_close()


def linking(site: str) -> bytes:
    """A partner's .docx with a picture kept on a web site, a template attached from it, and a
    hyperlink to a page on it."""
    document = docx.Document()
    document.add_paragraph("Before the picture.")
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(picture, "PNG")
    document.add_picture(picture, width=docx.shared.Inches(1))
    blip = document.element.body.xpath(".//a:blip")[0]
    embedded = blip.get(docx.oxml.ns.qn("r:embed"))
    del blip.attrib[docx.oxml.ns.qn("r:embed")]
    blip.set(docx.oxml.ns.qn("r:link"), document.part.relate_to(f"{site}/picture.png", RT.IMAGE, is_external=True))
    document.part.drop_rel(embedded)
    page = document.part.relate_to(f"{site}/page.html", RT.HYPERLINK, is_external=True)
    document.add_paragraph()._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{page}"><w:r>'
                                                 '<w:t>Read the partner page</w:t></w:r></w:hyperlink>'))
    settings = document.part.part_related_by(RT.SETTINGS)
    template = settings.relate_to(f"{site}/house.dotx", ATTACHED_TEMPLATE, is_external=True)
    settings.element.insert(0, parse_xml(f'<w:attachedTemplate {nsdecls("w", "r")} r:id="{template}"/>'))
    document.core_properties.author = ""  # python-docx's own name would add a warning of its own
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_libreoffice_fetches_nothing_a_partners_document_links_to(make_meeting, tmp_path: Path, web_server):
    site, asked = web_server
    make_meeting(PAPER, {"partner.docx": linking(site)})
    started = start_build(tmp_path, "m", "--output", "out")
    errors = finish(started, limit=120)
    assert started.returncode == 0, errors
    assert asked == []
    assert errors.splitlines() == [
        f"m/meeting.yaml:4: warning: 'partner.docx': links to an image at {site}/picture.png; it was left out, "
        "since a build fetches nothing from the network or from other files",
        f"m/meeting.yaml:4: warning: 'partner.docx': links to a template at {site}/house.dotx; it was left out, "
        "since a build fetches nothing from the network or from other files"]
    pack = tmp_path / "out" / "m" / "agenda-pack.pdf"
    assert "Before the picture." in layout_text(pack)
    with zipfile.ZipFile(tmp_path / "m" / "partner.docx") as original:  # the partner's own file is untouched
        assert f"{site}/picture.png" in original.read("word/_rels/document.xml.rels").decode()


def test_the_copy_libreoffice_is_given_keeps_hyperlinks_and_points_other_links_at_nothing(tmp_path: Path):
    original = tmp_path / "partner.docx"
    original.write_bytes(linking("http://127.0.0.1:9"))
    copy_for_layout(original, tmp_path / "copy.docx")
    with zipfile.ZipFile(tmp_path / "copy.docx") as copy:
        targets = {relationship.get("Type").rpartition("/")[2]: relationship.get("Target")
                   for name in ("word/_rels/document.xml.rels", "word/_rels/settings.xml.rels")
                   for relationship in etree.fromstring(copy.read(name))}
        assert copy.read("word/document.xml") == zipfile.ZipFile(original).read("word/document.xml")
    assert targets["hyperlink"] == "http://127.0.0.1:9/page.html"  # for the reader to follow
    assert targets["image"] == targets["attachedTemplate"] == "#"


def test_timeout_counts_from_libreoffices_start(make_meeting, tmp_path: Path, fake_soffice):
    make_meeting(PAPER, {"partner.docx": partners.word("Partner report", ["Text."])})
    fake_soffice.misbehave("hang-at-start")
    started = start_build(tmp_path, "m", "--output", "out", "--timeout", "5")
    errors = finish(started, limit=20)  # before, the hosts alone were given 30 s to start, and retries more
    assert started.returncode == 1
    assert errors.splitlines() == ["LibreOffice took longer than 5 s and was stopped; try again, or raise the limit "
                                   "with --timeout"]
    assert fake_soffice.pids() and not any(alive(pid) for pid in fake_soffice.pids())


@pytest.mark.parametrize("command", [["build", "m"], ["render", "m/p.md"], ["verify", "m"]])
@pytest.mark.parametrize("limit", ["0", "-5", "nan", "inf"])
def test_a_timeout_that_is_no_time_limit_is_refused(make_meeting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    command: list[str], limit: str):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*command, "--timeout", limit])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (f"Error: Invalid value for '--timeout': give a number of seconds "
                                              f"above 0, such as 600, not '{limit}'")
    assert not (tmp_path / "output").exists()


FILL_AND_BUILD = """
mount -t tmpfs -o "$1" tmpfs "$HOME"
dd if=/dev/zero of="$HOME/filler" bs=64k 2>/dev/null
exec "$0" -m assembler build m --output out
"""


@pytest.mark.parametrize("disk, said", [
    ("size=4m", "no space left on device for LibreOffice's profiles; free some space on that disk, or set "
                "XDG_CACHE_HOME to a folder on another disk"),
    ("ro", "LibreOffice's profiles cannot be written here (Read-only file system); make the folder writable, "
           "or set XDG_CACHE_HOME to another folder")])
def test_a_home_folder_that_cannot_take_libreoffices_profiles_is_said_in_words(make_meeting, tmp_path: Path,
                                                                               disk: str, said: str):
    make_meeting(ONE_REPORT, {"p.md": report("Report", "Text.\n")})
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "XDG_CACHE_HOME"} | {"HOME": str(home)}
    # A disk of its own, filled up (or read-only), mounted over HOME where only this build sees it.
    built = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c", FILL_AND_BUILD, sys.executable,
                            disk], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert built.returncode == 1
    assert built.stderr.splitlines() == [f"home/.cache/assembler/libreoffice: {said}"]
    assert not (tmp_path / "out" / "m").exists()
