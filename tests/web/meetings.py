"""Meetings for the browser tests, written into a workspace's papers/ as an officer would leave them."""

from __future__ import annotations

from pathlib import Path

from conftest import report

MEETING = """\
# A board's meeting for the workspace's tests
body: Riverside Health and Wellbeing Board
date: 2026-12-03
organisation: Riverside Borough Council
items:
  - title: Apologies for absence.
  - title: Public Health Annual Report.      # jsmith writes it
    paper: public-health.md
    authors: [jsmith]
  - title: Award of the Leisure Centre Contract to Acme Leisure Ltd.
    public_title: Leisure Centre Contract.
    paper: leisure-contract.md
    exempt: 3
    authors: [apatel]
  - title: Settlement with Mr Jonathan Quill.
    public_title: A legal settlement.
    paper: settlement.md
    exempt: 5
  - title: Date of the next meeting.
    text: 4 February 2027.
"""

EXEMPT_SECRETS = ("Settlement with Mr Jonathan Quill", "settlement.md", "Quill")


def write_meeting(root: Path, name: str = "riverside-hwb-2026-12-03") -> Path:
    folder = root / "papers" / name
    folder.mkdir(parents=True)
    (folder / "meeting.yaml").write_text(MEETING, encoding="utf-8")
    (folder / "public-health.md").write_text(report("Public Health Annual Report", "The year in health."))
    (folder / "leisure-contract.md").write_text(report("Leisure Centre Contract", "The tender prices."))
    (folder / "settlement.md").write_text(report("Settlement with Mr Jonathan Quill", "The sum agreed."))
    return folder
