"""What an OpenDocument spreadsheet holds beside its cells: page headers and footers, cell
comments and charts, per sheet.

python-calamine reads the cells' values only. The rest is read from the package here, in the
shape the other readers give it: each sheet's printed header (its page style's
``style:header``, the left, center and right regions in that order) comes as Header elements
before the sheet's cells, its cell comments (``office:annotation`` in a ``table:table-cell``) and
charts after them, as the XLSX reader places a sheet's comments and charts, and its printed
footer last, as Footer elements; all with the sheet's ``page_name`` and ``page_number``.

A comment is the NarrativeText the ODT and ODP readers make of an ``office:annotation`` (marked
``note_type: "comment"``, with its ``comment_author``), with the cell it stands on as
``comment_anchor`` ("B2"), as in XLSX. A chart is its title and data table
(:mod:`~docbatch.partitioners.odf.chart`).

Headers and footers: a page style's header or footer turned off (``style:display="false"``) is not
printed and gives nothing, though Calc keeps its default content there. The fields Calc puts in
its default ones, the sheet name and the page number, hold values a print fills in (the name as
"???", the page as "1"), not text of the document, and are left out, as the ODT reader leaves a
page number out; the words written around them are text of the page style and stay (Calc's
default footer "Page <number>" reads "Page", as the same footer in an ODT does).

``content.xml`` of a large sheet can hold millions of rows, so it is streamed, rows dropped once
seen, and only when something here needs it: a comment or an embedded object is mentioned, or a
page style prints text.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.boundary import what_is_wrong
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS, read_member
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.odf.chart import embedded_chart
from docbatch.partitioners.odf.odt import ANNOTATION, OdfWalker, parse_odf_xml, running_elements

__all__ = ["with_ods_parts"]

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_TABLE, _ROW, _SHAPES = (f"{{{_TABLE_NS}}}{n}" for n in ("table", "table-row", "shapes"))
_CELL, _COVERED = f"{{{_TABLE_NS}}}table-cell", f"{{{_TABLE_NS}}}covered-table-cell"
_STYLE, _MASTER = f"{{{_STYLE_NS}}}style", f"{{{_STYLE_NS}}}master-page"
_STYLE_NAME, _FAMILY = f"{{{_STYLE_NS}}}name", f"{{{_STYLE_NS}}}family"
_MASTER_NAME = f"{{{_STYLE_NS}}}master-page-name"
_NAME, _TABLE_STYLE = f"{{{_TABLE_NS}}}name", f"{{{_TABLE_NS}}}style-name"
_OBJECT = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}object"
_HREF = "{http://www.w3.org/1999/xlink}href"
#: A cell comment: ODF 1.3's element, and the one LibreOffice wrote before it (its own namespace).
_COMMENTS = (ANNOTATION, "{http://openoffice.org/2009/office}annotation")
#: The page style a sheet whose table style names none is printed with (Calc's name for it).
_DEFAULT_MASTER = "Default"
#: Any prefix: the element names that make streaming content.xml worth it.
_MENTIONS = re.compile(rb"<[\w.-]+:(?:annotation|object)[\s/>]")
_CHUNK = 1 << 20
_LOCKED = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
_ERRORS: tuple[type[BaseException], ...] = (etree.XMLSyntaxError, DocumentError, KeyError, *ZIP_READ_ERRORS)


@dataclass
class _Sheet:
    """One sheet's name, page style, and the comments and chart objects found in it."""

    name: str
    style: str
    comments: list[Element] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)


