"""Ray cluster against the local pool on the same CPUs, side by side (issue 25).

    python -m benchmarks.ray_bench [--quick] [--reps N]     # writes benchmarks/results/ray.md

On one machine, with Ray's own ``Cluster``: a head with no CPUs and 1-CPU worker nodes. Per input
(about 1,000 small generated documents of every format, and a few large generated PDFs; each from
S3 through moto's server in this process to S3, and from a local folder to a local folder),
interleaved, median of ``--reps``:

- ``docbatch ... --num-processes 2`` (the local pool) against ``--executor ray --ray-address`` on
  two 1-CPU nodes: the command's wall time, the run's own seconds (the summary line: Ray's
  connection and the actors' start included), a document's own seconds in its worker and the
  documents/s once started (both from the run record), and ray against local for each.
- Scaling: the small corpus on 1, 2 and 4 worker nodes, documents/s. The machine has
  ``os.cpu_count()`` cores shared by the nodes, the raylets, the driver and moto, so past that many
  nodes the figure shows the cost of more nodes, not more throughput.
- The driver's CPU per document: CPU of the ``docbatch`` process on Ray (it has no workers of its
  own) over one-line text files, as the slope between two run sizes, so the fixed cost (imports,
  joining the cluster) does not count per document.
- Ray Data: ``map_batches(docbatch.ray.Partitioner)`` over the small corpus's files on the two
  nodes against ``docbatch local`` with the local pool on the same files: what the streaming engine
  costs against the driver feeding its actors itself.

Run alone, or by ``python -m benchmarks`` (in a subprocess: Ray talks to this machine's own
address, which the harness's loopback-only guard would refuse).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import CACHE_DIR, REPO_DIR, RESULTS_DIR
from benchmarks.document import make_document
from benchmarks.generate import FORMATS, generate, write_pdf
from benchmarks.incremental import _server
from benchmarks.measure import bench_env, python

__all__ = ["RayBench", "main", "measure"]

_SUMMARY = re.compile(r"(\d+) documents in ([\d.]+) s .*?(\d+) ok, (\d+) skipped, (\d+) failed")


@dataclass(slots=True)
class Run:
    wall: float
    seconds: float  # the run's own, from the summary line
    cpu: float  # CPU of the docbatch process and its reaped children
    docs: int
    worker_seconds: float = 0.0  # the documents' own seconds in the workers, summed (the run record)
    steady: float = 0.0  # documents/s from the first finished document to the last (start-up left out)


@dataclass(slots=True)
class RayBench:
    cores: int = 0
    reps: int = 0
    corpora: dict[str, int] = field(default_factory=dict)  # name -> documents
    #: "store corpus" ("s3 small", "local large", ...) -> mode ("local", "ray") -> runs
    side_by_side: dict[str, dict[str, list[Run]]] = field(default_factory=dict)
    #: worker nodes -> runs of the small corpus, local folders
    scaling: dict[int, list[Run]] = field(default_factory=dict)
    #: tiny documents -> ray runs, for the driver CPU slope
    driver: dict[int, list[Run]] = field(default_factory=dict)
    ray_data: list[float] = field(default_factory=list)
    local_files: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _inputs(quick: bool) -> tuple[list[Path], list[Path]]:
    """The small mixed documents and the large PDFs (generated once, cached)."""
    count = 20 if quick else 100
    small = [g.path for g in generate(CACHE_DIR / "gen", FORMATS, count=count)]
    sections, seeds = (60, (2001, 2002)) if quick else (400, (2001, 2002, 2003, 2004))
    folder = CACHE_DIR / "ray" / f"large-{sections}s"
    folder.mkdir(parents=True, exist_ok=True)
    large = []
    for seed in seeds:
        path = folder / f"report-{seed}.pdf"
        if not path.is_file():
            write_pdf(make_document(seed, sections), path)
        large.append(path)
    return sorted(small), large


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` as this process's environment for a while (Ray's Cluster starts nodes from it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _timed(cmd: list[str], env: dict[str, str], cwd: Path, record_under: Path | None = None) -> Run:
    """Run ``cmd``; with ``record_under``, also read the run's own record (the newest one there)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    found = _SUMMARY.search(stderr)
    if proc.returncode != 0 or found is None or int(found.group(5)):
        raise RuntimeError(f"docbatch exited {proc.returncode}: {stderr[-2000:]}")
    run = Run(wall, float(found.group(2)), usage.ru_utime + usage.ru_stime, int(found.group(1)))
    if record_under is not None:
        record = max(record_under.rglob("record.sqlite"), key=lambda p: p.stat().st_mtime)
        with sqlite3.connect(record) as db:
            (run_id,) = db.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
            n, busy, first, last = db.execute(
                "SELECT count(*), sum(seconds), min(finished), max(finished) FROM documents WHERE run_id = ?",
                (run_id,),
            ).fetchone()
        run.worker_seconds = busy or 0.0
        run.steady = (n - 1) / (last - first) if n > 1 and last > first else 0.0
    return run


