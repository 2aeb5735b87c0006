"""File types come from content first: misnamed files are still recognised."""

from __future__ import annotations

import zipfile

import pytest

from docbatch.filetype import detect


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
        ("other.txt", "zip"),
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
