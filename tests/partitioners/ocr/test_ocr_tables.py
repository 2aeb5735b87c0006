"""Tables without rules on OCR'd pages: the text layer's finder run on Tesseract's word boxes.

Each page is written with a known table (fpdf2 cells, a reportlab ``Table``), rendered to a gray
image by pdfium as a scanner would give it, and read back by OCR from a PNG and from a PDF with
no text layer. Prose in two columns and a bulleted list must stay text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import docbatch
from ocr_fixtures import needs_ocr, page_images

ROWS = [
    ["Region", "Sales", "Share", "Growth"],
    ["North", "1,204", "31.5%", "4.2%"],
    ["South", "982", "25.7%", "-1.3%"],
    ["East", "1,640", "42.8%", "7.9%"],
    ["West", "2,118", "12.4%", "3.1%"],
]
BEFORE = "The figures for the year are set out below. Sales grew in every region but the south."
AFTER = "The board expects the second half to follow the first, with new stores in the west."


def _fpdf_table(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, BEFORE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for row in ROWS:
        pdf.cell(50, 7, row[0])
        for cell in row[1:]:
            pdf.cell(35, 7, cell, align="R")
        pdf.ln(7)
    pdf.ln(6)
    pdf.multi_cell(0, 6, AFTER, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _png(pdf: Path) -> Path:
    (image,) = page_images(pdf, dpi=200)
    image.save(pdf.with_suffix(".png"))
    return pdf.with_suffix(".png")


def _scanned(pdf: Path) -> Path:
    """The page as an image-only PDF: no text layer, so every word comes from OCR."""
    from fpdf import FPDF

    (image,) = page_images(pdf, dpi=200)
    scan = FPDF()
    scan.add_page()
    scan.image(image, x=0, y=0, w=scan.w, h=scan.h)
    out = pdf.with_name(pdf.stem + "-scan.pdf")
    scan.output(str(out))
    return out


def _grid(html: str) -> list[list[str]]:
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]


@needs_ocr
@pytest.mark.parametrize("form", ["png", "scanned pdf"])
def test_an_unruled_table_is_found_on_an_ocrd_page(tmp_path, form):
    pdf = _fpdf_table(tmp_path / "t.pdf")
    path = _png(pdf) if form == "png" else _scanned(pdf)
    elements = docbatch.partition(path)
    assert [e.type for e in elements] == ["NarrativeText", "Table", "NarrativeText"]
    table = elements[1]
    assert _grid(table.metadata["text_as_html"]) == ROWS
    assert table.metadata["text_as_html"].startswith("<table><tr><th>Region</th>")  # words over figures: a header
    assert table.metadata["page_number"] == 1 and table.metadata["languages"] == ["eng"]


@needs_ocr
def test_a_reportlab_table_is_found_on_an_ocrd_page(tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    path = tmp_path / "r.pdf"
    story = [Paragraph(BEFORE, styles["BodyText"]), Spacer(1, 12), Table(ROWS), Spacer(1, 12)]
    SimpleDocTemplate(str(path), pagesize=A4).build([*story, Paragraph(AFTER, styles["BodyText"])])
    (table,) = [e for e in docbatch.partition(_png(path)) if e.type == "Table"]
    assert _grid(table.metadata["text_as_html"]) == ROWS


@needs_ocr
def test_prose_in_two_columns_and_a_list_stay_text_when_ocrd(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    left = "The survey showed the cost of delays for most sites. " * 4
    right = "Our supplier review raised doubts about the spring demand. " * 4
    top = pdf.get_y()
    pdf.multi_cell(85, 6, left)
    pdf.set_xy(110, top)
    pdf.multi_cell(85, 6, right, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for item in ["Replace the old forklift batteries", "Train two new night supervisors", "Sign the renewal in March"]:
        pdf.cell(0, 7, f"-  {item}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(tmp_path / "p.pdf"))
    elements = docbatch.partition(_png(tmp_path / "p.pdf"))
    assert "Table" not in {e.type for e in elements}
    assert sum(1 for e in elements if e.type == "ListItem") == 3
