"""The pack's structure tree: the papers' own trees merged into one, with the pack's own marks tagged.

pypdf copies pages without their documents' structure trees, so once the pack's pages are written
this adds them back with pikepdf: one Document, a Part for the front sheet and for each paper, each
holding its document's elements. Each page's key into the ParentTree (and each annotation's) is
numbered again, as two papers would use the same keys; the RoleMaps are merged. A page of a PDF
given without tags stays untagged: nothing is made to look tagged that is not.

The stamps' notice ("NOT FOR PUBLICATION") and a partner's appendix's label ("Appendix A") are real
content: marked content in the stamp's form, each made a P of its page's paper. The front sheet's
page references become Link elements holding the reference's text and its link annotation. The
title is shown in the window, and declared in XMP with PDF/UA's identification.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

MCID_KEY = "/AssemblerMCID"  # on a front-sheet link: the marked content of the text it covers
STAMP = "/AssemblerStamp"  # a page's stamp, a form in its resources (pdf/assemble.py's Stamper)


@dataclass(frozen=True)
class TaggedPart:
    """A document placed in the pack: its PDF, the index of its first page there, and its title."""

    pdf: Path
    first: int
    title: str


class Tree:
    """The pack's structure tree as it is built: its Document element, ParentTree and RoleMap."""

    def __init__(self, pack: pikepdf.Pdf):
        self.pack = pack
        self.document = pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.parents: dict[int, pikepdf.Object] = {}
        self.roles = Dictionary()
        self.pages = [page.obj for page in pack.pages]  # once: pikepdf lists every page on each index

    def key(self, value: pikepdf.Object) -> int:
        """A new ParentTree key, for a page's marked content or an annotation."""
        self.parents[len(self.parents)] = value
        return len(self.parents) - 1

    def part(self, title: str) -> pikepdf.Dictionary:
        part = self.pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Part, P=self.document,
                                                  T=pikepdf.String(title), K=Array()))
        self.document.K.append(part)
        return part


def add_structure(data: bytes, parts: list[TaggedPart], title: str) -> bytes:
    """The written pack with the parts' structure trees merged in, and tagged marks."""
    # The papers stay open until the pack is saved: pikepdf reads what it copies from them only then.
    # Opened without giving every page what it inherits from its parents, which costs a twentieth of
    # a second a pack, for nothing: no page is copied from them, and pypdf gave each page of the pack
    # its own resources, where the stamps are found.
    with pikepdf.open(io.BytesIO(data), inherit_page_attributes=False) as pack, contextlib.ExitStack() as sources:
        for page in pack.pages:
            _drop(page.obj, "/StructParents")  # pypdf copied the papers' own keys: numbered again below
        tree = Tree(pack)
        for part in parts:
            element = tree.part(part.title)
            _merge(tree, part, element, sources.enter_context(pikepdf.open(part.pdf, inherit_page_attributes=False)))
        _tag_notices(tree, parts)
        _tag_links(tree)
        _finish(pack, tree, title)
        out = io.BytesIO()
        # Object streams: the tree's thousands of small objects compressed together.
        pack.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _merge(tree: Tree, part: TaggedPart, element: pikepdf.Dictionary, source: pikepdf.Pdf) -> None:
    """Copy a document's elements into its Part, pointing them at the pack's copies of its pages."""
    root = source.Root.get("/StructTreeRoot")
    if not isinstance(root, Dictionary):
        return  # an untagged PDF, included as it is
    # One copy of the whole tree, the document's pages with it. pikepdf copies each object of a
    # document once however often it is asked, so copying a page again finds the copy the tree
    # points at. Those copies are written nowhere: once the elements point at the pack's pages,
    # nothing refers to them.
    copied = tree.pack.copy_foreign(root)
    places = Places(part.first)
    for n, page in enumerate(source.pages):
        places.pages[tree.pack.copy_foreign(page.obj).objgen] = tree.pages[part.first + n]
        for i, annot in enumerate(page.get("/Annots", Array())):
            if isinstance(annot, Dictionary):
                places.annots[tree.pack.copy_foreign(annot).objgen] = (n, i)
    for name, role in copied.get("/RoleMap", Dictionary()).items():
        tree.roles[name] = role
    for kid in _kids(copied):
        if isinstance(kid, Dictionary):
            kid.P = element
        element.K.append(kid)
    _resolve(tree, places, element.K, element)
    parents = _parent_tree(copied)
    for n, page in enumerate(source.pages):
        entry = parents.get(int(page.get("/StructParents", -1)))
        if isinstance(entry, Array):
            tree.pages[part.first + n].StructParents = tree.key(entry)


@dataclass
class Places:
    """Where a document's pages and annotations are, by the tree's copies of them: the pack's page,
    and (page index, index in its /Annots); and the index of its first page in the pack."""

    first: int
    pages: dict[tuple[int, int], pikepdf.Dictionary] = field(default_factory=dict)
    annots: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)


