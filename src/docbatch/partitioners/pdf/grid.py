"""Cells of ruled tables from a page's rules: pdfplumber's grid algorithm, without its per-call overhead.

pdfplumber finds ruled tables in four steps: snap nearly aligned rules together, join collinear
pieces, find where horizontal and vertical rules cross, and take the smallest rectangle of
connected crossings at each crossing as a cell. Its code builds a new dict per moved edge and,
because annotations inside its nested functions are evaluated at run time, hashes ``typing``
objects on every connectivity test: on a report with a ruled table every other page that was a
fifth of docbatch's time. This module does the same steps on plain tuples.

The cells must be exactly pdfplumber's (same floats, same order), so the arithmetic is done the
way pdfplumber does it: a snapped edge is moved by ``mean - position`` (not set to the mean), the
mean is summed in pdfplumber's order, a joined edge keeps the length pdfplumber would compute, and
every sort is stable on the same keys. ``tests/partitioners/pdf/test_pdf_grid.py`` checks the result
against pdfplumber itself on random grids.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import groupby
from operator import itemgetter

__all__ = ["Edge", "grid_cells", "grid_tables", "table_rows"]

#: A rule as (x0, top, x1, bottom) in top-left page coordinates.
Edge = tuple[float, float, float, float]
#: A rule being merged: x0, top, x1, bottom, and its length as pdfplumber tracks it (width or height).
_Work = list[float]
_Point = tuple[float, float]

_SLACK = 1e-6
_MIN_LENGTH = 3.0  # pdfplumber.utils.filter_edges(min_length=3): shorter rules are dropped after merging


def grid_cells(horizontal: list[Edge], vertical: list[Edge], tolerance: float) -> list[Edge]:
    """The cells pdfplumber's ``intersections_to_cells(edges_to_intersections(merge_edges(...)))`` gives.

    ``horizontal`` and ``vertical`` are the page's rules in drawing order (the order changes the
    floating-point means of snapped groups, so it must be pdfplumber's input order); the same
    ``tolerance`` is used to snap, join and intersect, as docbatch calls pdfplumber.
    """
    h = _join(_snap([[x0, t, x1, b, x1 - x0] for x0, t, x1, b in horizontal], 1, tolerance), 1, 0, 2, tolerance)
    v = _join(_snap([[x0, t, x1, b, b - t] for x0, t, x1, b in vertical], 0, tolerance), 0, 1, 3, tolerance)
    h = [e for e in h if e[4] >= _MIN_LENGTH]
    v = [e for e in v if e[4] >= _MIN_LENGTH]
    return _cells(_intersections(h, v, tolerance))


def _snap(edges: list[_Work], axis: int, tolerance: float) -> list[_Work]:
    """Move edges whose position (``axis``: 0 = x0 of vertical rules, 1 = top of horizontal ones)
    chains within ``tolerance`` to their group's mean, grouped in position order as pdfplumber does."""
    if not edges:
        return []
    cluster: dict[float, int] = {}
    last = None
    n = -1
    for value in sorted({e[axis] for e in edges}):
        if last is None or value > last + tolerance:
            n += 1
        cluster[value] = n
        last = value
    out: list[_Work] = []
    for _, group in groupby(sorted(edges, key=lambda e: cluster[e[axis]]), key=lambda e: cluster[e[axis]]):
        members = list(group)
        mean = sum(e[axis] for e in members) / len(members)
        for e in members:
            delta = mean - e[axis]
            # pdfplumber's move_object adds the difference to both ends
            moved = [e[0] + delta, e[1], e[2] + delta, e[3]] if axis == 0 else [e[0], e[1] + delta, e[2], e[3] + delta]
            out.append([*moved, e[4]])
    return out


def _join(edges: list[_Work], axis: int, lo: int, hi: int, tolerance: float) -> list[_Work]:
    """Join edges on one line (same ``axis`` position) that overlap or lie within ``tolerance`` along it."""
    out: list[_Work] = []
    for _, group in groupby(sorted(edges, key=itemgetter(axis)), key=itemgetter(axis)):
        ordered = sorted(group, key=itemgetter(lo))
        joined = [ordered[0]]
        for e in ordered[1:]:
            last = joined[-1]
            if e[lo] <= last[hi] + tolerance:
                if e[hi] > last[hi]:
                    joined[-1] = _extended(last, hi, e[hi])
            else:
                joined.append(e)
        out.extend(joined)
    return out


