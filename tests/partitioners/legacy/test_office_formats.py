"""Formats LibreOffice reads for docbatch beyond .doc/.ppt/.xls: each converted by the family its
format declares (writer to DOCX, calc to XLSX, impress to PPTX, draw to PDF) and read from that.

This LibreOffice writes none of them (it only imports WordPerfect, Write, Lotus, AbiWord and
the StarOffice XML formats), so each fixture is made here, byte by byte, as small as its format
allows: a WordPerfect 5.1 prefix and text, a Write header with its two formatting pages, Lotus
WK1 records, AbiWord XML, OpenOffice.org 1.x and ODF packages. Each test proves LibreOffice reads
that file; those skip when LibreOffice is absent. Formats no fixture could be made for here
(Works, StarOffice binaries, Quattro Pro, Hangul, Mac word processors, Visio, Publisher) are
covered by the detection tests and the routing test at the end.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
from pathlib import Path

import pytest

from docbatch.errors import DocumentError, NeedsInstall
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.formats import FORMATS, OFFICE_PARTITIONER
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.legacy import legacy
from docbatch.partitioners.legacy.legacy import soffice_path

OPTIONS = PartitionOptions(detect_languages=False)
needs_soffice = pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
)
TITLE = "Annual report"
BODY = "The company grew in every region during the year."


# -- the fixtures, written by hand -----------------------------------------------------------------


def write_wordperfect(path: Path, paragraphs: list[str]) -> Path:
    """WordPerfect 5.1: the 16-byte prefix (``\\xffWPC``, where the document starts, product 1 =
    WordPerfect, file type 10 = document, version 0.1, no encryption), then text whose hard
    returns are 0x0A; no prefix packets, so the document starts at byte 16."""
    prefix = b"\xffWPC" + struct.pack("<I", 16) + bytes([1, 10, 0, 1]) + struct.pack("<HH", 0, 0)
    path.write_bytes(prefix + b"".join(p.encode("latin-1") + b"\x0a" for p in paragraphs))
    return path


def write_write(path: Path, paragraphs: list[str]) -> Path:
    """Windows Write: a 128-byte header (0xBE31, the text's end ``fcMac``, the page numbers of
    the paragraph formatting and of the tables after it), the text in 128-byte pages, then one
    character and one paragraph formatting page, each a single run with default properties."""
    text = b"".join(p.encode("cp1252") + b"\r\n" for p in paragraphs)
    fc_mac = 128 + len(text)
    pn_char = -(-fc_mac // 128)  # the character formatting page follows the text
    pn_para, pn_mac = pn_char + 1, pn_char + 2  # no footnotes, sections, page table or fonts
    header = struct.pack("<HHH4HI", 0xBE31, 0, 0xAB00, 0, 0, 0, 0, fc_mac)
    header += struct.pack("<6H", pn_para, pn_mac, pn_mac, pn_mac, pn_mac, pn_mac)
    header = (header.ljust(96, b"\0") + struct.pack("<H", pn_mac)).ljust(128, b"\0")
    # A formatting page: the first byte it covers, one run to fc_mac with default properties, its run count.
    page = (struct.pack("<IIH", 128, fc_mac, 0xFFFF)).ljust(127, b"\0") + b"\x01"
    path.write_bytes(header + text.ljust((pn_char - 1) * 128, b"\0") + page + page)
    return path


def _lotus_record(opcode: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", opcode, len(data)) + data


def write_lotus(path: Path, rows: list[list[str | float]]) -> Path:
    """Lotus 1-2-3 WK1: BOF (version 0x0406), the sheet's range, a LABEL (left-aligned ``'``
    prefix) or NUMBER record per cell (format, column, row, value), EOF."""
    records = _lotus_record(0x00, struct.pack("<H", 0x0406))
    records += _lotus_record(0x06, struct.pack("<4H", 0, 0, max(map(len, rows)) - 1, len(rows) - 1))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                records += _lotus_record(0x0F, struct.pack("<BHH", 0xFF, c, r) + b"'" + value.encode() + b"\0")
            else:
                records += _lotus_record(0x0E, struct.pack("<BHHd", 0xFF, c, r, value))
    path.write_bytes(records + _lotus_record(0x01))
    return path


def abiword(paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE abiword PUBLIC "-//ABISOURCE//DTD AWML 1.0 Strict//EN" "http://www.abisource.com/awml.dtd">\n'
        '<abiword xmlns="http://www.abisource.com/awml.dtd" version="1.0" fileformat="1.0">'
        f"<section>{body}</section></abiword>\n"
    ).encode()


_OOO = (
    'xmlns:office="http://openoffice.org/2000/office" xmlns:text="http://openoffice.org/2000/text" '
    'xmlns:table="http://openoffice.org/2000/table" xmlns:draw="http://openoffice.org/2000/drawing" '
    'xmlns:presentation="http://openoffice.org/2000/presentation" xmlns:svg="http://www.w3.org/2000/svg"'
)
_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
)


def write_package(path: Path, mimetype: str, body: str, *, namespaces: str = _OOO, version: str = "1.0") -> Path:
    """An OpenOffice.org 1.x (or ODF) package: the ``mimetype`` member first and stored, the
    content, and a manifest naming both."""
    manifest_ns = (
        "http://openoffice.org/2001/manifest"
        if namespaces == _OOO
        else "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {namespaces} '
            f'office:version="{version}"><office:body>{body}</office:body></office:document-content>',
            zipfile.ZIP_DEFLATED,
        )
        z.writestr(
            "META-INF/manifest.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="{manifest_ns}">'
            f'<manifest:file-entry manifest:media-type="{mimetype}" manifest:full-path="/"/>'
            '<manifest:file-entry manifest:media-type="text/xml" manifest:full-path="content.xml"/>'
            "</manifest:manifest>",
            zipfile.ZIP_DEFLATED,
        )
    return path


_SXW = f'<text:h text:level="1">{TITLE}</text:h><text:p>{BODY}</text:p>'
_SXC = (
    '<table:table table:name="Sales">'
    "<table:table-row><table:table-cell><text:p>Region</text:p></table:table-cell>"
    "<table:table-cell><text:p>Sales</text:p></table:table-cell></table:table-row>"
    "<table:table-row><table:table-cell><text:p>North</text:p></table:table-cell>"
    '<table:table-cell table:value-type="float" table:value="120"><text:p>120</text:p></table:table-cell>'
    "</table:table-row></table:table>"
)
_SXI = (
    '<draw:page draw:name="page1">'
    '<draw:text-box presentation:class="title" svg:x="2cm" svg:y="1cm" svg:width="20cm" svg:height="3cm">'
    "<text:p>Roadmap</text:p></draw:text-box>"
    '<draw:text-box presentation:class="outline" svg:x="2cm" svg:y="5cm" svg:width="20cm" svg:height="10cm">'
    "<text:p>Ship the first release</text:p></draw:text-box></draw:page>"
)
_SXD = (
    '<draw:page draw:name="page1">'
    '<draw:text-box svg:x="2cm" svg:y="1cm" svg:width="15cm" svg:height="3cm"><text:p>Network diagram</text:p>'
    '</draw:text-box><draw:rect svg:x="2cm" svg:y="6cm" svg:width="5cm" svg:height="2cm"><text:p>Router</text:p>'
    "</draw:rect></draw:page>"
)
_ODG = (
    '<office:drawing><draw:page draw:name="page1">'
    '<draw:frame svg:x="2cm" svg:y="1cm" svg:width="15cm" svg:height="3cm"><draw:text-box>'
    "<text:p>Network diagram</text:p></draw:text-box></draw:frame>"
    '<draw:rect svg:x="2cm" svg:y="6cm" svg:width="5cm" svg:height="2cm"><text:p>Router</text:p></draw:rect>'
    "</draw:page></office:drawing>"
)


def make(kind: str, folder: Path) -> Path:
    """The fixture for ``kind`` (a file type name) in ``folder``."""
    paragraphs = [TITLE, BODY]
    if kind == "wpd":
        return write_wordperfect(folder / "report.wpd", paragraphs)
    if kind == "wri":
        return write_write(folder / "report.wri", paragraphs)
    if kind == "lotus":
        return write_lotus(folder / "sales.wk1", [["Region", "Sales"], ["North", 120.0], ["South", 95.5]])
    if kind == "abw":
        path = folder / "report.abw"
        path.write_bytes(abiword(paragraphs))
        return path
    if kind == "zabw":
        path = folder / "report.zabw"
        path.write_bytes(gzip.compress(abiword(paragraphs)))
        return path
    packages = {
        "sxw": ("application/vnd.sun.xml.writer", _SXW),
        "sxc": ("application/vnd.sun.xml.calc", _SXC),
        "sxi": ("application/vnd.sun.xml.impress", _SXI),
        "sxd": ("application/vnd.sun.xml.draw", _SXD),
    }
    if kind in packages:
        return write_package(folder / f"file.{kind}", *packages[kind])
    if kind == "odg":
        return write_package(
            folder / "diagram.odg", "application/vnd.oasis.opendocument.graphics", _ODG, namespaces=_ODF, version="1.2"
        )
    raise ValueError(kind)


def _read(path: Path) -> tuple[str, str, list[tuple[str, str]]]:
    file_type, elements = partition_file(path, OPTIONS)
    return file_type.name, file_type.mime, [(e.type, e.text) for e in elements]


# -- LibreOffice reads each one ----------------------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "name", "mime"),
    [
        ("wpd", "wpd", "application/vnd.wordperfect"),
        ("wri", "wri", "application/x-mswrite"),
        ("abw", "abw", "application/x-abiword"),
        ("zabw", "abw", "application/x-abiword"),
    ],
)
def test_word_processor_files_read_as_their_paragraphs(tmp_path, kind, name, mime):
    detected, filetype, elements = _read(make(kind, tmp_path))
    assert (detected, filetype) == (name, mime)
    assert [text for _, text in elements] == [TITLE, BODY]


@needs_soffice
def test_an_openoffice_writer_file_keeps_its_heading(tmp_path):
    assert _read(make("sxw", tmp_path)) == (
        "sxw",
        "application/vnd.sun.xml.writer",
        [("Title", TITLE), ("NarrativeText", BODY)],
    )


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "mime"), [("lotus", "application/vnd.lotus-1-2-3"), ("sxc", "application/vnd.sun.xml.calc")]
)
def test_spreadsheets_read_as_a_table_of_their_cells(tmp_path, kind, mime):
    _, filetype, elements = _read(make(kind, tmp_path))
    assert filetype == mime
    assert [t for t, _ in elements] == ["Table"]
    assert elements[0][1].split()[:4] == ["Region", "Sales", "North", "120"]


@needs_soffice
def test_an_openoffice_presentation_reads_its_slide(tmp_path):
    _, mime, elements = _read(make("sxi", tmp_path))
    assert mime == "application/vnd.sun.xml.impress"
    assert [text for _, text in elements] == ["Roadmap", "Ship the first release"]


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "mime"), [("odg", "application/vnd.oasis.opendocument.graphics"), ("sxd", "application/vnd.sun.xml.draw")]
)
def test_drawings_read_from_the_pdf_libreoffice_prints(tmp_path, kind, mime):
    """A drawing's text sits in text boxes and shapes placed on a page: the PDF Draw prints keeps
    each box's text whole and on its page (measured: one element per box, nothing else)."""
    file_type, elements = partition_file(make(kind, tmp_path), OPTIONS)
    assert file_type.mime == mime
    assert [e.text for e in elements] == ["Network diagram", "Router"]
    assert {e.metadata.get("page_number") for e in elements} == {1}


