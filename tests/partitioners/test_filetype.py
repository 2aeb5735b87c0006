"""File types come from content first: misnamed files are still recognised."""

from __future__ import annotations

import gzip
import uuid
import zipfile

import pytest

from _ole import write_ole
from docbatch.errors import DocumentError, EncryptedDocument, UnsupportedFileType
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.filetype import FILE_TYPES, detect
from docbatch.partitioners.formats import FORMATS


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("report.txt", b"%PDF-1.7\n%\xe2\xe3\n", "pdf"),
        ("page.xml", b"<!DOCTYPE html><html><body>x</body></html>", "html"),
        ("data.xml", b"<?xml version='1.0'?><root><a>1</a></root>", "xml"),
        ("notes", b"Just some words in a file without an extension.", "txt"),
        ("utf16.txt", "Hello UTF-16 world".encode("utf-16-le"), "txt"),
        ("mail", b"From: a@example.com\nTo: b@example.com\nSubject: hi\n\nbody", "eml"),
        ("doc.rtf", b"{\\rtf1\\ansi hello}", "rtf"),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "png"),
        ("blob.bin", bytes(range(256)) * 4, "unknown"),
        ("empty.txt", b"", "empty"),
        ("table.csv", b"a,b\n1,2\n", "csv"),
        ("style.xsl", b"<?xml version='1.0'?><xsl:stylesheet/>", "xsl"),
    ],
)
def test_detect(tmp_path, name, data, expected):
    assert detect(_write(tmp_path / name, data)).name == expected


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("word/document.xml", "docx"),
        ("ppt/presentation.xml", "pptx"),
        ("xl/workbook.xml", "xlsx"),
    ],
)
def test_office_zip_is_told_apart_by_its_members(tmp_path, member, expected):
    path = tmp_path / "file.bin"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(member, "<x/>")
    assert detect(path).name == expected


def test_epub_is_recognised_by_its_mimetype_member(tmp_path):
    path = tmp_path / "book.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
    assert detect(path).name == "epub"


def test_garbage_with_a_pdf_name_is_still_sent_to_the_pdf_reader(tmp_path):
    # binary content with a binary format's extension: that partitioner gives the clear error
    assert detect(_write(tmp_path / "x.pdf", bytes(range(256)) * 4)).name == "pdf"


# -- the format table: containers ------------------------------------------------------------------

_MAIN_PARTS = {
    "dotx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
    "docm": ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    "ppsx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"),
    "xlsm": ("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
    "xlsb": ("xl/workbook.bin", "application/vnd.ms-excel.sheet.binary.macroEnabled.main"),
    "vsdx": ("visio/document.xml", "application/vnd.ms-visio.drawing.main+xml"),
}


def _ooxml(path, member: str, main_type: str):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{member}" ContentType="{main_type}"/></Types>',
        )
        zf.writestr(member, "<x/>")
    return path


@pytest.mark.parametrize("expected", sorted(_MAIN_PARTS))
def test_ooxml_variants_are_named_by_their_main_part(tmp_path, expected):
    member, main_type = _MAIN_PARTS[expected]
    # a misleading name: the main part's content type decides
    assert detect(_ooxml(tmp_path / "file.docx", member, main_type)).name == expected


def test_variants_report_their_own_mime_and_share_their_family_reader():
    docm, dotx = FILE_TYPES["docm"], FILE_TYPES["dotx"]
    assert docm.mime == "application/vnd.ms-word.document.macroEnabled.12"
    assert docm.partitioner == dotx.partitioner == FILE_TYPES["docx"].partitioner


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [
        ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
        ("application/vnd.oasis.opendocument.presentation", "odp"),
        ("application/vnd.oasis.opendocument.graphics", "odg"),
        ("application/vnd.oasis.opendocument.graphics-template", "otg"),
        ("application/vnd.sun.xml.writer", "sxw"),
        ("application/vnd.sun.xml.writer.template", "stw"),
        ("application/vnd.sun.xml.calc", "sxc"),
        ("application/vnd.sun.xml.calc.template", "stc"),
        ("application/vnd.sun.xml.impress", "sxi"),
        ("application/vnd.sun.xml.impress.template", "sti"),
        ("application/vnd.sun.xml.draw", "sxd"),
        ("application/x-made-up-container", "x-made-up-container"),
    ],
)
def test_odf_zips_are_named_by_their_mimetype_member(tmp_path, mimetype, expected):
    path = tmp_path / "file.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", mimetype)
        zf.writestr("content.xml", "<x/>")
    assert detect(path).name == expected


