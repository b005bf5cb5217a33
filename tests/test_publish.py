"""Published versions: `assembler publish` keeps each build's public outputs as published/v<N>/, with
a note of what changed since the last version. Built with real LibreOffice and read back."""

from __future__ import annotations

import datetime
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import files, report
from readback import check_pack
from selenium.webdriver.common.by import By

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.cli import main
from assembler.publish.changes import (
    Changes,
    Listed,
    Moved,
    Note,
    Paper,
    Retitled,
    changes,
    with_note,
)
from assembler.runtime.outputs import meeting_lock, staging

SECRET = "Quibblestone"  # only in the exempt item's title and paper
FEES = "Fees & charges <2027>"  # a title HTML must escape


def paragraphs(word: str, count: int) -> str:
    return "\n\n".join(f"{word} paragraph {n} " + "of plain words " * 40 for n in range(count))


# ---- changes(): what differs between two versions' public manifests ---------------------------------

def entry(number: str, title: str, pages: tuple[int, int] | None = None, paper: str = "",
          appendices: dict[str, str] | None = None, **more: object) -> dict:
    """An item as a public manifest gives it: paper and appendices by their sources' sha256."""
    item: dict = {"number": number, "title": title, "first_page": pages and pages[0],
                  "last_page": pages and pages[1], "verbal": False, **more}
    if paper:
        item["paper"] = {"file": f"{number}.md", "sha256": paper}
        item["appendices"] = [{"label": label, "title": label, "file": f"{label}.pdf", "sha256": sha}
                              for label, sha in (appendices or {}).items()]
    return item


def manifests(*items: dict, supplements: dict[int, list[dict]] | None = None) -> dict[str, dict]:
    found = {"manifest.json": {"supplement": None, "confidential": False, "items": list(items)}}
    for number, listed in (supplements or {}).items():
        found[f"supplement-{number}-manifest.json"] = {"supplement": number, "confidential": False, "items": listed}
    return found


def test_the_same_manifests_make_no_change():
    same = manifests(entry("1", "Minutes.", (3, 4), "a"), entry("2", "Land.", exempt=3))
    assert changes(same, same) == Changes()
    assert Changes().lines() == []


def test_items_added_removed_and_retitled():
    old = manifests(entry("1", "Minutes."), entry("2", "Budget."), entry("3", "Parks."))
    new = manifests(entry("1", "Minutes."), entry("2", "Budget 2027."), entry("4", "Roads."))
    found = changes(old, new)
    assert found == Changes(added=(Listed("4", "Roads."),), removed=(Listed("3", "Parks."),),
                            retitled=(Retitled("2", "Budget.", "Budget 2027."),))
    assert found.lines() == ["Item 4, Roads: added to the agenda.", "Item 3, Parks: taken off the agenda.",
                             "Item 2: its title changed from “Budget.” to “Budget 2027.”."]


def test_papers_replaced_added_and_taken_out_by_their_content():
    old = manifests(entry("5", "Budget.", (3, 8), "p1", {"Appendix A": "a1", "Appendix B": "b1"}))
    new = manifests(entry("5", "Budget.", (3, 8), "p2", {"Appendix A": "a1", "Appendix C": "c1"}))
    found = changes(old, new)
    budget = Listed("5", "Budget.")
    assert found.papers == (Paper(budget, "the paper", "replaced"), Paper(budget, "Appendix C", "added"),
                            Paper(budget, "Appendix B", "removed"))
    assert found.lines() == ["Item 5, Budget: the paper has been replaced by a new version.",
                             "Item 5, Budget: Appendix C has been added.",
                             "Item 5, Budget: Appendix B has been taken out."]


def test_page_references_that_moved_in_each_pack():
    old = manifests(entry("2", "A.", (3, 3), "a"), entry("5", "B.", (9, 12), "b"), entry("6", "C.", (13, 13), "c"),
                    supplements={1: [entry("7", "Late.", (3, 4), "d")]})
    new = manifests(entry("2", "A.", (3, 5), "a"), entry("5", "B.", (11, 14), "b"), entry("6", "C.", (13, 13), "c"),
                    supplements={1: [entry("7", "Late.", (3, 6), "d")]})
    found = changes(old, new)
    assert found.moved == (Moved("2", "", (3, 3), (3, 5)), Moved("5", "", (9, 12), (11, 14)),
                           Moved("7", "Supplementary agenda 1", (3, 4), (3, 6)))
    assert found.lines() == ["Item 2: page 3 → 3 - 5.", "Item 5: pages 9 - 12 → 11 - 14.",
                             "Item 7: pages 3 - 4 → 3 - 6 in Supplementary agenda 1."]


def test_a_supplement_published_with_its_late_paper():
    old = manifests(entry("1", "Minutes.", (3, 3), "m"), entry("7", "Late.", supplement=1))
    new = manifests(entry("1", "Minutes.", (3, 3), "m"), entry("7", "Late.", supplement=1),
                    supplements={1: [entry("7", "Late.", (3, 4), "d", supplement=1)]})
    found = changes(old, new)
    assert found == Changes(papers=(Paper(Listed("7", "Late."), "the paper", "added"),), supplements=(1,))
    assert "Supplementary agenda 1: published." in found.lines()


