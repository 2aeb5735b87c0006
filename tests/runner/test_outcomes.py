"""What a run says happened: internal errors with their traceback in the record, an empty ok
that says why, a missing library that stops the run (exit 2) instead of skipping documents."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.errors import MissingDependency, internal_error, one_line
from docbatch.runner.pipeline import RunOptions, RunSummary, run
from docbatch.sources.local import LocalSource


def _run(tmp_path: Path, files: dict[str, str]) -> RunSummary:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text)
    options = RunOptions(download_dir=tmp_path / "dl", num_processes=1)
    return run(LocalSource(src), LocalJSONDestination(out), options)


def _rows(tmp_path: Path) -> dict[str, tuple[str, str, str | None]]:
    db = sqlite3.connect(tmp_path / "out" / ".docbatch" / "record.sqlite")
    return {
        key: (status, reason, detail)
        for key, status, reason, detail in db.execute("SELECT key, status, reason, detail FROM documents")
    }


def test_internal_error_keeps_its_traceback_in_the_record(tmp_path, misbehaving_txt):
    summary = _run(tmp_path, {"bug.txt": "RAISE", "fine.txt": "fine"})
    assert summary.failed == 1 and summary.ok == 1
    status, reason, detail = _rows(tmp_path)["bug.txt"]
    assert (status, reason) == ("failed", "internal error: RuntimeError: partitioner bug with a second line")
    assert detail and "Traceback" in detail and "_partitioners.py" in detail


def test_ok_with_no_elements_always_says_why(tmp_path, misbehaving_txt):
    _run(tmp_path, {"empty.txt": "EMPTY", "blank.txt": "BLANK"})
    rows = _rows(tmp_path)
    assert rows["empty.txt"][:2] == ("ok", "no text found")
    assert rows["blank.txt"][:2] == ("ok", "no text on 1 blank page")


def test_missing_library_stops_the_run_naming_the_package(tmp_path, misbehaving_txt):
    with pytest.raises(MissingDependency, match="docbatch_test_no_such_library") as raised:
        _run(tmp_path, {"a.txt": "MISSING"})
    assert "\n" not in str(raised.value) and "pip install" in str(raised.value)
    assert _rows(tmp_path)["a.txt"][0] == "failed"


def test_one_line_collapses_and_cuts():
    assert one_line(ValueError("a\n  b\tc")) == "a b c"
    assert one_line(KeyError()) == "KeyError"
    assert len(one_line("x" * 1000)) == 300
    assert internal_error(TypeError("bad\nthing")) == "internal error: TypeError: bad thing"


def test_truncated_office_file_fails_and_the_cli_exits_1(tmp_path):
    """Before: "skipped: unsupported file type zip", exit 0 — a broken file passed a nightly run."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    src = tmp_path / "src"
    src.mkdir()
    docx = (repo / "samples" / "office" / "quarterly-report.docx").read_bytes()
    (src / "report.docx").write_bytes(docx[: len(docx) // 2])
    (src / "fine.txt").write_text("A whole document.")
    command = [sys.executable, "-m", "docbatch", "local", str(src), "--structured-output-dir", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True, env={"PYTHONPATH": str(repo / "src")}, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    status, reason, _ = _rows(tmp_path)["report.docx"]
    assert status == "failed" and reason.startswith("damaged DOCX file (")
