"""Any filesystem fsspec knows: ``gcs://``, ``abfs://``, ``sftp://``, ``hf://``, ``file://``, ...

The protocol's own fsspec package must be installed (gcsfs, adlfs, ...); fsspec says which
when it is missing. Listing lists one directory at a time, so a large tree starts processing
before it has been listed whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docbatch.errors import ConfigError, DocumentError, TransientError
from docbatch.locations import protocol_of, tree_location
from docbatch.model import DocumentMeta, ListingFault
from docbatch.sources.base import Source, folders_inside
from docbatch.stores.fsspec import FsspecConnection, is_outage

__all__ = ["FsspecSource"]

#: Listing fields that change with the content, best first.
_VERSION_KEYS = ("ETag", "etag", "md5", "md5Hash", "crc32c", "checksum")


class FsspecSource(Source):
    """Every file under ``url`` (or the one file it names) on an fsspec filesystem."""

    name = "fsspec"

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.url = url
        self.connection = FsspecConnection(url, storage_options)
        self._fs: Any = None
        self._root: str = ""
        self._exclude: tuple[Path, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_fs"] = None  # filesystems hold sessions; each worker opens its own
        return state

    def describe(self) -> str:
        return f"fsspec {self.connection.shown}"

    @property
    def fs(self) -> Any:
        if self._fs is None:
            self._fs, self._root = self.connection.open()
        return self._fs

    def check(self) -> None:
        try:
            exists = self.fs.exists(self._root)
        except ConfigError:
            raise
        except Exception as e:
            raise ConfigError(
                f"Cannot reach {self.connection.shown} ({type(e).__name__}: {self.connection.said(e)}); "
                "check the URL and credentials."
            ) from e
        if not exists:
            raise ConfigError(f"{self.connection.shown} does not exist; check the URL.")

    def exclude(self, folders: Iterable[Path]) -> None:
        self._exclude = tuple(folders)

    def location(self) -> str | None:
        fs, root = self.fs, self._root.rstrip("/")
        return None if fs.isfile(root) else tree_location(protocol_of(fs), root)

    def _excluded(self, root: str) -> frozenset[str]:
        """The excluded folders as this filesystem names them: only a local one can hold them."""
        if protocol_of(self.fs) != "file":
            return frozenset()
        return folders_inside(root, self._exclude)

    def list(self) -> Iterator[DocumentMeta | ListingFault]:
        fs, root = self.fs, self._root.rstrip("/")
        if fs.isfile(root):
            yield self._meta(fs.info(root), root.rsplit("/", 1)[-1])
            return
        for folder, files in self._walk(root):
            if isinstance(files, OSError):
                yield self._fault(folder, root, files)
                continue
            for info in files:
                yield self._meta(info, info["name"][len(root) :].lstrip("/"))

    def count(self, so_far: Callable[[int], None] | None = None) -> int:
        """The files under the root, counted by a walk of its own in the background while the
        run lists and processes: a remote tree lists slowly, so ``so_far`` hears the count
        after each folder and the progress shows a growing total long before the end."""
        fs, root = self.fs, self._root.rstrip("/")
        if fs.isfile(root):
            return 1
        total = 0
        for _, files in self._walk(root):
            if not isinstance(files, OSError):
                total += len(files)
                if so_far is not None:
                    so_far(total)
        return total

    def _walk(self, root: str) -> Iterator[tuple[str, list[dict[str, Any]] | OSError]]:
        """Each folder under ``root``, depth first in name order, with its files sorted by name,
        or the error that kept it from being listed."""
        excluded = self._excluded(root)
        pending = [root]  # folders still to list
        while pending:
            folder = pending.pop()
            try:
                listing = self._ls(folder)
            except OSError as e:  # fsspec's own walk drops this below the top folder (on_error is not passed down)
                yield folder, e
                continue
            files, dirs = [], []
            for info in listing:
                name = info["name"].rstrip("/")
                if info["type"] == "directory":
                    if name != folder and name not in excluded:
                        dirs.append(name)
                else:
                    files.append(info)
            yield folder, sorted(files, key=lambda i: i["name"])
            pending.extend(sorted(dirs, reverse=True))

    #: How long listing one folder keeps retrying through an outage before that folder is a
    #: recorded failure, as for S3: a blip of half a minute must not cost a night's run its folders.
    listing_patience = 120.0

    def _ls(self, folder: str) -> list[dict[str, Any]]:
        """One folder's entries, retried with growing pauses while the store is unreachable or
        failing (refused or dropped connections, timeouts, 5xx answers) for up to
        :attr:`listing_patience` seconds; a refusal (permissions, a missing folder) is not retried."""
        give_up = time.monotonic() + self.listing_patience
        started, pause = time.monotonic(), 1.0
        while True:
            try:
                return self.fs.ls(folder, detail=True)
            except Exception as e:
                if not is_outage(e):
                    raise
                if time.monotonic() + pause > give_up:
                    waited = time.monotonic() - started
                    raise _Unreachable(f"the server was unreachable for {waited:.0f} s ({type(e).__name__})") from e
            time.sleep(pause)
            pause = min(pause * 2, 30.0)

    def _fault(self, folder: str, root: str, error: OSError) -> ListingFault:
        return ListingFault(
            uri=self.fs.unstrip_protocol(folder),
            key=folder[len(root) :].strip("/") + "/",
            reason=f"folder not listed: {error}; rerun once the store answers again"
            if isinstance(error, _Unreachable)
            else f"folder not listed: {error.strerror or error}; check its permissions and rerun",
        )

    def _meta(self, info: dict[str, Any], key: str) -> DocumentMeta:
        modified = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
        if isinstance(modified, int | float):
            modified = datetime.fromtimestamp(modified, UTC)
        # a checksum or ETag when the store lists one (gcsfs: md5Hash/crc32c, adlfs/s3fs: etag), else the mtime
        checksum = next((info[k] for k in _VERSION_KEYS if info.get(k)), None)
        version = checksum or (str(modified) if modified else None)
        path = info.get("name", key)
        protocol = protocol_of(self.fs)
        return DocumentMeta(
            uri=self.fs.unstrip_protocol(path),
            key=key,
            size=info.get("size"),
            version=str(version).strip('"') if version else None,
            last_modified=modified.isoformat() if hasattr(modified, "isoformat") else modified,
            record_locator={"protocol": protocol, "remote_file_path": self.fs.unstrip_protocol(path)},
        )

    def is_outage(self, error: BaseException) -> bool:
        return isinstance(error, TransientError) and error.__cause__ is not None and is_outage(error.__cause__)

    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        try:
            self.fs.get_file(self.fs._strip_protocol(doc.uri), str(dest))
        except FileNotFoundError as e:
            raise DocumentError("file no longer exists (deleted after listing)") from e
        except (OSError, TimeoutError) as e:
            raise TransientError(f"download interrupted ({type(e).__name__})") from e
        if doc.size is not None and dest.stat().st_size != doc.size:
            raise TransientError(f"download truncated: got {dest.stat().st_size} of {doc.size} bytes")


class _Unreachable(OSError):
    """A folder's listing failed through an outage that outlasted the patience."""
