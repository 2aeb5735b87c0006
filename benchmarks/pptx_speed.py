"""Per-file time of docbatch.partition on PowerPoint decks, in one warm process (and kreuzberg's, if installed).

    PYTHONPATH=<checkout>/src python -m benchmarks.pptx_speed [--profile] [--kreuzberg] FILE_OR_DIR ...

Each file is partitioned once to warm imports and caches, then the whole set ``--rounds`` times;
the figure is wall and CPU milliseconds per file. ``--profile`` prints cProfile's top 15 by tottime.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

_EXTENSIONS = (".pptx", ".pptm", ".ppsx", ".ppsm", ".potx", ".potm")


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out += sorted(p for p in path.rglob("*") if p.suffix.lower() in _EXTENSIONS) if path.is_dir() else [path]
    return out


def _time(name: str, func: Callable[[Path], object], files: list[Path], rounds: int) -> None:
    for f in files:
        func(f)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for f in files:
            func(f)
    n = len(files) * rounds
    print(
        f"{name}: {(time.perf_counter() - wall) / n * 1000:.2f} ms/file wall, "
        f"{(time.process_time() - cpu) / n * 1000:.2f} ms/file cpu ({len(files)} files x {rounds})"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.pptx_speed")
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--kreuzberg", action="store_true")
    args = parser.parse_args(argv)
    import docbatch

    files = _files(args.paths)
    warnings.simplefilter("ignore")  # PartialDocumentWarning of damaged decks
    _time("docbatch", docbatch.partition, files, args.rounds)
    if args.kreuzberg:
        from kreuzberg import extract_file_sync

        _time("kreuzberg", extract_file_sync, files, args.rounds)
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for f in files:
            docbatch.partition(f)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
