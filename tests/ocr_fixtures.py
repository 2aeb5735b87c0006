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
