"""Images: every format, TIFF pages, EXIF orientation, huge images, damaged ones, --ocr never."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter

from docbatch.errors import DocumentError, UnsupportedFileType
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.filetype import detect
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting
from docbatch.partitioners.ocr import ocr
from docbatch.partitioners.ocr.image import partition_image
from ocr_fixtures import PAGES, needs_heif, needs_ocr, page_images, text_pdf

EXPECTED = [("Title" if k == "title" else "ListItem" if k == "item" else "NarrativeText", t) for k, t in PAGES[0]]


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> list[Image.Image]:
    return page_images(text_pdf(tmp_path_factory.mktemp("img") / "typed.pdf"))


def _pairs(elements) -> list[tuple[str, str]]:
    return [(e.type, e.text) for e in elements]


@needs_ocr
def test_png_gives_typed_elements_in_pixel_space(tmp_path, scans):
    path = tmp_path / "page.png"
    scans[0].save(path)
    elements = partition_image(path, PartitionOptions())
    assert _pairs(elements) == EXPECTED
    coords = elements[0].metadata["coordinates"]
    assert coords["system"] == "PixelSpace"
    assert (coords["layout_width"], coords["layout_height"]) == scans[0].size
    assert all(e.metadata["page_number"] == 1 and e.metadata["languages"] == ["eng"] for e in elements)


@needs_ocr
@pytest.mark.parametrize("fmt", ["jpeg", "bmp", "gif", "webp"])
def test_other_formats_are_detected_and_read(tmp_path, scans, fmt):
    path = tmp_path / f"page.{fmt}"
    scans[0].save(path, format=fmt.upper(), **({"quality": 90} if fmt in ("jpeg", "webp") else {}))
    file_type, elements = partition_file(path, PartitionOptions())
    assert file_type.name == {"jpeg": "jpg"}.get(fmt, fmt)
    assert _pairs(elements) == EXPECTED


@needs_ocr
@needs_heif
def test_heic_is_read_with_pillow_heif(tmp_path, scans):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    path = tmp_path / "photo.heic"
    scans[0].convert("RGB").save(path, format="HEIF", quality=90)
    file_type, elements = partition_file(path, PartitionOptions())
    assert file_type.name == "heic"
    assert elements[0].text == EXPECTED[0][1]


@needs_ocr
def test_every_tiff_frame_is_a_page(tmp_path, scans):
    path = tmp_path / "scan.tiff"
    scans[0].save(path, save_all=True, append_images=[scans[1]], compression="tiff_lzw", dpi=(200, 200))
    elements = partition_image(path, PartitionOptions())
    by_page = {p: [e.text for e in elements if e.metadata["page_number"] == p] for p in (1, 2)}
    assert by_page[1] == [t for _, t in PAGES[0]]
    assert by_page[2] == [t for _, t in PAGES[1]]


@needs_ocr
@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_exif_orientation_is_applied(tmp_path, scans, orientation):
    """A camera stores the pixels as taken and the turn in EXIF; the reader must undo the turn."""
    stored = scans[0].transpose(
        {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}[orientation]
    )
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    stored.save(path, exif=exif, quality=92)
    elements = partition_image(path, PartitionOptions())
    assert _pairs(elements) == EXPECTED
    assert elements[0].metadata["coordinates"]["layout_width"] == scans[0].width  # upright size


@needs_ocr
def test_huge_image_is_downscaled_and_keeps_original_coordinates(tmp_path, scans):
    """60 megapixels of mostly blank paper: read at a smaller size, boxes given in the original pixels."""
    big = Image.new("L", (10_000, 6_000), 255)
    big.paste(scans[0].resize((scans[0].width * 2, scans[0].height * 2)), (500, 400))
    path = tmp_path / "poster.png"
    big.save(path)
    elements = partition_image(path, PartitionOptions())
    assert elements[0].text == EXPECTED[0][1]
    coords = elements[0].metadata["coordinates"]
    assert (coords["layout_width"], coords["layout_height"]) == (10_000, 6_000)
    x0, y0 = coords["points"][0]
    assert 500 <= x0 <= 500 + scans[0].width and 400 <= y0 <= 400 + scans[0].height


@needs_ocr
def test_transparent_background_reads_as_white_paper(tmp_path, scans):
    """Black text on fully transparent black pixels, as screenshots and logos are often saved."""
    ink = scans[0].point(lambda v: 255 - v)  # text opaque, paper transparent
    rgba = Image.new("RGBA", scans[0].size, (0, 0, 0, 0))
    rgba.putalpha(ink)
    path = tmp_path / "transparent.png"
    rgba.save(path)
    assert _pairs(partition_image(path, PartitionOptions())) == EXPECTED


@needs_ocr
def test_16_bit_scan_is_not_clipped_to_white(tmp_path, scans):
    deep = scans[0].convert("I").point(lambda v: v * 257).convert("I;16")
    path = tmp_path / "deep.png"
    deep.save(path)
    with Image.open(path) as check:
        assert check.mode.startswith("I")
    assert _pairs(partition_image(path, PartitionOptions())) == EXPECTED


@needs_ocr
def test_image_without_text_is_ok_with_a_remark(tmp_path):
    path = tmp_path / "white.png"
    Image.new("L", (400, 300), 255).save(path)
    with collecting() as notes:
        assert partition_image(path, PartitionOptions()) == []
    assert notes.remark_text() == "no text found in the image"


def _leaf_photo(size: tuple[int, int] = (480, 360), seed: int = 11) -> Image.Image:
    """A small, textless camera photo: blurred green leaves with fine dark veins, sensor noise.

    Veins are letter-sized strokes, so an engine pushed to find sparse text (PSM 11, a low
    confidence floor, upscaling) reads them as letters: Tesseract's PSM 11 makes some 20 of this
    one, as kreuzberg makes 53 of the corpus's ``img/example.jpg``, a frangipani with no text.
    """
    rnd = random.Random(seed)
    img = Image.new("RGB", size, (120, 105, 90))
    draw = ImageDraw.Draw(img)
    for _ in range(14):
        cx, cy = rnd.randrange(size[0]), rnd.randrange(size[1])
        angle, length, width = rnd.uniform(0, math.pi), rnd.randint(120, 260), rnd.randint(30, 60)
        dx, dy = math.cos(angle), math.sin(angle)
        nx, ny = -dy, dx
        tip, base = (cx - dx * length / 2, cy - dy * length / 2), (cx + dx * length / 2, cy + dy * length / 2)
        outline = [tip, (cx + nx * width, cy + ny * width), base, (cx - nx * width, cy - ny * width)]
        draw.polygon(outline, fill=(rnd.randint(40, 90), rnd.randint(110, 170), rnd.randint(40, 80)))
        draw.line([tip, base], fill=(200, 220, 170), width=2)
        for k in range(1, 12):
            bx, by = tip[0] + (base[0] - tip[0]) * k / 12, tip[1] + (base[1] - tip[1]) * k / 12
            for side in (1, -1):
                end = (bx + side * nx * width * 0.8 + dx * 12, by + side * ny * width * 0.8 + dy * 12)
                draw.line([(bx, by), end], fill=(30, 80, 30), width=1)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    return Image.blend(img, Image.effect_noise(size, 18).convert("RGB"), 0.08)


@needs_ocr
def test_small_photo_without_text_gives_no_garbage(tmp_path):
    """A 72 dpi photo of leaves holds no text: what the engine makes of its veins is not kept."""
    path = tmp_path / "leaves.jpg"
    _leaf_photo().save(path, quality=75, dpi=(72, 72))
    with collecting() as notes:
        assert partition_image(path, PartitionOptions()) == []
    assert notes.remark_text() == "no text found in the image"


def test_damaged_image_fails_with_one_line(tmp_path, scans):
    path = tmp_path / "cut.png"
    full = tmp_path / "full.png"
    scans[0].save(full)
    path.write_bytes(full.read_bytes()[:2000])
    assert detect(path).name == "png"
    with pytest.raises(DocumentError) as info:
        partition_image(path, PartitionOptions(ocr="always"))
    assert "\n" not in str(info.value)


def test_ocr_never_skips_images(tmp_path, scans):
    path = tmp_path / "page.png"
    scans[0].save(path)
    with pytest.raises(UnsupportedFileType, match=r"OCR is off \(--ocr never\)"):
        partition_image(path, PartitionOptions(ocr="never"))


def test_image_without_engine_fails_with_the_install_sentence(tmp_path, scans, monkeypatch):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path / "no-tessdata"))
    monkeypatch.setattr(ocr, "_engines", {})
    path = tmp_path / "page.png"
    scans[0].save(path)
    with pytest.raises(DocumentError) as info:
        partition_image(path, PartitionOptions(ocr_languages="eng+deu"))
    assert str(info.value) == ocr.install_hint("eng+deu")


def test_webp_is_sniffed(tmp_path: Path):
    path = tmp_path / "noext"
    Image.new("L", (8, 8), 255).save(path, format="WEBP")
    assert detect(path).name == "webp"
