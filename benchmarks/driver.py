"""The driver's CPU per document: what the main process spends to hand out and record each one.

The main process lists, submits, collects and records; the workers partition. On many small
documents the main process is the limit of one run however many workers it feeds (at 0.4 ms a
document it caps a run at 2,500 documents/s), so this measures its CPU alone: ``getrusage`` of
this process (every thread of it: pebble's pool threads, the watchdog) against its reaped
children (the workers), over a whole in-process run of tiny text files.

The per-document figure is the slope between two run sizes, so the fixed cost of a run (the pool
start, the record, the final join) does not count as per-document work; the total over the larger
run is reported beside it. ``--profile`` writes a cProfile of the main thread of the larger run.

    python -m benchmarks.driver --docs 3000 [--profile driver.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DriverCost", "driver_cost", "measure_run", "section", "tiny_documents"]


@dataclass(frozen=True, slots=True)
class DriverCost:
    """Main-process and worker CPU of one run over ``docs`` documents."""

    docs: int
    wall: float
    main_cpu: float
    workers_cpu: float
    ok: int

    @property
    def main_ms_per_doc(self) -> float:
        return 1000 * self.main_cpu / self.docs


def tiny_documents(folder: Path, count: int) -> Path:
    """``count`` one-line text files in ``folder`` (made once; the listing is what is measured)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = folder / f"d{i // 1000:02d}" / f"tiny-{i:06d}.txt"
        if not path.is_file():
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"Document {i}: a small note about item {i * 7 % 101}.\n", encoding="utf-8")
    return folder


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure_run(folder: Path, out: Path, *, processes: int = 2, profile: Path | None = None) -> DriverCost:
    """One in-process run of ``folder`` into ``out``, timed by getrusage of this process and its workers."""
    import time

    import docbatch
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.sources.local import LocalSource

    shutil.rmtree(out, ignore_errors=True)
    options = docbatch.RunOptions(num_processes=processes, download_dir=out.parent / "downloads")
    profiler = cProfile.Profile() if profile else None
    main0, kids0, wall0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    if profiler:
        profiler.enable()
    summary = docbatch.run(LocalSource(folder), LocalJSONDestination(out), options)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    wall = time.perf_counter() - wall0
    main = _cpu(resource.RUSAGE_SELF) - main0
    kids = _cpu(resource.RUSAGE_CHILDREN) - kids0  # workers are reaped when the pool joins
    return DriverCost(docs=summary.total, wall=wall, main_cpu=main, workers_cpu=kids, ok=summary.ok)


def driver_cost(work: Path, docs: int, *, reps: int = 3, processes: int = 2) -> tuple[float, DriverCost]:
    """(main-process ms per document as the slope between docs/5 and docs documents, the larger run).

    Runs alternate between the two sizes, after one unmeasured run that pays this process's
    first imports; the medians of each are used.
    """
    import statistics

    small_n = max(1, docs // 5)
    big_dir = tiny_documents(work / f"tiny-{docs}", docs)
    small_dir = tiny_documents(work / f"tiny-{small_n}", small_n)
    small, big = [], []
    measure_run(small_dir, work / "out-small", processes=processes)  # warm-up: first imports, first pool
    for i in range(reps):
        small.append(measure_run(small_dir, work / "out-small", processes=processes))
        big.append(measure_run(big_dir, work / "out-big", processes=processes))
        del i
    s = statistics.median(r.main_cpu for r in small)
    b_run = sorted(big, key=lambda r: r.main_cpu)[len(big) // 2]
    slope_ms = 1000 * (b_run.main_cpu - s) / (docs - small_n)
    return slope_ms, b_run


def lines(slope_ms: float, run: DriverCost, processes: int) -> list[str]:
    """The benchmark's report lines."""
    return [
        f"Driver: {slope_ms:.3f} ms of main-process CPU per document (slope between runs of "
        f"{max(1, run.docs // 5)} and {run.docs} one-line text files, {processes} workers); "
        f"the {run.docs}-file run: {run.main_ms_per_doc:.3f} ms/doc main CPU in total, "
        f"workers {1000 * run.workers_cpu / run.docs:.3f} ms/doc, {run.docs / run.wall:.0f} docs/s wall, "
        f"{run.ok} ok."
    ]


def section(work: Path, *, docs: int, reps: int, processes: int) -> tuple[str, dict[str, float]]:
    """The report's driver section: markdown and the figures for latest.json."""
    slope, run = driver_cost(work, docs, reps=reps, processes=processes)
    text = "\n".join(["## Driver CPU per document", "", *lines(slope, run, processes), ""])
    data = {
        "main_ms_per_doc": round(slope, 4),
        "main_ms_per_doc_whole_run": round(run.main_ms_per_doc, 4),
        "workers_ms_per_doc": round(1000 * run.workers_cpu / run.docs, 4),
        "docs": run.docs,
        "docs_per_s": round(run.docs / run.wall, 1),
    }
    return text, data


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.driver", description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=3000, help="documents in the larger run (default 3000)")
    p.add_argument("--reps", type=int, default=3, help="runs of each size (default 3; medians)")
    p.add_argument("--procs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--profile", type=Path, help="write a cProfile of one larger run here and print its top lines")
    args = p.parse_args(argv)
    from benchmarks import CACHE_DIR

    work = CACHE_DIR / "driver"
    if args.profile:
        folder = tiny_documents(work / f"tiny-{args.docs}", args.docs)
        with tempfile.TemporaryDirectory() as tmp:
            cost = measure_run(folder, Path(tmp) / "out", processes=args.procs, profile=args.profile)
        print(f"profiled run: {cost.main_ms_per_doc:.3f} ms/doc main CPU (profiler overhead included)")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)
        return 0
    slope, run = driver_cost(work, args.docs, reps=args.reps, processes=args.procs)
    print("\n".join(lines(slope, run, args.procs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
