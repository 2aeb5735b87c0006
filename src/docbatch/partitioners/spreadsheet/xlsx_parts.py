"""What an Excel workbook holds beside its cells: print headers and footers, cell comments (notes)
and charts, per sheet.

The cell readers (calamine, openpyxl) give values only. The other parts are read here from the
package itself, sheet by sheet in workbook order: a sheet's ``<headerFooter>``, a worksheet's
comments part (Excel writes one for notes and, as their plain-text copy, for threaded comments)
and the charts of its drawing; a chartsheet's chart. sheet_parts.py makes them elements and puts
them around the sheet's cells, with its ``page_name`` and ``page_number``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from docbatch.elements import Element
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, what_is_wrong
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.ooxml.ooxml import chart_from_xml, collapse
from docbatch.partitioners.ooxml.opc import RT, XML_PARSER, Package, Part
from docbatch.partitioners.spreadsheet.sheet_parts import (
    SheetParts,
    comment_element,
    headers_and_footers,
    place_sheet_parts,
)

__all__ = ["sheet_parts", "with_sheet_parts"]

_S_URI = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_S = "{" + _S_URI + "}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
#: Member names that say a workbook has comments or charts: most have none, and are not opened twice.
_HINTS = ("xl/comments", "xl/charts/")
#: Where Excel, LibreOffice and openpyxl store sheets: the members scanned for headers and footers.
_SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/")
#: How xsd:boolean spells true.
_TRUE = ("1", "true")
_ERRORS: tuple[type[BaseException], ...] = (etree.XMLSyntaxError, KeyError, ValueError, OSError, *ZIP_ERRORS)

#: The start of a sheet's ``<headerFooter>`` element, with its namespace prefix if it has one.
_HF_START = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?headerFooter\b")
_SCAN_CHUNK = 1024 * 1024
#: Kept from one chunk to the next, so that a start tag cut by the chunk boundary is still found.
_SCAN_OVERLAP = 256
#: Six strings of at most 255 characters, escaped: anything longer is not a header element.
_HF_MAX_BYTES = 64 * 1024


def with_sheet_parts(path: Path, cells: list[Element]) -> list[Element]:
    """``cells`` (a workbook's elements by sheet) with each sheet's headers before its cells and
    its comments, charts and footers after them."""
    return place_sheet_parts(cells, sheet_parts(path))


def sheet_parts(path: Path) -> dict[int, SheetParts]:
    """Each sheet's parts by sheet number (1-based, workbook order); a part that cannot be read is lost alone."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            # The sheets' XML is scanned, not parsed: a worksheet can be hundreds of megabytes,
            # and its headers and footers are a few hundred bytes after its cells.
            running = {
                name: found
                for name in names
                if name.startswith(_SHEET_FOLDERS) and name.endswith(".xml") and (found := _header_footer_xml(zf, name))
            }
            if not running and not any(name.startswith(_HINTS) for name in names):
                return {}
    except (OSError, *ZIP_ERRORS):
        return {}  # the cell reader already said what is wrong with the file
    try:
        with Package(path) as package:
            return _read(package.main_part, running)
    except _ERRORS as e:
        part_lost("headers, footers, comments and charts", what_is_wrong(e))
        return {}


def _read(workbook: Part, running: dict[str, bytes]) -> dict[int, SheetParts]:
    sheets = workbook.element.find(_S + "sheets")
    found: dict[int, SheetParts] = {}
    for number, sheet in enumerate(sheets if sheets is not None else [], start=1):
        rel = workbook.rels.get(sheet.get(_R + "id") or "")
        if rel is None or rel.is_external:
            continue
        name = sheet.get("name") or ""
        try:
            parts = SheetParts(after=[*_comments(rel.target_part), *_charts(rel.target_part)])
            header_footer = running.get(rel.target_partname.lstrip("/"))
            if header_footer:
                headers, footers = _headers_footers(header_footer)
                parts.before.extend(headers)
                parts.after.extend(footers)
        except _ERRORS as e:
            part_lost(f"sheet {name}: headers, footers, comments and charts", what_is_wrong(e))
            continue
        if parts:
            found[number] = parts.stamp(name, number)
    return found


def _header_footer_xml(zf: zipfile.ZipFile, name: str) -> bytes:
    """The member's own ``<headerFooter>`` element, wrapped in a root that declares the namespace
    its prefix stands for so that it parses alone; empty when the sheet has none, or one with no text.

    A sheet's custom views each hold a ``<headerFooter>`` of their own, and come before the
    sheet's (the schema puts ``customSheetViews`` before ``headerFooter``): the last one is the
    sheet's.
    """
    last, pending = b"", b""
    with zf.open(name) as member:
        while True:
            chunk = member.read(_SCAN_CHUNK)
            pending += chunk
            while (match := _HF_START.search(pending)) is not None:
                rest = pending[match.start() :]
                found = _complete_header_footer(rest, match.group(1))
                if found is None:  # cut by the chunk's end: wait for the next
                    pending = rest if len(rest) <= _HF_MAX_BYTES else rest[1:]
                    break
                last, used = found
                pending = rest[used:]
            else:
                pending = pending[-_SCAN_OVERLAP:]
            if not chunk:
                return last


def _complete_header_footer(data: bytes, prefix: bytes | None) -> tuple[bytes, int] | None:
    """For ``data`` starting with a ``<headerFooter`` start tag: (the element wrapped to parse
    alone, or empty for a ``<headerFooter/>``; how many bytes it takes), or None when ``data``
    ends before the element does."""
    start_tag_end = data.find(b">")
    if start_tag_end < 0:
        return None
    if data[start_tag_end - 1 : start_tag_end] == b"/":
        return b"", start_tag_end + 1  # <headerFooter/>: switches, no text
    qualified = re.escape(prefix) + rb":" if prefix else b""
    end = re.compile(rb"</" + qualified + rb"headerFooter\s*>").search(data)
    if end is None:
        return None
    declare = b"xmlns:" + prefix if prefix else b"xmlns"
    return b"<w " + declare + b'="' + _S_URI.encode() + b'">' + data[: end.end()] + b"</w>", end.end()


def _headers_footers(wrapped: bytes) -> tuple[list[Element], list[Element]]:
    """The Header and Footer elements of a sheet's ``<headerFooter>`` (as :func:`_header_footer_xml` gives it)."""
    element = etree.fromstring(wrapped, XML_PARSER)[0]
    codes = {etree.QName(child).localname: "".join(child.itertext()) for child in element.iterchildren(etree.Element)}
    return headers_and_footers(
        codes,
        different_first=element.get("differentFirst") in _TRUE,
        different_odd_even=element.get("differentOddEven") in _TRUE,
    )


def _comments(sheet: Part) -> list[Element]:
    """The sheet's cell comments in the order Excel stores them (by cell), each NarrativeText marked
    ``note_type: "comment"`` with its ``comment_author`` and the cell it stands on (``comment_anchor``)."""
    out: list[Element] = []
    for rel in sheet.related_all(RT.COMMENTS):
        if rel.is_external:
            continue
        root = rel.target_part.element
        authors = [collapse("".join(a.itertext())) for a in root.iter(_S + "author")]
        comment_list = root.find(_S + "commentList")
        for comment in comment_list if comment_list is not None else []:
            text_el = comment.find(_S + "text")
            text = "".join(text_el.itertext()).strip() if text_el is not None else ""
            if not text:
                continue
            author_id = comment.get("authorId") or ""
            author = authors[int(author_id)] if author_id.isdigit() and int(author_id) < len(authors) else ""
            out.append(comment_element(text, author, comment.get("ref") or ""))
    return out


def _charts(sheet: Part) -> list[Element]:
    """The charts of a worksheet's drawing (or a chartsheet's), each its title and data table."""
    out: list[Element] = []
    for drawing in sheet.related_all(_DRAWING):
        if drawing.is_external:
            continue
        for chart in drawing.target_part.related_all(RT.CHART):
            if not chart.is_external:
                out.extend(chart_from_xml(chart.target_part.blob))
    return out
