"""Archives (zip, tar, tar.gz, a lone .gz): each member partitioned as a document of its own.

An archive has no text of its own; its members are its content, so they are always read (unlike
the documents embedded in an Office file or attached to an email, which wait for
``--process-attachments``). Members go through :mod:`~docbatch.partitioners.kit.attachments`, so
their elements carry ``attached_to_filename`` (the archive), ``filename`` and ``file_directory``
(the member's place inside it), and one that fails is a lost part naming the member.

Bombs are refused before anything is inflated: a zip by the central-directory guard every zip
format passes (:mod:`~docbatch.partitioners.kit.archive`), a tar by the sizes its headers declare
(a reader never yields more than that), both then by the member count and total-size bounds of
:mod:`~docbatch.partitioners.kit.attachments`.
"""

from __future__ import annotations

import gzip
import posixpath
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.archive import open_zip
from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged, what_is_wrong
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS
from docbatch.partitioners.kit.notes import part_lost

__all__ = ["archive_body", "gzip_members", "tar_members", "zip_members"]

#: What reading a broken tar or gzip stream raises.
_TAR_ERRORS: tuple[type[BaseException], ...] = (tarfile.TarError, OSError, EOFError, zlib.error, gzip.BadGzipFile)


def archive_body(path: Path, options: PartitionOptions) -> list[Element]:
    """An archive's own elements: none. Its members are added by
    :func:`~docbatch.partitioners.auto.partition_file`, as every container's are (``FileType.holds``)."""
    return []


def gzip_members(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """A gzip file's members: a tar.gz's files, anything else the one file it compresses."""
    if _is_tar(path):
        yield from tar_members(path, options)
    else:
        yield from _gunzipped(path, options)


def _skipped(name: str) -> bool:
    """Members no one wrote as content: macOS resource forks and Finder files, folders."""
    base = posixpath.basename(name.rstrip("/"))
    return name.endswith("/") or name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store"


def zip_members(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """Each file of a zip archive, once the zip-bomb guard passed its central directory."""
    with open_zip(path, options, "ZIP") as zf:
        for info in zf.infolist():
            if _skipped(info.filename):
                continue
            try:
                data = zf.read(info)
            except ZIP_READ_ERRORS as e:
                part_lost(f"member {info.filename}", what_is_wrong(e))
                continue
            yield Attachment(info.filename, data)


def tar_members(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """Each regular file of a tar archive (plain, or compressed with gzip, bzip2 or xz)."""
    limit, total = options.max_uncompressed_bytes, 0
    try:
        with tarfile.open(path) as tar:
            for info in tar:
                if not info.isfile() or _skipped(info.name):
                    continue  # links and devices hold no document; a link could point anywhere
                total += info.size
                if total > limit:  # declared before a byte is read: a bomb stops here
                    raise DocumentError(f"TAR expands to over {limit:,} bytes, over the limit (bomb guard)")
                member = tar.extractfile(info)
                if member is not None:
                    yield Attachment(info.name, member.read())
    except _TAR_ERRORS as e:
        raise damaged("TAR", e) from e


def _gunzipped(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    limit = options.max_uncompressed_bytes
    try:
        with gzip.open(path) as f:
            data = f.read(limit + 1)  # never more than the limit in memory, however it was packed
    except _TAR_ERRORS as e:
        raise damaged("GZIP", e) from e
    if len(data) > limit:
        raise DocumentError(f"GZIP expands to over {limit:,} bytes, over the limit (bomb guard)")
    yield Attachment(path.name.removesuffix(".gz").removesuffix(".GZ") or "document", data)


def _is_tar(path: Path) -> bool:
    """Whether a gzip stream holds a tar: its first header's ``ustar`` magic, read from 512 bytes."""
    try:
        with gzip.open(path) as f:
            head = f.read(512)
    except _TAR_ERRORS:
        return False
    return head[257:262] == b"ustar"
