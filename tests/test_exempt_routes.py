"""Every route by which an exempt paper could reach a public place, tried and closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import partners
from conftest import MakeMeeting, report, start_build, wait_for

MARKER = "Quorndesh"  # found only in the exempt paper's title, file name and text
MEETING = {"body": "Eastmere Licensing Committee", "date": "2026-10-01"}
SECRET = f"{MARKER.lower()}-review.md"
SECRET_ITEM = {"title": f"{MARKER} Ltd: review.", "public_title": "Review of a licence.",
               "paper": SECRET, "exempt": 3}


def secret_files() -> dict[str, str | bytes]:
    return {SECRET: report(f"{MARKER} premises review", f"{MARKER} said this.\n\nAnd this."),
            "policy.md": report("Licensing policy", "Policy text.")}


def assembler(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"XDG_CACHE_HOME": str(cwd / "cache")}
    return subprocess.run([sys.executable, "-m", "assembler", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_preview_of_an_exempt_paper_is_written_under_confidential(make_meeting: MakeMeeting, tmp_path: Path):
    folder = make_meeting(MEETING | {"items": [SECRET_ITEM]}, secret_files())
    done = assembler(tmp_path, "render", str(folder / SECRET), "--output", "out", "--pdf")
    assert done.returncode == 0, done.stderr
    made = [p.relative_to(tmp_path / "out" / "m") for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert made and all(p.parts[:2] == ("confidential", "preview") for p in made), made
    assert {p.suffix for p in made} == {".docx", ".pdf"}


def test_a_preview_of_a_public_paper_stays_public(make_meeting: MakeMeeting, tmp_path: Path):
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "policy.md"}]}, secret_files())
    done = assembler(tmp_path, "render", str(folder / "policy.md"), "--output", "out")
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (tmp_path / "out" / "m" / "preview").iterdir()] == ["01-policy.docx"]


def check(tmp_path: Path, folder: Path) -> subprocess.CompletedProcess:
    return assembler(tmp_path, "check", str(folder))


def test_a_blank_public_title_is_an_error(make_meeting: MakeMeeting, tmp_path: Path):
    for blank in ("", "   ", None):
        folder = make_meeting(MEETING | {"items": [SECRET_ITEM | {"public_title": blank}]}, secret_files())
        done = check(tmp_path, folder)
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            "m/meeting.yaml:6: item 1: 'public_title' is blank; give the title the public may see, or delete "
            "the line to show 'title' in public"], done.stderr


def test_a_public_item_using_the_exempt_paper_itself_is_an_error(make_meeting: MakeMeeting, tmp_path: Path):
    folder = make_meeting(MEETING | {"items": [SECRET_ITEM, {"title": "Policy.", "paper": SECRET}]},
                          secret_files())
    done = check(tmp_path, folder)
    assert done.returncode == 1
    assert f"item 2: '{SECRET}' is a paper of exempt item 1, so it would be published; give item 2 a " \
           "file of its own" in done.stderr


def test_a_public_item_listing_the_exempt_papers_appendix_is_an_error(make_meeting: MakeMeeting, tmp_path: Path):
    secret = partners.pdf([partners.Sheet(words=partners.body_words(partners.A4, MARKER))])
    appendix = {"title": "Statement", "file": "statement.pdf"}
    items = [SECRET_ITEM | {"paper": "secret.pdf"} | {"appendices": [appendix]},
             {"title": "Update.", "paper": "update.pdf", "appendices": [dict(appendix)]}]
    update = partners.pdf([partners.Sheet(words=partners.body_words(partners.A4, "Update"))])
    folder = make_meeting(MEETING | {"items": items},
                          {"secret.pdf": update + b"\n", "update.pdf": update, "statement.pdf": secret})
    lines = check(tmp_path, folder).stderr.splitlines()
    assert "m/meeting.yaml:11: item 2: 'statement.pdf' is a paper of exempt item 1, so it would be " \
           "published; give item 2 a file of its own" in lines, lines


def test_a_copy_of_the_exempt_paper_under_another_name_is_caught(make_meeting: MakeMeeting, tmp_path: Path):
    files = secret_files() | {"copy.md": secret_files()[SECRET]}
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "copy.md"}, SECRET_ITEM]}, files)
    done = check(tmp_path, folder)
    assert done.returncode == 1
    assert f"item 1: 'copy.md' holds the same as '{SECRET}', a paper of exempt item 2, so it would be " \
           "published; give item 1 a file of its own" in done.stderr


def test_a_verbose_build_names_no_exempt_file_or_title(make_meeting: MakeMeeting, tmp_path: Path):
    items = [{"title": "Policy.", "paper": "policy.md"}, SECRET_ITEM]
    folder = make_meeting(MEETING | {"items": items}, secret_files())
    done = assembler(tmp_path, "build", str(folder), "--output", "out", "--verbose")
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "rendering exempt item 2" in said and "laid out exempt item 2" in said
    assert MARKER.lower() not in said.lower(), said
    again = assembler(tmp_path, "build", str(folder), "--output", "out", "--verbose")
    assert MARKER.lower() not in (again.stdout + again.stderr).lower()


def test_no_working_file_outside_confidential_is_named_after_an_exempt_paper(make_meeting: MakeMeeting,
                                                                            tmp_path: Path):
    """While the build runs, LibreOffice's files for exempt papers stay under confidential/."""
    items = [{"title": "Policy.", "paper": "policy.md"}, SECRET_ITEM]
    folder = make_meeting(MEETING | {"items": items}, secret_files())
    seen: set[str] = set()
    process = subprocess.Popen([sys.executable, "-m", "assembler", "build", str(folder), "--output", "out"],
                               cwd=tmp_path, env=os.environ | {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    while process.poll() is None:  # os.walk passes over folders that vanish as it looks
        for where, _, names in os.walk(tmp_path / "out"):
            if "confidential" not in Path(where).parts:
                seen.update(names)
    assert process.returncode == 0
    assert any(name.endswith(".pdf") for name in seen)
    assert not [name for name in seen if MARKER.lower() in name.lower()]
    manifest = json.loads((tmp_path / "out" / "m" / "manifest.json").read_text())
    assert MARKER not in json.dumps(manifest)


def test_confidential_is_readable_by_its_owner_alone_whatever_the_umask(make_meeting: MakeMeeting,
                                                                       tmp_path: Path):
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "policy.md"}, SECRET_ITEM]},
                          secret_files())
    old = os.umask(0o022)
    try:
        assert assembler(tmp_path, "build", str(folder), "--output", "out").returncode == 0
        assert assembler(tmp_path, "render", str(folder / SECRET), "--output", "previews").returncode == 0
    finally:
        os.umask(old)
    built = tmp_path / "out" / "m"
    assert built.stat().st_mode & 0o777 == 0o755
    assert (built / "confidential").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "previews" / "m" / "confidential").stat().st_mode & 0o777 == 0o700


