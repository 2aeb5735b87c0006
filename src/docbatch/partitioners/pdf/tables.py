"""Tables in PDF pages: ruled grids, tables ruled only across, and tables without any rules.

Ruled tables: pdfplumber's own page parsing (pdfminer) costs hundreds of milliseconds a page, so
it is not used: pdfium hands over the page's path objects (rules and cell boxes) in well under a
millisecond, they become edges, and pdfplumber's table algorithm (snap, join, intersect, cells,
tables, rows; done on plain tuples in :mod:`.grid`) turns them into rows and cells. Cell text
comes from pdfium's text page by rectangle. Pages without at least two horizontal and two
vertical rules skip this.

Tables without rules (columns aligned by whitespace, as financial and scientific reports set
them) are found from the page's lines alone (see :func:`unruled_tables`); only a candidate's
own lines are read character by character.
"""

from __future__ import annotations

import ctypes
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

import pypdfium2.raw as pdfium_c

from docbatch.partitioners.kit.tables import Cell, table_html
from docbatch.partitioners.layout.blocks import BULLET, Line, _has_leader
from docbatch.partitioners.pdf.ffi import BoundedText, address, bare
from docbatch.partitioners.pdf.grid import Edge, grid_cells, grid_tables, table_rows

__all__ = ["FoundTable", "WordsOf", "aligned_tables", "find_tables", "page_edges", "to_html", "unruled_tables"]

_THIN = 2.5  # points: a path box this thin along one axis is a rule
_MAX_SEGMENTS = 400  # paths with more segments are drawings, not grids
_SNAP = 3.0  # pdfplumber's default snap/join/intersection tolerance
_MAX_EDGES = 1200  # more straight strokes than this is a drawing (a map, a chart), not a table


@dataclass(slots=True)
class FoundTable:
    """A table's box in top-left page coordinates, its HTML and its text."""

    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    html: str
    text: str


def find_tables(page, textpage, page_box: tuple[float, float, float, float], lines: list) -> list[FoundTable]:
    """Tables of an unrotated pdfium page, in top-left coordinates of ``page_box``.

    Fully ruled grids go through pdfplumber's cell finder (:mod:`.grid`); tables ruled only across (the
    "booktabs" style of papers and reports) are read from the alignment of ``lines`` between rules.
    """
    horizontal, vertical = page_edges(page, page_box)
    if len(horizontal) + len(vertical) > _MAX_EDGES:
        return []
    ruled = _ruled_tables(horizontal, vertical, textpage, page_box) if len(horizontal) >= 2 <= len(vertical) else []
    if len(horizontal) >= 3:
        ruled.extend(aligned_tables(horizontal, lines, textpage, page_box, taken=[t.bbox for t in ruled]))
    taken = [t.bbox for t in ruled]
    free = lines
    if taken:
        free = [ln for ln in lines if not any(_overlaps((ln.x0, ln.y0, ln.x1, ln.y1), b) for b in taken)]
    from docbatch.partitioners.pdf.text import line_words

    ruled.extend(unruled_tables(free, lambda ln: line_words(textpage, ln, page_box)))
    return ruled


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _ruled_tables(
    horizontal: list[Edge], vertical: list[Edge], textpage, page_box: tuple[float, ...]
) -> list[FoundTable]:
    cells = grid_cells(horizontal, vertical, _SNAP)
    if not cells:
        return []
    bounded = BoundedText(textpage)
    out = []
    for group in grid_tables(cells):
        found = _table(group, bounded, page_box)
        if found is not None:
            out.append(found)
    return out


def _table(group: list[Edge], bounded: BoundedText, page_box: tuple[float, ...]) -> FoundTable | None:
    left, _, _, top = page_box
    rows = []
    for row in table_rows(group):
        cells = []
        for cell in row:
            if cell is None:
                cells.append(None)
                continue
            x0, t, x1, b = cell
            text = bounded(left + x0, top - b, left + x1, top - t)
            cells.append(" ".join(text.replace("\ufffe", "-").split()))
        rows.append(cells)
    rows = [r for r in rows if any(r)]
    # a framed box or a one-column grid is layout, not a table: ask for two rows of two cells
    if sum(1 for r in rows if sum(1 for c in r if c) >= 2) < 2:
        return None
    text = " ".join(c for r in rows for c in r if c)
    x0s, tops, x1s, bottoms = zip(*group, strict=True)
    header = int(len(rows) > 1 and _names_figures(rows))
    return FoundTable((min(x0s), min(tops), max(x1s), max(bottoms)), to_html(rows, header_rows=header), text)


