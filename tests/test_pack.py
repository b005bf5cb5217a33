"""The example meeting built with real LibreOffice, and read back from the PDF."""

from __future__ import annotations

import json
import re
import subprocess

import yaml
from conftest import EXAMPLE
from markdown_it.tree import SyntaxTreeNode
from pypdf import PdfReader
from readback import check_pack, front_sheet_references, is_filler, layout_text, page_range, pages

from assembler.render.body import PARSER
from assembler.sources.load import DEFAULT_TEMPLATES


def sources() -> dict:
    return yaml.safe_load((EXAMPLE / "meeting.yaml").read_text())


def front_matter(name: str) -> dict:
    return yaml.safe_load((EXAMPLE / name).read_text().split("---")[1])


def test_references_stamps_and_fillers_agree(example):
    marks = check_pack(example.pack, duplex=True)
    papers = [str(n) for n, item in enumerate(sources()["items"], 1) if item.get("paper")]
    assert sorted(marks, key=int) == papers


def test_each_reference_names_the_pages_of_that_items_own_paper(example):
    all_pages = pages(example.pack)
    marks = check_pack(example.pack, duplex=True)
    for number, item in enumerate(sources()["items"], 1):
        if not item.get("paper", "").endswith(".md"):
            continue
        title = front_matter(item["paper"])["title"]
        first, _ = marks[str(number)]
        words = " ".join(title.upper().split()[:4])
        assert words in all_pages[first - 1].text.upper(), f"item {number}: '{words}' not on page {first}"


def test_verbal_items_say_so_and_procedural_items_say_nothing(example):
    marks = front_sheet_references(example.pack, 2)
    items = sources()["items"]
    for number, item in enumerate(items, 1):
        if item.get("verbal"):
            assert marks[str(number)] == "Verbal report"
        elif not item.get("paper"):
            assert str(number) not in marks


def test_duplex_fillers_are_even_pages_saying_only_that_they_are_blank(example):
    all_pages = pages(example.pack)
    fillers = [n for n, page in enumerate(all_pages, 1) if is_filler(page)]
    assert fillers, "the example needs fillers to test them"
    assert all(n % 2 == 0 for n in fillers)


def test_bookmarks_nest_appendices_under_their_item(example):
    reader = PdfReader(example.pack)
    marks = {n: page_range(r)[0] for n, r in front_sheet_references(example.pack, 2).items()
             if r.startswith("(")}
    outline = reader.outline
    tops = [(o.title, reader.get_destination_page_number(o)) for o in outline if not isinstance(o, list)]
    assert tops[0] == ("Agenda", 0)
    for number, first in marks.items():
        assert any(t.startswith(f"{number}. ") and page == first - 1 for t, page in tops), number
    nested = [o for o in outline if isinstance(o, list)]
    assert nested and all(child.title.startswith("Appendix A – ") for group in nested for child in group)


def test_page_labels_equal_the_stamped_numbers(example):
    reader = PdfReader(example.pack)
    assert reader.page_labels == [str(n) for n in range(1, len(reader.pages) + 1)]


def test_manifest_agrees_with_the_pdf(example):
    manifest = json.loads((example.pack.parent / "manifest.json").read_text())
    assert manifest["pages"] == len(PdfReader(example.pack).pages) == example.pages
    marks = front_sheet_references(example.pack, 2)
    for item in manifest["items"]:
        if item["first_page"]:
            assert page_range(marks[item["number"]]) == (item["first_page"], item["last_page"])
            assert re.fullmatch(r"[0-9a-f]{64}", item["paper"]["sha256"])


def test_report_paragraphs_are_numbered_on_across_headings_with_lettered_sub_items(example):
    number = next(str(n) for n, i in enumerate(sources()["items"], 1)
                  if i.get("paper") == "partnership-strategy-refresh.md")
    first, last = page_range(front_sheet_references(example.pack, 2)[number])
    text = layout_text(example.pack, first, last)
    numbers = [int(n) for n in re.findall(r"^(\d+)\.\s", text, re.M)]  # at the margin: not a wrapped line
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 20
    assert re.search(r"^\s+\(a\)\s+\S", text, re.M) and re.search(r"^\s+\(b\)\s+\S", text, re.M)


