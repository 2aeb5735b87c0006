"""The exception tree docbatch raises, and what each branch means to a batch run.

    DocbatchError
    ├── DocumentError          a document is bad: record it as failed, go on with the run
    │   ├── UnsupportedFileType    no partitioner for this kind of file (recorded as skipped)
    │   ├── EncryptedDocument      needs a password we do not have
    │   └── SourceUnavailable      the source did not deliver it (endpoint down, access denied):
    │                              failed, and many in a row stop the run
    ├── ConfigError            the run is misconfigured: one clear sentence, exit status 2
    │   └── RunStopped             the run cannot go on (output disk full): stops at once, exit 2
    ├── OutputUnavailable      the output or download disk is full or not writable
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
    "OutputUnavailable",
    "RunStopped",
    "SourceUnavailable",
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


class SourceUnavailable(DocumentError):
    """The source failed to deliver this document for a reason of its own, not the document's
    (endpoint unreachable, access denied, retries exhausted)."""


class ConfigError(DocbatchError):
    """The run cannot start as configured (bad flag, bad credential, missing bucket)."""


class RunStopped(ConfigError):
    """The run cannot go on (output disk full, the source failing every document); the message
    says why and what to do. What was done is recorded, and a rerun resumes."""


class OutputUnavailable(DocbatchError):
    """Nothing more can be written: the output or download disk is full or not writable.

    Every later document would fail the same way, so the run stops at the first one."""


class TransientError(DocbatchError):
    """A fault that may pass if the same request is tried again later."""
