"""The original S3 batch command, driven as a real subprocess against a moto S3 server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from support import S3Server, cli_env, load_outputs, run_cli

DOCS = {
    "docs/readme.txt": b"Read me\n\nThis folder holds the quarterly documents for the team.\n",
    "docs/a/b/notes.txt": b"Notes\n\n- first point\n- second point\n",
    "docs/a/report.txt": b"Report\n\nRevenue grew in every region this quarter.\n",
    "other/ignored.txt": b"Outside the prefix.\n",
}


def _s3(server: S3Server, url: str, tmp_path: Path, *extra: str, env=None):
    args = ["s3", "--s3-url", url, "--endpoint-url", server.url, "--structured-output-dir", str(tmp_path / "out")]
    return run_cli([*args, *extra], cwd=tmp_path, env=env)


@pytest.fixture(scope="module")
def bucket(s3_server: S3Server) -> str:
    s3_server.bucket("signed", DOCS)
    return "signed"


def test_prefix_run_writes_one_json_per_object_with_nested_keys(s3_server, bucket, tmp_path):
    result = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path, "--download-dir", str(tmp_path / "dl"))
    assert result.returncode == 0, result.stderr
    outputs = load_outputs(tmp_path / "out")
    assert sorted(outputs) == ["a/b/notes.txt.json", "a/report.txt.json", "readme.txt.json"]
    notes = outputs["a/b/notes.txt.json"]
    assert [e["type"] for e in notes] == ["Title", "ListItem", "ListItem"]
    assert notes[1]["text"] == "first point"
    source = notes[0]["metadata"]["data_source"]
    assert source["url"] == "s3://signed/docs/a/b/notes.txt"
    assert source["version"]  # the ETag
    assert notes[0]["metadata"]["filename"] == "notes.txt"
    assert notes[0]["metadata"]["filetype"] == "text/plain"
    assert "3 ok, 0 skipped, 0 failed" in result.stderr
    # downloads are removed once processed, and the emptied download dir with them
    assert not (tmp_path / "dl").exists()


def test_prefix_without_trailing_slash_is_a_folder(s3_server, bucket, tmp_path):
    result = _s3(s3_server, f"s3://{bucket}/docs", tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(load_outputs(tmp_path / "out")) == 3


def test_single_object_url(s3_server, bucket, tmp_path):
    result = _s3(s3_server, f"s3://{bucket}/docs/a/report.txt", tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(load_outputs(tmp_path / "out")) == ["report.txt.json"]


def test_rerun_skips_without_downloading_and_reprocess_redoes(s3_server, bucket, tmp_path):
    assert _s3(s3_server, f"s3://{bucket}/docs/", tmp_path).returncode == 0
    s3_server.start_recording()
    again = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 ok, 3 skipped, 0 failed" in again.stderr
    assert [p for p in s3_server.recorded_gets() if "/signed/docs/" in p] == []

    s3_server.start_recording()
    redo = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path, "--reprocess")
    assert "3 ok, 0 skipped, 0 failed" in redo.stderr
    assert len([p for p in s3_server.recorded_gets() if "/signed/docs/" in p]) == 3


def test_preserved_downloads_are_reused_unless_re_download(s3_server, bucket, tmp_path):
    dl = tmp_path / "dl"
    first = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path, "--download-dir", str(dl), "--preserve-downloads")
    assert first.returncode == 0, first.stderr
    assert (dl / "a/b/notes.txt").read_bytes() == DOCS["docs/a/b/notes.txt"]

    s3_server.start_recording()
    reuse = _s3(
        s3_server,
        f"s3://{bucket}/docs/",
        tmp_path,
        "--download-dir",
        str(dl),
        "--reprocess",
        "--preserve-downloads",
        "--no-re-download",
    )
    assert reuse.returncode == 0
    assert [p for p in s3_server.recorded_gets() if "/signed/docs/" in p] == []

    s3_server.start_recording()
    fresh = _s3(
        s3_server,
        f"s3://{bucket}/docs/",
        tmp_path,
        "--download-dir",
        str(dl),
        "--reprocess",
        "--preserve-downloads",
        "--re-download",
    )
    assert fresh.returncode == 0
    assert len([p for p in s3_server.recorded_gets() if "/signed/docs/" in p]) == 3


def test_default_download_dir_is_tmp_ingest_random(s3_server, bucket, tmp_path):
    result = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path, "--preserve-downloads")
    assert result.returncode == 0
    made = [p.name for p in tmp_path.iterdir() if p.name.startswith("tmp-ingest-")]
    assert len(made) == 1 and len(made[0]) == len("tmp-ingest-") + 6
    assert (tmp_path / made[0] / "readme.txt").is_file()


def test_anonymous_reads_a_public_bucket_and_is_refused_by_a_private_one(s3_server, bucket, tmp_path):
    s3_server.bucket("public", {"p/open.txt": b"Open data\n\nAnyone can read this file.\n"}, public=True)
    anon_env = {k: v for k, v in cli_env().items() if not k.startswith("AWS_ACCESS") and "SECRET" not in k}
    ok = _s3(s3_server, "s3://public/p/", tmp_path, "--anonymous", env=anon_env)
    assert ok.returncode == 0, ok.stderr
    assert list(load_outputs(tmp_path / "out")) == ["open.txt.json"]

    (tmp_path / "x").mkdir()
    denied = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path / "x", "--anonymous", env=anon_env)
    # real S3 refuses the listing (exit 2); moto lists but refuses each GET (exit 1): both say why
    assert denied.returncode in (1, 2)
    assert "Access denied" in denied.stderr and "Traceback" not in denied.stderr
    assert load_outputs(tmp_path / "x" / "out") == {}


def test_missing_bucket_and_missing_credentials_are_one_sentence(s3_server, tmp_path):
    missing = _s3(s3_server, "s3://no-such-bucket/x/", tmp_path)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr

    no_creds = {k: v for k, v in cli_env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    result = _s3(s3_server, "s3://signed/docs/", tmp_path, env=no_creds)
    assert result.returncode == 2
    assert "No AWS credentials" in result.stderr and "Traceback" not in result.stderr


def test_bad_url_is_a_usage_error(tmp_path):
    result = run_cli(["s3", "--s3-url", "https://example/x"], cwd=tmp_path)
    assert result.returncode == 2
    assert "not an S3 URL" in result.stderr


def test_keys_a_file_system_would_merge_each_get_their_own_output(s3_server, tmp_path):
    """On S3 these are five objects; cleaned into paths they once shared one output and one download."""
    docs = {
        "odd/c/d.txt": b"Plain\n\nThe plain key.\n",
        "odd/c//d.txt": b"Double\n\nThe key with an empty part.\n",
        "odd/c/./d.txt": b"Dot\n\nThe key with a dot part.\n",
        "odd/c\\d.txt": b"Backslash\n\nThe key with a backslash.\n",
        "odd/../../escape.txt": b"Escape\n\nThe key that climbs.\n",
    }
    s3_server.bucket("merging", docs)
    (tmp_path / "w").mkdir()
    dl = tmp_path / "w/dl"
    result = _s3(s3_server, "s3://merging/odd/", tmp_path / "w", "--download-dir", str(dl), "--preserve-downloads")
    assert result.returncode == 0, result.stderr
    assert "5 ok, 0 skipped, 0 failed" in result.stderr
    outputs = load_outputs(tmp_path / "w/out")
    assert {name: doc[1]["text"] for name, doc in outputs.items()} == {
        "c/d.txt.json": "The plain key.",
        "c/%/d.txt.json": "The key with an empty part.",
        "c/%./d.txt.json": "The key with a dot part.",
        "%c%5Cd.txt.json": "The key with a backslash.",
        "%../%../escape.txt.json": "The key that climbs.",
    }
    downloads = sorted(p.relative_to(dl).as_posix() for p in dl.rglob("*") if p.is_file())
    assert downloads == ["%../%../escape.txt", "%c%5Cd.txt", "c/%./d.txt", "c/%/d.txt", "c/d.txt"]
    assert all(p.is_relative_to(tmp_path / "w") for p in tmp_path.rglob("escape.txt*"))


def test_two_processes_and_run_record(s3_server, tmp_path):
    files = {f"many/{i:03d}.txt": f"Doc {i}\n\nBody of document number {i}.\n".encode() for i in range(30)}
    s3_server.bucket("many", files)
    result = _s3(s3_server, "s3://many/many/", tmp_path, "--num-processes", "2")
    assert result.returncode == 0, result.stderr
    outputs = load_outputs(tmp_path / "out")
    assert len(outputs) == 30
    assert outputs["007.txt.json"][1]["text"] == "Body of document number 7."
    with sqlite3.connect(tmp_path / "out/.docbatch/record.sqlite") as db:
        rows = db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status").fetchall()
        versions = db.execute("SELECT version FROM documents").fetchall()
    assert rows == [("ok", 30)]
    assert all(v[0] for v in versions)


def test_output_is_valid_json_list(s3_server, bucket, tmp_path):
    _s3(s3_server, f"s3://{bucket}/docs/readme.txt", tmp_path)
    data = json.loads((tmp_path / "out/readme.txt.json").read_text())
    assert isinstance(data, list) and {"type", "element_id", "text", "metadata"} <= set(data[0])


def test_listing_is_lazy_one_page_at_a_time(s3_server, tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from docbatch.sources.s3 import S3Source

    s3_server.client.create_bucket(Bucket="big")
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(lambda i: s3_server.client.put_object(Bucket="big", Key=f"k/{i:05d}.txt", Body=b"x"), range(1100))
        )
    for key, value in cli_env().items():
        monkeypatch.setenv(key, value)
    source = S3Source("s3://big/k/", endpoint_url=s3_server.url)
    source.check()
    s3_server.start_recording()
    listing = source.list()
    first = next(listing)
    assert first.key == "00000.txt"
    pages = [p for p in _recorded_urls(s3_server) if "list-type=2" in p]
    assert len(pages) == 1  # the first document is ready after one page of 1,000 keys
    assert sum(1 for _ in listing) == 1099


def _recorded_urls(server: S3Server) -> list[str]:
    import urllib.request

    body = urllib.request.urlopen(f"{server.url}/moto-api/recorder/download-recording").read().decode()
    return [
        json.loads(line).get("url", "") + "?" + str(json.loads(line).get("querystring", ""))
        for line in body.splitlines()
        if line.strip()
    ]


def test_each_worker_opens_its_own_client(s3_server):
    """A forked worker must not read from the parent's pooled connections (the two processes
    would read each other's responses and hang): the Job it keeps has no client yet."""
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.runner import worker
    from docbatch.sources.s3 import S3Source

    source = S3Source("s3://any-bucket/prefix/", endpoint_url=s3_server.url)
    parent_client = source.client  # the parent lists with it before the pool starts
    job = worker.Job(source=source, destination=LocalJSONDestination(Path("out")), download_dir=Path("dl"))
    worker.start_worker(job, None)
    try:
        kept = worker._job
        assert kept is not None and kept.source is not source
        assert kept.source._client is None
        assert kept.source.client is not parent_client
    finally:
        worker._job = None


