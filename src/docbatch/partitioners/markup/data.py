"""JSON, NDJSON / JSON Lines and YAML that are data (records, configs, API payloads), read as documents.

Element JSON (see :mod:`~docbatch.partitioners.markup.elementjson`) is recognised first and read
back as the elements it holds; everything else lands here, so a bucket of exports and configs is
searchable instead of skipped.

How others do it, and why this design: Tika and kreuzberg flatten JSON into one text of its string
values, which keeps the words but loses which field each came from; unstructured's
``partition_json`` refuses anything that is not its own element JSON; LlamaIndex's JSON reader
writes one line per leaf, prefixed with the keys above it, which keeps the field but turns a list
of records into a wall of repeated keys. docbatch takes the middle road:

- Each record (an item of a top-level array, a line of NDJSON, a YAML document) starts elements of
  its own, and so does each object inside a nested list: a search hit or an LLM chunk then holds
  one record, not the tail of one and the head of the next.
- Scalars become ``path: value`` lines of NarrativeText, the path the dotted keys from the record
  down (``address.city``), list positions indexed (``tags[2]``), so no value loses its field. A
  block is cut after :data:`_BLOCK_LINES` lines or :data:`_BLOCK_CHARS` characters so a record of
  thousands of fields does not become one element bigger than any chunk.
- A long or multi-line string (a description, a body) is NarrativeText of its own, still opened
  by its path: it is prose, and chunkers should be able to cut around it.
- A run of flat objects with the same keys (consecutive records, or a nested list) is a Table, as
  a CSV would be: keys as the first row, ``text`` and ``text_as_html`` from the one table renderer
  (:mod:`~docbatch.partitioners.kit.tables`), in tables of at most :data:`_TABLE_ROWS` rows, each
  repeating the keys, so no table outgrows a chunk and every piece still names its columns. A
  nested table is preceded by a FigureCaption naming its path. A single flat record stays
  ``key: value`` lines: a one-row table would lose the pairing of key and value in its text.
- Numbers and booleans are kept as text (``12.5``, ``true``), as JSON spells them; nulls, empty
  strings and empty containers are dropped (they hold no words); YAML dates are ISO dates.

Bounds: NDJSON is streamed line by line. A JSON file larger than :data:`_WHOLE_FILE` whose top level
is an array is memory-mapped and parsed a batch of items at a time (see :func:`_array_batches`),
so the parsed tree of a 100 MB export is never held at once; other JSON is parsed whole (orjson
refuses nesting deeper than 1024). Values nested deeper than :data:`_MAX_DEPTH` are skipped as a
lost part, and the output may not exceed :data:`_OUTPUT_FACTOR` times the input (long keys over
long lists could otherwise multiply it): past that the rest is a lost part. YAML is read by
PyYAML's safe loader only (no Python objects constructed), and its aliases are expanded only after
:func:`_check_aliases` has counted what they expand to: a billion-laughs file is refused at once.
"""

from __future__ import annotations

import datetime
import mmap
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.encoding import decode_bytes, decode_text_bytes
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.tables import table_html, table_text

__all__ = ["DataWriter", "array_items", "data_elements", "ndjson_records", "partition_yaml"]

#: A string longer than this (or holding a line break) is prose: an element of its own.
_LONG = 200
#: Lines and characters of one ``key: value`` block before a new element starts.
_BLOCK_LINES = 50
_BLOCK_CHARS = 2000
#: Rows of one Table element (the key row comes on top of each).
_TABLE_ROWS = 500
#: Containers nested deeper than this are skipped: no document needs it, bombs do.
_MAX_DEPTH = 64
#: A path is cut to its last this many characters: a line is for its value, not its address.
_MAX_PATH = 200
#: Output characters allowed per input byte (with a floor), against amplification.
_OUTPUT_FACTOR = 16
_OUTPUT_FLOOR = 1 << 20
#: JSON up to this size is parsed whole; a larger top-level array is parsed in batches.
_WHOLE_FILE = 16 << 20
#: Bytes of items parsed at once from a large array (doubled while a cut falls inside an item).
_BATCH = 4 << 20
#: Values a YAML file may expand to through its aliases beyond the values it spells out.
_ALIAS_EXPANSION = 100_000
#: Largest YAML read: PyYAML builds the whole tree, at many times the file's size.
_MAX_YAML = 64 << 20

