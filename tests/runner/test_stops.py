"""Faults every later document would meet too stop the run at once, in one sentence, exit 2."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from docbatch.paths import safe_join, temp_path
from docbatch.runner.pipeline import SOURCE_FAULTS_TO_STOP
from faultproxy import FaultProxy
from support import S3Server, load_outputs, run_cli, without_root_override


def _docs(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"doc{i:02d}.txt").write_text(f"Document {i}\n\nBody {i}.")
    return folder


def _record(out: Path) -> tuple[tuple, int]:
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        run = db.execute("SELECT ok, skipped, failed, finished IS NOT NULL FROM runs").fetchone()
        rows = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    return run, rows


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full to fill a disk")
def test_a_full_output_disk_stops_the_run_at_once(tmp_path):
    src = _docs(tmp_path / "src", 30)
    out = tmp_path / "out"
    # The first document's temporary output file leads to /dev/full: its write fails with ENOSPC.
    tmp = temp_path(safe_join(out, "doc00.txt", ".json"), ".tmp")
    tmp.parent.mkdir(parents=True)
    tmp.symlink_to("/dev/full")
    args = ["local", str(src), "--structured-output-dir", str(out), "--num-processes", "1"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"Stopped: output disk full at {out}; free space and rerun to resume." in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("internal error") == 0
    (ok, skipped, failed, finished), rows = _record(out)
    assert finished and ok + skipped + failed == rows and failed == 1 and ok < 29
    rerun = run_cli(args, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert len(load_outputs(out)) == 30


def test_a_read_only_output_dir_is_one_sentence_and_exit_2(tmp_path):
    prefix = without_root_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: no folder can be made read-only")
    src = _docs(tmp_path / "src", 2)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path, prefix=prefix)
    finally:
        out.chmod(0o755)
    assert result.returncode == 2
    assert f"output dir {out} is not writable (Permission denied)" in result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr


def test_a_source_refusing_every_object_stops_the_run(s3_server: S3Server, tmp_path):
    count = SOURCE_FAULTS_TO_STOP * 3
    s3_server.bucket("refusing", {f"docs/doc{i:02d}.txt": f"Doc {i}\n\nBody {i}.\n".encode() for i in range(count)})
    with FaultProxy(s3_server.url) as proxy:
        proxy.add("/refusing/docs/", *["403"] * count * 3)
        args = ["s3", "--s3-url", "s3://refusing/docs/", "--endpoint-url", proxy.url]
        result = run_cli([*args, "--structured-output-dir", str(tmp_path / "out")], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"Stopped: the source failed to deliver {SOURCE_FAULTS_TO_STOP} documents in a row" in result.stderr
    assert "Access denied" in result.stderr
    (ok, _skipped, failed, finished), rows = _record(tmp_path / "out")
    assert finished and ok == 0 and failed == rows and SOURCE_FAULTS_TO_STOP <= rows < count
