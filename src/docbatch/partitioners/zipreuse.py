"""Hand the zip that sniffing opened on to the format's reader, so a package's central directory is read once.

Telling DOCX from PPTX from EPUB takes the member names, so :mod:`docbatch.partitioners.filetype` opens every
zip it sees; the reader then needs the same directory for its zip-bomb guard and its parts.
Parsing the directory (a :class:`zipfile.ZipInfo` per member) is a measurable share of a small
document's time, so the sniff keeps its open :class:`zipfile.ZipFile` here and the reader takes it.

Only the most recent sniff is held, per thread, and only for the same unchanged file (same device,
inode, size and mtime as when it was opened): a file replaced in between is opened afresh. The
reader still runs every check on what it takes (:func:`docbatch.partitioners.kit.archive.open_zip`),
exactly as on a zip it opened itself. A zip is held only inside :func:`scope` (one document's
detection and partitioning), which closes a zip nobody took on the way out: a bare
:func:`docbatch.partitioners.filetype.detect` call keeps no file open.
"""

from __future__ import annotations

import os
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["hold", "scope", "take"]

_FileKey = tuple[int, int, int, int]


class _Held(threading.local):
    """This thread's held zip and the identity of the file it was opened from."""

    key: _FileKey | None = None
    zf: zipfile.ZipFile | None = None
    active: bool = False


_held = _Held()


def _key(stat: os.stat_result) -> _FileKey:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


@contextmanager
def scope() -> Iterator[None]:
    """Within this block a sniffed zip is held for its reader; on leaving, one nobody took is closed.

    Nested scopes (an email's attachments partitioned inside the email) each close their own.
    """
    outer = _held.active
    _held.active = True
    try:
        yield
    finally:
        _release()
        _held.active = outer


def hold(zf: zipfile.ZipFile) -> None:
    """Keep ``zf`` (opened from a path) for the reader of that file, inside a :func:`scope`;
    outside one, close it. A zip held before is closed."""
    _release()
    if not _held.active or zf.fp is None:
        zf.close()
        return
    _held.key, _held.zf = _key(os.fstat(zf.fp.fileno())), zf


def take(path: Path) -> zipfile.ZipFile | None:
    """The held zip if it was opened from ``path`` as it is now, else None; the caller owns it."""
    zf, key = _held.zf, _held.key
    if zf is None:
        return None
    _held.key, _held.zf = None, None
    try:
        same = key == _key(os.stat(path))
    except OSError:
        same = False
    if same:
        return zf
    zf.close()
    return None


def _release() -> None:
    """Close the held zip, if no reader took it."""
    zf = _held.zf
    _held.key, _held.zf = None, None
    if zf is not None:
        zf.close()
