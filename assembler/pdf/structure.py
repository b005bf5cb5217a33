"""Check that a tagged PDF's structure tree is wired to its content: what no validator tries.

Each piece of tagged content on a page (a marked-content id, MCID, in the page's content stream or a
form it draws) must belong to exactly one structure element, and the page's entry in the ParentTree
must name that element; each reference in the tree (to content, or to an annotation) must exist.
An orphaned or mis-attributed id passes page-validation, veraPDF-like rules and pdfua alike, yet a
screen reader then skips the text or reads it in the wrong place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

Place = tuple[tuple[int, int], int]  # (the page's or form's object number and generation, MCID)


@dataclass
class Found:
    """What the content holds and what the tree says of it."""

    content: dict[Place, str] = field(default_factory=dict)  # each MCID drawn → where, for messages
    parents: dict[tuple[int, int], int] = field(default_factory=dict)  # page or form → its StructParents
    owners: dict[Place, list[pikepdf.Object]] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)


def check_structure(pdf: Path) -> list[str]:
    """Every fault in the wiring of the PDF's tags to its content, one line each; [] if none."""
    with pikepdf.open(pdf) as doc:
        root = doc.Root.get("/StructTreeRoot")
        if not isinstance(root, pikepdf.Dictionary):
            return ["the PDF has no structure tree (it is not tagged)"]
        found = Found()
        for number, page in enumerate(doc.pages, 1):
            _read_page(page.obj, number, found)
        _walk(root.get("/K"), None, found, set())
        _compare(found, _parent_tree(root))
        return found.problems


def _key(obj: pikepdf.Object) -> tuple[int, int]:
    return obj.objgen


def _read_page(page: pikepdf.Dictionary, number: int, found: Found) -> None:
    ids = _read_stream(pikepdf.Page(page), page.get("/Resources"), f"page {number}", _key(page), found, set())
    if "/StructParents" in page:
        found.parents[_key(page)] = int(page.StructParents)
    elif ids:
        found.problems.append(f"page {number} has tagged content but no /StructParents")


def _read_stream(source: pikepdf.Page | pikepdf.Stream, resources: object, where: str, owner: tuple[int, int],
                 found: Found, seen: set[tuple[int, int]]) -> int:
    """Record the MCIDs a content stream draws, following the forms it draws; returns how many."""
    count = 0
    for instruction in pikepdf.parse_content_stream(source, "BDC Do"):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # an inline image: no marked content of its own
        operands, operator = instruction.operands, instruction.operator
        if str(operator) == "BDC" and len(operands) == 2:
            properties = _properties(operands[1], resources)
            if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                place = (owner, int(properties.MCID))
                if place in found.content:
                    found.problems.append(f"{where}: MCID {place[1]} is used twice")
                found.content[place] = where
                count += 1
        elif str(operator) == "Do" and operands:
            count += _read_form(operands[0], resources, where, owner, found, seen)
    return count


def _properties(operand: object, resources: object) -> object:
    """A BDC's property list: given inline, or named in the resources' /Properties."""
    if isinstance(operand, pikepdf.Name) and isinstance(resources, pikepdf.Dictionary):
        return resources.get("/Properties", pikepdf.Dictionary()).get(str(operand))
    return operand


def _read_form(name: object, resources: object, where: str, owner: tuple[int, int], found: Found,
               seen: set[tuple[int, int]]) -> int:
    """A form's MCIDs belong to its own StructParents entry if it has one, else to the page drawing it."""
    if not isinstance(resources, pikepdf.Dictionary) or not isinstance(name, pikepdf.Name):
        return 0
    form = resources.get("/XObject", pikepdf.Dictionary()).get(str(name))
    if not isinstance(form, pikepdf.Stream) or form.get("/Subtype") != "/Form" or _key(form) in seen:
        return 0
    seen = seen | {_key(form)}  # a form drawing itself would loop for ever
    inner = where + f" (form {name})"
    if "/StructParents" in form:  # its MCIDs are the form's, not the page's: the page needs no key for them
        found.parents[_key(form)] = int(form.StructParents)
        _read_stream(form, form.get("/Resources", resources), inner, _key(form), found, seen)
        return 0
    return _read_stream(form, form.get("/Resources", resources), inner, owner, found, seen)


