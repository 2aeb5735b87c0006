"""A table as chunks: one ``Table`` when it fits, else ``TableChunk`` pieces cut on row boundaries.

A table fits when both its text and its compact HTML are within ``max_characters`` (what
unstructured checks, since a consumer may embed either). Otherwise whole rows go into each piece
while their text fits, and each piece gets its own ``text_as_html``: a ``<table>`` of just those
rows, so every piece renders alone. Header rows (``<thead>`` or all-``<th>`` rows) are repeated
at the top of each later piece when they are small enough to leave room for the body. A row too
long for one piece is cut between cells, and a cell too long, between words. Without HTML (or
with a limit under 50 characters, too small for markup) the table's text is split like any text.

Pieces of one table share ``table_id`` and are numbered by ``chunk_index``, so a consumer can put
the table back together; ``num_carried_over_header_rows`` says how many repeated header rows to
drop when it does. Rows a ``rowspan`` binds stay in one piece; a group of them too long for any
piece is cut row by row (unstructured instead rebuilds the spanned cells in each fragment).
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from docbatch.chunking.base import (
    ChunkingOptions,
    encode_orig_elements,
    orig_on_every_piece,
    orig_too_big,
    split_once,
    split_text,
    table_metadata,
)
from docbatch.elements import Element

__all__ = ["CompactTable", "table_chunks"]

#: Below this limit there is no room for markup: a table is split as text (unstructured's bound).
_MIN_HTML_LIMIT = 50

TextAndHtml = tuple[str, str | None]


def table_chunks(table: Element, prefix: str, opts: ChunkingOptions) -> Iterator[Element]:
    """The chunks of one table element; nothing for a table without text."""
    if not table.text.split():
        return
    text = f"{prefix}\n{table.text.strip()}" if prefix else table.text.strip()
    compact = CompactTable.parse(table.metadata.get("text_as_html"))
    meta = table_metadata(table)
    if opts.include_orig_elements:
        meta["orig_elements"] = encode_orig_elements([table])
    limit = opts.max_characters
    if len(text) <= limit and (compact is None or len(compact.html) <= limit):
        meta.pop("text_as_html", None)
        if compact is not None:
            meta["text_as_html"] = compact.html
        yield Element("Table", text, meta)
        return
    carried = 0
    if compact is None or limit < _MIN_HTML_LIMIT:
        pieces: list[TextAndHtml] = [(t, None) for t in split_text(text, limit, opts.overlap)]
    else:
        splitter = _RowSplitter(compact, limit)
        pieces = list(splitter.pieces())
        carried = splitter.carried_header_rows
    if len(pieces) > 1 and orig_too_big(table):
        meta.pop("orig_elements", None)
    every = "orig_elements" not in meta or orig_on_every_piece(meta["orig_elements"], len(pieces))
    yield from _table_chunk_elements(pieces, meta, table.element_id, carried, orig_on_every=every)


def _table_chunk_elements(
    pieces: Sequence[TextAndHtml], meta: dict[str, Any], table_id: str, carried: int, *, orig_on_every: bool = True
) -> Iterator[Element]:
    for index, (text, piece_html) in enumerate(pieces):
        dropped = ("text_as_html",) if orig_on_every or not index else ("text_as_html", "orig_elements")
        piece_meta = {k: v for k, v in meta.items() if k not in dropped}
        if piece_html is not None:
            piece_meta["text_as_html"] = piece_html
        piece_meta["is_continuation"] = index > 0 or None
        piece_meta["num_carried_over_header_rows"] = carried if index else 0
        piece_meta["table_id"] = table_id
        piece_meta["chunk_index"] = index
        yield Element("TableChunk", text, piece_meta)


# --------------------------------------------------------------------------- compact HTML


def _cell_text(cell: Any) -> str:
    """A cell's text with whitespace collapsed; a ``<br>`` separates words."""
    if next(cell.iterdescendants("br"), None) is not None:
        cell = _copy(cell)
        for br in cell.iter("br"):
            br.tail = f" {br.tail or ''}"
    return " ".join(cell.text_content().split())


def _copy(node: Any) -> Any:
    return lxml_html.fragment_fromstring(etree.tostring(node, encoding=str, with_tail=False))


def _empty_td(colspan: int, rowspan: int) -> str:
    attrs = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
    return f"<td{attrs}/>"


def _rowspan(cell: Any) -> int:
    try:
        return max(0, int(cell.get("rowspan", 1)))
    except ValueError:
        return 1


def _span(cell: Any, name: str) -> int:
    try:
        return max(1, int(cell.get(name, 1)))
    except ValueError:
        return 1


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    html: str
    colspan: int


@dataclass(frozen=True, slots=True)
class _Row:
    cells: tuple[_Cell, ...]
    html: str
    is_header: bool
    #: How many rows this row's tallest cell spans (0: every remaining row).
    rowspan: int = 1

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells if c.text]


