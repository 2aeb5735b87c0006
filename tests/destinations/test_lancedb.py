"""A local folder, chunked and embedded, into a LanceDB table on disk through the CLI: vectors
searchable, reruns that redo nothing, changed documents that keep no old vectors, and kill -9
then a rerun that leaves nothing missing and nothing twice."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from support import cli_env, kill_mid_run, run_cli, touch_later, write_files

lancedb = pytest.importorskip("lancedb", reason="lancedb is not installed: pip install '.[lancedb]'")


def _flags(local_model: str) -> list[str]:
    return ["--embedding-provider", "local", "--embedding-model-name", local_model, "--chunking-strategy", "basic"]


def _run(src: Path, url: str, *extra: str, cwd: Path) -> subprocess.CompletedProcess:
    env = cli_env(XDG_CACHE_HOME=str(cwd / "cache"))
    return run_cli(["local", str(src), "--output", url, *extra], cwd=cwd, env=env)


def _rows(db: Path) -> list[dict]:
    table = lancedb.connect(str(db)).open_table("chunks")
    return sorted(table.to_arrow().to_pylist(), key=lambda r: (r["doc_key"], r["seq"]))


def test_vectors_are_searchable_and_follow_changes(local_model, tmp_path):
    db = tmp_path / "db"
    url = f"lancedb://{db}?table=chunks"
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nOld text.", "b.txt": "Beta\n\nSame text."})
    first = _run(src, url, *_flags(local_model), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    rows = _rows(db)
    assert [(r["doc_key"], r["filename"]) for r in rows] == [("a.txt", "a.txt"), ("b.txt", "b.txt")]
    assert all(len(r["vector"]) == 8 for r in rows)
    table = lancedb.connect(str(db)).open_table("chunks")
    assert table.search(rows[1]["vector"]).limit(1).to_list()[0]["doc_key"] == "b.txt"  # top-k finds it

    again = _run(src, url, *_flags(local_model), cwd=tmp_path)
    assert "0 ok, 2 skipped, 0 failed" in again.stderr, again.stderr

    touch_later(src / "a.txt", "Gamma\n\nNew text and more.")
    changed = _run(src, url, *_flags(local_model), cwd=tmp_path)
    assert "1 ok, 1 skipped, 0 failed" in changed.stderr, changed.stderr
    texts = [(r["doc_key"], r["text"]) for r in _rows(db)]
    assert texts == [("a.txt", "Gamma\n\nNew text and more."), ("b.txt", "Beta\n\nSame text.")]  # no old vector


def test_flattened_metadata_and_another_model_dimension(local_model, tmp_path):
    db = tmp_path / "db"
    url = f"lancedb://{db}?table=chunks"
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    done = _run(src, url, *_flags(local_model), "--flatten-metadata", "--metadata-exclude", "languages", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [row] = _rows(db)
    assert row["filename"] == "a.txt" and '"data_source_url"' in row["metadata"] and "languages" not in row["metadata"]

    from embedding_support import make_local_model

    wider = make_local_model(tmp_path / "wider", dim=16)
    refused = _run(src, url, *_flags(str(wider)), cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert "holds 8-dimensional embeddings" in refused.stderr and "Traceback" not in refused.stderr


def test_kill_9_then_rerun_leaves_nothing_missing_and_nothing_twice(fake_openai, tmp_path):
    db = tmp_path / "db"
    url = f"lancedb://{db}?table=chunks"
    files = {f"d{i:02}.txt": f"Title {i}\n\nBody of document {i}.\n\nMore of {i}." for i in range(16)}
    src = write_files(tmp_path / "src", files)
    flags = ["--embedding-provider", "openai", "--embedding-base-url", fake_openai.url, "--embedding-batch-size", "1"]
    cmd = [sys.executable, "-m", "docbatch", "local", str(src), "--output", url, *flags, "--num-processes", "2"]
    fake_openai.delay = 0.05  # each document takes a few requests: the kill lands between commits
    env = cli_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    kill_mid_run(cmd, lambda: len(fake_openai.requests) >= 12, cwd=tmp_path, env=env)
    fake_openai.delay = 0.0
    rerun = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    rows = _rows(db)
    assert sorted({r["doc_key"] for r in rows}) == sorted(files)  # nothing missing
    assert max(Counter((r["doc_key"], r["seq"]) for r in rows).values()) == 1  # nothing twice
    assert Counter(r["doc_key"] for r in rows) == {name: 3 for name in files}
    assert all(r["vector"] is not None for r in rows)
