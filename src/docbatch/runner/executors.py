"""Where documents are processed: a local process pool (default) or a Ray cluster.

Both run :func:`docbatch.runner.worker.process_document` once per document and hand the pipeline a
future per document; :meth:`Executor.outcome` turns a finished future into a
:class:`~docbatch.model.DocResult`, including the ways a worker can be lost (a hang past the
timeout, a crash, running out of memory), so the pipeline never needs to know which ran it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from abc import ABC, abstractmethod
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import Any

from docbatch import languages
from docbatch.errors import ConfigError, RunStopped, internal_error
from docbatch.model import FAILED, DocResult, DocumentMeta
from docbatch.runner.memory import near_cap_marker, out_of_memory
from docbatch.runner.worker import Job, process_batch, process_document, process_next, start_worker

__all__ = ["Executor", "ProcessExecutor", "RayExecutor", "make_executor"]


class Executor(ABC):
    """Runs documents somewhere and reports each one's outcome."""

    #: How many documents to keep in flight: enough to keep every worker busy, few enough
    #: that memory stays flat however long the listing.
    slots: int = 4
    #: Most small documents handed out as one task (see submit_batch); 1: one task per document.
    batch_size: int = 1

    def __init__(self, job: Job, *, timeout: float) -> None:
        self.job = job
        self.timeout = timeout

    @abstractmethod
    def submit(self, doc: DocumentMeta) -> Future:
        """Start processing ``doc``; the future's result is its DocResult."""

    def submit_batch(self, docs: list[DocumentMeta]) -> Future:
        """Start processing ``docs`` as one task; the future's result is their DocResults in order.
        Only called when :attr:`batch_size` is over 1."""
        raise NotImplementedError

    def batch_outcome(self, future: Future) -> list[DocResult] | None:
        """The DocResults of a finished batch, or None when it was lost as a whole (a hang, a
        crash): which of its documents caused it is unknown, so each must be tried again alone."""
        try:
            return future.result()
        except Exception:  # any loss of the task is answered the same way
            return None

    def preload(self, file_types: set[str]) -> None:  # noqa: B027 - optional hook
        """Ready the partitioners of ``file_types`` before the first submit, where that saves work."""

    def outcome(self, future: Future, doc: DocumentMeta) -> DocResult:
        """The DocResult of a finished future, or a failed one saying how its worker was lost."""
        try:
            return future.result()
        except Exception as e:
            reason = self.lost_reason(e)
        return DocResult.of(doc, FAILED, reason)

    def lost_reason(self, error: BaseException) -> str:
        if isinstance(error, FutureTimeout):
            return f"timeout: still running after {self.timeout:g} s; worker stopped"
        if isinstance(error, MemoryError):
            return "out of memory"
        return internal_error(error)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, t: type | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close(now=e is not None)  # a run stopping on an error does not wait for its queue

    def close(self, *, now: bool = False) -> None:  # noqa: B027 - optional hook
        """Release workers, after the documents in flight unless ``now``."""


