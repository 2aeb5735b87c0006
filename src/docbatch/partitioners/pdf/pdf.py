"""PDF: text with positions from pdfium, ruled tables by pdfplumber's grid algorithm, structure from geometry.

Pages are read one at a time (loaded, read, closed), so memory stays flat however long the
document. Each page becomes lines, lines become blocks (paragraphs, headings, list items) and
blocks are put in reading order (see :mod:`~docbatch.partitioners.layout.blocks`). Only then, with the whole document
seen, are blocks typed: headings by font size and weight against the document's body text,
running heads and page numbers by repetition across pages (see :mod:`~docbatch.partitioners.layout.page`).

Each page is read from its text layer unless that layer is missing or garbage and the page
shows something to read (a scan, or glyphs without Unicode): such a page is rendered and OCR'd
(:mod:`~docbatch.partitioners.ocr.page`), so a mixed PDF costs OCR time only on its scanned pages. A page with neither
text nor image is blank, not a failure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docbatch.elements import Element
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.images import wants
from docbatch.partitioners.kit.notes import part_lost, remark
from docbatch.partitioners.layout.blocks import Block, build_blocks, merge_visual_lines, reading_order
from docbatch.partitioners.layout.page import Placed, block_text, margin_zone, to_elements
from docbatch.partitioners.ocr.page import MAX_OCR_PIXELS, ocr_page
from docbatch.partitioners.pdf.forms import form_lines, open_forms, with_form_values
from docbatch.partitioners.pdf.links import page_links
from docbatch.partitioners.pdf.pictures import image_objects, table_png
from docbatch.partitioners.pdf.tables import find_tables
from docbatch.partitioners.pdf.text import Frame, page_lines

__all__ = ["partition_pdf"]

#: Render resolution for OCR. Measured on the benchmark's generated pages (10.5 pt body; see
#: ``python -m benchmarks.ocr``): 200 dpi reads every word (recall and precision 1.000 against the
#: text layer, as 300 dpi does) and Tesseract reads it at 0.88 pages/s against 0.37 at 300 dpi.
OCR_DPI = 200
#: A text layer this short beside a page-sized image is a stamp or a label on a scan, not the page's text.
_FEW_CHARS = 40
_LARGE_IMAGE = 0.5  # share of the page area a scan covers
#: Characters a real text layer rarely has: no Unicode for the glyph, private use, control codes.
_GARBAGE = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f]")
_GARBAGE_SHARE = 0.3


def partition_pdf(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a PDF into titles, paragraphs, list items, tables, headers and footers, OCR'ing scanned pages."""
    sizes: Counter[float] = Counter()
    tally = _Tally()
    placed, n_pages = _read_document(path, sizes, options, tally)
    if not placed:
        if tally.unread:
            raise DocumentError(
                f"{_pages(tally.unread)} scanned and not read because OCR is off (--ocr never); run with --ocr auto"
            )
        remark(f"no text on {_pages(tally.blank, 'blank')}" if tally.blank == n_pages else "no text found")
        return []
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    return to_elements(placed, n_pages, body)


@dataclass(slots=True)
class _Tally:
    """Pages that gave no text, by why: nothing on them, or a scan left unread under ``--ocr never``."""

    blank: int = 0
    unread: int = 0


def _pages(n: int, kind: str = "") -> str:
    """ "1 page", "3 blank pages"."""
    return f"{n} {kind + ' ' if kind else ''}page{'' if n == 1 else 's'}"


def _load_failure(code: int | None, message: str) -> str:
    """The reason for a PDF pdfium would not load, in its words where they say something; a file
    that fails with no error recorded reads "success" (FPDF_ERR_SUCCESS), and "unknown error"
    says nothing, so those are named for what they are."""
    if code in (pdfium_c.FPDF_ERR_SUCCESS, pdfium_c.FPDF_ERR_UNKNOWN, None):
        return "damaged PDF file (no readable cross-reference table or page tree); it may be truncated"
    reason = message.split("(PDFium: ")[-1].rstrip(").") if "PDFium" in message else message
    return f"not a readable PDF: {reason.lower()}"


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
        raise DocumentError(_load_failure(code, str(e))) from e
    except (OSError, ValueError) as e:
        raise DocumentError(f"cannot open PDF: {e}") from e


def _read_document(
    path: Path, sizes: Counter[float], options: PartitionOptions, tally: _Tally
) -> tuple[list[Placed], int]:
    """Every page's blocks; ``sizes`` collects characters per font size along the way.

    A page that raises is reported lost (the document ends partial) and the rest are read; a
    :class:`DocumentError` (OCR needed but not installed) fails the whole document.
    """
    doc = _open(path)
    placed: list[Placed] = []
    try:
        open_forms(doc)  # before any page is loaded, as pdfium asks
        n_pages = len(doc)
        if n_pages == 0:
            raise DocumentError("PDF has no pages")
        failed: list[str] = []
        for index in range(n_pages):
            try:
                placed.extend(_read_page(doc, index, sizes, options, tally))
            except DocumentError:
                raise
            except Exception as e:  # one unreadable page should not cost the rest of the document
                failed.append(f"{type(e).__name__}: {e}")
                part_lost(f"page {index + 1}", f"unreadable ({failed[-1]})")
        if len(failed) == n_pages:
            raise DocumentError(f"no page of the PDF could be read (page 1: {failed[0]})")
    finally:
        doc.close()
    return placed, n_pages


