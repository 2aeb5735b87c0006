"""Documents inside documents, one mechanism (kit/attachments.py): objects embedded in DOCX, PPTX
and XLSX packages (as themselves or in OLE wrappers), files attached to a PDF; every fixture is
made here, with the libraries that write those formats."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pptx
import pypdfium2 as pdfium
import pytest

import docbatch
from _ole import write_ole
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.oleobject import ole_payload
from ocr_fixtures import text_pdf


def _xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Region", "Revenue"])
    sheet.append(["North", 1200])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(tmp_path: Path) -> bytes:
    return text_pdf(tmp_path / "inner.pdf").read_bytes()


def _with_members(package: Path, members: dict[str, bytes]) -> Path:
    """``package`` with ``members`` added, as Office stores embedded objects under ``embeddings/``."""
    with zipfile.ZipFile(package, "a") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return package


def _docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("The figures are in the embedded workbook.")
    document.save(path)
    return path


def _texts(elements) -> str:
    return "\n".join(el.text for el in elements)


def test_a_workbook_and_an_ole_wrapped_pdf_in_a_docx_are_read_with_process_attachments(tmp_path):
    ole = write_ole(tmp_path / "ole.bin", {"CONTENTS": _pdf_bytes(tmp_path)}).read_bytes()
    path = _with_members(
        _docx(tmp_path / "report.docx"),
        {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": _xlsx_bytes(), "word/embeddings/oleObject1.bin": ole},
    )
    plain = docbatch.partition(path, detect_languages=False)
    assert "North" not in _texts(plain)  # off by default: what a run without the flag wrote stays
    elements = docbatch.partition(path, detect_languages=False, process_attachments=True)
    body, *inner = elements
    assert body.text == "The figures are in the embedded workbook."
    assert "North" in _texts(inner) and "Quarterly Warehouse Review" in _texts(inner)
    for el in inner:
        meta = el.to_dict()["metadata"]
        assert meta["attached_to_filename"] == "report.docx"
        assert meta["parent_id"] == body.element_id
    types = {el.to_dict()["metadata"]["filetype"] for el in inner}
    assert types == {"application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_a_pdf_embedded_in_a_deck_through_the_packager_keeps_its_name(tmp_path):
    deck = pptx.Presentation()
    deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = "Quarterly results"
    deck.save(tmp_path / "deck.pptx")
    pdf = _pdf_bytes(tmp_path)
    label = b"figures.pdf\x00"
    native = b"\x02\x00" + label + b"C:\\figures.pdf\x00" + b"\x00\x00\x03\x00" + (4).to_bytes(4, "little")
    native += b"C:\\\x00" + len(pdf).to_bytes(4, "little") + pdf
    native = len(native).to_bytes(4, "little") + native
    ole = write_ole(tmp_path / "ole.bin", {"\x01Ole10Native": native}).read_bytes()
    path = _with_members(tmp_path / "deck.pptx", {"ppt/embeddings/oleObject1.bin": ole})
    inner = docbatch.partition(path, detect_languages=False, process_attachments=True)[1:]
    assert "Freight Contract Notes" in _texts(inner)
    assert {el.to_dict()["metadata"]["filename"] for el in inner} == {"figures.pdf"}


_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"'
)


def _odf_with_a_sheet(path: Path, kind: str = "text") -> Path:
    """A text document (or a one-slide presentation) with a spreadsheet object between two
    paragraphs ("Object 1", as Writer and Impress store an inserted Calc object), for
    LibreOffice to write as a .doc with an ObjectPool or a .ppt with an ExOleObjStg record."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    rows = "".join(
        "<table:table-row>" + "".join(cell.format(v) for v in row) + "</table:table-row>"
        for row in (("Region", "Revenue"), ("North", "1200"))
    )
    frame = (
        '<draw:frame draw:name="Sheet" svg:width="8cm" svg:height="2cm" text:anchor-type="as-char">'
        '<draw:object xlink:href="./Object 1" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
        "</draw:frame>"
    )
    body = f"<text:p>The figures follow.</text:p><text:p>{frame}</text:p><text:p>They were audited.</text:p>"
    if kind == "presentation":
        title = (
            '<draw:frame svg:x="1cm" svg:y="1cm" svg:width="20cm" svg:height="2cm">'
            "<draw:text-box><text:p>The figures follow.</text:p></draw:text-box></draw:frame>"
        )
        body = f'<draw:page draw:name="p1">{title}{frame}</draw:page>'
    manifest = "".join(
        f'<manifest:file-entry manifest:full-path="{name}" manifest:media-type="{media}"/>'
        for name, media in (
            ("/", f"application/vnd.oasis.opendocument.{kind}"),
            ("content.xml", "text/xml"),
            ("Object 1/", "application/vnd.oasis.opendocument.spreadsheet"),
            ("Object 1/content.xml", "text/xml"),
        )
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}")
        zf.writestr(
            "content.xml",
            f"<office:document-content {_ODF}><office:body><office:{kind}>{body}</office:{kind}></office:body>"
            "</office:document-content>",
        )
        zf.writestr(
            "Object 1/content.xml",
            f"<office:document-content {_ODF}><office:body><office:spreadsheet>"
            f'<table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet></office:body>'
            "</office:document-content>",
        )
        zf.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            f"{manifest}</manifest:manifest>",
        )
    return path


