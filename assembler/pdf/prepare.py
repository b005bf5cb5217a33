"""Make a document's pages ready for the pack, whatever shape its author gave them.

Each page comes out upright (no /Rotate), with its visible area (the CropBox) at the origin, on A4
of the page's own orientation: an A4 page keeps its size, any other is scaled to fit and centred.
Content outside the CropBox stays hidden. Form fields are drawn into the page and stop being fields,
since a pack of many partners' forms would share field names. Links inside the document are kept
and pointed at the pack's pages afterwards; links to other files are dropped, since the pack cannot
follow them. The document's own bookmarks are read so that they can be nested under the item's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    Destination,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    RectangleObject,
    StreamObject,
)
from reportlab.lib.pagesizes import A4

from assembler.pdf.pdfwriter import keep_only, trailer_objects

A4_TOLERANCE = 2.0  # points: what counts as A4 already
TARGET = NameObject("/AssemblerTarget")  # on a link: the page of its own document it goes to
HIDDEN = 2  # the annotation flag for "do not show"


@dataclass(frozen=True)
class Bookmark:
    title: str
    page: int  # in its own document, from 0
    children: tuple[Bookmark, ...] = ()


def a4_for(width: float, height: float) -> tuple[float, float]:
    return (A4[1], A4[0]) if width > height else A4


def is_a4(width: float, height: float) -> bool:
    """A4 in the orientation the page has, within the tolerance."""
    target = a4_for(width, height)
    return abs(width - target[0]) <= A4_TOLERANCE and abs(height - target[1]) <= A4_TOLERANCE


def upright(page: PageObject) -> tuple[Transformation, float, float]:
    """The transformation that puts the visible area upright at the origin, and its size then."""
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    moved = Transformation().translate(-float(box.left), -float(box.bottom))
    turn = page.rotation % 360  # clockwise, as the reader sees the page
    if turn == 90:
        return moved.rotate(-90).translate(0, width), height, width
    if turn == 180:
        return moved.rotate(180).translate(width, height), width, height
    if turn == 270:
        return moved.rotate(90).translate(height, 0), height, width
    return moved, width, height


def fit(width: float, height: float, target: tuple[float, float], margins: tuple[float, float] = (0, 0)
        ) -> Transformation:
    """Scale a width × height area to fit target, less margins at the foot and head, centred."""
    room = target[1] - margins[0] - margins[1]
    scale = min(target[0] / width, room / height)
    return Transformation().scale(scale).translate(
        (target[0] - width * scale) / 2, margins[0] + (room - height * scale) / 2)


def _array(value: PdfObject) -> ArrayObject:
    """An entry the PDF standard makes an array (a rectangle, a page's annotations); pypdf types it as any object."""
    if not isinstance(value, ArrayObject):
        raise PdfReadError(f"an array was expected, not {type(value).__name__}")
    return value


def _corners(rect: RectangleObject, matrix: Transformation) -> list[tuple[float, float]]:
    return [matrix.apply_on((float(x), float(y))) for x in (rect.left, rect.right) for y in (rect.bottom, rect.top)]


def transform(page: PageObject, matrix: Transformation, size: tuple[float, float], clip: RectangleObject) -> None:
    """Apply matrix to the page's content and annotations; the page becomes size, clipped to clip."""
    content = page.get_contents()
    if content is not None:
        content.operations[:0] = [(list(map(FloatObject, (clip.left, clip.bottom, clip.width, clip.height))), b"re"),
                                  ([], b"W"), ([], b"n")]
        page.replace_contents(content)
    page.add_transformation(matrix)
    for annot in _annotations(page):
        points = _corners(RectangleObject(_array(annot["/Rect"])), matrix)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        annot[NameObject("/Rect")] = RectangleObject((min(xs), min(ys), max(xs), max(ys)))
        if "/QuadPoints" in annot:
            quads = [float(v) for v in _array(annot["/QuadPoints"])]
            moved = [matrix.apply_on(quads[n:n + 2]) for n in range(0, len(quads), 2)]
            annot[NameObject("/QuadPoints")] = ArrayObject(FloatObject(v) for p in moved for v in p)
    for name in ("/BleedBox", "/TrimBox", "/ArtBox"):
        page.pop(name, None)
    page.mediabox = RectangleObject((0, 0, *size))
    page.cropbox = RectangleObject((0, 0, *size))
    page[NameObject("/Rotate")] = NumberObject(0)


def to_a4(page: PageObject) -> None:
    """Make the page upright at the origin on A4 of its orientation; untouched when it is that already."""
    box = page.cropbox
    matrix, width, height = upright(page)
    at_origin = float(box.left) == 0 and float(box.bottom) == 0 and box == page.mediabox
    if page.rotation % 360 == 0 and at_origin and is_a4(width, height):
        return
    target = a4_for(width, height)
    if not is_a4(width, height):
        matrix = matrix.transform(fit(width, height, target))
    transform(page, matrix, target, RectangleObject(box))


def _annotations(page: PageObject) -> list[DictionaryObject]:
    """The page's annotations that have a place on it; anything else in the array is damage, and skipped."""
    return [annot for _, annot in _annotation_entries(page) if "/Rect" in annot]


def _annotation_entries(page: PageObject) -> list[tuple[PdfObject, DictionaryObject]]:
    """The entries of the page's /Annots that are annotations (dictionaries, or references to them),
    each with its dictionary."""
    found = page.get("/Annots", ArrayObject()).get_object()
    entries = found if isinstance(found, ArrayObject) else ArrayObject()
    return [(entry, entry.get_object()) for entry in entries if isinstance(entry.get_object(), DictionaryObject)]


def _appearance(widget: DictionaryObject) -> StreamObject | None:
    normal = widget.get("/AP", DictionaryObject()).get("/N")
    normal = normal.get_object() if normal is not None else None
    if isinstance(normal, DictionaryObject) and not isinstance(normal, StreamObject):
        state = widget.get("/AS")
        normal = normal[state] if state in normal else None
    return normal if isinstance(normal, StreamObject) else None


def flatten_fields(page: PageObject) -> None:
    """Draw each form field's appearance into the page, then remove the field from it."""
    drawn = []
    for n, widget in enumerate(a for a in _annotations(page) if a.get("/Subtype") == "/Widget"):
        look = _appearance(widget)
        if look is None or int(widget.get("/F", 0)) & HIDDEN:
            continue
        name = NameObject(f"/AssemblerField{n}")
        rect = RectangleObject(_array(widget["/Rect"]))
        bbox = RectangleObject(look.get("/BBox", rect))
        if not bbox.width or not bbox.height:
            continue
        matrix = Transformation().translate(-float(bbox.left), -float(bbox.bottom)).scale(
            float(rect.width / bbox.width), float(rect.height / bbox.height)).translate(
            float(rect.left), float(rect.bottom))
        resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
        resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()[name] = \
            look.indirect_reference or look
        drawn.append((matrix, name))
    if drawn:
        content = page.get_contents()
        if content is None:  # a page of nothing but fields
            content = ContentStream(None, page.pdf)
        for matrix, name in drawn:
            content.operations += [([], b"q"), (list(map(FloatObject, matrix.ctm)), b"cm"), ([name], b"Do"), ([], b"Q")]
        page.replace_contents(content)
    _keep_annotations(page, lambda a: a.get("/Subtype") != "/Widget")


def _keep_annotations(page: PageObject, keep: Callable[[DictionaryObject], bool]) -> None:
    if "/Annots" in page:
        page[NameObject("/Annots")] = ArrayObject(entry for entry, annot in _annotation_entries(page) if keep(annot))


def _destination_page(reader: PdfReader, pages: list[IndirectObject | None], annot: DictionaryObject) -> int | None:
    """The page of its own document an internal link goes to; None for any other link."""
    action = annot.get("/A", DictionaryObject()).get_object()
    target = annot.get("/Dest", action.get("/D") if action.get("/S") == "/GoTo" else None)
    if target is None:
        return None
    target = target.get_object()
    if not isinstance(target, ArrayObject):
        named = reader.named_destinations.get(str(target))
        return reader.get_destination_page_number(named) if named else None
    return pages.index(target[0]) if target and target[0] in pages else None


def mark_links(reader: PdfReader, pages: list[IndirectObject | None], page: PageObject) -> None:
    """Note on each internal link the page it goes to; drop links the pack cannot follow."""
    def keep(annot: DictionaryObject) -> bool:
        if annot.get("/Subtype") != "/Link" or TARGET in annot:  # TARGET: noted for an earlier pack
            return True
        action = annot.get("/A", DictionaryObject()).get_object()
        if action.get("/S") == "/URI":
            return True
        target = _destination_page(reader, pages, annot)
        if target is None:
            return False
        annot.pop("/A", None)
        annot.pop("/Dest", None)
        annot[TARGET] = NumberObject(target)
        return True

    _keep_annotations(page, keep)


def linked_pages(reader: PdfReader) -> list[PageObject]:
    """Every page of the document, each internal link noted with the page it goes to.

    Done on the document's own pages, before they are copied into the pack: a link that still
    named a page object would copy that whole page along with it.
    """
    pages = [page.indirect_reference for page in reader.pages]
    for page in reader.pages:
        mark_links(reader, pages, page)
    return list(reader.pages)


def make_ready(page: PageObject) -> None:
    """Draw in the form fields and put the page upright on A4; the page must be the pack's copy."""
    flatten_fields(page)
    to_a4(page)


def bookmarks(reader: PdfReader) -> tuple[Bookmark, ...]:
    """The document's own outline, with the page each entry opens."""
    def walk(entries: Sequence[object]) -> tuple[Bookmark, ...]:
        found: list[Bookmark] = []
        for entry in entries:
            if isinstance(entry, list):
                if found:
                    found[-1] = Bookmark(found[-1].title, found[-1].page, walk(entry))
            elif isinstance(entry, Destination):  # as every entry that is not a list is
                page = reader.get_destination_page_number(entry)
                if page is not None and page >= 0:
                    found.append(Bookmark(str(entry.title), page))
        return tuple(found)

    try:
        return walk(reader.outline)
    except Exception:  # a damaged outline loses the document's bookmarks, not the pack
        return ()


# What a partner's PDF may do besides showing its pages: run JavaScript, launch programs, send
# forms, open other files, play media, carry attached files. None of it may reach a published PDF.
# Web links (and mail links) and links within the pack are kept, as the README promises.
ACTIVE_KEYS = ("/AA", "/OpenAction", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent")
ACTIVE_ANNOTATIONS = ("/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D")
WEB = ("http://", "https://", "mailto:")


def _harmless(action: object) -> bool:
    """An action that only opens a web page or goes to a page of the pack."""
    action = action.get_object() if isinstance(action, IndirectObject) else action
    if not isinstance(action, DictionaryObject) or "/Next" in action:
        return False
    if action.get("/S") == "/URI":
        return str(action.get("/URI", "")).lower().startswith(WEB)
    return action.get("/S") == "/GoTo"


def _disarm(dictionary: DictionaryObject) -> None:
    for key in ACTIVE_KEYS:
        dictionary.pop(key, None)
    if "/A" in dictionary and not _harmless(dictionary["/A"]):
        del dictionary["/A"]
    if "/Annots" in dictionary:
        annots = dictionary["/Annots"].get_object()
        dictionary[NameObject("/Annots")] = ArrayObject(
            a for a in (annots if isinstance(annots, ArrayObject) else ())
            if isinstance(a.get_object(), DictionaryObject)
            and a.get_object().get("/Subtype") not in ACTIVE_ANNOTATIONS)


def disarm(writer: PdfWriter) -> None:
    """Take every action, script and attached file out of a PDF about to be written.

    The whole document is walked from its catalog, each dictionary disarmed before what it names is
    followed; what is then out of reach (a script a page's action named, say) is not written at all,
    since pypdf writes every object it was given, reachable or not.
    """
    reached: set[int] = set()  # object numbers
    waiting: list[object] = list(trailer_objects(writer))
    while waiting:
        obj = waiting.pop()
        if isinstance(obj, IndirectObject):
            if obj.pdf is not writer or obj.idnum in reached:
                continue
            reached.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            _disarm(obj)
            waiting += obj.values()
        elif isinstance(obj, ArrayObject):
            waiting += obj
    keep_only(writer, reached)
