"""The exception tree docbatch raises, and what each branch means to a batch run.

    DocbatchError
    ├── DocumentError          a document is bad: record it as failed, go on with the run
    │   ├── UnsupportedFileType    no partitioner for this kind of file (recorded as skipped)
    │   ├── EncryptedDocument      needs a password we do not have
    │   ├── NeedsInstall           needs an optional tool (OCR, LibreOffice) this machine lacks
    │   ├── OutOfMemory            a tool it needs crashed at the worker's memory cap: retried next run
    │   └── SourceUnavailable      the source did not deliver it (endpoint down, access denied):
    │                              failed, and many in a row stop the run
    ├── ConfigError            the run is misconfigured: one clear sentence, exit status 2
    │   ├── MissingDependency      a type the run needs has no library installed (names the package)
    │   └── RunStopped             the run cannot go on (output disk full): stops at once, exit 2
    ├── OutputUnavailable      the output or download disk is full or not writable
    └── TransientError         a fault that may pass (network, throttling): retried, then failed
        └── EmbeddingUnavailable   the embedding provider did not answer: the document fails,
                                   is tried again next run, and many in a row stop the run

Backends translate third-party exceptions into this tree at their boundary (``raise ... from e``)
so the pipeline can tell bad input from a misconfigured run without knowing any library.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DocbatchError",
    "DocumentError",
    "EmbeddingUnavailable",
    "EncryptedDocument",
    "MissingDependency",
    "NeedsInstall",
    "OutOfMemory",
    "OutputUnavailable",
    "RunStopped",
    "SourceUnavailable",
    "TransientError",
    "UnsupportedFileType",
    "internal_error",
    "one_line",
]

#: Longest reason a record row or summary line carries.
_REASON_CHARS = 300


def one_line(error: BaseException | str, limit: int = _REASON_CHARS) -> str:
    """``error``'s message on one line (whitespace runs collapsed), cut to ``limit`` characters;
    the exception's type name when the message is empty, so a reason is never blank."""
    text = " ".join(str(error).split())
    if not text and isinstance(error, BaseException):
        text = type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def internal_error(error: BaseException) -> str:
    """The reason of a document that met a bug of ours (not a fault of the file), in one line."""
    return one_line(f"internal error: {type(error).__name__}: {one_line(error)}")


class DocbatchError(Exception):
    """Root of every error docbatch raises on purpose."""


class DocumentError(DocbatchError):
    """One document cannot be processed; the message is its one-line reason."""


class UnsupportedFileType(DocumentError):
    """No partitioner handles this file type; the document is skipped, not failed."""


class EncryptedDocument(DocumentError):
    """The document is password-protected or encrypted."""


class NeedsInstall(DocumentError):
    """The document needs an optional tool that is not installed (Tesseract for a scan,
    LibreOffice for a .doc); the message says what to install.

    Only the documents that need it fail, so the run goes on; unlike a damaged file, the
    document is tried again on the next run, when the tool may be there.
    """


class OutOfMemory(DocumentError):
    """A tool the document needs (LibreOffice) crashed or could not start under the worker's
    memory cap (``--max-memory``). Like a worker that runs out of memory, the document is failed
    as out of memory and tried again by the next run (with a larger cap it may well pass)."""


class SourceUnavailable(DocumentError):
    """The source failed to deliver this document for a reason of its own, not the document's
    (endpoint unreachable, access denied, retries exhausted)."""


class ConfigError(DocbatchError):
    """The run cannot start as configured (bad flag, bad credential, missing bucket)."""


class MissingDependency(ConfigError):
    """An optional library a document's type needs is not installed.

    Not a property of the document: every file of that type would fail the same way, so the
    run stops (exit 2) with the package to install rather than skipping them one by one and
    exiting 0 on a broken install.
    """


class RunStopped(ConfigError):
    """The run cannot go on (output disk full, the source failing every document); the message
    says why and what to do. What was done is recorded, and a rerun resumes."""


class OutputUnavailable(DocbatchError):
    """Nothing more can be written: the output or download disk is full or not writable.

    Every later document would fail the same way, so the run stops at the first one."""


class TransientError(DocbatchError):
    """A fault that may pass if the same request is tried again later."""


class EmbeddingUnavailable(TransientError):
    """The embedding provider failed this document's texts (down, throttling past the retries,
    refusing the key or the model); the message never holds the key."""