# -- what a user is told when it goes wrong ----------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize("name", ["noise.wpd", "noise.wri", "noise.wk1", "noise.wb2"])
def test_bytes_libreoffice_can_only_show_as_text_fail_in_a_sentence(tmp_path, name):
    """LibreOffice opens a file no import filter takes as plain text; that noise is not a
    document: it fails, saying LibreOffice could not read it, instead of yielding junk elements."""
    import random

    path = tmp_path / name
    noise = random.Random(name).randbytes(3000)
    path.write_bytes(b"\xffWPC" + noise if name.endswith(".wpd") else noise)
    with pytest.raises(DocumentError) as caught:
        partition_file(path, OPTIONS)
    assert (
        str(caught.value) == "LibreOffice could not open the file; it is damaged or not in a format LibreOffice reads"
    )


def test_without_libreoffice_each_format_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere on it
    monkeypatch.setattr(legacy, "_converter", None)
    for kind, apt in (("wpd", "writer"), ("lotus", "calc"), ("odg", "draw")):
        with pytest.raises(NeedsInstall) as caught:
            partition_file(make(kind, tmp_path), OPTIONS)
        assert "needs LibreOffice" in str(caught.value)
        assert f"libreoffice-{apt}-nogui" in str(caught.value)
        assert "\n" not in str(caught.value)