_WS = re.compile(rb"[ \t\r\n]*")


class _OutputFull(Exception):
    """Raised inside the walk when the output budget is spent (caught by :func:`data_elements`)."""


class DataWriter:
    """Collects the elements of data values in document order (see the module docstring)."""

    def __init__(self, input_size: int) -> None:
        self.out: list[Element] = []
        self._lines: list[str] = []
        self._chars = 0
        self._budget = max(_OUTPUT_FLOOR, _OUTPUT_FACTOR * input_size)
        self._spent = 0
        # the run of flat same-keyed records waiting to become a table
        self._run: list[dict[Any, Any]] = []
        self._run_keys: frozenset[Any] | None = None
        self._run_continues = False  # the run follows a full table of the same keys
        self._deep_lost = False

    # -- records: items of a top-level array, NDJSON lines, YAML documents -------------------------

    def record(self, item: Any) -> None:
        """Add one top-level record; flat records with the same keys wait to become a table."""
        keys = _flat_keys(item)
        if keys is not None and keys == self._run_keys and len(self._run) < _TABLE_ROWS:
            self._run.append(item)
            return
        full = keys is not None and keys == self._run_keys
        self._end_run()
        if keys is not None:
            self._run, self._run_keys, self._run_continues = [item], keys, full
            return
        if isinstance(item, dict | list):
            self.flush()  # a record starts elements of its own...
            self.value(item, "", 1)
            self.flush()
        else:
            self.value(item, "", 1)  # ...but a bare scalar is one line among its neighbours

    def finish(self) -> list[Element]:
        self._end_run()
        self.flush()
        return self.out

    def _end_run(self) -> None:
        run = self._run
        self._run, self._run_keys = [], None
        if len(run) > 1 or (run and self._run_continues):
            self.table("", list(run[0]), run)
        elif run:
            self.flush()
            self.value(run[0], "", 1)
            self.flush()

    # -- values ------------------------------------------------------------------------------------

    def value(self, value: Any, path: str, depth: int) -> None:
        """Walk ``value`` found at ``path`` into lines, prose and tables."""
        if isinstance(value, dict):
            if depth > _MAX_DEPTH:
                self._too_deep(path)
                return
            for key, child in value.items():
                self.value(child, _join(path, key), depth + 1)
        elif isinstance(value, list):
            if depth > _MAX_DEPTH:
                self._too_deep(path)
                return
            keys = _table_keys(value)
            if keys is not None:
                self.table(path, keys, value)
                return
            for i, child in enumerate(value):
                if isinstance(child, dict | list):
                    self.flush()  # each object of a list is an entry of its own
                self.value(child, f"{path}[{i}]", depth + 1)
        else:
            text = scalar_text(value)
            if not text:
                return
            if len(text) > _LONG or "\n" in text:
                self.flush()
                self._emit(Element("NarrativeText", f"{path}: {text}" if path else text))
            else:
                self.line(f"{path}: {text}" if path else text)

    def line(self, text: str) -> None:
        self._spend(len(text))
        self._lines.append(text)
        self._chars += len(text) + 1
        if len(self._lines) >= _BLOCK_LINES or self._chars >= _BLOCK_CHARS:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self.out.append(Element("NarrativeText", "\n".join(self._lines)))
            self._lines, self._chars = [], 0

    def table(self, path: str, keys: list[Any], rows: list[dict[Any, Any]]) -> None:
        """Rows of flat objects as Tables of at most :data:`_TABLE_ROWS` rows, keys on top of each."""
        self.flush()
        if path:
            self._emit(Element("FigureCaption", path))
        head = [scalar_text(k) for k in keys]
        for start in range(0, len(rows), _TABLE_ROWS):
            grid = [head] + [[scalar_text(row.get(k)) for k in keys] for row in rows[start : start + _TABLE_ROWS]]
            text = table_text(grid, row_separator="\n\n")  # as CSV tables are written
            html = table_html(grid, self_closing_empty=True)
            self._spend(len(text) + len(html))
            self.out.append(Element("Table", text, {"text_as_html": html}))

    def _emit(self, element: Element) -> None:
        self._spend(len(element.text))
        self.out.append(element)

    def _spend(self, chars: int) -> None:
        self._spent += chars
        if self._spent > self._budget:
            raise _OutputFull

    def _too_deep(self, path: str) -> None:
        if not self._deep_lost:  # one note: a bomb would otherwise fill the reason
            self._deep_lost = True
            part_lost(path or "value", f"nested deeper than {_MAX_DEPTH} levels, skipped")


