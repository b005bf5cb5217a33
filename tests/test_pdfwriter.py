"""The few private names of pypdf's PdfWriter that the pack's writing uses (assembler/pdf/pdfwriter.py):
each does what the pack needs, read back from the written file, so that a pypdf release that
changes one fails here."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from assembler.pdf.pdfwriter import add_object, set_file_id
from assembler.pdf.prepare import disarm

DOCUMENT_ID = bytes(range(16))


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_an_added_object_is_written_where_a_page_names_it():
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = DecodedStreamObject()
    stream.set_data(b"0 0 m 10 10 l S")
    page[NameObject("/Contents")] = ArrayObject([add_object(writer, stream)])
    contents = PdfReader(io.BytesIO(written(writer))).pages[0].get_contents()
    assert contents is not None and contents.get_data().strip() == b"0 0 m 10 10 l S"


def test_the_file_identifier_is_the_one_set_in_both_halves():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    set_file_id(writer, DOCUMENT_ID)
    reader = PdfReader(io.BytesIO(written(writer)))
    assert [part.original_bytes for part in reader.trailer["/ID"]] == [DOCUMENT_ID, DOCUMENT_ID]


def test_only_what_the_catalog_and_information_reach_is_written():
    # pypdf writes every object it holds: an object nothing names (a script whose action was
    # taken out, say) would still be in the file.
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Title": "Kept title"})
    writer.root_object[NameObject("/Lang")] = TextStringObject("en-GB")
    add_object(writer, DictionaryObject({NameObject("/Note"): TextStringObject("Orphanmark")}))
    disarm(writer)  # walks from trailer_objects, then keep_only
    data = written(writer)
    assert b"Orphanmark" not in data
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.title == "Kept title"
    assert reader.root_object["/Lang"] == "en-GB" and len(reader.pages) == 1
