"""Pictures of a PDF page for ``--extract-image-block-types``: its images, and its tables rendered.

An image object gives its own bytes where the PDF stores a standard format (a JPEG stream is a
JPEG file), otherwise it is decoded at its native size (not the size it is shown at) to PNG. A
table has no picture of its own: its region of the page is rendered. Both are checked against the
pixel limit before anything is decoded or rendered.
"""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docbatch.partitioners.kit import images
from docbatch.partitioners.kit.notes import remark

__all__ = ["image_objects", "table_png"]

_MIN_SIDE = 8.0  # points: smaller images are rules, bullets and spacers, not pictures
_TABLE_DPI = 150


def image_objects(page: pdfium.PdfPage) -> list[tuple[tuple[float, float, float, float], dict]]:
    """(PDF box, metadata with the picture) of each image shown on the page, in content order."""
    out = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        box = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()
        if box[2] - box[0] < _MIN_SIDE or box[3] - box[1] < _MIN_SIDE:
            continue
        meta: dict = {}
        width, height = obj.get_px_size()
        if width * height > images.max_pixels():
            remark(f"a picture of {width * height / 1e6:.0f} megapixels left out")
        else:
            stored = _stored_jpeg(obj)
            if stored is not None:
                images.attach(meta, "Image", lambda stored=stored: stored, "image/jpeg")
            else:
                images.attach(meta, "Image", lambda obj=obj: _png(obj.get_bitmap(render=False).to_pil()), "image/png")
        out.append((tuple(box), meta))
    return out


def _stored_jpeg(obj) -> bytes | None:
    """The image's stream as stored when it is a plain JPEG (DCTDecode alone): a file as it is."""
    if obj.get_filters() != ["DCTDecode"]:
        return None
    return bytes(obj.get_data(decode_simple=False))


def _png(pil) -> bytes:
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return buf.getvalue()


def table_png(page: pdfium.PdfPage, pdf_box: tuple[float, float, float, float]) -> dict:
    """Metadata with the table's region of the page rendered to PNG (empty when Tables are not asked for)."""
    meta: dict = {}
    if not images.wants("Table"):
        return meta
    left, bottom, right, top = page.get_bbox()
    x0, y0, x1, y1 = pdf_box
    scale = _TABLE_DPI / 72
    area = max((x1 - x0) * (y1 - y0), 1.0)
    scale = min(scale, math.sqrt(images.max_pixels() / area) if images.max_pixels() else scale)
    pad = 2.0
    crop = (max(x0 - pad - left, 0), max(y0 - pad - bottom, 0), max(right - x1 - pad, 0), max(top - y1 - pad, 0))
    bitmap = page.render(scale=scale, crop=crop)
    try:
        data = _png(bitmap.to_pil())
    finally:
        bitmap.close()
    images.attach(meta, "Table", lambda: data, "image/png")
    return meta
