"""Page geometry for the PDF partitioner: lines into blocks, blocks into reading order.

Everything here works on plain Python objects in a *text frame*: a top-left-origin coordinate
system in which the page's text reads left to right (so rotated pages need no special case).
No PDF library is touched, which keeps the heuristics testable and the per-page cost at a few
hundred small objects instead of thousands of characters.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

__all__ = ["BULLET", "Block", "Line", "build_blocks", "merge_visual_lines", "reading_order"]

#: A bullet glyph or a list number at the start of a line, with the space after it.
#: Private-use code points U+F000-U+F0FF are Symbol/Wingdings bullets that carry no Unicode.
BULLET = re.compile(r"^\s*(?:[•●○◦▪▫■□‣⁃∙➢➤►▶✓✔❖\uf000-\uf0ff*–-]|\(?(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)])\s+")
_SENTENCE_END = (".", "!", "?", ":", "。", ".”", '."')
#: How many open blocks a line may join: content drawn row by row across columns interleaves them.
_LOOKBACK = 3
#: Dot leaders of a table of contents: each such line is an entry of its own.
_LEADER = re.compile(r"(?:\.\s?){4,}|(?:·\s?){4,}|…{2,}|_{4,}")


@dataclass(slots=True)
class Line:
    """One visual line of text: its frame box, the font facts of its middle and its pdf-space box."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool
    pdf_box: tuple[float, float, float, float]  # left, bottom, right, top in PDF user space
    span: tuple[int, int] = (-1, -1)  # first and last pdfium character index, for a closer look

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(slots=True)
class Block:
    """Consecutive lines that belong together: a paragraph, a heading, a list item or a table."""

    lines: list[Line]
    x0: float
    y0: float
    x1: float
    y1: float
    kind: str = "text"  # "text" or "table"
    table_html: str = ""
    table_text: str = ""
    pdf_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, line: Line) -> Block:
        return cls([line], line.x0, line.y0, line.x1, line.y1, pdf_box=line.pdf_box)

    def add(self, line: Line) -> None:
        # comparisons rather than min/max: this runs for every line that joins a block
        self.lines.append(line)
        if line.x0 < self.x0:
            self.x0 = line.x0
        if line.y0 < self.y0:
            self.y0 = line.y0
        if line.x1 > self.x1:
            self.x1 = line.x1
        if line.y1 > self.y1:
            self.y1 = line.y1
        self.pdf_box = union(self.pdf_box, line.pdf_box)

    @property
    def size(self) -> float:
        """The font size carrying most of the block's characters."""
        weights: dict[float, int] = {}
        for ln in self.lines:
            weights[ln.size] = weights.get(ln.size, 0) + len(ln.text)
        return max(weights, key=weights.__getitem__)

    @property
    def bold(self) -> bool:
        return all(ln.bold for ln in self.lines)


def union(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[float, ...]:
    """The smallest box holding both boxes (left, bottom, right, top)."""
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def merge_visual_lines(lines: list[Line]) -> list[Line]:
    """Join pieces that sit on one visual line, in content order.

    PDF text breaks a line wherever the baseline moves (a superscript footnote mark, an inline
    formula), so "Karpukhin∗", ", Barlas" arrive as separate lines. A piece that overlaps the
    previous line vertically and starts just right of it continues that line.
    """
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, ln):
            gap = ln.x0 - prev.x1
            joiner = " " if gap > 0.15 * min(prev.size, ln.size) else ""
            main = prev if len(prev.text) >= len(ln.text) else ln
            out[-1] = Line(
                prev.x0,
                min(prev.y0, ln.y0),
                max(prev.x1, ln.x1),
                max(prev.y1, ln.y1),
                prev.text + joiner + ln.text,
                main.size,
                prev.bold and ln.bold,
                union(prev.pdf_box, ln.pdf_box),
            )
        else:
            out.append(ln)
    return out


