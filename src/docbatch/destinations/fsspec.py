"""Outputs on any filesystem fsspec knows (``gs://``, ``az://``, ``memory://``, ...).

Object stores write each file with one atomic PUT, so nothing half-written is ever listed. This
backend is for those; a local path goes to :mod:`docbatch.destinations.local`, which renames
(fsspec's local ``pipe_file`` writes in place). ``memory://`` lives in one process, so it only
serves in-process use such as the destination contract tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.destinations.base import local_state_dir
from docbatch.destinations.tree import TreeDestination
from docbatch.errors import ConfigError, TransientError
from docbatch.locations import protocol_of, tree_location
from docbatch.stores.fsspec import FsspecConnection

__all__ = ["FsspecDestination"]


class FsspecDestination(TreeDestination):
    """Writes ``a/b.pdf`` as ``<url>/a/b.pdf.json``."""

    name = "fsspec"

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.url = url.rstrip("/")
        self.connection = FsspecConnection(self.url, storage_options)
        self._fs: Any = None
        self._root = ""

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_fs"] = None  # filesystems hold sessions; each worker opens its own
        return state

    def describe(self) -> str:
        return f"fsspec {self.connection.shown}"

    @property
    def fs(self) -> Any:
        if self._fs is None:
            self._fs, root = self.connection.open("the output ")
            self._root = root.rstrip("/")
        return self._fs

    def check(self) -> None:
        try:
            self.fs.makedirs(self._root, exist_ok=True)
        except ConfigError:
            raise
        except Exception as e:  # any backend's own error: the run cannot start
            said = self.connection.said(e)
            raise ConfigError(f"Cannot use the output {self.connection.shown} ({type(e).__name__}: {said}).") from e

    def state_dir(self) -> Path:
        return local_state_dir(self.describe())

    def location(self) -> str | None:
        return tree_location(protocol_of(self.fs), self._root)

    def _list(self) -> Iterator[str]:
        start = len(self._root) + 1
        for path in self.fs.find(self._root):
            yield path[start:]

    def _put(self, rel: str, data: bytes) -> None:
        path = f"{self._root}/{rel}"
        try:
            try:
                self.fs.pipe_file(path, data)
            except Exception:  # FTP says error_perm, SFTP IOError, a local disk FileNotFoundError
                # a store without implicit folders (FTP, SFTP, a mounted disk) needs the parent made
                # first; object stores have none to make, so this costs them nothing on success
                parent = path.rpartition("/")[0]
                if not parent or self.fs.exists(parent):
                    raise
                self.fs.makedirs(parent, exist_ok=True)
                self.fs.pipe_file(path, data)
        except Exception as e:  # any backend's own error
            said = self.connection.said(e)
            raise TransientError(f"writing to {self.connection.shown} failed ({type(e).__name__}: {said})") from e

    def _read(self, rel: str) -> bytes | None:
        try:
            return self.fs.cat_file(f"{self._root}/{rel}")
        except FileNotFoundError:
            return None

    def _files_in(self, folder: str) -> Iterator[str]:
        try:
            found = self.fs.ls(f"{self._root}/{folder}", detail=True)
        except FileNotFoundError:
            return
        for entry in found:
            if entry.get("type") == "file":
                yield entry["name"].rstrip("/").rpartition("/")[2]

    def _delete(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(f"{self._root}/{rel}")

    def _where(self, rel: str) -> str:
        return f"{self.connection.shown}/{rel}"
