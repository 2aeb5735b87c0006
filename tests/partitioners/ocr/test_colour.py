"""Text on coloured fills (a table's light blue header, highlighted and banded rows) is read, from
images and from scanned PDF pages alike, and a page without fills reaches the engine unchanged."""

from __future__ import annotations

from PIL import Image

from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.ocr.image import partition_image
from docbatch.partitioners.ocr.page import lift_fills
from docbatch.partitioners.pdf.pdf import partition_pdf
from ocr_fixtures import (
    COLOURED_TABLE,
    COLOURED_WORDS,
    HEADER_FILL,
    coloured_table,
    needs_ocr,
    page_images,
    scanned_pdf,
    text_pdf,
    words,
)

HEADER = {w.lower() for w in COLOURED_TABLE[0][1]}
#: The first cell of every body row: on white, on yellow, on white, on green.
ROWS = {cells[0].lower() for _, cells in COLOURED_TABLE[1:]}
COLOURED_TEXT = {text.lower() for _, text in COLOURED_WORDS}


@needs_ocr
def test_header_on_a_light_blue_fill_is_read(tmp_path):
    path = tmp_path / "table.png"
    coloured_table().save(path)
    read = words(" ".join(e.text for e in partition_image(path, PartitionOptions())))
    assert read >= HEADER  # the header row was one black block to the engine before
    assert read >= ROWS  # so were the highlighted and banded rows (and the table with them)
    assert read >= COLOURED_TEXT  # blue and red text on white paper stays dark enough to read


@needs_ocr
def test_header_on_a_coloured_fill_is_read_from_a_scanned_pdf(tmp_path):
    path = scanned_pdf(tmp_path / "scan.pdf", [coloured_table()])
    read = words(" ".join(e.text for e in partition_pdf(path, PartitionOptions())))
    assert read >= HEADER
    assert read >= ROWS


def test_a_fill_is_lifted_to_paper_and_its_ink_kept_dark():
    gray = coloured_table().convert("L")
    lifted = lift_fills(gray)
    fill = round(0.299 * HEADER_FILL[0] + 0.587 * HEADER_FILL[1] + 0.114 * HEADER_FILL[2])
    inside_header = (60, 50)  # left of "Category", in the fill
    assert abs(gray.getpixel(inside_header) - fill) <= 1
    assert lifted.getpixel(inside_header) >= 250
    assert lifted.size == gray.size and lifted.mode == "L"
    # ink on the fill stays ink: the darkest pixel of the header's first cell
    cell = (50, 42, 260, 94)
    assert lifted.crop(cell).getextrema()[0] <= gray.crop(cell).getextrema()[0] + 10


def test_a_page_without_fills_is_handed_on_untouched(tmp_path):
    page = page_images(text_pdf(tmp_path / "typed.pdf"))[0]
    assert lift_fills(page) is page
    assert lift_fills(Image.new("L", (400, 300), 0)) is not None  # a black page: no paper, no lifting
