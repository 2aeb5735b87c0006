"""What every partitioner is: a function from a local file to a list of elements.

Partitioners are plain functions ``partition_x(path, options) -> list[Element]`` living one
format family per module. They raise :class:`~docbatch.errors.DocumentError` (or a subclass)
with a one-line reason for bad input; anything else they raise is treated as a bug in that
partitioner and still recorded as a failed document, never a stopped run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docbatch.elements import Element

__all__ = ["PartitionOptions", "Partitioner"]


@dataclass(frozen=True, slots=True)
class PartitionOptions:
    """Choices that change what partitioners produce; one object instead of many kwargs."""

    #: For email: partition attachments as their own elements, parented to the email.
    process_attachments: bool = False
    #: For email with both parts: which body to partition ("html" or "text").
    email_body: str = "html"
    #: Detect languages of text into ``metadata.languages``.
    detect_languages: bool = True
    #: Largest uncompressed size a zip-based document may expand to, in bytes.
    max_uncompressed_bytes: int = 2 * 1024**3
    #: OCR: "auto" reads scanned pages and images where a text layer is missing, "always" reads
    #: every page by OCR (ignoring text layers), "never" reads none (images are skipped).
    ocr: str = "auto"
    #: Tesseract languages for OCR, joined by "+" ("eng+deu"); reported in ``metadata.languages``.
    ocr_languages: str = "eng"
    #: Element types that carry their picture ("Image", "Table"), as unstructured's option of this name.
    extract_image_block_types: tuple[str, ...] = ()
    #: Pictures go into ``metadata.image_base64`` (the only way so far; see the README).
    extract_image_block_to_payload: bool = False
    #: Pixels of the largest picture carried; a larger one is left out with a remark.
    max_image_pixels: int = 50_000_000


Partitioner = Callable[[Path, PartitionOptions], list[Element]]
