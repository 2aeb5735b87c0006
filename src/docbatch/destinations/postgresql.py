"""Elements as rows of a PostgreSQL table, through psycopg 3 (``pip install 'docbatch[postgresql]'``).

``postgresql://user[:password]@host:port/db[?table=elements][&index=hnsw]`` creates, when missing::

    <table>            one row per element or chunk: doc_key (the source key), seq (its position
                       in the document), source_url, element_id, type, text, metadata (JSONB),
                       version, filename, page_number, checked (a CheckBox's state, NULL otherwise),
                       and with embeddings a pgvector ``embeddings vector(n)`` column (see
                       docbatch.destinations.pgvector)
    <table>_documents  one row per document: its stamp, status (ok or failed), reason, and the
                       source that wrote it when not the table's first (see Destination.owner)
    <table>_docbatch   the source the table was filled from, and the records of finished runs

Each document is written in one transaction (its old rows deleted, the new ones copied in, its
``_documents`` row updated), so a rerun never duplicates rows, a changed document never keeps
old ones, and a kill leaves either the old document or the new one, never half of either. The
``_documents`` table is what a rerun skips by: one query, no per-document lookups. The primary
key (doc_key, seq) is also the index a retriever needs to fetch or filter one document's rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

import orjson
import psycopg
from psycopg import sql

from docbatch.destinations.base import Destination, Known, known_from_rows, local_state_dir
from docbatch.destinations.pgvector import INDEXES, check_extension, ensure_vector_column, vector_text
from docbatch.errors import ConfigError, TransientError
from docbatch.model import DocumentMeta, Picture
from docbatch.sanitize import redact_url, secrets_of, url_password
from docbatch.shaping import element_metadata

__all__ = ["PostgresDestination"]

_OK, _FAILED = "ok", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {elements} (
    doc_key text NOT NULL, seq integer NOT NULL, source_url text, element_id text, type text,
    text text, metadata jsonb, version text, PRIMARY KEY (doc_key, seq)
);
CREATE TABLE IF NOT EXISTS {documents} (
    doc_key text PRIMARY KEY, source_url text, stamp text, status text NOT NULL, reason text,
    updated timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS {meta} (name text PRIMARY KEY, value bytea NOT NULL);
ALTER TABLE {documents} ADD COLUMN IF NOT EXISTS source text;
ALTER TABLE {elements} ADD COLUMN IF NOT EXISTS filename text, ADD COLUMN IF NOT EXISTS page_number integer;
ALTER TABLE {elements} ADD COLUMN IF NOT EXISTS checked boolean;
"""
_COLUMNS = "doc_key, seq, source_url, element_id, type, text, metadata, version, filename, page_number, checked"


