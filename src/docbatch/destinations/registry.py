"""Which destination backend handles which output: a URL scheme -> backend map.

Like :mod:`docbatch.partitioners.registry`, entries are dotted paths imported only when that kind
of output is asked for, so a local run never imports psycopg, and a backend whose library is
missing is reported with the extra that installs it.
"""

from __future__ import annotations

import importlib
from urllib.parse import urlparse

from docbatch.destinations.base import Destination
from docbatch.errors import ConfigError

__all__ = ["DESTINATIONS", "open_destination"]

#: URL scheme -> "module:class"; a scheme not listed goes to fsspec (gs://, az://, memory://, ...).
DESTINATIONS: dict[str, str] = {
    "": "docbatch.destinations.local:LocalJSONDestination",
    "file": "docbatch.destinations.local:LocalJSONDestination",
    "s3": "docbatch.destinations.s3:S3Destination",
    "s3a": "docbatch.destinations.s3:S3Destination",
    "postgresql": "docbatch.destinations.postgresql:PostgresDestination",
    "postgres": "docbatch.destinations.postgresql:PostgresDestination",
    "lancedb": "docbatch.destinations.lancedb:LanceDBDestination",
}
_FSSPEC = "docbatch.destinations.fsspec:FsspecDestination"
_INSTALL_HINTS = {
    "postgresql": "pip install 'docbatch[postgresql]'",
    "postgres": "pip install 'docbatch[postgresql]'",
    "lancedb": "pip install 'docbatch[lancedb]'",
}


def open_destination(target: str, *, endpoint_url: str | None = None) -> Destination:
    """The destination for a local path or URL (``out/``, ``s3://b/p/``, ``postgresql://...``).

    ``endpoint_url`` is the S3-compatible endpoint for ``s3://`` outputs (the ``docbatch s3``
    command passes its own, since source and output are usually on the same store).
    """
    scheme = urlparse(target).scheme.lower() if "://" in target else ""
    module_name, _, class_name = DESTINATIONS.get(scheme, _FSSPEC).partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        hint = _INSTALL_HINTS.get(scheme, "install it")
        raise ConfigError(f"Output {scheme}:// needs a missing library ({e.name}); {hint}.") from e
    cls = getattr(module, class_name)
    if scheme == "file":
        return cls(target[len("file://") :])
    if scheme in ("s3", "s3a"):
        return cls(target, endpoint_url=endpoint_url)
    return cls(target)
