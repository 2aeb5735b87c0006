"""Map document keys to local paths without ever leaving the directory they belong in.

Keys come from outside (an S3 listing, a file tree): ``../../etc/passwd``, ``/abs/path`` or a
NUL byte in a key must never become a write outside the output or download directory.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from docbatch.errors import UnsafePath

__all__ = ["atomic_write", "printable", "safe_join"]


def safe_join(root: Path, key: str, suffix: str = "") -> Path:
    """``root / key + suffix``, refusing keys that are absolute, climb out, or hold NUL bytes.

    Keys are split on both slashes; once no part is ``..`` and the first is no root or drive,
    the joined path cannot leave ``root`` (string-wise; symlinks inside ``root`` are the
    owner's own).
    """
    if not key or "\x00" in key:
        raise UnsafePath("unsafe key: empty or contains a NUL byte")
    parts = key.replace("\\", "/").split("/")
    if parts[0] == "" or parts[0].endswith(":"):
        raise UnsafePath(f"unsafe key {key!r}: absolute path")
    if ".." in parts:
        raise UnsafePath(f"unsafe key {key!r}: climbs out of its directory with '..'")
    clean = [p for p in parts if p not in (".", "")]
    if not clean:
        raise UnsafePath(f"unsafe key {key!r}: names no file")
    clean[-1] += suffix
    return root.joinpath(*clean)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to ``.<name>.tmp`` in the same directory and the file is renamed over ``path``;
    a run killed at any point leaves no half-written file behind. The temporary name is fixed,
    so the rerun that writes this output reuses (and so removes) any temporary file a killed
    run left.

    There is no fsync: it would cost a disk round trip per document (milliseconds on network
    disks, more than parsing a small file), and the rename already makes the file whole for any
    process that outlives ours. Only a crash of the machine itself can leave a renamed file
    with a missing tail, and a reader that must trust the file checks its ending (see
    :meth:`docbatch.destinations.local.LocalJSONDestination.exists`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def printable(text: str) -> str:
    """``text`` safe to store as UTF-8 and print: undecodable file-name bytes become U+FFFD.

    Python keeps the bytes of a non-UTF-8 file name as lone surrogates, which UTF-8 encoders
    (JSON, SQLite, the terminal) refuse; the file itself is still opened by its real name.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
