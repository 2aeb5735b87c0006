"""The fsspec connection (``gcs://``, ``abfs://``, ``sftp://``, ``ftp://``, ``memory://``, ...)
both directions use: opening the filesystem, what its URL may show, and which faults are outages.

A URL may carry a password (``ftp://user:pass@host/``) that libraries quote back in their error
messages; everything this connection says goes through :func:`~docbatch.sanitize.redact_url`
and :meth:`FsspecConnection.said`, so neither direction can print or store it.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from docbatch.errors import ConfigError
from docbatch.sanitize import redact_url, secrets_of

__all__ = ["FsspecConnection", "is_outage"]


@dataclass(frozen=True, slots=True)
class FsspecConnection:
    """How to reach one fsspec filesystem: its URL and the storage options for its backend."""

    url: str
    storage_options: dict[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        """The URL as it may be printed or stored: no password, no secret query value."""
        return redact_url(self.url)

    def said(self, error: BaseException) -> str:
        """The error's message without the URL's secrets, which libraries may quote."""
        text = str(error)
        for secret in secrets_of(self.url):
            text = text.replace(secret, "***")
        return text

    def open(self, what: str = "") -> tuple[Any, str]:
        """The filesystem and the root path within it; a missing backend package or a URL it
        cannot take is a ConfigError naming the (redacted) URL. ``what`` ("the output ") says
        which side of the run the URL is."""
        from fsspec.core import url_to_fs

        try:
            return url_to_fs(self.url, **self.storage_options)
        except (ImportError, ValueError) as e:
            raise ConfigError(f"Cannot open {what}{self.shown}: {self.said(e)}") from e


#: errno values of a network that is down or a server that went away.
_OUTAGE_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EPIPE,
    }
)
#: Exception class names that stand for an outage in the network libraries fsspec's
#: filesystems use (requests, aiohttp), which this module does not import.
_OUTAGE_NAMES = frozenset(
    {"ConnectionError", "Timeout", "ClientConnectionError", "ServerTimeoutError", "ServerDisconnectedError"}
)


def is_outage(error: BaseException) -> bool:
    """True for a fault an outage causes, which may pass; not for a refusal (permissions, a
    missing folder, bad credentials), which waiting does not change."""
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    if isinstance(error, OSError) and error.errno in _OUTAGE_ERRNOS:
        return True
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(error, "status", None)
    if isinstance(status, int) and (status >= 500 or status == 429):
        return True
    return any(cls.__name__ in _OUTAGE_NAMES for cls in type(error).__mro__)