def _walk(kids: object, page: object, found: Found, seen: set[tuple[int, int]], parent: object = None) -> None:
    """Record which element each MCID and annotation belongs to, checking each reference exists."""
    for kid in _as_list(kids):
        if isinstance(kid, int):
            _own(found, parent, page, None, int(kid))
        elif isinstance(kid, pikepdf.Dictionary):
            kind = kid.get("/Type")
            if kind == "/MCR":
                _own(found, parent, kid.get("/Pg", page), kid.get("/Stm"), int(kid.get("/MCID", -1)))
            elif kind == "/OBJR":
                _objr(kid, parent, found)
            elif "/S" in kid:
                if kid.is_indirect and _key(kid) in seen:
                    found.problems.append(f"the structure element {_key(kid)} is reached twice")
                    continue
                if kid.is_indirect:
                    seen.add(_key(kid))
                _walk(kid.get("/K"), kid.get("/Pg", page), found, seen, kid)


def _as_list(kids: object) -> Iterator[object]:
    if isinstance(kids, pikepdf.Array):
        yield from kids
    elif kids is not None:
        yield kids


def _own(found: Found, element: object, page: object, stream: object, mcid: int) -> None:
    holder = stream if isinstance(stream, pikepdf.Stream) else page
    if not isinstance(holder, (pikepdf.Dictionary, pikepdf.Stream)) or not holder.is_indirect or not isinstance(
            element, pikepdf.Object):
        found.problems.append(f"a structure element names MCID {mcid} without a page it is on")
        return
    found.owners[(_key(holder), mcid)].append(element)


def _objr(kid: pikepdf.Dictionary, element: object, found: Found) -> None:
    """An annotation (a link, say) the element holds: it must exist and point back to the element."""
    annot = kid.get("/Obj")
    if not isinstance(annot, pikepdf.Dictionary) or "/StructParent" not in annot or not isinstance(
            element, pikepdf.Object):
        found.problems.append("a structure element names an object that is missing or has no /StructParent")
        return
    found.owners[(_key(annot), -1)].append(element)  # -1: the object as a whole
    found.parents[_key(annot)] = int(annot.StructParent)


def _parent_tree(root: pikepdf.Dictionary) -> dict[int, object]:
    tree = root.get("/ParentTree")
    if not isinstance(tree, pikepdf.Dictionary):
        return {}
    return {int(key): value for key, value in pikepdf.NumberTree(tree).items()}


def _compare(found: Found, parents: dict[int, object]) -> None:
    for place, where in found.content.items():
        owners = found.owners.get(place, [])
        if len(owners) != 1:
            found.problems.append(f"{where}: MCID {place[1]} belongs to {len(owners)} structure elements, not one")
            continue
        entry = parents.get(found.parents.get(place[0], -1))
        listed = entry[place[1]] if isinstance(entry, pikepdf.Array) and place[1] < len(entry) else None
        if not _same(listed, owners[0]):
            found.problems.append(f"{where}: MCID {place[1]} is not its element's in the ParentTree")
    for (holder, mcid), owners in found.owners.items():
        if mcid == -1:
            entry = parents.get(found.parents[holder])
            if len(owners) != 1 or not _same(entry, owners[0]):
                found.problems.append(f"the annotation {holder} is not its element's in the ParentTree")
        elif (holder, mcid) not in found.content:
            found.problems.append(f"a structure element names MCID {mcid}, which no content of object "
                                  f"{holder[0]} has")


def _same(a: object, b: object) -> bool:
    return (isinstance(a, pikepdf.Object) and isinstance(b, pikepdf.Object) and a.is_indirect and b.is_indirect
            and _key(a) == _key(b))
