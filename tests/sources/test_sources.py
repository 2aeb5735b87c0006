"""One contract every source keeps, run against each backend on a real store: a local folder,
S3 (moto's server on 127.0.0.1) and fsspec (``file://``), beside the destinations' contract.

A source lists metadata (keys, sizes, versions) without reading content, hands over each
document's bytes (read in place or fetched), changes a document's version when its content
changes, and never shows a secret in ``describe()``, which is printed and stored in the run record.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from docbatch.model import DocumentMeta
from docbatch.sources.base import Source
from docbatch.sources.fsspec import FsspecSource
from docbatch.sources.local import LocalSource
from docbatch.sources.s3 import S3Source

FILES = {"a/b.txt": b"Hello", "c.txt": b"World, at some length"}
#: A credential each store is opened with; describe() must never show it.
SECRET = "contract-s3cret-value"


@dataclass
class Store:
    """A source over a store holding FILES, and how the test changes a file and counts reads."""

    source: Source
    put: Callable[[str, bytes], None]
    #: Content reads made so far, where the store can tell (None: it cannot).
    reads: Callable[[], int | None]


def _local(tmp_path: Path) -> Store:
    root = tmp_path / "docs"

    def put(key: str, data: bytes) -> None:
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        mtime = path.stat().st_mtime_ns + 10**9 if path.exists() else None  # a later mtime, as a real edit has
        path.write_bytes(data)
        if mtime is not None:
            os.utime(path, ns=(mtime, mtime))

    for key, data in FILES.items():
        put(key, data)
    return Store(LocalSource(root), put, lambda: None)


def _fsspec(tmp_path: Path) -> Store:
    store = _local(tmp_path)
    # storage options reach the filesystem (LocalFileSystem ignores this one) but never the description
    source = FsspecSource((tmp_path / "docs").as_uri(), password=SECRET)
    return Store(source, store.put, lambda: None)


def _s3(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Store:
    server = request.getfixturevalue("s3_server")
    bucket = f"src-{uuid.uuid4().hex[:8]}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    server.bucket(bucket, {f"docs/{k}": v for k, v in FILES.items()})
    server.start_recording()

    def put(key: str, data: bytes) -> None:
        server.client.put_object(Bucket=bucket, Key=f"docs/{key}", Body=data)

    return Store(S3Source(f"s3://{bucket}/docs/", endpoint_url=server.url), put, lambda: len(server.recorded_gets()))


@pytest.fixture(params=["local", "s3", "fsspec"])
def store(request, tmp_path, monkeypatch) -> Iterator[Store]:
    if request.param == "local":
        made = _local(tmp_path)
    elif request.param == "s3":
        made = _s3(request, monkeypatch)
    else:
        made = _fsspec(tmp_path)
    made.source.check()
    yield made


def _listed(source: Source) -> dict[str, DocumentMeta]:
    docs = {}
    for item in source.list():
        assert isinstance(item, DocumentMeta), item
        docs[item.key] = item
    return docs


def _content(source: Source, doc: DocumentMeta, tmp_path: Path) -> bytes:
    """The document's bytes as a worker gets them: read in place, or fetched to a local file."""
    path = source.local_path(doc)
    if path is None:
        path = tmp_path / "fetched"
        source.fetch(doc, path)
    return path.read_bytes()


def test_listing_gives_metadata_without_reading_content(store):
    docs = _listed(store.source)
    assert sorted(docs) == sorted(FILES)
    for key, doc in docs.items():
        assert doc.size == len(FILES[key])
        assert doc.version
        assert doc.uri.endswith(key)
    assert store.reads() in (None, 0)


def test_fetch_gives_the_bytes(store, tmp_path):
    for key, doc in _listed(store.source).items():
        assert _content(store.source, doc, tmp_path) == FILES[key]


def test_the_version_changes_with_the_content(store, tmp_path):
    before = _listed(store.source)
    store.put("c.txt", b"World, rewritten here")  # the same length: only the version can tell
    after = _listed(store.source)
    assert after["c.txt"].version != before["c.txt"].version
    assert after["a/b.txt"].version == before["a/b.txt"].version
    assert _content(store.source, after["c.txt"], tmp_path) == b"World, rewritten here"


def test_describe_shows_no_secret(store):
    assert SECRET not in store.source.describe()


@pytest.mark.parametrize(
    "source",
    [
        FsspecSource(f"ftp://user:{SECRET}@127.0.0.1:1/dir"),
        FsspecSource(f"sftp://user:{SECRET}@host/dir?token={SECRET}"),
        FsspecSource(f"https://host/dir?sig={SECRET}"),
    ],
    ids=["ftp-password", "sftp-password-and-token", "signed-url"],
)
def test_describe_redacts_secrets_in_urls(source):
    assert SECRET not in source.describe()
