"""Documents on a Ray cluster: one long-lived actor per node, each running docbatch's own pool.

Ray is the engine that places work on nodes and notices nodes that leave; docbatch's isolation
stays what it is on one machine. Each node gets one :class:`NodeWorker` actor holding all of its
CPUs, which runs a :class:`~docbatch.runner.executors.ProcessExecutor` as wide as the node: per-document
timeout, memory cap, crash isolation, one LibreOffice/Tesseract per worker, small documents in
batches. The driver (the ``docbatch`` command) lists, skips and records as with the local pool,
and hands each actor *calls* of many documents; only the small DocResult rows come back. Workers
read the source and write the destination themselves, so no filesystem is shared.

Why actors and not a Ray task per document, measured on the 2-core test machine (numbers in
``benchmarks/results/ray.md``): the old executor's task per document unpickled the run's Job in
every task, which with S3 in and out made two boto3 clients per document: 523 ms a document
against 16 ms with the Job kept (the 16x of issue 25); and each task cost the driver 0.5 ms of CPU
(1.0 ms through ``ObjectRef.future()``) and a round trip of 1 to 1.5 ms. An actor keeps its pool,
whose workers keep their Job and clients for the whole run; an actor call costs the driver
0.25 ms, once per call of about 0.2 s of work. Ray Data's ``map_batches`` over the same pool
(:mod:`docbatch.ray`) is for users' own pipelines: the driver here needs each document's row as
it finishes (the run record, the progress, a stop after the documents in flight) and decides
itself what to skip, which a streaming dataset hides from it, and on the same files it took
several times as long as this executor (the benchmark's last line).

Retries are explicit and finite. The actors are never restarted by Ray (``max_restarts=0``) nor
their calls retried (``max_task_retries=0``): a call lost with its node is sent by the driver to
another node, at most :data:`NODE_LOSSES` times, after which a batch is handed out one document
at a time and a single document fails with the reason. A hostile document never gets that far:
it kills a pool worker, not the actor, and fails alone in its node's pool.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docbatch.errors import ConfigError, DocbatchError, RunStopped, internal_error
from docbatch.model import FAILED, DocResult, DocumentMeta
from docbatch.runner.dispatch import Dispatcher
from docbatch.runner.executors import Executor, ProcessExecutor
from docbatch.runner.memory import memory_cap
from docbatch.runner.worker import Job
from docbatch.sources.base import Source

if TYPE_CHECKING:
    from docbatch.destinations.base import Destination
    from docbatch.runner.pipeline import RunOptions

__all__ = ["NODE_LOSSES", "NodeWorker", "RayExecutor", "connect", "disconnect", "run_documents"]

#: How many times a call lost with its node is sent to another node before its documents are
#: handed out alone (a batch) or failed (a single document).
NODE_LOSSES = 2
#: Calls in flight per CPU of a node: one running, one waiting, so a node never idles between calls.
CALLS_PER_CPU = 2
#: How often the driver looks for nodes that joined the cluster (a node replaced, an autoscaler).
NODES_SECONDS = 5.0
#: How often the driver looks at actors still starting.
WAIT_SECONDS = 0.1
#: How long the driver waits for a node with free CPUs before it stops the run.
PLACEMENT_SECONDS = 120.0


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ConfigError("The Ray executor needs Ray; install it with pip install 'docbatch[ray]'.") from e
    return ray


#: Whether docbatch itself started this process's Ray connection (then the run's end closes it;
#: a caller that initialised Ray keeps it).
_connected_here = False


def connect(address: str | None, processes: int) -> None:
    """Join the cluster at ``address``, or start a local Ray of ``processes`` CPUs."""
    global _connected_here
    ray = _ray()
    if ray.is_initialized():
        return
    kwargs: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False}
    if address is None:
        kwargs["num_cpus"] = processes
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise ConfigError(f"Cannot join the Ray cluster at {address}: {e}; check --ray-address.") from e
    _connected_here = True


def disconnect() -> None:
    """Leave Ray if docbatch joined it."""
    global _connected_here
    if _connected_here:
        _ray().shutdown()
        _connected_here = False


def _work_nodes() -> list[dict[str, Any]]:
    """The live nodes with at least one CPU: where documents can run."""
    return [n for n in _ray().nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) >= 1]


def _this_node() -> str:
    return _ray().get_runtime_context().get_node_id()


def _local_part(source: Source, destination: Destination) -> str | None:
    """What of the run lives on this machine's disk (or memory), or None."""
    from fsspec.utils import get_protocol

    def local_url(obj: object) -> bool:
        url = getattr(obj, "url", None)
        return isinstance(url, str) and get_protocol(url) in ("file", "local", "memory")

    root = destination.local_root()
    if root is not None or local_url(destination):
        return f"the output {root or destination.describe()}"
    if getattr(source, "name", "") == "local" or local_url(source):
        return f"the source {source.describe()}"
    return None


