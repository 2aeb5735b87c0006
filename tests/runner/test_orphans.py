"""A killed main process takes its workers with it, and never leaves a lock that blocks a rerun."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from support import REPO, cli_env, run_cli

#: The CLI with .txt routed to the test partitioner that hangs on command (tests/_partitioners.py).
_HANGING_CLI = (
    "import sys; sys.path.insert(0, sys.argv.pop(1));"
    "from docbatch.partitioners import registry; registry.register('txt', '_partitioners:misbehave');"
    "from docbatch.cli import main; main(prog_name='docbatch')"
)


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.skipif(sys.platform != "linux", reason="kills and inspects processes the Linux way")
def test_workers_die_with_a_killed_main_and_the_rerun_starts(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "hang.txt").write_text("HANG")
    out = tmp_path / "out"
    args = ["local", str(src), "--structured-output-dir", str(out), "--num-processes", "1"]
    main = subprocess.Popen(
        [sys.executable, "-c", _HANGING_CLI, str(REPO / "tests"), *args, "--timeout", "600"],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        parent = psutil.Process(main.pid)
        assert _wait_for(lambda: parent.children(), 30), "no worker started"
        workers = parent.children(recursive=True)
        time.sleep(1.5)  # the worker has taken the hanging document
        main.send_signal(signal.SIGKILL)
        main.wait(10)
        _gone, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == [], f"orphan workers still running: {[p.pid for p in alive]}"
    finally:
        main.kill()
        for child in psutil.Process().children(recursive=True):
            child.kill()
    (src / "hang.txt").write_text("Not hanging any more\n\nA plain document.")
    rerun = run_cli(args, cwd=tmp_path, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 ok, 0 skipped, 0 failed" in rerun.stderr


def _fork(child) -> int:
    """Run ``child()`` in a forked process that ends with it; return its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            child()
        finally:
            os._exit(0)
    return pid


@pytest.mark.skipif(sys.platform != "linux", reason="fork without exec, as pool workers start")
def test_a_forked_child_does_not_keep_a_dead_parents_lock(tmp_path: Path):
    from docbatch.runner.record import RunLock

    def lock_fork_and_die() -> None:  # take the lock, fork a long-lived child, die without unlocking
        RunLock(tmp_path).__enter__()
        (tmp_path / "child.pid").write_text(str(_fork(lambda: time.sleep(60))))

    os.waitpid(_fork(lock_fork_and_die), 0)
    child = psutil.Process(int((tmp_path / "child.pid").read_text()))
    try:
        with RunLock(tmp_path):  # raised "Another docbatch run" while the orphan held a copy
            assert child.is_running()
    finally:
        child.kill()


def _start_hanging_cli(tmp_path: Path, files: dict[str, str], *extra: str) -> tuple[subprocess.Popen, list[str]]:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text)
    args = ["local", str(src), "--structured-output-dir", str(tmp_path / "out"), "--num-processes", "1", *extra]
    main = subprocess.Popen(
        [sys.executable, "-c", _HANGING_CLI, str(REPO / "tests"), *args],
        cwd=tmp_path,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return main, args


def _rows(out: Path) -> tuple[dict[str, str], bool]:
    import sqlite3

    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        rows = dict(db.execute("SELECT key, status FROM documents").fetchall())
        (finished,) = db.execute("SELECT finished IS NOT NULL FROM runs").fetchone()
    return rows, bool(finished)


@pytest.mark.skipif(sys.platform != "linux", reason="signals the Linux way")
def test_first_ctrl_c_finishes_the_documents_in_flight_and_closes_the_record(tmp_path: Path):
    files = {"a-slow.txt": "SLOW 3", **{f"doc{i:02d}.txt": f"document {i}" for i in range(20)}}
    main, args = _start_hanging_cli(tmp_path, files, "--timeout", "600")
    try:
        assert _wait_for(lambda: psutil.Process(main.pid).children(), 30), "no worker started"
        time.sleep(1.5)  # the worker is on the slow document
        main.send_signal(signal.SIGINT)
        _, stderr = main.communicate(timeout=30)
    finally:
        main.kill()
    assert main.returncode == 130, stderr
    assert "Stopping after the documents in flight (Ctrl-C again to stop now)." in stderr
    assert "Interrupted; rerun the same command to resume." in stderr and "Traceback" not in stderr
    rows, finished = _rows(tmp_path / "out")
    assert finished and rows["a-slow.txt"] == "ok" and len(rows) < len(files)
    rerun = run_cli(args, cwd=tmp_path, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(files) - len(rows)} ok, {len(rows)} skipped, 0 failed" in rerun.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="signals the Linux way")
def test_a_second_sigterm_stops_at_once_despite_a_hanging_document(tmp_path: Path):
    main, _ = _start_hanging_cli(tmp_path, {"hang.txt": "HANG", "later.txt": "later"}, "--timeout", "600")
    try:
        parent = psutil.Process(main.pid)
        assert _wait_for(lambda: parent.children(), 30), "no worker started"
        workers = parent.children(recursive=True)
        time.sleep(1.5)
        main.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        started = time.monotonic()
        main.send_signal(signal.SIGTERM)
        _, stderr = main.communicate(timeout=30)
        assert time.monotonic() - started < 5
        _gone, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == []
    finally:
        main.kill()
    assert main.returncode == 130, stderr
    assert "Stopping now." in stderr
    rows, finished = _rows(tmp_path / "out")
    assert finished and "hang.txt" not in rows  # abandoned, so the rerun does it again


@pytest.mark.skipif(sys.platform != "linux", reason="signals the Linux way")
def test_one_sigterm_does_not_wait_for_a_hanging_document_past_the_grace(tmp_path: Path):
    from docbatch.runner.pipeline import StopRequest

    main, args = _start_hanging_cli(tmp_path, {"hang.txt": "HANG", "later.txt": "later"}, "--timeout", "600")
    try:
        parent = psutil.Process(main.pid)
        assert _wait_for(lambda: parent.children(), 30), "no worker started"
        workers = parent.children(recursive=True)
        time.sleep(1.5)
        started = time.monotonic()
        main.send_signal(signal.SIGTERM)
        _, stderr = main.communicate(timeout=60)
        assert time.monotonic() - started < StopRequest.GRACE_SECONDS + 5
        _gone, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == []
    finally:
        main.kill()
    assert main.returncode == 130, stderr
    rows, finished = _rows(tmp_path / "out")
    assert finished and "hang.txt" not in rows
    (tmp_path / "src/hang.txt").write_text("not hanging now")
    rerun = run_cli(args, cwd=tmp_path, timeout=60)  # the lock was released with the main process
    assert rerun.returncode == 0, rerun.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="fork without exec")
def test_the_parent_watch_ends_a_worker_where_no_death_signal_is_offered(tmp_path: Path, monkeypatch):
    from docbatch.runner import worker

    monkeypatch.setattr(worker, "_set_death_signal", lambda: False)  # as on macOS

    def parent() -> None:  # start a "worker" that watches us, say its pid, and die
        me = os.getpid()

        def child() -> None:
            worker.die_with_parent(me)
            time.sleep(60)

        (tmp_path / "worker.pid").write_text(str(_fork(child)))

    os.waitpid(_fork(parent), 0)
    orphan = psutil.Process(int((tmp_path / "worker.pid").read_text()))
    try:
        assert _wait_for(lambda: not orphan.is_running() or orphan.status() == psutil.STATUS_ZOMBIE, 5)
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            orphan.kill()
