"""Incremental reruns and database writes: what a nightly rerun costs, and how fast rows go in.

    python -m benchmarks.incremental --docs 10000

1. S3 -> S3 through moto's server on 127.0.0.1: ``--docs`` small text documents are processed
   once, then the same command runs again with nothing changed. The rerun's seconds and every
   request it made (moto's request recorder, so nothing is missed whichever process sent it)
   are reported; it should read listings only, never a document or an output.
2. PostgreSQL write rate: documents of ``--elements`` elements each written straight through
   the PostgreSQL destination (one transaction per document, rows by COPY) into a throwaway
   server started with initdb/pg_ctl on a loopback port (skipped when the binaries are absent).

Also run by ``python -m benchmarks --incremental N``. Both talk to loopback only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import CACHE_DIR, REPO_DIR, RESULTS_DIR
from benchmarks.measure import bench_env, python

__all__ = ["IncrementalResult", "measure", "pg_write_rate", "s3_rerun"]

# moto's recorder writes to a file in the working directory unless told otherwise.
os.environ.setdefault("MOTO_RECORDER_FILEPATH", os.path.join(tempfile.mkdtemp(prefix="moto-"), "recording"))


@dataclass
class IncrementalResult:
    docs: int = 0
    first_run_s: float = 0.0
    rerun_s: float = 0.0
    rerun_summary: str = ""
    rerun_requests: dict[str, int] = field(default_factory=dict)
    pg_documents: int = 0
    pg_elements: int = 0
    pg_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def pg_elements_per_s(self) -> float:
        return self.pg_elements / self.pg_seconds if self.pg_seconds else 0.0

    def lines(self) -> list[str]:
        total = sum(self.rerun_requests.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.rerun_requests.items()))
        out = [
            f"S3 -> S3, {self.docs} small documents: first run {self.first_run_s:.1f} s; rerun with nothing "
            f"changed {self.rerun_s:.1f} s and {total} S3 requests ({kinds}); summary: {self.rerun_summary}",
        ]
        if self.pg_elements:
            out.append(
                f"PostgreSQL: {self.pg_elements} elements in {self.pg_documents} documents written in "
                f"{self.pg_seconds:.1f} s = {self.pg_elements_per_s:,.0f} elements/s (one process, one "
                "transaction per document)"
            )
        return out + self.notes


def _server() -> tuple[Any, str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def _fill(client: Any, docs: int) -> None:
    client.create_bucket(Bucket="src")
    client.create_bucket(Bucket="out")

    def put(i: int) -> None:
        body = f"Document {i}\n\nA short paragraph of document {i}.\n\n- one point\n- another point\n"
        client.put_object(Bucket="src", Key=f"docs/{i // 1000:02d}/doc{i:05d}.txt", Body=body.encode())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(docs)))


def _recorder(url: str, action: str) -> str:
    method = "GET" if action == "download-recording" else "POST"
    request = urllib.request.Request(f"{url}/moto-api/recorder/{action}", method=method)
    return urllib.request.urlopen(request).read().decode()


def _request_kinds(recording: str) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for line in recording.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        path, _, query = entry.get("url", "").partition("?")
        bucket = path.split("/")[3] if path.count("/") >= 3 else "?"
        what = "list" if "list-type" in query else "object"
        kinds[f"{entry.get('method')} {what} {bucket}"] += 1
    return kinds


def s3_rerun(result: IncrementalResult, docs: int, work: Path, processes: int = 2) -> None:
    """Process ``docs`` documents S3 -> S3, then rerun unchanged and record its cost."""
    import boto3

    server, url = _server()
    try:
        env = bench_env(XDG_CACHE_HOME=str(work / "cache"))
        client = boto3.client(
            "s3",
            endpoint_url=url,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        _fill(client, docs)
        cmd = [python(), "-m", "docbatch", "s3", "--s3-url", "s3://src/docs/", "--endpoint-url", url]
        cmd += ["--structured-output-dir", "s3://out/outputs/", "--num-processes", str(processes)]
        cmd += ["--download-dir", str(work / "downloads")]
        result.docs = docs
        result.first_run_s, _ = _timed_run(cmd, env, work / "first.log")
        _recorder(url, "reset-recording")
        _recorder(url, "start-recording")
        result.rerun_s, summary = _timed_run(cmd, env, work / "rerun.log")
        _recorder(url, "stop-recording")
        result.rerun_summary = summary
        result.rerun_requests = dict(_request_kinds(_recorder(url, "download-recording")))
    finally:
        server.stop()


def _timed_run(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=7200, cwd=log.parent)
    seconds = time.perf_counter() - start
    log.write_text(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"docbatch exited {done.returncode}; see {log}")
    summary = next((line for line in done.stderr.splitlines() if " documents in " in line), "")
    return seconds, summary


def pg_write_rate(result: IncrementalResult, documents: int, elements: int) -> None:
    """Write ``documents`` x ``elements`` through the PostgreSQL destination and time it."""
    sys.path.insert(0, str(REPO_DIR / "tests"))  # the tests' throwaway-server helper
    from postgres_server import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        result.notes.append("PostgreSQL write rate skipped: no initdb/pg_ctl (apt-get install postgresql)")
        return
    from docbatch.destinations.postgresql import PostgresDestination
    from docbatch.model import DocumentMeta

    server = PostgresServer(bin_dir)
    server.start()
    try:
        destination = PostgresDestination(server.url + "?table=bench")
        destination.check()
        batch = [_element(i) for i in range(elements)]
        start = time.perf_counter()
        for d in range(documents):
            doc = DocumentMeta(uri=f"s3://src/docs/doc{d:05d}.txt", key=f"docs/doc{d:05d}.txt", version=f"v{d}")
            destination.write(doc, batch, f"stamp{d}")
        result.pg_seconds = time.perf_counter() - start
        result.pg_documents, result.pg_elements = documents, documents * elements
    finally:
        server.stop()


def _element(i: int) -> dict[str, Any]:
    return {
        "type": "NarrativeText" if i % 5 else "Title",
        "element_id": f"{i:032x}",
        "text": f"Paragraph {i}: a sentence of ordinary length, as documents have many of them.",
        "metadata": {"filename": "doc.txt", "filetype": "text/plain", "languages": ["eng"], "page_number": 1},
    }


def measure(docs: int, *, pg_documents: int = 2000, pg_elements: int = 50) -> IncrementalResult:
    work = Path(tempfile.mkdtemp(prefix="incremental-", dir=CACHE_DIR if CACHE_DIR.is_dir() else None))
    result = IncrementalResult()
    s3_rerun(result, docs, work)
    pg_write_rate(result, pg_documents, pg_elements)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.incremental", description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=10000, help="documents in the S3 -> S3 rerun (default 10000)")
    p.add_argument("--pg-documents", type=int, default=2000, help="documents written to PostgreSQL (default 2000)")
    p.add_argument("--elements", type=int, default=50, help="elements per PostgreSQL document (default 50)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="where incremental.json goes")
    args = p.parse_args(argv)
    result = measure(args.docs, pg_documents=args.pg_documents, pg_elements=args.elements)
    text = "\n".join(result.lines())
    print(text)
    record = {**asdict(result), "pg_elements_per_s": round(result.pg_elements_per_s)}
    print(json.dumps(record, indent=2))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "incremental.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
