"""PDF: text with positions from pdfium, ruled tables from pdfplumber, structure from geometry.

Pages are read one at a time (loaded, read, closed), so memory stays flat however long the
document. Each page becomes lines, lines become blocks (paragraphs, headings, list items) and
blocks are put in reading order (see :mod:`pdf_layout`). Only then, with the whole document
seen, are blocks typed: headings by font size and weight against the document's body text,
running heads and page numbers by repetition across pages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docbatch.elements import Element, coordinates
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partition.base import PartitionOptions
from docbatch.partition.pdf_layout import BULLET, Block, build_blocks, merge_visual_lines, reading_order
from docbatch.partition.pdf_tables import find_tables
from docbatch.partition.pdf_text import Frame, page_lines, page_links

__all__ = ["partition_pdf"]

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


@dataclass(slots=True)
class _Placed:
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


def partition_pdf(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a PDF with a text layer into titles, paragraphs, list items, tables, headers and footers."""
    sizes: Counter[float] = Counter()
    placed, n_pages = _read_document(path, sizes)
    if not placed:
        raise DocumentError("no text layer (scanned?); enable OCR")
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    return _to_elements(placed, n_pages, body)


def _open(path: Path) -> pdfium.PdfDocument:
    """Open with pdfium, translating its failures; an empty user password is tried by pdfium itself."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedDocument("password-protected PDF; remove the password and retry") from e
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedDocument("PDF uses an unsupported security handler") from e
        reason = str(e).split("(PDFium: ")[-1].rstrip(").") if "PDFium" in str(e) else str(e)
        raise DocumentError(f"not a readable PDF: {reason.lower()}") from e
    except (OSError, ValueError) as e:
        raise DocumentError(f"cannot open PDF: {e}") from e


def _read_document(path: Path, sizes: Counter[float]) -> tuple[list[_Placed], int]:
    """Every page's blocks; ``sizes`` collects characters per font size along the way."""
    doc = _open(path)
    placed: list[_Placed] = []
    try:
        n_pages = len(doc)
        if n_pages == 0:
            raise DocumentError("PDF has no pages")
        failed = 0
        for index in range(n_pages):
            try:
                placed.extend(_read_page(doc, index, sizes))
            except Exception:  # one unreadable page should not cost the rest of the document
                failed += 1
        if failed == n_pages:
            raise DocumentError("no page of the PDF could be read")
    finally:
        doc.close()
    return placed, n_pages


def _read_page(doc: pdfium.PdfDocument, index: int, sizes: Counter[float]) -> list[_Placed]:
    """Blocks of one page in reading order; the page is closed before returning."""
    page = doc[index]
    try:
        box = tuple(page.get_bbox())
        rotation = page.get_rotation()
        textpage = page.get_textpage()
        try:
            lines, turn = page_lines(textpage, box)
            tables = find_tables(page, textpage, box, lines) if lines and turn == 0 and rotation == 0 else []
            links = page_links(doc, page, textpage) if lines else []
        finally:
            textpage.close()
    finally:
        page.close()
    text_frame = Frame(box, turn)
    lines = merge_visual_lines(lines)
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    tables_blocks = [_table_block(t, box) for t in tables]
    if tables_blocks:
        lines = [ln for ln in lines if not any(_inside(ln, tb) for tb in tables_blocks)]
    blocks = reading_order(build_blocks(lines) + tables_blocks, text_frame.width)
    _attach_links(blocks, links)
    display = Frame(box, rotation)
    out = []
    for blk in blocks:
        text = blk.table_text if blk.kind == "table" else _block_text(blk)
        if text or blk.kind == "table":
            out.append(_place(blk, index + 1, display, text))
    rank = {"top": 0, None: 1, "bottom": 2}
    return sorted(out, key=lambda p: rank[_margin_zone(p)])


def _place(blk: Block, page: int, display: Frame, text: str) -> _Placed:
    return _Placed(
        page=page,
        box=display.box(blk.pdf_box),
        width=display.width,
        height=display.height,
        text=text,
        kind=blk.kind,
        size=blk.size if blk.lines else 0.0,
        bold=blk.bold if blk.lines else False,
        n_lines=len(blk.lines),
        vertical=blk.y1 - blk.y0 > 2 * (blk.x1 - blk.x0),
        html=blk.table_html,
        extra=blk.extra,
    )


