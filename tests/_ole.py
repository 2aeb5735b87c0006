"""OLE2 compound files for tests, written by docbatch's own writer (kit/cfb.py), so tests can make
OLE containers without Office."""

from __future__ import annotations

from pathlib import Path

from docbatch.partitioners.kit.cfb import compound_file


def write_ole(path: Path, streams: dict[str, bytes], *, clsid: bytes = bytes(16)) -> Path:
    """Write an OLE2 file at ``path`` holding ``streams`` under a root with ``clsid``."""
    path.write_bytes(compound_file({(name,): data for name, data in streams.items()}, {(): clsid}))
    return path
