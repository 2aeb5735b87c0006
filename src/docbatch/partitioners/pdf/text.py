"""Read one PDF page's text layer with pdfium as lines with boxes and font facts.

Per-character calls through ctypes are what make PDF extraction slow in Python, so this reads
the whole page text in one call, lets pdfium split it into lines and group characters into
rectangles (one per text run), and asks for font facts only at a few sample characters per line.
The cost is a handful of calls per line, not per character.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter

import pypdfium2.raw as pdfium_c

from docbatch.partitioners.layout.blocks import BULLET, Line
from docbatch.partitioners.pdf.ffi import address, bare

__all__ = ["Frame", "page_lines"]

#: What ``str.strip()`` leaves of each line (text between \r and \n breaks): first to last non-space.
_LINE_CONTENT = re.compile(r"\S(?:[^\r\n]*\S)?")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_FORCE_BOLD = 1 << 18
_FILL_STROKE = 2  # FPDF_TEXTRENDERMODE_FILL_STROKE: "fake bold" drawn by stroking the outline


class Frame:
    """Maps PDF user space to a top-left-origin frame turned by a multiple of 90 degrees.

    With ``turn`` equal to the page's /Rotate this gives display coordinates; with the reading
    direction of the page's text it gives a frame in which the text reads left to right.
    """

    def __init__(self, box: tuple[float, float, float, float], turn: int) -> None:
        self.left, self.bottom, self.right, self.top = box
        self.turn = turn % 360
        w, h = self.right - self.left, self.top - self.bottom
        self.width, self.height = (h, w) if self.turn in (90, 270) else (w, h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        t = self.turn
        if t == 0:
            return x - self.left, self.top - y
        if t == 90:
            return y - self.bottom, x - self.left
        if t == 180:
            return self.right - x, y - self.bottom
        return self.top - y, self.right - x

    def box(self, pdf_box: tuple[float, ...]) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) in this frame of a (left, bottom, right, top) PDF box."""
        if self.turn == 0:  # nearly every page: point() inlined, once per line
            left, top = self.left, self.top
            ax, bx, ay, by = pdf_box[0] - left, pdf_box[2] - left, top - pdf_box[1], top - pdf_box[3]
            # min and max of two, as comparisons (same picks as the builtins, without their calls)
            return bx if bx < ax else ax, by if by < ay else ay, bx if bx > ax else ax, by if by > ay else ay
        ax, ay = self.point(pdf_box[0], pdf_box[1])
        bx, by = self.point(pdf_box[2], pdf_box[3])
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


_P, _I = ctypes.c_void_p, ctypes.c_int
_FontName = ctypes.c_char * 96  # made once: a ctypes array type per page costs some 30 us
_count_rects = bare(pdfium_c.FPDFText_CountRects, _P, _I, _I)
_get_rect = bare(pdfium_c.FPDFText_GetRect, _P, _I, _P, _P, _P, _P)
_font_size = bare(pdfium_c.FPDFText_GetFontSize, _P, _I)
_get_matrix = bare(pdfium_c.FPDFText_GetMatrix, _P, _I, _P)
_font_info = bare(pdfium_c.FPDFText_GetFontInfo, _P, _I, _P, ctypes.c_ulong, _P)
_font_weight = bare(pdfium_c.FPDFText_GetFontWeight, _P, _I)
_text_object = bare(pdfium_c.FPDFText_GetTextObject, _P, _I)
_render_mode = bare(pdfium_c.FPDFTextObj_GetTextRenderMode, _P)
_char_angle = bare(pdfium_c.FPDFText_GetCharAngle, _P, _I)
_is_generated = bare(pdfium_c.FPDFText_IsGenerated, _P, _I)
_loose_box = bare(pdfium_c.FPDFText_GetLooseCharBox, _P, _I, _P)
_char_of_text = bare(pdfium_c.FPDFText_GetCharIndexFromTextIndex, _P, _I)
_text_of_char = bare(pdfium_c.FPDFText_GetTextIndexFromCharIndex, _P, _I)


