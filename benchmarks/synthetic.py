"""Generate a synthetic meeting of a chosen size, for the benchmark (and nothing else)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import yaml
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from assembler.pdf.stamps import REGULAR, register_fonts

WORDS = ("partnership board council safety community residents report service district police "
         "strategy review quarter performance funding housing neighbourhood victims data officers "
         "health priority outcome measure support prevention action plan delivery evidence").split()
WORDS_PER_PAGE = 240  # so that the 1-to-20-page reports come to about 170 pages in all


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    return " ".join(words).capitalize() + "."


def report_body(rng: random.Random, pages: int) -> str:
    """About `pages` pages of headings, numbered paragraphs, bullets and the odd table."""
    parts, words = [], 0
    while words < pages * WORDS_PER_PAGE:
        parts.append(f"# {sentence(rng)[:40].rstrip('.')}")
        for _ in range(4):
            paragraph = " ".join(sentence(rng) for _ in range(4))
            parts.append(paragraph)
            words += len(paragraph.split())
        parts.append("\n".join(f"- {sentence(rng)}" for _ in range(3)))
        words += 50
    return "\n\n".join(parts) + "\n"


def pdf_appendix(pages: int, label: str) -> bytes:
    """A partner's PDF, its font embedded as a print room would want."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, initialFontName=REGULAR)
    for n in range(pages):
        canvas.setFont(REGULAR, 14)
        canvas.drawString(72, 760, f"{label}: data sheet {n + 1}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def make_meeting(folder: Path, page_counts: list[int], pdf_appendices: int = 2, seed: int = 1) -> Path:
    """A meeting whose reports run to the given page counts; the first reports get PDF appendices."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items: list[dict] = [{"title": "Apologies."}]
    for n, pages in enumerate(page_counts, 1):
        front: dict = {"title": f"Synthetic report {n}", "report_of": "the Director of Testing",
                       "officers": [{"name": "A. Officer", "phone": "01234 567890"}]}
        if n <= pdf_appendices:
            (folder / f"appendix-{n}.pdf").write_bytes(pdf_appendix(3, f"Appendix to report {n}"))
            front["appendices"] = [{"title": "Data sheets", "file": f"appendix-{n}.pdf"}]
        text = "---\n" + yaml.safe_dump(front) + "---\n\n" + report_body(rng, pages)
        (folder / f"report-{n:02d}.md").write_text(text, encoding="utf-8")
        items.append({"title": f"Synthetic report {n}.", "presenter": "A. Officer", "paper": f"report-{n:02d}.md"})
    meeting = {"body": "Synthetic Benchmark Board", "date": "2026-12-01", "items": items}
    (folder / "meeting.yaml").write_text(yaml.safe_dump(meeting, sort_keys=False), encoding="utf-8")
    return folder
