"""What makes an output current: the source version it was made from and how it was made.

A *stamp* is a short digest of the document's version and size as the source listing gives
them (an S3 ETag, a local ``mtime_ns``, fsspec's checksum, ETag or mtime) and the run's
processing fingerprint (:attr:`docbatch.worker.Job.fingerprint`). Destinations store it with
each output; a rerun skips a document only when the stamp it would write is already there.
"""

from __future__ import annotations

import hashlib

from docbatch.sources.base import DocumentMeta

__all__ = ["STAMP_LENGTH", "UNVERSIONED", "stamp"]

#: Hex digits of a stamp: 80 bits, so two versions never share one by chance.
STAMP_LENGTH = 20

#: The stamp stored for an output whose document has no version: no rerun's stamp ever equals it
#: (so the document is always redone), but it marks the output as docbatch's own, which is what
#: lets ``--delete-orphans`` remove it once the document is gone, and never a file it did not write.
UNVERSIONED = "0" * STAMP_LENGTH


def stamp(doc: DocumentMeta, fingerprint: str) -> str | None:
    """The document's stamp, or None when the source gives no version (then it is always redone,
    since nothing could tell that it changed)."""
    if not doc.version:
        return None
    text = f"{doc.version}\x00{doc.size}\x00{fingerprint}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:STAMP_LENGTH]