def test_an_exempt_item_is_compared_by_its_public_entry_alone():
    old = manifests(entry("4", "A licence.", exempt=3))
    new = manifests(entry("4", "A licence.", exempt=3))
    assert changes(old, new) == Changes()


WHEN = datetime.datetime(2026, 11, 30, 14, 5)


def test_the_note_in_plain_words_and_in_html_escaped():
    note = Note(2, WHEN, Changes(retitled=(Retitled("3", "Fees.", FEES),)))
    assert note.text() == ("Version 2, published 30 November 2026 14:05.\nChanges since version 1:\n"
                           "- Item 3: its title changed from “Fees.” to “Fees & charges <2027>”.\n")
    assert "<h2 id=\"changes\">Changes since version 1</h2>" in note.html()
    assert "<li>Item 3: its title changed from “Fees.” to “Fees &amp; charges &lt;2027&gt;”.</li>" in note.html()
    assert "<2027>" not in note.html()
    first = Note(1, WHEN, None)
    assert first.text() == "Version 1, published 30 November 2026 14:05.\nFirst published version.\n"
    assert "<p>First published version.</p>" in first.html()


def test_the_note_goes_at_the_marker_else_after_the_first_heading():
    note = Note(1, WHEN, None)
    marked = "<body><h1>Agenda</h1><p>Intro</p><!-- assembler: changes --><ol></ol></body>"
    assert with_note(marked, note) == f"<body><h1>Agenda</h1><p>Intro</p>{note.html()}<ol></ol></body>"
    unmarked = "<body><h1>Agenda</h1><p>Intro</p></body>"
    assert with_note(unmarked, note) == f"<body><h1>Agenda</h1>\n{note.html()}<p>Intro</p></body>"


# ---- assembler publish, on real builds --------------------------------------------------------------

MEETING = {"body": "Eastmere Licensing Committee", "date": "2026-10-01", "items": [
    {"title": "Minutes.", "paper": "minutes.md"},
    {"title": "Licensing policy.", "paper": "policy.md"},
    {"title": f"{SECRET} Ltd: review of premises licence.", "public_title": "Review of a premises licence.",
     "paper": "review.md", "exempt": 3},
    {"title": FEES, "paper": "fees.md"},
]}


@dataclass(frozen=True)
class Story:
    """A meeting built, published, changed, built and published again, and what each step left."""

    folder: Path
    out: Path  # out/m/, the build's folder
    built: dict[Path, bytes]  # out/m/ as the first build left it
    first: Result  # publish → v1
    v1: dict[Path, bytes]  # published/v1/ as first written
    second: Result  # policy.md made longer, built again, publish → v2
    again: Result  # publish again with nothing changed
    stale: Result  # publish after a source changed, without building
    after: dict[Path, bytes]  # published/ after the last two
    v1_later: dict[Path, bytes]  # published/v1/ at the end


def publish(folder: Path, out: Path) -> Result:
    return CliRunner().invoke(main, ["publish", str(folder), "--output", str(out.parent)])


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    folder = tmp_path_factory.mktemp("publish") / "m"
    folder.mkdir()
    sources = {"minutes.md": report("Minutes", paragraphs("Minutes", 2)),
               "policy.md": report("Licensing policy", paragraphs("Policy", 2)),
               "review.md": report(f"{SECRET} premises review", paragraphs(SECRET, 3)),
               "fees.md": report("Fees", paragraphs("Fees", 2))}
    for name, text in sources.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "meeting.yaml").write_text(json.dumps(MEETING), encoding="utf-8")
    out = folder.parent / "out" / "m"
    build(folder, BuildOptions(out.parent))
    built = files(out)
    first = publish(folder, out)
    v1 = files(out / "published" / "v1")
    (folder / "policy.md").write_text(report("Licensing policy", paragraphs("Policy", 14)), encoding="utf-8")
    build(folder, BuildOptions(out.parent))
    second = publish(folder, out)
    again = publish(folder, out)
    (folder / "fees.md").write_text(report("Fees", paragraphs("Fees", 3)), encoding="utf-8")
    stale = publish(folder, out)
    return Story(folder, out, built, first, v1, second, again, stale, files(out / "published"),
                 files(out / "published" / "v1"))


def test_the_first_version_holds_the_public_outputs_and_says_so(story: Story):
    assert story.first.exit_code == 0, story.first.output
    assert story.first.stdout.splitlines() == [f"{story.out / 'published' / 'v1'}: version 1 published",
                                               "  First published version."]
    names = {path.as_posix() for path in story.v1}
    web = {name for name in names if name.startswith("web/")}
    assert names - web == {"agenda-pack.pdf", "manifest.json", "items/01-minutes.pdf", "items/02-licensing-policy.pdf",
                           "items/04-fees-charges-2027.pdf", "CHANGES.txt", "version.json"}
    assert web == {path.as_posix() for path in story.built if path.parts[0] == "web"}  # the build's web version
    for name in names - {"web/index.html", "CHANGES.txt", "version.json"}:
        assert story.v1[Path(name)] == story.built[Path(name)], name
    assert story.v1[Path("CHANGES.txt")].decode().splitlines()[1] == "First published version."
    page = story.v1[Path("web/index.html")].decode()
    built = story.built[Path("web/index.html")].decode()
    heading = built[:built.index("<!-- assembler: changes -->")]
    assert page.startswith(heading + '<section class="changes"') and "<!-- assembler: changes -->" not in page
    assert "<p>First published version.</p>" in page