class CompactTable:
    """A table's HTML made compact as unstructured makes it before measuring: no attributes
    but spans, no ``thead``/``tbody``, ``th`` as ``td``, whitespace collapsed."""

    def __init__(self, table: Any, header_rows: set[int]) -> None:
        self._table = table
        self._header_rows = header_rows

    @classmethod
    def parse(cls, text_as_html: str | None) -> CompactTable | None:
        """The compact table, or None when there is no parseable ``<table>``."""
        if not text_as_html or not text_as_html.strip():
            return None
        try:
            root = lxml_html.fragment_fromstring(text_as_html.strip())
        except (etree.ParserError, ValueError):
            return None
        tables = root.xpath("descendant-or-self::table")
        if not tables:
            return None
        table = tables[0]
        rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
        header_rows = {i for i, tr in enumerate(rows) if _is_header_row(tr)}
        for group in table.xpath(".//thead | .//tbody | .//tfoot"):
            group.drop_tag()
        try:
            for node in table.iter():
                _compact_node(node)
        except ValueError:  # lxml refuses control characters it parsed: split as text, as unstructured does
            return None
        return cls(table, header_rows)

    @cached_property
    def html(self) -> str:
        return etree.tostring(self._table, encoding=str, with_tail=False)

    @cached_property
    def rows(self) -> list[_Row]:
        out = []
        for i, tr in enumerate(self._table.xpath("./tr")):
            cells = []
            for td in tr:
                text = _cell_text(td)
                markup = etree.tostring(td, encoding=str) if text else _empty_td(_span(td, "colspan"), 1)
                cells.append(_Cell(text, markup, _span(td, "colspan")))
            spans = [_rowspan(td) for td in tr]
            rowspan = 0 if 0 in spans else max(spans, default=1)
            out.append(_Row(tuple(cells), etree.tostring(tr, encoding=str), i in self._header_rows, rowspan))
        return out

    @cached_property
    def row_groups(self) -> list[list[_Row]]:
        """Rows a ``rowspan`` binds together (each other row alone): a piece takes all or none,
        since a span cut off would claim rows of the next piece and shift its columns."""
        rows, groups = self.rows, []
        start, reach = 0, -1
        for i, row in enumerate(rows):
            reach = max(reach, len(rows) - 1 if row.rowspan == 0 else min(i + row.rowspan - 1, len(rows) - 1))
            if i == reach:
                groups.append(rows[start : i + 1])
                start = i + 1
        return groups


def _is_header_row(tr: Any) -> bool:
    """A ``<thead>`` row, or one of ``<th>`` cells after optional blank corner cells."""
    if tr.getparent() is not None and tr.getparent().tag == "thead":
        return True
    cells = tr.xpath("./th | ./td")
    first_th = next((i for i, c in enumerate(cells) if c.tag == "th"), None)
    if first_th is None:
        return False
    blank = [c.tag == "td" and not c.text_content().strip() for c in cells]
    return all(blank[:first_th]) and all(c.tag == "th" or blank[i] for i, c in enumerate(cells) if i >= first_th)


def _compact_node(node: Any) -> None:
    if node.attrib:
        kept = {k: node.attrib[k] for k in ("colspan", "rowspan") if k in node.attrib}
        node.attrib.clear()
        node.attrib.update(kept)
    if node.tag == "th":
        node.tag = "td"
    if node.text:
        node.text = " ".join(node.text.split())
    if node.tail:
        words = node.tail.split()
        if not words:
            node.tail = None
        else:
            # a tail may carry words between inline tags; only its layout whitespace goes
            before = " " if node.tail[0].isspace() else ""
            after = " " if node.tail[-1].isspace() else ""
            node.tail = before + " ".join(words) + after


# --------------------------------------------------------------------------- splitting


