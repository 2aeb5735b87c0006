"""Element JSON and NDJSON: documents that some partitioner (ours or unstructured's) already split.

Reading such a file back gives its elements again, so a folder that mixes raw documents with
partitioned output can go through one run. Any other JSON (records, configs, API payloads) has
no document structure to recover and is skipped as unsupported rather than guessed at.

Types unstructured has that docbatch does not emit (``Text``, ``CompositeElement``, layout labels
such as ``Section-header``) are mapped to the nearest docbatch type. Metadata is kept as it was
for every key docbatch's schema has (:data:`docbatch.elements.METADATA_KEYS`), so the output
stays in one schema; other keys (``link_start_indexes``, ``detection_class_prob``,
``orig_elements``, ...) are dropped. Two are replaced: ``data_source`` (it describes the run that
wrote the file; this run adds its own) and ``parent_id`` (turned into a link to the parent
element, since ids are recomputed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from docbatch.elements import ELEMENT_TYPES, METADATA_KEYS, Element
from docbatch.errors import DocumentError, UnsupportedFileType
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.encoding import decode_bytes
from docbatch.partitioners.markup.rtf import is_rtf, partition_rtf

__all__ = ["elements_from_json_items", "is_element_dict", "partition_json", "partition_ndjson"]

_NOT_ELEMENTS = "unsupported: JSON that is not element JSON"

#: unstructured (and layout-model) element types outside docbatch's set, by nearest docbatch type.
_TYPE_ALIASES = {
    "Text": "UncategorizedText",
    "CompositeElement": "NarrativeText",
    "TableChunk": "Table",
    "List": "ListItem",
    "List-item": "ListItem",
    "Section-header": "Title",
    "Headline": "Title",
    "Subheadline": "Title",
    "Field-Name": "Title",
    "Abstract": "NarrativeText",
    "Threading": "NarrativeText",
    "Form": "NarrativeText",
    "Value": "NarrativeText",
    "Link": "NarrativeText",
    "Caption": "FigureCaption",
    "Picture": "Image",
    "Figure": "Image",
    "Page-header": "Header",
    "Page-footer": "Footer",
    "Page-number": "PageNumber",
    "Code": "CodeSnippet",
}

# Metadata the run that reads the file sets again.
_DROPPED_METADATA = ("data_source", "parent_id")


def partition_json(path: Path, options: PartitionOptions) -> list[Element]:
    """Read an element JSON file (a list of element objects) back into elements."""
    raw = Path(path).read_bytes()
    if is_rtf(raw):  # an RTF fragment ("{\\pard ...}") opens with a brace, as JSON does
        return partition_rtf(path, options)
    data = _loads(raw, what="JSON")
    if isinstance(data, dict) and is_element_dict(data):
        data = [data]
    if not isinstance(data, list) or not all(is_element_dict(item) for item in data):
        raise UnsupportedFileType(_NOT_ELEMENTS)
    return elements_from_json_items(data)


def partition_ndjson(path: Path, options: PartitionOptions) -> list[Element]:
    """Read newline-delimited element JSON: one element object per line."""
    items = []
    raw = Path(path).read_bytes()
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        item = _loads(line, what=f"NDJSON (line {number})")
        if not is_element_dict(item):
            raise UnsupportedFileType(_NOT_ELEMENTS.replace("JSON", "NDJSON", 1))
        items.append(item)
    return elements_from_json_items(items)


def is_element_dict(item: Any) -> bool:
    """True for an object shaped like an element: a string ``type`` and a text or an id."""
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        return False
    text = item.get("text")
    if text is not None and not isinstance(text, str):
        return False
    meta = item.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        return False
    return "text" in item or isinstance(item.get("element_id"), str)


def elements_from_json_items(items: list[dict[str, Any]]) -> list[Element]:
    """Element objects as :class:`Element`, with ``parent_id`` kept as a link to the parent."""
    index_of_id = {item["element_id"]: i for i, item in enumerate(items) if isinstance(item.get("element_id"), str)}
    out = []
    for item in items:
        original = item.get("metadata") or {}
        parent_id = original.get("parent_id")
        meta = {k: v for k, v in original.items() if k in METADATA_KEYS and k not in _DROPPED_METADATA}
        el = Element(_element_type(item["type"]), item.get("text") or "", meta)
        if el.type == "CheckBox":
            el.checked = bool(item.get("checked"))
        if isinstance(parent_id, str):
            el.parent = index_of_id.get(parent_id)
        out.append(el)
    for i, el in enumerate(out):
        if el.parent is not None and el.parent >= i:
            el.parent = None  # a parent must come first; anything else is a broken file
    return out


def _element_type(name: str) -> str:
    if name in ELEMENT_TYPES:
        return name
    return _TYPE_ALIASES.get(name, "UncategorizedText")


def _loads(data: bytes, *, what: str) -> Any:
    """Parse JSON bytes; UTF-16/32 files are decoded first, since orjson reads UTF-8 only."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        first_error = e
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:64]:
        try:
            return orjson.loads(decode_bytes(data))
        except (orjson.JSONDecodeError, DocumentError):
            pass
    raise DocumentError(f"invalid {what}: {str(first_error).splitlines()[0]}") from first_error
