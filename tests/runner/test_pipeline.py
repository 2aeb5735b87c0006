"""The pipeline's promises: bad documents fail alone, the run goes on, reruns resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.errors import ConfigError
from docbatch.runner.pipeline import RunOptions, run
from docbatch.runner.record import RunLock
from docbatch.sources.local import LocalSource
from support import cli_env, load_outputs, write_files


def _run(src: Path, out: Path, **kw) -> object:
    options = RunOptions(download_dir=out.parent / "dl", **kw)
    return run(LocalSource(src), LocalJSONDestination(out), options)


def test_crash_hang_and_bug_fail_alone_and_the_run_goes_on(tmp_path, misbehaving_txt):
    src = write_files(
        tmp_path / "src",
        {
            "abort.txt": "ABORT",
            "segv.txt": "SEGV",
            "hang.txt": "HANG",
            "bug.txt": "RAISE",
            **{f"good{i}.txt": f"good document {i}" for i in range(6)},
        },
    )
    summary = _run(src, tmp_path / "out", num_processes=2, timeout=3)
    reasons = {r.key: r.reason for r in summary.failures}
    assert summary.ok == 6 and summary.failed == 4
    assert reasons["abort.txt"] == "worker crashed: SIGABRT"
    assert reasons["segv.txt"] == "worker crashed: SIGSEGV"
    assert reasons["hang.txt"].startswith("timeout")
    assert reasons["bug.txt"] == "internal error: RuntimeError: partitioner bug with a second line"
    assert len(load_outputs(tmp_path / "out")) == 6


def test_memory_cap_fails_the_document_as_out_of_memory(tmp_path, misbehaving_txt):
    src = write_files(tmp_path / "src", {"hog.txt": "MEMORY", "fine.txt": "fine"})
    summary = _run(src, tmp_path / "out", num_processes=1, max_memory=1024**3, timeout=60)
    assert [r.reason for r in summary.failures] == [_OUT_OF_MEMORY]
    assert summary.ok == 1


_OUT_OF_MEMORY = "out of memory (over the --max-memory cap of 1G); raise --max-memory to process it"


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="the memory watch reads /proc (Linux)")
def test_a_c_library_aborting_at_the_memory_cap_is_out_of_memory_not_a_crash(tmp_path, misbehaving_txt):
    src = write_files(tmp_path / "src", {"c.txt": "CMEMORY", "abort.txt": "ABORT", "fine.txt": "fine"})
    summary = _run(src, tmp_path / "out", num_processes=1, max_memory=1024**3, timeout=60)
    reasons = {r.key: r.reason for r in summary.failures}
    assert reasons == {"c.txt": _OUT_OF_MEMORY, "abort.txt": "worker crashed: SIGABRT"}
    assert summary.ok == 1


def test_libxml2_out_of_memory_is_not_a_damaged_file(tmp_path, misbehaving_txt):
    src = write_files(tmp_path / "src", {"big.txt": "XMLMEMORY"})
    summary = _run(src, tmp_path / "out", num_processes=1, max_memory=1024**3, timeout=60)
    assert [r.reason for r in summary.failures] == [_OUT_OF_MEMORY]


def test_unsupported_and_empty_files_are_recorded_not_crashed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "blob.bin").write_bytes(bytes(range(256)) * 10)
    (src / "ok.txt").write_text("Hello\n\nA paragraph of text.")
    summary = _run(src, tmp_path / "out")
    assert summary.ok == 1 and summary.skipped == 1 and summary.failed == 1
    assert summary.failures[0].reason == "empty file (0 bytes)"
    with sqlite3.connect(tmp_path / "out/.docbatch/record.sqlite") as db:
        rows = dict(db.execute("SELECT key, reason FROM documents WHERE status='skipped'").fetchall())
    assert rows == {"blob.bin": "unsupported file type unknown"}


def test_rerun_skips_done_documents_and_reprocess_redoes_them(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nFirst.", "sub/b.txt": "Beta\n\nSecond."})
    first = _run(src, tmp_path / "out")
    assert first.ok == 2
    before = (tmp_path / "out/sub/b.txt.json").read_text()
    second = _run(src, tmp_path / "out")
    assert (second.ok, second.skipped) == (0, 2)
    third = _run(src, tmp_path / "out", reprocess=True)
    assert third.ok == 2
    after = json.loads((tmp_path / "out/sub/b.txt.json").read_text())
    # element ids are deterministic across runs
    assert [e["element_id"] for e in after] == [e["element_id"] for e in json.loads(before)]


def test_an_output_cut_short_is_not_taken_as_done(tmp_path):
    """What a machine crash can leave behind a rename (a file missing its tail, or zeros where
    its tail should be) is reprocessed by the next run; whole outputs are not."""
    src = write_files(tmp_path / "src", {f"d{i}.txt": f"Title {i}\n\nParagraph {i}." for i in range(5)})
    out = tmp_path / "out"
    assert _run(src, out).ok == 5
    whole = (out / "d0.txt.json").read_bytes()
    (out / "d1.txt.json").write_bytes(whole[: len(whole) // 2])  # tail lost
    (out / "d2.txt.json").write_bytes(b"")  # data never reached the disk
    (out / "d3.txt.json").write_bytes(whole[:-8] + bytes(8))  # tail block zeroed
    second = _run(src, out)
    assert _statuses(out, second.run_id) == {
        "d0.txt": "skipped",
        "d1.txt": "ok",
        "d2.txt": "ok",
        "d3.txt": "ok",
        "d4.txt": "skipped",
    }
    for i in (1, 2, 3):
        assert json.loads((out / f"d{i}.txt.json").read_text())[0]["text"] == f"Title {i}"


def test_a_whole_output_of_no_elements_counts_as_done(tmp_path):
    destination = LocalJSONDestination(tmp_path)
    doc = next(iter(LocalSource(write_files(tmp_path / "src", {"x.txt": "x"})).list()))
    name = destination.name_for(doc)
    assert not destination.is_whole(name)
    destination.write(doc, [], None)
    assert (tmp_path / "x.txt.json").read_bytes() == b"[]\n"
    assert destination.is_whole(name)


def _statuses(out: Path, run_id: str) -> dict[str, str]:
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        return dict(db.execute("SELECT key, status FROM documents WHERE run_id = ?", (run_id,)).fetchall())


def test_a_second_run_on_the_same_output_dir_is_refused(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha"})
    out = tmp_path / "out"
    with RunLock(out), pytest.raises(ConfigError, match="Another docbatch run"):
        _run(src, out)


def test_symlink_leaving_the_source_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret\n\nNot for the batch.")
    src = write_files(tmp_path / "src", {"ok.txt": "Fine"})
    (src / "link.txt").symlink_to(secret)
    summary = _run(src, tmp_path / "out")
    assert [r.reason for r in summary.failures] == ["symlink points outside the source folder; refused"]


def test_cli_exit_codes_and_summary(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nFirst.", "empty.txt": ""})
    cmd = [sys.executable, "-m", "docbatch", "local", str(src), "--structured-output-dir", str(tmp_path / "out")]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=cli_env(), timeout=120)
    assert result.returncode == 1
    assert "1 ok, 0 skipped, 1 failed" in result.stderr
    assert "empty.txt: empty file (0 bytes)" in result.stderr
    assert not list(tmp_path.glob("tmp-ingest-*"))  # a local run downloads nothing
    usage = subprocess.run([*cmd[:3], "local"], capture_output=True, text=True, env=cli_env(), timeout=60)
    assert usage.returncode == 2


def test_kill_9_mid_run_then_rerun_completes_with_valid_outputs(tmp_path):
    src = tmp_path / "src"
    for i in range(300):
        write_files(src, {f"d{i // 50}/doc{i:03d}.txt": f"Title {i}\n\n" + "Some body text here. " * 200})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "docbatch", "local", str(src), "--structured-output-dir", str(out)]
    partial = []
    for kill_at in (20, 120, 200):  # kill -9 once this many outputs exist, mid-run
        proc = subprocess.Popen(
            cmd,
            cwd=tmp_path,
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while _count_json(out) < kill_at and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, at once
        proc.wait()
        for path in out.rglob("*.json"):  # every output present is whole
            json.loads(path.read_text())
        partial.append(len(load_outputs(out)))
    assert partial[0] < 300, "the kill came after the run had finished: the test proves nothing"
    rerun = subprocess.run(cmd, cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    outputs = load_outputs(out)
    assert len(outputs) == 300
    assert all(name.endswith(".txt.json") for name in outputs)
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        done = {k for (k,) in db.execute("SELECT key FROM documents WHERE status='ok'")}
        last = db.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
        final = dict(db.execute("SELECT key, reason FROM documents WHERE run_id=?", last).fetchall())
    # each document was recorded ok by some run, or written by a worker just before a kill
    # reached the main process and so found complete ("output exists") by the rerun
    assert len(final) == 300
    assert all(k in done or reason == "output exists" for k, reason in final.items())


def _count_json(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.json")) if out.exists() else 0


def test_element_ids_do_not_depend_on_where_the_source_is_mounted(tmp_path):
    ids = []
    for mount in ("first/mount", "second"):
        src = write_files(tmp_path / mount / "src", {"a/doc.txt": "Title\n\nSame document, another place."})
        out = tmp_path / mount / "out"
        assert _run(src, out).ok == 1
        ids.append([el["element_id"] for el in load_outputs(out)["a/doc.txt.json"]])
    assert len(ids[0]) == 2 and ids[0] == ids[1]


def test_a_corrupt_run_record_is_set_aside_and_a_new_one_started(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nFirst."})
    out = tmp_path / "out"
    (out / ".docbatch").mkdir(parents=True)
    (out / ".docbatch/record.sqlite").write_bytes(b"this is not a database" * 100)
    summary = _run(src, out)
    assert summary.ok == 1
    assert summary.record_set_aside is not None and summary.record_set_aside.name.startswith("record.sqlite.corrupt-")
    assert summary.record_set_aside.read_bytes().startswith(b"this is not a database")
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        assert db.execute("SELECT key, status FROM documents").fetchall() == [("a.txt", "ok")]


def test_a_wall_clock_step_does_not_time_documents_out(tmp_path, misbehaving_txt, monkeypatch):
    """The pool's threads run in this process: a clock jumping an hour ahead mid-document
    once failed every document in flight as a timeout."""
    from docbatch.runner.executors import ProcessExecutor
    from docbatch.runner.worker import Job

    src = write_files(tmp_path / "src", {"slow.txt": "SLOW 1.5", "hang.txt": "HANG"})
    job = Job(source=LocalSource(src), destination=LocalJSONDestination(tmp_path / "out"), download_dir=tmp_path)
    docs = {doc.key: doc for doc in LocalSource(src).list()}
    real_time = time.time
    with ProcessExecutor(job, timeout=4, processes=2) as executor:
        futures = {key: executor.submit(doc) for key, doc in docs.items()}
        time.sleep(0.5)
        monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
        outcomes = {key: executor.outcome(_wait(f), docs[key]) for key, f in futures.items()}
    assert outcomes["slow.txt"].status == "ok", outcomes["slow.txt"].reason
    assert outcomes["hang.txt"].reason == "timeout: still running after 4 s; worker stopped"


def _wait(future, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not future.done() and time.monotonic() < deadline:
        time.sleep(0.05)
    return future


def test_a_timed_out_worker_leaves_no_temporary_folder(tmp_path, misbehaving_txt):
    src = write_files(tmp_path / "src", {"temp.txt": "TEMPHANG", "fine.txt": "fine"})
    summary = _run(src, tmp_path / "out", timeout=2)
    assert summary.ok == 1 and summary.failures[0].reason.startswith("timeout")
    made = Path((src / "temp.txt.tempdir").read_text())
    assert made.name.startswith("docbatch-test-") and not made.exists()
    assert made.parent == tmp_path / "out/.docbatch/tmp"  # where a killed run's leftovers are removed next time


def test_the_summary_keeps_a_bounded_number_of_failures(tmp_path):
    from docbatch.model import DocResult
    from docbatch.runner.pipeline import RunSummary

    summary = RunSummary()
    for i in range(RunSummary.FAILURES_KEPT * 3):
        summary.add(DocResult(f"file:///{i}", f"{i}.pdf", "failed", "damaged", detail="Traceback " * 100))
    assert summary.failed == RunSummary.FAILURES_KEPT * 3
    assert len(summary.failures) == RunSummary.FAILURES_KEPT and summary.failures[0].detail is None


def test_the_run_reports_each_submitted_document_and_a_final_total(tmp_path):
    src = write_files(tmp_path / "src", {f"d{i}.txt": f"Document {i}\n\nText." for i in range(4)})
    submitted: list[str] = []
    totals: list[tuple[int, bool]] = []
    options = RunOptions(download_dir=tmp_path / "dl")
    summary = run(
        LocalSource(src),
        LocalJSONDestination(tmp_path / "out"),
        options,
        on_total=lambda n, final: totals.append((n, final)),
        on_submit=lambda doc: submitted.append(doc.key),
    )
    assert summary.ok == 4
    assert sorted(submitted) == [f"d{i}.txt" for i in range(4)]
    deadline = time.monotonic() + 10  # the count runs in a background thread
    while not totals and time.monotonic() < deadline:
        time.sleep(0.01)
    assert totals == [(4, True)]


def test_the_memory_cap_counts_from_what_a_worker_inherits(tmp_path):
    """A worker forked from a large process (partitioners preloaded, a long test session) starts
    with its parent's address space. Were the cap absolute, a parent already over it left a
    worker whose every allocation failed, and whose memory-watch thread never started: the run
    hung forever. The cap is what a document may add."""
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nA document."})
    big_parent = "import mmap\nbig = mmap.mmap(-1, 2 * 1024**3)\n"  # 2 GiB, untouched, like shared pages
    code = big_parent + "from docbatch.cli import main\nmain()"
    args = ["local", str(src), "--structured-output-dir", str(tmp_path / "out"), "--max-memory", "512M"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args, "--num-processes", "1", "--timeout", "60"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 ok, 0 skipped, 0 failed" in result.stderr


def _wedged_worker(*args: object) -> None:
    """A pool initializer that never returns: a worker stuck before it runs anything."""
    time.sleep(3600)


def test_a_worker_stuck_before_running_anything_stops_the_run_instead_of_hanging(tmp_path, monkeypatch):
    from docbatch.errors import RunStopped
    from docbatch.runner import executors

    monkeypatch.setattr(executors, "start_worker", _wedged_worker)
    monkeypatch.setattr(executors.ProcessExecutor, "QUEUE_GRACE_SECONDS", 1.0)
    src = write_files(tmp_path / "src", {"a.txt": "Alpha", "b.txt": "Beta"})
    started = time.monotonic()
    with pytest.raises(RunStopped, match="no worker started a document in 4 s"):
        _run(src, tmp_path / "out", num_processes=1, timeout=1)
    assert time.monotonic() - started < 60  # three timeouts and the grace, not forever
    assert load_outputs(tmp_path / "out") == {}  # nothing half-done; the rerun does both
