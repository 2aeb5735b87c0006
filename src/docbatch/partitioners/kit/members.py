"""Reading one member of a zip package, and what a damaged member raises.

EPUB, ODT and the OpenDocument spreadsheets read their XML members straight from the zip; a
member with a bad CRC or corrupt compressed data must become a one-line reason naming it, not a
zlib traceback. (The package as a whole is checked first, by :mod:`~docbatch.partitioners.kit.archive`.)
"""

from __future__ import annotations

import lzma
import zipfile

from docbatch.errors import DocumentError
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, what_is_wrong

__all__ = ["ZIP_READ_ERRORS", "read_member"]

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
