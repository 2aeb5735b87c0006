"""Where a parsing library meets docbatch: its own exceptions become one-line document errors.

Like httpx's ``map_httpcore_exceptions``, each backend wraps its calls into a library in
:func:`library_errors` with the exception types *that library* raises for bad input. Those, and
only those, become :class:`~docbatch.errors.DocumentError` ("damaged XLS file (corrupt OLE2
container)"); anything else (a ``TypeError`` in our own walker) passes through and is recorded
as an internal error, so our bugs never read as bad files.

Library messages ("MSAT extension corruption: seen[0] == 2") tell a user nothing, so the reason
names what kind of damage it is (:func:`what_is_wrong`); the exception itself stays in the
traceback the record keeps.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from docbatch.errors import DocumentError

__all__ = ["ZIP_ERRORS", "damaged", "library_errors", "what_is_wrong"]

#: What reading a broken zip package raises, through zipfile and zlib.
ZIP_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)

#: Plain words for the damage an exception type stands for, by class name or module.name (so
#: this module imports no parsing library); the first class in the exception's MRO listed wins.
_DAMAGE = {
    "BadZipFile": "not a readable zip package",
    "PackageNotFoundError": "not a readable Office package",
    "InvalidFileException": "not a readable Office package",
    "XMLSyntaxError": "malformed XML",
    "ParseError": "malformed XML",
    "ExpatError": "malformed XML",
    "XmlchemyError": "XML that breaks the format's schema",
    "PythonDocxError": "XML that breaks the format's schema",
    "PythonPptxError": "XML that breaks the format's schema",
    "zlib.error": "corrupt compressed data",
    "struct.error": "truncated records",
    "LZMAError": "corrupt compressed data",
    "EOFError": "truncated data",
    "IncompleteRead": "truncated data",
    "CompDocError": "corrupt OLE2 container",
    "XLRDError": "unreadable workbook records",
    "CalamineError": "unreadable workbook",
    "CalaminePanic": "inconsistent structure",
    "XmlError": "malformed XML",
    "ZipError": "not a readable zip package",
    "PasswordError": "password-protected",
    "AssertionError": "inconsistent records",
    "UnicodeDecodeError": "text in an undeclared encoding",
    "KeyError": "a part it refers to is missing",
    "ValueError": "an invalid value in its structure",
    "IndexError": "a reference to something that is not there",
    "NotImplementedError": "a feature no reader here supports",
    "OSError": "unreadable structure",
}


def what_is_wrong(error: BaseException) -> str:
    """A few plain words for the damage ``error`` reports; never the library's own message."""
    for cls in type(error).__mro__:
        for name in (f"{cls.__module__}.{cls.__qualname__}", cls.__qualname__):
            if name in _DAMAGE:
                return _DAMAGE[name]
    return "unreadable content"


def damaged(kind: str, error: BaseException | str) -> DocumentError:
    """``damaged DOCX file (malformed XML)``: the reason for a file its reader could not read."""
    what = error if isinstance(error, str) else what_is_wrong(error)
    return DocumentError(f"damaged {kind} file ({what})")


@contextmanager
def library_errors(kind: str, errors: tuple[type[BaseException], ...]) -> Iterator[None]:
    """Translate ``errors`` (a parsing library's own exception types) raised in the block into
    ``damaged <kind> file (...)``; a DocumentError or any other exception passes unchanged."""
    try:
        yield
    except DocumentError:
        raise
    except errors as e:
        raise damaged(kind, e) from e
