"""Run a competing tool over a list of files, as a subprocess of the harness.

``python -m benchmarks.runners {unstructured,kreuzberg} --list FILES --out DIR --procs N --timeout S``

Each tool runs in its own process so that its import time and memory are measured on their own
and a crash cannot take the harness down. Like docbatch, it imports once and forks a pool of
``N`` workers (pebble, the same pool docbatch uses), with the same per-file timeout. It writes
``DIR/<file name>.json`` (element JSON) per file it handled and ``DIR/_summary.json`` with each
file's status and error, and the seconds spent importing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from benchmarks.offline import guard_network, provide_spacy_model

SUMMARY = "_summary.json"


def _unstructured_one(path: str, out: str) -> int:
    from unstructured.partition.auto import partition
    from unstructured.staging.base import elements_to_json

    elements = partition(filename=path, strategy="fast")
    elements_to_json(elements, filename=out)
    return len(elements)


def _kreuzberg_one(path: str, out: str) -> int:
    from kreuzberg import extract_file_sync

    result = extract_file_sync(path)
    items = [{"type": "NarrativeText", "text": result.content}]
    Path(out).write_text(json.dumps(items), encoding="utf-8")
    return 1


def _timed(fn: Any, path: str, out: str) -> tuple[int, float]:
    """Run ``fn`` in the worker and return (elements, seconds spent on this file alone)."""
    t0 = time.perf_counter()
    n = fn(path, out)
    return n, time.perf_counter() - t0


def _prepare(tool: str) -> tuple[Any, dict[str, Any]]:
    """Import the tool in the parent (workers inherit it) and return its per-file function."""
    info: dict[str, Any] = {}
    t0 = time.perf_counter()
    if tool == "unstructured":
        import unstructured.partition.auto  # noqa: F401

        info["spacy_model"] = provide_spacy_model()
        fn = _unstructured_one
    else:
        import kreuzberg  # noqa: F401

        fn = _kreuzberg_one
    info["import_seconds"] = time.perf_counter() - t0
    return fn, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runners")
    parser.add_argument("tool", choices=["unstructured", "kreuzberg"])
    parser.add_argument("--list", type=Path, required=True, help="file with one input path per line")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)

    guard_network()
    from pebble import ProcessPool

    files = [line for line in args.list.read_text(encoding="utf-8").splitlines() if line.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    fn, info = _prepare(args.tool)
    results: dict[str, dict[str, Any]] = {}
    with ProcessPool(max_workers=args.procs) as pool:
        futures = {}
        for path in files:
            out = str(args.out / (os.path.basename(path) + ".json"))
            futures[path] = pool.schedule(_timed, args=(fn, path, out), timeout=args.timeout)
        for path, future in futures.items():
            try:
                n, seconds = future.result()
                results[path] = {"status": "ok", "elements": n, "seconds": seconds}
            except FutureTimeout:
                results[path] = {"status": "failed", "error": f"timeout after {args.timeout:g}s"}
            except Exception as e:  # the tool's own error, recorded per file
                last = traceback.format_exception_only(e)[-1].strip()
                results[path] = {"status": "failed", "error": last[:300]}
    (args.out / SUMMARY).write_text(json.dumps({"info": info, "files": results}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