def _attach_links(blocks: list[Block], links: list) -> None:
    """Give each link to the block under the middle of its box, as unstructured's link_urls/link_texts."""
    for (left, bottom, right, top), url, text in links:
        cx, cy = (left + right) / 2, (bottom + top) / 2
        for blk in blocks:
            b = blk.pdf_box
            if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                blk.extra.setdefault("link_urls", []).append(url)
                blk.extra.setdefault("link_texts", []).append(text)
                break


def _table_block(table, page_box: tuple[float, ...]) -> Block:
    """A table as a block, its pdfplumber box (top-left origin) turned into frame and PDF boxes."""
    x0, top, x1, bottom = table.bbox
    left, _, _, page_top = page_box
    blk = Block([], x0, top, x1, bottom, kind="table", table_html=table.html, table_text=table.text)
    blk.pdf_box = (left + x0, page_top - bottom, left + x1, page_top - top)
    return blk


def _inside(line, blk: Block) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
    return blk.x0 <= cx <= blk.x1 and blk.y0 <= cy <= blk.y1


def _block_text(blk: Block) -> str:
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
    out = _SOFT_HYPHEN.sub("", out).replace("\ufffe", "-")
    return " ".join(_CONTROL.sub("", out.translate(_LIGATURES)).split())  # str.split: the whitespace of re's \s


def _to_elements(placed: list[_Placed], n_pages: int, body: float) -> list[Element]:
    running = _running_heads(placed, n_pages)
    levels = _heading_levels(placed, body, running)
    elements = []
    for i, p in enumerate(placed):
        elements.append(_element(p, i, body, running, levels))
    _nest_list_items(elements, placed)
    return elements


def _nest_list_items(elements: list[Element], placed: list[_Placed]) -> None:
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


def _running_heads(placed: list[_Placed], n_pages: int) -> dict[int, str]:
    """Indices of blocks that are running heads or footers (or page numbers), with their type.

    A block in the top or bottom margin repeats when the same text, digits ignored, stands in the
    same margin on at least 40% of the pages (and two). A bare page number in a margin always counts.
    """
    candidates: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(placed):
        zone = _margin_zone(p)
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


def _edge_zone(p: _Placed) -> str | None:
    """The outer band of the page (under 0.65 inch on letter paper), where body text never goes."""
    if p.kind != "text":
        return None
    if p.box[3] <= _EDGE * p.height:
        return "top"
    if p.box[1] >= (1 - _EDGE) * p.height:
        return "bottom"
    return None


def _margin_zone(p: _Placed) -> str | None:
    if p.box[3] <= _MARGIN * p.height:
        return "top"
    if p.box[1] >= (1 - _MARGIN) * p.height:
        return "bottom"
    return None


def _is_heading(p: _Placed, body: float) -> bool:
    """Short text set larger than the body, or bold at body size and not a sentence."""
    if p.kind != "text" or p.n_lines > 3 or p.vertical or not _HAS_LETTER.search(p.text):
        return False
    words = len(p.text.split())
    if words > 20 or len(p.text) > 200:
        return False
    if p.size >= body * 1.15:
        return True
    return p.bold and p.size >= body * 0.9 and words <= 12 and not _SENTENCE_END.search(p.text)


def _heading_levels(placed: list[_Placed], body: float, running: dict[int, str]) -> dict[tuple[float, bool], int]:
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


def _element(p: _Placed, index: int, body: float, running: dict[int, str], levels: dict) -> Element:
    x0, y0, x1, y1 = p.box
    meta = {
        "page_number": p.page,
        "coordinates": coordinates([(x0, y0), (x0, y1), (x1, y1), (x1, y0)], width=p.width, height=p.height),
    }
    meta.update(p.extra)
    if p.kind == "table":
        meta["text_as_html"] = p.html
        return Element("Table", p.text, meta)
    if index in running:
        return Element(running[index], p.text, meta)
    if _is_heading(p, body):
        meta["category_depth"] = levels.get((p.size, p.bold), 0)
        return Element("Title", p.text, meta)
    bullet = BULLET.match(p.text)
    if bullet and len(p.text) > bullet.end():
        return Element("ListItem", p.text[bullet.end() :], meta)
    return Element(_plain_type(p.text), p.text, meta)


def _plain_type(text: str) -> str:
    """NarrativeText for sentences; UncategorizedText for fragments like labels and numbers."""
    words = text.split()
    letters = len(_NOT_LETTERS.sub("", text))
    if len(words) >= 3 and letters >= 0.5 * len(text.replace(" ", "")):
        return "NarrativeText"
    if len(words) >= 2 and _SENTENCE_END.search(text):
        return "NarrativeText"
    return "UncategorizedText"