class _RowSplitter:
    """(text, html) pieces of whole rows that fit the limit, headers repeated on later pieces."""

    def __init__(self, table: CompactTable, limit: int) -> None:
        self._table = table
        self._limit = limit
        self._headers = []
        for row in table.rows:
            if not row.is_header:
                break
            self._headers.append(row)

    @cached_property
    def _header_text(self) -> str:
        return " ".join(t for row in self._headers for t in row.texts)

    @cached_property
    def _header_html(self) -> str:
        rows = "".join(row.html.replace("<td", "<th").replace("</td>", "</th>") for row in self._headers)
        return f"<thead>{rows}</thead>"

    @cached_property
    def _repeat_headers(self) -> bool:
        """Whether headers are repeated: not when they would crowd the body out of a piece."""
        if not self._headers:
            return False
        longest = max(len(" ".join(row.texts)) for row in self._headers)
        return (
            longest <= (self._limit + 1) // 2
            and len(self._header_text) <= 3 * self._limit // 4
            and len(self._header_html) <= 4 * self._limit
        )

    @property
    def carried_header_rows(self) -> int:
        return len(self._headers) if self._repeat_headers else 0

    def _room(self, first: bool) -> int:
        if first or not self._repeat_headers:
            return self._limit
        return max(1, self._limit - len(self._header_text) - 1)

    def pieces(self) -> Iterator[TextAndHtml]:
        first = True
        rows: list[_Row] = []
        used = 0
        todo = list(reversed(self._table.row_groups))
        while todo:
            group = todo.pop()
            if not group:  # the end of a rowspan group taken row by row: its last piece ends here
                if rows:
                    yield self._with_headers(_rows_piece(rows), first)
                    first, rows, used = False, [], 0
                continue
            size = len(" ".join(t for row in group for t in row.texts))
            if rows and self._room(first) - len(rows) - used < size:
                yield self._with_headers(_rows_piece(rows), first)
                first, rows, used = False, [], 0
            if self._room(first) - len(rows) - used >= size:
                rows += group
                used += size
            elif len(group) > 1:  # rows bound by a rowspan that no piece can hold: take them one by one
                todo += [[], *([row] for row in reversed(group))]
            else:  # a row longer than a whole piece: cut between cells
                for piece in _row_pieces(group[0], self._room(False)):
                    yield self._with_headers(piece, first)
                    first = False
        if rows:
            yield self._with_headers(_rows_piece(rows), first)

    def _with_headers(self, piece: TextAndHtml, first: bool) -> TextAndHtml:
        if first or not self._repeat_headers:
            return piece
        text, markup = piece
        inner = (markup or "").removeprefix("<table>").removesuffix("</table>")
        joined = f"{self._header_text} {text}" if self._header_text and text else (self._header_text or text)
        return joined, f"<table>{self._header_html}{inner}</table>"


def _rows_piece(rows: Sequence[_Row]) -> TextAndHtml:
    text = " ".join(t for row in rows for t in row.texts)
    return text, "<table>" + "".join(row.html for row in rows) + "</table>"


def _row_pieces(row: _Row, limit: int) -> Iterator[TextAndHtml]:
    """An oversized row cut between cells; a cell that alone is too long, between words."""
    cells: list[_Cell] = []
    text, empties = "", 0

    def flush() -> Iterator[TextAndHtml]:
        if cells:
            yield text, "<table><tr>" + "".join(c.html for c in cells) + "</tr></table>"

    for cell in row.cells:
        candidate = f"{text} {cell.text}" if text and cell.text else (text or cell.text)
        fits = (len(text) + empties + 1 if not cell.text else len(candidate) + empties) <= limit
        if not fits:
            yield from flush()
            cells, text, empties = [], "", 0
            candidate = cell.text
            fits = (empties + 1 if not cell.text else len(candidate)) <= limit
        if fits:
            cells.append(cell)
            text, empties = candidate, empties + (0 if cell.text else 1)
            continue
        yield from _cell_pieces(cell, limit)
    yield from flush()


def _cell_pieces(cell: _Cell, limit: int) -> Iterator[TextAndHtml]:
    """A cell too long for one piece, cut between words so each piece's HTML fits the limit."""
    budget = max(1, limit - len(_cell_table("", cell.colspan)))
    rest = cell.text
    while rest:
        piece, rest = _longest_fitting_cut(rest, cell.colspan, limit, budget)
        yield piece, _cell_table(piece, cell.colspan)


def _longest_fitting_cut(text: str, colspan: int, limit: int, budget: int) -> tuple[str, str]:
    """The longest cut at a word boundary whose ``<table>`` fits ``limit`` (escaping can lengthen
    the text, so the cut is searched for), else the longest that fits anywhere, else one character.
    """
    lo, hi, best = 1, budget, None
    while lo <= hi:
        mid = (lo + hi) // 2
        piece, rest = split_once(text, mid, 0)
        if len(_cell_table(piece, colspan)) <= limit:
            best, lo = (piece, rest), mid + 1
        else:
            hi = mid - 1
    if best is not None:
        return best
    lo, hi, end = 0, len(text), 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if len(_cell_table(text[:mid], colspan)) <= limit:
            end, lo = mid, mid + 1
        else:
            hi = mid - 1
    end = max(end, 1)
    return text[:end], text[end:]


def _cell_table(text: str, colspan: int) -> str:
    """A one-cell ``<table>`` as unstructured writes one: escaped, ``<br/>`` for line breaks."""
    body = " ".join("<br/>".join(html_lib.escape(text).split("\n")).split())
    attrs = f' colspan="{colspan}"' if colspan > 1 else ""
    cell = f"<td{attrs}>{body}</td>" if body else f"<td{attrs}/>"
    return f"<table><tr>{cell}</tr></table>"
