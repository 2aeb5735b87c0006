"""Elements and their vectors in a LanceDB table on disk: a vector store with no server
(``pip install 'docbatch[lancedb]'``).

``lancedb:///path/to/db[?table=elements]`` (a relative path: ``lancedb://db``) holds::

    <table>            one row per element or chunk: doc_key, seq, element_id, type, text,
                       metadata (JSON text), filename, page_number, source_url, and ``vector``
                       (fixed-size float32) when the elements carry embeddings
    <table>_documents  one row per document: its stamp, status (ok or failed), reason, source
    <table>_docbatch   the source the table was filled from, and the records of finished runs

Why LanceDB over Chroma's persistent client, measured by ``benchmarks/embed.py`` (results in
``benchmarks/results/embed.md``): a similar write rate with per-document replacement, about a
third of the disk once compacted (the raw floats and little more), and writers in several
processes, which Chroma's SQLite-backed client does not support; Chroma's top-10 query is faster
without an index, a gap an ANN index on the table closes for large tables.

Every write is a Lance commit, atomic on its own, and a document takes three: its stamp is
dropped (:meth:`forget`, before the pipeline redoes it), its old rows deleted, its new rows
added, then its stamp written. A kill between any two leaves a document without a current
stamp, which the next run redoes, deleting whatever rows it has first: nothing goes missing and
nothing is there twice. Workers commit concurrently; Lance retries compatible commits itself,
and a conflict it reports is tried again here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlparse

import lancedb
import orjson
import pyarrow as pa

from docbatch.destinations.base import Destination, Known, known_from_rows, local_state_dir
from docbatch.errors import ConfigError, OutputUnavailable, TransientError
from docbatch.locations import local_location
from docbatch.model import DocumentMeta, Picture
from docbatch.shaping import element_metadata

__all__ = ["LanceDBDestination"]

_OK, _FAILED = "ok", "failed"
_T = TypeVar("_T")
#: Tries of one commit that met another worker's: concurrent deletes of one fragment conflict.
_COMMIT_ATTEMPTS = 8
#: Old table versions kept after the end-of-run compaction: a reader mid-query may still use one
#: for seconds; keeping every version of a run's thousands of commits would keep every deleted row.
_KEEP_VERSIONS = timedelta(minutes=10)

_DOCUMENTS = pa.schema(
    [("doc_key", pa.string()), ("stamp", pa.string()), ("status", pa.string()), ("reason", pa.string()),
     ("source", pa.string())]
)  # fmt: skip
_META = pa.schema([("name", pa.string()), ("value", pa.binary())])


def _elements_schema(dim: int | None) -> pa.Schema:
    fields = [
        ("doc_key", pa.string()), ("seq", pa.int32()), ("element_id", pa.string()), ("type", pa.string()),
        ("text", pa.string()), ("metadata", pa.string()), ("filename", pa.string()), ("page_number", pa.int32()),
        ("source_url", pa.string()),
    ]  # fmt: skip
    if dim is not None:
        fields.append(("vector", pa.list_(pa.float32(), dim)))
    return pa.schema(fields)


class LanceDBDestination(Destination):
    """Rows in the LanceDB table ``<table>`` (default ``elements``) of the database folder the URL names."""

    name = "lancedb"
    #: LanceDB's async runtime, started in the main process by the listing, crashes forked workers.
    fork_safe = False

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        query = dict(parse_qsl(parsed.query))
        self.table = query.pop("table", "elements")
        path = f"{parsed.netloc}{parsed.path}"
        if not path:
            raise ConfigError(f"{url!r} names no folder; write the output as lancedb:///path/to/db?table=elements.")
        self.path = Path(path)
        self._db: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_db"] = None  # each worker opens its own
        return state

    def describe(self) -> str:
        return f"lancedb {self.path} table {self.table}"

    @property
    def db(self) -> Any:
        if self._db is None:
            # every read sees the latest commit: another worker's stamps, the state a rerun skips by
            self._db = lancedb.connect(str(self.path), read_consistency_interval=timedelta(0))
        return self._db

    def check(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._open(f"{self.table}_documents", _DOCUMENTS)
            self._open(f"{self.table}_docbatch", _META)
        except OSError as e:
            raise ConfigError(f"Cannot use the LanceDB folder {self.path} ({e}); choose another --output.") from e

    def _open(self, name: str, schema: pa.Schema) -> Any:
        return self.db.create_table(name, schema=schema, exist_ok=True)

    def state_dir(self) -> Path:
        return local_state_dir(self.describe())

    def local_root(self) -> Path | None:
        return self.path

    def location(self) -> str | None:
        return local_location(self.path)

    def name_for(self, doc: DocumentMeta) -> str:
        return _key(doc.key)

    def state(self) -> dict[str, Known]:
        rows = self._retrying(lambda: self._open(f"{self.table}_documents", _DOCUMENTS).to_arrow().to_pylist())
        return known_from_rows((r["doc_key"], r["stamp"], r["status"] == _OK, r["source"]) for r in rows)

    def write(
        self,
        doc: DocumentMeta,
        elements: list[dict[str, Any]],
        stamp: str | None,
        pictures: Sequence[Picture] | None = None,  # never given: the run refuses picture files here
    ) -> str:
        dims = {len(e["embeddings"]) for e in elements if e.get("embeddings")}
        if len(dims) > 1:
            raise OutputUnavailable(f"the embeddings of {doc.key} differ in length ({sorted(dims)})")
        table = self._elements(next(iter(dims), None))
        has_vector = "vector" in table.schema.names
        rows = [_row(doc, seq, element, has_vector) for seq, element in enumerate(elements)]
        self._retrying(lambda: table.delete(_where(_key(doc.key))))
        if rows:
            self._retrying(lambda: table.add(pa.Table.from_pylist(rows, schema=table.schema)))
        self._set_document(doc, stamp, _OK, "")
        return f"{self.path}/{self.table}"

    def _elements(self, dim: int | None) -> Any:
        """The elements table, made by the first write with the first vectors' dimension."""
        try:
            table = self.db.open_table(self.table)
        except ValueError:  # "not found": this is the first document written
            table = self._create_elements(dim)
        field = table.schema.field("vector") if "vector" in table.schema.names else None
        found = field.type.list_size if field is not None else None
        if dim is not None and found != dim:
            held = f"{found}-dimensional embeddings" if found else "no embeddings"
            raise OutputUnavailable(
                f"the LanceDB table {self.table} holds {held} and these are {dim}-dimensional; "
                "write to a new table (?table=...) or use the table's model"
            )
        return table

    def _create_elements(self, dim: int | None) -> Any:
        try:
            return self.db.create_table(self.table, schema=_elements_schema(dim), exist_ok=True)
        except (OSError, RuntimeError, ValueError):  # another worker made it a moment before
            return self._retrying(lambda: self.db.open_table(self.table))

    def mark_failed(self, doc: DocumentMeta, stamp: str | None, reason: str) -> None:
        self._delete_rows(_key(doc.key))
        self._set_document(doc, stamp, _FAILED, reason)

    def forget(self, name: str, known: Known) -> None:
        documents = self._open(f"{self.table}_documents", _DOCUMENTS)
        self._retrying(lambda: documents.delete(_where(name)))

    def remove(self, name: str, known: Known) -> None:
        self.forget(name, known)
        self._delete_rows(name)

    def _delete_rows(self, name: str) -> None:
        """Delete a document's rows, if the elements table has been made yet."""
        try:
            table = self.db.open_table(self.table)
        except ValueError:  # "not found": no document was written yet
            return
        self._retrying(lambda: table.delete(_where(name)))

    def recorded_source(self) -> str | None:
        value = self._get_meta("source")
        return value.decode() if value is not None else None

    def remember_source(self, source: str) -> None:
        self._set_meta("source", source.encode())

    def keep_record(self, run_id: str, path: Path) -> None:
        self._set_meta(f"record/{run_id}", path.read_bytes())

    def finish(self) -> None:
        """Compact the run's many small commits into few files and drop the deleted rows, so
        queries do not slow down run after run."""
        for name in (self.table, f"{self.table}_documents", f"{self.table}_docbatch"):
            try:
                table = self.db.open_table(name)
            except ValueError:  # not made yet
                continue
            self._retrying(lambda t=table: t.optimize(cleanup_older_than=_KEEP_VERSIONS))

    def _set_document(self, doc: DocumentMeta, stamp: str | None, status: str, reason: str) -> None:
        documents = self._open(f"{self.table}_documents", _DOCUMENTS)
        row = {"doc_key": _key(doc.key), "stamp": stamp, "status": status, "reason": reason, "source": self.owner}
        upsert = documents.merge_insert("doc_key").when_matched_update_all().when_not_matched_insert_all()
        self._retrying(lambda: upsert.execute(pa.Table.from_pylist([row], schema=_DOCUMENTS)))

    def _get_meta(self, name: str) -> bytes | None:
        meta = self._open(f"{self.table}_docbatch", _META)
        rows = self._retrying(lambda: meta.search().where(_where(name, "name")).to_list())
        return rows[0]["value"] if rows else None

    def _set_meta(self, name: str, value: bytes) -> None:
        meta = self._open(f"{self.table}_docbatch", _META)
        upsert = meta.merge_insert("name").when_matched_update_all().when_not_matched_insert_all()
        self._retrying(lambda: upsert.execute(pa.Table.from_pylist([{"name": name, "value": value}], schema=_META)))

    def _retrying(self, action: Callable[[], _T]) -> _T:
        """``action``, tried again on a commit conflict with another worker; any other fault of
        the store is a transient failure of the document (Lance raises untyped errors)."""
        for attempt in range(_COMMIT_ATTEMPTS):
            try:
                return action()
            except (OSError, RuntimeError, ValueError) as e:
                if "onflict" in str(e) and attempt < _COMMIT_ATTEMPTS - 1:
                    time.sleep(0.05 * 2**attempt)
                    continue
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                raise TransientError(f"writing to LanceDB at {self.path} failed: {first}") from e
        raise AssertionError("unreachable: the last attempt returns or raises")


def _row(doc: DocumentMeta, seq: int, element: dict[str, Any], has_vector: bool) -> dict[str, Any]:
    meta = element_metadata(element)  # nested, or flattened by --flatten-metadata
    page = meta.get("page_number")
    row = {
        "doc_key": _key(doc.key),
        "seq": seq,
        "element_id": element.get("element_id"),
        "type": element.get("type"),
        "text": element.get("text") or "",
        "metadata": orjson.dumps(meta).decode(),
        "filename": meta.get("filename"),
        "page_number": page if isinstance(page, int) else None,
        "source_url": _key(doc.uri),
    }
    if has_vector:
        row["vector"] = element.get("embeddings")
    return row


def _key(key: str) -> str:
    """A key as Arrow's UTF-8 strings hold it: undecodable file-name bytes become ``\\xNN``."""
    return key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _where(value: str, column: str = "doc_key") -> str:
    """A filter on one key, quoted as Lance's SQL quotes strings."""
    return f"{column} = '{value.replace(chr(39), chr(39) * 2)}'"
