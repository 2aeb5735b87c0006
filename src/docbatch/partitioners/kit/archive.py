"""The zip-bomb guard every zip-based format passes before a library opens it.

DOCX, PPTX, XLSX, EPUB and ODT are zip packages. Their sizes are checked from the central
directory before a single member is inflated: Python's zip reader never yields more bytes for a
member than its directory entry declares, so those sizes bound what any zipfile-based library
can load. (A reader that inflates on its own, like calamine, needs its own check on top.)
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners import zipreuse
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged

__all__ = ["MAX_MEMBERS", "MAX_RATIO", "RATIO_FLOOR", "check_zip", "open_zip"]

#: A package with more members than this is not a document someone wrote.
MAX_MEMBERS = 50_000
#: Compression ratios above this (on packages big enough to matter) are zip bombs, not documents.
MAX_RATIO = 200
#: Below this expanded size the ratio is not checked: small packages cannot hurt.
RATIO_FLOOR = 32 * 1024**2


def check_zip(path: Path, options: PartitionOptions, kind: str) -> None:
    """Refuse ``path`` if it is no zip, is encrypted, or would expand too far.

    ``kind`` names the format in the one-line reason ("DOCX", "EPUB", ...).
    """
    open_zip(path, options, kind).close()


def open_zip(path: Path, options: PartitionOptions, kind: str) -> zipfile.ZipFile:
    """:func:`check_zip`, giving back the open zip for a reader that goes on with it: reading the
    central directory once instead of twice is a measurable share of a small document's time.
    The zip the type sniff opened is taken over when it is still the same file
    (:mod:`docbatch.partitioners.zipreuse`); the checks are the same either way."""
    zf = zipreuse.take(path)
    if zf is None:
        zf = _opened(path, kind)
    try:
        _check_members(zf.infolist(), options, kind)
    except BaseException:
        zf.close()
        raise
    return zf


def _opened(path: Path, kind: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
        raise damaged(kind, "not a readable zip package; it may be truncated") from e


def _check_members(infos: list[zipfile.ZipInfo], options: PartitionOptions, kind: str) -> None:
    """The checks on the central directory: member count, encryption, expanded size and ratio."""
    if len(infos) > MAX_MEMBERS:
        raise DocumentError(f"{kind} has {len(infos):,} zip members, more than {MAX_MEMBERS:,} (zip bomb guard)")
    if any(info.flag_bits & 0x1 for info in infos):
        raise EncryptedDocument(f"password-protected {kind} (encrypted zip members); remove the password and retry")
    expanded = sum(info.file_size for info in infos)
    limit = options.max_uncompressed_bytes
    if expanded > limit:
        raise DocumentError(f"{kind} expands to {expanded:,} bytes, over the {limit:,}-byte limit (zip bomb guard)")
    # the whole package, and each member alone (a bomb hidden among incompressible pictures)
    compressed = sum(info.compress_size for info in infos)
    for size, packed in [(expanded, compressed), *((i.file_size, i.compress_size) for i in infos)]:
        if size > RATIO_FLOOR and size > MAX_RATIO * max(packed, 1):
            ratio = size // max(packed, 1)
            raise DocumentError(f"{kind} compression ratio {ratio:,}:1 is a zip bomb's, not a document's")
