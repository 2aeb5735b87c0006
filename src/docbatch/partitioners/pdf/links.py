"""A PDF page's URI links with the text under each, as pdfium's ``get_text_bounded`` gives it.

A few links: one bounded-text call per link (a C loop over the page). Many links: that would be
links x characters, so the page's characters are swept once instead (see :func:`_swept_texts`).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable

import pypdfium2.raw as pdfium_c

from docbatch.partitioners.pdf.ffi import BoundedText, address, bare, buffer_address

__all__ = ["page_links"]

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF user space

_P, _I = ctypes.c_void_p, ctypes.c_int
_enumerate_links = bare(pdfium_c.FPDFLink_Enumerate, _P, _P, _P)
_link_action = bare(pdfium_c.FPDFLink_GetAction, _P)
_action_type = bare(pdfium_c.FPDFAction_GetType, _P)
_uri_path = bare(pdfium_c.FPDFAction_GetURIPath, _P, _P, _P, ctypes.c_ulong)
_annot_rect = bare(pdfium_c.FPDFLink_GetAnnotRect, _P, _P)
_count_chars = bare(pdfium_c.FPDFText_CountChars, _P)
_char_box = bare(pdfium_c.FPDFText_GetCharBox, _P, _I, _P, _P, _P, _P)
_unicode = bare(pdfium_c.FPDFText_GetUnicode, _P, _I)
_char_origin = bare(pdfium_c.FPDFText_GetCharOrigin, _P, _I, _P, _P)

# up to this many links a page, pdfium's per-box lookup (a C loop over the page, some 15 ns a
# character per box) is cheaper than one sweep in Python (some 1-2 us a character for all boxes)
_FEW_LINKS = 200


def page_links(doc, page, textpage) -> list[tuple[Box, str, str]]:
    """The page's URI link annotations as (PDF box, url, the text under the box)."""
    found = []
    pos, link, rect = ctypes.c_int(0), ctypes.c_void_p(), pdfium_c.FS_RECTF()
    buf = bytearray(8192)
    buf_at = buffer_address(buf)
    pos_at, link_at, rect_at = (ctypes.addressof(v) for v in (pos, link, rect))
    page_raw, doc_raw, uri_kind, room = address(page.raw), address(doc.raw), pdfium_c.PDFACTION_URI, len(buf)
    while _enumerate_links(page_raw, pos_at, link_at):
        action = _link_action(link.value)
        if not action or _action_type(action) != uri_kind:
            continue
        # one call fills the buffer and tells the size; a longer URI (over 8 KB) is skipped
        size = _uri_path(doc_raw, action, buf_at, room)
        if size <= 1 or size > room or not _annot_rect(link.value, rect_at):
            continue
        end = buf.find(0)  # pdfium ends the URI with a NUL; the text is what comes before it
        url = buf[: end if end >= 0 else room].decode("utf-8", errors="replace").strip()
        if url:
            left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top
            box = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
            found.append((box, url))
    boxes = [box for box, _ in found]
    texts = _swept_texts(textpage, boxes) if len(boxes) > _FEW_LINKS else _bounded_texts(textpage, boxes)
    return [(box, url, " ".join(text.split())) for (box, url), text in zip(found, texts, strict=True)]


def _bounded_texts(textpage, boxes: list[Box]) -> list[str]:
    bounded = BoundedText(textpage)
    return [bounded(*box) for box in boxes]


