"""Pictures carried in elements: ``--extract-image-block-types`` and ``--extract-image-block-to-payload``.

As in unstructured, the Image elements (and, asked for, the Table elements) of a document carry
their picture as ``metadata.image_base64`` with ``metadata.image_mime_type``. The request is set
for the length of one partition call (:func:`requested`, as :mod:`.notes` collects lost parts), so
the readers that make Image elements deep in their walk need no extra argument: they call
:func:`attach` with a way to load the bytes, which runs only when the picture is asked for.

A picture over the size limits is left out and said in a remark: a 200-megapixel scan decoded or
copied into JSON would cost a worker gigabytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from docbatch.partitioners.kit.notes import remark

__all__ = ["MAX_IMAGE_BYTES", "ImageRequest", "attach", "requested", "wants"]

#: Bytes of one picture kept as it is stored (Base64 adds a third in the JSON).
MAX_IMAGE_BYTES = 20 * 1024**2


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """Which element types carry their picture, and the largest picture carried."""

    types: frozenset[str]
    max_pixels: int


_current: ContextVar[ImageRequest | None] = ContextVar("docbatch_image_request", default=None)


@contextmanager
def requested(types: tuple[str, ...], max_pixels: int) -> Iterator[None]:
    """Within the block, the elements of ``types`` carry their pictures (nothing when ``types`` is empty)."""
    token = _current.set(ImageRequest(frozenset(types), max_pixels) if types else None)
    try:
        yield
    finally:
        _current.reset(token)


def wants(kind: str) -> bool:
    """Whether elements of ``kind`` ("Image", "Table") carry their picture in this partition call."""
    request = _current.get()
    return request is not None and kind in request.types


def max_pixels() -> int:
    request = _current.get()
    return request.max_pixels if request is not None else 0


def attach(meta: dict, kind: str, load: Callable[[], bytes], mime: str | None = None) -> None:
    """Put the picture ``load`` gives into ``meta`` when ``kind`` is asked for and the picture is within the limits.

    ``mime`` is the stored type; without it (or for a type Pillow names otherwise) it is read from the bytes.
    """
    if not wants(kind):
        return
    try:
        data = load()
    except (KeyError, ValueError, OSError) as e:  # a linked or lost picture: the element stays, without pixels
        remark(f"a picture could not be read ({type(e).__name__})")
        return
    if len(data) > MAX_IMAGE_BYTES:
        limit = MAX_IMAGE_BYTES // 1024**2
        remark(f"a picture of {len(data) // 1024**2} MB left out of image_base64 (limit {limit} MB)")
        return
    found = _probe(data)
    if found is not None:
        pixels, fmt = found
        if pixels > max_pixels():
            limit = max_pixels() / 1e6
            remark(f"a picture of {pixels / 1e6:.0f} megapixels left out of image_base64 (limit {limit:.0f})")
            return
        mime = _MIME_BY_FORMAT.get(fmt, mime)
    if not mime:
        return  # no type a reader could open it by
    meta["image_base64"] = base64.b64encode(data).decode("ascii")
    meta["image_mime_type"] = mime


_MIME_BY_FORMAT = {
    "BMP": "image/bmp",
    "GIF": "image/gif",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
    "WMF": "image/x-wmf",
}


def _probe(data: bytes) -> tuple[int, str] | None:
    """(pixels, Pillow's format name) from the header alone; None for what Pillow cannot tell (EMF, SVG)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:  # lazy: reads the header, decodes nothing
            return img.width * img.height, img.format or ""
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
