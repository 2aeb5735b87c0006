"""Ruled tables in PDF pages: ruling lines from pdfium, the cell grid from pdfplumber's table finder.

pdfplumber's own page parsing (pdfminer) costs hundreds of milliseconds a page, so it is not
used: pdfium hands over the page's path objects (rules and cell boxes) in well under a
millisecond, they become pdfplumber *edges*, and pdfplumber's table algorithm (snap, join,
intersect, cells, tables) turns them into rows and cells. Cell text comes from pdfium's text
page by rectangle. Pages without at least two horizontal and two vertical rules cost nothing more.
"""

from __future__ import annotations

import ctypes
import html
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as pdfium_c

__all__ = ["FoundTable", "find_tables", "page_edges", "to_html"]

_THIN = 2.5  # points: a path box this thin along one axis is a rule
_MAX_SEGMENTS = 400  # paths with more segments are drawings, not grids
_SNAP = 3.0  # pdfplumber's default snap/join/intersection tolerance


@dataclass(slots=True)
class FoundTable:
    """A table's box in top-left page coordinates, its HTML and its text."""

    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    html: str
    text: str


def find_tables(page, textpage, page_box: tuple[float, float, float, float]) -> list[FoundTable]:
    """Ruled tables of an unrotated pdfium page, in top-left coordinates of ``page_box``."""
    edges = page_edges(page, page_box)
    if sum(e["orientation"] == "h" for e in edges) < 2 or sum(e["orientation"] == "v" for e in edges) < 2:
        return []
    from pdfplumber import table as pt
    from pdfplumber.utils import filter_edges

    edges = pt.merge_edges(edges, _SNAP, _SNAP, _SNAP, _SNAP)
    edges = filter_edges(edges, min_length=3)
    cells = pt.intersections_to_cells(pt.edges_to_intersections(edges, _SNAP, _SNAP))
    out = []
    for group in pt.cells_to_tables(cells):
        found = _table(pt.Table(None, group), textpage, page_box)
        if found is not None:
            out.append(found)
    return out


def _table(table, textpage, page_box: tuple[float, ...]) -> FoundTable | None:
    left, _, _, top = page_box
    rows = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            x0, t, x1, b = cell
            text = textpage.get_text_bounded(left + x0, top - b, left + x1, top - t)
            cells.append(" ".join(text.replace("\ufffe", "-").split()))
        rows.append(cells)
    rows = [r for r in rows if any(r)]
    # a framed box or a one-column grid is layout, not a table: ask for two rows of two cells
    if sum(1 for r in rows if sum(1 for c in r if c) >= 2) < 2:
        return None
    text = " ".join(c for r in rows for c in r if c)
    return FoundTable(tuple(table.bbox), to_html(rows), text)


class _Geometry:
    """ctypes scratch values for reading path objects without allocating per call."""

    def __init__(self) -> None:
        self.l, self.b, self.r, self.t = (ctypes.c_float() for _ in range(4))
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.matrix = pdfium_c.FS_MATRIX()

    def bounds(self, obj) -> tuple[float, float, float, float]:
        pdfium_c.FPDFPageObj_GetBounds(
            obj, ctypes.byref(self.l), ctypes.byref(self.b), ctypes.byref(self.r), ctypes.byref(self.t)
        )
        return self.l.value, self.b.value, self.r.value, self.t.value

    def points(self, obj) -> list[tuple[float, float, bool, bool]] | None:
        """Page-space points of a straight-edged path as (x, y, moves_to, closes); None if it curves."""
        n = pdfium_c.FPDFPath_CountSegments(obj)
        if n <= 0 or n > _MAX_SEGMENTS or not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(self.matrix)):
            return None
        m = self.matrix
        out = []
        for i in range(n):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
            kind = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
                return None
            pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(self.x), ctypes.byref(self.y))
            x, y = self.x.value, self.y.value
            closes = bool(pdfium_c.FPDFPathSegment_GetClose(seg))
            out.append((m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f, kind == pdfium_c.FPDF_SEGMENT_MOVETO, closes))
        return out


def page_edges(page, page_box: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """pdfplumber-style edges (top-left coordinates) of the page's top-level path objects."""
    geo = _Geometry()
    left, _, _, top = page_box
    edges: list[dict[str, Any]] = []
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        x0, y0, x1, y1 = geo.bounds(obj)
        if y1 - y0 <= _THIN and x1 - x0 >= _SNAP:
            edges.append(_edge(x0 - left, x1 - left, top - (y0 + y1) / 2, top - (y0 + y1) / 2))
        elif x1 - x0 <= _THIN and y1 - y0 >= _SNAP:
            edges.append(_edge((x0 + x1) / 2 - left, (x0 + x1) / 2 - left, top - y1, top - y0))
        elif x1 - x0 >= _SNAP and y1 - y0 >= _SNAP:
            points = geo.points(obj)
            if points:
                edges.extend(_polyline_edges(points, left, top))
    return edges


def _polyline_edges(points: list[tuple[float, float, bool, bool]], left: float, top: float) -> list[dict[str, Any]]:
    """Axis-aligned straight segments of a path (rectangles and grids) as edges."""
    out = []
    start = prev = None
    for x, y, moves, closes in points:
        if moves or prev is None:
            start = prev = (x, y)
            continue
        out.extend(_segment(prev, (x, y), left, top))
        prev = (x, y)
        if closes and start is not None:
            out.extend(_segment(prev, start, left, top))
            prev = start
    return out


def _segment(a: tuple[float, float], b: tuple[float, float], left: float, top: float) -> list[dict[str, Any]]:
    (ax, ay), (bx, by) = a, b
    if abs(ay - by) < 0.5 and abs(ax - bx) >= _SNAP:
        return [_edge(min(ax, bx) - left, max(ax, bx) - left, top - ay, top - ay)]
    if abs(ax - bx) < 0.5 and abs(ay - by) >= _SNAP:
        return [_edge(ax - left, ax - left, top - max(ay, by), top - min(ay, by))]
    return []


def _edge(x0: float, x1: float, t: float, b: float) -> dict[str, Any]:
    horizontal = abs(b - t) < abs(x1 - x0)
    return {
        "x0": x0,
        "x1": x1,
        "top": t,
        "bottom": b,
        "width": x1 - x0,
        "height": b - t,
        "orientation": "h" if horizontal else "v",
        "object_type": "line",
    }


def to_html(rows: list[list[str | None]]) -> str:
    """A plain HTML table; ``None`` cells (covered by a merged cell) widen the cell to their left."""
    out = ["<table>"]
    for row in rows:
        out.append("<tr>")
        cells: list[list[Any]] = []
        for value in row:
            if value is None and cells:
                cells[-1][1] += 1
            elif value is not None:
                cells.append([value, 1])
        for value, span in cells:
            attr = f' colspan="{span}"' if span > 1 else ""
            out.append(f"<td{attr}>{html.escape(value)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)
