"""Typed elements from the placed blocks of pages: the heuristics every paged format shares.

A PDF page read from its text layer and a scanned page or photo read by OCR end the same way:
blocks with a box on a page, a font size and a weight. Once the whole document is seen, this
module types them: headings by size and weight against the body text, running heads and page
numbers by repetition across pages, list items by their bullet, the rest as narrative text or
fragments. It knows no PDF or image library, so both partitioners share it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from docbatch.elements import Element, coordinates
from docbatch.partitioners.layout.blocks import BULLET, Block

__all__ = ["Placed", "block_text", "margin_zone", "to_elements"]

_MARGIN = 0.1  # share of the page height counted as top or bottom margin for running heads
_EDGE = 0.06  # share of the page height so close to the edge that only running heads stand there
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufeff\ufffd]")
_SOFT_HYPHEN = re.compile(r"\ufffe(?=[a-z])")
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?(?:\d+|[ivxlc]+)(?:\s*(?:of|/)\s*\d+)?$|^[-–—]\s*\d+\s*[-–—]$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;,!?]$")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTERS = bytes(string.ascii_letters, "ascii")


@dataclass(slots=True)
class Placed:
    """What the document-wide pass needs of a block: its text, font facts and display-space box.

    Lines are dropped once a page is read, so a long document holds little more than its text.
    """

    page: int
    box: tuple[float, float, float, float]  # top-left origin, page /Rotate applied
    width: float
    height: float
    text: str
    kind: str
    size: float
    bold: bool
    n_lines: int
    vertical: bool
    html: str
    extra: dict


def block_text(blk: Block) -> str:
    """The block's lines as one string: wraps joined with spaces, hyphenated words rejoined."""
    out = ""
    for ln in blk.lines:
        text = ln.text
        if not text:
            continue
        if not out:
            out = text
        elif out[-1] in "-\ufffe" and len(out) > 1 and out[-2].isalpha() and text[0].islower():
            out = out[:-1] + text
        else:
            out = out + " " + text
    if "\ufffe" in out:
        out = _SOFT_HYPHEN.sub("", out).replace("\ufffe", "-")
    # printable ASCII has no ligature and no control character: the two passes over it would
    # change nothing, and on long paragraphs they cost as much as the rest of this function
    if not (out.isascii() and out.isprintable()):
        out = _CONTROL.sub("", out.translate(_LIGATURES))
    return " ".join(out.split())  # str.split: the whitespace of re's \s


def to_elements(placed: list[Placed], n_pages: int, body: float) -> list[Element]:
    running = _running_heads(placed, n_pages)
    levels = _heading_levels(placed, body, running)
    elements = []
    for i, p in enumerate(placed):
        elements.append(_element(p, i, body, running, levels))
    _nest_list_items(elements, placed)
    return elements


def _nest_list_items(elements: list[Element], placed: list[Placed]) -> None:
    """``category_depth`` of list items from indentation: each deeper bullet position is one level.

    A run of list items (running heads aside) keeps a stack of bullet positions; an item further
    right than the top opens a level, one further left closes levels back to its own.
    """
    stack: list[float] = []
    for el, p in zip(elements, placed, strict=True):
        if el.type in ("Header", "Footer"):
            continue
        if el.type != "ListItem":
            stack.clear()
            continue
        x0, tol = p.box[0], max(p.size * 0.5, 2.0)
        while stack and x0 < stack[-1] - tol:
            stack.pop()
        if not stack or x0 > stack[-1] + tol:
            stack.append(x0)
        el.metadata["category_depth"] = len(stack) - 1