def test_every_libreoffice_format_names_a_family_it_converts_with():
    office = [t for t in FORMATS if t.partitioner == OFFICE_PARTITIONER]
    assert {"doc", "ppt", "wpd", "wri", "sxw", "lotus", "vsd", "pub", "odg"} <= {t.name for t in office}
    for t in office:
        assert t.office in ("writer", "calc", "impress", "draw"), t.name
        assert t.install_hint and "libreoffice" in t.install_hint, t.name
        assert t.extensions, t.name  # the converted copy is named with the first


def test_formats_without_a_fixture_reach_libreoffice_under_their_own_type(tmp_path, monkeypatch):
    """Works, StarOffice binaries, Quattro Pro, Hangul 97, Mac word processors, Visio and Publisher:
    no file of theirs can be made here (only Office or their own programs write them), so this
    checks the routing: each is sent to LibreOffice as its own type, with its family's target."""
    from _ole import write_ole

    sent: list[tuple[str, str, str]] = []

    def through(path: Path, options: PartitionOptions, file_type: str, read) -> list:
        sent.append((path.name, file_type, legacy._target(file_type)))
        return []

    monkeypatch.setattr(legacy, "_through", through)
    files = {
        "memo.wps": ("wps", "docx", {"MN0": b"x"}),
        "memo2000.wps": ("wps", "docx", {"CONTENTS": b"CHNKINK"}),
        "people.wdb": ("wdb", "xlsx", {"MN0": b"\xff\x54"}),
        "letter.sdw": ("sdw", "docx", {"StarWriterDocument": b"x"}),
        "budget.sdc": ("sdc", "xlsx", {"StarCalcDocument": b"x"}),
        "talk.sdd": ("sdd", "pptx", {"StarDrawDocument3": b"x"}),
        "plan.sda": ("sda", "pdf", {"StarDrawDocument3": b"x"}),
        "book.qpw": ("qpw", "xlsx", {"NativeContent_MAIN": b"x"}),
        "network.vsd": ("vsd", "pdf", {"VisioDocument": b"x"}),
        "flyer.pub": ("pub", "pdf", {"Quill": b"x"}),
    }
    for name, (_, _, streams) in files.items():
        write_ole(tmp_path / name, streams)
    (tmp_path / "notes.cwk").write_bytes(b"\x06\x07\xe1\x00BOBO" + bytes(200))
    (tmp_path / "letter.mcw").write_bytes(b"\xfe\x37\x00\x1c" + bytes(200))
    (tmp_path / "sheet.wb2").write_bytes(b"\x00\x00\x02\x00\x02\x10" + bytes(200))
    (tmp_path / "old.hwp").write_bytes(b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + bytes(200))
    files |= {
        "notes.cwk": ("cwk", "docx", {}),
        "letter.mcw": ("mcw", "docx", {}),
        "sheet.wb2": ("quattro", "xlsx", {}),
        "old.hwp": ("hwp", "docx", {}),
    }
    for name in files:
        partition_file(tmp_path / name, OPTIONS)
    assert sent == [(name, file_type, target) for name, (file_type, target, _) in files.items()]