class _LinkIndex:
    """The link boxes on a grid, each box entered in every cell that a character touching it can start in.

    A character meets a box when their intersection is not empty (pdfium's test). Entering each
    box in the cells of its area widened left and down by a character's size lets a character
    of at most that size look in one cell only, the one of its lower-left corner; a larger one
    looks in every cell it covers.
    """

    def __init__(self, boxes: list[Box]) -> None:
        width = max(4.0, _median(b[2] - b[0] for b in boxes))
        height = max(4.0, _median(b[3] - b[1] for b in boxes))
        # cells two links wide and tall: the entries (a box covers some four cells) cost more to
        # make than the few extra boxes a character is tested against (measured on 32,768 links)
        self.iw, self.ih = 1.0 / (2 * width), 1.0 / (2 * height)
        # the character size the single-cell lookup covers: a line of text as tall as the links
        self.reach = height
        self.grid: dict[tuple[int, int], list[tuple[float, float, float, float, int]]] = {}
        enter, iw, ih, reach = self.grid.setdefault, self.iw, self.ih, self.reach
        for k, (left, bottom, right, top) in enumerate(boxes):
            if left >= right or bottom >= top:
                continue  # an empty box intersects nothing (and pdfium gives it no text)
            entry = (left, bottom, right, top, k)
            # self.cells(left - reach, bottom - reach, right, top), inlined: once per link
            ys = range(int((bottom - reach) * ih), int(top * ih) + 1)
            for gx in range(int((left - reach) * iw), int(right * iw) + 1):
                for gy in ys:
                    enter((gx, gy), []).append(entry)

    def cells(self, left: float, bottom: float, right: float, top: float) -> list[tuple[int, int]]:
        """Grid cells an area covers; by truncation, which is monotonic, all that covering needs."""
        iw, ih = self.iw, self.ih
        ys = range(int(bottom * ih), int(top * ih) + 1)
        return [(gx, gy) for gx in range(int(left * iw), int(right * iw) + 1) for gy in ys]

    def hits_of_large(self, left: float, bottom: float, right: float, top: float) -> list[int]:
        """The boxes a character larger than the reach meets: looked up in every cell it covers."""
        out: set[int] = set()
        for cell in self.cells(left, bottom, right, top):
            for bl, bb, br, bt, k in self.grid.get(cell, ()):
                if left < br and bl < right and bottom < bt and bb < top:
                    out.add(k)
        return sorted(out)


def _swept_texts(textpage, boxes: list[Box]) -> list[str]:
    """The text pdfium's ``get_text_bounded`` gives for each box, from one sweep over the page's characters.

    ``get_text_bounded`` walks every character of the page per call, so a page of many links cost
    links x characters. Here each character's box is read once and matched against the link
    boxes (see :class:`_LinkIndex`); the characters each box hits are then joined the way pdfium
    joins them (see :func:`_joined_hits`).
    """
    index = _LinkIndex(boxes)
    grid, iw, ih, reach, empty = index.grid.get, index.iw, index.ih, index.reach, ()
    hits: list[list[int]] = [[] for _ in boxes]
    tp = address(textpage.raw)
    cl, cr, cb, ct = (ctypes.c_double() for _ in range(4))
    al, ar, ab, at = (ctypes.addressof(v) for v in (cl, cr, cb, ct))
    n, char_box = _count_chars(tp), _char_box
    for ci in range(n):
        if not char_box(tp, ci, al, ar, ab, at):
            continue
        left, right, bottom, top = cl.value, cr.value, cb.value, ct.value
        if left >= right or bottom >= top:
            continue
        if right - left <= reach and top - bottom <= reach:
            for bl, bb, br, bt, k in grid((int(left * iw), int(bottom * ih)), empty):
                if left < br and bl < right and bottom < bt and bb < top:
                    hits[k].append(ci)
        else:
            for k in index.hits_of_large(left, bottom, right, top):
                hits[k].append(ci)
    uni = [_unicode(tp, ci) for ci in range(n)]
    return [_joined_hits(tp, uni, h) for h in hits]


def _median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _joined_hits(tp: int, uni: list[int], hits: list[int]) -> str:
    """The characters at ``hits`` (ascending indices) with the separators pdfium's bounded text puts between.

    pdfium walks every character: after a hit, a space that follows is kept; a hit that comes
    after other (non-space) text starts a new line when its baseline differs from the last
    line's. Only the characters between hits matter for that. ``uni`` holds every character's
    code point (0 for none).
    """
    if not hits:
        return ""
    if hits[-1] - hits[0] == len(hits) - 1:  # one unbroken run (a linked word or phrase): nothing to insert
        return "".join([chr(u) for u in uni[hits[0] : hits[-1] + 1] if u])
    out: list[str] = []
    posy = 0.0
    # before the first hit only spaces and other text pass: the first hit sets the baseline
    # when some non-space text came before it
    add_feed = any(u != 32 for u in uni[: hits[0]])
    prev = None
    for ci in hits:
        if prev is not None:
            if ci == prev + 1:
                add_feed = False
            else:
                first = uni[prev + 1]
                if first == 32:
                    out.append(" ")
                add_feed = first != 32 or any(u != 32 for u in uni[prev + 2 : ci])
        if add_feed:
            y = _origin_y(tp, ci)
            if y != posy:
                posy = y
                if out:
                    out.append("\r\n")
        u = uni[ci]
        if u:
            out.append(chr(u))
        prev = ci
    return "".join(out)


def _origin_y(tp: int, ci: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    _char_origin(tp, ci, ctypes.addressof(x), ctypes.addressof(y))
    return y.value