class ProcessExecutor(Executor):
    """A pebble process pool on this machine: per-task timeouts, dead workers replaced.

    Timeouts are kept here, on the monotonic clock, not by pebble: pebble times tasks with the
    wall clock, and a clock step (NTP catching up, a suspended VM resuming) failed every
    document in flight as a timeout. A watchdog thread stamps each task when it starts
    running and cancels it past the timeout, which makes pebble stop its worker.
    """

    #: How often pebble's pool threads look at the workers. Its default, 0.1 s, is also how
    #: long closing the pool waits for them: a tenth of a second on every run, a third of a
    #: short one. At 0.02 s two threads wake ~100 times a second, which costs nothing visible.
    POLL_SECONDS = 0.02
    #: How often the timeout watchdog looks at the running tasks: a timeout fires this late at most.
    WATCH_SECONDS = 0.1
    #: Batches are made of documents that took milliseconds (see docbatch.runner.dispatch); one still
    #: running after this long holds a document that hangs or is slow, and is redone one by one.
    BATCH_SECONDS = 10.0
    #: A task still waiting for a worker this long past three timeouts (what the tasks ahead of it
    #: in the queue could take at most) means a worker is wedged before it runs anything, e.g. in
    #: its initializer: the run stops instead of waiting for it forever.
    QUEUE_GRACE_SECONDS = 60.0
    batch_size = 32

    def __init__(
        self, job: Job, *, timeout: float, processes: int, max_memory: int | None = None, max_tasks: int = 0
    ) -> None:
        import pebble

        pebble.CONSTS.sleep_unit = self.POLL_SECONDS
        super().__init__(job, timeout=timeout)
        self.max_memory = max_memory
        self.slots = max(2, processes * 2)
        if job.partition.detect_languages:
            languages.preload()  # workers fork from this process and inherit the loaded model
        # a store whose library breaks in a forked child (LanceDB's async runtime) gets workers
        # started afresh: they import what they need themselves, at ~1 s each
        context = multiprocessing if job.destination.fork_safe else multiprocessing.get_context("spawn")
        self._pool = pebble.ProcessPool(
            max_workers=max(1, processes),
            max_tasks=max_tasks,
            initializer=start_worker,
            initargs=(job, max_memory, os.getpid()),
            context=context,
        )
        self._started: dict[Future, float | None] = {}  # in flight -> monotonic start, once running
        self._submitted: dict[Future, float] = {}  # in flight -> monotonic time it was handed out
        self._stalled: set[Future] = set()  # never started by any worker: see QUEUE_GRACE_SECONDS
        self._batches: set[Future] = set()  # in flight, holding a batch: timed by BATCH_SECONDS
        self._timed_out: set[Future] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="docbatch-timeouts", daemon=True)
        self._watchdog.start()

    def preload(self, file_types: set[str]) -> None:
        """Import the partitioners in this process: pebble forks its workers at the first
        submit, so they (and every worker that replaces one) inherit the modules."""
        import gc

        from docbatch.partitioners.registry import preload

        preload(file_types)
        # Move what is loaded so far out of the collector's sight: a worker's collections would
        # otherwise write to every inherited object's header and copy the shared pages one by one.
        gc.freeze()

    def submit(self, doc: DocumentMeta) -> Future:
        future = self._pool.schedule(process_next, args=(doc,))
        with self._lock:
            self._started[future] = None
            self._submitted[future] = time.monotonic()
        future.add_done_callback(self._forget)
        return future

    def submit_batch(self, docs: list[DocumentMeta]) -> Future:
        future = self._pool.schedule(process_batch, args=(docs,))
        with self._lock:
            self._started[future] = None
            self._submitted[future] = time.monotonic()
            self._batches.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._started.pop(future, None)
            self._submitted.pop(future, None)
            self._batches.discard(future)

    def _watch(self) -> None:
        batch_limit = min(self.timeout, self.BATCH_SECONDS)
        queue_limit = 3 * self.timeout + self.QUEUE_GRACE_SECONDS
        while not self._stop.wait(self.WATCH_SECONDS):
            now = time.monotonic()
            late, stalled = [], []
            with self._lock:
                for future, started in self._started.items():
                    if started is None:
                        if future.running():
                            self._started[future] = now
                        elif now - self._submitted.get(future, now) > queue_limit:
                            stalled.append(future)
                    elif now - started > (batch_limit if future in self._batches else self.timeout):
                        late.append(future)
                self._timed_out.update(late)
                self._stalled.update(stalled)
            for future in late + stalled:
                future.cancel()  # pebble stops the worker running it (a waiting one is dropped)

    def _check_stalled(self, future: Future) -> None:
        """Stop the run when ``future`` never found a worker (see QUEUE_GRACE_SECONDS). It gets no
        row: the rerun does it again."""
        with self._lock:
            stalled = future in self._stalled
            self._stalled.discard(future)
        if stalled:
            raise RunStopped(
                f"Stopped: no worker started a document in {3 * self.timeout + self.QUEUE_GRACE_SECONDS:g} s "
                "(a worker is stuck before running anything: an internal error); rerun to resume, and "
                "report it with -v output if it happens again."
            )

    def batch_outcome(self, future: Future) -> list[DocResult] | None:
        self._check_stalled(future)
        with self._lock:
            self._timed_out.discard(future)
        return super().batch_outcome(future)

    def outcome(self, future: Future, doc: DocumentMeta) -> DocResult:
        self._check_stalled(future)
        with self._lock:
            timed_out = future in self._timed_out
            self._timed_out.discard(future)
        if timed_out:
            return DocResult.of(doc, FAILED, f"timeout: still running after {self.timeout:g} s; worker stopped")
        return super().outcome(future, doc)

    def lost_reason(self, error: BaseException) -> str:
        from pebble import ProcessExpired

        if isinstance(error, ProcessExpired):
            if self._was_near_memory_cap(error.pid):
                return out_of_memory(self.max_memory)
            return _crash_reason(error.exitcode)
        if isinstance(error, MemoryError):
            return out_of_memory(self.max_memory)
        return super().lost_reason(error)

    def _was_near_memory_cap(self, pid: int | None) -> bool:
        """Whether worker ``pid`` left the marker that says it died near its memory cap (see
        :func:`docbatch.runner.memory.watch_memory`); the marker goes, so a reused pid starts clean."""
        if pid is None or self.job.temp_dir is None or not self.max_memory:
            return False
        marker = near_cap_marker(self.job.temp_dir, pid)
        if not marker.exists():
            return False
        marker.unlink(missing_ok=True)
        return True

    def close(self, *, now: bool = False) -> None:
        self._stop.set()
        if now:
            self._pool.stop()
        else:
            self._pool.close()
        self._pool.join()