def with_ods_parts(path: Path, cells: list[Element]) -> list[Element]:
    """``cells`` (calamine's elements, by sheet) with each sheet's header before them, and its
    comments, charts and footer after them; what cannot be read is a lost part, the cells stay."""
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
    except _ERRORS as e:
        part_lost("comments, charts, headers and footers", what_is_wrong(e.__cause__ or e))
        return cells
    if not parts:
        return cells
    by_sheet: dict[Any, list[Element]] = {}
    for el in cells:
        by_sheet.setdefault(el.metadata.get("page_number"), []).append(el)
    out: list[Element] = []
    for number, (before, after) in enumerate(parts, start=1):
        out.extend([*before, *by_sheet.pop(number, []), *after])
    for rest in by_sheet.values():  # a sheet the stream did not see (never, unless calamine counts otherwise)
        out.extend(rest)
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[list[Element], list[Element]]]:
    """Per sheet in workbook order, (elements before its cells, elements after); [] when no sheet has any."""
    names = zf.NameToInfo
    masters: dict[str, Any] = {}
    table_masters: dict[str, str] = {}
    if "styles.xml" in names:
        styles = parse_odf_xml(read_member(zf, "styles.xml"))
        for master in styles.iter(_MASTER):
            masters.setdefault(master.get(_STYLE_NAME) or "", master)
        table_masters.update(_table_masters(styles.iter(_STYLE)))
    running = {
        name: (running_elements([m], "header", "Header"), running_elements([m], "footer", "Footer"))
        for name, m in masters.items()
    }
    running = {name: parts for name, parts in running.items() if parts[0] or parts[1]}
    if "content.xml" not in names or not (running or _mentions(zf, "content.xml")):
        return []
    sheets = _scan(zf, table_masters)
    out: list[tuple[list[Element], list[Element]]] = []
    for number, sheet in enumerate(sheets, start=1):
        master = table_masters.get(sheet.style) or _DEFAULT_MASTER
        headers, footers = running.get(master, ([], []))
        charts = [el for href in sheet.objects for el in embedded_chart(zf, href)]
        before = [_copy(el) for el in headers]
        after = [*sheet.comments, *charts, *(_copy(el) for el in footers)]
        for el in (*before, *after):
            el.metadata.update(page_name=sheet.name, page_number=number)
        out.append((before, after))
    return out if any(before or after for before, after in out) else []


def _copy(el: Element) -> Element:
    """A fresh element of ``el``'s type and text: a page style's header is printed on each sheet using it."""
    return Element(el.type, el.text, dict(el.metadata))


def _table_masters(styles: Any) -> dict[str, str]:
    """Table style name -> the page style (master page) its sheets print with."""
    return {
        style.get(_STYLE_NAME) or "": style.get(_MASTER_NAME) or ""
        for style in styles
        if style.get(_FAMILY) == "table" and style.get(_MASTER_NAME)
    }


def _mentions(zf: zipfile.ZipFile, member: str) -> bool:
    """Whether ``member`` has a comment or an embedded object, read in chunks (not parsed)."""
    tail = b""
    with zf.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            if _MENTIONS.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _scan(zf: zipfile.ZipFile, table_masters: dict[str, str]) -> list[_Sheet]:
    """Every sheet (``table:table`` of the spreadsheet) with its comments and chart objects, read
    from a stream of ``content.xml``: each row is dropped once read. ``table_masters`` gains the
    table styles of content.xml (its automatic styles come before the sheets)."""
    sheets: list[_Sheet] = []
    depth = 0  # tables inside tables (a table in a cell's text box) are their cell's content
    row = 0
    with zf.open("content.xml") as stream:
        events = etree.iterparse(stream, events=("start", "end"), tag=(_TABLE, _ROW, _SHAPES, _STYLE), **_LOCKED)
        for event, el in events:
            if el.tag == _TABLE:
                depth += 1 if event == "start" else -1
                if event == "start" and depth == 1:
                    sheets.append(_Sheet(el.get(_NAME) or "", el.get(_TABLE_STYLE) or ""))
                    row = 0
            elif event == "start" or depth > 1:
                continue
            elif el.tag == _STYLE:
                table_masters.update(_table_masters([el]))
            elif el.tag == _SHAPES and sheets:  # shapes anchored to the sheet's page, not to a cell
                sheets[-1].objects.extend(obj.get(_HREF) or "" for obj in el.iter(_OBJECT))
            elif el.tag == _ROW and depth == 1 and sheets:
                _row_parts(el, row, sheets[-1])
                row += _repeat(el.get(f"{{{_TABLE_NS}}}number-rows-repeated"))
                _drop(el)
    return sheets


def _row_parts(row_el: Any, row: int, sheet: _Sheet) -> None:
    """The comments and chart objects of one row's cells, each comment anchored to its cell."""
    if next(row_el.iter(*_COMMENTS, _OBJECT), None) is None:
        return
    column = 0
    walker = OdfWalker({}, has_pages=False)
    for cell in row_el:
        if cell.tag not in (_CELL, _COVERED):
            continue
        for el in cell.iter(*_COMMENTS, _OBJECT):
            if el.tag == _OBJECT:
                sheet.objects.append(el.get(_HREF) or "")
                continue
            walker.annotation(el, None)
            if walker.out:
                comment = walker.out.pop()
                comment.metadata["comment_anchor"] = f"{_column_letters(column)}{row + 1}"
                sheet.comments.append(comment)
        column += _repeat(cell.get(f"{{{_TABLE_NS}}}number-columns-repeated"))


def _drop(el: Any) -> None:
    """Free a row read to the end, and the rows before it."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    while el.getprevious() is not None and parent is not None:
        del parent[0]


def _repeat(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: a column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