class PostgresDestination(Destination):
    """Rows in ``<table>`` (default ``elements``) of the database the URL names."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        _check_password(url)
        parsed = urlparse(url)
        query = dict(parse_qsl(parsed.query))
        self.schema, self.table = _table_name(query.pop("table", "elements"))
        self.index = query.pop("index", None) or None
        if self.index is not None and self.index not in INDEXES:
            raise ConfigError(f"Unknown vector index {self.index!r} in the output URL; use index=hnsw or none.")
        #: The URL as libpq takes it (docbatch's own ``table`` parameter removed).
        self.conninfo = urlunparse(parsed._replace(query=urlencode(query)))
        try:
            self.where = f"{parsed.hostname or 'localhost'}:{parsed.port or 5432}{parsed.path}"
        except ValueError:  # urllib quotes the bad port, which may be part of a password
            raise ConfigError(f"The PostgreSQL URL {redact_url(url)} has no valid port; check it.") from None
        self._conn: psycopg.Connection | None = None
        #: The embeddings column's dimension once this process has made sure of it.
        self._dim: int | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_conn"] = None  # connections do not cross processes; each worker opens its own
        return state

    def describe(self) -> str:
        return f"postgresql {self.where} table {self.qualified}"  # never the password

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def _names(self) -> dict[str, sql.Identifier]:
        schema = (self.schema,) if self.schema else ()
        return {
            "elements": sql.Identifier(*schema, self.table),
            "documents": sql.Identifier(*schema, f"{self.table}_documents"),
            "meta": sql.Identifier(*schema, f"{self.table}_docbatch"),
        }

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """A session advisory lock on the server, keyed by the table itself (its database and
        oid), so two runs into one table are kept apart however their URLs spell the host, and
        from any machine. Held on a connection of its own: the server frees it if the run dies."""
        try:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as e:
            said = _first_line(e, self.conninfo)
            raise ConfigError(f"Cannot lock the table {self.qualified} at {self.where} ({said}).") from e
        try:
            table = self._names()["elements"].as_string(conn)
            try:
                query = "SELECT current_database(), %s::regclass::oid::bigint"
                database, oid = conn.execute(query, (table,)).fetchone()
                digest = hashlib.sha256(f"docbatch:{database}:{oid}".encode()).digest()
                key = int.from_bytes(digest[:8], "big", signed=True)
                (locked,) = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            except psycopg.Error as e:
                said = _first_line(e, self.conninfo)
                raise ConfigError(f"Cannot lock the table {self.qualified} at {self.where} ({said}).") from e
            if not locked:
                raise ConfigError(
                    f"Another docbatch run is writing to the table {self.qualified} at {self.where}; "
                    "wait for it to finish or choose another ?table=."
                )
            yield
        finally:
            conn.close()  # ends the session, and the lock with it

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)
        return self._conn

    def check(self) -> None:
        try:
            self.conn.execute(sql.SQL(_SCHEMA).format(**self._names()))
            if self.index:  # an index asked for means vectors are coming: say now if they cannot
                check_extension(self.conn, self.where)
        except psycopg.Error as e:
            first = _first_line(e, self.conninfo)
            raise ConfigError(
                f"Cannot use PostgreSQL at {self.where} ({first}); check the URL, the credentials and that "
                "the server is running."
            ) from e

    def state_dir(self) -> Path:
        return local_state_dir(self.describe())

    def name_for(self, doc: DocumentMeta) -> str:
        return _key(doc.key)

    def state(self) -> dict[str, Known]:
        query = sql.SQL("SELECT doc_key, stamp, status, source FROM {documents}").format(**self._names())
        with self._errors(starting=True), self.conn.cursor() as cur:
            rows = cur.execute(query).fetchall()
        return known_from_rows((key, stamp, status == _OK, source) for key, stamp, status, source in rows)

    def write(
        self,
        doc: DocumentMeta,
        elements: list[dict[str, Any]],
        stamp: str | None,
        pictures: Sequence[Picture] | None = None,  # never given: the run refuses picture files here
    ) -> str:
        names = self._names()
        vectors = next((len(e["embeddings"]) for e in elements if e.get("embeddings")), None)
        if vectors is not None and vectors != self._dim:
            with self._errors():
                ensure_vector_column(self.conn, self.table, vectors, self.index, self.where, self.schema)
            self._dim = vectors
        columns = _COLUMNS + (", embeddings" if vectors else "")
        copy = sql.SQL("COPY {elements} ({columns}) FROM STDIN").format(columns=sql.SQL(columns), **names)
        with self._errors(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(sql.SQL("DELETE FROM {elements} WHERE doc_key = %s").format(**names), (_key(doc.key),))
            with cur.copy(copy) as rows:
                for seq, element in enumerate(elements):
                    row = _row(doc, seq, element)
                    rows.write_row((*row, vector_text(element)) if vectors else row)
            self._set_document(cur, doc, stamp, _OK, "")
        return f"{self.where}/{self.qualified}"

    def mark_failed(self, doc: DocumentMeta, stamp: str | None, reason: str) -> None:
        names = self._names()
        with self._errors(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(sql.SQL("DELETE FROM {elements} WHERE doc_key = %s").format(**names), (_key(doc.key),))
            self._set_document(cur, doc, stamp, _FAILED, reason)

    def forget(self, name: str, known: Known) -> None:
        """Nothing to do: a write replaces the rows and the stamp in one transaction."""

    def remove(self, name: str, known: Known) -> None:
        names = self._names()
        with self._errors(), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(sql.SQL("DELETE FROM {elements} WHERE doc_key = %s").format(**names), (name,))
            cur.execute(sql.SQL("DELETE FROM {documents} WHERE doc_key = %s").format(**names), (name,))

    def recorded_source(self) -> str | None:
        value = self._get_meta("source")
        return value.decode() if value is not None else None

    def remember_source(self, source: str) -> None:
        self._set_meta("source", source.encode())

    def keep_record(self, run_id: str, path: Path) -> None:
        data = path.read_bytes()
        self._set_meta(f"record/{run_id}", data)
        self._set_meta("record/latest", data)

    def read_record(self, run_id: str | None = None) -> bytes | None:
        return self._get_meta(f"record/{run_id or 'latest'}")

    def _set_document(
        self, cur: psycopg.Cursor, doc: DocumentMeta, stamp: str | None, status: str, reason: str
    ) -> None:
        cur.execute(
            sql.SQL(
                "INSERT INTO {documents} (doc_key, source_url, stamp, status, reason, source) "
                "VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (doc_key) DO UPDATE SET source_url = EXCLUDED.source_url, stamp = EXCLUDED.stamp, "
                "status = EXCLUDED.status, reason = EXCLUDED.reason, source = EXCLUDED.source, updated = now()"
            ).format(**self._names()),
            (_key(doc.key), _clean(doc.uri), stamp, status, _clean(reason), self.owner and _clean(self.owner)),
        )

    def _get_meta(self, name: str) -> bytes | None:
        query = sql.SQL("SELECT value FROM {meta} WHERE name = %s").format(**self._names())
        with self._errors(starting=True):
            row = self.conn.execute(query, (name,)).fetchone()
        return bytes(row[0]) if row else None

    def _set_meta(self, name: str, value: bytes) -> None:
        query = sql.SQL(
            "INSERT INTO {meta} (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
        ).format(**self._names())
        with self._errors(starting=True):
            self.conn.execute(query, (name, value))

    def _errors(self, *, starting: bool = False) -> _Translate:
        return _Translate(self, starting=starting)


class _Translate:
    """psycopg's errors as docbatch's: a ConfigError before the run starts (exit 2), a transient
    failure of the one document during it. A broken connection is dropped so the next document
    opens a new one."""

    def __init__(self, destination: PostgresDestination, *, starting: bool) -> None:
        self.destination = destination
        self.starting = starting

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or not isinstance(exc, psycopg.Error):
            return False
        conn = self.destination._conn
        if conn is not None and (conn.broken or isinstance(exc, psycopg.OperationalError)):
            conn.close()
            self.destination._conn = None
        first = _first_line(exc, self.destination.conninfo)
        if self.starting:
            raise ConfigError(f"PostgreSQL at {self.destination.where} failed: {first}; check the server.") from exc
        raise TransientError(f"writing to PostgreSQL failed: {first}") from exc


#: PostgreSQL keeps this many bytes of a name and silently cuts the rest (NAMEDATALEN - 1).
_NAME_BYTES = 63
#: The longest suffix added to the table's name (``<table>_documents``).
_SUFFIX_BYTES = len("_documents")


def _table_name(value: str) -> tuple[str | None, str]:
    """``?table=`` as (schema, table): ``elements`` or ``reports.elements``. A name whose
    ``<table>_documents`` would pass 63 bytes is refused: PostgreSQL would cut it silently, and
    two tables of one prefix would share one documents table (or a cut name one of another)."""
    parts = value.split(".")
    if len(parts) > 2 or not all(parts):
        raise ConfigError(
            f"The table {value!r} is not a name; give ?table=name or ?table=schema.name (no other dots)."
        )
    schema, table = (None, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    longest = _NAME_BYTES - _SUFFIX_BYTES
    for kind, name in (("schema", schema), ("table", table)):
        size = len(name.encode("utf-8", "surrogateescape")) if name else 0
        limit = longest if kind == "table" else _NAME_BYTES
        if size > limit:
            raise ConfigError(
                f"The {kind} name {name!r} is {size} bytes; PostgreSQL cuts names at {_NAME_BYTES} bytes and "
                f"docbatch adds {_SUFFIX_BYTES} (_documents), so use at most {limit} bytes."
            )
    return schema, table


#: A NUL character as JSON escapes it, ``\u0000``, preceded by an even number of backslashes (so
#: not the text "\u0000", which JSON writes as ``\\u0000``): jsonb refuses the character.
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _row(doc: DocumentMeta, seq: int, element: dict[str, Any]) -> tuple[Any, ...]:
    meta = element_metadata(element)  # nested, or flattened by --flatten-metadata
    metadata = _JSON_NUL.sub(r"\1", _clean(orjson.dumps(meta).decode()))
    page = meta.get("page_number")
    return (
        _key(doc.key),
        seq,
        _clean(doc.uri),
        element.get("element_id"),
        element.get("type"),
        _clean(element.get("text") or ""),
        metadata,
        doc.version,
        _clean(str(meta.get("filename") or "")) or None,
        page if isinstance(page, int) else None,
        element.get("checked"),
    )


def _key(key: str) -> str:
    """A document key as a text column holds it: a local file name's undecodable bytes (kept by
    Python as surrogates) become ``\\xNN``, so every key has one row and a rerun finds it again."""
    return key.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def _clean(text: str) -> str:
    """PostgreSQL text holds no NUL byte and only valid UTF-8 (undecodable file-name bytes)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


#: What libpq cannot read raw in a URL's password: it must be percent-encoded.
_RAW_IN_PASSWORD = re.compile(r"[/#?@]|%(?![0-9A-Fa-f]{2})")


def _check_password(url: str) -> None:
    """Refuse, in one sentence naming no secret, a password libpq would misread: a raw ``/``,
    ``#``, ``?`` or ``@`` ends the user info early (the rest read as a host, port or database,
    and quoted back in libpq's error), a ``%`` not followed by two hex digits is a bad escape."""
    password = url_password(url)
    if password is not None and _RAW_IN_PASSWORD.search(password):
        raise ConfigError(
            f"The password in the PostgreSQL URL {redact_url(url)} holds a character a URL must "
            "percent-encode (%25 for %, %23 for #, %2F for /, %3F for ?, %40 for @); encode it and retry."
        )


def _first_line(error: BaseException, conninfo: str) -> str:
    """The first line of a psycopg error, any secret of the URL that libpq quoted replaced."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    for secret in secrets_of(conninfo):
        first = first.replace(secret, "***")
    return first
