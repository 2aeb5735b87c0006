"""Soak: thousands of generated documents, injected faults, repeated kill -9, then count.

    python -m benchmarks.soak --docs 10000 --kills 5

Documents are mostly well-formed text/Markdown/HTML/CSV, salted with faults: empty files,
garbage with a PDF name, documents that abort their worker or hang past the timeout, keys a
file system would merge (``a\\b.txt`` beside ``a/b.txt``, names of 251-255 bytes, a leading
``%``), and an unreadable folder. The run is killed with SIGKILL at random moments several
times, every other time the main process alone (its workers must die with it, a hanging one
included, and leave no lock behind), then run to the end. The counts printed at the end must
all be 0 for:

- lost: a document with neither an output nor a failed/skipped row in the final run (the
  documents of the unreadable folder are accounted for by its failed row);
- duplicated: an output that belongs to no document;
- half-written outputs (JSON that does not parse) and leftover temporary files;
- orphan workers: workers still alive after their main process was killed;
- refused runs: reruns refused because a killed run's lock was still held.
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

import psutil

from docbatch.elements import Element
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.paths import parts_to_key
from docbatch.runner.pipeline import FAILED_BEFORE

CACHE = Path(__file__).resolve().parent / ".cache" / "soak"

_FAULTS = [  # (share, kind)
    (0.01, "empty"),
    (0.01, "garbage.pdf"),
    (0.002, "abort"),
    (0.0005, "hang"),
    (0.02, "odd key"),
]
#: A folder no run can list (made unreadable; root runs drop the capability that reads it).
UNREADABLE = "locked"


def generate(folder: Path, count: int, seed: int = 7) -> list[str]:
    """Write ``count`` documents under ``folder``; return their keys."""
    rng = random.Random(seed)
    keys = []
    for i in range(count):
        # the first document hangs: every run meets a hang early, so kills find one in flight
        kind = "hang" if i == 0 else _pick_fault(rng) or rng.choice(["txt"] * 7 + ["md", "html", "csv"])
        key, data = _document(i, kind, rng)
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        keys.append(key)
        if "\\" in key:  # its twin under a real folder: the two once shared one output
            twin = key.replace("\\", "/")
            (folder / twin).parent.mkdir(parents=True, exist_ok=True)
            (folder / twin).write_bytes(data.replace(b"Odd", b"Twin"))
            keys.append(twin)
    for i in range(5):
        path = folder / UNREADABLE / f"hidden{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Hidden {i}\n\nIn a folder no run can read.\n")
        keys.append(f"{UNREADABLE}/hidden{i}.txt")
    (folder / UNREADABLE).chmod(0)
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
    if kind == "odd key":  # names path cleaning once merged, or a temporary name made too long
        name = rng.choice(["odd\\{i}.txt", "%{i}.txt", "{i}" + "n" * (247 - len(str(i))) + ".txt"]).format(i=i)
        return f"{folder}/{name}", f"Odd {i}\n\n{words}.\n".encode()
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
    from docbatch.partitioners.markup.text import partition_text

    return partition_text(path, options)


def _run_once(src: Path, out: Path, processes: int, timeout: float) -> None:
    """One run in this process (the child the soak kills); workers fork from here."""
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.partitioners import registry
    from docbatch.runner.pipeline import RunOptions, run
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
        outputs.add(parts_to_key(list(path.relative_to(out).parts))[: -len(".json")])
    accounted = outputs | {k for k, status, _ in rows if status in ("failed", "skipped")}
    unlisted = {k for k, status, _ in rows if status == "failed" and k.endswith("/")}  # unreadable folders
    accounted |= {k for k in keys if any(k.startswith(folder) for folder in unlisted)}
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
        "unlisted folders recorded": len(unlisted),
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
    work = CACHE / f"{args.docs}-v2"  # v2: with odd keys and an unreadable folder
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
    cmd = [*_without_root_override(), *cmd]
    root = Path(__file__).resolve().parents[1]
    orphans = refused = 0
    for k in range(args.kills):
        proc = subprocess.Popen(cmd, cwd=root, start_new_session=True, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(1.0, min(15.0, 1.0 + args.docs / 150)))  # a kill mid-run, however small
        main_only = k % 2 == 1
        workers = _descendants(proc.pid)
        if main_only:
            os.kill(proc.pid, signal.SIGKILL)  # the main process alone: its workers must follow
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        refused += "Another docbatch run" in stderr
        _, alive = psutil.wait_procs(workers, timeout=5)
        orphans += len(alive)
        for worker in alive:
            worker.kill()
        print(f"kill -9 #{k + 1} ({'main only' if main_only else 'all'}): {_done(out)} outputs so far", flush=True)
    started = time.perf_counter()
    final = subprocess.run(cmd, cwd=root, check=False, stderr=subprocess.PIPE, text=True)
    refused += "Another docbatch run" in final.stderr
    print(f"final run: {time.perf_counter() - started:.1f} s")
    result = count(keys, out)
    result["orphan workers"] = orphans
    result["refused runs"] = refused
    print(json.dumps(result, indent=2))
    bad = ("lost", "duplicated", "half-written outputs", "leftover temporary files", "orphan workers", "refused runs")
    return 0 if all(result[k] == 0 for k in bad) else 1


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _without_root_override() -> list[str]:
    """As root, run without the capabilities that read any folder, so the unreadable one is."""
    import shutil

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return []
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


def _existing(src: Path) -> list[str]:
    (src / UNREADABLE).chmod(0o755)
    keys = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
    (src / UNREADABLE).chmod(0)
    return keys


def _done(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.json")) if out.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
