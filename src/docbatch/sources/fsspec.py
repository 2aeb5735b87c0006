"""Any filesystem fsspec knows: ``gcs://``, ``abfs://``, ``sftp://``, ``hf://``, ``file://``, ...

The protocol's own fsspec package must be installed (gcsfs, adlfs, ...); fsspec says which
when it is missing. Listing walks one directory at a time, so a large tree starts processing
before it has been listed whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docbatch.errors import ConfigError, DocumentError, TransientError
from docbatch.sources.base import DocumentMeta, Source

__all__ = ["FsspecSource"]

#: Listing fields that change with the content, best first.
_VERSION_KEYS = ("ETag", "etag", "md5", "md5Hash", "crc32c", "checksum")


class FsspecSource(Source):
    """Every file under ``url`` (or the one file it names) on an fsspec filesystem."""

    name = "fsspec"

    def __init__(self, url: str, **storage_options: Any) -> None:
        self.url = url
        self.storage_options = storage_options
        self._fs: Any = None
        self._root: str = ""

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_fs"] = None  # filesystems hold sessions; each worker opens its own
        return state

    def describe(self) -> str:
        return f"fsspec {self.url.split('?', 1)[0]}"

    @property
    def fs(self) -> Any:
        if self._fs is None:
            from fsspec.core import url_to_fs

            try:
                self._fs, self._root = url_to_fs(self.url, **self.storage_options)
            except (ImportError, ValueError) as e:
                raise ConfigError(f"Cannot open {self.url}: {e}") from e
        return self._fs

    def check(self) -> None:
        try:
            exists = self.fs.exists(self._root)
        except ConfigError:
            raise
        except Exception as e:
            raise ConfigError(
                f"Cannot reach {self.url} ({type(e).__name__}: {e}); check the URL and credentials."
            ) from e
        if not exists:
            raise ConfigError(f"{self.url} does not exist; check the URL.")

    def list(self) -> Iterator[DocumentMeta]:
        fs, root = self.fs, self._root.rstrip("/")
        if fs.isfile(root):
            yield self._meta(fs.info(root), root.rsplit("/", 1)[-1])
            return
        for dirpath, _dirs, files in fs.walk(root, detail=True):
            for name in sorted(files):
                info = files[name]
                full = info.get("name") or f"{dirpath}/{name}"
                yield self._meta(info, full[len(root) :].lstrip("/"))

    def _meta(self, info: dict[str, Any], key: str) -> DocumentMeta:
        modified = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
        if isinstance(modified, int | float):
            modified = datetime.fromtimestamp(modified, UTC)
        # a checksum or ETag when the store lists one (gcsfs: md5Hash/crc32c, adlfs/s3fs: etag), else the mtime
        checksum = next((info[k] for k in _VERSION_KEYS if info.get(k)), None)
        version = checksum or (str(modified) if modified else None)
        path = info.get("name", key)
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        return DocumentMeta(
            uri=self.fs.unstrip_protocol(path),
            key=key,
            size=info.get("size"),
            version=str(version).strip('"') if version else None,
            last_modified=modified.isoformat() if hasattr(modified, "isoformat") else modified,
            record_locator={"protocol": protocol, "remote_file_path": self.fs.unstrip_protocol(path)},
        )

    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        try:
            self.fs.get_file(self.fs._strip_protocol(doc.uri), str(dest))
        except FileNotFoundError as e:
            raise DocumentError("file no longer exists (deleted after listing)") from e
        except (OSError, TimeoutError) as e:
            raise TransientError(f"download interrupted ({type(e).__name__})") from e
        if doc.size is not None and dest.stat().st_size != doc.size:
            raise TransientError(f"download truncated: got {dest.stat().st_size} of {doc.size} bytes")
