"""A killed main process takes its workers with it, and never leaves a lock that blocks a rerun."""

from __future__ import annotations

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
    "from docbatch.partition import registry; registry.register('txt', '_partitioners:misbehave');"
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
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_a_killed_main_and_the_rerun_starts(tmp_path: Path, sig: signal.Signals):
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
        main.send_signal(sig)
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
    from docbatch.record import RunLock

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