def run_documents(
    pool: Executor, docs: list[DocumentMeta], seconds: float | None
) -> tuple[list[DocResult], float | None]:
    """Every document's DocResult through ``pool``, as the driver's Dispatcher would hand them
    out (small ones batched, a lost batch redone one by one); with the seconds per document
    learned, to carry to the next call."""
    results: list[DocResult] = []
    dispatcher = Dispatcher(pool, results.append, seconds=seconds)
    for doc in docs:
        while dispatcher.full:
            dispatcher.drain(block=True)
        dispatcher.add(doc)
        dispatcher.drain(block=False)
    dispatcher.flush()
    while dispatcher.in_flight:
        dispatcher.drain(block=True)
    return results, dispatcher.seconds


class NodeWorker:
    """One node's share of a run: a local process pool as wide as the CPUs Ray gave this actor.

    The run's temporary files (and, without a shared filesystem, its downloads) go to a folder
    of this node, removed when the actor is closed; its pool workers die with the actor (they
    are the actor's children, started with a death signal), so a lost actor leaves no worker.
    """

    def __init__(self, job: Job, *, timeout: float, max_memory: int | str | None, max_tasks: int, shared: bool) -> None:
        ray = _ray()
        self.cpus = max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))
        self.temp = Path(tempfile.mkdtemp(prefix="docbatch-ray-"))
        job = replace(job, temp_dir=self.temp, download_dir=job.download_dir if shared else self.temp / "downloads")
        self.pool = ProcessExecutor(
            job, timeout=timeout, processes=self.cpus, max_memory=memory_cap(max_memory, self.cpus), max_tasks=max_tasks
        )
        self._seconds: float | None = None

    def preload(self, file_types: set[str]) -> int:
        """Import the partitioners of ``file_types`` before the pool's first task forks its
        workers; this node's CPUs. The driver sends no document before this answered."""
        self.pool.preload(file_types)
        return self.cpus

    def run(self, docs: list[DocumentMeta]) -> list[DocResult]:
        """The DocResults of ``docs``, processed in this node's pool (calls run side by side)."""
        results, self._seconds = run_documents(self.pool, docs, self._seconds)
        return results

    def close(self) -> None:
        self.pool.close()
        shutil.rmtree(self.temp, ignore_errors=True)


@dataclass(slots=True)
class _Actor:
    node: str
    handle: Any
    cpus: int = 0  # 0 until the actor answered preload()
    ready_ref: Any = None
    in_flight: int = 0


@dataclass(slots=True)
class _Call:
    actor: _Actor
    docs: list[DocumentMeta]
    losses: int


