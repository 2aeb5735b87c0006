"""The Ray executor on a real multi-node cluster: Ray's own ``Cluster`` on this machine, a head with
no CPUs and two 1-CPU worker nodes, shared by every test here (skipped without the ray extra).

Runs go through the CLI as users run them, S3 in and out through the moto server; the tests that
need misbehaving documents run the pipeline in this process, connected to the cluster with a
worker setup hook that routes .txt files to tests/_partitioners.py (Ray's workers are not forked
from the test process, so they would not see a registration made here).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.runner.pipeline import RunOptions, run
from docbatch.sources.local import LocalSource
from support import FAKE_CREDENTIALS, REPO, S3Server, cli_env, kill_mid_run, load_outputs, run_cli, write_files

ray = pytest.importorskip("ray")

from ray.cluster_utils import Cluster  # noqa: E402 - only once ray is known to be there

TESTS = REPO / "tests"  # where _partitioners.py, the setup hook, lives
SETUP_HOOK = "_partitioners.route_txt_to_misbehave"


@contextlib.contextmanager
def _node_environment() -> Iterator[None]:
    """The environment a node starts with (Cluster starts raylets from this process's): this
    checkout's code and the tests' partitioners on the path, S3 credentials for moto."""
    saved = dict(os.environ)
    os.environ.update(FAKE_CREDENTIALS, AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), str(REPO / "src"), saved.get("PYTHONPATH")) if p)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with _node_environment():
        c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
        for _ in range(2):
            c.add_node(num_cpus=1)
        c.wait_for_nodes()
    # this process is a driver too, for the runs made in-process
    ray.init(address=c.address, runtime_env={"worker_process_setup_hook": SETUP_HOOK}, log_to_driver=False)
    try:
        yield c
    finally:
        ray.shutdown()
        c.shutdown()


def _cluster_args(cluster: Cluster) -> list[str]:
    return ["--executor", "ray", "--ray-address", cluster.address]


def _ray_options(cluster: Cluster, tmp_path: Path, **extra) -> RunOptions:
    # every node of this test cluster is this machine: its folders are shared for real
    return RunOptions(
        executor="ray", ray_address=cluster.address, shared_filesystem=True, download_dir=tmp_path / "dl", **extra
    )


def _without_volatile(value):
    """An output with what differs from run to run (processing time, the output's own URL) left out."""
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k != "date_processed"}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def _s3_outputs(server: S3Server, bucket: str, prefix: str) -> dict[str, list]:
    found = {}
    for page in server.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", ()):
            rel = obj["Key"][len(prefix) :]
            if not rel.startswith(".docbatch/"):
                found[rel] = json.loads(server.client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
    return found


def test_s3_in_and_out_on_two_nodes_matches_the_local_pool_and_a_rerun_does_nothing(cluster, s3_server, tmp_path):
    name = uuid.uuid4().hex[:8]
    files = {f"samples/{p.relative_to(REPO / 'samples')}": p.read_bytes() for p in (REPO / "samples").rglob("*.*")}
    files.update({f"notes/n{i:02d}.txt": f"Note {i}\n\nThe body of note {i}.\n".encode() for i in range(30)})
    s3_server.bucket(f"src-{name}", files)
    s3_server.client.create_bucket(Bucket=f"out-{name}")
    env = cli_env(XDG_CACHE_HOME=str(tmp_path / "cache"))

    def docbatch(output: str, *extra: str) -> subprocess.CompletedProcess:
        args = ["s3", "--s3-url", f"s3://src-{name}/", "--endpoint-url", s3_server.url]
        return run_cli([*args, "--structured-output-dir", f"s3://out-{name}/{output}/", *extra], cwd=tmp_path, env=env)

    on_ray = docbatch("ray", *_cluster_args(cluster))
    assert on_ray.returncode == 0, on_ray.stderr
    assert f"{len(files)} ok, 0 skipped, 0 failed" in on_ray.stderr
    local = docbatch("local", "--num-processes", "2")
    assert local.returncode == 0, local.stderr
    ray_outputs = _s3_outputs(s3_server, f"out-{name}", "ray/")
    assert len(ray_outputs) == len(files)
    assert _without_volatile(ray_outputs) == _without_volatile(_s3_outputs(s3_server, f"out-{name}", "local/"))

    rerun = docbatch("ray", *_cluster_args(cluster))
    assert rerun.returncode == 0, rerun.stderr
    assert f"0 ok, {len(files)} skipped, 0 failed" in rerun.stderr


def test_a_local_folder_on_a_multi_node_cluster_is_refused_unless_shared(cluster, tmp_path):
    src = write_files(tmp_path / "src", {f"d{i}.txt": f"Document {i}" for i in range(3)})
    out = tmp_path / "out"
    refused = run_cli(["local", str(src), "--structured-output-dir", str(out), *_cluster_args(cluster)], cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if "Error" in line]
    assert len(lines) == 1 and "is a folder of this machine" in lines[0] and "--shared-filesystem" in lines[0]
    assert not out.exists()  # stopped before any work
    # a local source is refused too, before the output (here a bucket never reached) is touched
    local_source = run_cli(
        ["local", str(src), "--structured-output-dir", "s3://never-reached/out/", *_cluster_args(cluster)], cwd=tmp_path
    )
    assert local_source.returncode == 2, local_source.stderr
    assert f"The source local {src} is a folder of this machine" in local_source.stderr

    shared = run_cli(
        ["local", str(src), "--structured-output-dir", str(out), "--shared-filesystem", *_cluster_args(cluster)],
        cwd=tmp_path,
    )
    assert shared.returncode == 0, shared.stderr
    assert len(load_outputs(out)) == 3


def test_hanging_segfaulting_and_memory_hog_documents_fail_alone_on_the_cluster(cluster, tmp_path):
    files = {f"ok{i:02d}.txt": f"Fine document {i}" for i in range(8)}
    files.update({"hang.txt": "HANG", "segv.txt": "SEGV", "hog.txt": "MEMORY"})
    src = write_files(tmp_path / "src", files)
    results = {}
    summary = run(
        LocalSource(src),
        LocalJSONDestination(tmp_path / "out"),
        _ray_options(cluster, tmp_path, timeout=2, max_memory="512M"),
        on_result=lambda r: results.__setitem__(r.key, r),
    )
    assert (summary.ok, summary.failed) == (8, 3)
    assert results["hang.txt"].reason == "timeout: still running after 2 s; worker stopped"
    assert results["segv.txt"].reason == "worker crashed: SIGSEGV"
    assert results["hog.txt"].reason.startswith("out of memory (over the --max-memory cap of 512M)")
    assert sorted(load_outputs(tmp_path / "out")) == [f"ok{i:02d}.txt.json" for i in range(8)]


def test_a_node_removed_mid_run_loses_nothing_and_every_output_is_written_once(cluster, tmp_path):
    count = 40
    src = write_files(tmp_path / "src", {f"d{i:02d}.txt": f"SLOW 0.1 document {i}" for i in range(count)})
    out = tmp_path / "out"
    victim = next(iter(cluster.worker_nodes))
    seen: list[str] = []

    def remove_a_node_once_started(result) -> None:
        seen.append(result.key)
        if len(seen) == 5:
            cluster.remove_node(victim)

    first = run(
        LocalSource(src),
        LocalJSONDestination(out),
        _ray_options(cluster, tmp_path),
        on_result=remove_a_node_once_started,
    )
    with _node_environment():  # the next tests get two nodes again
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
    rerun = run(LocalSource(src), LocalJSONDestination(out), _ray_options(cluster, tmp_path))
    assert first.ok + rerun.ok == count and rerun.skipped == first.ok
    assert first.failed == rerun.failed == 0
    assert len(seen) == len(set(seen)) == count  # one row per document in the run the node left
    outputs = load_outputs(out)
    assert sorted(outputs) == [f"d{i:02d}.txt.json" for i in range(count)]
    assert all(len(elements) == 1 for elements in outputs.values())


def _driver(cluster: Cluster, args: list[str]) -> list[str]:
    """The docbatch command as a driver of the test cluster whose workers misbehave on command."""
    code = (
        "import sys, ray; "
        f"ray.init(address={cluster.address!r}, runtime_env={{'worker_process_setup_hook': {SETUP_HOOK!r}}}, "
        "log_to_driver=False); "
        "from docbatch.cli import main; main(sys.argv[1:])"
    )
    return [sys.executable, "-c", code, *args]


def test_ctrl_c_and_a_killed_driver_resume_from_the_destination(cluster, tmp_path):
    count = 60
    src = write_files(tmp_path / "src", {f"d{i:02d}.txt": f"SLOW 0.1 document {i}" for i in range(count)})
    out = tmp_path / "out"
    args = _driver(cluster, ["local", str(src), "--structured-output-dir", str(out), "--shared-filesystem"])
    args += _cluster_args(cluster)
    env = cli_env()

    def some_done() -> bool:
        return len(list(out.glob("*.json"))) >= 5

    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None and not some_done():
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Interrupted; rerun the same command to resume." in stderr
    interrupted = len(load_outputs(out))
    assert 5 <= interrupted < count

    kill_mid_run(args, lambda: len(list(out.glob("*.json"))) >= interrupted + 5, cwd=tmp_path, env=env)
    killed = len(load_outputs(out))  # at least: the killed driver's actors may finish a call or two

    rerun = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    done = re.search(r"(\d+) ok, (\d+) skipped, 0 failed", rerun.stderr)
    assert done, rerun.stderr
    ok, skipped = map(int, done.groups())
    assert ok + skipped == count and killed <= skipped < count
    assert sorted(load_outputs(out)) == [f"d{i:02d}.txt.json" for i in range(count)]
    report = run_cli(["report", str(out)], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert f"{ok} ok" in report.stdout and f"{skipped} skipped" in report.stdout, report.stdout


def test_ray_data_partitioner_gives_element_rows_and_a_hanging_document_fails_alone(cluster, tmp_path):
    from docbatch.ray import Partitioner

    src = write_files(tmp_path / "src", {"a.txt": "Fine document a", "hang.txt": "HANG"})
    items = [
        {"path": str(src / "a.txt"), "bytes": None},
        {"path": str(src / "hang.txt"), "bytes": None},
        {"path": "s3://elsewhere/b.txt", "bytes": b"Fine document b"},
    ]
    kwargs = {"timeout": 2, "chunking_strategy": "basic", "max_characters": 200}
    rows = (
        ray.data.from_items(items)
        .map_batches(Partitioner, fn_constructor_kwargs=kwargs, concurrency=1, num_cpus=1, batch_size=8)
        .take_all()
    )
    by_path = {row["path"]: row for row in rows}
    assert len(rows) == 3
    assert by_path[str(src / "a.txt")]["text"] == "Fine document a"
    assert by_path[str(src / "a.txt")]["type"] == "CompositeElement"  # chunks, as --chunking-strategy basic
    assert by_path["s3://elsewhere/b.txt"]["text"] == "Fine document b"
    assert json.loads(by_path["s3://elsewhere/b.txt"]["metadata"])["filename"] == "b.txt"
    hang = by_path[str(src / "hang.txt")]
    assert (hang["status"], hang["reason"], hang["text"]) == (
        "failed",
        "timeout: still running after 2 s; worker stopped",
        None,
    )