def measure(*, quick: bool, reps: int, log=print) -> RayBench:
    import boto3
    from ray.cluster_utils import Cluster

    from benchmarks.driver import tiny_documents

    bench = RayBench(cores=os.cpu_count() or 1, reps=reps)
    small, large = _inputs(quick)
    bench.corpora = {"small": len(small), "large": len(large)}
    work = CACHE_DIR / "ray" / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    folders = {"small": work / "in" / "small", "large": work / "in" / "large"}
    for corpus, paths in (("small", small), ("large", large)):
        for path in paths:
            target = folders[corpus] / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    tiny = {n: tiny_documents(CACHE_DIR / "ray" / f"tiny-{n}", n) for n in ((200, 1000) if quick else (300, 1500))}
    server, url = _server()
    env = bench_env(XDG_CACHE_HOME=str(work / "cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_DIR / "src"), env["PYTHONPATH"]])
    client = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="docs-in")
    client.create_bucket(Bucket="docs-out")
    for corpus, paths in (("small", small), ("large", large)):
        for path in paths:
            client.upload_file(str(path), "docs-in", f"{corpus}/{path.parent.name}/{path.name}")
    log(f"ray: {len(small)} small documents, {len(large)} large PDFs, in moto at {url} and in {work / 'in'}")

    with _environment(env):
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
        nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
        cluster.wait_for_nodes()
    try:
        runs = iter(range(10**6))
        on_ray = ("--executor", "ray", "--ray-address", cluster.address)
        on_pool = ("--num-processes", "2")

        def docbatch(store: str, corpus: str | Path, *extra: str) -> Run:
            n = next(runs)
            if store == "s3":
                cmd = ["s3", "--s3-url", f"s3://docs-in/{corpus}/", "--endpoint-url", url]
                cmd += ["--structured-output-dir", f"s3://docs-out/run{n}/"]
                record_under = work / "cache"
            else:
                source = corpus if isinstance(corpus, Path) else folders[corpus]
                cmd = ["local", str(source), "--structured-output-dir", str(work / "out" / f"run{n}")]
                if "ray" in extra:  # every node of this cluster is this machine: its folders are shared
                    cmd.append("--shared-filesystem")
                record_under = work / "out" / f"run{n}"
            return _timed([python(), "-m", "docbatch", *cmd, *extra], env, work, record_under)

        for rep in range(reps):
            for store in ("s3", "local"):
                for corpus in ("small", "large"):
                    modes = bench.side_by_side.setdefault(f"{store} {corpus}", {"local": [], "ray": []})
                    for mode in ("local", "ray") if rep % 2 == 0 else ("ray", "local"):
                        modes[mode].append(docbatch(store, corpus, *(on_ray if mode == "ray" else on_pool)))
                        log(f"ray: rep {rep + 1}, {store} {corpus}, {mode}: {modes[mode][-1]}")
            for n, folder in tiny.items():
                bench.driver.setdefault(n, []).append(docbatch("local", folder, *on_ray))
            bench.scaling.setdefault(2, []).append(bench.side_by_side["local small"]["ray"][-1])

        for count in (1, 4):  # 2 is measured above
            with _environment(env):
                while len(cluster.worker_nodes) > count:
                    cluster.remove_node(nodes.pop())
                while len(cluster.worker_nodes) < count:
                    nodes.append(cluster.add_node(num_cpus=1))
                cluster.wait_for_nodes()
            time.sleep(2)  # let the nodes report their CPUs
            for _ in range(reps):
                bench.scaling.setdefault(count, []).append(docbatch("local", "small", *on_ray))
                log(f"ray: {count} node(s): {bench.scaling[count][-1]}")
        with _environment(env):  # back to two nodes for Ray Data
            while len(cluster.worker_nodes) > 2:
                cluster.remove_node(nodes.pop())
        _ray_data(bench, cluster.address, folders["small"], work, env, reps, log)
    finally:
        cluster.shutdown()
        server.stop()
    return bench


def _ray_data(bench: RayBench, address: str, folder: Path, work: Path, env: dict[str, str], reps: int, log) -> None:
    """Ray Data over the small corpus's files against the local pool on the same files."""
    code = (
        "import json, pathlib, time, ray\n"
        "from docbatch.ray import Partitioner\n"
        f"ray.init(address={address!r}, log_to_driver=False)\n"
        "start = time.perf_counter()\n"
        # rows of paths: the actors read the files (read tasks would wait for the CPUs the actors hold)
        f"paths = sorted(str(p) for p in pathlib.Path({str(folder)!r}).rglob('*.*'))\n"
        "ds = ray.data.from_items([{'path': p} for p in paths])\n"
        "rows = ds.map_batches(Partitioner, concurrency=2, num_cpus=1, batch_size=64).materialize()\n"
        "failed = rows.filter(lambda r: r['status'] == 'failed').count()\n"
        "print(json.dumps([time.perf_counter() - start, failed]))\n"
    )
    for rep in range(reps):
        try:
            out = subprocess.run([python(), "-c", code], env=env, cwd=work, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            bench.notes.append("Ray Data run did not end in 10 minutes")
            return
        if out.returncode != 0:
            bench.notes.append(f"Ray Data run failed: {out.stderr.strip().splitlines()[-1:]}")
            return
        seconds, failed = json.loads(out.stdout.strip().splitlines()[-1])
        bench.ray_data.append(seconds)
        cmd = [python(), "-m", "docbatch", "local", str(folder), "--structured-output-dir", str(work / f"rd-{rep}")]
        bench.local_files.append(_timed([*cmd, "--num-processes", "2"], env, work).wall)
        log(f"ray: Ray Data {seconds:.1f} s ({failed} failed) vs local pool {bench.local_files[-1]:.1f} s")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def markdown(bench: RayBench) -> str:
    lines = [
        "## Ray cluster vs local pool",
        "",
        f"Machine: {bench.cores} cores, shared by every node, the raylets, the driver, moto and other users' work; "
        f"median of {bench.reps} interleaved runs. Local: `--num-processes 2`; Ray: `--executor ray` on a "
        "`ray.cluster_utils.Cluster` of a 0-CPU head and two 1-CPU worker nodes. S3 in and out through moto on "
        "this machine, or local folders (`--shared-filesystem`: every node is this machine). *wall*: the whole "
        "command; *run*: the summary line's seconds (Ray's connection and the actors' start included); "
        "*worker ms/doc*: a document's own time in its worker (the run record); *steady*: documents/s from "
        "the first finished document to the last (start-up left out). Ratios are ray ÷ local in time, "
        "local ÷ ray in rate: at most 1.25 meets the aim.",
        "",
        "| input | docs | local wall s | ray wall s | wall ratio | local run s | ray run s | run ratio "
        "| worker ms/doc local / ray | ratio | steady docs/s local / ray | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, modes in bench.side_by_side.items():
        lo, ra = modes["local"], modes["ray"]
        lw, rw = _median([r.wall for r in lo]), _median([r.wall for r in ra])
        ls, rs = _median([r.seconds for r in lo]), _median([r.seconds for r in ra])
        lb = _median([1000 * r.worker_seconds / r.docs for r in lo])
        rb = _median([1000 * r.worker_seconds / r.docs for r in ra])
        lr, rr = _median([r.steady for r in lo]), _median([r.steady for r in ra])
        few = lo[0].docs < 10  # a rate between the first and last of a handful says nothing
        steady = "n/a | n/a" if few or not (lr and rr) else f"{lr:.0f} / {rr:.0f} | {lr / rr:.2f}"
        lines.append(
            f"| {name} | {lo[0].docs} | {lw:.2f} | {rw:.2f} | {rw / lw:.2f} | {ls:.2f} | {rs:.2f} | {rs / ls:.2f} "
            f"| {lb:.1f} / {rb:.1f} | {rb / lb:.2f} | {steady} |"
        )
    lines += [
        "",
        "Scaling, the small corpus from local folders:",
        "",
        "| worker nodes (1 CPU each) | docs/s (run) | steady docs/s | wall s |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for count in sorted(bench.scaling):
        runs = bench.scaling[count]
        rate = _median([r.docs / r.seconds for r in runs])
        steady = _median([r.steady for r in runs])
        lines.append(f"| {count} | {rate:.0f} | {steady:.0f} | {_median([r.wall for r in runs]):.2f} |")
    if len(bench.driver) == 2:
        (few, few_runs), (many, many_runs) = sorted(bench.driver.items())
        low, high = _median([r.cpu for r in few_runs]), _median([r.cpu for r in many_runs])
        lines += [
            "",
            f"Driver CPU per document on Ray: {1000 * (high - low) / (many - few):.3f} ms (CPU of the `docbatch` "
            f"process, one-line text files from a local folder, slope between {few} and {many} documents; the "
            f"whole driver took {high:.2f} s CPU for {many}, imports and joining the cluster included).",
        ]
    if bench.ray_data:
        rd, lf = _median(bench.ray_data), _median(bench.local_files)
        lines += [
            "",
            f"Ray Data: `map_batches(docbatch.ray.Partitioner)` over the {bench.corpora['small']} small files "
            f"(rows of paths, 2 actors × 1 CPU, batch_size 64, results materialized in the object store) took "
            f"{rd:.2f} s against {lf:.2f} s for `docbatch local --num-processes 2` on the same files: {rd / lf:.2f}×.",
        ]
    lines += [f"- {note}" for note in bench.notes]
    return "\n".join(lines) + "\n"


def as_json(bench: RayBench) -> dict[str, Any]:
    def runs(items: list[Run]) -> list[dict[str, float]]:
        return [dataclasses.asdict(r) for r in items]

    return {
        "cores": bench.cores,
        "side_by_side": {c: {m: runs(v) for m, v in modes.items()} for c, modes in bench.side_by_side.items()},
        "scaling": {str(n): runs(v) for n, v in bench.scaling.items()},
        "driver": {str(n): runs(v) for n, v in bench.driver.items()},
        "ray_data_s": bench.ray_data,
        "local_files_s": bench.local_files,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ray_bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="200 small documents, 2 smaller PDFs, one run of each")
    p.add_argument("--reps", type=int, default=None, help="interleaved runs (default 3, quick 1)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR / "ray.md", help="where the markdown goes")
    p.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = p.parse_args(argv)
    _guard_network()
    start = time.time()
    bench = measure(
        quick=args.quick,
        reps=args.reps or (1 if args.quick else 3),
        log=lambda m: print(f"[{time.time() - start:6.0f}s] {m}", flush=True),
    )
    command = "python -m benchmarks.ray_bench" + (" --quick" if args.quick else "")
    text = f"{markdown(bench)}\n_{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{command}`_\n"
    args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(as_json(bench), indent=1), encoding="utf-8")
    print(text)
    return 0


def _guard_network() -> None:
    """Loopback only, as the harness, plus this machine's own address, which Ray's nodes use."""
    from ray.util import get_node_ip_address

    from benchmarks.offline import guard_network

    guard_network(also=frozenset({get_node_ip_address()}))


if __name__ == "__main__":
    sys.exit(main())