def test_a_workbook_embedded_in_a_word_97_file_is_read_as_an_xls(tmp_path):
    """Word 97 keeps an embedded workbook as a storage of its own compound file (no Package or
    Ole10Native wrapper): its streams are written out as an .xls and read as one."""
    from docbatch.partitioners.legacy.legacy import converter, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    with converter("doc").converted(_odf_with_a_sheet(tmp_path / "report.odt"), ".odt", "doc") as out:
        doc = Path(shutil.copy(out, tmp_path / "report.doc"))
    plain = docbatch.partition(doc, detect_languages=False)
    assert [el.text for el in plain] == ["The figures follow.", "They were audited."]
    body, after, *inner = docbatch.partition(doc, detect_languages=False, process_attachments=True)
    assert after.text == "They were audited."
    # The sheet as LibreOffice wrote it, with Calc's default page footer ("Page" and a page field)
    assert [(el.type, el.text) for el in inner] == [("Table", "Region Revenue\n\nNorth 1200"), ("Footer", "Page")]
    table = inner[0]
    meta = table.to_dict()["metadata"]
    assert meta["filetype"] == "application/vnd.ms-excel"
    assert meta["filename"].endswith(".xls") and meta["attached_to_filename"] == "report.doc"
    assert meta["parent_id"] == body.element_id


def test_a_workbook_embedded_in_a_powerpoint_97_deck_is_read(tmp_path):
    """PowerPoint 97 keeps an embedded object's compound file in a zlib-compressed record of its
    document stream (ExOleObjStg): inflated within the size bound, it is read like an OOXML deck's
    oleObject.bin."""
    from docbatch.partitioners.legacy.legacy import converter, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-impress-nogui")
    source = _odf_with_a_sheet(tmp_path / "deck.odp", "presentation")
    with converter("ppt").converted(source, ".odp", "ppt") as out:
        ppt = Path(shutil.copy(out, tmp_path / "deck.ppt"))
    assert [el.text for el in docbatch.partition(ppt, detect_languages=False)] == ["The figures follow."]
    _, table, *_ = docbatch.partition(ppt, detect_languages=False, process_attachments=True)
    meta = table.to_dict()["metadata"]
    assert (table.type, table.text) == ("Table", "Region Revenue\n\nNorth 1200")
    assert (meta["filetype"], meta["attached_to_filename"]) == ("application/vnd.ms-excel", "deck.ppt")


def test_a_powerpoint_97_object_that_inflates_past_the_bound_is_named_lost_and_not_inflated():
    import struct
    import zlib

    from docbatch.partitioners.kit.notes import collecting
    from docbatch.partitioners.kit.oleobject import _ppt_objects

    bomb = zlib.compress(bytes(50_000_000))  # 50 MB of zeros in ~50 kB
    body = struct.pack("<I", 50_000_000) + bomb
    stream = struct.pack("<HHI", 0x0F, 0x03E8, 8 + len(body))  # a container record, stepped into
    stream += struct.pack("<HHI", 0x10, 0x1011, len(body)) + body  # ExOleObjStg, instance 1: compressed
    with collecting() as notes:
        assert list(_ppt_objects(stream, PartitionOptions(max_uncompressed_bytes=1_000_000))) == []
    assert notes.lost == ["embedded object 1: over the 1,000,000-byte limit (bomb guard)"]