def _running_heads(placed: list[Placed], n_pages: int) -> dict[int, str]:
    """Indices of blocks that are running heads or footers (or page numbers), with their type.

    A block in the top or bottom margin repeats when the same text, digits ignored, stands in the
    same margin on at least 40% of the pages (and two). A bare page number in a margin always counts.
    """
    candidates: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(placed):
        zone = margin_zone(p)
        if zone is None or p.kind != "text":
            continue
        key = (zone, _DIGITS.sub("#", p.text.lower()))
        candidates.setdefault(key, []).append(i)
    needed = max(2, round(0.4 * n_pages))
    out: dict[int, str] = {}
    for i, p in enumerate(placed):
        zone = _edge_zone(p)
        if zone is not None and len(p.text.split()) <= 12 and p.n_lines <= 2:
            out[i] = "Header" if zone == "top" else "Footer"
    for (zone, norm), indices in candidates.items():
        pages = {placed[i].page for i in indices}
        bare_number = _PAGE_NUMBER.match(placed[indices[0]].text) is not None
        if bare_number or (n_pages >= 3 and len(pages) >= needed) or (n_pages == 2 and len(pages) == 2 and "#" in norm):
            for i in indices:
                out[i] = "Header" if zone == "top" else "Footer"
    return out


def _edge_zone(p: Placed) -> str | None:
    """The outer band of the page (under 0.65 inch on letter paper), where body text never goes."""
    if p.kind != "text":
        return None
    if p.box[3] <= _EDGE * p.height:
        return "top"
    if p.box[1] >= (1 - _EDGE) * p.height:
        return "bottom"
    return None


def margin_zone(p: Placed) -> str | None:
    if p.box[3] <= _MARGIN * p.height:
        return "top"
    if p.box[1] >= (1 - _MARGIN) * p.height:
        return "bottom"
    return None


def _is_heading(p: Placed, body: float) -> bool:
    """Short text set larger than the body, or bold at body size and not a sentence."""
    if p.kind != "text" or p.n_lines > 3 or p.vertical or not _HAS_LETTER.search(p.text):
        return False
    words = len(p.text.split())
    if words > 20 or len(p.text) > 200:
        return False
    if p.size >= body * 1.15:
        return True
    return p.bold and p.size >= body * 0.9 and words <= 12 and not _SENTENCE_END.search(p.text)


def _heading_levels(placed: list[Placed], body: float, running: dict[int, str]) -> dict[tuple[float, bool], int]:
    """Heading depth per (size, bold) style: the largest style is depth 0."""
    styles = {(p.size, p.bold) for i, p in enumerate(placed) if i not in running and _is_heading(p, body)}
    ordered = sorted(styles, key=lambda s: (-s[0], not s[1]))
    levels: dict[tuple[float, bool], int] = {}
    depth = -1
    prev: tuple[float, bool] | None = None
    for style in ordered:
        # sizes a point or less apart in the same weight are one level set with slightly different fonts
        if prev is None or style[1] != prev[1] or prev[0] - style[0] > 1.0:
            depth += 1
            prev = style
        levels[style] = depth
    return levels


def _element(p: Placed, index: int, body: float, running: dict[int, str], levels: dict) -> Element:
    meta = {"page_number": p.page, "coordinates": coordinates(p.box, width=p.width, height=p.height)}
    meta.update(p.extra)
    if p.kind == "table":
        meta["text_as_html"] = p.html
        return Element("Table", p.text, meta)
    if p.kind == "image":
        return Element("Image", p.text, meta)
    if index in running:
        return Element(running[index], p.text, meta)
    if _is_heading(p, body):
        meta["category_depth"] = levels.get((p.size, p.bold), 0)
        return Element("Title", p.text, meta)
    bullet = BULLET.match(p.text)
    if bullet and len(p.text) > bullet.end():
        return Element("ListItem", p.text[bullet.end() :], meta)
    return Element(_plain_type(p.text), p.text, meta)


def _letters(text: str) -> int:
    """How many letters (``[^\\W\\d_]``) the text has; ASCII text by a byte table, far faster than the regex."""
    if text.isascii():
        return len(text) - len(text.encode("ascii").translate(None, _ASCII_LETTERS))
    return len(_NOT_LETTERS.sub("", text))


def _plain_type(text: str) -> str:
    """NarrativeText for sentences; UncategorizedText for fragments like labels and numbers."""
    words = text.split()
    letters = _letters(text)
    if len(words) >= 3 and letters >= 0.5 * len(text.replace(" ", "")):
        return "NarrativeText"
    if len(words) >= 2 and _SENTENCE_END.search(text):
        return "NarrativeText"
    return "UncategorizedText"
