"""Apple iWork documents (.pages, .key, .numbers): read through the preview PDF saved inside.

iWork 2013 and later keep a document's text in Snappy-compressed protobuf parts (``Index/*.iwa``)
whose schema Apple does not publish; no maintained Python reader exists. When the document was
saved with a preview (the default), the package holds it as a PDF (``preview.pdf``, or
``QuickLook/Preview.pdf`` in iWork '09 files), whose text is the document's text: that PDF is
partitioned as the document. Without one the file is skipped, saying so.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import UnsupportedFileType
from docbatch.partitioners.kit.archive import open_zip
from docbatch.partitioners.kit.base import PartitionOptions

__all__ = ["partition_iwork"]

_PREVIEWS = ("preview.pdf", "QuickLook/Preview.pdf")


def partition_iwork(path: Path, options: PartitionOptions) -> list[Element]:
    """The elements of the package's preview PDF; skipped when it has none."""
    from docbatch.partitioners.pdf.pdf import partition_pdf

    kind = path.suffix.lstrip(".").lower() or "iwork"
    try:
        zf = open_zip(path, options, "iWork")
    except Exception as e:  # a .key that is no zip at all (a key file): not an iWork document
        raise UnsupportedFileType(f"unsupported file type {kind}") from e
    with zf:
        preview = next((n for n in _PREVIEWS if _has(zf, n)), None)
        if preview is None:
            raise UnsupportedFileType(
                f"unsupported iWork file ({kind}) without a preview PDF inside; export it to PDF or Office from iWork"
            )
        with tempfile.TemporaryDirectory(prefix="docbatch-iwork-") as tmp:
            pdf = Path(tmp) / "preview.pdf"
            pdf.write_bytes(zf.read(preview))
            return partition_pdf(pdf, options)


def _has(zf: zipfile.ZipFile, name: str) -> bool:
    try:
        zf.getinfo(name)
    except KeyError:
        return False
    return True
