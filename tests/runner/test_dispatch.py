"""Small fast documents go out several to a task; a lost batch fails only its culprit."""

from __future__ import annotations

from pathlib import Path

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.runner.dispatch import SMALL_BYTES
from docbatch.runner.executors import ProcessExecutor
from docbatch.runner.pipeline import RunOptions, run
from docbatch.sources.local import LocalSource
from support import load_outputs

_GOOD = 150


def _folder(root: Path, bad: dict[str, str]) -> Path:
    root.mkdir()
    for i in range(_GOOD):
        (root / f"good-{i:04d}.txt").write_text(f"good document {i}")
    for name, word in bad.items():  # named to come last, when batches are being made
        (root / name).write_text(word)
    return root


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the batches handed out and those lost as a whole (the executor itself runs them)."""
    seen = {"submitted": 0, "lost": 0}
    submit, outcome = ProcessExecutor.submit_batch, ProcessExecutor.batch_outcome

    def counting_submit(self, docs):
        seen["submitted"] += 1
        return submit(self, docs)

    def counting_outcome(self, future):
        results = outcome(self, future)
        seen["lost"] += results is None
        return results

    monkeypatch.setattr(ProcessExecutor, "submit_batch", counting_submit)
    monkeypatch.setattr(ProcessExecutor, "batch_outcome", counting_outcome)
    return seen


def test_crash_hang_and_bug_in_a_batch_fail_alone_and_the_rest_end_ok(tmp_path, misbehaving_txt, batches):
    bad = {"zz-abort.txt": "ABORT", "zz-hang.txt": "HANG", "zz-bug.txt": "RAISE", "zz-segv.txt": "SEGV"}
    src = _folder(tmp_path / "src", bad)
    options = RunOptions(download_dir=tmp_path / "dl", num_processes=2, timeout=2)
    summary = run(LocalSource(src), LocalJSONDestination(tmp_path / "out"), options)
    reasons = {r.key: r.reason for r in summary.failures}
    assert reasons == {
        "zz-abort.txt": "worker crashed: SIGABRT",
        "zz-hang.txt": "timeout: still running after 2 s; worker stopped",
        "zz-bug.txt": "internal error: RuntimeError: partitioner bug with a second line",
        "zz-segv.txt": "worker crashed: SIGSEGV",
    }
    assert summary.ok == _GOOD and summary.total == _GOOD + len(bad)  # one row each, none twice
    assert len(load_outputs(tmp_path / "out")) == _GOOD
    assert batches["submitted"] > 0 and batches["lost"] > 0  # the bad ones were met inside batches


def test_documents_over_the_small_size_go_out_alone(tmp_path, batches):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(40):
        (src / f"big-{i:02d}.txt").write_text(f"Paragraph {i}.\n\n" + "word " * (SMALL_BYTES // 5 + 10))
    summary = run(LocalSource(src), LocalJSONDestination(tmp_path / "out"), RunOptions(download_dir=tmp_path / "dl"))
    assert summary.ok == 40
    assert batches["submitted"] == 0