def test_a_prefix_that_matches_nothing_exits_2(s3_server, bucket, tmp_path):
    result = _s3(s3_server, f"s3://{bucket}/doc/", tmp_path)  # a typo of docs/
    assert result.returncode == 2
    assert "Nothing to process: s3 s3://signed/doc/ lists no documents" in result.stderr


def test_failed_and_skipped_downloads_leave_no_download_dir_behind(s3_server, tmp_path):
    s3_server.bucket(
        "leftovers",
        {
            "d/empty.txt": b"",
            "d/sound.wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64),
            "d/fine.txt": b"Fine\n\nA document.\n",
        },
    )
    result = _s3(s3_server, "s3://leftovers/d/", tmp_path)  # the default download dir: tmp-ingest-XXXXXX
    assert result.returncode == 1, result.stderr
    assert "1 ok, 1 skipped, 1 failed" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_partial_downloads_a_stopped_worker_left_are_removed_and_nothing_else(s3_server, bucket, tmp_path):
    dl = tmp_path / "dl"
    (dl / "a").mkdir(parents=True)
    (dl / "a/.~0123456789abcdef.part").write_bytes(b"half a download")  # as a worker killed mid-fetch leaves it
    (dl / "mine.txt").write_text("not docbatch's")
    result = _s3(s3_server, f"s3://{bucket}/docs/", tmp_path, "--download-dir", str(dl))
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(dl).as_posix() for p in dl.rglob("*")) == ["mine.txt"]
