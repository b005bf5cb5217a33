"""`assembler verify` rebuilds a meeting and says whether its pack came from its sources, and if not, why."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ONE_REPORT, files, report
from PIL import Image

from assembler.build.options import BuildOptions
from assembler.build.run import build
from assembler.cli import main
from assembler.commands.verify import differences

PACK = "out/m/agenda-pack.pdf"


def verify(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["verify", "m", "--output", "out", "--quiet", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


@pytest.fixture
def meeting(make_meeting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    folder = make_meeting(ONE_REPORT, {"p.md": report("Report", "See the chart.\n\n![Chart](chart.png)\n")})
    Image.new("RGB", (300, 100), "steelblue").save(folder / "chart.png")
    return folder


def test_verify_passes_a_pack_built_from_its_sources_and_names_what_changed(meeting: Path, tmp_path: Path):
    build(Path("m"), BuildOptions(Path("out")))
    published = files(tmp_path / "out")
    code, lines = verify()
    assert (code, len(lines)) == (0, 1)
    assert lines[0].startswith(f"{PACK}: matches a fresh build of m (sha256 ")
    (meeting / "p.md").write_text(report("Report", "See the new chart.\n\n![Chart](chart.png)\n"))
    Image.new("RGB", (300, 100), "darkred").save(meeting / "chart.png")
    assert verify() == (1, [f"{PACK}: differs from a fresh build of m",
                            "m/chart.png: changed since the pack was built",
                            "m/p.md: changed since the pack was built"])
    assert files(tmp_path / "out") == published  # verifying never touches what was published


def test_verify_needs_a_built_pack(meeting: Path):
    assert verify() == (1, ["out/m: no built pack and manifest to verify; build the meeting first"])
    assert not (meeting.parent / "out").exists()  # verifying writes nothing


def test_differences_name_new_and_dropped_sources_other_tools_and_a_changed_pack(tmp_path: Path):
    published = {"pack_sha256": "1", "sources": {"meeting.yaml": "a", "old.md": "b"},
                 "templates": {"report.docx": "c"}, "tools": {"libreoffice": "7.4.7.2"}}
    fresh = {"pack_sha256": "2", "sources": {"meeting.yaml": "a", "new.md": "b"},
             "templates": {"report.docx": "c"}, "tools": {"libreoffice": "24.2.1"}}
    found = differences(published, fresh, "3", Path("out/m/agenda-pack.pdf"),
                        {"sources": Path("m"), "templates": Path("templates")})
    assert [str(problem) for problem in found] == [
        "out/m/agenda-pack.pdf: changed after it was built: it is not the pack its manifest describes",
        "m/new.md: new since the pack was built",
        "m/old.md: no longer used; the pack was built with it",
        "libreoffice: 7.4.7.2 when the pack was built, 24.2.1 now",
    ]