def _read_page(
    doc: pdfium.PdfDocument, index: int, sizes: Counter[float], options: PartitionOptions, tally: _Tally
) -> list[Placed]:
    """Blocks of one page in reading order, from its text layer or by OCR; the page is closed before returning."""
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
            how = _how_to_read(page, text, options.ocr)
            if how == "text":
                return _read_text_layer(doc, page, textpage, text, index, sizes)
        finally:
            textpage.close()
        if how == "ocr":
            return _read_by_ocr(page, index, sizes, options)
    finally:
        page.close()
    if how == "unread":
        tally.unread += 1
        part_lost(f"page {index + 1}", "scanned page not read because OCR is off (--ocr never)")
    else:
        tally.blank += 1
    return []


def _how_to_read(page: pdfium.PdfPage, text: str, ocr: str) -> str:
    """ "text", "ocr", "unread" (a scan under ``--ocr never``) or "blank"."""
    chars = len("".join(text.split()))
    if ocr == "always":
        return "ocr" if chars or _image_share(page) > 0 else "blank"
    garbage = chars > 0 and len(_GARBAGE.findall(text)) > _GARBAGE_SHARE * chars
    if chars >= _FEW_CHARS and not garbage:
        return "text"
    share = _image_share(page)
    scanned = garbage or (chars == 0 and share > 0) or share >= _LARGE_IMAGE
    if not scanned:
        return "text" if chars else "blank"
    return "unread" if ocr == "never" else "ocr"


def _image_share(page: pdfium.PdfPage) -> float:
    """The largest share of the page area one image covers (0 without images)."""
    left, bottom, right, top = page.get_bbox()
    area = max((right - left) * (top - bottom), 1.0)
    best = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()  # pypdfium2 5 / 4
        best = max(best, min((x1 - x0) * (y1 - y0) / area, 1.0), 1e-6)
    return best


def _read_by_ocr(page: pdfium.PdfPage, index: int, sizes: Counter[float], options: PartitionOptions) -> list[Placed]:
    """Render the page (display orientation) and OCR it; boxes come back in display points."""
    width, height = page.get_size()
    scale = min(OCR_DPI / 72, math.sqrt(MAX_OCR_PIXELS / max(width * height, 1.0)))
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
    finally:
        bitmap.close()
    placed, page_sizes = ocr_page(
        image, page=index + 1, size=(width, height), languages=options.ocr_languages, dpi=round(scale * 72)
    )
    sizes.update(page_sizes)
    return _running_heads_first(placed)


def _read_text_layer(
    doc: pdfium.PdfDocument, page: pdfium.PdfPage, textpage, text: str, index: int, sizes: Counter[float]
) -> list[Placed]:
    """Blocks of one page from its text layer (``text``: all of it, as read once), in reading order."""
    box = tuple(page.get_bbox())
    rotation = page.get_rotation()
    lines, turn = page_lines(textpage, box, text)
    tables = find_tables(page, textpage, box, lines) if lines and turn == 0 and rotation == 0 else []
    links = page_links(doc, page, textpage) if lines else []
    text_frame = Frame(box, turn)
    if doc.formenv is not None:  # filled-in values live in widgets, not in the page's text
        lines = with_form_values(lines, form_lines(doc, page, text_frame))
    lines = merge_visual_lines(lines)
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    tables_blocks = [_table_block(t, box) for t in tables]
    if tables_blocks:
        lines = [ln for ln in lines if not any(_inside(ln, tb) for tb in tables_blocks)]
        for tb in tables_blocks:
            tb.extra.update(table_png(page, tb.pdf_box))
    pictures = [_image_block(box_, meta, text_frame) for box_, meta in image_objects(page)] if wants("Image") else []
    blocks = reading_order(build_blocks(lines) + tables_blocks + pictures, text_frame.width)
    _attach_links(blocks, links)
    display = Frame(box, rotation)
    out = []
    for blk in blocks:
        text = blk.table_text if blk.kind in ("table", "image") else block_text(blk)
        if text or blk.kind in ("table", "image"):
            out.append(_place(blk, index + 1, display, text))
    return _running_heads_first(out)


def _running_heads_first(placed: list[Placed]) -> list[Placed]:
    rank = {"top": 0, None: 1, "bottom": 2}
    return sorted(placed, key=lambda p: rank[margin_zone(p)])


def _place(blk: Block, page: int, display: Frame, text: str) -> Placed:
    return Placed(
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
    """A table as a block, its box (top-left page origin) turned into frame and PDF boxes."""
    x0, top, x1, bottom = table.bbox
    left, _, _, page_top = page_box
    blk = Block([], x0, top, x1, bottom, kind="table", table_html=table.html, table_text=table.text)
    blk.pdf_box = (left + x0, page_top - bottom, left + x1, page_top - top)
    return blk


def _image_block(pdf_box: tuple[float, ...], meta: dict, frame: Frame) -> Block:
    """A picture as a block of its own kind (an Image element), placed by its box."""
    x0, y0, x1, y1 = frame.box(pdf_box)
    blk = Block([], x0, y0, x1, y1, kind="image")
    blk.pdf_box = tuple(pdf_box)
    blk.extra.update(meta)
    return blk


def _inside(line, blk: Block) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
    return blk.x0 <= cx <= blk.x1 and blk.y0 <= cy <= blk.y1
