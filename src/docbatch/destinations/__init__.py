"""Where elements go: one module per kind of destination."""

from docbatch.destinations.base import Destination
from docbatch.destinations.local import LocalJSONDestination

__all__ = ["Destination", "LocalJSONDestination"]