@pytest.mark.parametrize("kind", ["text", "presentation"])
def test_a_sheet_object_in_an_opendocument_file_is_read_as_an_ods(tmp_path, kind):
    path = _odf_with_a_sheet(tmp_path / ("report.odt" if kind == "text" else "deck.odp"), kind)
    plain = docbatch.partition(path, detect_languages=False)
    assert "North" not in _texts(plain)
    *own, table = docbatch.partition(path, detect_languages=False, process_attachments=True)
    assert [el.text for el in own] == [el.text for el in plain]
    meta = table.to_dict()["metadata"]
    assert (table.type, table.text) == ("Table", "Region Revenue\n\nNorth 1200")
    assert (meta["filename"], meta["filetype"]) == ("Object 1.ods", "application/vnd.oasis.opendocument.spreadsheet")
    assert meta["attached_to_filename"] == path.name


def test_an_ole_object_in_an_opendocument_file_is_unwrapped(tmp_path):
    """An object from Microsoft Office keeps its OLE form in an OpenDocument package (here a PDF as
    Acrobat embeds it), listed with LibreOffice's OLE media type."""
    path = _odf_with_a_sheet(tmp_path / "report.odt")
    ole = write_ole(tmp_path / "ole.bin", {"CONTENTS": _pdf_bytes(tmp_path)}).read_bytes()
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["Object 2"] = ole
    members["META-INF/manifest.xml"] = members["META-INF/manifest.xml"].replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="Object 2" manifest:media-type="application/vnd.sun.star.oleobject"/>'
        b"</manifest:manifest>",
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    inner = docbatch.partition(path, detect_languages=False, process_attachments=True)[2:]
    assert {el.to_dict()["metadata"]["filename"] for el in inner} == {"Object 1.ods", "Object 2"}
    assert "Quarterly Warehouse Review" in _texts(inner)


def test_ole_payload_gives_a_legacy_office_object_whole():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100  # no wrapper olefile can open
    assert ole_payload("oleObject1.bin", data).data == data


def test_files_attached_to_a_pdf_are_read(tmp_path):
    outer = text_pdf(tmp_path / "cover.pdf", [[("title", "Cover letter")]])
    pdf = pdfium.PdfDocument(str(outer))
    attachment = pdf.new_attachment("minutes.txt")
    attachment.set_data(b"Minutes of the board meeting held in March.")
    with open(tmp_path / "with-attachment.pdf", "wb") as f:
        pdf.save(f)
    pdf.close()
    elements = docbatch.partition(tmp_path / "with-attachment.pdf", detect_languages=False, process_attachments=True)
    assert [el.text for el in elements] == ["Cover letter", "Minutes of the board meeting held in March."]
    meta = elements[1].to_dict()["metadata"]
    assert (meta["filename"], meta["attached_to_filename"], meta["filetype"]) == (
        "minutes.txt",
        "with-attachment.pdf",
        "text/plain",
    )


def test_a_damaged_embedded_workbook_is_a_lost_part_of_its_document(tmp_path):
    path = _with_members(
        _docx(tmp_path / "report.docx"), {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": b"PK\x03\x04broken"}
    )
    with pytest.warns(docbatch.PartialDocumentWarning, match="attachment Microsoft_Excel_Worksheet.xlsx: damaged"):
        elements = docbatch.partition(path, detect_languages=False, process_attachments=True)
    assert [el.text for el in elements] == ["The figures are in the embedded workbook."]


def test_the_corpus_docx_with_pictures_gives_no_extra_elements(tmp_path):
    corpus = Path(__file__).resolve().parents[3] / "shared/corpus/unstructured-example-docs/contains-pictures.docx"
    if not corpus.is_file():
        pytest.skip("shared corpus not present")
    path = Path(shutil.copy(corpus, tmp_path / corpus.name))
    with_flag = docbatch.partition(path, detect_languages=False, process_attachments=True)
    assert len(with_flag) == len(docbatch.partition(path, detect_languages=False))