def _extended(e: _Work, hi: int, value: float) -> _Work:
    """``e`` with its far end moved to ``value``; its length as pdfplumber's resize_object computes it."""
    out = list(e)
    out[hi] = value
    # a horizontal rule's width is recomputed; a vertical rule's height is grown by the difference
    out[4] = value - e[0] if hi == 2 else e[4] + (value - e[3])
    return out


def _intersections(h: list[_Work], v: list[_Work], tolerance: float) -> dict[_Point, tuple[set, set]]:
    """Crossing points (x of the vertical, top of the horizontal) with the rules through each, as boxes."""
    crossings: dict[_Point, tuple[set, set]] = {}
    by_top = sorted(h, key=itemgetter(1))
    tops = [e[1] for e in by_top]
    for ve in v:
        x, vbox = ve[0], (ve[0], ve[1], ve[2], ve[3])
        # the horizontals whose top lies near the vertical's span; a hair wider than the test
        # below, whose rounding differs, so the exact test alone decides
        lo, hi = bisect_left(tops, ve[1] - tolerance - _SLACK), bisect_right(tops, ve[3] + tolerance + _SLACK)
        for he in by_top[lo:hi]:
            top = he[1]
            if ve[1] <= top + tolerance and ve[3] >= top - tolerance and he[0] - tolerance <= x <= he[2] + tolerance:
                vs, hs = crossings.setdefault((x, top), (set(), set()))
                vs.add(vbox)
                hs.add((he[0], he[1], he[2], he[3]))
    return crossings


def _cells(crossings: dict[_Point, tuple[set, set]]) -> list[Edge]:
    """At each crossing, in point order, the smallest rectangle whose four corners are joined by rules."""
    points = sorted(crossings)
    below: dict[float, list[_Point]] = {}  # points of one x, top to bottom
    right: dict[float, list[_Point]] = {}  # points of one y, left to right
    for p in points:
        below.setdefault(p[0], []).append(p)
    for p in sorted(points, key=lambda p: (p[1], p[0])):
        right.setdefault(p[1], []).append(p)

    def vertical(a: _Point, b: _Point) -> bool:
        return not crossings[a][0].isdisjoint(crossings[b][0])

    def horizontal(a: _Point, b: _Point) -> bool:
        return not crossings[a][1].isdisjoint(crossings[b][1])

    at = {p: i for column in below.values() for i, p in enumerate(column)}
    across = {p: i for row in right.values() for i, p in enumerate(row)}
    cells: list[Edge] = []
    for pt in points:
        downs, rights = below[pt[0]][at[pt] + 1 :], right[pt[1]][across[pt] + 1 :]
        cell = _smallest_cell(pt, downs, rights, crossings, vertical, horizontal)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(pt: _Point, downs: list[_Point], rights: list[_Point], crossings, vertical, horizontal):
    """pdfplumber's search: the first point below, then the first point right, that close a rectangle."""
    for down in downs:
        if not vertical(pt, down):
            continue
        for side in rights:
            if not horizontal(pt, side):
                continue
            corner = (side[0], down[1])
            if corner in crossings and vertical(corner, side) and horizontal(corner, down):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def grid_tables(cells: list[Edge]) -> list[list[Edge]]:
    """Cells grouped into tables as pdfplumber's ``cells_to_tables`` groups them, in its order.

    A table grows by every cell that shares a corner with it, pass after pass over the cells
    left, until a pass adds none; tables of one cell are dropped; tables go top to bottom.
    """
    remaining = list(cells)
    tables: list[list[Edge]] = []
    current: list[Edge] = []
    corners: set[tuple[float, float]] = set()
    while remaining:
        before = len(current)
        left: list[Edge] = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in mine):
                corners.update(mine)
                current.append(cell)
            else:
                left.append(cell)
        remaining = left
        if len(current) == before:
            tables.append(current)
            current, corners = [], set()
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def table_rows(cells: list[Edge]) -> list[list[Edge | None]]:
    """A table's cells as rows (top to bottom), each with one place per column x0: pdfplumber's ``Table.rows``."""
    xs = sorted({c[0] for c in cells})
    rows = []
    for _, row in groupby(sorted(cells, key=itemgetter(1, 0)), key=itemgetter(1)):
        at = {cell[0]: cell for cell in row}
        rows.append([at.get(x) for x in xs])
    return rows