def _drop(dictionary: pikepdf.Dictionary, key: str) -> None:
    if key in dictionary:
        del dictionary[key]


def _kids(root: pikepdf.Object) -> pikepdf.Array:
    """The elements under the document's own Document element (or under its root, if it has none)."""
    kids = Array(root.K) if isinstance(root.get("/K"), Array) else Array([root.get("/K")])
    if len(kids) == 1 and isinstance(kids[0], Dictionary) and kids[0].get("/S") == "/Document":
        inner = kids[0].get("/K")
        return Array(inner) if isinstance(inner, Array) else Array([inner])
    return kids


def _parent_tree(root: pikepdf.Object) -> dict[int, pikepdf.Object]:
    tree = root.get("/ParentTree")
    return {int(k): v for k, v in pikepdf.NumberTree(tree).items()} if isinstance(tree, Dictionary) else {}


def _resolve(tree: Tree, places: Places, kids: pikepdf.Object, parent: pikepdf.Dictionary) -> None:
    """Point the copied elements at the pack's pages and annotations. Each keeps its parent: it was
    copied along with it."""
    for kid in list(kids):
        if not isinstance(kid, Dictionary):
            continue
        page = kid.get("/Pg")
        if page is not None:
            found = places.pages.get(page.objgen)
            if found is None:  # a page the document does not have
                del kid["/Pg"]
            else:
                kid.Pg = found
        kind = kid.get("/Type")
        if kind == "/OBJR":
            _resolve_annotation(tree, places, kid, kids, parent)
        elif kind == "/MCR":
            _drop(kid, "/Stm")  # marked content in a form: LibreOffice writes none
        else:
            inner = kid.get("/K")
            if isinstance(inner, Dictionary):
                kid.K = inner = Array([inner])  # so that an OBJR the pack could not keep can be taken out of it
            if isinstance(inner, Array):
                _resolve(tree, places, inner, kid)


def _resolve_annotation(tree: Tree, places: Places, objr: pikepdf.Dictionary, kids: pikepdf.Object,
                        parent: pikepdf.Dictionary) -> None:
    """An OBJR's annotation in the pack: the same place in its page's /Annots, if the page kept them all."""
    annot = objr.get("/Obj")
    page_index, index = places.annots.get(annot.objgen, (-1, -1)) if isinstance(annot, Dictionary) else (-1, -1)
    page = tree.pages[places.first + page_index] if page_index >= 0 else None
    annots = page.get("/Annots", Array()) if page is not None else Array()
    if page is None or not 0 <= index < len(annots):
        kids.remove(objr)  # a link the pack could not keep
        return
    objr.Obj = annots[index]
    objr.Pg = page
    annots[index].StructParent = tree.key(parent)


def _tag_notices(tree: Tree, parts: list[TaggedPart]) -> None:
    """Each page's notice and label, drawn as marked content in its stamp, become Ps at the start of
    its page's Part, in the order drawn."""
    for number, page in enumerate(tree.pack.pages):
        form = stamp_form(page.obj)
        if form is None:
            continue
        count = len(re.findall(rb"/MCID \d+", form.read_bytes()))
        if not count:
            continue
        part = _part_of(tree, parts, number)
        paragraphs = [tree.pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.P, P=part, Pg=page.obj,
                                                         K=Array([_mcr(mcid, form, page.obj)])))
                      for mcid in range(count)]
        for paragraph in reversed(paragraphs):  # each goes before the page's first: the last first
            _insert_before_page(part, paragraph, page.obj)
        form.StructParents = tree.key(Array(paragraphs))


def stamp_form(page: pikepdf.Dictionary) -> pikepdf.Stream | None:
    form = page.get("/Resources", Dictionary()).get("/XObject", Dictionary()).get(STAMP)
    return form if isinstance(form, pikepdf.Stream) else None


def _mcr(mcid: int, form: pikepdf.Stream, page: pikepdf.Dictionary) -> pikepdf.Dictionary:
    return Dictionary(Type=Name.MCR, MCID=mcid, Pg=page, Stm=form)


def _part_of(tree: Tree, parts: list[TaggedPart], page: int) -> pikepdf.Dictionary:
    """The Part of the document the page belongs to."""
    index = max(n for n, part in enumerate(parts) if part.first <= page)
    found = tree.document.K[index]
    assert isinstance(found, Dictionary)  # the Parts were made in the parts' order
    return found


def _insert_before_page(part: pikepdf.Dictionary, element: pikepdf.Dictionary, page: pikepdf.Dictionary) -> None:
    """Put the element before the Part's first element on the page, so that it is read first there."""
    for n, kid in enumerate(part.K):
        if _first_page(kid) == page.objgen:
            part.K.insert(n, element)
            return
    part.K.append(element)


def _first_page(node: object) -> tuple[int, int] | None:
    if not isinstance(node, Dictionary):
        return None
    if isinstance(node.get("/Pg"), Dictionary):
        return node.Pg.objgen
    kid = node.get("/K")
    for inner in kid if isinstance(kid, Array) else [kid]:
        found = _first_page(inner)
        if found:
            return found
    return None


