"""Ray cluster against the local pool on the same CPUs, side by side (issue 25).

    python -m benchmarks.ray_bench [--quick] [--reps N]     # writes benchmarks/results/ray.md

On one machine, with Ray's own ``Cluster``: a head with no CPUs and 1-CPU worker nodes, S3 in and
S3 out through moto's server in this process. Per corpus (about 1,000 small generated documents of
every format, and a few large generated PDFs), interleaved, median of ``--reps``:

- ``docbatch s3 ... --num-processes 2`` (the local pool) against ``--executor ray --ray-address``
  on two 1-CPU nodes: the command's wall time, the run's own seconds (the summary line: from the
  listing to the last row, Ray's connection and the actors' start included) and ray ÷ local of both.
- Scaling: the small corpus on 1, 2 and 4 worker nodes, documents/s from the run's seconds. The
  machine has ``os.cpu_count()`` cores shared by the nodes, the raylets, the driver and moto, so
  past that many nodes the figure shows the overhead of more nodes, not more throughput.
- The driver's CPU per document: CPU of the ``docbatch`` process on Ray (it has no workers of
  its own), as the slope between a run of the whole small corpus and one of its first fifth, so
  the fixed cost (imports, joining the cluster) does not count per document.
- Ray Data: ``map_batches(docbatch.ray.Partitioner)`` over the small corpus's bytes on the two
  nodes against ``docbatch local`` with the local pool on the same files (local output): what the
  streaming engine costs over the driver feeding actors itself.

Run alone, or by ``python -m benchmarks`` (in a subprocess: Ray talks to this machine's own
address, which the harness's loopback-only guard would refuse).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
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


@dataclass(slots=True)
class RayBench:
    cores: int = 0
    reps: int = 0
    corpora: dict[str, int] = field(default_factory=dict)  # name -> documents
    #: corpus -> mode ("local", "ray") -> runs
    side_by_side: dict[str, dict[str, list[Run]]] = field(default_factory=dict)
    #: worker nodes -> runs of the small corpus
    scaling: dict[int, list[Run]] = field(default_factory=dict)
    #: ray runs of the small corpus's first fifth, for the driver CPU slope
    subset: list[Run] = field(default_factory=list)
    ray_data: list[float] = field(default_factory=list)
    local_files: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _inputs(quick: bool) -> tuple[list[Path], list[Path]]:
    """The small mixed documents and the large PDFs (generated once, cached)."""
    count = 20 if quick else 100
    small = [g.path for g in generate(CACHE_DIR / "gen", FORMATS, count=count)]
    sections, seeds = (60, (2001, 2002)) if quick else (200, (2001, 2002, 2003, 2004))
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


def _timed(cmd: list[str], env: dict[str, str], cwd: Path) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    found = _SUMMARY.search(stderr)
    if proc.returncode != 0 or found is None or int(found.group(5)):
        raise RuntimeError(f"docbatch exited {proc.returncode}: {stderr[-2000:]}")
    return Run(wall, float(found.group(2)), usage.ru_utime + usage.ru_stime, int(found.group(1)))


def measure(*, quick: bool, reps: int, log=print) -> RayBench:
    import boto3
    from ray.cluster_utils import Cluster

    bench = RayBench(cores=os.cpu_count() or 1, reps=reps)
    small, large = _inputs(quick)
    bench.corpora = {"small": len(small), "large": len(large)}
    work = CACHE_DIR / "ray" / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
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
    subset = small[: len(small) // 5]
    for prefix, paths in (("small", small), ("large", large), ("subset", subset)):
        for path in paths:
            client.upload_file(str(path), "docs-in", f"{prefix}/{path.parent.name}/{path.name}")
    log(f"ray: {len(small)} small documents, {len(large)} large PDFs in moto at {url}")

    with _environment(env):
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
        nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
        cluster.wait_for_nodes()
    try:
        runs = iter(range(10**6))

        def docbatch(prefix: str, *extra: str) -> Run:
            cmd = [python(), "-m", "docbatch", "s3", "--s3-url", f"s3://docs-in/{prefix}/", "--endpoint-url", url]
            cmd += ["--structured-output-dir", f"s3://docs-out/run{next(runs)}/", *extra]
            return _timed(cmd, env, work)

        on_ray = ("--executor", "ray", "--ray-address", cluster.address)
        on_pool = ("--num-processes", "2")
        for rep in range(reps):
            for corpus in ("small", "large"):
                modes = bench.side_by_side.setdefault(corpus, {"local": [], "ray": []})
                for mode in ("local", "ray") if rep % 2 == 0 else ("ray", "local"):
                    modes[mode].append(docbatch(corpus, *(on_ray if mode == "ray" else on_pool)))
                    log(f"ray: rep {rep + 1}, {corpus}, {mode}: {modes[mode][-1]}")
            bench.subset.append(docbatch("subset", *on_ray))
            bench.scaling.setdefault(2, []).append(bench.side_by_side["small"]["ray"][-1])

        for count in (1, 4):  # 2 is measured above
            with _environment(env):
                while len(cluster.worker_nodes) > count:
                    cluster.remove_node(nodes.pop())
                while len(cluster.worker_nodes) < count:
                    nodes.append(cluster.add_node(num_cpus=1))
                cluster.wait_for_nodes()
            time.sleep(2)  # let the nodes report their CPUs
            for _ in range(reps):
                bench.scaling.setdefault(count, []).append(docbatch("small", *on_ray))
                log(f"ray: {count} node(s): {bench.scaling[count][-1]}")
        with _environment(env):  # back to two nodes for Ray Data
            while len(cluster.worker_nodes) > 2:
                cluster.remove_node(nodes.pop())
        _ray_data(bench, cluster.address, small, work, env, reps, log)
    finally:
        cluster.shutdown()
        server.stop()
    return bench


def _ray_data(
    bench: RayBench, address: str, small: list[Path], work: Path, env: dict[str, str], reps: int, log
) -> None:
    """Ray Data over the small corpus's files against the local pool on the same files."""
    folder = work / "files"
    for path in small:
        target = folder / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    code = (
        "import sys, time, ray\n"
        "from docbatch.ray import Partitioner\n"
        f"ray.init(address={address!r}, log_to_driver=False)\n"
        "start = time.perf_counter()\n"
        # rows of paths: the actors read the files (read tasks would wait for the CPUs the actors hold)
        f"paths = sorted(str(p) for p in __import__('pathlib').Path({str(folder)!r}).rglob('*.*'))\n"
        "ds = ray.data.from_items([{'path': p} for p in paths])\n"
        "rows = ds.map_batches(Partitioner, concurrency=2, num_cpus=1, batch_size=64).materialize()\n"
        "failed = rows.filter(lambda r: r['status'] == 'failed').count()\n"
        "print(json.dumps([time.perf_counter() - start, failed]))\n"
    )
    for rep in range(reps):
        try:
            out = subprocess.run(
                [python(), "-c", "import json\n" + code], env=env, cwd=work, capture_output=True, text=True, timeout=600
            )
        except subprocess.TimeoutExpired:
            bench.notes.append("Ray Data run did not end in 10 minutes")
            return
        if out.returncode != 0:
            bench.notes.append(f"Ray Data run failed: {out.stderr.strip().splitlines()[-1:]}")
            return
        seconds, failed = json.loads(out.stdout.strip().splitlines()[-1])
        bench.ray_data.append(seconds)
        local = work / f"local-out-{rep}"
        cmd = [python(), "-m", "docbatch", "local", str(folder), "--structured-output-dir", str(local)]
        bench.local_files.append(_timed([*cmd, "--num-processes", "2"], env, work).wall)
        log(f"ray: Ray Data {seconds:.1f} s ({failed} failed) vs local pool {bench.local_files[-1]:.1f} s")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def markdown(bench: RayBench) -> str:
    lines = [
        "## Ray cluster vs local pool",
        "",
        f"Machine: {bench.cores} cores shared by every node, the raylets, the driver and moto; median of "
        f"{bench.reps} interleaved runs. S3 in and out through moto on this machine. Local: `--num-processes 2`; "
        "Ray: `--executor ray` on a `ray.cluster_utils.Cluster` of a 0-CPU head and 1-CPU worker nodes. "
        "Wall: the whole command; run: the summary line's seconds (Ray's connection and actor start included).",
        "",
        "| corpus | docs | local wall s | ray wall s | ray ÷ local (wall) | local run s | ray run s "
        "| ray ÷ local (run) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for corpus, modes in bench.side_by_side.items():
        lw, rw = _median([r.wall for r in modes["local"]]), _median([r.wall for r in modes["ray"]])
        ls, rs = _median([r.seconds for r in modes["local"]]), _median([r.seconds for r in modes["ray"]])
        lines.append(
            f"| {corpus} | {bench.corpora[corpus]} | {lw:.2f} | {rw:.2f} | {rw / lw:.2f} | {ls:.2f} | {rs:.2f} "
            f"| {rs / ls:.2f} |"
        )
    lines += ["", "| worker nodes (1 CPU each) | docs/s (run) | wall s |", "| ---: | ---: | ---: |"]
    for count in sorted(bench.scaling):
        runs = bench.scaling[count]
        rate = _median([r.docs / r.seconds for r in runs])
        lines.append(f"| {count} | {rate:.0f} | {_median([r.wall for r in runs]):.2f} |")
    full = bench.side_by_side.get("small", {}).get("ray", [])
    if full and bench.subset:
        big, few = _median([r.cpu for r in full]), _median([r.cpu for r in bench.subset])
        docs = full[0].docs - bench.subset[0].docs
        lines += [
            "",
            f"Driver CPU per document on Ray: {1000 * (big - few) / docs:.3f} ms (slope between "
            f"{bench.subset[0].docs} and {full[0].docs} documents; the whole driver: {big:.2f} s CPU "
            f"for {full[0].docs}, imports and joining the cluster included).",
        ]
    if bench.ray_data:
        rd, lf = _median(bench.ray_data), _median(bench.local_files)
        lines += [
            "",
            f"Ray Data: `map_batches(docbatch.ray.Partitioner)` over the {bench.corpora['small']} small files "
            f"(bytes rows, 2 actors × 1 CPU, batch_size 64) took {rd:.2f} s against {lf:.2f} s for `docbatch local "
            f"--num-processes 2` on the same files: {rd / lf:.2f}×.",
        ]
    lines += [f"- {note}" for note in bench.notes]
    return "\n".join(lines) + "\n"


def as_json(bench: RayBench) -> dict[str, Any]:
    def runs(items: list[Run]) -> list[dict[str, float]]:
        return [{"wall": r.wall, "seconds": r.seconds, "cpu": r.cpu, "docs": r.docs} for r in items]

    return {
        "cores": bench.cores,
        "side_by_side": {c: {m: runs(v) for m, v in modes.items()} for c, modes in bench.side_by_side.items()},
        "scaling": {str(n): runs(v) for n, v in bench.scaling.items()},
        "subset": runs(bench.subset),
        "ray_data_s": bench.ray_data,
        "local_files_s": bench.local_files,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ray_bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="200 small documents, 2 smaller PDFs, one run each")
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
