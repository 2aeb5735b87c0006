"""Whole runs over a batch of small generated documents: docbatch against kreuzberg, per format.

    python -m benchmarks.batch [--docs 300] [--procs 2] [--reps 3] [--formats pptx,docx,pdf] [--quick]

The aim it judges (issue 16): docbatch at or under kreuzberg's time on pptx and docx batches of a
few hundred files, with the same number of worker processes. Per format it generates ``--docs``
small reports (:mod:`benchmarks.generate`, 4 sections each), then runs ``docbatch local DIR
--structured-output-dir OUT --num-processes P`` and kreuzberg through :mod:`benchmarks.runners`
(a pebble pool of the same size, the same per-file timeout) over the same folder, interleaved,
``--reps`` times (:func:`benchmarks.speed.bench_format`), and reports the median wall time.

Wall time mixes start-up (interpreter, imports, the pool) with per-file work, so both tools also
run over a folder of one file (their start-up), each row gives the wall milliseconds each further
file adds to a run (the slope between the two) and the median milliseconds one file takes inside
a worker (steady state, writing its output included, for both tools). One more docbatch run per
format is made in-process to split its CPU between the main process (listing, handing out, the run
record) and the workers.
"""

from __future__ import annotations

import argparse
import compileall
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import CACHE_DIR, REPO_DIR, RESULTS_DIR
from benchmarks.generate import generate
from benchmarks.speed import FormatResult, bench_format

__all__ = ["FORMATS", "BatchRow", "markdown", "measure_batches", "section"]

FORMATS = ("pptx", "docx", "pdf")
TOOLS = ("docbatch", "kreuzberg")


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One format's batch: both tools' runs over all files and over one file, and docbatch's CPU
    split over one more run."""

    result: FormatResult
    #: The same tools over a folder holding only the first file: each tool's start-up.
    one_file: FormatResult
    procs: int
    main_cpu: float | None = None
    workers_cpu: float | None = None

    def startup(self, tool: str) -> float | None:
        """Median wall seconds of a run over one file: interpreter, imports, pool, record."""
        return self.one_file.seconds(tool)

    def marginal_ms(self, tool: str) -> float | None:
        """Wall milliseconds each further file adds to a run (all its processes at work): the slope
        between the one-file run and the whole batch, so start-up is left out."""
        whole, one = self.result.seconds(tool), self.startup(tool)
        if whole is None or one is None or self.result.files < 2:
            return None
        return 1000 * (whole - one) / (self.result.files - 1)

    def ratio(self) -> float | None:
        """docbatch's wall time over kreuzberg's: at or under 1 meets the aim."""
        d, k = self.result.seconds("docbatch"), self.result.seconds("kreuzberg")
        return d / k if d and k else None


def _cpu_split(folder: Path, work: Path, procs: int) -> tuple[float, float]:
    """(main-process, workers) CPU seconds of one in-process docbatch run over ``folder``."""
    from benchmarks.driver import measure_run

    cost = measure_run(folder, work / "cpu-split", processes=procs)
    return cost.main_cpu, cost.workers_cpu


def measure_batches(
    *,
    docs: int = 300,
    formats: tuple[str, ...] = FORMATS,
    procs: int = 2,
    reps: int = 3,
    timeout: float = 300.0,
    log: Callable[[str], None] = print,
) -> list[BatchRow]:
    """Generate ``docs`` documents per format and run both tools over each format's folder."""
    generated = generate(CACHE_DIR / "gen", formats, count=docs)
    rows = []
    for fmt in formats:
        files = [g.path for g in generated if g.format == fmt]
        by_path = {g.path: g for g in generated if g.format == fmt}
        work = CACHE_DIR / "batch"
        log(f"batch {fmt}: {len(files)} files, {procs} processes, {reps} interleaved run(s) per tool")
        result = bench_format(fmt, files, by_path, work, tools=TOOLS, procs=procs, reps=reps, timeout=timeout, log=log)
        one = bench_format(
            f"{fmt}-one", files[:1], by_path, work, tools=TOOLS, procs=procs, reps=reps, timeout=timeout, log=log
        )
        main_cpu, workers_cpu = _cpu_split(work / fmt / "input", work / fmt, procs)
        rows.append(BatchRow(result, one, procs, main_cpu, workers_cpu))
    return rows


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "—" if value is None else fmt.format(value)


