"""assembler as it would be without tagging, for the benchmark's measure of what tagging costs.

    python benchmarks/untagged.py build ...   (the same arguments as `assembler`)

LibreOffice exports the papers untagged, and the packs and items' PDFs are written without their
structure trees merged in: everything else is the build as it is. run.py checks that what this
makes is untagged, so that a change to the names patched here cannot quietly make it the same build.
"""

from __future__ import annotations

import assembler.layout.convert
import assembler.pdf.assemble
from assembler.cli import run


def without_structure(data: bytes, parts: object, title: str) -> bytes:
    return data


assembler.layout.convert.EXPORT_FILTER = "pdf:writer_pdf_Export"
assembler.pdf.assemble.add_structure = without_structure

if __name__ == "__main__":
    run()
