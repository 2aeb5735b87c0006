"""Where documents are processed: a local process pool (default) or a Ray cluster (whose nodes
each run that same pool: see :mod:`docbatch.runner.raycluster`).

Both run :func:`docbatch.runner.worker.process_document` once per document and hand the pipeline a
future per document or batch; :meth:`Executor.outcome` turns a finished future into a
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
from typing import TYPE_CHECKING

from docbatch import languages
from docbatch.errors import RunStopped, internal_error
from docbatch.model import FAILED, DocResult, DocumentMeta
from docbatch.runner.memory import memory_cap, near_cap_marker, out_of_memory
from docbatch.runner.worker import Job, process_batch, process_next, start_worker

if TYPE_CHECKING:
    from docbatch.destinations.base import Destination
    from docbatch.runner.pipeline import RunOptions
    from docbatch.sources.base import Source

__all__ = ["Executor", "ProcessExecutor"]


class Executor(ABC):
    """Runs documents somewhere and reports each one's outcome."""

    #: How many documents to keep in flight: enough to keep every worker busy, few enough
    #: that memory stays flat however long the listing.
    slots: int = 4
    #: Most small documents handed out as one task (see submit_batch); 1: one task per document.
    batch_size: int = 1
    #: Work one batch should hold, in worker seconds: enough that the per-task cost is a few
    #: percent of it, little enough that a worker never sits on many documents others could take.
    batch_seconds: float = 0.05

    def __init__(self, job: Job, *, timeout: float) -> None:
        self.job = job
        self.timeout = timeout

    @classmethod
    @abstractmethod
    def start(cls, job: Job, options: RunOptions) -> Executor:
        """The executor a run with ``options`` asks for."""

    @classmethod  # noqa: B027 - optional hook
    def check(cls, source: Source, destination: Destination, options: RunOptions) -> None:
        """Refuse a run before any work is done (ConfigError), when this executor cannot serve it."""

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

    def retry(self, future: Future) -> Future | None:
        """A new future doing the finished ``future``'s work again, when the executor retries work
        lost for no fault of its documents (see :mod:`docbatch.runner.raycluster`); None to take its outcome."""
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

    @classmethod
    def start(cls, job: Job, options: RunOptions) -> ProcessExecutor:
        return cls(
            job,
            timeout=options.timeout,
            processes=options.num_processes,
            max_memory=memory_cap(options.max_memory, options.num_processes),
            max_tasks=options.max_tasks_per_worker,
        )

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
