"""Tagged PDF/UA output, read back: LibreOffice's tags, the titles, the pack's merged structure tree,
artifacts, links, and the two checks (page-validation's ua1 profile and assembler's own integrity check)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
from conftest import ROOT

from assembler.layout.convert import Conversion, convert

FULL = ROOT / "papers" / "northshire-scsb-2026-09-24-full"


def structure_types(pdf: Path) -> set[str]:
    """Every structure type in the PDF's tree, as its RoleMap maps it to a standard type."""
    found: set[str] = set()
    with pikepdf.open(pdf) as doc:
        roles = doc.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary())
        waiting = [doc.Root.StructTreeRoot]
        while waiting:
            node = waiting.pop()
            if isinstance(node, pikepdf.Array):
                waiting += list(node)
            elif isinstance(node, pikepdf.Dictionary) and node.get("/Type") != "/OBJR" and "/K" in node:
                if "/S" in node:
                    found.add(str(roles.get(str(node.S), node.S)))
                waiting.append(node.K)
    return found


def test_a_partners_word_file_is_laid_out_tagged(tmp_path):
    docx = shutil.copy(FULL / "police-performance.docx", tmp_path / "partner.docx")
    pdf = convert([Conversion(Path(docx), FULL / "police-performance.docx")], tmp_path / "pdf",
                  tmp_path / "profiles", processes=1)[Path(docx)]
    with pikepdf.open(pdf) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in doc.Root and "/ParentTree" in doc.Root.StructTreeRoot
    assert {"/Document", "/P"} <= structure_types(pdf)
