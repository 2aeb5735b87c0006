"""Element JSON and NDJSON: documents that some partitioner (ours or unstructured's) already split.

Reading such a file back gives its elements again, so a folder that mixes raw documents with
partitioned output can go through one run. Any other JSON (records, configs, API payloads) is
data: :mod:`docbatch.partitioners.markup.data` reads it as a document of its values. Element JSON
is recognised first, so a file docbatch or unstructured wrote always comes back as its elements.

Types unstructured has that docbatch does not emit (``Text``, ``CompositeElement``, layout labels
such as ``Section-header``) are mapped to the nearest docbatch type. Metadata is kept as it was
for every key docbatch's schema has (:data:`docbatch.elements.METADATA_KEYS`), so the output
stays in one schema; other keys (``link_start_indexes``, ``detection_class_prob``,
``orig_elements``, ...) are dropped. Two are replaced: ``data_source`` (it describes the run that
wrote the file; this run adds its own) and ``parent_id`` (turned into a link to the parent
element, since ids are recomputed). One is read for its words: a ``FormKeysValues`` element keeps
its text in ``metadata.key_value_pairs`` (its ``text`` is empty), so its pairs become its text.

Element JSON in looser hands is element JSON too: unstructured's evaluation files (gold standards
for table structure) hold only ``type`` and ``text``, with a number as the text of a page number
and a table's text as a list of cells (``x``, ``y``, ``w``, ``h``, ``content``). A list whose
every item has a string ``type`` and no key an element lacks is read so: numbers as text, cells
as a Table with its HTML. Read as data, its lines would be ``type: Title`` and cell ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from docbatch.elements import ELEMENT_TYPES, METADATA_KEYS, Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.encoding import decode_bytes
from docbatch.partitioners.kit.tables import Cell, table_html, table_text
from docbatch.partitioners.markup import data
from docbatch.partitioners.markup.rtf import is_rtf, partition_rtf

__all__ = ["elements_from_json_items", "is_element_dict", "partition_json", "partition_ndjson"]

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
    "FormKeysValues": "NarrativeText",  # its pairs become its text: see _key_value_text
}

#: Every key an element object may have; a "loose" element (see the module docstring) has no other.
_ELEMENT_KEYS = frozenset({"type", "element_id", "text", "metadata", "checked", "embeddings"})

# Metadata the run that reads the file sets again.
_DROPPED_METADATA = ("data_source", "parent_id")


def partition_json(path: Path, options: PartitionOptions) -> list[Element]:
    """Read an element JSON file (a list of element objects) back into elements; any other JSON
    as data (:mod:`~docbatch.partitioners.markup.data`)."""
    path = Path(path)
    if data.large_array(path):
        return _large_json(path)
    raw = path.read_bytes()
    if is_rtf(raw):  # an RTF fragment ("{\\pard ...}") opens with a brace, as JSON does
        return partition_rtf(path, options)
    value = _loads(raw, what="JSON")
    size = len(raw)
    del raw  # the parsed tree is what the rest needs
    if isinstance(value, dict) and is_element_dict(value):
        value = [value]
    if isinstance(value, list) and all(is_element_dict(item) for item in value):
        return elements_from_json_items(value)
    if _loose_elements(value):
        return elements_from_json_items([_tightened(item) for item in value])
    return data.data_elements(value if isinstance(value, list) else [value], size)


def _large_json(path: Path) -> list[Element]:
    """A JSON array too large to parse whole at no cost: element JSON (known by its first item) is
    read as ever, anything else a batch of records at a time."""
    items = data.array_items(path)
    first = next(items, None)
    if first is None:
        return []
    if is_element_dict(first) or _loose_element(first):
        items.close()
        value = orjson.loads(Path(path).read_bytes())  # parsed already once: valid
        if all(is_element_dict(item) for item in value):
            return elements_from_json_items(value)
        if _loose_elements(value):
            return elements_from_json_items([_tightened(item) for item in value])
        return data.data_elements(value, path.stat().st_size)
    return data.data_elements(_chain(first, items), path.stat().st_size)


def partition_ndjson(path: Path, options: PartitionOptions) -> list[Element]:
    """Read newline-delimited element JSON (one element object per line); any other NDJSON as
    data, a line at a time."""
    path = Path(path)
    records = data.ndjson_records(path)
    items: list[dict[str, Any]] = []
    for record in records:
        if not is_element_dict(record):
            break
        items.append(record)
    else:
        return elements_from_json_items(items)
    records.close()
    # not element NDJSON after all: read again from the top, as data (lines are not kept twice)
    return data.data_elements(data.ndjson_records(path), path.stat().st_size)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


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
        text = item.get("text") or _key_value_text(original.get("key_value_pairs"))
        el = Element(_element_type(item["type"]), text, meta)
        if el.type == "CheckBox":
            el.checked = bool(item.get("checked"))
        if isinstance(parent_id, str):
            el.parent = index_of_id.get(parent_id)
        out.append(el)
    for i, el in enumerate(out):
        if el.parent is not None and el.parent >= i:
            el.parent = None  # a parent must come first; anything else is a broken file
    return out


def _key_value_text(pairs: Any) -> str:
    """A form's ``key_value_pairs`` (unstructured's FormKeysValues) as ``key: value`` lines."""
    if not isinstance(pairs, list):
        return ""
    lines = []
    for pair in pairs:
        if not isinstance(pair, dict):
            continue
        key, value = (_part_text(pair.get(side)) for side in ("key", "value"))
        if key or value:
            lines.append(f"{key}: {value}" if key and value else key or value)
    return "\n".join(lines)


def _part_text(part: Any) -> str:
    text = part.get("text") if isinstance(part, dict) else None
    return text.strip() if isinstance(text, str) else ""


def _loose_element(item: Any) -> bool:
    """An object with a string ``type``, no key an element lacks, and a text of any JSON kind."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("type"), str)
        and item.keys() <= _ELEMENT_KEYS
        and (item.get("metadata") is None or isinstance(item.get("metadata"), dict))
        and not isinstance(item.get("text"), dict)
    )


