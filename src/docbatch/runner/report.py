"""What the user sees: a progress bar on a terminal, plain lines otherwise, and the summary.

rich is imported only when stderr is a terminal: a batch job's log gets plain lines, and a
short run does not pay for loading a rendering library it would not use.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import threading
import time
import traceback
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from docbatch.model import FAILED, OK, PARTIAL, SKIPPED, DocResult, DocumentMeta
from docbatch.runner.record import REPORT_COLUMNS
from docbatch.sanitize import safe_cell, safe_line

if TYPE_CHECKING:  # an annotation only: no import at run time, no floor
    from docbatch.runner.pipeline import RunSummary

__all__ = ["Reporter", "format_run", "print_summary"]

_MAX_FAILURES_SHOWN = 50
#: A document running this long is named in the progress as the slowest now running: shorter
#: ones come and go too fast to read, and one stuck on a hang is what a watcher wants to see.
_SLOW_SECONDS = 3.0
#: Keys longer than this are shortened in the middle in the progress, so the line fits.
_KEY_SHOWN = 60


class Reporter:
    """Receives each document's result as it arrives and shows progress.

    The total comes from :meth:`set_total` when the source can count its documents (a local
    folder, or an fsspec tree counted while the run goes: ``done/listed+`` until the count ends);
    with a final total the progress shows an ETA. Otherwise (a bucket) it counts up with a rate.
    The document running longest (see :meth:`submitted`) is named once it has run a few seconds.
    Without a terminal every line starts with a timestamp, for logs, and a progress line is
    logged every 10 seconds.
    """

    def __init__(
        self, *, verbose: bool = False, quiet: bool = False, log_format: str = "text", stream: TextIO | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose and not quiet
        #: Only warnings and errors (no document lines, no progress; the summary's counts are kept).
        self.quiet = quiet
        #: "json": one JSON object per line (time, level, message, and per document: document,
        #: status, reason) for log shippers; no progress bar, even on a terminal.
        self.json = log_format == "json"
        self.interactive = _is_terminal(self.stream) and not self.json and not quiet
        self._console: Any = None
        self._progress: Any = None
        self._task: Any = None
        self._done = 0
        self._counts: Counter[str] = Counter()
        self._total: int | None = None
        self._total_final = False
        self._running: dict[str, float] = {}  # key -> monotonic time it was handed to a worker
        self._running_lock = threading.Lock()  # the bar's refresh thread reads it too
        self._last_line = self._start = time.monotonic()
        if self.interactive:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def line(self, text: str, *, level: str = "info", **fields: Any) -> None:
        """Print text (above the progress bar, when there is one), each line through the one
        sanitiser: reasons and errors quote file names and document contents. ``level`` is
        info, warning or error (with ``-q`` only the last two are printed); ``fields`` go into
        a JSON line as they are (``document``, ``status``, ``reason``, ``detail``)."""
        if self.quiet and level == "info" and not fields.pop("always", False):
            return
        fields.pop("always", None)
        if self.json:
            record = {"time": _iso_now(), "level": level, "message": text, **fields}
            # ensure_ascii: every control and non-ASCII character escaped, so none reaches a terminal
            self.stream.write(json.dumps(record, ensure_ascii=True) + "\n")
            self.stream.flush()
            return
        stamp = "" if self.interactive else time.strftime("%Y-%m-%d %H:%M:%S ")
        text = "\n".join(stamp + safe_line(part) for part in text.split("\n"))
        if self._console is not None:
            self._console.print(text, markup=False, highlight=False)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def traceback(self) -> None:
        """Print the traceback of the exception being handled (for ``-v``)."""
        self.line(traceback.format_exc().rstrip(), level="error")

    def __enter__(self) -> Reporter:
        if self.interactive:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]docbatch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                _slowest_column(self),
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

    def set_total(self, total: int, final: bool = True) -> None:
        """The number of documents the run will see (called from a counting thread); not
        ``final`` while the source is still being counted, so far."""
        self._total, self._total_final = total, final
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def submitted(self, doc: DocumentMeta) -> None:
        """A document was handed to a worker: its clock for the slowest-running one starts."""
        with self._running_lock:
            self._running[doc.key] = time.monotonic()

    def slowest_text(self) -> str:
        """``slowest: <key> (0:01:12)``: the document running longest, once past a few seconds."""
        with self._running_lock:
            oldest = min(self._running.items(), key=lambda item: item[1], default=None)
        if oldest is None or time.monotonic() - oldest[1] < _SLOW_SECONDS:
            return ""
        key = safe_line(oldest[0])
        if len(key) > _KEY_SHOWN:
            half = _KEY_SHOWN // 2 - 1
            key = f"{key[:half]}...{key[-half:]}"
        return f"slowest: {key} ({_duration(time.monotonic() - oldest[1])})"

    def progress_text(self) -> str:
        """Done (of the total, when known), counts by status, rate and, with a final total, the
        ETA; then the slowest document now running, if one has run for a while."""
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self._done / elapsed
        done = str(self._done)
        if self._total:
            done += f"/{self._total}" + ("" if self._total_final else "+")
        shown = (s for s in (OK, PARTIAL, SKIPPED, FAILED) if s != PARTIAL or self._counts[s])
        counts = ", ".join(f"{self._counts[s]} {s}" for s in shown)
        text = f"{done} documents ({counts}), {rate:.1f} docs/s"
        if self._total and self._total_final and rate > 0:
            text += f", ETA {_duration(max(self._total - self._done, 0) / rate)}"
        slowest = self.slowest_text()
        return f"{text}; {slowest}" if slowest else text

    def __call__(self, result: DocResult) -> None:
        with self._running_lock:
            self._running.pop(result.key, None)
        self._done += 1
        self._counts[result.status] += 1
        if (result.status in (FAILED, PARTIAL) or self.verbose) and not self.quiet:
            level = {FAILED: "error", PARTIAL: "warning"}.get(result.status, "info")
            detail = result.detail.rstrip() if self.verbose and result.detail else None
            if self.json:
                fields: dict[str, Any] = {"document": result.key, "status": str(result.status), "reason": result.reason}
                if detail:
                    fields["detail"] = detail
                self.line(f"{result.status} {result.key}", level=level, **fields)
            else:
                text = f"{result.status:7} {safe_line(result.key)}"  # one line each, whatever they hold
                if result.reason:
                    text += f": {safe_line(result.reason)}"
                self.line(text, level=level)
                if detail:
                    self.line(detail, level=level)
        if self._progress is not None:
            counts = f"{self._counts[OK]} ok, {self._counts[FAILED]} failed"
            rate = self._done / max(time.monotonic() - self._start, 1e-9)
            self._progress.update(self._task, completed=self._done, rate=f"{counts}, {rate:.1f} docs/s")
        elif time.monotonic() - self._last_line > 10 and not self.verbose and not self.quiet:
            self._last_line = time.monotonic()
            self.line(self.progress_text())


def _slowest_column(reporter: Reporter) -> Any:
    """A progress-bar column naming the slowest document now running, recomputed on every
    refresh, so a document stuck for minutes shows its time growing though nothing finishes."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class SlowestColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(reporter.slowest_text(), style="yellow")

    return SlowestColumn()