def data_elements(records: Iterable[Any], input_size: int) -> list[Element]:
    """The elements of ``records`` (top-level values, in order) of a file of ``input_size`` bytes."""
    writer = DataWriter(input_size)
    try:
        for record in records:
            writer.record(record)
        return writer.finish()
    except _OutputFull:
        writer.flush()
        part_lost("the rest", f"output past {_OUTPUT_FACTOR} times the file's size, stopped")
        return writer.out


def scalar_text(value: Any) -> str:
    """A scalar as text: JSON's spelling for booleans, ISO for dates, nothing for null or bytes."""
    if value is None or isinstance(value, bytes | bytearray):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    return str(value)


def _join(path: str, key: Any) -> str:
    name = scalar_text(key) if not isinstance(key, str) else key
    full = f"{path}.{name}" if path else name
    return full if len(full) <= _MAX_PATH else "…" + full[-_MAX_PATH:]


def _flat(value: Any) -> bool:
    """A value a table cell can hold: a scalar, and no prose."""
    if isinstance(value, dict | list):
        return False
    return not (isinstance(value, str) and (len(value) > _LONG or "\n" in value))


def _flat_keys(item: Any) -> frozenset[Any] | None:
    """The keys of a non-empty object whose values are all flat, else None."""
    if not isinstance(item, dict) or not item or not all(_flat(v) for v in item.values()):
        return None
    try:
        return frozenset(item)
    except TypeError:  # a YAML key that is a list or mapping: not a column name
        return None


def _table_keys(items: list[Any]) -> list[Any] | None:
    """The column order when ``items`` is two or more flat objects with the same keys, else None."""
    if len(items) < 2:
        return None
    keys = _flat_keys(items[0])
    if keys is None or not all(_flat_keys(item) == keys for item in items[1:]):
        return None
    return list(items[0])


# -- JSON: large arrays in batches --------------------------------------------------------------


def large_array(path: Path) -> bool:
    """Whether ``path`` is JSON large enough to batch, UTF-8, whose top level is an array."""
    size = path.stat().st_size
    if size <= _WHOLE_FILE:
        return False
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return False  # UTF-16/32: decoded whole
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"[")


def array_items(path: Path) -> Iterator[Any]:
    """The items of the top-level array of the JSON file at ``path``, parsed a batch at a time.

    The file is memory-mapped (its pages are the page cache's, dropped under pressure) and
    only one batch of parsed items is alive at once. DocumentError for invalid JSON.
    """
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        start = _WS.match(buf, 3 if buf[:3] == b"\xef\xbb\xbf" else 0).end() + 1  # past "["
        for batch in _array_batches(buf, start):
            yield from batch


def _array_batches(buf: mmap.mmap, pos: int) -> Iterator[list[Any]]:
    """Batches of the items from ``pos`` (just past the array's ``[``) to its ``]``.

    A batch runs to a comma about :data:`_BATCH` bytes on and is parsed as ``[`` + bytes + ``]``.
    That parses only when the comma separates two items of the top-level array: a comma inside a
    string leaves the string open, one inside a nested value leaves its brackets open, and either
    way the text is invalid. Commas are tried where an item ends and the next begins as the first
    item began (``},{`` between records), which inner commas seldom look like; a failed parse
    means "cut inside an item", and the next try is a quarter further on, so a few huge items
    cost a small multiple of their parse. The last batch runs to the end of the file; if that
    fails too, the file is invalid and says where.
    """
    size = len(buf)
    pos = _WS.match(buf, pos).end()
    separator = _SEPARATORS.get(buf[pos : pos + 1], _ANY_COMMA)
    target = _BATCH
    while True:
        pos = _WS.match(buf, pos).end()
        if pos < size and buf[pos : pos + 1] == b"]":
            if _WS.match(buf, pos + 1).end() != size:
                _invalid(buf)
            return
        found = separator.search(buf, pos + target) if pos + target < size else None
        if found is None:
            try:
                yield orjson.loads(b"[" + buf[pos:size])
            except orjson.JSONDecodeError:
                _invalid(buf)
            return
        comma = buf.find(b",", found.start())
        try:
            batch = orjson.loads(b"[" + buf[pos:comma] + b"]")
        except orjson.JSONDecodeError:
            target = (comma - pos) * 5 // 4
            continue
        yield batch
        pos, target = comma + 1, _BATCH