def test_an_unknown_container_is_skipped_under_its_own_name(tmp_path):
    path = _ooxml(tmp_path / "drawing.bin", *_MAIN_PARTS["vsdx"])
    with pytest.raises(UnsupportedFileType, match=r"^unsupported file type vsdx$"):
        partition_file(path)


def test_a_plain_zip_is_still_a_zip(tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert detect(path).name == "zip"


def test_a_truncated_docx_goes_to_the_word_reader_and_fails_as_damaged(tmp_path):
    whole = _ooxml(tmp_path / "whole.docx", *_MAIN_PARTS["docm"])
    cut = tmp_path / "cut.docx"
    cut.write_bytes(whole.read_bytes()[:120])  # the central directory is gone
    assert detect(cut).name == "docx"
    with pytest.raises(DocumentError, match="DOCX") as caught:
        partition_file(cut)
    assert not isinstance(caught.value, UnsupportedFileType)


def test_a_docx_name_on_a_zip_without_its_main_part_is_failed_not_skipped(tmp_path):
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/styles.xml", "<x/>")
    assert detect(path).name == "docx"
    with pytest.raises(DocumentError) as caught:
        partition_file(path)
    assert not isinstance(caught.value, UnsupportedFileType)


# -- the format table: OLE2 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        ("WORKBOOK", "xls"),
        ("workbook", "xls"),
        ("WordDocument", "doc"),
        ("PowerPoint Document", "ppt"),
        ("EncryptedPackage", "ooxml-encrypted"),
        ("VisioDocument", "vsd"),
        ("Quill", "pub"),
        ("StarWriterDocument", "sdw"),
        ("starcalcdocument", "sdc"),
        ("StarDrawDocument3", "sdd"),
        ("MN0", "wps"),
        ("NativeContent_MAIN", "qpw"),
        ("\x05HwpSummaryInformation", "hwp5"),
    ],
)
def test_ole_streams_are_matched_case_insensitively(tmp_path, stream, expected):
    assert detect(write_ole(tmp_path / "file.bin", {stream: b"data"})).name == expected


# -- formats LibreOffice reads: signatures where the bytes have one, the name where they do not ----


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xffWPC\x10\x00\x00\x00\x01\x0a\x00\x01" + bytes(20), "wpd"),
        (b"\x31\xbe\x00\x00\x00\xab" + bytes(122), "wri"),
        (b"\x32\xbe\x00\x00\x00\xab" + bytes(122), "wri"),
        (b"\x00\x00\x02\x00\x06\x04\x06\x00\x08\x00" + bytes(20), "lotus"),
        (b"\x00\x00\x1a\x00\x00\x10\x04\x00" + bytes(30), "lotus"),
        (b"\x00\x00\x1a\x00\x02\x10\x04\x00" + bytes(30), "lotus"),
        (b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + bytes(40), "hwp"),
    ],
)
def test_signatures_name_the_format_whatever_the_file_is_called(tmp_path, data, expected):
    assert detect(_write(tmp_path / "download.bin", data)).name == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("letter.wpd", "wpd"),
        ("letter.wp5", "wpd"),
        ("sheet.wk4", "lotus"),
        ("sheet.123", "lotus"),
        ("sheet.wks", "wks"),
        ("sheet.wb2", "quattro"),
        ("notes.cwk", "cwk"),
        ("letter.mcw", "mcw"),
    ],
)
def test_binary_files_without_a_signature_go_by_their_name(tmp_path, name, expected):
    assert detect(_write(tmp_path / name, bytes(range(1, 200)) * 4)).name == expected


