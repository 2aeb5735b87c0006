"""What an Excel workbook holds beside its cells: cell comments (notes) and charts, per sheet.

The cell readers (calamine, openpyxl) give values only. Comments and charts are read here from the
package itself, sheet by sheet in workbook order: a worksheet's comments part (Excel writes one
for notes and, as their plain-text copy, for threaded comments) and the charts of its drawing; a
chartsheet's chart. Each sheet's are placed after that sheet's cells, with its ``page_name`` and
``page_number``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from docbatch.elements import Element
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, what_is_wrong
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.ooxml.ooxml import chart_from_xml, collapse
from docbatch.partitioners.ooxml.opc import RT, Package, Part

__all__ = ["sheet_parts", "with_sheet_parts"]

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
#: Member names that say a workbook has anything this module reads: most have none, and are not opened twice.
_HINTS = ("xl/comments", "xl/charts/")
_ERRORS: tuple[type[BaseException], ...] = (etree.XMLSyntaxError, KeyError, ValueError, OSError, *ZIP_ERRORS)


def with_sheet_parts(path: Path, cells: list[Element]) -> list[Element]:
    """``cells`` (a workbook's elements by sheet) with each sheet's comments and charts after its cells."""
    parts = sheet_parts(path)
    if not parts:
        return cells
    out: list[Element] = []
    for index, el in enumerate(cells):
        out.append(el)
        number = el.metadata.get("page_number")
        last_of_sheet = index + 1 == len(cells) or cells[index + 1].metadata.get("page_number") != number
        if last_of_sheet:
            out.extend(parts.pop(number, []))
    for number in sorted(parts):  # sheets without cells: their comments and charts still count
        out.extend(parts[number])
    return out


def sheet_parts(path: Path) -> dict[int, list[Element]]:
    """Comments and charts by sheet number (1-based, workbook order); a part that cannot be read is lost alone."""
    try:
        with zipfile.ZipFile(path) as zf:
            if not any(name.startswith(_HINTS) for name in zf.namelist()):
                return {}
    except (OSError, *ZIP_ERRORS):
        return {}  # the cell reader already said what is wrong with the file
    try:
        with Package(path) as package:
            return _read(package.main_part)
    except _ERRORS as e:
        part_lost("comments and charts", what_is_wrong(e))
        return {}


def _read(workbook: Part) -> dict[int, list[Element]]:
    sheets = workbook.element.find(_S + "sheets")
    found: dict[int, list[Element]] = {}
    for number, sheet in enumerate(sheets if sheets is not None else [], start=1):
        rel = workbook.rels.get(sheet.get(_R + "id") or "")
        if rel is None or rel.is_external:
            continue
        name = sheet.get("name") or ""
        try:
            elements = [*_comments(rel.target_part), *_charts(rel.target_part)]
        except _ERRORS as e:
            part_lost(f"sheet {name}: comments and charts", what_is_wrong(e))
            continue
        for el in elements:
            el.metadata.update(page_name=name, page_number=number)
        if elements:
            found[number] = elements
    return found


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
            meta = {"note_type": "comment", "comment_author": author, "comment_anchor": comment.get("ref") or ""}
            out.append(Element("NarrativeText", text, meta))
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