#: Where one item ends and the next begins, by the first item's opening byte.
_ANY_COMMA = re.compile(rb",")
_SEPARATORS = {
    b"{": re.compile(rb"}[ \t\r\n]*,[ \t\r\n]*{"),
    b"[": re.compile(rb"][ \t\r\n]*,[ \t\r\n]*\["),
    b'"': re.compile(rb'"[ \t\r\n]*,[ \t\r\n]*"'),
}


def _invalid(buf: mmap.mmap) -> None:
    """Raise the whole file's parse error (only for a broken file: it parses up to the fault)."""
    try:
        orjson.loads(buf[:])
    except orjson.JSONDecodeError as e:
        raise DocumentError(f"invalid JSON: {str(e).splitlines()[0]}") from e
    raise DocumentError("invalid JSON: an array's items are not separated as JSON separates them")


# -- NDJSON: line by line -----------------------------------------------------------------------


def ndjson_records(path: Path) -> Iterator[Any]:
    """The values of an NDJSON file's non-blank lines, read one line at a time.

    UTF-16/32 files (a BOM, or NULs) are decoded whole first: their lines are not split by byte.
    DocumentError naming the line for one that is not JSON.
    """
    with open(path, "rb") as f:
        head = f.read(4096)
        f.seek(0)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            lines: Iterable[bytes | str] = decode_text_bytes(f.read()).splitlines()
        else:
            lines = f
        for number, line in enumerate(lines, start=1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf") if isinstance(line, bytes) else line.removeprefix("\ufeff")
            if not line.strip():
                continue
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as e:
                raise DocumentError(f"invalid NDJSON (line {number}): {str(e).splitlines()[0]}") from e


# -- YAML ---------------------------------------------------------------------------------------


def partition_yaml(path: Path, options: PartitionOptions) -> list[Element]:
    """Read a YAML file (every document in it) as data: see the module docstring."""
    import yaml  # imported on first use: a run without YAML files never pays for it

    size = path.stat().st_size
    if size > _MAX_YAML:
        raise DocumentError(f"YAML of {size >> 20} MB is larger than the {_MAX_YAML >> 20} MB read as YAML")
    text = decode_bytes(path.read_bytes())
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when built
    loader = loader_class(text)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            _check_aliases(node)  # before construction: expanding a bomb is the harm
            documents.append(loader.construct_document(node))
    except yaml.YAMLError as e:
        raise DocumentError(f"invalid YAML: {_yaml_reason(e)}") from e
    finally:
        loader.dispose()
    return data_elements(documents, size)


def _check_aliases(root: Any) -> None:
    """Refuse a YAML document whose aliases expand to more than :data:`_ALIAS_EXPANSION` values
    beyond the nodes it spells out, or that refers to itself.

    The composed node graph shares each anchored node among its aliases, so it is as small as the
    file; what a reader of the values walks is its expansion. The expanded size of every node is
    counted once (memoised by identity), so the check costs the graph, not the expansion.
    """
    from yaml.nodes import MappingNode, SequenceNode

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node, MappingNode, SequenceNode)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > _ALIAS_EXPANSION + len(sizes):
                raise DocumentError(f"YAML aliases expand past {_ALIAS_EXPANSION} values (an alias bomb): refused")
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise DocumentError("YAML alias refers to the node that holds it (a recursive document): refused")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node, MappingNode, SequenceNode):
            if id(child) in on_path:
                raise DocumentError("YAML alias refers to the node that holds it (a recursive document): refused")
            if id(child) not in sizes:
                stack.append((child, False))


def _children(node: Any, mapping: type, sequence: type) -> list[Any]:
    if isinstance(node, mapping):
        return [part for pair in node.value for part in pair]
    if isinstance(node, sequence):
        return list(node.value)
    return []


def _yaml_reason(error: Exception) -> str:
    """PyYAML's multi-line message as one line: what is wrong, and where."""
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(error).split())
