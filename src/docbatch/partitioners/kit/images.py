"""Pictures carried in elements: ``--extract-image-block-types`` and ``--extract-image-block-to-payload``.

As in unstructured, the Image elements (and, asked for, the Table elements) of a document carry
their picture as ``metadata.image_base64`` with ``metadata.image_mime_type``. The request is set
for the length of one partition call (:func:`requested`, as :mod:`.notes` collects lost parts), so
the readers that make Image elements deep in their walk need no extra argument: they call
:func:`attach` with a way to load the bytes, which runs only when the picture is asked for.

Without ``--extract-image-block-to-payload`` the pictures become files beside the output instead:
:func:`attach` then keeps the bytes on the element's metadata under a private key, and
:func:`take_pictures`, run once the document's elements are finished (ids and pages known), takes
them off again as :class:`~docbatch.model.Picture` objects named for their files, leaving
``metadata.image_path`` (the file's name, made a full location by the worker) and
``image_mime_type``. The raw bytes travel, not their Base64, and only one document's at a time.

A picture over the size limits is left out and said in a remark: a 200-megapixel scan decoded or
copied into JSON would cost a worker gigabytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from docbatch.elements import Element
from docbatch.model import PICTURE_EXTENSIONS, Picture
from docbatch.partitioners.kit.notes import remark

__all__ = [
    "MAX_IMAGE_BYTES",
    "ImageRequest",
    "attach",
    "guess_mime",
    "is_package_link",
    "requested",
    "take_pictures",
    "wants",
]

#: Bytes of one picture kept as it is stored (Base64 adds a third in the JSON).
MAX_IMAGE_BYTES = 20 * 1024**2


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """Which element types carry their picture, and the largest picture carried."""

    types: frozenset[str]
    max_pixels: int
    #: Into ``image_base64`` (True), or kept for files beside the output (False).
    payload: bool = True


@dataclass(frozen=True, slots=True)
class _Pending:
    """A picture bound for a file, kept on its element until :func:`take_pictures`."""

    data: bytes
    mime: str
    kind: str


#: The metadata key a pending picture waits under; never written (take_pictures removes it).
_PENDING = "_docbatch_picture"


_current: ContextVar[ImageRequest | None] = ContextVar("docbatch_image_request", default=None)


@contextmanager
def requested(types: tuple[str, ...], max_pixels: int, *, payload: bool = True) -> Iterator[None]:
    """Within the block, the elements of ``types`` carry their pictures (nothing when ``types`` is empty)."""
    token = _current.set(ImageRequest(frozenset(types), max_pixels, payload) if types else None)
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
        remark(f"a picture of {len(data) // 1024**2} MB left out (limit {limit} MB)")
        return
    found = _probe(data)
    if found is not None:
        pixels, fmt = found
        if pixels > max_pixels():
            limit = max_pixels() / 1e6
            remark(f"a picture of {pixels / 1e6:.0f} megapixels left out (limit {limit:.0f})")
            return
        mime = _MIME_BY_FORMAT.get(fmt, mime)
    if not mime:
        return  # no type a reader could open it by
    meta["image_mime_type"] = mime
    request = _current.get()
    if request is not None and not request.payload:
        meta[_PENDING] = _Pending(data, mime, kind)
    else:
        meta["image_base64"] = base64.b64encode(data).decode("ascii")


def is_package_link(src: str) -> bool:
    """Whether ``src`` names a file inside the document's own package (no scheme, no host), never
    a remote address: pictures are read from the package only, nothing is fetched."""
    parts = urlsplit(src)
    return bool(src) and not parts.scheme and not parts.netloc and not src.startswith("/")


def guess_mime(name: str) -> str | None:
    """The picture type a file name says (read from the bytes where Pillow knows the format)."""
    return mimetypes.guess_type(name.split("#", 1)[0])[0]


def take_pictures(elements: Iterable[Element]) -> list[Picture]:
    """The pictures waiting on ``elements`` for files, each element left with its file's name in ``image_path``.

    Named as unstructured names them (``figure-<page>-<n>``, ``table-<page>-<n>``, counted through
    the document) plus a digest of the bytes, so a changed document's new pictures never take the
    names the old output points at: the old pictures stay whole until the new output replaces it.
    """
    counts: Counter[str] = Counter()
    pictures = []
    for el in elements:
        pending = el.metadata.pop(_PENDING, None)
        if pending is None:
            continue
        prefix = "table" if pending.kind == "Table" else "figure"
        counts[prefix] += 1
        page = el.metadata.get("page_number")
        page = page if isinstance(page, int) else 0
        digest = hashlib.sha256(pending.data).hexdigest()[:12]
        name = f"{prefix}-{page}-{counts[prefix]}-{digest}.{PICTURE_EXTENSIONS.get(pending.mime, 'bin')}"
        el.metadata["image_path"] = name
        pictures.append(Picture(name, pending.data, pending.mime))
    return pictures


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