def print_summary(summary: RunSummary, reporter: Reporter) -> None:
    """Counts, speed, and every failed document with its one-line reason."""
    rate = summary.total / summary.seconds if summary.seconds else 0.0
    partial = f"{summary.partial} partial, " if summary.partial else ""
    reporter.line(
        f"{summary.total} documents in {summary.seconds:.1f} s ({rate:.1f} docs/s): "
        f"{summary.ok} ok, {partial}{summary.skipped} skipped, {summary.failed} failed",
        always=True,
    )
    if summary.partials:
        reporter.line("Partial (done, with parts lost):", level="warning")
        for result in summary.partials[:_MAX_FAILURES_SHOWN]:
            reporter.line(
                f"  {safe_line(result.key)}: {safe_line(result.reason)}",
                level="warning",
                **_document(reporter, result),
            )
        more = len(summary.partials) - _MAX_FAILURES_SHOWN
        if more > 0:
            reporter.line(f"  ... and {more} more", level="warning")
    for reason, count in summary.skip_reasons.most_common():
        reporter.line(f"Skipped {count}: {safe_line(reason)}")
    if summary.deleted:
        reporter.line(f"Deleted from the source: {summary.deleted} (status 'deleted' in the run record)")
    if summary.failures:
        reporter.line("Failed:", level="error")
        for result in summary.failures[:_MAX_FAILURES_SHOWN]:
            reporter.line(
                f"  {safe_line(result.key)}: {safe_line(result.reason)}", level="error", **_document(reporter, result)
            )
        more = max(summary.failed, len(summary.failures)) - min(len(summary.failures), _MAX_FAILURES_SHOWN)
        if more > 0:
            reporter.line(f"  ... and {more} more (docbatch report --failed lists them all)", level="error")
    if summary.record_path:
        reporter.line(f"Run record: {summary.record_path} (run {summary.run_id})")
    if summary.record_set_aside:
        reporter.line(
            f"The earlier run record was unreadable; it was set aside as {summary.record_set_aside}.", level="warning"
        )
    if summary.record_note:
        reporter.line(f"Warning: {safe_line(summary.record_note)}", level="warning")


def _document(reporter: Reporter, result: DocResult) -> dict[str, Any]:
    """A summary line's document fields, for a JSON log."""
    return {"document": result.key, "status": str(result.status), "reason": result.reason} if reporter.json else {}


def _iso_now() -> str:
    """The time now in ISO 8601 with its UTC offset, to the millisecond."""
    from datetime import datetime

    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_run(run: dict[str, Any], rows: list[dict[str, Any]], fmt: str) -> str:
    """A run and its document rows (see :func:`docbatch.runner.record.read_run`) as ``table``, ``csv``
    or ``json``. The table is for a terminal and csv for a spreadsheet, so their text passes the
    sanitiser (csv cells that would run as formulas are prefixed too); json is data, escaped by its
    own rules."""
    if fmt == "json":
        return json.dumps({"run": run, "documents": rows}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
        return buffer.getvalue().rstrip("\n")
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run["started"])) if run.get("started") else "?"
    partial = f"{run['partial']} partial, " if run.get("partial") else ""
    deleted = f", {run['deleted']} deleted from the source" if run.get("deleted") else ""
    counts = f"{run['ok'] or 0} ok, {partial}{run['skipped'] or 0} skipped, {run['failed'] or 0} failed{deleted}"
    if run["run_id"] == "now":
        head = f"now: the latest outcome of each document of {safe_line(run['source'] or '?')} over {run['runs']} runs"
        lines = [f"{head} (the last started {started}): {counts}"]
    else:
        state = "finished" if run.get("finished") else "did not finish (killed, or still running)"
        lines = [f"run {run['run_id']} of {safe_line(run['source'] or '?')}, started {started}, {state}: {counts}"]
    for row in rows:
        reason = f": {safe_line(row['reason'])}" if row["reason"] else ""
        lines.append(f"{row['status']:7} {safe_line(row['key'])}{reason}")
    return "\n".join(lines)
