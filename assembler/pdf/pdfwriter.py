"""What the pack's writing needs of pypdf's PdfWriter beyond its public API, in one place.

pypdf has no public way to add an object before anything refers to it, to set the file identifier,
to find the document information dictionary's object, or to leave an object out of the file. Each is
one private name, used only here, so that a pypdf release that renames one fails this module's test
(tests/test_pdfwriter.py) rather than a build.
"""

from __future__ import annotations

from collections.abc import Iterable

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, IndirectObject, PdfObject


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Add an object to the file and return a reference to it, for a page or form to name."""
    return writer._add_object(obj)


def set_file_id(writer: PdfWriter, document_id: bytes) -> None:
    """The file identifier in the trailer: both halves the same, as for a file written once."""
    writer._ID = ArrayObject([ByteStringObject(document_id), ByteStringObject(document_id)])


def trailer_objects(writer: PdfWriter) -> list[IndirectObject]:
    """The objects the trailer names, from which everything written is reached: catalog and document information."""
    named = [writer.root_object, writer._info]
    return [obj.indirect_reference for obj in named if obj is not None and obj.indirect_reference is not None]


def keep_only(writer: PdfWriter, numbers: Iterable[int]) -> None:
    """Leave out of the file every object whose number is not given (pypdf writes each object it holds)."""
    kept = set(numbers)
    objects = writer._objects
    for n in range(len(objects)):
        if n + 1 not in kept:
            objects[n] = None