def aligned_tables(
    horizontal: list[Edge], lines: list, textpage, page_box: tuple[float, ...], taken: list | None = None
) -> list[FoundTable]:
    """Tables ruled only across: three or more rules of one width with column-aligned words between.

    Rule groups over a table already found (``taken`` boxes: a fully ruled grid has such rules
    too) are skipped before their words are read, which is the costly part.

    Columns are the whitespace channels through the words of the body (below the second rule);
    header words go to the column under their middle. Rows are the text lines. Running text is
    kept out by asking for short lines and at least two rows with two filled cells.
    """
    from docbatch.partitioners.pdf.text import line_words

    out = []
    for x0, x1, tops in _rule_groups(horizontal):
        top, bottom = tops[0], tops[-1]
        if bottom - top > 0.6 * (page_box[3] - page_box[1]):  # rules under the running head and over the footer
            continue
        if any(_overlaps((x0, top, x1, bottom), b) for b in taken or ()):
            continue
        inside = [ln for ln in lines if x0 - 2 <= ln.x0 and ln.x1 <= x1 + 2 and top < (ln.y0 + ln.y1) / 2 < bottom]
        if len(inside) < 4 or max(len(ln.text) for ln in inside) > 100:
            continue
        words = [(ln, w) for ln in inside for w in line_words(textpage, ln, page_box)]
        body = [w for ln, w in words if (ln.y0 + ln.y1) / 2 > tops[1]] or [w for _, w in words]
        cuts = _column_cuts(body)
        found = _aligned_table(words, cuts, (x0, top, x1, bottom), tops[1]) if cuts else None
        if found is not None:
            out.append(found)
    return out


def _rule_groups(horizontal: list[Edge]) -> list[tuple[float, float, list[float]]]:
    """(x0, x1, rule tops) of each set of at least three horizontal rules spanning the same width."""
    rules = sorted((e for e in horizontal if e[2] - e[0] >= 60), key=lambda e: e[1])
    groups: list[list[Edge]] = []
    for e in rules:
        for g in groups:
            if abs(g[0][0] - e[0]) <= _SNAP and abs(g[0][2] - e[2]) <= _SNAP:
                if e[1] - g[-1][1] > _SNAP:
                    g.append(e)
                break
        else:
            groups.append([e])
    return [(g[0][0], g[0][2], [e[1] for e in g]) for g in groups if len(g) >= 3]


def _aligned_table(
    words: list, cuts: list[float], bbox: tuple[float, float, float, float], head_rule: float
) -> FoundTable | None:
    """Rows of ``words`` cut into columns at ``cuts``; the rows above ``head_rule`` (the second rule) are the header."""
    rows: list[list[str]] = []
    header = 0
    last_line = None
    for ln, (x0, x1, text) in sorted(words, key=lambda lw: ((lw[0].y0 + lw[0].y1) / 2, lw[1][0])):
        if last_line is None or (ln.y0 + ln.y1) / 2 - (last_line.y0 + last_line.y1) / 2 > 0.5 * ln.size:
            rows.append([""] * (len(cuts) + 1))
            header += (ln.y0 + ln.y1) / 2 < head_rule
        last_line = ln
        col = sum(1 for c in cuts if (x0 + x1) / 2 > c)
        rows[-1][col] = f"{rows[-1][col]} {text}".strip()
    if sum(1 for r in rows if sum(1 for c in r if c) >= 2) < 2 or not _cells_look_tabular(rows):
        return None
    text = " ".join(c for r in rows for c in r if c)
    # a header of every row (no body under the second rule) is no header
    return FoundTable(bbox, to_html(rows, header_rows=header if header < len(rows) else 0), text)


