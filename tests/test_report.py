"""The reporter: plain lines for logs, a rich progress bar only on a terminal."""

from __future__ import annotations

import io
import os
import sys
from collections import Counter
from pathlib import Path

from docbatch.pipeline import RunSummary
from docbatch.record import FAILED, OK, DocResult
from docbatch.report import Reporter, print_summary


def _result(key: str, status: str, reason: str = "", detail: str | None = None) -> DocResult:
    return DocResult(uri=f"file:///{key}", key=key, status=status, reason=reason, detail=detail)


def test_plain_lines_name_failures_only_unless_verbose():
    out = io.StringIO()
    with Reporter(stream=out) as reporter:
        reporter(_result("a.pdf", OK))
        reporter(_result("b.pdf", FAILED, "unreadable PDF", detail="Traceback ..."))
    assert not reporter.interactive
    assert out.getvalue() == "failed  b.pdf: unreadable PDF\n"

    out = io.StringIO()
    with Reporter(stream=out, verbose=True) as reporter:
        reporter(_result("a.pdf", OK))
        reporter(_result("b.pdf", FAILED, "unreadable PDF", detail="Traceback ..."))
    assert out.getvalue().splitlines() == ["ok      a.pdf", "failed  b.pdf: unreadable PDF", "Traceback ..."]


def test_summary_lists_counts_skip_reasons_and_failures():
    summary = RunSummary(run_id="r1", ok=1, skipped=2, failed=1, seconds=2.0, record_path=Path("/o/record.sqlite"))
    summary.skip_reasons = Counter({"output exists": 2})
    summary.failures = [_result("bad\nname\x1b[2J.docx", FAILED, "encrypted document")]
    out = io.StringIO()
    print_summary(summary, Reporter(stream=out))
    assert out.getvalue().splitlines() == [
        "4 documents in 2.0 s (2.0 docs/s): 1 ok, 2 skipped, 1 failed",
        "Skipped 2: output exists",
        "Failed:",
        "  bad\\nname\\x1b[2J.docx: encrypted document",
        "Run record: /o/record.sqlite (run r1)",
    ]


def _read_all(fd: int) -> str:
    """Everything written to a pty whose other end is closed (Linux ends it with EIO)."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_gets_the_progress_bar_and_the_same_lines():
    leader, follower = os.openpty()
    with os.fdopen(follower, "w", encoding="utf-8") as tty:
        reporter = Reporter(stream=tty)
        assert reporter.interactive
        with reporter:
            reporter(_result("a.pdf", OK))
            reporter(_result("b.pdf", FAILED, "timeout"))
        reporter.line("done")
    written = _read_all(leader)
    os.close(leader)
    assert "b.pdf: timeout" in written
    assert "done" in written
    assert "rich.console" in sys.modules  # loaded for the terminal only


def test_progress_counts_statuses_and_gives_an_eta_once_the_total_is_known():
    reporter = Reporter(stream=io.StringIO())
    with reporter:
        reporter(_result("a.pdf", OK))
        reporter(_result("b.pdf", FAILED, "unreadable PDF"))
        assert reporter.progress_text().startswith("2 documents (1 ok, 0 skipped, 1 failed), ")
        assert "ETA" not in reporter.progress_text()
        reporter.set_total(10)
        text = reporter.progress_text()
    assert text.startswith("2/10 documents (1 ok, 0 skipped, 1 failed), ") and ", ETA 0:" in text


def test_a_local_source_counts_its_documents_without_the_run_dirs(tmp_path):
    from docbatch.sources.local import LocalSource

    for name in ("a.txt", "sub/b.txt", "out/old.json", "out/.docbatch/lock"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    source = LocalSource(tmp_path)
    source.exclude([tmp_path / "out"])
    assert source.count() == 2 == len(list(source.list()))
