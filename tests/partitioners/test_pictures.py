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
FILES = {"extract_image_block_types": ("Image",)}  # without the payload flag: files beside the output


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


def test_cli_refuses_an_unknown_element_type_in_one_sentence(tmp_path):
    from support import run_cli

    (tmp_path / "a.txt").write_text("hello")
    result = run_cli(["local", str(tmp_path / "a.txt"), "--extract-image-block-types", "Foo"], cwd=tmp_path)
    assert result.returncode == 2


def test_the_library_call_takes_pictures_in_the_elements_only(tmp_path):
    """Files go beside a run's outputs (tests/runner/test_picture_files.py); partition() has no output."""
    from docbatch.errors import ConfigError

    with pytest.raises(ConfigError, match="extract_image_block_to_payload=True"):
        docbatch.partition(_pdf(tmp_path / "p.pdf", _picture("JPEG")), extract_image_block_types=("Image",))


# -- ODT, EPUB and HTML: the picture's own bytes from the package, or a data: URI decoded ---------

_ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">
<office:body><office:text>
<text:p>The season's chart follows.<draw:frame draw:name="Chart" svg:width="3cm" svg:height="2cm">
<draw:image xlink:href="Pictures/chart.png" xlink:type="simple"/><svg:title>Sales by region</svg:title>
</draw:frame></text:p>
<text:p>A linked picture:<draw:frame><draw:image xlink:href="http://example.invalid/x.png"/></draw:frame></text:p>
</office:text></office:body></office:document-content>"""


def _odt(path: Path, picture: bytes) -> Path:
    import zipfile

    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="Pictures/chart.png" manifest:media-type="image/png"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", _ODT_CONTENT)
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("Pictures/chart.png", picture)
    return path


def _epub(path: Path, picture: bytes) -> Path:
    import zipfile

    chapter = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title>'
        "</head><body><h1>Chapter one</h1><p>The map of the valley, drawn in spring.</p>"
        '<img src="../images/map%20one.png" alt="The valley"/>'
        '<img src="https://example.invalid/remote.png" alt="A remote picture"/></body></html>'
    )
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>'
        '<item id="c1" href="text/one.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="m" href="images/map one.png" media-type="image/png"/></manifest>'
        '<spine><itemref idref="c1"/></spine></package>'
    )
    container = (
        '<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
        '<rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles>'
        "</container>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", container)
        zf.writestr("OEBPS/book.opf", opf)
        zf.writestr("OEBPS/text/one.xhtml", chapter)
        zf.writestr("OEBPS/images/map one.png", picture)
    return path


def test_odt_pictures_come_from_the_package_with_their_title(tmp_path):
    png = _picture("PNG")
    path = _odt(tmp_path / "r.odt", png)
    (image,) = [e for e in docbatch.partition(path, **PAYLOAD) if e.type == "Image"]
    assert image.text == "Sales by region"
    assert image.metadata["image_mime_type"] == "image/png"
    assert base64.b64decode(image.metadata["image_base64"]) == png  # the linked picture has no bytes: no element
    assert "Image" not in {e.type for e in docbatch.partition(path)}  # as for PDF: only when asked for


def test_epub_pictures_come_from_the_book_and_remote_ones_are_never_fetched(tmp_path):
    png = _picture("PNG")
    path = _epub(tmp_path / "b.epub", png)
    local, remote = [e for e in docbatch.partition(path, **PAYLOAD) if e.type == "Image"]
    assert base64.b64decode(local.metadata["image_base64"]) == png
    assert local.metadata["image_mime_type"] == "image/png" and local.metadata["page_number"] == 1
    assert remote.metadata == {**remote.metadata, "image_url": "https://example.invalid/remote.png"}
    assert "image_base64" not in remote.metadata


def test_html_data_uris_are_decoded_and_remote_sources_kept_as_urls(tmp_path, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("a picture was fetched")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    png, gif = _picture("PNG"), _picture("GIF")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    from urllib.parse import quote

    (tmp_path / "p.html").write_text(
        "<html><body><p>Three pictures of the harbour at dawn.</p>"
        f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="harbour">'
        f'<img src="data:image/gif;base64,{base64.b64encode(gif).decode()}" alt="boats">'
        f'<img src="data:image/svg+xml,{quote(svg)}" alt="a mark">'
        '<img src="http://127.0.0.1:9/remote.png" alt="remote"></body></html>'
    )
    first, second, third, remote = [e for e in docbatch.partition(tmp_path / "p.html", **PAYLOAD) if e.type == "Image"]
    assert base64.b64decode(first.metadata["image_base64"]) == png and first.metadata["image_mime_type"] == "image/png"
    assert base64.b64decode(second.metadata["image_base64"]) == gif
    assert second.metadata["image_mime_type"] == "image/gif"
    assert base64.b64decode(third.metadata["image_base64"]) == svg
    assert third.metadata["image_mime_type"] == "image/svg+xml"
    assert remote.metadata["image_url"] == "http://127.0.0.1:9/remote.png" and "image_base64" not in remote.metadata


def test_html_pictures_obey_the_pixel_limit(tmp_path):
    png = _picture("PNG", (400, 300))
    (tmp_path / "p.html").write_text(
        f'<p>A large one.</p><img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="big">'
    )
    (image,) = [
        e for e in docbatch.partition(tmp_path / "p.html", max_image_pixels=100_000, **PAYLOAD) if e.type == "Image"
    ]
    assert "image_base64" not in image.metadata


def test_odt_epub_and_html_pictures_are_written_beside_the_output(tmp_path):
    import json

    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.runner.pipeline import RunOptions, run
    from docbatch.sources.local import LocalSource

    png = _picture("PNG")
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    _odt(src / "r.odt", png)
    _epub(src / "b.epub", png)
    (src / "p.html").write_text(f'<p>A harbour.</p><img src="data:image/png;base64,{base64.b64encode(png).decode()}">')
    options = RunOptions(download_dir=tmp_path / "dl", num_processes=1, partition=PartitionOptions(**FILES))
    assert run(LocalSource(src), LocalJSONDestination(out), options).ok == 3
    for name in ("r.odt", "b.epub", "p.html"):
        elements = json.loads((out / f"{name}.json").read_text())
        pictures = [e["metadata"] for e in elements if "image_path" in e["metadata"]]
        assert [Path(m["image_path"]).read_bytes() for m in pictures] == [png], name
        assert all(m["image_mime_type"] == "image/png" and "image_base64" not in m for m in pictures)