class _Reader:
    """Holds the ctypes scratch values for one text page so each call allocates nothing."""

    def __init__(self, textpage, *, identity: bool = False) -> None:
        # the bare address: see ffi.py, a typed call costs a quarter more
        self.tp = address(textpage.raw)
        # pdfium's text mirrors its character list one to one on nearly every page; then the
        # index translation calls can be skipped
        self.identity = identity
        self.l, self.t, self.r, self.b = (ctypes.c_double() for _ in range(4))
        self.flags = ctypes.c_int()
        self.matrix = pdfium_c.FS_MATRIX()
        self.rect = pdfium_c.FS_RECTF()
        self.fonts: dict[tuple[bytes, int], bool] = {}
        self.objects: dict[int, bool] = {}  # text object -> bold: every character of one object shares its font
        self.name = _FontName()
        self.rect_at = tuple(ctypes.addressof(v) for v in (self.l, self.t, self.r, self.b))
        self.flags_at, self.matrix_at, self.box_at, self.name_at = (
            ctypes.addressof(v) for v in (self.flags, self.matrix, self.rect, self.name)
        )

    def rects(self, start: int, count: int) -> list[tuple[float, float, float, float]]:
        tp, (l_at, t_at, r_at, b_at) = self.tp, self.rect_at
        left, bottom, right, top = self.l, self.b, self.r, self.t
        # one comprehension, arguments unpacked once: this runs for every line of the page
        return [
            (left.value, bottom.value, right.value, top.value)
            for i in range(_count_rects(tp, start, count))
            if _get_rect(tp, i, l_at, t_at, r_at, b_at)
        ]

    def char_index(self, text_index: int) -> int:
        if self.identity:
            return text_index
        return _char_of_text(self.tp, text_index)

    def size(self, ci: int) -> float:
        """The size the character is shown at: its font size scaled by its text and page matrices."""
        size = _font_size(self.tp, ci)
        if not _get_matrix(self.tp, ci, self.matrix_at):
            return size
        m = self.matrix
        return size * math.sqrt(abs(m.a * m.d - m.b * m.c))

    def bold(self, ci: int) -> bool:
        """Bold by weight, font name or flags, or drawn with fill and stroke; known once per text object.

        A character's font and render mode are its text object's, so one pdfium call per
        character (which object) answers all but the first character of each object.
        """
        obj = _text_object(self.tp, ci)
        if not obj:
            return self._font_bold(ci)
        bold = self.objects.get(obj)
        if bold is None:
            bold = self._font_bold(ci) or _render_mode(obj) == _FILL_STROKE
            self.objects[obj] = bold
        return bold

    def _font_bold(self, ci: int) -> bool:
        """Bold by weight, font name or flags (cached per font)."""
        n = _font_info(self.tp, ci, self.name_at, len(self.name), self.flags_at)
        key = (self.name.value if n else b"", self.flags.value)
        bold = self.fonts.get(key)
        if bold is None:
            weight = _font_weight(self.tp, ci)
            name = key[0].decode("latin-1")
            bold = weight >= 600 or bool(key[1] & _FORCE_BOLD) or _BOLD_NAME.search(name) is not None
            self.fonts[key] = bold
        return bold

    def angle(self, ci: int) -> float:
        return _char_angle(self.tp, ci)

    def text_index(self, ci: int) -> int:
        if self.identity:
            return ci
        return _text_of_char(self.tp, ci)


def page_lines(
    textpage, page_box: tuple[float, float, float, float], text: str | None = None
) -> tuple[list[Line], int]:
    """The page's text lines in content order, in a frame where text reads left to right.

    ``text`` is the page's ``get_text_range()`` when the caller has read it already. Returns the
    lines and the frame's turn (0, 90, 180 or 270 degrees).
    """
    if text is None:
        text = textpage.get_text_range()
    if not text.strip():
        return [], 0
    reader = _Reader(textpage, identity=textpage.count_chars() == len(text))
    spans = [m.span() for m in _LINE_CONTENT.finditer(text)]
    turn = _text_turn(reader, spans)
    frame = Frame(page_box, turn)
    lines = []
    for start, end in spans:
        for a, b, pdf_box in _split_line(reader, text, start, end, split=turn == 0):
            lines.append(_make_line(reader, text, a, b, pdf_box, frame))
    return lines, turn


def _is_marker(piece: str) -> bool:
    """A bullet glyph or list number standing apart from its item's text: kept with the text."""
    piece = piece.strip()
    return len(piece) <= 4 and BULLET.match(piece + " ") is not None


def _split_line(
    reader: _Reader, text: str, start: int, end: int, *, split: bool
) -> list[tuple[int, int, tuple[float, float, float, float]]]:
    """One pdfium line as (text start, text end, pdf box) pieces, split at wide gaps (columns, cells).

    Each piece's box (left, bottom, right, top) is the union of its rectangles, grown as the
    rectangles are walked: the comparisons do what ``min``/``max`` would, without their calls.
    """
    if reader.identity:  # nearly every page: no index translation, no calls
        cs, ce = start, end - 1
    else:
        cs, ce = reader.char_index(start), reader.char_index(end - 1)
    if cs < 0 or ce < cs:
        return []
    rects = reader.rects(cs, ce - cs + 1)
    if not rects:
        return []
    if not split:
        return [(start, end, _union(rects))]
    pieces = []
    prev = rects[0]
    left, bottom, right, top = prev
    ci = cs
    for i in range(1, len(rects)):
        r = rects[i]
        r_left, r_bottom, r_right, r_top = r
        p_bottom, p_top = prev[1], prev[3]
        height = p_top - p_bottom
        if r_top - r_bottom > height:
            height = r_top - r_bottom
        if height < 1.0:
            height = 1.0
        overlap = (r_top if r_top < p_top else p_top) - (r_bottom if r_bottom > p_bottom else p_bottom)
        # pdfium joins a hyphenated wrap onto one line, even into the next column
        if overlap <= 0 or (overlap > 0.3 * height and r_left - prev[2] > 1.3 * height):
            found = _first_char_in(reader, r, ci, ce)
            if found is not None:
                ci = found
                at = reader.text_index(ci)
                if start < at < end and not _is_marker(text[start:at]):
                    pieces.append((start, at, (left, bottom, right, top)))
                    start, prev = at, r
                    left, bottom, right, top = r
                    continue
        if r_left < left:
            left = r_left
        if r_bottom < bottom:
            bottom = r_bottom
        if r_right > right:
            right = r_right
        if r_top > top:
            top = r_top
        prev = r
    pieces.append((start, end, (left, bottom, right, top)))
    return pieces


