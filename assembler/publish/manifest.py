"""What a pack was built from: the sources, templates, tools and options that decide its every byte.

The same fingerprint gives the same pack, so manifest.json records it in full, and anyone can show
which sources a published pack came from (`assembler verify` rebuilds and compares).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from assembler import __version__
from assembler.model import Document, Item, Meeting
from assembler.plan.packs import Pack
from assembler.plan.pages import PagePlan
from assembler.publish.items import item_pdf, published
from assembler.runtime.cache import file_digest
from assembler.sources.documents import is_tagged, open_pdf
from assembler.sources.load import template_files

LIBRARIES = ("docxtpl", "python-docx", "markdown-it-py", "pypdf", "pikepdf", "reportlab")  # each shapes the bytes


def tool_versions(libreoffice: str) -> dict[str, str]:
    return {"assembler": __version__, "libreoffice": libreoffice,
            **{name: metadata.version(name) for name in LIBRARIES}}


@dataclass(frozen=True)
class Fingerprint:
    """Everything that decides a pack's bytes."""

    sources: dict[str, str]  # file, relative to the meeting folder → sha256
    templates: dict[str, str]  # template file name → sha256
    tools: dict[str, str]  # name → version
    duplex: bool
    source_date_epoch: int | None  # the PDF's date; none without one, as a clock would differ each build

    @property
    def document_id(self) -> bytes:
        """The PDF's file identifier: the same for the same fingerprint, as reproducibility needs."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).digest()[:16]

    @property
    def date(self) -> datetime.datetime | None:
        if self.source_date_epoch is None:
            return None
        return datetime.datetime.fromtimestamp(self.source_date_epoch, datetime.timezone.utc)


def fingerprint(meeting: Meeting, pictures: list[Path], duplex: bool, epoch: int | None,
                libreoffice: str) -> Fingerprint:
    """libreoffice: the version of the LibreOffice that laid the pages out, here or on a listener."""
    files = [meeting.folder / "meeting.yaml", *(doc.source for doc in meeting.documents), *pictures]
    sources = {path.relative_to(meeting.folder).as_posix(): file_digest(path) for path in files}
    templates = {path.name: file_digest(path) for path in template_files(meeting.templates)}
    return Fingerprint(dict(sorted(sources.items())), templates, tool_versions(libreoffice), duplex, epoch)


def write_manifest(out: Path, pack: Pack, plan: PagePlan, prints: Fingerprint, pdf: Path, inputs: str) -> None:
    """inputs: the digest a later build compares with its own, to know that nothing has changed."""
    meeting = pack.meeting
    manifest = {
        "meeting": meeting.id, "body": meeting.body, "date": meeting.date.isoformat(),
        "pack": pack.pdf.name, "supplement": pack.supplement, "confidential": pack.confidential,
        "pages": plan.total_pages,
        "items": [_item_entry(item, plan, meeting.folder, pack) for item in meeting.items],
        **asdict(prints),
        "pack_sha256": file_digest(pdf),
        "inputs": inputs,
    }
    out.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _document_entry(doc: Document, plan: PagePlan, item: Item, index: int, folder: Path) -> dict:
    placement = next(p for p in plan.placements if p.part.key == (item.number, index))
    entry = {"file": doc.source.relative_to(folder).as_posix(), "sha256": file_digest(doc.source),
             "first_page": placement.first_page, "last_page": placement.last_page, "accessible": accessible(doc)}
    return ({"label": doc.label, "title": doc.title} | entry) if doc.label else entry


def accessible(doc: Document) -> bool:
    """Whether the document reaches the pack tagged: ours and partners' Word files are laid out tagged;
    a partner's PDF is included as it is, tagged or not (sources/load.py warns of one that is not)."""
    return doc.kind != "pdf" or is_tagged(open_pdf(doc.source))


def _item_entry(item: Item, plan: PagePlan, folder: Path, pack: Pack) -> dict:
    if not pack.audience.sees(item):
        return {"number": item.number, "title": item.title, "exempt": item.exempt}  # nothing more is public
    pages = plan.item_range(item.number)
    entry: dict[str, object] = {"number": item.number, "title": item.title,
             "first_page": pages[0] if pages else None, "last_page": pages[1] if pages else None,
             "verbal": item.verbal}
    entry |= {key: getattr(item, key) for key in ("exempt", "supplement") if getattr(item, key)}
    if item.paper:
        entry["pdf"] = item_pdf(item) if item in published(pack) else None
        entry["paper"] = _document_entry(item.paper, plan, item, 0, folder)
        entry["appendices"] = [_document_entry(doc, plan, item, n, folder)
                               for n, doc in enumerate(item.appendices, 1)]
    return entry
