"""Map document keys to local paths: one key, one path, never outside the directory.

Keys come from outside (an S3 listing, a file tree) and name documents in a namespace that is
not a file system's: on S3 ``c/d.txt``, ``c//d.txt``, ``c/./d.txt``, ``/c/d.txt`` and
``c/../d.txt`` are five different objects, and on Linux ``a\\b.txt`` is a file name, not a
folder. Cleaning such keys into paths (dropping empty parts, splitting on backslashes) once
wrote two documents to one output, each run taking the other's text. So keys are *encoded*:
:func:`key_to_parts` is injective and :func:`parts_to_key` reverses it.

- A key is split on ``/`` only; every part that is an ordinary file name is kept as it is, so
  the outputs of ordinary keys keep the names they always had.
- Any other part (empty, ``.``, ``..``, holding a backslash, a NUL or another control
  character, starting with ``%``, or longer than :data:`MAX_PART_BYTES`) becomes ``%`` plus the
  part with those characters (and ``%``) written as ``%XX``. An escaped part always starts
  with ``%`` and an ordinary one never does, so the two cannot meet, and no escaped part is
  empty, ``.``, ``..`` or holds a separator, so no key climbs out of its directory.
- An escaped part still too long for one file name is cut into folders: every piece but the
  last ends with a bare ``%``, which no escaped text can end with (its ``%`` always has two
  hex digits after it).

Keys that climb (``..``), start at a root or hold NUL bytes are encoded like any other odd
key rather than refused: on S3 they are real objects whose owners want them processed, and
once encoded they are plain names inside the output dir.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
from pathlib import Path

from docbatch.errors import OutputUnavailable

__all__ = [
    "MAX_PART_BYTES",
    "atomic_write",
    "disk_fault",
    "key_to_parts",
    "parts_to_key",
    "printable",
    "safe_join",
    "safe_name",
    "temp_path",
]

#: Longest path part kept as it is: NAME_MAX (255 bytes on Linux and macOS) less the ``.json``
#: an output adds.
MAX_PART_BYTES = 250
#: Characters written as ``%XX`` in an escaped part: the escape itself, both separators, and
#: control characters (a terminal, a NUL-terminated C string or a shell would choke on them).
_ESCAPED = frozenset("%/\\\x7f" + "".join(map(chr, range(32))))
_HEX = re.compile(r"%([0-9A-F]{2})")


def _is_plain(part: str) -> bool:
    return (
        part not in ("", ".", "..")
        and not part.startswith("%")
        and _ESCAPED.isdisjoint(part)  # one C call, not a generator step per character
        and len(os.fsencode(part)) <= MAX_PART_BYTES
    )


def _escape(part: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in part)


def _split_long(text: str) -> list[str]:
    """``%`` + ``text`` as path parts of at most MAX_PART_BYTES, cut between whole characters
    and never inside a ``%XX``; every part but the last ends with a bare ``%``."""
    pieces: list[str] = []
    piece, size = "", 1  # the leading "%"
    i = 0
    while i < len(text):
        token = text[i : i + 3] if text[i] == "%" else text[i]
        width = len(os.fsencode(token))
        if size + width + 1 > MAX_PART_BYTES:  # room for the trailing "%" of a cut piece
            pieces.append(f"%{piece}%")
            piece, size = "", 1
        piece += token
        size += width
        i += len(token)
    pieces.append(f"%{piece}")
    return pieces


def key_to_parts(key: str) -> list[str]:
    """The relative path parts that stand for ``key``: injective, reversed by :func:`parts_to_key`."""
    parts: list[str] = []
    for part in key.split("/"):
        if _is_plain(part):
            parts.append(part)
        else:
            parts.extend(_split_long(_escape(part)))
    return parts


def parts_to_key(parts: list[str]) -> str:
    """The key :func:`key_to_parts` turned into ``parts``."""
    segments: list[str] = []
    pending = ""
    for part in parts:
        if not part.startswith("%"):
            segments.append(part)
            continue
        if len(part) > 1 and part.endswith("%"):
            pending += part[1:-1]
            continue
        segments.append(_HEX.sub(lambda m: chr(int(m.group(1), 16)), pending + part[1:]))
        pending = ""
    return "/".join(segments)


def safe_name(key: str, suffix: str = "") -> str:
    """The relative, ``/``-separated name :func:`safe_join` gives ``key`` under any root (no Path
    objects: it is computed for every listed document, in the main process)."""
    parts = key_to_parts(key)
    parts[-1] += suffix
    return "/".join(parts)


def safe_join(root: Path, key: str, suffix: str = "") -> Path:
    """``root`` joined with the encoded ``key``, ``suffix`` added to its last part.

    Every part is a plain name (see :func:`key_to_parts`), so the path cannot leave ``root``
    (string-wise; symlinks inside ``root`` are the owner's own), and two keys never share it.
    """
    parts = key_to_parts(key)
    parts[-1] += suffix
    return root.joinpath(*parts)


def temp_path(path: Path, suffix: str) -> Path:
    """A short, fixed temporary name beside ``path``: ``.~<hash of its name><suffix>``.

    Short, so that a document whose name is already near NAME_MAX can still be written (a
    temporary name built by adding to the real one went past the limit); fixed, so that the
    rerun that writes ``path`` reuses, and so removes, a temporary file a killed run left.
    The hash makes a clash with another name in the folder a 2**-64 chance.
    """
    digest = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]
    return path.with_name(f".~{digest}{suffix}")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same directory (see :func:`temp_path`) and the
    file is renamed over ``path``; a run killed at any point leaves no half-written file behind.
    An empty ``path`` that does not exist yet (an incremental marker, whose name is its whole
    message) is created in place: an empty file has no half-written state, and the temporary
    file and rename would double what each marker costs the disk.

    There is no fsync: it would cost a disk round trip per document (milliseconds on network
    disks, more than parsing a small file), and the rename already makes the file whole for any
    process that outlives ours. Only a crash of the machine itself can leave a renamed file
    with a missing tail, and a reader that must trust the file checks its ending (see
    :meth:`docbatch.destinations.local.LocalJSONDestination.exists`).
    """
    if not data:
        try:
            os.close(_create(path, os.O_EXCL))
            return
        except FileExistsError:
            pass  # replaced by a rename like any other file, never written through a link
    tmp = temp_path(path, ".tmp")
    fd = _create(tmp, os.O_TRUNC)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _create(path: Path, flag: int) -> int:
    """Open ``path`` for writing, created with ``flag``; its folders are made only when missing
    (trying first saves a mkdir per file: nearly every file goes to a folder that exists)."""
    flags = os.O_WRONLY | os.O_CREAT | flag
    try:
        return os.open(path, flags, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, flags, 0o666)


def printable(text: str) -> str:
    """``text`` safe to store as UTF-8 and print: undecodable file-name bytes become U+FFFD.

    Python keeps the bytes of a non-UTF-8 file name as lone surrogates, which UTF-8 encoders
    (JSON, SQLite, the terminal) refuse; the file itself is still opened by its real name.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_NOT_WRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def disk_fault(error: OSError, folder: Path, what: str) -> OutputUnavailable | None:
    """An :class:`OutputUnavailable` saying in one sentence why nothing more can be written to
    ``folder`` (the ``what`` dir: "output", "download"), or None if ``error`` is another fault."""
    if error.errno in _DISK_FULL:
        return OutputUnavailable(f"{what} disk full at {folder}; free space and rerun to resume")
    if error.errno in _NOT_WRITABLE:
        return OutputUnavailable(
            f"{what} dir {folder} is not writable ({error.strerror}); fix its permissions and rerun to resume"
        )
    return None