def _union(rects: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """The (left, bottom, right, top) box around PDF rectangles."""
    if len(rects) == 1:
        return rects[0]
    lefts, bottoms, rights, tops = zip(*rects, strict=True)
    return min(lefts), min(bottoms), max(rights), max(tops)


def _first_char_in(reader: _Reader, rect: tuple[float, ...], first: int, last: int) -> int | None:
    """The first character from ``first`` whose box center lies in ``rect`` (only for split lines)."""
    left, bottom, right, top = rect
    # pdfium's loose boxes (the ones its rectangles are made of), read in place: table rows walk
    # every character of a cell this way
    tp, box, box_at = reader.tp, reader.rect, reader.box_at
    for ci in range(first, last + 1):
        if _is_generated(tp, ci) == 1 or not _loose_box(tp, ci, box_at):
            continue
        cx, cy = (box.left + box.right) / 2, (box.bottom + box.top) / 2
        if left - 0.5 <= cx <= right + 0.5 and bottom - 0.5 <= cy <= top + 0.5:
            return ci
    return None


def _text_turn(reader: _Reader, spans: list[tuple[int, int]]) -> int:
    """How far the page's text is turned: a length-weighted vote of the five longest lines' angles.

    A vote rather than one line, so that a long vertical margin note (an arXiv stamp, an axis
    label) does not turn a page whose body text is upright.
    """
    votes: Counter[int] = Counter()
    for start, stop in sorted(spans, key=lambda p: p[0] - p[1])[:5]:
        ci = reader.char_index((start + stop) // 2)
        angle = reader.angle(ci) if ci >= 0 else -1.0
        if angle >= 0:
            # pdfium measures the angle clockwise; the frame turns counter-clockwise with the text
            votes[(360 - round(math.degrees(angle) / 90) * 90) % 360] += stop - start
    return votes.most_common(1)[0][0] if votes else 0


def _make_line(
    reader: _Reader, text: str, start: int, stop: int, pdf_box: tuple[float, float, float, float], frame: Frame
) -> Line:
    x0, y0, x1, y1 = frame.box(pdf_box)
    middle = (start + stop) // 2
    if text[middle].isspace() and stop - start > 2:
        middle += 1
    if reader.identity:  # nearly every page: text index and character index agree, no calls
        mid, first, last = middle, start, stop - 1
    else:
        mid, first, last = reader.char_index(middle), reader.char_index(start), reader.char_index(stop - 1)
    size = reader.size(mid) if mid >= 0 else 0.0
    if size <= 0:
        size = y1 - y0
    bold = False
    if mid >= 0 and reader.bold(mid):
        bold = first >= 0 and last >= 0 and reader.bold(first) and reader.bold(last)
    return Line(x0, y0, x1, y1, text[start:stop].strip(), round(size * 2) / 2, bold, pdf_box, (first, last))


def line_words(textpage, line: Line, page_box: tuple[float, ...]) -> list[tuple[float, float, str]]:
    """The words of an upright line as (x0, x1, text) in top-left page coordinates.

    Reads one character box at a time, so it is only for the few lines of a table candidate.
    """
    first, last = line.span
    if first < 0 or last < first:
        return []
    left = page_box[0]
    words: list[list] = []
    prev_right = None
    rect = pdfium_c.FS_RECTF()
    tp = textpage.raw
    for ci in range(first, last + 1):
        ch = chr(pdfium_c.FPDFText_GetUnicode(tp, ci) or 32)
        if ch.isspace() or not pdfium_c.FPDFText_GetLooseCharBox(tp, ci, ctypes.byref(rect)):
            prev_right = None
            continue
        x0, x1 = rect.left - left, rect.right - left
        if prev_right is None or x0 - prev_right > 0.25 * line.size:
            words.append([x0, x1, ch])
        else:
            words[-1][1] = x1
            words[-1][2] += ch
        prev_right = x1
    return [(w[0], w[1], w[2]) for w in words]