def _tag_links(tree: Tree) -> None:
    """Each front-sheet link, noted with the marked content of its text, becomes a Link element holding
    that text and the annotation, in place of the text in its element."""
    for page in tree.pack.pages:
        for annot in page.obj.get("/Annots", Array()):
            if not isinstance(annot, Dictionary) or MCID_KEY not in annot:
                continue
            mcid = int(annot[MCID_KEY])
            del annot[MCID_KEY]
            page.obj.Tabs = Name.S
            entry = tree.parents.get(int(page.obj.get("/StructParents", -1)))
            owner = entry[mcid] if isinstance(entry, Array) and mcid < len(entry) else None
            if isinstance(owner, Dictionary) and isinstance(entry, Array):
                _wrap_in_link(tree, owner, mcid, annot, page.obj, entry)


def _wrap_in_link(tree: Tree, owner: pikepdf.Dictionary, mcid: int, annot: pikepdf.Dictionary,
                  page: pikepdf.Dictionary, entry: pikepdf.Array) -> None:
    link = tree.pack.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Link, P=owner, Pg=page,
                                              K=Array([mcid, Dictionary(Type=Name.OBJR, Obj=annot, Pg=page)])))
    kids = owner.K if isinstance(owner.get("/K"), Array) else Array([owner.get("/K")])
    owner.K = Array([link if _is_mcid(kid, mcid) else kid for kid in kids])
    entry[mcid] = link
    annot.StructParent = tree.key(link)


def _is_mcid(kid: object, mcid: int) -> bool:
    if isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
        return int(kid.get("/MCID", -1)) == mcid
    return isinstance(kid, int) and int(kid) == mcid


def _finish(pack: pikepdf.Pdf, tree: Tree, title: str) -> None:
    roles = Dictionary({name: role for name, role in tree.roles.items() if str(name) != str(role)})
    pack.Root.StructTreeRoot = pack.make_indirect(Dictionary(
        Type=Name.StructTreeRoot, K=tree.document, RoleMap=roles, ParentTreeNextKey=len(tree.parents),
        ParentTree=pikepdf.NumberTree.new(pack).obj))
    tree.document.P = pack.Root.StructTreeRoot
    numbers = pikepdf.NumberTree(pack.Root.StructTreeRoot.ParentTree)
    for key, value in tree.parents.items():
        numbers[key] = value
    pack.Root.MarkInfo = Dictionary(Marked=True)
    pack.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with pack.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = title
        meta["pdfuaid:part"] = "1"


@dataclass(frozen=True)
class Structure:
    """A written pack's structure tree, read once for its items to be cut from it (pdf/cut.py)."""

    parts: tuple[pikepdf.Dictionary, ...]  # the front sheet's Part, then each document's
    parents: dict[int, pikepdf.Object]  # the ParentTree, each entry an indirect object
    roles: pikepdf.Object


def read_structure(pack: pikepdf.Pdf) -> Structure | None:
    """The pack's structure tree, if it has one. Each Part loses its parent in the pack opened, so
    that copying a Part copies it and its elements, not the whole tree."""
    root = pack.Root.get("/StructTreeRoot")
    if not isinstance(root, Dictionary):
        return None
    parts = tuple(part for part in root.K.K if isinstance(part, Dictionary))
    for part in parts:
        _drop(part, "/P")
    # Each entry made an object of its own, so that an item copies it in one call, elements and all.
    parents = {key: entry if entry.is_indirect else pack.make_indirect(entry)
               for key, entry in _parent_tree(root).items()}
    return Structure(parts, parents, root.get("/RoleMap", Dictionary()))


def copy_parts(structure: Structure, item: pikepdf.Pdf, parts: tuple[int, ...], title: str) -> None:
    """Give the item, whose pages pikepdf copied from the pack's, the pack's Parts at those indices,
    with the pages', annotations' and stamps' keys into its own ParentTree, and the title declared."""
    tree = Tree(item)
    for index in parts:
        part = item.copy_foreign(structure.parts[index])
        part.P = tree.document
        tree.document.K.append(part)
    for page in tree.pages:
        _copy_key(tree, structure, page, "/StructParents")
        for annot in page.get("/Annots", Array()):
            if isinstance(annot, Dictionary):
                _copy_key(tree, structure, annot, "/StructParent")
        form = stamp_form(page)
        if form is not None:
            _copy_key(tree, structure, form, "/StructParents")
    for name, role in structure.roles.items():
        tree.roles[name] = role
    _finish(item, tree, title)


def _copy_key(tree: Tree, structure: Structure, holder: pikepdf.Object, key: str) -> None:
    """The holder's entry in the pack's ParentTree, copied into the item's under a key of its own."""
    if key not in holder:
        return
    entry = structure.parents.get(int(holder[key]))
    if entry is None:
        del holder[key]
        return
    holder[key] = tree.key(tree.pack.copy_foreign(entry))
