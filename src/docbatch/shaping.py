"""The last step before a write: which fields and metadata keys each element keeps, nested or flat.

unstructured-ingest's options and semantics, so its users' loaders keep working:

- ``metadata_exclude``: metadata keys dropped; a dotted key drops a nested one
  (``data_source.record_locator``). ``metadata_include``: the only metadata keys kept. Giving
  both is an error, as there.
- ``fields_include``: the element's top-level fields kept (default ``element_id, text, type,
  metadata, embeddings``).
- ``flatten_metadata``: metadata's keys move to the element's top level, nested dicts joined with
  ``_`` (``data_source_url``), lists left as they are; ``data_source_record_locator`` stays a
  dict, as unstructured-ingest keeps it. Most vector stores take only flat, scalar metadata.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from docbatch.errors import ConfigError

__all__ = ["DEFAULT_FIELDS", "ShapingOptions", "element_metadata", "shape"]

DEFAULT_FIELDS = ("element_id", "text", "type", "metadata", "embeddings")
#: Kept whole when flattening, as unstructured-ingest's flatten_dict(keys_to_omit=...) keeps it.
_KEPT_NESTED = frozenset({"data_source_record_locator"})


@dataclass(frozen=True, slots=True)
class ShapingOptions:
    """How elements are trimmed before they are written; the defaults change nothing."""

    metadata_exclude: tuple[str, ...] = ()
    metadata_include: tuple[str, ...] = ()
    fields_include: tuple[str, ...] = DEFAULT_FIELDS
    flatten_metadata: bool = False

    def __post_init__(self) -> None:
        if self.metadata_exclude and self.metadata_include:
            raise ConfigError("--metadata-include and --metadata-exclude exclude each other; give one of them.")
        if not self.fields_include:
            raise ConfigError("--fields-include keeps no field; name at least one, e.g. element_id,text.")

    @property
    def enabled(self) -> bool:
        return self != ShapingOptions()

    def fingerprint(self) -> str:
        """Empty with the defaults, so runs without shaping keep their fingerprint."""
        if not self.enabled:
            return ""
        return (
            f"metadata_exclude={','.join(self.metadata_exclude)};metadata_include={','.join(self.metadata_include)};"
            f"fields_include={','.join(self.fields_include)};flatten_metadata={int(self.flatten_metadata)}"
        )


def shape(elements: list[dict[str, Any]], options: ShapingOptions) -> list[dict[str, Any]]:
    """The elements as ``options`` trim them (new dicts: the input is left alone)."""
    if not options.enabled:
        return elements
    return [_shape_one(element, options) for element in elements]


def _shape_one(element: dict[str, Any], options: ShapingOptions) -> dict[str, Any]:
    metadata = copy.deepcopy(element.get("metadata") or {})
    for key in options.metadata_exclude:
        _drop(metadata, key.split("."))
    if options.metadata_include:
        metadata = {k: v for k, v in metadata.items() if k in options.metadata_include}
    out = {k: v for k, v in {**element, "metadata": metadata}.items() if k in options.fields_include}
    if options.flatten_metadata and "metadata" in out:
        out.update(_flatten(out.pop("metadata")))
    return out


def _drop(metadata: dict[str, Any], path: list[str]) -> None:
    here: Any = metadata
    for part in path[:-1]:
        here = here.get(part) if isinstance(here, dict) else None
    if isinstance(here, dict):
        here.pop(path[-1], None)


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}_{key}" if prefix else key
        if isinstance(item, dict) and name not in _KEPT_NESTED:
            flat.update(_flatten(item, name))
        else:
            flat[name] = item
    return flat


#: An element's own fields; with flattened metadata, every other top-level key is metadata.
_FIELDS = frozenset({"element_id", "text", "type", "embeddings", "metadata"})


def element_metadata(element: dict[str, Any]) -> dict[str, Any]:
    """An element's metadata whether nested (``metadata``) or flattened to its top level."""
    if "metadata" in element:
        return element["metadata"] or {}
    return {k: v for k, v in element.items() if k not in _FIELDS}