def _continues(prev: Line, ln: Line) -> bool:
    """Same visual line: mostly overlapping rows, or a smaller script piece touching the row."""
    # min and max of two as comparisons (the builtins' picks, without their calls): once per line
    p_y0, p_y1, l_y0, l_y1 = prev.y0, prev.y1, ln.y0, ln.y1
    overlap = (l_y1 if l_y1 < p_y1 else p_y1) - (l_y0 if l_y0 > p_y0 else p_y0)
    p_height, l_height = p_y1 - p_y0, l_y1 - l_y0
    low = l_height if l_height < p_height else p_height
    p_size, l_size = prev.size, ln.size
    small, big = (l_size, p_size) if l_size < p_size else (p_size, l_size if l_size > p_size else p_size)
    if overlap < 0.5 * low and not (small < 0.85 * big and overlap > 0.1 * low):
        return False
    gap = ln.x0 - prev.x1
    return -1.0 * l_size <= gap <= 1.0 * big


def build_blocks(lines: list[Line]) -> list[Block]:
    """Group lines, in content order, into paragraph-sized blocks.

    A line joins the open block when it has the same font size and weight, sits just below the
    last line, overlaps it horizontally and does not start a list item or a new indented
    paragraph. Lines of other columns never overlap horizontally, so columns never mix.
    """
    pitches = _usual_pitches(lines)
    blocks: list[Block] = []
    for ln in lines:
        for blk in reversed(blocks[-_LOOKBACK:]):
            if blk.kind == "text" and _joins(blk, ln, pitches):
                blk.add(ln)
                break
        else:
            blocks.append(Block.of(ln))
    return blocks


def _center(line: Line) -> float:
    return (line.y0 + line.y1) / 2


def _usual_pitches(lines: list[Line]) -> dict[float, float]:
    """The page's most common line pitch (center to center) per font size: its leading.

    Designers set anything from 1.1 to 1.9 times the font size; knowing the page's own leading
    tells a wrapped line (one pitch down) from a new paragraph (more than one pitch down).
    """
    seen: dict[float, Counter] = {}
    for prev, ln in pairwise(lines):
        # the cheap size test first, _center inlined, a Counter made only for a new size: once per line
        size = ln.size
        if size != prev.size:
            continue
        pitch = (ln.y0 + ln.y1) / 2 - (prev.y0 + prev.y1) / 2
        if 0.8 * size < pitch < 2.5 * size and ln.x0 < prev.x1 and ln.x1 > prev.x0:
            counts = seen.get(size)
            if counts is None:
                counts = seen[size] = Counter()
            counts[round(pitch * 2) / 2] += 1
    return {size: counts.most_common(1)[0][0] for size, counts in seen.items()}


def _joins(blk: Block, ln: Line, pitches: dict[float, float]) -> bool:
    lines = blk.lines
    prev = lines[-1]
    # _center inlined and min/max of two as comparisons: this runs for every line against up to three blocks
    p_size, l_size = prev.size, ln.size
    size = l_size if l_size > p_size else p_size
    differ = p_size - l_size
    if differ > 0.12 * size or -differ > 0.12 * size or prev.bold != ln.bold:
        return False
    if ln.x0 >= blk.x1 or ln.x1 <= blk.x0:
        return False
    middle = (prev.y0 + prev.y1) / 2
    pitch = (ln.y0 + ln.y1) / 2 - middle
    limit, cap = 1.25 * pitches.get(l_size, 1.2 * size), 1.9 * size
    if cap < limit:
        limit = cap
    if len(lines) > 1:
        before = lines[-2]
        cap = middle - (before.y0 + before.y1) / 2 + 0.3 * size
        if cap < limit:
            limit = cap
    if not 0.5 * size <= pitch <= limit:
        return False
    if _has_leader(prev.text) or _has_leader(ln.text):
        return False
    if BULLET.match(ln.text) and not _indented_continuation(blk, ln):
        return False
    return not _new_paragraph(blk, prev, ln)


def _has_leader(text: str) -> bool:
    """Whether a line holds dot leaders; the substring tests spare the regex on ordinary lines."""
    if ".." not in text and ". ." not in text and "··" not in text and "… …" not in text and "__" not in text:
        return False
    return _LEADER.search(text) is not None


