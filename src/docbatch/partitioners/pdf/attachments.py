"""Files attached to a PDF (its ``EmbeddedFiles`` name tree, portfolios included), through
pdfium's attachment API: each is partitioned as a document of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import part_lost

__all__ = ["pdf_attachments"]


def pdf_attachments(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """Each attached file of the PDF at ``path``, in the document's order."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError, ValueError):
        return  # the PDF reader itself already said what is wrong with the file
    try:
        for index in range(pdf.count_attachments()):
            attachment = pdf.get_attachment(index)
            name = attachment.get_name() or f"attachment-{index + 1}"
            try:
                data = bytes(attachment.get_data())
            except pdfium.PdfiumError:  # a file spec without a stream, or one pdfium cannot inflate
                part_lost(f"attachment {name}", "its data cannot be read")
                continue
            yield Attachment(name, data)
    finally:
        pdf.close()
