"""Whole-run properties beyond per-format speed: start-up, scaling, memory flatness, S3 vs local.

These answer the questions a user asks before pointing docbatch at a bucket: how long before the
first document is done, does a second process help, does memory grow with the number of
documents, and what does reading from S3 cost compared with a local folder.
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass
from pathlib import Path

from benchmarks.document import make_document
from benchmarks.generate import GENERATOR_VERSION, write_html, write_md, write_txt
from benchmarks.measure import Measured, bench_env, python, run_measured
from benchmarks.speed import run_tool, stage, tool_missing

__all__ = ["Startup", "memory_flatness", "s3_vs_local", "scaling", "small_documents", "startup"]


@dataclass(frozen=True, slots=True)
class Startup:
    """Median wall seconds and peak RSS of one whole command."""

    label: str
    seconds: float
    peak_rss: int
    ok: bool


def _median_run(label: str, cmd: list[str], work: Path, times: int) -> Startup:
    runs: list[Measured] = []
    for i in range(times):
        runs.append(run_measured(cmd, log=work / f"startup-{label.replace(' ', '_')}-{i}.log", limit=300))
    ok = all(r.returncode == 0 for r in runs)
    return Startup(label, statistics.median(r.seconds for r in runs), max(r.peak_rss for r in runs), ok)


def startup(one_file: Path, work: Path, *, times: int = 5) -> list[Startup]:
    """``docbatch --help`` and a one-file run, against importing unstructured and a one-file partition."""
    docbatch = shutil.which("docbatch")
    base = [docbatch] if docbatch else [python(), "-m", "docbatch"]
    out = work / "startup-out"
    rows = [
        _median_run("docbatch --help", [*base, "--help"], work, times),
        _median_run(
            "docbatch: one-file run",
            [*base, "local", str(one_file), "--structured-output-dir", str(out), "--reprocess", "--num-processes", "1"],
            work,
            times,
        ),
    ]
    if tool_missing("unstructured") is None:
        rows.append(
            _median_run(
                "unstructured: import partition",
                [python(), "-c", "from unstructured.partition.auto import partition"],
                work,
                times,
            )
        )
        snippet = (
            "from benchmarks.offline import guard_network, provide_spacy_model; guard_network()\n"
            "from unstructured.partition.auto import partition; provide_spacy_model()\n"
            f"partition(filename={str(one_file)!r}, strategy='fast')"
        )
        rows.append(_median_run("unstructured: one-file partition", [python(), "-c", snippet], work, times))
    return rows


def scaling(files: list[Path], work: Path, *, tools: tuple[str, ...], timeout: float) -> dict[str, dict[int, float]]:
    """files/s with 1 and 2 worker processes for each tool (interleaved), same files."""
    folder = work / "scaling" / "input"
    staged = stage(files, folder)
    out: dict[str, dict[int, float]] = {t: {} for t in tools if tool_missing(t) is None}
    for procs in (1, 2):
        for tool in out:
            run = run_tool(tool, folder, staged, work / "scaling" / f"{tool}-{procs}", procs=procs, timeout=timeout)
            out[tool][procs] = len(files) / run.measured.seconds
    return out


def small_documents(root: Path, count: int) -> list[Path]:
    """``count`` one-section documents as txt/md/html in turn (cached)."""
    folder = root / f"v{GENERATOR_VERSION}" / "small"
    folder.mkdir(parents=True, exist_ok=True)
    writers = [("txt", write_txt), ("md", write_md), ("html", write_html)]
    paths = []
    for i in range(count):
        ext, writer = writers[i % len(writers)]
        path = folder / f"small-{i:05d}.{ext}"
        if not path.is_file():
            writer(make_document(10_000 + i, sections=1), path)
        paths.append(path)
    return paths


def memory_flatness(root: Path, work: Path, *, counts: tuple[int, int], timeout: float) -> dict[int, tuple[float, int]]:
    """docbatch's (seconds, peak RSS) over ``counts[0]`` and ``counts[1]`` small documents."""
    result = {}
    docs = small_documents(root, max(counts))
    for n in counts:
        folder = work / f"flat-{n}" / "input"
        staged = stage(docs[:n], folder)
        run = run_tool("docbatch", folder, staged, work / f"flat-{n}" / "out", procs=2, timeout=timeout)
        result[n] = (run.measured.seconds, run.measured.peak_rss)
        shutil.rmtree(work / f"flat-{n}", ignore_errors=True)
    return result


def s3_vs_local(files: list[Path], work: Path, *, timeout: float) -> dict[str, tuple[float, int, int]]:
    """docbatch over the same files from a moto S3 server on 127.0.0.1 and from a local folder.

    Returns label -> (seconds, peak RSS, failed documents).
    """
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        env = bench_env(AWS_ENDPOINT_URL=url)
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="bench")
        folder = work / "s3" / "input"
        staged = stage(files, folder)
        for p in staged:
            s3.upload_file(str(p), "bench", f"docs/{p.name}")
        results = {}
        for label in ("local", "s3"):
            out = work / "s3" / f"out-{label}"
            shutil.rmtree(out, ignore_errors=True)
            if label == "local":
                cmd = [python(), "-m", "docbatch", "local", str(folder)]
            else:
                cmd = [python(), "-m", "docbatch", "s3", "--s3-url", "s3://bench/docs/", "--endpoint-url", url]
                cmd += ["--download-dir", str(work / "s3" / "downloads")]
            cmd += ["--structured-output-dir", str(out), "--num-processes", "2", "--timeout", str(timeout)]
            m = run_measured(cmd, log=work / "s3" / f"{label}.log", env=env, limit=timeout * len(files) + 300)
            produced = len(list(out.rglob("*.json"))) if out.exists() else 0
            results[label] = (m.seconds, m.peak_rss, len(files) - produced)
        return results
    finally:
        server.stop()
