"""The words docbatch's parts exchange, on the ground floor: every part imports them, they import no part.

- :class:`DocumentMeta` is what a source knows of a document before reading it, and
  :class:`ListingFault` a part of the source it could not list; destinations key outputs by them.
- :class:`DocResult` and :class:`Status` say how one document ended: the one thing a worker returns
  and the run record stores.
- :class:`Picture` is one picture of a document written as a file beside its output
  (``--extract-image-block-types`` without ``--extract-image-block-to-payload``).
- A *stamp* is a short digest of the document's version and size as the source listing gives
  them (an S3 ETag, a local ``mtime_ns``, fsspec's checksum, ETag or mtime) and the run's
  processing fingerprint (:attr:`docbatch.runner.worker.Job.fingerprint`). Destinations store it with
  each output; a rerun skips a document only when the stamp it would write is already there.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote_from_bytes

__all__ = [
    "DELETED",
    "FAILED",
    "FAILED_BEFORE",
    "OK",
    "PARTIAL",
    "PICTURE_EXTENSIONS",
    "SKIPPED",
    "STAMP_LENGTH",
    "UNCHANGED",
    "UNVERSIONED",
    "DocResult",
    "DocumentMeta",
    "ListingFault",
    "Picture",
    "Status",
    "is_picture_name",
    "stamp",
]


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What a source knows of a document before reading it."""

    #: Where the document lives, e.g. ``s3://bucket/a/b.pdf`` or ``file:///data/a/b.pdf``.
    uri: str
    #: Path relative to the source root; names the output (``a/b.pdf`` -> ``a/b.pdf.json``).
    key: str
    size: int | None = None
    #: Changes when the content changes: an S3 ETag, or a file's mtime in nanoseconds.
    version: str | None = None
    #: ISO 8601, UTC.
    last_modified: str | None = None
    #: Enough for the source to find the document again (bucket and key, or a path).
    record_locator: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of_file(cls, path: str, key: str) -> DocumentMeta:
        """A file on local disk as a local listing sees it: its ``file://`` URI, size and
        ``mtime_ns`` version (None for a dangling symlink: reading it reports that)."""
        try:
            st = os.stat(path)
            size, version = st.st_size, str(st.st_mtime_ns)
            modified = datetime.fromtimestamp(st.st_mtime, UTC).isoformat()
        except OSError:  # a dangling symlink: fetch reports it
            size = version = modified = None
        return cls(
            uri="file://" + quote_from_bytes(os.fsencode(path)),  # Path.as_uri(), without the Path
            key=key,
            size=size,
            version=version,
            last_modified=modified,
            record_locator={"path": path},
        )


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture on its way from the partitioner to the destination, written beside the output."""

    #: The file's name inside the document's pictures folder: ``figure-<page>-<n>-<digest>.<ext>``.
    name: str
    data: bytes = field(repr=False)
    mime: str


#: File name extensions of the types pictures come in; any other type is written as ``.bin``.
PICTURE_EXTENSIONS = {
    "image/bmp": "bmp",
    "image/gif": "gif",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/svg+xml": "svg",
    "image/tiff": "tif",
    "image/webp": "webp",
    "image/x-emf": "emf",
    "image/x-wmf": "wmf",
}
_PICTURE_EXTENSION = "|".join(sorted({*PICTURE_EXTENSIONS.values(), "bin"}))
_PICTURE_NAME = re.compile(rf"(?:figure|table)-\d+-\d+-[0-9a-f]{{12}}\.(?:{_PICTURE_EXTENSION})")


def is_picture_name(name: str) -> bool:
    """Whether a file name is one :class:`Picture` names take: destinations remove only those, never
    an output (``*.json``) of a document whose key happens to lie in a pictures folder."""
    return _PICTURE_NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class ListingFault:
    """A part of the source that could not be listed (an unreadable folder, say).

    Sources yield it among the documents so that the run records it as a failed row and exits
    non-zero, instead of silently processing everything else.
    """

    uri: str
    #: The folder's key relative to the source root, ending with ``/``.
    key: str
    reason: str
    version: str | None = None


class Status(StrEnum):
    """How a document ended. A ``str`` enum, so rows and callers comparing with "ok" still match."""

    #: All of it came out (with no elements, the reason says why, e.g. "no text found").
    OK = "ok"
    #: Done, but some named parts were lost; the reason names them.
    PARTIAL = "partial"
    #: Not processed on purpose: its output exists, or its type is not one docbatch reads.
    SKIPPED = "skipped"
    #: Nothing written; the reason says why in one line.
    FAILED = "failed"


OK, PARTIAL, SKIPPED, FAILED = Status.OK, Status.PARTIAL, Status.SKIPPED, Status.FAILED
#: An output whose document is gone from a complete listing of the source (kept, or removed
#: with --delete-orphans); not a document of the run, so not counted in its total.
DELETED = "deleted"

#: The skip reasons a rerun gives a document it leaves alone: rows that repeat an earlier outcome
#: (the run record keeps them for the latest run only).
UNCHANGED = "output exists"
FAILED_BEFORE = "unchanged since it failed or was skipped for good (--retry-failed tries it again)"


@dataclass(slots=True)
class DocResult:
    """What happened to one document: the one thing a worker returns."""

    uri: str
    key: str
    status: Status | str  # a Status, or DELETED for an output whose document is gone
    reason: str = ""
    version: str | None = None
    elements: int = 0
    seconds: float = 0.0
    file_type: str | None = None
    output: str | None = None
    #: Traceback of an internal error: stored in the record, printed with --verbose.
    detail: str | None = None
    #: The run cannot go on (a library every document of this type needs is missing): the
    #: pipeline records this result, then stops the run with exit status 2.
    stops_run: bool = False
    #: Set when the failure is the run's environment, not the document: "source" (the source
    #: did not deliver it), "outage" (the source stayed unreachable past the patience) or
    #: "output" (nothing can be written). Decides whether the run stops.
    fault: str | None = None

    @classmethod
    def of(cls, doc: Any, status: Status, reason: str = "") -> DocResult:
        """A result for ``doc`` (anything with uri, key and version, e.g. a DocumentMeta)."""
        return cls(uri=doc.uri, key=doc.key, status=status, reason=reason, version=doc.version)


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
