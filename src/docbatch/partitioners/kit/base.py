"""What every partitioner is: a function from a local file to a list of elements.

Partitioners are plain functions ``partition_x(path, options) -> list[Element]`` living one
format family per module. They raise :class:`~docbatch.errors.DocumentError` (or a subclass)
with a one-line reason for bad input; anything else they raise is treated as a bug in that
partitioner and still recorded as a failed document, never a stopped run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import ConfigError

__all__ = [
    "DEFAULT_OCR_LANGUAGES",
    "EMAIL_BODIES",
    "OCR_MODES",
    "PartitionOptions",
    "Partitioner",
    "ocr_language_codes",
]

#: How much OCR reads: see :attr:`PartitionOptions.ocr`.
OCR_MODES = ("auto", "never", "always")
#: Which body of an email with both is partitioned.
EMAIL_BODIES = ("html", "text")
#: Tesseract's language codes joined by ``+``, as ``--ocr-languages`` takes them.
DEFAULT_OCR_LANGUAGES = "eng"
#: One Tesseract language code: ``eng``, ``chi_sim``, ``frk``.
_OCR_LANGUAGE = re.compile(r"[A-Za-z_]{3,16}")


def ocr_language_codes(languages: str) -> list[str]:
    """The codes of ``eng+deu``; ValueError, in one sentence, for text that is not of that form."""
    codes = languages.split("+")
    if not all(_OCR_LANGUAGE.fullmatch(code) for code in codes):
        raise ValueError(f"OCR languages {languages!r} are not Tesseract codes joined by +, e.g. eng or eng+deu")
    return codes


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
    ocr_languages: str = DEFAULT_OCR_LANGUAGES
    #: Element types that carry their picture ("Image", "Table"), as unstructured's option of this name.
    extract_image_block_types: tuple[str, ...] = ()
    #: Pictures go into ``metadata.image_base64``; without it they are written as files beside the
    #: output (``metadata.image_path``), as unstructured's ``extract_image_block_output_dir``.
    extract_image_block_to_payload: bool = False
    #: Pixels of the largest picture carried; a larger one is left out with a remark.
    max_image_pixels: int = 50_000_000

    def __post_init__(self) -> None:
        """Refuse a value no partitioner knows, in one sentence, where the options are made
        (an unknown ``ocr`` mode would otherwise run as ``auto``)."""
        if self.email_body not in EMAIL_BODIES:
            raise ConfigError(f"email_body must be one of {', '.join(EMAIL_BODIES)}, got {self.email_body!r}.")
        if self.ocr not in OCR_MODES:
            raise ConfigError(f"ocr must be one of {', '.join(OCR_MODES)}, got {self.ocr!r}.")
        try:
            ocr_language_codes(self.ocr_languages)
        except ValueError as e:
            raise ConfigError(f"{e}.") from None
        if self.max_uncompressed_bytes <= 0:
            raise ConfigError(f"max_uncompressed_bytes must be > 0, got {self.max_uncompressed_bytes}.")
        unknown = set(self.extract_image_block_types) - {"Image", "Table"}
        if unknown:
            raise ConfigError(f"extract_image_block_types takes Image and Table, got {sorted(unknown)[0]!r}.")

    @property
    def picture_files(self) -> bool:
        """Whether pictures are written as files beside the output rather than into the elements."""
        return bool(self.extract_image_block_types) and not self.extract_image_block_to_payload


Partitioner = Callable[[Path, PartitionOptions], list[Element]]
