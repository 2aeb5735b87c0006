"""S3 through a fault-injecting proxy: throttling, 500s, dropped connections, truncated bodies."""

from __future__ import annotations

import sqlite3

import pytest

from faultproxy import FaultProxy
from support import S3Server, cli_env, load_outputs, run_cli

DOCS = {f"net/doc{i}.txt": f"Document {i}\n\nThe body of document {i} in full.\n".encode() for i in range(4)}


def _run(proxy: FaultProxy, tmp_path, *extra: str):
    args = [
        "s3",
        "--s3-url",
        "s3://faults/net/",
        "--endpoint-url",
        proxy.url,
        "--structured-output-dir",
        str(tmp_path / "out"),
        "--download-dir",
        str(tmp_path / "dl"),
        *extra,
    ]
    return run_cli(args, cwd=tmp_path)


@pytest.fixture(scope="module", autouse=True)
def _bucket(s3_server: S3Server) -> None:
    s3_server.bucket("faults", DOCS)


def _reasons(out) -> dict[str, str]:
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        return dict(db.execute("SELECT key, reason FROM documents WHERE status='failed'").fetchall())


def test_throttling_errors_and_dropped_connections_are_retried(s3_server: S3Server, tmp_path):
    with FaultProxy(s3_server.url) as proxy:
        proxy.add("list-type=2", "503", "500")  # the listing is throttled, then fails once
        proxy.add("/faults/net/doc0.txt", "503", "503", "503")
        proxy.add("/faults/net/doc1.txt", "500", "drop", "500")
        proxy.add("/faults/net/doc2.txt", "drop")
        result = _run(proxy, tmp_path)
        assert result.returncode == 0, result.stderr
        assert len(proxy.injected) == 9  # every fault was really served
    outputs = load_outputs(tmp_path / "out")
    assert len(outputs) == 4
    assert outputs["doc1.txt.json"][1]["text"] == "The body of document 1 in full."


def test_a_truncated_body_is_detected_and_never_partitioned(s3_server: S3Server, tmp_path):
    with FaultProxy(s3_server.url) as proxy:
        proxy.add("/faults/net/doc3.txt", *["truncate"] * 50)  # every attempt is cut short
        proxy.add("/faults/net/doc2.txt", "truncate")  # once: the retry gets it whole
        result = _run(proxy, tmp_path)
    assert result.returncode == 1
    reasons = _reasons(tmp_path / "out")
    assert list(reasons) == ["doc3.txt"]
    assert "download" in reasons["doc3.txt"] and (
        "truncated" in reasons["doc3.txt"] or "interrupted" in reasons["doc3.txt"]
    )
    outputs = load_outputs(tmp_path / "out")
    assert sorted(outputs) == ["doc0.txt.json", "doc1.txt.json", "doc2.txt.json"]
    assert outputs["doc2.txt.json"][1]["text"] == "The body of document 2 in full."
    assert not (tmp_path / "dl" / "doc3.txt").exists()  # no partial download left to be taken as whole


def test_network_errors_botocore_lets_through_are_transient():
    """urllib3 can raise its own timeout while a body streams; it is a network fault (retried,
    then failed with a reason), never an internal error."""
    from urllib3.exceptions import ProtocolError, ReadTimeoutError

    from docbatch.errors import TransientError
    from docbatch.sources.s3 import _translate_errors

    for error in (ReadTimeoutError(None, "/k", "Read timed out."), ProtocolError("connection broken")):
        with pytest.raises(TransientError, match="download interrupted"), _translate_errors("s3://b/k"):
            raise error


def test_an_outage_longer_than_botocores_retries_during_listing_is_waited_out(s3_server: S3Server, tmp_path):
    with FaultProxy(s3_server.url) as proxy:
        proxy.add("list-type=2", *["drop"] * 12)  # botocore gives up after 8 attempts; the listing waits and resumes
        result = _run(proxy, tmp_path)
        served = len(proxy.injected)
    assert result.returncode == 0, result.stderr
    assert served == 12
    assert len(load_outputs(tmp_path / "out")) == 4


def _api_run(proxy: FaultProxy, tmp_path, monkeypatch):
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.runner.pipeline import RunOptions, run
    from docbatch.sources.s3 import S3Source

    for name, value in cli_env().items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    # botocore tries once, so the outage is all ours to wait out (a real run's retries only add to it)
    source = S3Source("s3://faults/net/", endpoint_url=proxy.url, retry_mode="standard", max_attempts=1)
    options = RunOptions(download_dir=tmp_path / "dl", num_processes=2, timeout=120)
    return run(source, LocalJSONDestination(tmp_path / "out"), options)


def test_an_outage_during_downloads_is_waited_out(s3_server: S3Server, tmp_path, monkeypatch):
    with FaultProxy(s3_server.url) as proxy:
        proxy.outage("/faults/net/doc", 6.0)  # every download is refused for 6 s, the listing is not
        summary = _api_run(proxy, tmp_path, monkeypatch)
        assert any(fault == "drop" for fault, _ in proxy.injected)
    assert (summary.ok, summary.failed) == (4, 0), [r.reason for r in summary.failures]
    assert len(load_outputs(tmp_path / "out")) == 4


def test_an_outage_outlasting_the_patience_stops_the_run_with_a_sentence(s3_server: S3Server, tmp_path, monkeypatch):
    from docbatch.errors import RunStopped
    from docbatch.runner import worker

    monkeypatch.setattr(worker, "FETCH_PATIENCE", 3.0)  # a real run waits two minutes; workers fork with this
    with FaultProxy(s3_server.url) as proxy:
        proxy.outage("/faults/net/doc", 600.0)
        stopped = r"^Stopped: the source was unreachable for \d+ s while downloading .*rerun"
        with pytest.raises(RunStopped, match=stopped):
            _api_run(proxy, tmp_path, monkeypatch)
    with sqlite3.connect(tmp_path / "out/.docbatch/record.sqlite") as db:
        rows = db.execute("SELECT status FROM documents").fetchall()
    assert 1 <= len(rows) <= 2 and {r for (r,) in rows} == {"failed"}  # the rest are left for the rerun
    assert not (tmp_path / "out/.docbatch/failed").exists()  # nothing remembered as the documents' fault
