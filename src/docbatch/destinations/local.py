"""One JSON file per document in a local folder: ``<dir>/<key>.json``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from docbatch.destinations.base import Destination
from docbatch.paths import atomic_write, disk_fault, safe_join
from docbatch.sources.base import DocumentMeta

__all__ = ["LocalJSONDestination"]


class LocalJSONDestination(Destination):
    """Writes ``a/b.pdf`` as ``<output_dir>/a/b.pdf.json``, atomically."""

    name = "local-json"

    def __init__(self, output_dir: str | Path) -> None:
        self.output_dir = Path(output_dir)

    def describe(self) -> str:
        return f"local-json {self.output_dir}"

    def path_for(self, doc: DocumentMeta) -> Path:
        return safe_join(self.output_dir, doc.key, ".json")

    def exists(self, doc: DocumentMeta) -> bool:
        """True when the output is there and whole: it ends as every output this class writes
        ends. A file cut short (the machine lost power before the disk had it all) is not done."""
        return _is_complete(self.path_for(doc))

    def write(self, doc: DocumentMeta, elements: list[dict[str, Any]]) -> str:
        path = self.path_for(doc)
        try:
            atomic_write(path, orjson.dumps(elements, option=_JSON_OPTIONS) + b"\n")
        except OSError as e:
            fault = disk_fault(e, self.output_dir, "output")
            if fault is None:
                raise
            raise fault from e
        return str(path)


_JSON_OPTIONS = orjson.OPT_INDENT_2
#: How a written output ends: the top-level array closes at the start of a line (nested arrays
#: close indented), so these bytes appear nowhere else in the file. An empty list is "[]\n".
_ENDINGS = (b"\n]\n", b"[]\n")


def _is_complete(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size < 3:
                return False
            f.seek(size - 3)
            return f.read(3) in _ENDINGS
    except OSError:  # missing, a directory, unreadable: not a finished output (writing it will tell)
        return False
