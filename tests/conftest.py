"""Shared fixtures: a real S3-compatible server and a real PostgreSQL server on 127.0.0.1, one per session."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from pgserver import PostgresServer, find_bin_dir
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