def test_a_build_with_nothing_to_do_still_clears_a_killed_builds_staging_folder(make_meeting: MakeMeeting,
                                                                               tmp_path: Path):
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "policy.md"}, SECRET_ITEM]},
                          secret_files())
    assert assembler(tmp_path, "build", str(folder), "--output", "out").returncode == 0
    source = folder / "policy.md"
    kept = source.read_bytes()
    source.write_bytes(kept + b"\nA late change.\n")
    process = start_build(tmp_path, str(folder), "--output", "out")
    wait_for(lambda: list((tmp_path / "out").glob(".m-new-*/confidential")), "the staging folder")
    process.kill()
    process.wait()
    source.write_bytes(kept)  # the sources are as the last complete build had them: nothing to do
    done = assembler(tmp_path, "build", str(folder), "--output", "out", "--verbose")
    assert "nothing had changed since the last build" in done.stdout, done.stdout + done.stderr
    assert not list((tmp_path / "out").glob(".m-*")), list((tmp_path / "out").iterdir())


def test_warnings_about_an_exempt_items_files_do_not_name_them(make_meeting: MakeMeeting, tmp_path: Path):
    import docx

    statement = docx.Document()
    statement.add_paragraph(f"{MARKER} statement.")
    statement.core_properties.author = "A. Person"
    statement.save(str(tmp_path / "statement.docx"))
    files = secret_files() | {SECRET: report(f"{MARKER} review", "Text.", offcers=[],
                                             appendices=[{"title": "S", "file": f"{MARKER}.docx"}]),
                              f"{MARKER}.docx": (tmp_path / "statement.docx").read_bytes()}
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "policy.md"}, SECRET_ITEM]}, files)
    done = assembler(tmp_path, "build", str(folder), "--output", "out", "--verbose")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "m/meeting.yaml:6: warning: item 2 (exempt): its paper, line 5: front matter: unknown key '…' "
        "(did you mean '…'?)",
        "m/meeting.yaml:6: warning: item 2 (exempt): its paper, line 3: Appendix A: its properties name "
        "people (author); "
        "the names were taken out of the copies the build makes"], warnings
    assert MARKER.lower() not in (done.stdout + done.stderr).lower()


