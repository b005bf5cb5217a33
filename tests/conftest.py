from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml

from assembler.build import BuildResult, build

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "papers" / "northshire-scsb-2026-09-24"


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The example meeting, built once for the whole session with real LibreOffice."""
    return build(EXAMPLE, tmp_path_factory.mktemp("example"))


MakeMeeting = Callable[..., Path]


@pytest.fixture
def make_meeting(tmp_path: Path) -> MakeMeeting:
    """Write a meeting folder: meeting.yaml from `meeting` (a dict) and the other files as given."""

    def make(meeting: dict, files: dict[str, str | bytes] | None = None, name: str = "m") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "meeting.yaml").write_text(yaml.safe_dump(meeting, allow_unicode=True), encoding="utf-8")
        for filename, content in (files or {}).items():
            path = folder / filename
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return folder

    return make


def report(title: str, body: str, **front: object) -> str:
    """A Markdown report's source text."""
    return "---\n" + yaml.safe_dump({"title": title, **front}, allow_unicode=True) + "---\n" + body