def test_confidential_material_is_never_published(story: Story):
    assert (story.out / "confidential" / "confidential-pack.pdf").is_file()  # the build made it
    published = story.out / "published"
    for path in story.after:
        assert "confidential" not in path.parts
        text = (published / path).read_bytes().decode("latin-1")
        if path.suffix == ".pdf":
            text += subprocess.run(["pdftotext", str(published / path), "-"], capture_output=True, text=True,
                                   check=True).stdout
        assert SECRET not in text, path


def reference(pages: tuple[int, int]) -> str:
    return str(pages[0]) if pages[0] == pages[1] else f"{pages[0]} - {pages[1]}"


def test_a_changed_paper_makes_version_2_listing_exactly_what_changed(story: Story):
    assert story.second.exit_code == 0, story.second.output
    v1, v2 = story.out / "published" / "v1", story.out / "published" / "v2"
    was, now = check_pack(v1 / "agenda-pack.pdf", duplex=True), check_pack(v2 / "agenda-pack.pdf", duplex=True)
    moved = [f"Item {n}: {'page' if was[n][0] == was[n][1] else 'pages'} {reference(was[n])} → "
             f"{reference(now[n])}." for n in now if was[n] != now[n]]
    assert len(moved) == 2  # the policy grew, and the fees paper after it moved: read from the packs
    note = (v2 / "CHANGES.txt").read_text(encoding="utf-8").splitlines()
    assert note[0].startswith("Version 2, published ")
    assert note[1:] == ["Changes since version 1:",
                        "- Item 2, Licensing policy: the paper has been replaced by a new version.",
                        *(f"- {line}" for line in moved)]
    assert story.second.stdout.splitlines()[1:] == [f"  {line[2:]}" for line in note[2:]]
    page = (v2 / "web" / "index.html").read_text(encoding="utf-8")
    assert "<h2 id=\"changes\">Changes since version 1</h2>" in page
    assert "<li>Item 2, Licensing policy: the paper has been replaced by a new version.</li>" in page


def test_publishing_the_same_build_again_writes_nothing(story: Story):
    assert story.again.exit_code == 0
    assert story.again.stdout == (f"{story.out / 'published' / 'v2'}: already published as version 2, and "
                                  "nothing has changed since; nothing was written\n")
    assert sorted({path.parts[0] for path in story.after}) == ["v1", "v2"]


def test_a_build_older_than_its_sources_is_refused(story: Story):
    assert story.stale.exit_code == 1
    assert story.stale.stderr == (f"{story.out}: the build no longer matches the meeting's sources (they, a "
                                  "template or assembler changed since it was made); build it again, then "
                                  "publish\n")
    assert not (story.out / "published" / "v3").exists()


def test_an_earlier_version_is_left_byte_for_byte(story: Story):
    assert story.v1_later == story.v1


def test_no_build_no_version(make_meeting, tmp_path: Path):
    folder = make_meeting({"body": "Board", "date": "2026-09-24", "items": [{"title": "Apologies."}]})
    result = publish(folder, tmp_path / "out" / "m")
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / 'out' / 'm'}: no build to publish; build the meeting first\n"
    assert not (tmp_path / "out" / "m").exists()


def test_a_build_keeps_the_published_versions_even_when_killed_mid_swap(tmp_path: Path):
    target = tmp_path / "m"
    (target / "published" / "v1").mkdir(parents=True)
    (target / "published" / "v1" / "agenda-pack.pdf").write_bytes(b"version 1")
    with meeting_lock(target, print), staging(target) as stage:
        (stage / "agenda-pack.pdf").write_bytes(b"a new build")
    assert (target / "published" / "v1" / "agenda-pack.pdf").read_bytes() == b"version 1"
    # killed outright after the output folder was swapped, before the versions were moved over
    target.rename(tmp_path / ".m-old")
    (tmp_path / "m").mkdir()
    with meeting_lock(target, print):
        pass
    assert (target / "published" / "v1" / "agenda-pack.pdf").read_bytes() == b"version 1"
    assert not (tmp_path / ".m-old").exists()


def test_a_versions_page_with_its_change_note_passes_axe_core(story: Story, tmp_path: Path):
    from tests.web.browser import assert_accessible, start_chromium

    browser = start_chromium(tmp_path / "chromium")
    try:
        browser.get((story.out / "published" / "v2" / "web" / "index.html").as_uri())
        assert "Changes since version 1" in browser.find_element(By.ID, "changes").text
        assert_accessible(browser)
    finally:
        browser.quit()
