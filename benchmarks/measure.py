"""Run one command and measure it as a user would see it: wall time and peak memory of the tree.

Peak RSS is the largest sum of resident memory over the process and all its children, sampled
every 20 ms with psutil, so a pool of workers counts as a whole (pages shared after fork are
counted once per process, the same for every tool measured).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import REPO_DIR
from benchmarks.offline import OFFLINE_ENV

__all__ = ["Measured", "bench_env", "run_measured"]


@dataclass(frozen=True, slots=True)
class Measured:
    """What one command cost."""

    seconds: float
    peak_rss: int
    returncode: int | None  # None: killed at the time limit
    log: str


def bench_env(**extra: str) -> dict[str, str]:
    """Environment for every measured command: offline opt-outs, no real AWS config, repo on path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(OFFLINE_ENV)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "bench-key-id",
            "AWS_SECRET_ACCESS_KEY": "bench-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH", "")])),
        }
    )
    env.update(extra)
    return env


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_measured(cmd: list[str], *, log: Path, env: dict[str, str] | None = None, limit: float = 3600) -> Measured:
    """Run ``cmd`` (stdout+stderr to ``log``) and return its wall time and peak tree RSS."""
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = psutil.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env or bench_env(), cwd=REPO_DIR)
        peak = 0
        returncode: int | None = None
        while True:
            peak = max(peak, _tree_rss(proc))
            try:
                returncode = proc.wait(timeout=0.02)
                break
            except psutil.TimeoutExpired:
                if time.perf_counter() - start > limit:
                    for child in proc.children(recursive=True):
                        child.kill()
                    proc.kill()
                    proc.wait()
                    break
        seconds = time.perf_counter() - start
    text = log.read_text(encoding="utf-8", errors="replace")
    return Measured(seconds, peak, returncode, text[-2000:])


def python() -> str:
    """The interpreter running the benchmark (the one the bench extra was installed into)."""
    return sys.executable
