"""The fsspec source, on fsspec's local filesystem through a file:// URL (downloads and all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.runner.pipeline import RunOptions, run
from docbatch.sources.fsspec import FsspecSource
from support import load_outputs, run_cli
from webhdfs import WebHDFSServer


def test_fsspec_url_is_listed_downloaded_and_cleaned(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Alpha\n\nThe first document.")
    (src / "sub" / "b.txt").write_text("Beta\n\n- one\n- two")
    out, dl = tmp_path / "out", tmp_path / "dl"
    args = ["fsspec", f"file://{src}", "--structured-output-dir", str(out), "--download-dir", str(dl)]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = load_outputs(out)
    assert sorted(outputs) == ["a.txt.json", "sub/b.txt.json"]
    assert [e["type"] for e in outputs["sub/b.txt.json"]] == ["Title", "ListItem", "ListItem"]
    assert outputs["a.txt.json"][0]["metadata"]["data_source"]["url"] == f"file://{src}/a.txt"
    assert not dl.exists()
    again = run_cli(args, cwd=tmp_path)
    assert "0 ok, 2 skipped, 0 failed" in again.stderr


def test_missing_fsspec_path_is_one_sentence(tmp_path):
    result = run_cli(["fsspec", f"file://{tmp_path}/nope"], cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def _webhdfs_tree(root: Path) -> Path:
    for name in ("a.txt", "sub/b.txt", "sub/c.txt", "z/d.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"Heading {name}\n\nSome text of {name}.")
    return root


def test_a_short_outage_while_listing_is_waited_out(tmp_path, monkeypatch):
    pytest.importorskip("requests", reason="fsspec's webhdfs filesystem needs requests")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    root = _webhdfs_tree(tmp_path / "hdfs")
    with WebHDFSServer(root) as server:
        server.fail("/sub", 2)  # a 503, then a dropped connection: about 3 s of outage
        summary = run(
            FsspecSource(f"{server.url}/"),
            LocalJSONDestination(tmp_path / "out"),
            RunOptions(download_dir=tmp_path / "dl", num_processes=1),
        )
    assert server.failed == ["/sub", "/sub"]
    assert (summary.ok, summary.failed) == (4, 0), [r.reason for r in summary.failures]
    assert sorted(load_outputs(tmp_path / "out")) == ["a.txt.json", "sub/b.txt.json", "sub/c.txt.json", "z/d.txt.json"]


def test_an_outage_longer_than_the_patience_fails_the_folder_with_a_reason(tmp_path, monkeypatch):
    pytest.importorskip("requests", reason="fsspec's webhdfs filesystem needs requests")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    root = _webhdfs_tree(tmp_path / "hdfs")
    with WebHDFSServer(root) as server:
        server.fail("/sub", 1000)
        source = FsspecSource(f"{server.url}/")
        source.listing_patience = 2.0  # a real run waits two minutes
        summary = run(source, LocalJSONDestination(tmp_path / "out"), RunOptions(download_dir=tmp_path / "dl"))
    assert summary.ok == 2
    (failure,) = summary.failures
    assert failure.key == "sub/"
    assert failure.reason.startswith("folder not listed: the server was unreachable for ")
