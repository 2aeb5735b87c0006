"""Files of formats only LibreOffice reads, written byte by byte (this LibreOffice imports them but
writes none): a WordPerfect 5.1 prefix and text, a Windows Write header with its two formatting
pages, Lotus WK1 records, AbiWord XML, OpenOffice.org 1.x and ODF packages. Used by
tests/partitioners/legacy/test_office_formats.py and tests/golden/make_inputs.py.
"""

from __future__ import annotations

import gzip
import struct
import zipfile
from pathlib import Path

TITLE = "Annual report"
BODY = "The company grew in every region during the year."


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


def write_lotus(path: Path, rows: list[list[str | float]], version: int = 0x0406) -> Path:
    """Lotus 1-2-3 WK1 (with ``version`` 0x0404 a release 1A WKS): BOF, the sheet's range, a
    LABEL (left-aligned ``'`` prefix) or NUMBER record per cell (format, column, row, value), EOF."""
    records = _lotus_record(0x00, struct.pack("<H", version))
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
    sales: list[list[str | float]] = [["Region", "Sales"], ["North", 120.0], ["South", 95.5]]
    if kind == "lotus":
        return write_lotus(folder / "sales.wk1", sales)
    if kind == "wks":
        return write_lotus(folder / "sales.wks", sales, version=0x0404)
    if kind == "abw":
        path = folder / "report.abw"
        path.write_bytes(abiword(paragraphs))
        return path
    if kind == "zabw":
        path = folder / "report.zabw"
        path.write_bytes(gzip.compress(abiword(paragraphs)))
        return path
    packages = {
        "sxw": ("writer", _SXW),
        "stw": ("writer.template", _SXW),
        "sxg": ("writer.global", _SXW),
        "sxc": ("calc", _SXC),
        "stc": ("calc.template", _SXC),
        "sxi": ("impress", _SXI),
        "sti": ("impress.template", _SXI),
        "sxd": ("draw", _SXD),
        "std": ("draw.template", _SXD),
    }
    if kind in packages:
        sun, body = packages[kind]
        return write_package(folder / f"file.{kind}", f"application/vnd.sun.xml.{sun}", body)
    if kind in ("odg", "otg"):
        mime = "application/vnd.oasis.opendocument." + ("graphics" if kind == "odg" else "graphics-template")
        return write_package(folder / f"diagram.{kind}", mime, _ODG, namespaces=_ODF, version="1.2")
    raise ValueError(kind)