def test_a_preview_of_a_public_paper_cannot_show_an_exempt_items_paper_as_its_appendix(make_meeting: MakeMeeting,
                                                                                       tmp_path: Path):
    public = report("Licensing policy", "Policy text.", appendices=[{"title": "A", "file": SECRET}])
    folder = make_meeting(MEETING | {"items": [SECRET_ITEM, {"title": "Policy.", "paper": "policy.md"}]},
                          secret_files() | {"policy.md": public})
    done = assembler(tmp_path, "render", str(folder / "policy.md"), "--output", "out")
    assert done.returncode == 1
    assert f"item 2: '{SECRET}' is a paper of exempt item 1, so it would be published" in done.stderr
    assert not (tmp_path / "out" / "m" / "preview").exists()


def answer(make_meeting: MakeMeeting, tmp_path: Path, item: dict, files: dict | None = None) -> list[str]:
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "policy.md"}, item]},
                          secret_files() | (files or {}))
    done = check(tmp_path, folder)
    assert done.returncode == 1, done.stderr
    return done.stderr.splitlines()


def test_a_blank_exempt_is_an_error_not_a_public_item(make_meeting: MakeMeeting, tmp_path: Path):
    assert answer(make_meeting, tmp_path, SECRET_ITEM | {"exempt": None}) == [
        "m/meeting.yaml:6: item 2: 'exempt' is blank; give the paragraph of Part 1 of Schedule 12A that "
        "applies, 1 to 7, or delete the line"]


def test_a_misspelt_exempt_is_an_error_not_a_public_item(make_meeting: MakeMeeting, tmp_path: Path):
    for key in ("Exempt", "exmept", "EXEMPT"):
        item = {k: v for k, v in SECRET_ITEM.items() if k != "exempt"} | {key: 3}
        lines = answer(make_meeting, tmp_path, item)
        assert any(f"unknown key '{key}'; only an item in meeting.yaml can be exempt" in line for line in lines)


def test_exempt_in_a_papers_front_matter_is_an_error(make_meeting: MakeMeeting, tmp_path: Path):
    lines = answer(make_meeting, tmp_path, {"title": "Review.", "paper": "review.md"},
                   {"review.md": report("Review", "Text.", exempt=3)})
    assert "m/review.md:2: front matter: unknown key 'exempt'; only an item in meeting.yaml can be exempt, " \
           "with 'exempt:' spelt so: as it is, its papers would be published" in lines


def test_an_invisible_public_title_is_blank(make_meeting: MakeMeeting, tmp_path: Path):
    for invisible in ("\u200b", "\u00a0", " \u2060 "):
        lines = answer(make_meeting, tmp_path, SECRET_ITEM | {"public_title": invisible})
        assert any("'public_title' is blank" in line for line in lines), lines


def test_a_copy_with_other_line_endings_or_a_byte_order_mark_is_caught(make_meeting: MakeMeeting, tmp_path: Path):
    text = secret_files()[SECRET]
    assert isinstance(text, str)
    for copy in (text.replace("\n", "\r\n").encode(), b"\xef\xbb\xbf" + text.encode(), (text + "\n\n  \n").encode()):
        folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "copy.md"}, SECRET_ITEM]},
                              secret_files() | {"copy.md": copy})
        done = check(tmp_path, folder)
        assert done.returncode == 1 and f"holds the same as '{SECRET}'" in done.stderr, done.stderr


def test_an_authors_own_appendix_label_is_not_printed(make_meeting: MakeMeeting, tmp_path: Path):
    files = secret_files() | {SECRET: report(f"{MARKER} review", "Text.", appendices=[
        {"title": "S", "file": "annex.md", "label": f"Annex {MARKER}"}]), "annex.md": "Annex text.\n"}
    folder = make_meeting(MEETING | {"items": [{"title": "Policy.", "paper": "policy.md"}, SECRET_ITEM]}, files)
    done = assembler(tmp_path, "build", str(folder), "--output", "out", "--verbose")
    assert done.returncode == 0, done.stderr
    assert "rendering exempt item 2, an appendix" in done.stderr
    assert MARKER.lower() not in (done.stdout + done.stderr).lower()
