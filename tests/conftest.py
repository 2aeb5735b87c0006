"""Shared fixtures: a real S3-compatible server and a real PostgreSQL server on 127.0.0.1, one per session."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from embedding_support import FakeOpenAI, make_local_model
from postgres_server import PostgresServer, find_bin_dir
from support import S3Server


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/expected/ from the current output (also: DOCBATCH_REGEN_GOLDEN=1); review the diff",
    )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on a free loopback port; skipped when its binaries are absent."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'docbatch[postgresql]'")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except (OSError, subprocess.CalledProcessError, KeyError) as e:
        server.stop()
        pytest.skip(f"could not start a PostgreSQL server ({e}); as root it runs as the 'postgres' user")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def misbehaving_txt() -> Iterator[None]:
    """Route .txt files to the test partitioner that crashes, hangs or raises on command
    (see _partitioners.misbehave); the pool's workers fork from the test process and see it."""
    from docbatch.partitioners import registry

    original = registry.PARTITIONERS["txt"]
    registry.register("txt", "_partitioners:misbehave")
    yield
    registry.register("txt", original)


@pytest.fixture(scope="session")
def pgvector_server() -> Iterator[str]:
    """A PostgreSQL with pgvector, from the ``pgserver`` package (the Debian server here has no
    pgvector); yields a URL to which ``&table=...`` may be added. Skipped when it cannot start."""
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'docbatch[postgresql]'")
    pgserver = pytest.importorskip("pgserver", reason="pgserver is not installed: pip install '.[test]'")
    import tempfile

    root = tempfile.mkdtemp(prefix="docbatch-pgvector-")
    try:
        server = pgserver.get_server(root, cleanup_mode="delete")
    except Exception as e:  # pgserver raises its own errors, and OSError from its binaries
        pytest.skip(f"pgserver's PostgreSQL did not start ({type(e).__name__}: {e})")
    try:
        server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible embeddings server on a loopback port (see embedding_support)."""
    with FakeOpenAI().serving() as server:
        yield server


@pytest.fixture(scope="session")
def local_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny ONNX embedding model folder, built in code (see embedding_support.make_local_model)."""
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed: pip install '.[embed]'")
    pytest.importorskip("onnx", reason="onnx is not installed: pip install '.[test]'")
    return str(make_local_model(tmp_path_factory.mktemp("model")))