def _cells_look_tabular(rows: list[list[str]]) -> bool:
    """Short cells and no column of bare bullets: prose in columns and boxed lists are not tables."""
    cells = [c for r in rows for c in r if c]
    if sum(1 for c in cells if len(c.split()) > 6) * 2 > len(cells):
        return False
    for col in range(len(rows[0])):
        values = [r[col] for r in rows if r[col]]
        if values and all(len(v) <= 2 and not any(ch.isalnum() for ch in v) for v in values):
            return False
    return True


_CONNECTIVES = frozenset("a an and as at by for from in of on or that the to with".split())
_PROSE_SHARE = 0.2  # share of cells that read as wrapped running text above which a grid is prose


def _reads_as_prose(grid: list[list[str]]) -> bool:
    """Narrow columns of running text: many cells start in lower case or end on a connective.

    Table cells are labels and figures; wrapped prose lines begin mid-sentence ("contain
    oestrogen or") and break after "and", "of", "the". Bullets at the start of cells mark a list.
    """
    cells = [c for r in grid for c in r if c]
    wrapped = sum(
        1 for c in cells if c[0].islower() or c.split()[-1].lower() in _CONNECTIVES or BULLET.match(c) is not None
    )
    return wrapped > _PROSE_SHARE * len(cells)


def _has_figures(grid: list[list[str]]) -> bool:
    """A quarter of the cells right of the label column hold a digit.

    Without rules, alignment alone is weak evidence: phrases set in a grid on a cover page or
    a block of addresses align too. Tables of figures are what reports print unruled; a
    table of words only is left to the text (it still reads in order, as paragraphs).
    """
    values = [c for r in grid for c in r[1:] if c]
    return sum(1 for c in values if any(ch.isdigit() for ch in c)) * 4 >= len(values) > 0


def _column_cuts(words: list[tuple[float, float, str]], min_gap: float = 3.0) -> list[float]:
    """x positions of the whitespace channels (``min_gap`` wide or more) no word crosses."""
    if not words:
        return []
    spans = sorted((w[0], w[1]) for w in words)
    cuts = []
    end = spans[0][1]
    for lo, hi in spans[1:]:
        if lo - end >= min_gap:
            cuts.append((lo + end) / 2)
        end = max(end, hi)
    return cuts


_MIN_ROWS = 3  # rows of two or more cells an unruled table needs
_CELL_WORDS = 4  # a piece of a row with more words (figures aside) is running text, not a cell
_LABEL_WORDS = 8  # the first, label, column may say more ("Net cash provided by operating activities")
_CHANNEL = 0.6  # font sizes: the narrowest whitespace channel between two columns
_ROW_PITCH = 2.6  # font sizes: the widest row pitch of a table (padded Word cells with space after: 2.25)


#: The words of one line as (x0, x1, text), left to right, in the lines' own coordinates.
WordsOf = Callable[[Line], list[tuple[float, float, str]]]


def unruled_tables(lines: list[Line], words_of: WordsOf) -> list[FoundTable]:
    """Tables without any rules: runs of rows whose words stand in the same whitespace columns.

    The geometry alone decides, so the same finder serves a text layer (``words_of`` reads a
    candidate's characters from pdfium) and an OCR'd page (Tesseract's word boxes, see
    :mod:`docbatch.partitioners.ocr.page`).

    pdfium's lines come split at wide gaps (see ``text._split_line``), so a table row arrives
    as several short pieces at one height. Rows of two or more short pieces, close one under the
    other, form a candidate. Prose in two columns also gives two pieces a row, but long ones: a
    piece with more than ``_CELL_WORDS`` words (figures not counted; the first, label column may
    have more) keeps its row out, and a column of prose holds five or more words a line. Only then
    are the candidate's words read (one call per character, so never for the whole page): its
    columns are the whitespace channels no word crosses, which also splits figures set closer
    than pdfium's line split.
    """
    out = []
    for run in _tabular_runs(_visual_rows(lines)):
        found = _unruled_table(run, words_of)
        if found is not None:
            out.append(found)
    return out


