"""What the user sees: a progress bar on a terminal, plain lines otherwise, and the summary.

rich is imported only when stderr is a terminal: a batch job's log gets plain lines, and a
short run does not pay for loading a rendering library it would not use.
"""

from __future__ import annotations

import sys
import time
import traceback
from types import TracebackType
from typing import Any, TextIO

from docbatch.paths import printable
from docbatch.pipeline import RunSummary
from docbatch.record import FAILED, DocResult

__all__ = ["Reporter", "print_summary"]

_MAX_FAILURES_SHOWN = 50


class Reporter:
    """Receives each document's result as it arrives and shows progress.

    The total is unknown while the listing streams, so the bar counts up with a rate rather
    than guessing an ETA.
    """

    def __init__(self, *, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.interactive = _is_terminal(self.stream)
        self._console: Any = None
        self._progress: Any = None
        self._task: Any = None
        self._done = 0
        self._last_line = self._start = time.monotonic()
        if self.interactive:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def line(self, text: str) -> None:
        """Print one line of plain text (above the progress bar, when there is one)."""
        if self._console is not None:
            self._console.print(text, markup=False, highlight=False)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def traceback(self) -> None:
        """Print the traceback of the exception being handled (for ``-v``)."""
        if self._console is not None:
            self._console.print_exception()
        else:
            traceback.print_exc(file=self.stream)

    def __enter__(self) -> Reporter:
        if self.interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("[bold]docbatch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("docs", total=None, rate="")
        self._start = time.monotonic()
        return self

    def __exit__(self, t: type | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, result: DocResult) -> None:
        self._done += 1
        if result.status == FAILED or self.verbose:
            text = f"{result.status:7} {_shown(result.key)}"
            if result.reason:
                text += f": {result.reason}"
            self.line(text)
            if self.verbose and result.detail:
                self.line(result.detail.rstrip())
        if self._progress is not None:
            rate = self._done / max(time.monotonic() - self._start, 1e-9)
            self._progress.update(self._task, completed=self._done, rate=f"{rate:.1f} docs/s")
        elif time.monotonic() - self._last_line > 10 and not self.verbose:
            self._last_line = time.monotonic()
            self.line(f"... {self._done} documents done")


def print_summary(summary: RunSummary, reporter: Reporter) -> None:
    """Counts, speed, and every failed document with its one-line reason."""
    rate = summary.total / summary.seconds if summary.seconds else 0.0
    reporter.line(
        f"{summary.total} documents in {summary.seconds:.1f} s ({rate:.1f} docs/s): "
        f"{summary.ok} ok, {summary.skipped} skipped, {summary.failed} failed"
    )
    for reason, count in summary.skip_reasons.most_common():
        reporter.line(f"Skipped {count}: {reason}")
    if summary.deleted:
        reporter.line(f"Deleted from the source: {summary.deleted} (status 'deleted' in the run record)")
    if summary.failures:
        reporter.line("Failed:")
        for result in summary.failures[:_MAX_FAILURES_SHOWN]:
            reporter.line(f"  {_shown(result.key)}: {result.reason}")
        more = len(summary.failures) - _MAX_FAILURES_SHOWN
        if more > 0:
            reporter.line(f"  ... and {more} more")
    if summary.record_path:
        reporter.line(f"Run record: {summary.record_path} (run {summary.run_id})")
    if summary.record_note:
        reporter.line(f"Warning: {summary.record_note}")


def _shown(key: str) -> str:
    """A document key as one safe line: control characters (newlines, terminal escapes) that a
    hostile or careless file name can hold are shown escaped, never sent to the terminal."""
    text = printable(key)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