def markdown(rows: list[BatchRow]) -> list[str]:
    """The report section: one row per format."""
    procs = rows[0].procs if rows else 0
    lines = [
        "## Batches of small documents: docbatch vs kreuzberg (whole runs)",
        "",
        f"Each format: its generated reports in one folder, both tools with {procs} worker processes and the same "
        "per-file timeout, interleaved, median wall time; time d ÷ k ≤ 1 meets the aim. Start-up is the median "
        "wall time of a run over one file; ms/file added is (wall − start-up) ÷ (files − 1), what each further "
        "file costs the whole run; ms/file in worker is the median wall time one file takes inside a worker "
        "(writing its output included; on a busy machine it includes waiting for a core). CPU: one more "
        "docbatch run, CPU seconds of its main process (listing, handing out, recording) and of its workers, "
        "and the workers' CPU ms per file. On a shared machine wall times are noisy.",
        "",
        "| format | files | wall s d / k | files/s d / k | time d ÷ k | start-up s d / k | ms/file added d / k "
        "| ms/file in worker d / k | docbatch CPU s main / workers (ms/file) | failed d / k |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        r = row.result
        wall = " / ".join(_num(r.seconds(t)) for t in TOOLS)
        fps = " / ".join(_num(r.files_per_s(t), "{:.1f}") for t in TOOLS)
        start = " / ".join(_num(row.startup(t)) for t in TOOLS)
        added = " / ".join(_num(row.marginal_ms(t), "{:.1f}") for t in TOOLS)
        ms = " / ".join(_num(r.median_ms(t), "{:.1f}") for t in TOOLS)
        per_file = None if row.workers_cpu is None else 1000 * row.workers_cpu / r.files
        cpu = f"{_num(row.main_cpu)} / {_num(row.workers_cpu)} ({_num(per_file, '{:.1f}')})"
        failed = " / ".join("n/a" if t in r.missing else str(len(r.failures(t))) for t in TOOLS)
        lines.append(
            f"| {r.format} | {r.files} | {wall} | {fps} | {_num(row.ratio())} | {start} | {added} | {ms} "
            f"| {cpu} | {failed} |"
        )
    return lines


def as_json(rows: list[BatchRow]) -> list[dict[str, object]]:
    """The same figures, for latest.json."""
    return [
        {
            "format": row.result.format,
            "files": row.result.files,
            "procs": row.procs,
            "time_ratio_docbatch_over_kreuzberg": row.ratio(),
            "main_cpu_s": row.main_cpu,
            "workers_cpu_s": row.workers_cpu,
            "tools": {
                t: {
                    "seconds": [run.measured.seconds for run in row.result.runs.get(t, [])],
                    "median_seconds": row.result.seconds(t),
                    "files_per_s": row.result.files_per_s(t),
                    "median_ms_per_file": row.result.median_ms(t),
                    "startup_s": row.startup(t),
                    "marginal_ms_per_file": row.marginal_ms(t),
                    "failed": row.result.failures(t),
                }
                for t in TOOLS
            },
        }
        for row in rows
    ]


def section(*, docs: int, procs: int, reps: int, timeout: float, log: Callable[[str], None]) -> tuple[str, object]:
    """The section ``python -m benchmarks`` adds to its report: markdown and its data."""
    rows = measure_batches(docs=docs, procs=procs, reps=reps, timeout=timeout, log=log)
    return "\n".join(markdown(rows)), as_json(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=None, help="documents per format (default 300, quick 60)")
    parser.add_argument("--quick", action="store_true", help="60 documents per format, one run each")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--reps", type=int, default=None, help="interleaved runs per tool (default 3, quick 1)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument(
        "--out", type=Path, default=RESULTS_DIR / "batch.md", help="the Markdown file, or a folder to write batch.md in"
    )
    args = parser.parse_args(argv)
    from benchmarks.offline import OFFLINE_ENV, guard_network

    os.environ.update(OFFLINE_ENV)
    guard_network()
    compileall.compile_dir(REPO_DIR / "src", quiet=1)  # as pip would: no run pays for compiling docbatch
    started = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - started:6.0f}s] {msg}", flush=True)

    docs = args.docs or (60 if args.quick else 300)
    reps = args.reps or (1 if args.quick else 3)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    rows = measure_batches(docs=docs, formats=formats, procs=args.procs, reps=reps, timeout=args.timeout, log=log)
    from benchmarks.report import machine

    command = "python -m benchmarks.batch " + " ".join(argv if argv is not None else sys.argv[1:])
    stamp = f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} on {machine()}; `{command.strip()}`."
    text = "\n".join([*markdown(rows), "", stamp]) + "\n"
    out = args.out / "batch.md" if args.out.is_dir() else args.out  # the results would be lost at the very end
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
