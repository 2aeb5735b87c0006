"""Reading one member of a zip package, and what a damaged member raises.

EPUB, ODT and the OpenDocument spreadsheets read their XML members straight from the zip; a
member with a bad CRC or corrupt compressed data must become a one-line reason naming it, not a
zlib traceback. (The package as a whole is checked first, by :mod:`~docbatch.partitioners.kit.archive`.)
"""

from __future__ import annotations

import contextlib
import lzma
import zipfile
from collections.abc import Callable
from pathlib import Path

from docbatch.errors import DocumentError
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, what_is_wrong
from docbatch.partitioners.kit.images import MAX_IMAGE_BYTES

__all__ = ["ZIP_READ_ERRORS", "read_member", "zip_member"]

#: What reading a damaged zip member raises: :data:`~docbatch.partitioners.kit.boundary.ZIP_ERRORS`
#: and corrupt LZMA data, mangled member names and the I/O errors under them.
ZIP_READ_ERRORS: tuple[type[BaseException], ...] = (
    *ZIP_ERRORS,
    lzma.LZMAError,
    UnicodeDecodeError,
    ValueError,
    OSError,
)


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes; a damaged member is a DocumentError naming it, not a zlib traceback."""
    try:
        return zf.read(name)
    except ZIP_READ_ERRORS as e:
        raise DocumentError(f"damaged archive member {name} ({what_is_wrong(e)})") from e


def zip_member(package: zipfile.ZipFile | Path, name: str) -> Callable[[], bytes]:
    """A loader of the picture ``name`` stored in a zip package (EPUB, ODT), for ``images.attach``.

    ``package`` is an open zip, or the path of one opened for this picture alone (a reader that
    has closed its package). The member's size is checked before it is read; a missing member is
    a KeyError and a damaged one an OSError, which ``attach`` turns into a remark.
    """

    def load() -> bytes:
        with contextlib.ExitStack() as stack:
            zf = package if isinstance(package, zipfile.ZipFile) else stack.enter_context(zipfile.ZipFile(package))
            info = zf.getinfo(name)
            if info.file_size > MAX_IMAGE_BYTES:
                raise ValueError(f"{info.file_size // 1024**2} MB picture")
            try:
                return zf.read(info)
            except ZIP_READ_ERRORS as e:
                raise OSError(f"damaged picture {name}") from e

    return load