class RayExecutor(Executor):
    """Tasks on a Ray cluster, to scale past one machine (``pip install 'docbatch[ray]'``).

    Every node needs docbatch installed, and with the local JSON destination the output dir
    must be on a filesystem all nodes share. Each task times itself with an alarm from the
    moment it starts; one stuck in C code that ignores the alarm is cancelled with force (which
    stops its worker process) once it has been out for twice the timeout plus a minute.
    """

    def __init__(self, job: Job, *, timeout: float, address: str | None = None, processes: int | None = None) -> None:
        try:
            import ray
        except ImportError as e:
            raise ConfigError("The Ray executor needs Ray; install it with pip install 'docbatch[ray]'.") from e
        super().__init__(job, timeout=timeout)
        self._ray = ray
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False}
            if address is None and processes:
                kwargs["num_cpus"] = processes
            ray.init(**kwargs)
        self.slots = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        self._task = ray.remote(num_cpus=1, max_retries=0)(_process_with_alarm)
        self._hard_limit = 2 * timeout + 60
        self._job_ref = ray.put(job)
        self._running: dict[Future, tuple[Any, float]] = {}
        self._timed_out: set[Future] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="docbatch-ray-timeouts", daemon=True)
        self._watchdog.start()

    def submit(self, doc: DocumentMeta) -> Future:
        ref = self._task.remote(self._job_ref, doc, self.timeout)
        future = ref.future()
        with self._lock:
            self._running[future] = (ref, time.monotonic())
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._running.pop(future, None)

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            with self._lock:
                late = [(f, ref) for f, (ref, t0) in self._running.items() if now - t0 > self._hard_limit]
            for future, ref in late:
                self._timed_out.add(future)
                self._ray.cancel(ref, force=True)
                self._forget(future)

    def outcome(self, future: Future, doc: DocumentMeta) -> DocResult:
        if future in self._timed_out:
            self._timed_out.discard(future)
            return DocResult.of(doc, FAILED, f"timeout: still running after {self.timeout:g} s; worker stopped")
        return super().outcome(future, doc)

    def lost_reason(self, error: BaseException) -> str:
        exceptions = self._ray.exceptions
        if isinstance(error, exceptions.OutOfMemoryError):
            return "out of memory"
        if isinstance(error, exceptions.WorkerCrashedError):
            return "worker crashed"
        if isinstance(error, exceptions.RayTaskError):
            cause = error.cause if getattr(error, "cause", None) is not None else error
            return internal_error(cause)
        return super().lost_reason(error)

    def close(self, *, now: bool = False) -> None:
        self._stop.set()


class _Alarm(BaseException):
    """Raised by SIGALRM inside a task; a BaseException so no ``except Exception`` swallows it."""


def _process_with_alarm(job: Job, doc: DocumentMeta, timeout: float) -> DocResult:
    """process_document, failed as a timeout when it runs longer than ``timeout`` seconds."""

    def ring(signum: int, frame: Any) -> None:
        raise _Alarm

    if threading.current_thread() is not threading.main_thread():
        return process_document(job, doc)
    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return process_document(job, doc)
    except _Alarm:
        return DocResult.of(doc, FAILED, f"timeout: still running after {timeout:g} s; stopped")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def make_executor(
    name: str,
    job: Job,
    *,
    timeout: float,
    processes: int,
    max_memory: int | None = None,
    address: str | None = None,
    max_tasks: int = 0,
) -> Executor:
    """The executor called ``name`` ("processes" or "ray")."""
    if name == "processes":
        return ProcessExecutor(job, timeout=timeout, processes=processes, max_memory=max_memory, max_tasks=max_tasks)
    if name == "ray":
        return RayExecutor(job, timeout=timeout, address=address, processes=processes)
    raise ConfigError(f"Unknown executor {name!r}; choose processes or ray.")


def _crash_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        if name == "SIGKILL":
            return "worker crashed: killed by SIGKILL (out of memory?)"
        return f"worker crashed: {name}"
    return f"worker crashed: exit code {exitcode}"