def _loose_elements(value: Any) -> bool:
    """A non-empty list of loose elements, one of them at least with a text."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(_loose_element(item) for item in value)
        and any("text" in item for item in value)
    )


def _tightened(item: dict[str, Any]) -> dict[str, Any]:
    """A loose element as an element object: a number's text as text, a list of cells as a Table."""
    text = item.get("text")
    out = {**item, "text": ""}
    if isinstance(text, str):
        out["text"] = text
    elif isinstance(text, list):
        rows = _cell_rows(text)
        if rows is not None:
            metadata = dict(item.get("metadata") or {})
            metadata["text_as_html"] = table_html(rows)
            out.update(type="Table", text=table_text(rows), metadata=metadata)
        else:
            out["text"] = "\n".join(data.scalar_text(v) for v in text if not isinstance(v, dict | list))
    elif text is not None:
        out["text"] = data.scalar_text(text)
    return out


def _cell_rows(cells: list[Any]) -> list[list[Cell]] | None:
    """unstructured's table cells (``x`` column, ``y`` row, ``w``/``h`` spans, ``content``) as rows."""
    by_row: dict[int, list[tuple[int, Cell]]] = {}
    for cell in cells:
        if not isinstance(cell, dict) or not isinstance(cell.get("x"), int) or not isinstance(cell.get("y"), int):
            return None
        span = [v if isinstance(v, int) and v > 0 else 1 for v in (cell.get("w"), cell.get("h"))]
        text = data.scalar_text(cell.get("content"))
        by_row.setdefault(cell["y"], []).append((cell["x"], Cell(text, colspan=span[0], rowspan=span[1])))
    return [[c for _, c in sorted(row, key=lambda xc: xc[0])] for _, row in sorted(by_row.items())]


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