def test_minutes_are_numbered_from_the_first_minute(example):
    first, last = page_range(front_sheet_references(example.pack, 2)["2"])
    text = layout_text(example.pack, first, last)
    start = front_matter("minutes-2026-06-11.md")["first_minute"]
    numbers = [int(n) for n in re.findall(r"^\s{0,8}(\d+)\.\s+[A-Z ]{4,}", text, re.M)]
    assert numbers == list(range(start, start + len(numbers))) and len(numbers) > 5
    assert "RESOLVED:" in text and "CHAIRMAN" in text


def test_appendix_table_cells_reach_the_page(example):
    text = layout_text(example.pack)
    assert re.search(r"Measure\s+Baseline", text)
    assert "Knife-enabled offences" in text


def test_fonts_are_embedded(example):
    out = subprocess.run(["pdffonts", str(example.pack)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), out


def test_outputs_are_written(example):
    folder = example.pack.parent
    assert (folder / "agenda.docx").is_file()
    papers = sorted(p.name for p in (folder / "papers").glob("*.docx"))
    assert papers[0].startswith("02-minutes") and any("appendix-a" in p for p in papers)


def markdown_papers() -> dict[str, str]:
    """Every Markdown paper and appendix of the example, by file name: its template's name."""
    found = {}
    for item in sources()["items"]:
        if item.get("paper", "").endswith(".md"):
            front = front_matter(item["paper"])
            found[item["paper"]] = front.get("template", "report")
            found |= {a["file"]: "appendix" for a in front.get("appendices", [])}
    return found


def test_the_example_uses_every_paper_template():
    templates = {p.stem for p in DEFAULT_TEMPLATES.glob("*.docx")} - {"agenda"}
    assert set(markdown_papers().values()) == templates


def test_the_example_uses_every_markdown_construct():
    nodes = [node for name in markdown_papers() for node in
             SyntaxTreeNode(PARSER.parse((EXAMPLE / name).read_text().split("---", 2)[-1])).walk()]

    def inside(node: SyntaxTreeNode, kind: str) -> bool:
        while node.parent is not None:
            node = node.parent
            if node.type == kind:
                return True
        return False

    kinds = {node.type for node in nodes}
    assert {"heading", "table", "blockquote", "image", "link", "strong", "em"} <= kinds
    assert any(n.type == "ordered_list" and inside(n, "ordered_list") for n in nodes)  # (i) in (a)
    assert any(n.type == "bullet_list" and inside(n, "bullet_list") for n in nodes)  # bullets in bullets
    assert any(n.type == "list_item" and [c.type for c in n.children].count("paragraph") > 1 for n in nodes)
    assert any(n.type == "inline" and n.content.strip() == "\\newpage" for n in nodes)
    assert {int(n.tag[1]) for n in nodes if n.type == "heading"} >= {1, 2}


def test_the_examples_long_table_repeats_its_header_on_the_next_page(example):
    all_pages = pages(example.pack)
    headed = [n for n, page in enumerate(all_pages, 1) if "Offence group" in page.text]
    assert len(headed) >= 2 and headed == list(range(headed[0], headed[0] + len(headed)))
    for n in headed:
        words = all_pages[n - 1].words
        header = next(w for w in words if w.text == "Offence")
        assert all(header.y0 <= w.y0 for w in words if w.text in ("Eastmere", "Westbrook", "Southfold"))


def test_the_examples_cabinet_report_starts_part_b_on_a_page_of_its_own(example):
    number = next(str(n) for n, i in enumerate(sources()["items"], 1)
                  if i.get("paper") and front_matter(i["paper"]).get("template") == "cabinet-report")
    first, last = page_range(front_sheet_references(example.pack, 2)[number])
    all_pages = pages(example.pack)
    assert "PART A" in all_pages[first - 1].text
    starts = [n for n in range(first, last + 1) if all_pages[n - 1].text.startswith("PART B")]
    assert len(starts) == 1 and starts[0] > first
