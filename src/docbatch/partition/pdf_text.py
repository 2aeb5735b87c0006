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

from docbatch.partition.pdf_ffi import BoundedText, address, bare
from docbatch.partition.pdf_layout import BULLET, Line

__all__ = ["Frame", "page_lines"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
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
        ax, ay = self.point(pdf_box[0], pdf_box[1])
        bx, by = self.point(pdf_box[2], pdf_box[3])
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


_P, _I = ctypes.c_void_p, ctypes.c_int
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
        # the bare address: see pdf_ffi, a typed call costs a quarter more
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
        self.name = ctypes.create_string_buffer(96)
        self.rect_at = tuple(ctypes.addressof(v) for v in (self.l, self.t, self.r, self.b))
        self.flags_at, self.matrix_at, self.box_at, self.name_at = (
            ctypes.addressof(v) for v in (self.flags, self.matrix, self.rect, self.name)
        )

    def rects(self, start: int, count: int) -> list[tuple[float, float, float, float]]:
        tp, at = self.tp, self.rect_at
        n = _count_rects(tp, start, count)
        out = []
        left, bottom, right, top = self.l, self.b, self.r, self.t
        for i in range(max(n, 0)):
            if _get_rect(tp, i, *at):
                out.append((left.value, bottom.value, right.value, top.value))
        return out

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

    def charbox(self, ci: int) -> tuple[float, float, float, float] | None:
        """The loose box of one character (the same boxes pdfium's rectangles are made of)."""
        if _is_generated(self.tp, ci) == 1:
            return None
        if not _loose_box(self.tp, ci, self.box_at):
            return None
        r = self.rect
        return r.left, r.bottom, r.right, r.top

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
    spans = []
    pos = 0
    for m in [*_LINE_BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        seg = text[pos:end]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            spans.append((pos + lead, pos + lead + len(seg.strip())))
        pos = m.end() if m else end
    turn = _text_turn(reader, spans)
    frame = Frame(page_box, turn)
    lines = []
    for start, end in spans:
        for a, b, rects in _split_line(reader, text, start, end, split=turn == 0):
            lines.append(_make_line(reader, text, a, b, rects, frame))
    return lines, turn


def _is_marker(piece: str) -> bool:
    """A bullet glyph or list number standing apart from its item's text: kept with the text."""
    piece = piece.strip()
    return len(piece) <= 4 and BULLET.match(piece + " ") is not None


def _split_line(reader: _Reader, text: str, start: int, end: int, *, split: bool) -> list[tuple[int, int, list]]:
    """One pdfium line as (text start, text end, rects) pieces, split at wide gaps (columns, cells)."""
    cs = reader.char_index(start)
    ce = reader.char_index(end - 1)
    if cs < 0 or ce < cs:
        return []
    rects = reader.rects(cs, ce - cs + 1)
    if not rects:
        return []
    if not split:
        return [(start, end, rects)]
    pieces = []
    cur = [rects[0]]
    ci = cs
    for r in rects[1:]:
        prev = cur[-1]
        height = max(prev[3] - prev[1], r[3] - r[1], 1.0)
        overlap = min(prev[3], r[3]) - max(prev[1], r[1])
        # pdfium joins a hyphenated wrap onto one line, even into the next column
        if overlap <= 0 or (overlap > 0.3 * height and r[0] - prev[2] > 1.3 * height):
            found = _first_char_in(reader, r, ci, ce)
            if found is not None:
                ci = found
                at = reader.text_index(ci)
                if start < at < end and not _is_marker(text[start:at]):
                    pieces.append((start, at, cur))
                    start, cur = at, [r]
                    continue
        cur.append(r)
    pieces.append((start, end, cur))
    return pieces


def _first_char_in(reader: _Reader, rect: tuple[float, ...], first: int, last: int) -> int | None:
    """The first character from ``first`` whose box center lies in ``rect`` (only for split lines)."""
    left, bottom, right, top = rect
    for ci in range(first, last + 1):
        box = reader.charbox(ci)
        if box is None:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
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


def _make_line(reader: _Reader, text: str, start: int, stop: int, rects: list, frame: Frame) -> Line:
    if len(rects) == 1:
        pdf_box = rects[0]
    else:
        pdf_box = (
            min(r[0] for r in rects),
            min(r[1] for r in rects),
            max(r[2] for r in rects),
            max(r[3] for r in rects),
        )
    x0, y0, x1, y1 = frame.box(pdf_box)
    middle = (start + stop) // 2
    if text[middle].isspace() and stop - start > 2:
        middle += 1
    mid = reader.char_index(middle)
    size = reader.size(mid) if mid >= 0 else 0.0
    if size <= 0:
        size = y1 - y0
    bold = False
    if mid >= 0 and reader.bold(mid):
        first, last = reader.char_index(start), reader.char_index(stop - 1)
        bold = first >= 0 and last >= 0 and reader.bold(first) and reader.bold(last)
    span = (reader.char_index(start), reader.char_index(stop - 1))
    return Line(x0, y0, x1, y1, text[start:stop].strip(), round(size * 2) / 2, bold, pdf_box, span)


_enumerate_links = bare(pdfium_c.FPDFLink_Enumerate, _P, _P, _P)
_link_action = bare(pdfium_c.FPDFLink_GetAction, _P)
_action_type = bare(pdfium_c.FPDFAction_GetType, _P)
_uri_path = bare(pdfium_c.FPDFAction_GetURIPath, _P, _P, _P, ctypes.c_ulong)
_annot_rect = bare(pdfium_c.FPDFLink_GetAnnotRect, _P, _P)


def page_links(doc, page, textpage) -> list[tuple[tuple[float, float, float, float], str, str]]:
    """The page's URI link annotations as (PDF box, url, the text under the box)."""
    found = []
    pos, link, rect = ctypes.c_int(0), ctypes.c_void_p(), pdfium_c.FS_RECTF()
    buf = ctypes.create_string_buffer(8192)
    pos_at, link_at, rect_at, buf_at = (ctypes.addressof(v) for v in (pos, link, rect, buf))
    page_raw, doc_raw, uri_kind, room = address(page.raw), address(doc.raw), pdfium_c.PDFACTION_URI, len(buf)
    while _enumerate_links(page_raw, pos_at, link_at):
        action = _link_action(link.value)
        if not action or _action_type(action) != uri_kind:
            continue
        # one call fills the buffer and tells the size; a longer URI (over 8 KB) is skipped
        size = _uri_path(doc_raw, action, buf_at, room)
        if size <= 1 or size > room or not _annot_rect(link.value, rect_at):
            continue
        url = buf.value.decode("utf-8", errors="replace").strip()
        if url:
            left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top
            box = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
            found.append((box, url))
    boxes = [box for box, _ in found]
    texts = _swept_link_texts(textpage, boxes) if len(boxes) > _FEW_LINKS else _bounded_texts(textpage, boxes)
    return [(box, url, " ".join(text.split())) for (box, url), text in zip(found, texts, strict=True)]


# up to this many links a page, pdfium's per-box lookup (a C loop over the page, some 15 ns a
# character per box) is cheaper than one sweep in Python (some 3 us a character for all boxes)
_FEW_LINKS = 200
_CELL_SCALE = 2.0  # grid cells of the sweep's link index, in median link sizes: fewer characters straddle two


def _bounded_texts(textpage, boxes: list[tuple[float, float, float, float]]) -> list[str]:
    bounded = BoundedText(textpage)
    return [bounded(*box) for box in boxes]


def _swept_link_texts(textpage, boxes: list[tuple[float, float, float, float]]) -> list[str]:
    """The text pdfium's ``get_text_bounded`` gives for each box, from one sweep over the page's characters.

    ``get_text_bounded`` walks every character of the page per call, so a page of many links cost
    links x characters. Here each character's box is read once and matched against a grid of the
    link boxes (cells about one link in size, so a character meets a handful of boxes); the
    characters each box hits are then joined the way pdfium joins them (see :func:`_joined_hits`).
    """
    # cell numbers by truncation: not floor for negative coordinates, but monotonic, which is all
    # that covering a box's span of cells needs
    iw = 1.0 / max(4.0, _CELL_SCALE * _median(b[2] - b[0] for b in boxes))
    ih = 1.0 / max(4.0, _CELL_SCALE * _median(b[3] - b[1] for b in boxes))
    grid: dict[tuple[int, int], list[tuple[float, float, float, float, int]]] = {}
    for k, (left, bottom, right, top) in enumerate(boxes):
        if left >= right or bottom >= top:
            continue  # an empty box intersects nothing (and pdfium gives it no text)
        for gx in range(int(left * iw), int(right * iw) + 1):
            for gy in range(int(bottom * ih), int(top * ih) + 1):
                grid.setdefault((gx, gy), []).append((left, bottom, right, top, k))
    hits: list[list[int]] = [[] for _ in boxes]
    tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    cl, cr, cb, ct = (ctypes.c_double() for _ in range(4))
    al, ar, ab, at = (ctypes.addressof(v) for v in (cl, cr, cb, ct))
    get_box, cell, empty = _untyped(pdfium_c.FPDFText_GetCharBox, 4), grid.get, ()
    for ci in range(pdfium_c.FPDFText_CountChars(textpage.raw)):
        if not get_box(tp, ci, al, ar, ab, at):
            continue
        left, right, bottom, top = cl.value, cr.value, cb.value, ct.value
        if left >= right or bottom >= top:
            continue
        x0, x1, y0, y1 = int(left * iw), int(right * iw), int(bottom * ih), int(top * ih)
        if x0 == x1 and y0 == y1:  # the common case: the character lies in one cell
            for bl, bb, br, bt, k in cell((x0, y0), empty):
                # pdfium's test: the two rectangles' intersection is not empty
                if left < br and bl < right and bottom < bt and bb < top:
                    hits[k].append(ci)
            continue
        seen = set()
        for gx in range(x0, x1 + 1):
            for gy in range(y0, y1 + 1):
                for bl, bb, br, bt, k in cell((gx, gy), empty):
                    if k not in seen and left < br and bl < right and bottom < bt and bb < top:
                        seen.add(k)
                        hits[k].append(ci)
    get_uni = _untyped(pdfium_c.FPDFText_GetUnicode, 0)
    return [_joined_hits(textpage.raw, tp, get_uni, h) for h in hits]


def _untyped(func, pointers: int):
    """``func`` (textpage, index, ``pointers`` out-pointers) without ctypes' per-call pointer type checks.

    The sweep calls it once per character of the page, and pypdfium2's typed prototype spends
    more time checking its arguments than pdfium spends answering; addresses pass as plain ints.
    """
    address = ctypes.cast(func, ctypes.c_void_p).value
    proto = ctypes.CFUNCTYPE(func.restype, ctypes.c_void_p, ctypes.c_int, *[ctypes.c_void_p] * pointers)
    return proto(address)


def _median(values) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _joined_hits(raw, tp: int, get_uni, hits: list[int]) -> str:
    """The characters at ``hits`` (ascending indices) with the separators pdfium's bounded text puts between.

    pdfium walks every character: after a hit, a space that follows is kept; a hit that comes
    after other (non-space) text starts a new line when its baseline differs from the last
    line's. Only the characters between hits matter for that, so only those are read.
    """
    if not hits:
        return ""
    if hits[-1] - hits[0] == len(hits) - 1:  # one unbroken run (a linked word or phrase): nothing to insert
        return "".join([chr(u) for u in (get_uni(tp, ci) for ci in hits) if u])
    out: list[str] = []
    posy = 0.0
    # before the first hit only spaces and other text pass: the first hit sets the baseline
    # when some non-space text came before it
    add_feed = any(get_uni(tp, i) != 32 for i in range(hits[0] - 1, -1, -1))
    prev = None
    for ci in hits:
        if prev is not None:
            if ci == prev + 1:
                add_feed = False
            else:
                first = get_uni(tp, prev + 1)
                if first == 32:
                    out.append(" ")
                add_feed = first != 32 or any(get_uni(tp, i) != 32 for i in range(prev + 2, ci))
        if add_feed:
            y = _origin_y(raw, ci)
            if y != posy:
                posy = y
                if out:
                    out.append("\r\n")
        u = get_uni(tp, ci)
        if u:
            out.append(chr(u))
        prev = ci
    return "".join(out)


def _origin_y(tp, ci: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(tp, ci, ctypes.byref(x), ctypes.byref(y))
    return y.value


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
