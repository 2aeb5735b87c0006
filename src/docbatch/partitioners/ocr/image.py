"""Images (png, jpg, tiff, bmp, gif, webp, heic): OCR into the same elements a PDF page gives.

Each frame of a TIFF is a page (a multi-page scan); other formats are read from their first
frame (the frames of an animated GIF repeat each other). The EXIF orientation a camera records
is applied first, so a phone photo taken sideways reads upright. An image larger than the OCR
engine needs is downscaled before recognition (JPEG already while decoding), and coordinates are
given back in the original image's pixels (``PixelSpace``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from docbatch.elements import Element
from docbatch.errors import DocumentError, NeedsInstall, UnsupportedFileType
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import part_lost, remark
from docbatch.partitioners.layout.page import Placed, to_elements
from docbatch.partitioners.ocr.ocr import check_available
from docbatch.partitioners.ocr.page import MAX_OCR_PIXELS, ocr_page

__all__ = ["partition_image"]

#: Formats whose extra frames are more pages; in other formats they repeat the first (animations).
_PAGED = frozenset({"TIFF", "MPO"})


def partition_image(path: Path, options: PartitionOptions) -> list[Element]:
    """OCR every page of the image into titles, paragraphs and list items with pixel coordinates."""
    if options.ocr == "never":
        raise UnsupportedFileType("image not read because OCR is off (--ocr never)")
    check_available(options.ocr_languages)
    placed: list[Placed] = []
    sizes: Counter[float] = Counter()
    n_pages = 0
    with _open(path) as image:
        for index, frame in enumerate(_frames(image)):
            n_pages += 1
            try:
                page_placed, page_sizes = _read_frame(frame, index + 1, options)
            except OSError as e:  # a truncated or damaged frame; the first one fails the image
                if index == 0:
                    raise DocumentError(f"damaged image: {e}") from e
                part_lost(f"page {index + 1}", f"damaged frame ({e})")
                continue
            placed.extend(page_placed)
            sizes.update(page_sizes)
    if not placed:
        remark("no text found in the image")
        return []
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    return to_elements(placed, n_pages, body)


@contextmanager
def _open(path: Path) -> Iterator[Image.Image]:
    """Open the image lazily (pixels are decoded later, frame by frame), translating Pillow's refusals."""
    heif = _register_heif()
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as e:
        raise DocumentError(f"image too large to read safely ({e}); split or shrink it first") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        if not heif and _is_heif(path):
            raise NeedsInstall("HEIC images need pillow-heif: run pip install 'docbatch[ocr]'") from e
        raise DocumentError(f"not a readable image: {e}") from e
    try:
        yield image
    finally:
        image.close()


def _register_heif() -> bool:
    """Teach Pillow HEIC (iPhone photos) when pillow-heif is installed, as the ocr extra does."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def _is_heif(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(12)[4:8] == b"ftyp"


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    if image.format in _PAGED:
        yield from ImageSequence.Iterator(image)
    else:
        yield image


def _read_frame(frame: Image.Image, page: int, options: PartitionOptions) -> tuple[list[Placed], Counter]:
    """OCR one frame: upright by EXIF, gray, at most :data:`MAX_OCR_PIXELS`; boxes in original pixels."""
    width, height = _upright_size(frame)
    scale = min(1.0, math.sqrt(MAX_OCR_PIXELS / max(width * height, 1)))
    if scale < 1.0 and frame.format == "JPEG":
        # JPEG decodes at 1/2, 1/4 or 1/8 size for almost nothing: a 100-megapixel photo never
        # exists at full size in memory
        frame.draft("L", (math.ceil(frame.width * scale), math.ceil(frame.height * scale)))
    gray = _gray(frame)
    turn = _TURNS.get(_orientation(frame))
    if turn is not None:
        gray = gray.transpose(turn)
    # what draft() left may still be larger than allowed: resize to the exact scale
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if gray.size != target:
        gray = gray.resize(target, Image.Resampling.BOX)
    return ocr_page(gray, page=page, size=(width, height), languages=options.ocr_languages, dpi=_dpi(frame, scale))


def _gray(frame: Image.Image) -> Image.Image:
    """The frame in 8-bit gray (one byte a pixel before any copy is made), transparency on white paper.

    Converting straight to gray would drop the alpha channel and turn a transparent background
    into whatever colour its pixels hold, often black: black text on it would vanish.
    """
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    if frame.mode in ("I", "F") or frame.mode.startswith("I;16"):
        # 16-bit and float scans: converting clips every value over 255 to white; stretch instead
        wide = frame if frame.mode == "F" else frame.convert("I")
        low, high = wide.getextrema()
        factor = 255 / max(high - low, 1)
        return wide.point(lambda v: (v - low) * factor).convert("L")
    return frame.convert("L")


#: EXIF orientation -> the transposition that makes the picture upright (as ImageOps.exif_transpose).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(frame: Image.Image) -> int:
    try:
        return int(frame.getexif().get(0x0112, 1))
    except (TypeError, ValueError, SyntaxError):  # a damaged EXIF block: take the picture as stored
        return 1


def _upright_size(frame: Image.Image) -> tuple[int, int]:
    """The frame's size once its EXIF orientation is applied (5-8 swap width and height)."""
    return (frame.height, frame.width) if _orientation(frame) in (5, 6, 7, 8) else (frame.width, frame.height)


def _dpi(frame: Image.Image, scale: float) -> int:
    """The scan resolution a scanner recorded (TIFF, PNG), as handed to the engine; 0 when unknown."""
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return 0
    return round(value * scale) if 70 <= value <= 2400 else 0