def _visual_rows(lines: list) -> list[list]:
    """Lines grouped into rows by height (middles within 40% of a line's height), each left to right."""
    rows: list[list] = []
    # once per line of every page: the row's first line kept at hand, abs/min/max as comparisons
    first_mid = first_height = 0.0
    for ln in sorted(lines, key=lambda ln: ((ln.y0 + ln.y1) / 2, ln.x0)):
        y0, y1 = ln.y0, ln.y1
        mid, height = (y0 + y1) / 2, y1 - y0
        if rows:
            low = height if height < first_height else first_height
            if low < 1.0:
                low = 1.0
            reach = 0.4 * low
            if -reach <= mid - first_mid <= reach:
                rows[-1].append(ln)
                continue
        rows.append([ln])
        first_mid, first_height = mid, height
    by_left = attrgetter("x0")
    for row in rows:
        row.sort(key=by_left)
    return rows


def _words(text: str) -> int:
    """Words that are not figures: "4,942.6 8,320.6" set close together is two cells, not prose."""
    return sum(1 for w in text.split() if not any(ch.isdigit() for ch in w))


def _is_tabular(row: list) -> bool:
    """Two or more pieces, all but the first (the label column) a few words long."""
    if len(row) < 2 or any(_words(ln.text) > _CELL_WORDS for ln in row[1:]):
        return False
    # dot leaders make a table of contents, which is a list of entries, not a table
    return _words(row[0].text) <= _LABEL_WORDS and not any(_has_leader(ln.text) for ln in row)


def _is_label(row: list) -> bool:
    """A row of one short piece: a section label inside a table ("Operating expenses:")."""
    return len(row) == 1 and _words(row[0].text) <= _CELL_WORDS and not _has_leader(row[0].text)


def _tabular_runs(rows: list[list]) -> list[list[list]]:
    """Runs of tabular rows set at a steady pitch, with any label rows between them."""
    runs: list[list[list]] = []
    cur: list[list] = []
    pending: list[list] = []  # label rows waiting for the tabular row that keeps them
    before: list | None = None  # the row above, kept or not: it may head the next run's columns
    for row in rows:
        last = (pending or cur)[-1] if (pending or cur) else None
        if last is not None and not _follows(last, row):
            runs.append(cur + _wrapped_tail(cur, pending))
            cur, pending = [], []
        if _is_tabular(row):
            if not cur and before is not None and _is_header_over(before, row):
                cur.append(before)
            cur.extend(pending)
            cur.append(row)
            pending = []
        elif cur and _is_label(row):
            pending.append(row)
        else:
            runs.append(cur + _wrapped_tail(cur, pending))
            cur, pending = [], []
        before = row
    runs.append(cur + _wrapped_tail(cur, pending))
    # a one-piece first row is a header over the figures (see _is_header_over): it counts as a row
    return [r for r in runs if r and sum(1 for row in r if len(row) >= 2) + (len(r[0]) == 1) >= _MIN_ROWS]


def _wrapped_tail(cur: list[list], pending: list[list]) -> list[list]:
    """The label lines after a run's last row that finish its wrapped label cell ("Maintenance / contracts").

    Such a line is set at the line pitch under the label and ends before the row's figures start; a
    note or caption under the table is set further down or runs across the columns.
    """
    if not cur or not pending or len(cur[-1]) < 2:
        return []
    last = cur[-1]
    tail = []
    for row in pending:
        above = (tail or [last])[-1]
        pitch = (row[0].y0 + row[0].y1) / 2 - (above[0].y0 + above[0].y1) / 2
        if pitch > 1.5 * row[0].size or row[0].x1 >= last[1].x0:
            break
        tail.append(row)
    return tail


def _is_header_over(above: list, first: list) -> bool:
    """``above`` heads the columns of the table starting at ``first`` though it is no tabular row itself.

    A header over the figures only (a blank corner cell, one metric: "Budget") arrives as one short
    piece. It is taken when every piece is short and starts right of the first row's label cell, so
    a caption or a heading over the table (set from the left margin) stays text.
    """
    if not _follows(above, first) or any(_words(ln.text) > _CELL_WORDS or _has_leader(ln.text) for ln in above):
        return False
    return all(ln.x0 > first[0].x1 for ln in above)


