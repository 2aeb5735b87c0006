"""The exception tree docbatch raises, and what each branch means to a batch run.

    DocbatchError
    ├── DocumentError          a document is bad: record it as failed, go on with the run
    │   ├── UnsupportedFileType    no partitioner for this kind of file (recorded as skipped)
    │   └── EncryptedDocument      needs a password we do not have
    ├── ConfigError            the run is misconfigured: one clear sentence, exit status 2
    └── TransientError         a fault that may pass (network, throttling): retried, then failed

Backends translate third-party exceptions into this tree at their boundary (``raise ... from e``)
so the pipeline can tell bad input from a misconfigured run without knowing any library.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DocbatchError",
    "DocumentError",
    "EncryptedDocument",
    "TransientError",
    "UnsupportedFileType",
]


class DocbatchError(Exception):
    """Root of every error docbatch raises on purpose."""


class DocumentError(DocbatchError):
    """One document cannot be processed; the message is its one-line reason."""


class UnsupportedFileType(DocumentError):
    """No partitioner handles this file type; the document is skipped, not failed."""


class EncryptedDocument(DocumentError):
    """The document is password-protected or encrypted."""


class ConfigError(DocbatchError):
    """The run cannot start as configured (bad flag, bad credential, missing bucket)."""


class TransientError(DocbatchError):
    """A fault that may pass if the same request is tried again later."""
