"""One JSON file per document in a local folder: ``<dir>/<key>.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from docbatch.destinations.base import Destination
from docbatch.paths import atomic_write, safe_join
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
        return self.path_for(doc).is_file()

    def write(self, doc: DocumentMeta, elements: list[dict[str, Any]]) -> str:
        path = self.path_for(doc)
        atomic_write(path, orjson.dumps(elements, option=orjson.OPT_INDENT_2) + b"\n")
        return str(path)