def _follows(above: list, below: list) -> bool:
    """``below`` is the next row of ``above``'s table: its middle at most ``_ROW_PITCH`` font sizes further down.

    Measured middle to middle and in font sizes, not by the gap between glyph boxes: a row of
    figures without descenders has a shorter box than the header over it, and table rows are set
    with cell padding (reportlab 1.8 sizes apart, a Word table exported by LibreOffice 2.25).
    """
    pitch = (below[0].y0 + below[0].y1) / 2 - (above[0].y0 + above[0].y1) / 2
    size = max(ln.size for ln in above + below)
    return pitch <= _ROW_PITCH * max(size, 1.0)


def _unruled_table(run: list[list], words_of: WordsOf) -> FoundTable | None:
    size = sorted(ln.size for row in run for ln in row)[len(run) // 2]
    run = _join_wrapped(run)
    words = [[w for ln in row for w in words_of(ln)] for row in run]
    # the header row may hold spanning or centred labels, and label rows reach into the figures:
    # the body rows of two or more pieces alone give the channels
    body = [w for row, ws in zip(run[1:], words[1:], strict=True) if len(row) >= 2 for w in ws]
    cuts = _column_cuts(body, min_gap=_CHANNEL * size)
    if not cuts:
        return None
    grid: list[list[str]] = []
    for ws in words:
        cells = [""] * (len(cuts) + 1)
        for x0, x1, text in ws:
            col = sum(1 for c in cuts if (x0 + x1) / 2 > c)
            cells[col] = f"{cells[col]} {text}".strip()
        grid.append(cells)
    left = -float("inf")
    if _prose_beside(grid):
        # the neighbouring page column's lines share the rows: the table starts at the first channel
        grid, left = [r[1:] for r in grid], cuts[0]
    if len(grid[0]) < 2:
        return None
    # two thirds of the cells of rows with figures filled: a ragged set of short lines (a form,
    # a list beside a note) is not a table
    full = [r for r, row in zip(grid, run, strict=True) if len(row) >= 2]
    filled = sum(1 for r in full for c in r if c)
    if filled * 3 < 2 * len(full) * len(grid[0]) or any(sum(1 for c in r if c) < 2 for r in full):
        return None
    if len(full) < _MIN_ROWS and any(not all(r) for r in full):
        return None  # two rows under a one-piece header are a table only when they fill every column
    labels = len(grid) - len(full) - (len(run[0]) == 1)  # a one-piece first row is the header
    if labels * 4 > len(grid):  # section labels are a few rows of a table, not most of it
        return None
    if not _cells_look_tabular(grid) or _reads_as_prose(grid) or not _has_figures(grid):
        return None
    kept = [w for ws in words for w in ws if (w[0] + w[1]) / 2 > left]
    if not kept:
        return None
    lines = [ln for row in run for ln in row]
    bbox = (min(w[0] for w in kept), min(ln.y0 for ln in lines), max(w[1] for w in kept), max(ln.y1 for ln in lines))
    text = " ".join(c for r in grid for c in r if c)
    return FoundTable(bbox, to_html(grid, header_rows=int(_heads_columns(grid, run))), text)


_NUMBER = re.compile(r"[-+\u2212(]?[$\u20ac\u00a3]?\d[\d,.]*%?\)?")  # a figure: -1,234.5% (12) $40
_YEAR = re.compile(r"(?:19|20)\d\d")


def _heads_columns(grid: list[list[str]], run: list[list]) -> bool:
    """The first row names the columns: bold over plain rows, or words over figures (see :func:`_names_figures`)."""
    if len(grid) < 2 or not any(grid[0][1:]):
        return False
    return (all(ln.bold for ln in run[0]) and not all(ln.bold for ln in run[1])) or _names_figures(grid)


def _names_figures(rows: list[list[str | None]]) -> bool:
    """The first row holds no figure (years aside) over columns of which the body's cells are a quarter figures.

    That is how a header row reads without its typography; a table of words only keeps ``<td>``.
    """
    heads = [c for c in rows[0][1:] if c]
    body = [c for r in rows[1:] for c in r[1:] if c]
    if not heads or not body or any(_NUMBER.fullmatch(c) and not _YEAR.fullmatch(c) for c in heads):
        return False
    return sum(1 for c in body if _NUMBER.fullmatch(c)) * 4 >= len(body)


def _join_wrapped(run: list[list]) -> list[list]:
    """Rows with a cell wrapped onto two lines joined: a one-piece line much closer to a neighbour than the pitch.

    A long label wraps inside its cell ("Maintenance" over "contracts") while the figures of the row
    sit on the first line (top-aligned cells) or between the two (centred). Such a line is nearer its
    row than the table's rows are to each other; a section label row is set at the full pitch.
    """
    if len(run) < 3:
        return run
    mids = [(row[0].y0 + row[0].y1) / 2 for row in run]
    gaps = sorted(b - a for a, b in itertools.pairwise(mids))
    near = 0.75 * gaps[len(gaps) // 2]
    out: list[list] = []
    pending: list = []  # a wrapped line above its row's figures (centred cells)
    for i, row in enumerate(run):
        above = mids[i] - mids[i - 1] if i else float("inf")
        below = mids[i + 1] - mids[i] if i + 1 < len(run) else float("inf")
        if len(row) == 1 and min(above, below) < near:
            if above <= below and out:
                out[-1] = out[-1] + row
            else:
                pending.extend(row)
            continue
        out.append(sorted(pending + row, key=lambda ln: ((ln.y0 + ln.y1) / 2, ln.x0)) if pending else row)
        pending = []
    if pending:
        out.append(pending)
    return out


def _prose_beside(grid: list[list[str]]) -> bool:
    """The first column holds running text (a third of its cells five words or more), not labels."""
    firsts = [r[0] for r in grid if r[0]]
    return sum(1 for c in firsts if _words(c) > _CELL_WORDS) * 3 > len(firsts)


_P, _I, _F = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
_count_objects = bare(pdfium_c.FPDFPage_CountObjects, _P)
_get_object = bare(pdfium_c.FPDFPage_GetObject, _P, _I)
_object_type = bare(pdfium_c.FPDFPageObj_GetType, _P)
_get_bounds = bare(pdfium_c.FPDFPageObj_GetBounds, _P, _P, _P, _P, _P)
_count_segments = bare(pdfium_c.FPDFPath_CountSegments, _P)
_get_matrix = bare(pdfium_c.FPDFPageObj_GetMatrix, _P, _P)
_get_segment = bare(pdfium_c.FPDFPath_GetPathSegment, _P, _I)
_segment_type = bare(pdfium_c.FPDFPathSegment_GetType, _P)
_segment_point = bare(pdfium_c.FPDFPathSegment_GetPoint, _P, _P, _P)
_segment_closes = bare(pdfium_c.FPDFPathSegment_GetClose, _P)
_PATH, _BEZIER, _MOVE = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_SEGMENT_BEZIERTO, pdfium_c.FPDF_SEGMENT_MOVETO


class _Geometry:
    """ctypes scratch values for reading path objects, made once per page: a call allocates nothing."""

    def __init__(self) -> None:
        self.l, self.b, self.r, self.t = (ctypes.c_float() for _ in range(4))
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.matrix = pdfium_c.FS_MATRIX()
        self.bounds_at = tuple(ctypes.addressof(v) for v in (self.l, self.b, self.r, self.t))
        self.x_at, self.y_at, self.matrix_at = (ctypes.addressof(v) for v in (self.x, self.y, self.matrix))

    def bounds(self, obj: int) -> tuple[float, float, float, float]:
        _get_bounds(obj, *self.bounds_at)
        return self.l.value, self.b.value, self.r.value, self.t.value

    def points(self, obj: int) -> list[tuple[float, float, bool, bool]] | None:
        """Page-space points of a straight-edged path as (x, y, moves_to, closes); None if it curves."""
        n = _count_segments(obj)
        if n <= 0 or n > _MAX_SEGMENTS or not _get_matrix(obj, self.matrix_at):
            return None
        m = self.matrix
        a, b, c, d, e, f = m.a, m.b, m.c, m.d, m.e, m.f
        x, y, x_at, y_at = self.x, self.y, self.x_at, self.y_at
        out = []
        for i in range(n):
            seg = _get_segment(obj, i)
            kind = _segment_type(seg)
            if kind == _BEZIER:
                return None
            _segment_point(seg, x_at, y_at)
            px, py = x.value, y.value
            out.append((a * px + c * py + e, b * px + d * py + f, kind == _MOVE, bool(_segment_closes(seg))))
        return out


def page_edges(page, page_box: tuple[float, float, float, float]) -> tuple[list[Edge], list[Edge]]:
    """The page's straight rules (top-level path objects) as horizontal and vertical edges, top-left coordinates.

    Each list keeps drawing order, which the cell finder's snapping depends on (see :mod:`.grid`).
    """
    geo = _Geometry()
    left, _, _, top = page_box
    horizontal: list[Edge] = []
    vertical: list[Edge] = []
    raw = address(page.raw)
    for i in range(_count_objects(raw)):
        obj = _get_object(raw, i)
        if _object_type(obj) != _PATH:
            continue
        x0, y0, x1, y1 = geo.bounds(obj)
        if y1 - y0 <= _THIN and x1 - x0 >= _SNAP:
            _add_edge(horizontal, vertical, x0 - left, x1 - left, top - (y0 + y1) / 2, top - (y0 + y1) / 2)
        elif x1 - x0 <= _THIN and y1 - y0 >= _SNAP:
            _add_edge(horizontal, vertical, (x0 + x1) / 2 - left, (x0 + x1) / 2 - left, top - y1, top - y0)
        elif x1 - x0 >= _SNAP and y1 - y0 >= _SNAP:
            points = geo.points(obj)
            if points:
                _polyline_edges(points, left, top, horizontal, vertical)
    return horizontal, vertical


def _polyline_edges(
    points: list[tuple[float, float, bool, bool]], left: float, top: float, horizontal: list, vertical: list
) -> None:
    """Axis-aligned straight segments of a path (rectangles and grids) as edges."""
    start_x = start_y = prev_x = prev_y = 0.0
    started = False
    for x, y, moves, closes in points:
        if moves or not started:
            start_x = prev_x = x
            start_y = prev_y = y
            started = True
            continue
        _segment(prev_x, prev_y, x, y, left, top, horizontal, vertical)
        prev_x, prev_y = x, y
        if closes:
            _segment(prev_x, prev_y, start_x, start_y, left, top, horizontal, vertical)
            prev_x, prev_y = start_x, start_y


def _segment(
    ax: float, ay: float, bx: float, by: float, left: float, top: float, horizontal: list, vertical: list
) -> None:
    """The edge along one straight segment, if it is axis-aligned and long enough.

    Plain floats in, and ``min``/``max`` of two as comparisons: grids of cell rectangles make this
    run for every side of every cell.
    """
    dx, dy = ax - bx, ay - by
    if -0.5 < dy < 0.5 and (dx >= _SNAP or -dx >= _SNAP):
        low, high = (bx, ax) if bx < ax else (ax, bx if bx > ax else ax)
        _add_edge(horizontal, vertical, low - left, high - left, top - ay, top - ay)
    elif -0.5 < dx < 0.5 and (dy >= _SNAP or -dy >= _SNAP):
        low, high = (by, ay) if by < ay else (ay, by if by > ay else ay)
        _add_edge(horizontal, vertical, ax - left, ax - left, top - high, top - low)


def _add_edge(horizontal: list, vertical: list, x0: float, x1: float, t: float, b: float) -> None:
    """An edge goes to the list of the axis it is longer along (pdfplumber's orientation rule)."""
    (horizontal if abs(b - t) < abs(x1 - x0) else vertical).append((x0, t, x1, b))


def to_html(rows: list[list[str | None]], header_rows: int = 0) -> str:
    """A plain HTML table; ``None`` cells (covered by a merged cell) widen the cell to their left.

    The first ``header_rows`` rows are set as ``<th>`` cells (chunking repeats them over each piece).
    """
    return table_html([_merged(row, header=r < header_rows) for r, row in enumerate(rows)], escape_quotes=True)


def _merged(row: list[str | None], *, header: bool) -> list[Cell]:
    """The row's cells, each ``None`` after a cell widening it by a column (a leading one is dropped)."""
    cells: list[Cell] = []
    for value in row:
        if value is None and cells:
            cells[-1].colspan += 1
        elif value is not None:
            cells.append(Cell(value, header=header))
    return cells