def test_a_word_for_dos_file_named_doc_stays_a_doc(tmp_path):
    """Word for DOS opens with Write's header; its .doc name keeps it a doc, as before Write was known."""
    assert detect(_write(tmp_path / "memo.doc", b"\x31\xbe\x00\x00\x00\xab" + bytes(122))).name == "doc"
    assert detect(_write(tmp_path / "memo.doc", b"\xffWPC\x10\x00\x00\x00\x01\x0a" + bytes(20))).name == "doc"


def test_abiword_xml_is_told_from_other_xml_and_its_gzip_by_name(tmp_path):
    xml = b'<?xml version="1.0"?>\n<!DOCTYPE abiword PUBLIC "-//ABISOURCE//DTD AWML 1.0 Strict//EN" "">\n<abiword/>'
    assert detect(_write(tmp_path / "letter.xml", xml)).name == "abw"
    assert detect(_write(tmp_path / "letter", b'<?xml version="1.0"?><abiword version="1.0"/>')).name == "abw"
    assert detect(_write(tmp_path / "letter.zabw", gzip.compress(xml))).name == "abw"
    assert detect(_write(tmp_path / "letter.gz", gzip.compress(xml))).name == "gzip"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("people.wdb", "wdb"), ("memo.wps", "wps"), ("memo.bin", "wps")],
)
def test_works_mn0_is_a_word_processor_or_a_database_by_name(tmp_path, name, expected):
    assert detect(write_ole(tmp_path / name, {"MN0": b"x"})).name == expected


def test_a_stardraw_stream_is_impress_or_draw_by_name(tmp_path):
    assert detect(write_ole(tmp_path / "plan.sda", {"StarDrawDocument3": b"x"})).name == "sda"
    assert detect(write_ole(tmp_path / "talk.sdd", {"StarDrawDocument3": b"x"})).name == "sdd"


def test_an_ole_file_no_stream_names_goes_by_a_libreoffice_name(tmp_path):
    """Works 2000-8 keep their text in CONTENTS, a stream many OLE2 files hold: a .wps name sends it to
    LibreOffice; the same file under another name is still named by its CLSID (skipped)."""
    assert detect(write_ole(tmp_path / "memo.wps", {"CONTENTS": b"CHNKWKS"})).name == "wps"
    assert detect(write_ole(tmp_path / "memo.bin", {"CONTENTS": b"CHNKWKS"})).name.startswith("ole")


def test_hangul_5_is_skipped_by_name_libreoffice_reads_only_hangul_97(tmp_path):
    path = write_ole(tmp_path / "report.hwp", {"FileHeader": b"HWP Document File", "\x05HwpSummaryInformation": b"x"})
    with pytest.raises(UnsupportedFileType, match=r"^unsupported file type hwp5$"):
        partition_file(path)


def test_an_unknown_ole_file_is_named_by_its_clsid(tmp_path):
    clsid = uuid.UUID("00021201-0000-0000-00c0-000000000046")
    path = write_ole(tmp_path / "file.bin", {"Contents": b"x"}, clsid=clsid.bytes_le)
    with pytest.raises(UnsupportedFileType, match="unsupported file type ole 00021201-0000-0000-00C0-000000000046"):
        partition_file(path)


def test_an_encrypted_office_file_fails_as_encrypted(tmp_path):
    path = write_ole(tmp_path / "secret.docx", {"EncryptionInfo": b"x", "EncryptedPackage": b"y"})
    with pytest.raises(EncryptedDocument, match="password-protected"):
        partition_file(path)


def test_an_mbox_is_recognised_by_its_from_line(tmp_path):
    path = _write(
        tmp_path / "archive", b"From a@example.com Mon Jan 1 00:00:00 2024\nFrom: a@example.com\nSubject: x\n\nhi\n"
    )
    assert detect(path).name == "mbox"


def test_every_declared_partitioner_exists():
    import importlib

    for file_type in FORMATS:
        if file_type.partitioner:
            module, _, func = file_type.partitioner.partition(":")
            assert callable(getattr(importlib.import_module(module), func)), file_type.name
