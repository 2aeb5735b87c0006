"""docbatch's ruled-table finder gives pdfplumber's cells, tables and rows exactly (pdfplumber is the reference)."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from pdfplumber import table as pt
from pdfplumber.utils import filter_edges

from docbatch.partitioners.pdf.grid import Edge, grid_cells, grid_tables, table_rows

_SNAP = 3.0


def _plumber_cells(horizontal: list[Edge], vertical: list[Edge]) -> list[tuple[float, ...]]:
    """pdfplumber's steps on the same rules, as docbatch called them before it had its own finder."""
    edges = [_edge(e, "h") for e in horizontal] + [_edge(e, "v") for e in vertical]
    edges = filter_edges(pt.merge_edges(edges, _SNAP, _SNAP, _SNAP, _SNAP), min_length=3)
    return pt.intersections_to_cells(pt.edges_to_intersections(edges, _SNAP, _SNAP))


def _edge(e: Edge, orientation: str) -> dict:
    x0, top, x1, bottom = e
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
        "object_type": "line",
    }


def _jitter(rng: random.Random) -> float:
    return rng.choice([0.0, 0.0, rng.uniform(-1.4, 1.4), rng.uniform(-4, 4)])


def _random_rules(rng: random.Random) -> tuple[list[Edge], list[Edge]]:
    """A grid or two drawn as cell boxes or long rules, jittered, with gaps, duplicates and strays."""
    horizontal: list[Edge] = []
    vertical: list[Edge] = []
    for _ in range(rng.randint(1, 2)):
        x0, y0 = rng.uniform(20, 300), rng.uniform(20, 500)
        xs = [x0 + sum(rng.uniform(8, 90) for _ in range(i)) for i in range(rng.randint(2, 6))]
        ys = [y0 + sum(rng.uniform(6, 30) for _ in range(i)) for i in range(rng.randint(2, 7))]
        if rng.random() < 0.5:  # every cell its own box: inner rules drawn twice
            for a, b in pairwise(xs):
                for c, d in pairwise(ys):
                    if rng.random() < 0.9:
                        horizontal += [(a + _jitter(rng), c, b, c), (a, d + _jitter(rng), b + _jitter(rng), d)]
                        vertical += [(a, c, a, d + _jitter(rng)), (b + _jitter(rng), c, b, d)]
        else:
            for y in ys:
                horizontal.append((xs[0] + _jitter(rng), y + _jitter(rng), xs[-1] + _jitter(rng), y))
            for x in xs:
                vertical.append((x + _jitter(rng), ys[0] + _jitter(rng), x, ys[-1] + _jitter(rng)))
    for _ in range(rng.randint(0, 4)):  # stray rules: underlines, short ticks
        x, y = rng.uniform(0, 500), rng.uniform(0, 700)
        horizontal.append((x, y, x + rng.uniform(1, 200), y))
        vertical.append((x, y, x, y + rng.uniform(1, 50)))
    # the finder takes a vertical rule's x from x0 and a horizontal's y from top: make them agree
    horizontal = [(x0, t, x1, t) if x1 >= x0 else (x1, t, x0, t) for x0, t, x1, _ in horizontal]
    vertical = [(x, t, x, b) if b >= t else (x, b, x, t) for x, t, _, b in vertical]
    rng.shuffle(horizontal)
    rng.shuffle(vertical)
    return horizontal, vertical


@pytest.mark.parametrize("seed", range(300))
def test_cells_are_pdfplumbers(seed):
    horizontal, vertical = _random_rules(random.Random(seed))
    assert grid_cells(horizontal, vertical, _SNAP) == _plumber_cells(horizontal, vertical)


@pytest.mark.parametrize("seed", range(300))
def test_tables_and_rows_are_pdfplumbers(seed):
    cells = _plumber_cells(*_random_rules(random.Random(seed)))
    tables = grid_tables(cells)
    assert tables == pt.cells_to_tables(cells)
    for group in tables:
        assert table_rows(group) == [row.cells for row in pt.Table(None, group).rows]


def test_a_plain_grid_gives_its_cells():
    horizontal = [(10.0, y, 110.0, y) for y in (10.0, 30.0, 50.0)]
    vertical = [(x, 10.0, x, 50.0) for x in (10.0, 60.0, 110.0)]
    assert grid_cells(horizontal, vertical, _SNAP) == [
        (10.0, 10.0, 60.0, 30.0),
        (10.0, 30.0, 60.0, 50.0),
        (60.0, 10.0, 110.0, 30.0),
        (60.0, 30.0, 110.0, 50.0),
    ]


def test_no_rules_no_cells():
    assert grid_cells([], [], _SNAP) == []
    assert grid_cells([(0.0, 5.0, 100.0, 5.0)], [], _SNAP) == []
