"""Chunks, embedded by the fake OpenAI server, into PostgreSQL with pgvector (pgserver's real
server) through the CLI: a vector(n) column, real columns beside the JSONB, the HNSW index, a
nearest-neighbour query, reruns that ask the provider nothing, and the key recorded nowhere."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from embedding_support import DIM, fake_vector
from support import cli_env, run_cli, write_files

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'docbatch[postgresql]'")
pytest.importorskip("httpx", reason="httpx is not installed: pip install '.[embed]'")

KEY = "sk-test-never-recorded-0123456789"


def _run(src: Path, url: str, fake, *extra: str, cwd: Path) -> subprocess.CompletedProcess:
    env = cli_env(XDG_CACHE_HOME=str(cwd / "cache"), DOCBATCH_EMBEDDING_API_KEY=KEY)
    flags = ["--embedding-provider", "openai", "--embedding-base-url", fake.url, "--chunking-strategy", "basic"]
    return run_cli(["local", str(src), "--output", url, *flags, *extra], cwd=cwd, env=env)


def test_embeddings_go_into_a_vector_column_with_an_hnsw_index(pgvector_server, fake_openai, tmp_path):
    table = f"t_{uuid.uuid4().hex[:8]}"
    url = f"{pgvector_server}&table={table}&index=hnsw"
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nAlpha text.", "b.txt": "Beta\n\nBeta text."})
    first = _run(src, url, fake_openai, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert fake_openai.headers[0]["Authorization"] == f"Bearer {KEY}"
    with psycopg.connect(pgvector_server) as conn:
        kind = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = 'embeddings'",
            (table,),
        ).fetchone()
        assert kind == (f"vector({DIM})",)
        rows = conn.execute(f"SELECT doc_key, seq, filename, text FROM {table} ORDER BY doc_key").fetchall()
        assert rows == [("a.txt", 0, "a.txt", "Alpha\n\nAlpha text."), ("b.txt", 0, "b.txt", "Beta\n\nBeta text.")]
        indexes = [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", (table,))]
        assert any("USING hnsw (embeddings vector_cosine_ops)" in i for i in indexes), indexes
        query = str(fake_vector("Beta\n\nBeta text.")).replace(" ", "")
        nearest = conn.execute(
            f"SELECT doc_key FROM {table} ORDER BY embeddings <=> %s::vector LIMIT 1", (query,)
        ).fetchone()
        assert nearest == ("b.txt",)
        stored = conn.execute(f"SELECT string_agg(t::text, '') FROM {table} t").fetchone()[0]
        stored += conn.execute(f"SELECT string_agg(t::text, '') FROM {table}_documents t").fetchone()[0]
    assert KEY not in first.stderr + first.stdout and KEY not in stored
    record = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert KEY.encode() not in record

    fake_openai.reset()
    again = _run(src, url, fake_openai, cwd=tmp_path)
    assert "0 ok, 2 skipped, 0 failed" in again.stderr, again.stderr
    assert fake_openai.calls == 0  # unchanged documents ask the provider nothing

    other_model = _run(src, url, fake_openai, "--embedding-model-name", "other-model", cwd=tmp_path)
    assert "2 ok, 0 skipped, 0 failed" in other_model.stderr, other_model.stderr
    assert {r["model"] for r in fake_openai.requests} == {"other-model"}


def test_a_server_without_pgvector_stops_the_run_with_one_sentence(pg_server, fake_openai, tmp_path):
    with psycopg.connect(pg_server.url) as conn:
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone():
            pytest.skip("this PostgreSQL has pgvector")
    url = f"{pg_server.url}?table=t_{uuid.uuid4().hex[:8]}"
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    done = _run(src, url, fake_openai, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "has no pgvector extension" in done.stderr and "Traceback" not in done.stderr
    refused = _run(src, url + "&index=hnsw", fake_openai, cwd=tmp_path)
    assert refused.returncode == 2 and "has no pgvector extension" in refused.stderr
