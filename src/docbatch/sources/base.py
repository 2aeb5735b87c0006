"""The source interface: list documents cheaply, fetch one document's bytes on request.

Listing returns metadata only (no content) and is lazy, so a bucket of 100,000 keys starts
processing after its first page of results and never sits in memory whole. Sources are pickled
into worker processes, which then call :meth:`Source.fetch`; a source keeps its clients out of
its pickled state and makes them again on first use in each process.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from docbatch.model import DocumentMeta, ListingFault

__all__ = ["Source", "folders_inside"]


def folders_inside(root: str, folders: Iterable[Path]) -> frozenset[str]:
    """The ``folders`` that lie inside ``root``, spelled as a walk from ``root`` spells them.

    A walk that does not follow symlinks reaches a folder under its real path relative to the
    real root, so comparing those strings finds the folder without a ``stat`` per directory.
    """
    real_root = os.path.realpath(root)
    found = set()
    for folder in folders:
        real = os.path.realpath(folder)
        if real != real_root and os.path.commonpath([real_root, real]) == real_root:
            found.add(os.path.join(root, os.path.relpath(real, real_root)))
    return frozenset(found)


class Source(ABC):
    """Somewhere documents live."""

    #: Short name shown in the run record (``s3``, ``local``).
    name: str = "source"

    def check(self) -> None:  # noqa: B027 - optional hook
        """Authorize and confirm the source exists; raise ConfigError with one sentence if not."""

    @abstractmethod
    def list(self) -> Iterator[DocumentMeta | ListingFault]:
        """Yield every document's metadata, lazily, without reading content, and a
        :class:`ListingFault` for each part of the source that could not be listed."""

    def count(self, so_far: Callable[[int], None] | None = None) -> int | None:
        """How many documents :meth:`list` will yield, when that is cheap enough to learn (for a
        progress total and an ETA); None when it would mean listing twice at a cost (S3). A source
        that counts slowly tells ``so_far`` its running count along the way."""
        return None

    def exclude(self, folders: Iterable[Path]) -> None:  # noqa: B027 - optional hook
        """Leave these local folders out of the listing: the run's own output and download dirs,
        which a source on the same disk would otherwise read back in, one level deeper each run."""

    def location(self) -> str | None:
        """The folder the documents are listed from, as :mod:`docbatch.locations` spells it, once
        :meth:`check` has run; None for a single document or a source that cannot say."""
        return None

    def local_path(self, doc: DocumentMeta) -> Path | None:
        """The document's path when it is already on local disk (then nothing is downloaded)."""
        return None

    @abstractmethod
    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        """Write the document's bytes to ``dest``, raising if they arrive incomplete."""

    def is_outage(self, error: BaseException) -> bool:
        """Whether ``error``, raised by :meth:`fetch`, says the store is unreachable or failing for
        now (no connection, timeouts, 5xx answers), which waiting may cure; not a refusal (access
        denied, a missing object) nor a bad body. Downloads wait out such an outage (bounded)."""
        return False

    def describe(self) -> str:
        """A one-line, secret-free description for logs and the run record."""
        return self.name
