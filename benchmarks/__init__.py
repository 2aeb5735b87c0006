"""Benchmarks: docbatch against unstructured (and kreuzberg) on speed, memory and quality.

Run with ``python -m benchmarks`` after ``pip install -e '.[bench]'``. Nothing here is imported by
docbatch or its unit tests except the generator and the scoring, which need no bench extra.
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
CORPUS_DIR = REPO_DIR.parent / "shared" / "corpus" / "unstructured-example-docs"
