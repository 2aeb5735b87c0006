"""The destination interface: where a document's elements go, and whether they are there yet."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from docbatch.sources.base import DocumentMeta

__all__ = ["Destination"]


class Destination(ABC):
    """Somewhere elements are written. Destinations are pickled into worker processes."""

    name: str = "destination"

    @abstractmethod
    def exists(self, doc: DocumentMeta) -> bool:
        """True when this document's output is already complete (the run may skip it)."""

    @abstractmethod
    def write(self, doc: DocumentMeta, elements: list[dict[str, Any]]) -> str:
        """Store the elements atomically; return where they went."""

    def describe(self) -> str:
        return self.name
