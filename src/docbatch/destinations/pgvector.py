"""The PostgreSQL destination's vector column: pgvector's ``vector(n)``, and its HNSW index on request.

The column is added by the first write that carries embeddings, its dimension taken from that
document's vectors, so a run without embeddings never needs the extension. It is added in a
transaction of its own, before the document's: two workers adding it at once from inside their
write transactions (each already holding the table's row lock) would deadlock on the
``ALTER TABLE``; an advisory lock makes workers take turns at it. ``?index=hnsw`` adds pgvector's
HNSW index (cosine distance, the metric embedding models are trained for) with the column, so it
is maintained as rows arrive.
"""

from __future__ import annotations

from typing import Any

import orjson
import psycopg
from psycopg import sql

from docbatch.errors import ConfigError, OutputUnavailable

__all__ = ["INDEXES", "check_extension", "ensure_vector_column", "vector_text"]

#: ``?index=`` values: pgvector's index method and the operator class it is built with.
INDEXES = {"hnsw": "vector_cosine_ops"}


def check_extension(conn: psycopg.Connection, where: str) -> None:
    """Enable pgvector in the database, or say in one sentence why it cannot be."""
    if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
        return
    available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    if not available:
        raise ConfigError(
            f"PostgreSQL at {where} has no pgvector extension for the embeddings; install it on the server "
            "(e.g. apt-get install postgresql-17-pgvector) or write to a database that has it."
        )
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as e:
        raise ConfigError(
            f"pgvector is installed at {where} but this user cannot enable it; run CREATE EXTENSION vector "
            "in that database as its owner or a superuser."
        ) from e


def column_dimension(conn: psycopg.Connection, table: str, schema: str | None = None) -> int | None:
    """The ``embeddings`` column's dimension, or None when the table has no such column yet."""
    qualified = (schema, table) if schema else (table,)
    row = conn.execute(
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'embeddings' "
        "AND NOT attisdropped",
        (sql.Identifier(*qualified).as_string(conn),),
    ).fetchone()
    return int(row[0]) if row else None


def ensure_vector_column(
    conn: psycopg.Connection, table: str, dim: int, index: str | None, where: str, schema: str | None = None
) -> None:
    """Give ``table`` an ``embeddings vector(dim)`` column (and the index asked for) if it has none.

    Raises OutputUnavailable when the column holds another dimension: every document of this
    run would fail alike, so the run stops at the first (see the pipeline's stop rule).
    """
    qualified = (schema, table) if schema else (table,)  # the index goes into the table's schema by itself
    names = {"table": sql.Identifier(*qualified), "index": sql.Identifier(f"{table}_embeddings_{index}")}
    with conn.transaction():
        # IF NOT EXISTS is no guard against a worker doing the same at the same moment (both see no
        # index, the second insert into the catalogue fails): workers take turns, by the table's name
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"docbatch-vector:{table}",))
        try:
            check_extension(conn, where)
        except ConfigError as e:
            raise OutputUnavailable(str(e).rstrip(".")) from e
        conn.execute(
            sql.SQL("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS embeddings vector({dim})").format(
                dim=sql.Literal(dim), **names
            )
        )
        found = column_dimension(conn, table, schema)
        if found != dim:
            raise OutputUnavailable(
                f"the PostgreSQL table {table} holds {found}-dimensional embeddings and this model makes {dim}; "
                "write to a new table (?table=...) or use the table's model"
            )
        if index:
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {index} ON {table} USING {method} (embeddings {ops})").format(
                    method=sql.SQL(index), ops=sql.SQL(INDEXES[index]), **names
                )
            )


def vector_text(element: dict[str, Any]) -> str | None:
    """An element's embeddings in pgvector's text form (``[0.1,0.2]``, which is also JSON), or None."""
    vector = element.get("embeddings")
    return orjson.dumps(vector).decode() if vector else None
