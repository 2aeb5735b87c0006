"""The reporter: plain lines for logs, a rich progress bar only on a terminal."""

from __future__ import annotations

import io
import os
import re
import sys
from collections import Counter
from pathlib import Path

from docbatch.model import FAILED, OK, DocResult, DocumentMeta
from docbatch.runner import report
from docbatch.runner.pipeline import RunSummary
from docbatch.runner.report import Reporter, print_summary

_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def _lines(out: io.StringIO) -> list[str]:
    """The lines written, each checked for and stripped of its log timestamp."""
    lines = out.getvalue().splitlines()
    assert all(_STAMP.match(line) for line in lines), lines
    return [_STAMP.sub("", line) for line in lines]


def _result(key: str, status: str, reason: str = "", detail: str | None = None) -> DocResult:
    return DocResult(uri=f"file:///{key}", key=key, status=status, reason=reason, detail=detail)


def test_plain_lines_name_failures_only_unless_verbose():
    out = io.StringIO()
    with Reporter(stream=out) as reporter:
        reporter(_result("a.pdf", OK))
        reporter(_result("b.pdf", FAILED, "unreadable PDF", detail="Traceback ..."))
    assert not reporter.interactive
    assert _lines(out) == ["failed  b.pdf: unreadable PDF"]

    out = io.StringIO()
    with Reporter(stream=out, verbose=True) as reporter:
        reporter(_result("a.pdf", OK))
        reporter(_result("b.pdf", FAILED, "unreadable PDF", detail="Traceback ..."))
    assert _lines(out) == ["ok      a.pdf", "failed  b.pdf: unreadable PDF", "Traceback ..."]


def test_summary_lists_counts_skip_reasons_and_failures():
    summary = RunSummary(run_id="r1", ok=1, skipped=2, failed=1, seconds=2.0, record_path=Path("/o/record.sqlite"))
    summary.skip_reasons = Counter({"output exists": 2})
    summary.failures = [_result("bad\nname\x1b[2J.docx", FAILED, "encrypted document")]
    out = io.StringIO()
    print_summary(summary, Reporter(stream=out))
    assert _lines(out) == [
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
    assert "done" in written and not _STAMP.search(written)  # a terminal shows times in the bar
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


def test_progress_names_the_slowest_document_running_until_it_finishes(monkeypatch):
    monkeypatch.setattr(report, "_SLOW_SECONDS", 0.0)  # no test waits the real few seconds
    reporter = Reporter(stream=io.StringIO())
    with reporter:
        reporter.submitted(DocumentMeta(uri="file:///a.pdf", key="a.pdf"))
        reporter.submitted(DocumentMeta(uri="file:///b.pdf", key="b.pdf"))
        assert reporter.progress_text().endswith("; slowest: a.pdf (0:00:00)")
        reporter(_result("a.pdf", OK))
        assert reporter.progress_text().endswith("; slowest: b.pdf (0:00:00)")
        reporter(_result("b.pdf", OK))
        assert "slowest" not in reporter.progress_text()


def test_a_total_counted_so_far_shows_a_plus_and_no_eta_until_final():
    reporter = Reporter(stream=io.StringIO())
    with reporter:
        reporter(_result("a.pdf", OK))
        reporter.set_total(5, final=False)
        assert reporter.progress_text().startswith("1/5+ documents") and "ETA" not in reporter.progress_text()
        reporter.set_total(8)
        assert reporter.progress_text().startswith("1/8 documents") and "ETA" in reporter.progress_text()


def test_an_fsspec_tree_is_counted_folder_by_folder(tmp_path):
    from docbatch.sources.fsspec import FsspecSource

    for name in ("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt", "z/e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    source = FsspecSource(tmp_path.as_uri())
    so_far: list[int] = []
    assert source.count(so_far=so_far.append) == 5 == len(list(source.list()))
    assert so_far == [2, 3, 4, 5]
