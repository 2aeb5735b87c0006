"""Known-text pages for the OCR tests, made in the test: fpdf2 writes them, pdfium renders them.

fpdf2's core Helvetica needs no font file, so the fixtures look the same on any machine; a small
page (A6 landscape) keeps each OCR call well under a second.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from docbatch.errors import DocumentError
from docbatch.partitioners.ocr.ocr import check_available, install_hint

PAGE_MM = (148, 105)  # A6 landscape
DPI = 200

#: (kind, text) blocks of the known pages: a title, a paragraph and two list items each.
PAGES = [
    [
        ("title", "Quarterly Warehouse Review"),
        ("text", "The northern depot shipped more parcels than planned this quarter."),
        ("item", "Replace the old forklift batteries"),
        ("item", "Train two new night supervisors"),
    ],
    [
        ("title", "Freight Contract Notes"),
        ("text", "Carriers asked for longer notice before every holiday season."),
        ("item", "Compare three regional carriers"),
        ("item", "Sign the renewal before March"),
    ],
]


def _ocr_ready() -> bool:
    try:
        check_available("eng")
    except DocumentError:
        return False
    return True


needs_ocr = pytest.mark.skipif(not _ocr_ready(), reason=f"OCR engine absent: {install_hint('eng')}")
needs_heif = pytest.mark.skipif(
    importlib.util.find_spec("pillow_heif") is None, reason="HEIC needs pillow-heif: pip install 'docbatch[ocr]'"
)


def text_pdf(path: Path, pages: list[list[tuple[str, str]]] = PAGES) -> Path:
    """A PDF with a text layer: each page a bold 16 pt title, 11 pt paragraph and ``-`` list items."""
    from fpdf import FPDF

    pdf = FPDF(format=PAGE_MM)
    pdf.set_margins(10, 10)
    pdf.set_auto_page_break(False)
    for blocks in pages:
        pdf.add_page()
        for kind, text in blocks:
            if kind == "title":
                pdf.set_font("Helvetica", "B", 16)
                pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
            elif kind == "text":
                pdf.set_font("Helvetica", "", 11)
                pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(4)
            else:
                pdf.set_font("Helvetica", "", 11)
                pdf.set_x(14)
                pdf.multi_cell(0, 6, f"-  {text}", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
    pdf.output(str(path))
    return path


def page_images(pdf_path: Path, dpi: int = DPI) -> list[Image.Image]:
    """Every page of a PDF rendered to a gray image, as a scanner would give it."""
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil() for page in doc]
    finally:
        doc.close()


def scanned_pdf(path: Path, images: list[Image.Image | None]) -> Path:
    """A PDF whose pages are the images (no text layer); None makes a page of known text instead."""
    from fpdf import FPDF

    pdf = FPDF(format=PAGE_MM)
    pdf.set_auto_page_break(False)
    for i, image in enumerate(images):
        pdf.add_page()
        if image is None:
            pdf.set_font("Helvetica", "", 12)
            pdf.set_xy(10, 20)
            pdf.multi_cell(0, 7, f"Typed page {i + 1} keeps its own text layer intact.")
        else:
            pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.output(str(path))
    return path


def blank_pdf(path: Path, pages: int = 3) -> Path:
    """Pages with a drawn line and no text or image: vector-only, nothing to read."""
    from fpdf import FPDF

    pdf = FPDF(format=PAGE_MM)
    for _ in range(pages):
        pdf.add_page()
        pdf.line(10, 10, 100, 80)
    pdf.output(str(path))
    return path


def words(text: str) -> set[str]:
    return {w.strip(".,;:-").lower() for w in text.split()} - {""}


#: Fills of a report table as office suites and web pages shade them: a light blue header row (Word's
#: "Blue, Accent 1, Lighter 40%"), a yellow highlighted row and a light green banded row. Each is
#: ~170-190 in plain luminance, under the Otsu threshold of a mostly white page.
HEADER_FILL = (141, 179, 226)
HIGHLIGHT_FILL = (255, 192, 0)
BAND_FILL = (146, 208, 80)
#: The coloured table's rows: header, then body rows; (fill, cells) each.
COLOURED_TABLE = [
    (HEADER_FILL, ["Category", "Participants", "Completed", "Accuracy"]),
    (None, ["Blind", "5", "1", "34.5%"]),
    (HIGHLIGHT_FILL, ["Vision", "7", "2", "98.3%"]),
    (None, ["Dexterity", "4", "4", "95.4%"]),
    (BAND_FILL, ["Mobility", "3", "3", "91.2%"]),
]
#: A line of coloured text under the table (a link blue, a heading red): what a gray that favours
#: the brightest channel would wash out.
COLOURED_WORDS = [((5, 99, 193), "Source"), ((192, 0, 0), "Warning"), ((0, 0, 0), "Totals")]


def coloured_table(scale: float = 1.0) -> Image.Image:
    """A screenshot-like table (RGB): black text on coloured fills, grid lines, a coloured-text line.

    Drawn with Pillow's bundled font, so it looks the same on any machine.
    """
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=round(22 * scale))
    col, row, margin = round(230 * scale), round(56 * scale), round(40 * scale)
    cols = len(COLOURED_TABLE[0][1])
    width, height = 2 * margin + cols * col, 2 * margin + (len(COLOURED_TABLE) + 2) * row
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for r, (fill, cells) in enumerate(COLOURED_TABLE):
        top = margin + r * row
        if fill:
            draw.rectangle((margin, top, margin + cols * col, top + row), fill=fill)
        for c, text in enumerate(cells):
            left = margin + c * col + round(14 * scale)
            draw.text((left, top + row // 2), text, fill="black", font=font, anchor="lm")
    bottom = margin + len(COLOURED_TABLE) * row
    for r in range(len(COLOURED_TABLE) + 1):
        draw.line((margin, margin + r * row, margin + cols * col, margin + r * row), fill="black", width=2)
    for c in range(cols + 1):
        draw.line((margin + c * col, margin, margin + c * col, bottom), fill="black", width=2)
    x = margin
    for colour, text in COLOURED_WORDS:
        draw.text((x, bottom + row), text, fill=colour, font=font, anchor="lm")
        x += col
    return image


#: A small ruled table's cells: a header of words, then names, cities and figures.
RULED_TABLE = [
    ["Name", "City", "Age", "Score"],
    ["Alice", "Boston", "34", "88.5"],
    ["Robert", "Denver", "27", "91.2"],
    ["Maria", "Austin", "45", "76.0"],
]


def ruled_table(size: int = 10, row: int = 16, col: int = 58, pad: int = 1) -> Image.Image:
    """A screenshot-sized table (gray, as on a 72 dpi page): 10-pixel text in a 1-pixel grid, each
    cell's text ``pad`` pixels from its left rule, so that enlarged the grid touches the letters."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.load_default(size=size)
    margin, cols = 12, len(RULED_TABLE[0])
    right, bottom = margin + cols * col, margin + len(RULED_TABLE) * row
    image = Image.new("L", (right + margin, bottom + margin), 255)
    draw = ImageDraw.Draw(image)
    for r, cells in enumerate(RULED_TABLE):
        for c, text in enumerate(cells):
            draw.text((margin + c * col + pad, margin + r * row + row // 2), text, fill=0, font=font, anchor="lm")
    for r in range(len(RULED_TABLE) + 1):
        draw.line((margin, margin + r * row, right, margin + r * row), fill=0, width=1)
    for c in range(cols + 1):
        draw.line((margin + c * col, margin, margin + c * col, bottom), fill=0, width=1)
    return image
