"""Shared fixtures: a real S3-compatible server on 127.0.0.1 for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import S3Server


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
