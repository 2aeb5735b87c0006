"""Documents embedded in a Word file, deck or workbook: the package's ``embeddings/`` parts.

Office keeps every embedded object as a part under ``word/``, ``ppt/`` or ``xl/embeddings/``:
an OOXML document stored as itself (``Microsoft_Excel_Worksheet.xlsx``), or an OLE object
wrapping a PDF, a packaged file or a legacy Office file (:mod:`~docbatch.partitioners.kit.oleobject`).
They are read in part-name order, which is the order Office numbers them in as they are inserted.
The package already passed the zip-bomb guard when its reader opened it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import what_is_wrong
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.oleobject import OLE_MAGIC, ole_payload

__all__ = ["ooxml_embedded"]

_EMBEDDING = re.compile(r"^(?:word|ppt|xl)/embeddings/[^/]+$")


def ooxml_embedded(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """Each embedded document of the OOXML package at ``path``, unwrapped from its OLE object."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted((n for n in zf.namelist() if _EMBEDDING.match(n)), key=_natural)
            for name in names:
                try:
                    data = zf.read(name)
                except ZIP_READ_ERRORS as e:
                    part_lost(f"embedded {name}", what_is_wrong(e))
                    continue
                base = name.rsplit("/", 1)[-1]
                yield ole_payload(base, data) if data.startswith(OLE_MAGIC) else Attachment(base, data)
    except (zipfile.BadZipFile, OSError):
        return  # the reader of the package itself already said what is wrong with it


def _natural(name: str) -> list[object]:
    """``oleObject2`` before ``oleObject10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
