"""S3 in and S3 out, as a user runs it: the CLI as a subprocess against moto's server on 127.0.0.1.

Reruns must decide from one listing of the output prefix (no GET or HEAD per document), follow
changes and deletions in the source bucket, refuse a second source, and recover from kill -9.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from support import S3Server, cli_env, kill_mid_run, run_cli


def _docs(n: int, version: str = "v1") -> dict[str, bytes]:
    return {
        f"docs/d{i // 40}/doc{i:03d}.txt": f"Title {i} {version}\n\nBody of {i}, {version}.\n".encode()
        for i in range(n)
    }


@pytest.fixture
def buckets(s3_server: S3Server) -> tuple[str, str]:
    name = uuid.uuid4().hex[:8]
    s3_server.bucket(f"src-{name}", _docs(5))
    s3_server.client.create_bucket(Bucket=f"out-{name}")
    return f"src-{name}", f"out-{name}"


def _run(
    server: S3Server, source: str, output: str, *extra: str, cwd, machine: str = "one"
) -> subprocess.CompletedProcess:
    """The CLI; ``machine`` names the local state folder, so another name acts as another machine."""
    args = ["s3", "--s3-url", source, "--endpoint-url", server.url, "--structured-output-dir", output, *extra]
    return run_cli(args, cwd=cwd, env=cli_env(XDG_CACHE_HOME=str(cwd / f"cache-{machine}")))


def _outputs(server: S3Server, bucket: str, prefix: str = "out/") -> dict[str, list[dict]]:
    """Every output object under the prefix (markers and records excluded), parsed."""
    found = {}
    for page in server.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", ()):
            rel = obj["Key"][len(prefix) :]
            if not rel.startswith(".docbatch/"):
                found[rel] = json.loads(server.client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
    return found


def _markers(server: S3Server, bucket: str, kind: str) -> list[str]:
    prefix = f"out/.docbatch/{kind}/"
    pages = server.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [obj["Key"][len(prefix) :] for page in pages for obj in page.get("Contents", ())]


def _requests(server: S3Server) -> list[tuple[str, str, str]]:
    """(method, path, query) of every request moto recorded since start_recording."""
    body = urllib.request.urlopen(f"{server.url}/moto-api/recorder/download-recording").read().decode()
    entries = [json.loads(line) for line in body.splitlines() if line.strip()]
    return [(e["method"], *e["url"].partition("?")[::2]) for e in entries]


def test_s3_to_s3_writes_outputs_and_a_rerun_reads_one_listing(s3_server, buckets, tmp_path):
    src, out = buckets
    first = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    outputs = _outputs(s3_server, out)
    assert sorted(outputs) == [f"d0/doc{i:03d}.txt.json" for i in range(5)]
    assert outputs["d0/doc001.txt.json"][0]["text"] == "Title 1 v1"
    assert len(_markers(s3_server, out, "done")) == 5
    # the run record is kept with the outputs, as the run's copy and as the latest (what report reads)
    assert sorted(_markers(s3_server, out, "records"))[1:] == ["latest.sqlite"]

    s3_server.start_recording()
    again = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 ok, 5 skipped, 0 failed" in again.stderr
    requests = _requests(s3_server)
    per_document = [r for r in requests if r[0] in ("GET", "HEAD") and ".txt" in r[1]]
    assert per_document == []  # no GET or HEAD of any document or output
    output_listings = [r for r in requests if r[0] == "GET" and r[1].endswith(f"/{out}") and "list-type" in r[2]]
    assert len(output_listings) == 2  # the reachability check, then the one listing
    assert len(requests) == 7  # and the source's check and listing, the output's source marker, the record twice

    elsewhere = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path, machine="two")
    assert "0 ok, 5 skipped, 0 failed" in elsewhere.stderr  # nothing local is needed to resume


def test_changed_new_and_deleted_documents(s3_server, buckets, tmp_path):
    src, out = buckets
    assert _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path).returncode == 0
    s3_server.client.put_object(Bucket=src, Key="docs/d0/doc001.txt", Body=b"Title 1 v2\n\nChanged.\n")
    s3_server.client.put_object(Bucket=src, Key="docs/d0/new.txt", Body=b"New\n\nAdded.\n")
    s3_server.client.delete_object(Bucket=src, Key="docs/d0/doc004.txt")
    rerun = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert "2 ok, 3 skipped, 0 failed" in rerun.stderr
    assert "Deleted from the source: 1" in rerun.stderr
    outputs = _outputs(s3_server, out)
    assert outputs["d0/doc001.txt.json"][0]["text"] == "Title 1 v2"
    assert "d0/doc004.txt.json" in outputs  # reported, kept
    removed = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", "--delete-orphans", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert "d0/doc004.txt.json" not in _outputs(s3_server, out)
    assert not [m for m in _markers(s3_server, out, "done") if m.startswith("d0/doc004.txt.json.")]


def test_a_changed_document_is_downloaded_again_even_when_downloads_are_kept(s3_server, buckets, tmp_path):
    src, out = buckets
    keep = ("--preserve-downloads", "--download-dir", str(tmp_path / "dl"))
    assert _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", *keep, cwd=tmp_path).returncode == 0
    time.sleep(1.1)  # S3's Last-Modified has one-second resolution
    same_size = b"Title 1 v3\n\nBody of 1, v3.\n"
    s3_server.client.put_object(Bucket=src, Key="docs/d0/doc001.txt", Body=same_size)
    rerun = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", *keep, cwd=tmp_path)
    assert "1 ok, 4 skipped" in rerun.stderr, rerun.stderr
    assert _outputs(s3_server, out)["d0/doc001.txt.json"][0]["text"] == "Title 1 v3"


def test_a_second_source_is_refused_with_exit_2(s3_server, buckets, tmp_path):
    src, out = buckets
    assert _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path).returncode == 0
    other = _run(s3_server, f"s3://{src}/docs/d0/", f"s3://{out}/out/", cwd=tmp_path)
    assert other.returncode == 2
    assert "--allow-other-source" in other.stderr and "Traceback" not in other.stderr
    assert len(_outputs(s3_server, out)) == 5


def test_an_unreachable_or_missing_output_bucket_is_one_sentence(s3_server, buckets, tmp_path):
    src, _ = buckets
    missing = _run(s3_server, f"s3://{src}/docs/", "s3://no-such-bucket-here/out/", cwd=tmp_path)
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr and "Traceback" not in missing.stderr


def test_kill_9_mid_run_then_rerun_leaves_nothing_missing_duplicated_or_stale(s3_server, tmp_path):
    name = uuid.uuid4().hex[:8]
    src, out = f"src-{name}", f"out-{name}"
    s3_server.bucket(src, _docs(120))
    s3_server.client.create_bucket(Bucket=out)
    assert _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", cwd=tmp_path).returncode == 0
    old_stamps = set(_markers(s3_server, out, "done"))
    for key, body in _docs(120, "v2").items():  # every document changes
        s3_server.client.put_object(Bucket=src, Key=key, Body=body)
    cmd = [sys.executable, "-m", "docbatch", "s3", "--s3-url", f"s3://{src}/docs/", "--endpoint-url", s3_server.url]
    cmd += ["--structured-output-dir", f"s3://{out}/out/"]
    env = cli_env(XDG_CACHE_HOME=str(tmp_path / "cache-one"))

    def redone_20() -> bool:  # a few documents have their new output: mid-run
        return len(set(_markers(s3_server, out, "done")) - old_stamps) >= 20

    kill_mid_run(cmd, redone_20, cwd=tmp_path, env=env)
    rerun = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    outputs = _outputs(s3_server, out)
    assert len(outputs) == 120
    assert all(elements[0]["text"].endswith("v2") for elements in outputs.values())  # nothing stale
    stamps = _markers(s3_server, out, "done")
    assert len(stamps) == 120 and len({s.rsplit(".", 1)[0] for s in stamps}) == 120  # one stamp per output


def _keys(server: S3Server, bucket: str) -> list[str]:
    pages = server.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", ()))


@pytest.mark.parametrize("output", ["", "docs/", "docs/out/"])
def test_an_output_overlapping_the_source_prefix_is_refused_with_exit_2(s3_server, buckets, tmp_path, output):
    """The bucket root above the source, the source prefix itself, or a prefix inside it: outputs
    would mix with the documents (and be listed as documents next time)."""
    src, _ = buckets
    before = _keys(s3_server, src)
    result = _run(s3_server, f"s3://{src}/docs/", f"s3://{src}/{output}", "--delete-orphans", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "source" in result.stderr and "Traceback" not in result.stderr
    assert _keys(s3_server, src) == before  # nothing written, nothing deleted


def test_delete_orphans_keeps_objects_docbatch_did_not_write(s3_server, buckets, tmp_path):
    src, out = buckets
    s3_server.client.put_object(Bucket=out, Key="out/notes.json", Body=b'{"mine": true}')
    for _ in range(2):
        result = _run(s3_server, f"s3://{src}/docs/", f"s3://{out}/out/", "--delete-orphans", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Deleted from the source" not in result.stderr
    assert s3_server.client.get_object(Bucket=out, Key="out/notes.json")["Body"].read() == b'{"mine": true}'
