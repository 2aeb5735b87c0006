"""What the user sees: a progress bar on a terminal, plain lines otherwise, and the summary."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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

    def __init__(self, *, verbose: bool = False, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self.verbose = verbose
        self.interactive = self.console.is_terminal
        self._progress: Progress | None = None
        self._task = None
        self._done = 0
        self._last_line = time.monotonic()

    def __enter__(self) -> Reporter:
        if self.interactive:
            self._progress = Progress(
                TextColumn("[bold]docbatch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("docs", total=None, rate="")
        self._start = time.monotonic()
        return self

    def __exit__(self, t: type | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress:
            self._progress.stop()

    def __call__(self, result: DocResult) -> None:
        self._done += 1
        if result.status == FAILED or self.verbose:
            line = f"{result.status:7} {printable(result.key)}"
            if result.reason:
                line += f": {result.reason}"
            self.console.print(line, markup=False, highlight=False)
            if self.verbose and result.detail:
                self.console.print(result.detail.rstrip(), markup=False, highlight=False)
        if self._progress is not None:
            rate = self._done / max(time.monotonic() - self._start, 1e-9)
            self._progress.update(self._task, completed=self._done, rate=f"{rate:.1f} docs/s")
        elif time.monotonic() - self._last_line > 10 and not self.verbose:
            self._last_line = time.monotonic()
            self.console.print(f"... {self._done} documents done", highlight=False)


def print_summary(summary: RunSummary, console: Console | None = None) -> None:
    """Counts, speed, and every failed document with its one-line reason."""
    console = console or Console(stderr=True, highlight=False, soft_wrap=True)
    rate = summary.total / summary.seconds if summary.seconds else 0.0
    console.print(
        f"{summary.total} documents in {summary.seconds:.1f} s ({rate:.1f} docs/s): "
        f"{summary.ok} ok, {summary.skipped} skipped, {summary.failed} failed",
        markup=False,
        highlight=False,
    )
    for reason, count in summary.skip_reasons.most_common():
        console.print(f"Skipped {count}: {reason}", markup=False, highlight=False)
    if summary.failures:
        console.print("Failed:", markup=False)
        for result in summary.failures[:_MAX_FAILURES_SHOWN]:
            console.print(f"  {printable(result.key)}: {result.reason}", markup=False, highlight=False)
        more = len(summary.failures) - _MAX_FAILURES_SHOWN
        if more > 0:
            console.print(f"  ... and {more} more", markup=False)
    if summary.record_path:
        console.print(f"Run record: {summary.record_path} (run {summary.run_id})", markup=False, highlight=False)