def _indented_continuation(blk: Block, ln: Line) -> bool:
    """A wrapped line that merely begins with a number ("2019) ...") is not a new list item."""
    marker = BULLET.match(ln.text)
    if marker is None or not any(c.isalnum() for c in marker.group()):
        return False
    return ln.x0 > blk.lines[0].x0 + 0.8 * ln.size and not BULLET.match(blk.lines[0].text)


def _new_paragraph(blk: Block, prev: Line, ln: Line) -> bool:
    """Paragraphs without spacing: the last line ended a sentence short of the margin, or the
    new line is indented while the block's lines were flush."""
    if not prev.text.rstrip().endswith(_SENTENCE_END):
        return False
    if prev.x1 < blk.x1 - 2.0 * prev.size:
        return True
    left = min(line.x0 for line in blk.lines)
    return len(blk.lines) >= 1 and ln.x0 > left + 0.8 * ln.size and prev.x0 <= left + 0.5


def reading_order(blocks: list[Block], width: float) -> list[Block]:
    """Order blocks as a person reads them: column by column, top to bottom.

    Pages without side-by-side blocks are sorted top to bottom. Otherwise a recursive XY-cut
    splits at the widest whitespace gap: a vertical gap (between columns) when both sides are
    wide enough to be text columns, else a horizontal one, so that narrow table columns and
    form labels are read row by row instead of column by column.
    """
    if not _has_side_by_side(blocks):
        return sorted(blocks, key=lambda b: (b.y0, b.x0))
    out: list[Block] = []
    _xy_cut(blocks, width, out)
    return out


def _has_side_by_side(blocks: list[Block]) -> bool:
    ordered = sorted(blocks, key=lambda b: b.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.y0 >= a.y1:
                break
            if b.x0 >= a.x1 or b.x1 <= a.x0:
                return True
    return False


def _xy_cut(blocks: list[Block], width: float, out: list[Block]) -> None:
    if len(blocks) <= 1:
        out.extend(blocks)
        return
    vcut = _vertical_cut(blocks, width)
    if vcut is not None:
        left = [b for b in blocks if b.x1 <= vcut]
        _xy_cut(left, width, out)
        _xy_cut([b for b in blocks if b.x1 > vcut], width, out)
        return
    hcut = _widest_gap(blocks, 1)
    if hcut is None:
        vcut = _widest_gap(blocks, 0)
        if vcut is None:
            out.extend(sorted(blocks, key=lambda b: (b.y0, b.x0)))
            return
        _xy_cut([b for b in blocks if b.x1 <= vcut], width, out)
        _xy_cut([b for b in blocks if b.x1 > vcut], width, out)
        return
    _xy_cut([b for b in blocks if b.y1 <= hcut], width, out)
    _xy_cut([b for b in blocks if b.y1 > hcut], width, out)


def _vertical_cut(blocks: list[Block], width: float) -> float | None:
    """A gutter between text columns: both sides at least a fifth of the region wide."""
    cut = _widest_gap(blocks, 0)
    if cut is None:
        return None
    x0 = min(b.x0 for b in blocks)
    x1 = max(b.x1 for b in blocks)
    span = max(x1 - x0, 1.0)
    left = [b for b in blocks if b.x1 <= cut]
    right = [b for b in blocks if b.x1 > cut]
    lw = max(b.x1 for b in left) - x0
    rw = x1 - min(b.x0 for b in right)
    if min(lw, rw) < 0.2 * span or min(lw, rw) < 0.12 * width:
        return None
    return cut


def _widest_gap(blocks: list[Block], axis: int) -> float | None:
    """The middle of the widest empty band across all blocks along an axis (0 = x, 1 = y)."""
    spans = sorted((b.x0, b.x1) if axis == 0 else (b.y0, b.y1) for b in blocks)
    best, best_at = 0.0, None
    end = spans[0][1]
    for lo, hi in spans[1:]:
        if lo - end > best:
            best, best_at = lo - end, (lo + end) / 2
        end = max(end, hi)
    return best_at
