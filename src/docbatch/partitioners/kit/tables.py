"""The one table renderer: rows of cells to a Table's ``text_as_html`` and its text.

Every family that finds a table (HTML and the Markdown, reStructuredText and Org tables that go
the same way, DOCX, PPTX and chart data, ODT, RTF, PDF, spreadsheets and CSV) hands it here, so
tables look alike whatever file they came from: ``<table>``, ``<tr>``, ``<td>``/``<th>`` with no
attribute but ``colspan``/``rowspan`` (only when over 1), ``&``, ``<``, ``>`` escaped.

A row is either :class:`Cell` objects or plain strings; plain strings are the grids of
spreadsheets, CSV and RTF (no spans, no headers), rendered a whole row at a time because a
25-million-field CSV must not cost a Python call per cell.

Where a family's output must differ (to match what unstructured writes for that format, or to
keep outputs users already hold), the difference is a keyword of :func:`table_html` or
:func:`table_text`, and the family that needs it is named there.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

__all__ = ["Cell", "Row", "table_html", "table_text"]


@dataclass(slots=True)
class Cell:
    """One cell as the HTML shows it: text, the grid columns and rows it covers, and whether it
    is a header cell (``<th>``). Mutable: the DOCX reader widens ``rowspan`` while it walks the
    rows a vertical merge covers."""

    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False


#: A table row: cells, or plain texts (each a ``<td>`` without spans).
Row = Sequence[Cell] | Sequence[str]

# Join a plain table's cells and rows so the whole table is escaped in one call (see _grid_html).
_SEP = "\x1f"
_ROW_SEP = "\x1e"


def table_html(
    rows: Iterable[Row],
    *,
    self_closing_empty: bool = False,
    escape_quotes: bool = False,
    newline_as_space: bool = False,
) -> str:
    """``<table>`` HTML of ``rows``; a row with no cells stays as ``<tr></tr>`` (rowspans above
    it count it).

    Args:
        self_closing_empty: write an empty cell as ``<td/>``. Spreadsheets (XLSX, XLS, ODS, CSV,
            TSV) need it: unstructured renders sheets through pandas and lxml, which serialise an
            empty cell that way, and consumers of its spreadsheet output match on it.
        escape_quotes: escape ``"`` and ``'`` as well (``&quot;``, ``&#x27;``). PDF needs it: its
            tables have been written so since docbatch's first PDF reader, and changing it would
            change every stored PDF table holding a quote. (Quotes need no escaping in text.)
        newline_as_space: turn line breaks in a cell into spaces. DOCX and PPTX (with chart
            data) need it: their cell text is the cell's paragraphs joined by newlines, and
            unstructured writes those paragraphs space-joined in a table cell.
    """
    rows = list(rows)
    body = _grid_html(rows, escape_quotes)
    if body is None:
        body = "".join(f"<tr>{_row_html(row, escape_quotes)}</tr>" for row in rows)
    if newline_as_space:
        body = body.replace("\n", " ")  # markup holds no newline: only cell texts change
    out = f"<table>{body}</table>"
    return out.replace("<td></td>", "<td/>") if self_closing_empty else out


def table_text(rows: Iterable[Row], *, row_separator: str = "\n", newline_as_space: bool = False) -> str:
    """A Table's ``text``: each row's non-empty cell texts joined by spaces, rows without text
    left out, the rest joined by ``row_separator``.

    Args:
        row_separator: ``"\\n"`` for most families; ``"\\n\\n"`` for spreadsheets and CSV (as
            unstructured's spreadsheet partitioner joins rows); ``" "`` for PDF, whose table text
            unstructured writes as one line.
        newline_as_space: as for :func:`table_html` (DOCX, PPTX).
    """
    lines = (" ".join(filter(None, _texts(row))) for row in rows)
    if newline_as_space:
        lines = (line.replace("\n", " ") for line in lines)
    return row_separator.join(line for line in lines if line)


def _plain(row: Row) -> TypeGuard[Sequence[str]]:
    """A row of plain texts (an empty row counts as one: it renders the same either way)."""
    return not row or isinstance(row[0], str)


def _texts(row: Row) -> Sequence[str]:
    return row if _plain(row) else [cell.text for cell in row]


def _grid_html(rows: list[Row], quote: bool) -> str | None:
    """The rows' HTML in a few whole-table string operations, when every row is plain texts,
    none empty, and no text holds a separator; else None. Texts are joined with the unit and
    record separators (whitespace to ``str.split()``, so collapsed cell texts never hold them),
    escaped at once, and the separators replaced by the markup between cells and rows."""
    if not all(row and _plain(row) for row in rows):
        return None
    joined = _ROW_SEP.join(_SEP.join(row) for row in rows)
    if joined.count(_SEP) != sum(len(row) - 1 for row in rows) or joined.count(_ROW_SEP) != len(rows) - 1:
        return None
    body = html.escape(joined, quote=quote).replace(_SEP, "</td><td>").replace(_ROW_SEP, "</td></tr><tr><td>")
    return f"<tr><td>{body}</td></tr>"


def _row_html(row: Row, quote: bool) -> str:
    texts = [Cell(text) for text in row] if _plain(row) else row
    return "".join(_cell_html(cell, quote) for cell in texts)


def _cell_html(cell: Cell, quote: bool) -> str:
    tag = "th" if cell.header else "td"
    span = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
        f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
    )
    return f"<{tag}{span}>{html.escape(cell.text, quote=quote)}</{tag}>"
