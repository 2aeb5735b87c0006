"""The run record stays small over many reruns, sets aside what it cannot trust, and a report
reads it from any output: a folder, S3, an fsspec store, PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.runner.pipeline import RunOptions, run
from docbatch.runner.record import KEEP_RUNS, read_run
from docbatch.sources.local import LocalSource
from support import S3Server, cli_env, run_cli, write_files


def _run(src, out):
    options = RunOptions(download_dir=out.parent / "dl", num_processes=1)
    return run(LocalSource(src), LocalJSONDestination(out), options)


def test_skip_all_reruns_do_not_grow_the_record_and_report_still_tells_everything(tmp_path):
    src = write_files(tmp_path / "src", {f"doc{i:03d}.txt": f"Doc {i}\n\nBody {i}." for i in range(200)})
    (src / "empty.txt").write_bytes(b"")  # failed, then skipped as failed before
    out = tmp_path / "out"
    _run(src, out)
    rows_after = []
    for _ in range(KEEP_RUNS + 3):
        _run(src, out)
        with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
            rows_after.append(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    # the first run's 201 outcomes and the latest run's 201 skips: not 201 more every run
    assert rows_after[-1] == rows_after[0] == 402, rows_after
    run_row, rows = read_run(out)  # the latest run, in full
    assert run_row["skipped"] == 201 and len(rows) == 201
    now_row, now = read_run(out, now=True)
    assert len(now) == 201 and now_row["ok"] == 200 and now_row["failed"] == 1
    assert {r["key"]: r["status"] for r in now}["empty.txt"] == "failed"


def test_older_runs_keep_only_what_is_still_a_documents_latest_outcome(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "A\n\nfirst", "b.txt": "B\n\nfirst"})
    out = tmp_path / "out"
    _run(src, out)
    for i in range(KEEP_RUNS + 2):  # a.txt changes every run; b.txt never again
        (src / "a.txt").write_text(f"A\n\nversion {i}")
        _run(src, out)
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        a_rows = db.execute("SELECT count(*) FROM documents WHERE key = 'a.txt'").fetchone()[0]
        b_rows = db.execute("SELECT status FROM documents WHERE key = 'b.txt'").fetchall()
    assert a_rows == KEEP_RUNS  # the last runs' rows; older ones were not its latest outcome
    assert sorted(b_rows) == [("ok",), ("skipped",)]  # its outcome (first run) and the latest skip
    _, now = read_run(out, now=True)
    assert {r["key"]: r["status"] for r in now} == {"a.txt": "ok", "b.txt": "ok"}


@pytest.mark.parametrize("damage", ["folder", "garbage"])
def test_a_record_replaced_by_a_folder_or_damaged_in_its_middle_is_set_aside(tmp_path, damage):
    src = write_files(tmp_path / "src", {f"doc{i:03d}.txt": f"Doc {i}\n\n" + "body " * 200 for i in range(300)})
    out = tmp_path / "out"
    _run(src, out)
    record = out / ".docbatch/record.sqlite"
    if damage == "folder":
        record.unlink()
        (record / "inside").mkdir(parents=True)
    else:
        size = record.stat().st_size
        assert size > 16 * 4096
        with record.open("r+b") as f:  # the header stays whole; pages in the middle are garbage
            f.seek(size // 2)
            f.write(b"\xde\xad\xbe\xef" * 2048)
    (src / "new.txt").write_text("New\n\nA new one.")
    summary = _run(src, out)
    assert summary.record_set_aside is not None and summary.record_set_aside.name.startswith("record.sqlite.corrupt-")
    assert summary.ok == 1 and summary.skipped == 300
    assert read_run(out)[0]["run_id"] == summary.run_id


def test_report_reads_the_record_an_s3_output_keeps(s3_server: S3Server, tmp_path):
    bucket = f"rep-{uuid.uuid4().hex[:8]}"
    s3_server.bucket(bucket, {"in/a.txt": b"A\n\nalpha", "in/empty.txt": b""})
    env = cli_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    args = ["s3", "--s3-url", f"s3://{bucket}/in/", "--endpoint-url", s3_server.url]
    args += ["--structured-output-dir", f"s3://{bucket}/out/"]
    assert run_cli(args, cwd=tmp_path, env=env).returncode == 1
    assert run_cli(args, cwd=tmp_path, env=env).returncode == 0  # the failure is remembered: skipped
    report = ["report", f"s3://{bucket}/out/", "--endpoint-url", s3_server.url]
    latest = run_cli(report, cwd=tmp_path, env=env)
    assert latest.returncode == 0, latest.stderr
    assert "0 ok, 2 skipped, 0 failed" in latest.stdout.splitlines()[0]
    now = run_cli([*report, "--now", "--failed"], cwd=tmp_path, env=env)
    assert now.returncode == 0, now.stderr
    assert now.stdout.splitlines()[1:] == ["failed  empty.txt: empty file (0 bytes)"]
    missing = run_cli(["report", f"s3://{bucket}/nothing/", "--endpoint-url", s3_server.url], cwd=tmp_path, env=env)
    assert missing.returncode == 2 and missing.stderr.startswith("Error: No run record in s3://")


def test_report_reads_the_record_a_postgresql_table_keeps(pg_server, tmp_path):
    pytest.importorskip("psycopg")
    src = write_files(tmp_path / "src", {"a.txt": "A\n\nalpha"})
    (src / "empty.txt").write_bytes(b"")
    url = f"{pg_server.url}?table=t_{uuid.uuid4().hex[:8]}"
    env = cli_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert run_cli(["local", str(src), "--output", url], cwd=tmp_path, env=env).returncode == 1
    report = run_cli(["report", url, "--format", "csv"], cwd=tmp_path, env=env)
    assert report.returncode == 0, report.stderr
    assert "failed,empty.txt,empty file (0 bytes)" in report.stdout and "secret" not in report.stdout + report.stderr


def test_report_reads_the_record_an_fsspec_output_keeps(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "A\n\nalpha"})
    url = f"memory://rep-{uuid.uuid4().hex[:8]}/out"
    # memory:// lives in one process: run and report through the library there
    from click.testing import CliRunner

    from docbatch.cli import main

    runner = CliRunner()
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = runner.invoke(main, ["local", str(src), "--structured-output-dir", url], env=env)
    assert done.exit_code == 0, done.output
    report = runner.invoke(main, ["report", url, "--now"], env=env)
    assert report.exit_code == 0, report.output
    assert "ok      a.txt" in report.output.splitlines()
