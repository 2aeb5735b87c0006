"""One JSON file per document in a local folder: ``<dir>/<key>.json``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from docbatch.destinations.tree import TreeDestination
from docbatch.errors import ConfigError
from docbatch.locations import local_location
from docbatch.paths import atomic_write, disk_fault

__all__ = ["LocalJSONDestination"]


class LocalJSONDestination(TreeDestination):
    """Writes ``a/b.pdf`` as ``<output_dir>/a/b.pdf.json``, atomically (write, then rename).

    The run record and lock live in the folder itself (``.docbatch/``), so they are not copied
    again at the end of a run.
    """

    name = "local-json"

    def __init__(self, output_dir: str | Path) -> None:
        self.output_dir = Path(output_dir)

    def describe(self) -> str:
        return f"local-json {self.output_dir}"

    def check(self) -> None:
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(
                f"Cannot create the output folder {self.output_dir} ({e.strerror}); choose another "
                "--structured-output-dir."
            ) from e

    def local_root(self) -> Path | None:
        return self.output_dir

    def location(self) -> str | None:
        return local_location(self.output_dir)

    def state_dir(self) -> Path:
        return self.output_dir

    def keep_record(self, run_id: str, path: Path) -> None:
        """The record is already in the output folder."""

    def is_whole(self, name: str) -> bool:
        """A renamed file is whole for every process; only a crash of the machine can leave one
        with a missing or zeroed tail, which its ending shows (see :func:`_is_complete`)."""
        return _is_complete(self.output_dir / name)

    def _list(self) -> Iterator[str]:
        root = str(self.output_dir)
        start = len(root.rstrip(os.sep)) + 1
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for fname in filenames:
                yield os.path.join(dirpath, fname)[start:].replace(os.sep, "/")

    def _put(self, rel: str, data: bytes) -> None:
        try:
            atomic_write(self.output_dir / rel, data)
        except OSError as e:  # a full or read-only disk stops the run: every later write would fail too
            fault = disk_fault(e, self.output_dir, "output")
            if fault is None:
                raise
            raise fault from e

    def _read(self, rel: str) -> bytes | None:
        try:
            return (self.output_dir / rel).read_bytes()
        except FileNotFoundError:
            return None

    def _delete(self, rel: str) -> None:
        (self.output_dir / rel).unlink(missing_ok=True)

    def _files_in(self, folder: str) -> Iterator[str]:
        try:
            with os.scandir(self.output_dir / folder) as entries:
                yield from sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
        except (FileNotFoundError, NotADirectoryError):
            return

    def _tidy(self, folder: str) -> None:
        with contextlib.suppress(OSError):  # not empty (a user's file, a key's output) or already gone
            (self.output_dir / folder).rmdir()

    def _where(self, rel: str) -> str:
        return str(self.output_dir / rel)


#: How a written output ends: the top-level array closes at the start of a line (nested arrays
#: close indented), so these bytes appear nowhere else in the file. An empty list is "[]\n".
_ENDINGS = (b"\n]\n", b"[]\n")


def _is_complete(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size < 3:
                return False
            f.seek(size - 3)
            return f.read(3) in _ENDINGS
    except OSError:  # missing, a directory, unreadable: not a finished output (writing it will tell)
        return False
