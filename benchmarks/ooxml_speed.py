"""Per-file time of one format in one warm process: docbatch, kreuzberg, and docbatch's profile.

    PYTHONPATH=<checkout>/src python -m benchmarks.ooxml_speed docx [--corpus] [--kreuzberg] [--profile N]

Files: the harness's generated documents of that format (``benchmarks/.cache/``, made by
:mod:`benchmarks.generate` when missing; ``--count`` of them), or with ``--corpus`` the shared
corpus's files of that extension. Every file is partitioned once unmeasured
(imports, caches), then the batch is timed ``--reps`` times (default 3) and the median reported,
in ms per file (wall and process CPU). ``--kreuzberg`` times ``extract_file_sync`` on the same
files the same way; ``--profile N`` prints cProfile's top N functions by own time over one more
pass. Figures on a shared machine are noisy: compare runs made side by side.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import CACHE_DIR, CORPUS_DIR


def _files(fmt: str, corpus: bool, count: int) -> list[Path]:
    if corpus:
        return sorted(p for p in CORPUS_DIR.rglob(f"*.{fmt}") if p.is_file())
    from benchmarks.generate import generate

    return [doc.path for doc in generate(CACHE_DIR / "gen", [fmt], count=count)]


def _time(files: list[Path], run: Callable[[Path], object], reps: int) -> tuple[float, float]:
    """Median (wall, CPU) ms per file over ``reps`` passes, after one unmeasured pass."""
    for path in files:
        run(path)
    walls, cpus = [], []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        for path in files:
            run(path)
        walls.append((time.perf_counter() - wall) / len(files) * 1000)
        cpus.append((time.process_time() - cpu) / len(files) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _docbatch(path: Path) -> object:
    import warnings

    import docbatch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lost parts are part of the output, not of the timing
        return docbatch.partition(path)


def _kreuzberg(path: Path) -> object:
    from kreuzberg import extract_file_sync

    return extract_file_sync(str(path))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("format", choices=["docx", "pptx"])
    parser.add_argument("--corpus", action="store_true", help="the corpus's files instead of the generated ones")
    parser.add_argument("--kreuzberg", action="store_true", help="also time kreuzberg on the same files")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N by own time")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--count", type=int, default=30, help="generated documents to time")
    args = parser.parse_args(argv)
    files = _files(args.format, args.corpus, args.count)
    if not files:
        print(f"no {args.format} files found", file=sys.stderr)
        return 1
    label = f"{args.format} {'corpus' if args.corpus else 'generated'} ({len(files)} files)"
    wall, cpu = _time(files, _docbatch, args.reps)
    print(f"{label}: docbatch {wall:.2f} ms/file wall, {cpu:.2f} ms/file CPU")
    if args.kreuzberg:
        wall, cpu = _time(files, _kreuzberg, args.reps)
        print(f"{label}: kreuzberg {wall:.2f} ms/file wall, {cpu:.2f} ms/file CPU")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for path in files:
            _docbatch(path)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
