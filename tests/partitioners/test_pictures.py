"""``extract_image_block_types`` / ``extract_image_block_to_payload``: pictures carried in the elements.

Documents are written here with a known picture (a JPEG and a PNG drawn with Pillow) by fpdf2,
python-docx and python-pptx; the picture read back must be the same picture.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

import docbatch
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.worker import Job

PAYLOAD = {"extract_image_block_types": ("Image", "Table"), "extract_image_block_to_payload": True}


def _picture(fmt: str, size: tuple[int, int] = (120, 80)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    img.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def _decoded(el) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(el.metadata["image_base64"])))


def _pdf(path: Path, picture: bytes) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 8, "A chart of the season's sales, then the figures.", new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(picture), x=20, y=30, w=60)
    pdf.set_y(90)
    for row in [["Region", "Sales", "Share"], ["North", "1,204", "31.5%"], ["South", "982", "25.7%"],
                ["East", "1,640", "42.8%"]]:  # fmt: skip
        for cell in row:
            pdf.cell(40, 8, cell)
        pdf.ln(8)
    pdf.output(str(path))
    return path


def test_pdf_image_carries_its_stored_jpeg_and_the_table_its_rendered_region(tmp_path):
    jpeg = _picture("JPEG")
    elements = docbatch.partition(_pdf(tmp_path / "p.pdf", jpeg), **PAYLOAD)
    (image,) = [e for e in elements if e.type == "Image"]
    assert image.metadata["image_mime_type"] == "image/jpeg"
    assert base64.b64decode(image.metadata["image_base64"]) == jpeg  # the stream as stored, not re-encoded
    (table,) = [e for e in elements if e.type == "Table"]
    assert table.metadata["image_mime_type"] == "image/png"
    rendered = _decoded(table)
    assert rendered.width > rendered.height > 20  # a strip of rows, rendered at 150 dpi


def test_pdf_png_image_is_decoded_at_its_native_size(tmp_path):
    elements = docbatch.partition(_pdf(tmp_path / "p.pdf", _picture("PNG", (90, 50))), **PAYLOAD)
    (image,) = [e for e in elements if e.type == "Image"]
    assert image.metadata["image_mime_type"] == "image/png" and _decoded(image).size == (90, 50)


def test_without_the_option_pdf_output_has_no_image_elements_or_payloads(tmp_path):
    elements = docbatch.partition(_pdf(tmp_path / "p.pdf", _picture("JPEG")))
    assert "Image" not in {e.type for e in elements}
    assert not any("image_base64" in e.metadata for e in elements)


def test_a_picture_over_the_pixel_limit_is_left_out_with_a_remark(tmp_path):
    path = _pdf(tmp_path / "p.pdf", _picture("JPEG", (400, 300)))
    elements = docbatch.partition(path, max_image_pixels=100_000, **PAYLOAD)
    (image,) = [e for e in elements if e.type == "Image"]
    assert "image_base64" not in image.metadata


def test_docx_and_pptx_pictures_carry_their_own_bytes(tmp_path):
    import docx
    from docx.shared import Inches
    from pptx import Presentation
    from pptx.util import Inches as PptxInches

    png = _picture("PNG")
    d = docx.Document()
    d.add_paragraph("The logo:")
    d.add_picture(io.BytesIO(png), width=Inches(1))
    d.save(str(tmp_path / "d.docx"))
    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[6]).shapes.add_picture(io.BytesIO(png), PptxInches(1), PptxInches(1))
    deck.save(str(tmp_path / "s.pptx"))
    for name in ("d.docx", "s.pptx"):
        (image,) = [e for e in docbatch.partition(tmp_path / name, **PAYLOAD) if e.type == "Image"]
        assert image.metadata["image_mime_type"] == "image/png"
        assert base64.b64decode(image.metadata["image_base64"]) == png
        (plain,) = [e for e in docbatch.partition(tmp_path / name) if e.type == "Image"]
        assert "image_base64" not in plain.metadata


def test_the_options_are_part_of_the_processing_fingerprint():
    def fingerprint(options: PartitionOptions) -> str:
        return Job(source=None, destination=None, download_dir=Path("."), partition=options).fingerprint

    off = fingerprint(PartitionOptions())
    on = fingerprint(PartitionOptions(**PAYLOAD))
    only_images = fingerprint(PartitionOptions(extract_image_block_types=("Image",)))
    assert len({off, on, only_images}) == 3
    assert "images" not in off  # outputs made without pictures keep their stamps


@pytest.mark.parametrize("flags", [["--extract-image-block-types", "Image"], ["--extract-image-block-types", "Foo"]])
def test_cli_refuses_what_it_cannot_do_in_one_sentence(tmp_path, flags):
    from support import run_cli

    (tmp_path / "a.txt").write_text("hello")
    result = run_cli(["local", str(tmp_path / "a.txt"), *flags], cwd=tmp_path)
    assert result.returncode == 2