class RayExecutor(Executor):
    """The driver's side: sends calls of documents to the node actors, retries lost nodes' calls."""

    batch_size = 512
    #: A call is worth ~0.3 ms of the driver's CPU: a call of 0.2 s of work keeps that well under
    #: 1%, and a node holds only two of them (CALLS_PER_CPU) when the listing ends.
    batch_seconds = 0.2

    def __init__(
        self,
        job: Job,
        *,
        timeout: float,
        address: str | None = None,
        processes: int = 2,
        max_memory: int | str | None = None,
        max_tasks: int = 0,
        shared_filesystem: bool = False,
    ) -> None:
        super().__init__(job, timeout=timeout)
        self._ray = _ray()
        connect(address, processes)
        # paths the actors get from the driver must mean the same on their node
        self.job = replace(job, download_dir=job.download_dir.absolute())
        self._options = {"timeout": timeout, "max_memory": max_memory, "max_tasks": max_tasks}
        self._shared = shared_filesystem
        self._here = _this_node()
        self._actors: dict[str, _Actor] = {}
        self._losses: Counter[str] = Counter()  # node -> actors lost there (a node still alive gets another)
        self._calls: dict[Future, _Call] = {}
        self._lost: dict[Future, _Call] = {}  # given up on: their outcome says so
        self._lock = threading.Lock()
        self._file_types: set[str] = set()
        self._looked = self._polled = 0.0
        self.slots = 2
        self._place()  # the actors start while the driver lists the destination and peeks at the source

    @classmethod
    def start(cls, job: Job, options: RunOptions) -> RayExecutor:
        return cls(
            job,
            timeout=options.timeout,
            address=options.ray_address,
            processes=options.num_processes,
            max_memory=options.max_memory,  # "auto" is worked out on each node, from its memory
            max_tasks=options.max_tasks_per_worker,
            shared_filesystem=options.shared_filesystem,
        )

    @classmethod
    def check(cls, source: Source, destination: Destination, options: RunOptions) -> None:
        """Stop before any work when the run's source or output is a folder of this machine and the
        cluster would run documents on other nodes (each would read and write its own disk)."""
        connect(options.ray_address, options.num_processes)
        if options.shared_filesystem:
            return
        local = _local_part(source, destination)
        here = _this_node()
        if local and any(n["NodeID"] != here for n in _work_nodes()):
            disconnect()
            raise ConfigError(
                f"{local[0].upper()}{local[1:]} is a folder of this machine, but the Ray cluster runs documents "
                "on other nodes; use an s3://, other fsspec or postgresql:// location, or pass "
                "--shared-filesystem if every node mounts it at the same path."
            )

    def preload(self, file_types: set[str]) -> None:
        self._file_types = set(file_types)
        for actor in self._actors.values():
            actor.ready_ref = actor.handle.preload.remote(self._file_types)

    def _place(self) -> None:
        """Start an actor on every node with CPUs that has none yet (one that joins later is
        readied with the file types already known)."""
        self._looked = time.monotonic()
        remote = self._ray.remote(NodeWorker)
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        for node in _work_nodes():
            node_id = node["NodeID"]
            if node_id in self._actors or self._losses[node_id] > NODE_LOSSES:
                continue
            handle = remote.options(
                num_cpus=int(node["Resources"]["CPU"]),
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
                max_restarts=0,
                max_task_retries=0,
                # calls run side by side, feeding one pool; one more thread answers preload() and close()
                max_concurrency=CALLS_PER_CPU * int(node["Resources"]["CPU"]) + 1,
            ).remote(self.job, shared=self._shared or node_id == self._here, **self._options)
            self._actors[node_id] = _Actor(node_id, handle, ready_ref=handle.preload.remote(self._file_types))

    def _ready_actors(self) -> list[_Actor]:
        """The actors that answered preload(), waiting (for a while) for the first one. Actors
        still starting are looked at every WAIT_SECONDS at most, so a busy run pays nothing."""
        deadline = time.monotonic() + PLACEMENT_SECONDS
        while True:
            now = time.monotonic()
            if now - self._looked > NODES_SECONDS:
                self._place()
            ready = [a for a in self._actors.values() if a.cpus]
            waiting = {a.ready_ref: a for a in self._actors.values() if not a.cpus}
            if waiting and (not ready or now - self._polled > WAIT_SECONDS):
                self._polled = now
                done, _ = self._ray.wait(
                    list(waiting), num_returns=len(waiting) if ready else 1, timeout=0 if ready else WAIT_SECONDS
                )
                for ref in done:
                    actor = waiting[ref]
                    try:
                        actor.cpus = self._ray.get(ref)
                    except self._ray.exceptions.RayError:  # it never started: its node is gone
                        self._drop(actor)
                    actor.ready_ref = None
                ready = [a for a in self._actors.values() if a.cpus]
                self.slots = max(2, sum(CALLS_PER_CPU * a.cpus for a in ready))
            if ready:
                return ready
            if time.monotonic() > deadline:
                raise RunStopped(
                    f"Stopped: no Ray node with free CPUs took docbatch's workers in {PLACEMENT_SECONDS:g} s; "
                    "add nodes or free CPUs, then rerun to resume."
                )
            if not waiting:
                time.sleep(WAIT_SECONDS)  # no actor at all: wait for a node to join

    def _drop(self, actor: _Actor) -> None:
        self._actors.pop(actor.node, None)
        self._losses[actor.node] += 1
        with contextlib.suppress(Exception):
            self._ray.kill(actor.handle, no_restart=True)

    def submit(self, doc: DocumentMeta) -> Future:
        return self._send([doc], 0)

    def submit_batch(self, docs: list[DocumentMeta]) -> Future:
        return self._send(docs, 0)

    def _send(self, docs: list[DocumentMeta], losses: int) -> Future:
        ready = self._ready_actors()
        actor = min(ready, key=lambda a: a.in_flight / a.cpus)
        future = actor.handle.run.remote(docs).future()
        with self._lock:
            actor.in_flight += 1
            self._calls[future] = _Call(actor, docs, losses)
        return future

    def retry(self, future: Future) -> Future | None:
        with self._lock:
            call = self._calls.pop(future)
            call.actor.in_flight -= 1
        error = future.exception()
        if error is None:
            return None
        if self._node_lost(error):
            if self._actors.get(call.actor.node) is call.actor:
                self._drop(call.actor)
            if call.losses < NODE_LOSSES:
                return self._send(call.docs, call.losses + 1)
        self._lost[future] = call
        if isinstance(error, self._ray.exceptions.RayTaskError) and isinstance(error.cause, DocbatchError):
            raise error.cause  # the node's pool stopped the run (a wedged worker): the driver stops too
        return None

    def _node_lost(self, error: BaseException) -> bool:
        e = self._ray.exceptions
        return isinstance(error, e.RayActorError | e.NodeDiedError | e.ObjectLostError | e.WorkerCrashedError)

    def batch_outcome(self, future: Future) -> list[DocResult] | None:
        self._lost.pop(future, None)
        return super().batch_outcome(future)

    def outcome(self, future: Future, doc: DocumentMeta) -> DocResult:
        call = self._lost.pop(future, None)
        try:
            return future.result()[0]
        except Exception as e:
            if call is not None and self._node_lost(e):
                reason = f"lost with its Ray node {call.losses + 1} times in a row; rerun to try it again"
            else:
                reason = self.lost_reason(e)
        return DocResult.of(doc, FAILED, reason)

    def lost_reason(self, error: BaseException) -> str:
        if isinstance(error, self._ray.exceptions.RayTaskError) and error.cause is not None:
            return internal_error(error.cause)
        return super().lost_reason(error)

    def close(self, *, now: bool = False) -> None:
        actors = list(self._actors.values())
        if not now:  # let each node close its pool and remove its temporary folder
            with contextlib.suppress(Exception):
                self._ray.get([a.handle.close.remote() for a in actors if a.cpus], timeout=60)
        for actor in actors:
            with contextlib.suppress(Exception):
                self._ray.kill(actor.handle, no_restart=True)
        self._actors.clear()
        disconnect()
