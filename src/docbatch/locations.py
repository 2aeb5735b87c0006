"""Where a source's documents and a destination's outputs live, spelled alike so they can be compared.

A *location* is a tree's root as a URL ending in ``/``: ``file:///real/path/`` for a local
folder (symlinks resolved, so two spellings of one folder compare equal), ``s3://bucket/prefix/``
for an object store. A run refuses an output that contains its source: the outputs would land
among the documents, be listed as documents by the next run, and make a user's own files look
like outputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["contains", "local_location", "protocol_of", "tree_location"]


def local_location(path: str | Path) -> str:
    """A local folder's location: its real path as a ``file://`` URL."""
    return Path(os.path.realpath(path)).as_uri().rstrip("/") + "/"


def tree_location(protocol: str, root: str) -> str:
    """A remote tree's location from its protocol (``s3``, ``gs``) and root (``bucket/prefix``)."""
    if protocol in ("file", "local"):
        return local_location(root)
    root = root.strip("/")
    return f"{protocol}://{root}/" if root else f"{protocol}://"


def protocol_of(fs: Any) -> str:
    """An fsspec filesystem's main protocol (``file`` for the local one, which also answers ``local``)."""
    return fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]


def contains(outer: str, inner: str) -> bool:
    """Whether the tree at ``inner`` lies inside (or is) the tree at ``outer``."""
    return inner.startswith(outer)
