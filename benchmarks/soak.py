"""Soak: thousands of generated documents, injected faults, repeated kill -9, then count.

    python -m benchmarks.soak --docs 10000 --kills 5

Documents are mostly well-formed text/Markdown/HTML/CSV, salted with faults: empty files,
garbage with a PDF name, documents that abort their worker or hang past the timeout. The run
is killed with SIGKILL (main process and workers) at random moments several times, then run
to the end. The counts printed at the end must all be 0 for:

- lost: a document with neither an output nor a failed/skipped row in the final run;
- duplicated: an output that belongs to no document;
- half-written outputs (JSON that does not parse) and leftover temporary files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from docbatch.elements import Element
from docbatch.partition.base import PartitionOptions
from docbatch.pipeline import FAILED_BEFORE

CACHE = Path(__file__).resolve().parent / ".cache" / "soak"

_FAULTS = [  # (share, kind)
    (0.01, "empty"),
    (0.01, "garbage.pdf"),
    (0.002, "abort"),
    (0.0005, "hang"),
]


def generate(folder: Path, count: int, seed: int = 7) -> list[str]:
    """Write ``count`` documents under ``folder``; return their keys."""
    rng = random.Random(seed)
    keys = []
    for i in range(count):
        kind = _pick_fault(rng) or rng.choice(["txt"] * 7 + ["md", "html", "csv"])
        key, data = _document(i, kind, rng)
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        keys.append(key)
    return keys


def _pick_fault(rng: random.Random) -> str | None:
    roll = rng.random()
    for share, kind in _FAULTS:
        if roll < share:
            return kind
        roll -= share
    return None


def _document(i: int, kind: str, rng: random.Random) -> tuple[str, bytes]:
    folder = f"batch{i // 500:03d}"
    words = " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "report", "figure", "value"]) for _ in range(60))
    if kind == "empty":
        return f"{folder}/empty{i}.txt", b""
    if kind == "garbage.pdf":
        return f"{folder}/garbage{i}.pdf", bytes(rng.getrandbits(8) for _ in range(2048))
    if kind in ("abort", "hang"):
        return f"{folder}/{kind}{i}.txt", f"SOAK-{kind.upper()}\n".encode()
    if kind == "md":
        return f"{folder}/doc{i}.md", f"# Document {i}\n\n{words}.\n\n- one\n- two\n".encode()
    if kind == "html":
        return f"{folder}/doc{i}.html", f"<h1>Document {i}</h1><p>{words}.</p><ul><li>one</li></ul>".encode()
    if kind == "csv":
        return f"{folder}/doc{i}.csv", f"name,value\nrow{i},{i}\nother,{i * 2}\n".encode()
    return f"{folder}/doc{i}.txt", f"Document {i}\n\n{words}.\n".encode()


def soak_partition_text(path: Path, options: PartitionOptions) -> list[Element]:
    """Plain text, except for the marker files that abort their worker or hang forever."""
    head = path.read_bytes()[:16]
    if head.startswith(b"SOAK-ABORT"):
        os.abort()
    if head.startswith(b"SOAK-HANG"):
        while True:
            time.sleep(1)
    from docbatch.partition.text import partition_text

    return partition_text(path, options)


def _run_once(src: Path, out: Path, processes: int, timeout: float) -> None:
    """One run in this process (the child the soak kills); workers fork from here."""
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.partition import registry
    from docbatch.pipeline import RunOptions, run
    from docbatch.sources.local import LocalSource

    registry.register("txt", "benchmarks.soak:soak_partition_text")
    options = RunOptions(download_dir=out.parent / "dl", num_processes=processes, timeout=timeout)
    run(LocalSource(src), LocalJSONDestination(out), options)


def count(keys: list[str], out: Path) -> dict[str, object]:
    """Processed, failed by reason, lost and duplicated, from the outputs and the last run."""
    with sqlite3.connect(out / ".docbatch" / "record.sqlite") as db:
        last = db.execute("SELECT run_id FROM runs WHERE finished IS NOT NULL ORDER BY started DESC LIMIT 1").fetchone()
        rows = db.execute("SELECT key, status, reason FROM documents WHERE run_id=?", last).fetchall()
        runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    outputs, broken, leftover = set(), 0, 0
    for path in out.rglob("*"):
        if ".docbatch" in path.parts or not path.is_file():
            continue
        if not path.name.endswith(".json"):
            leftover += 1  # a temporary file a killed write left and no rerun replaced
            continue
        try:
            json.loads(path.read_bytes())
        except ValueError:
            broken += 1
        outputs.add(path.relative_to(out).as_posix()[: -len(".json")])
    accounted = outputs | {k for k, status, _ in rows if status in ("failed", "skipped")}
    failed = Counter(
        reason.split(":")[0] if reason.startswith("timeout") else reason
        for _, status, reason in rows
        if status == "failed" or reason == FAILED_BEFORE  # a permanent failure is not retried unchanged
    )
    return {
        "documents": len(keys),
        "runs": runs,
        "ok (outputs)": len(outputs & set(keys)),
        "failed": sum(failed.values()),
        "failed by reason": dict(failed),
        "lost": len(set(keys) - accounted),
        "duplicated": len(outputs - set(keys)),
        "half-written outputs": broken,
        "leftover temporary files": leftover,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--run-once", nargs=2, metavar=("SRC", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_once:
        _run_once(Path(args.run_once[0]), Path(args.run_once[1]), args.processes, args.timeout)
        return 0
    work = CACHE / f"{args.docs}"
    src, out = work / "src", work / "out"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    keys = generate(src, args.docs, args.seed) if not src.exists() else _existing(src)
    rng = random.Random(args.seed)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.soak",
        "--processes",
        str(args.processes),
        "--timeout",
        str(args.timeout),
        "--run-once",
        str(src),
        str(out),
    ]
    root = Path(__file__).resolve().parents[1]
    for k in range(args.kills):
        proc = subprocess.Popen(cmd, cwd=root, start_new_session=True)
        time.sleep(rng.uniform(2.0, 15.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        print(f"kill -9 #{k + 1}: {_done(out)} outputs so far", flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=root, check=False)
    print(f"final run: {time.perf_counter() - started:.1f} s")
    result = count(keys, out)
    print(json.dumps(result, indent=2))
    bad = ("lost", "duplicated", "half-written outputs", "leftover temporary files")
    return 0 if all(result[k] == 0 for k in bad) else 1


def _existing(src: Path) -> list[str]:
    return sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())


def _done(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.json")) if out.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
