"""A folder (walked recursively) or a single file on local disk."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import quote_from_bytes

from docbatch.errors import ConfigError, DocumentError
from docbatch.locations import local_location
from docbatch.model import DocumentMeta, ListingFault
from docbatch.sources.base import Source, folders_inside

__all__ = ["LocalSource"]


class LocalSource(Source):
    """Documents under ``root``; symlinks that lead outside ``root`` are refused."""

    name = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()
        self._excluded: frozenset[str] = frozenset()

    def exclude(self, folders: Iterable[Path]) -> None:
        self._excluded = folders_inside(str(self.root), folders)

    def describe(self) -> str:
        return f"local {self.root}"

    def location(self) -> str | None:
        return local_location(self.root) if self.root.is_dir() else None

    def check(self) -> None:
        if not self.root.exists():
            raise ConfigError(f"{self.root} does not exist; give a folder or a file to process.")
        if not os.access(self.root, os.R_OK):
            raise ConfigError(f"{self.root} is not readable; check its permissions.")

    def list(self) -> Iterator[DocumentMeta | ListingFault]:
        if self.root.is_file():
            yield DocumentMeta.of_file(str(self.root), self.root.name)
            return
        # Plain strings, not Path objects: listing a million files should cost a stat each.
        root = str(self.root)
        start = len(root.rstrip(os.sep)) + 1
        errors: list[OSError] = []  # os.walk reports a folder it cannot read here, and goes on
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
            yield from self._faults(errors, start)
            dirnames[:] = sorted(d for d in dirnames if os.path.join(dirpath, d) not in self._excluded)
            for fname in sorted(filenames):
                path = os.path.join(dirpath, fname)
                yield DocumentMeta.of_file(path, path[start:].replace(os.sep, "/"))
        yield from self._faults(errors, start)

    def count(self, so_far: Callable[[int], None] | None = None) -> int:
        """Files under the root, by name only (no stat): a walk of a million files takes seconds,
        which a background thread spends while the run is already processing."""
        if self.root.is_file():
            return 1
        total = 0
        for dirpath, dirnames, filenames in os.walk(str(self.root)):
            dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in self._excluded]
            total += len(filenames)
        return total

    @staticmethod
    def _faults(errors: list[OSError], start: int) -> Iterator[ListingFault]:
        for error in errors:
            path = os.fsdecode(error.filename or "")
            yield ListingFault(
                uri="file://" + quote_from_bytes(os.fsencode(path)),
                key=path[start:].replace(os.sep, "/") + "/",
                reason=f"folder not listed: {error.strerror or error}; check its permissions and rerun",
            )
        errors.clear()

    def local_path(self, doc: DocumentMeta) -> Path:
        path = Path(doc.record_locator["path"])
        if path.is_symlink():  # resolved only then: two realpath walks cost more than a small document's write
            real = os.path.realpath(path)
            root = os.path.realpath(self.root)
            if self.root.is_file():
                root = os.path.dirname(root)
            if os.path.commonpath([root, real]) != root:
                raise DocumentError("symlink points outside the source folder; refused")
        if not os.path.isfile(path):  # follows every link, as the realpath would
            raise DocumentError("not a regular file (dangling symlink, device or fifo)")
        return path

    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        raise NotImplementedError("local documents are read in place")
