"""Charts embedded in OpenDocument files (ODT, ODS, ODP): their title and their data.

A chart is an object of its own in the package: ``draw:frame/draw:object xlink:href="./Object 1"``
points at the folder ``Object 1/``, whose ``content.xml`` holds ``office:chart``. LibreOffice keeps
the data a chart draws in a table inside the chart (``table:table`` named ``local-table``), in a
spreadsheet too, where the series also name the sheet's cell ranges: its header row holds the
series names, its header column the category labels, and each further column one series' values.
That table is read, so what a chart shows needs no sheet lookup; a chart without one (another
producer's, with ranges only) keeps its title alone.

The chart becomes the shape every chart has in docbatch (:mod:`~docbatch.partitioners.kit.charts`):
its title and subtitle as FigureCaptions, its data as a Table. An object that is no chart (a
formula, another document) adds nothing here; a chart that cannot be read is a lost part alone.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Any

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.boundary import what_is_wrong
from docbatch.partitioners.kit.charts import MAX_CHART_POINTS, chart_figure, chart_table, chart_value
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS, read_member
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.odf.inline import paragraph_text, parse_odf_xml

__all__ = ["embedded_chart", "object_member"]

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_CHART = "urn:oasis:names:tc:opendocument:xmlns:chart:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ROW, _CELL, _COVERED = (f"{{{_TABLE}}}{n}" for n in ("table-row", "table-cell", "covered-table-cell"))
_HEADER_ROWS, _HEADER_COLUMNS = f"{{{_TABLE}}}table-header-rows", f"{{{_TABLE}}}table-header-columns"
_ROW_GROUPS = frozenset(f"{{{_TABLE}}}{n}" for n in ("table-header-rows", "table-rows", "table-row-group"))
_COLUMN, _COLUMNS_REPEATED = f"{{{_TABLE}}}table-column", f"{{{_TABLE}}}number-columns-repeated"
_ROWS_REPEATED = f"{{{_TABLE}}}number-rows-repeated"
_VALUE, _VALUE_TYPE = f"{{{_OFFICE}}}value", f"{{{_OFFICE}}}value-type"
_NUMERIC = frozenset({"float", "percentage", "currency"})
#: What a damaged chart object raises while it is read (a DocumentError: malformed XML, a damaged member).
_ERRORS: tuple[type[BaseException], ...] = (DocumentError, KeyError, ValueError, IndexError, *ZIP_READ_ERRORS)


def object_member(href: str) -> str | None:
    """The ``content.xml`` member of the object ``href`` names (``./Object 1`` -> ``Object 1/content.xml``),
    or None for an object outside the package (a linked file, a URL)."""
    name = href.removeprefix("./").strip("/")
    if not name or name.startswith("../") or ":" in name.split("/")[0]:
        return None
    return f"{name}/content.xml"


def embedded_chart(package: Path | zipfile.ZipFile, href: str) -> list[Element]:
    """The elements of the chart object ``href`` names in ``package`` ([] when it is no chart)."""
    member = object_member(href)
    if member is None:
        return []
    try:
        if isinstance(package, zipfile.ZipFile):
            blob = _member(package, member)
        else:
            with zipfile.ZipFile(package) as zf:
                blob = _member(zf, member)
        if blob is None:  # an object stored as a binary (an OLE object), or one the package lacks
            return []
        chart = parse_odf_xml(blob).find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}chart/{{{_CHART}}}chart")
        return [] if chart is None else _chart_elements(chart)
    except _ERRORS as e:
        part_lost(f"chart {href.removeprefix('./')}", what_is_wrong(e.__cause__ or e))
        return []


def _member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    return read_member(zf, name) if name in zf.NameToInfo else None


def _chart_elements(chart: Any) -> list[Element]:
    titles = [_text(chart.find(f"{{{_CHART}}}{kind}")) for kind in ("title", "subtitle")]
    table = chart.find(f"{{{_TABLE}}}table")
    data = None
    if table is not None and _declared_cells(table) <= MAX_CHART_POINTS:
        data = _data_table(table)
    return chart_figure(titles, data)


def _text(el: Any) -> str:
    """The paragraphs of a chart title, space-joined."""
    if el is None:
        return ""
    return " ".join(t for t in (paragraph_text(p) for p in el.iter(f"{{{_TEXT}}}p")) if t)


def _rows(table: Any) -> list[tuple[Any, bool]]:
    """``(row, is_header)`` for each row element of the chart's table, in order."""
    out: list[tuple[Any, bool]] = []
    for child in table:
        if child.tag == _ROW:
            out.append((child, False))
        elif child.tag in _ROW_GROUPS:
            out.extend((row, child.tag == _HEADER_ROWS) for row in child.iter(_ROW))
    return out


def _repeat(el: Any, attr: str) -> int:
    try:
        return max(1, int(el.get(attr) or 1))
    except ValueError:
        return 1


def _declared_cells(table: Any) -> int:
    """Cells the chart's table declares, repeats counted, before anything is expanded: a chart can
    declare billions of repeated cells in a few bytes."""
    total = 0
    for row, _ in _rows(table):
        width = sum(_repeat(cell, _COLUMNS_REPEATED) for cell in row if cell.tag in (_CELL, _COVERED))
        total += width * _repeat(row, _ROWS_REPEATED)
        if total > MAX_CHART_POINTS:
            break
    return total


def _data_table(table: Any) -> tuple[str, str] | None:
    """The chart's table as categories (its header column) and series (its other columns, named by
    its header row)."""
    header_columns = table.find(_HEADER_COLUMNS)
    label_columns = header_columns.iter(_COLUMN) if header_columns is not None else ()
    labels = sum(_repeat(col, _COLUMNS_REPEATED) for col in label_columns)
    names: list[str] = []
    categories: list[str] = []
    columns: list[list[str]] = []
    for row, is_header in _rows(table):
        cells = [_value(c) for c in row if c.tag in (_CELL, _COVERED) for _ in range(_repeat(c, _COLUMNS_REPEATED))]
        for _ in range(_repeat(row, _ROWS_REPEATED)):
            if is_header:
                names = cells[labels:]
                continue
            categories.append(" ".join(cells[:labels]))
            values = cells[labels:]
            while len(columns) < len(values):
                columns.append([""] * (len(categories) - 1))
            for i, column in enumerate(columns):
                column.append(values[i] if i < len(values) else "")
    while len(columns) < len(names):  # a named series with no values yet
        columns.append([""] * len(categories))
    names.extend([""] * (len(columns) - len(names)))
    return chart_table(categories if labels else [], list(zip(names, columns, strict=False)))


def _value(cell: Any) -> str:
    """A cell of the chart's table as text: a number as the OOXML charts give theirs (12, not 12.0;
    a gap, which LibreOffice writes as NaN, as ""), anything else as its paragraphs."""
    if cell.get(_VALUE_TYPE) in _NUMERIC:
        try:
            number = float(cell.get(_VALUE) or "")
        except ValueError:
            number = None
        if number is not None:
            return "" if math.isnan(number) or math.isinf(number) else chart_value(number)
    return _text(cell)
