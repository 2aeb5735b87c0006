"""How documents go out to the executor and their results come back: one at a time, or small
ones in batches.

Handing out a document costs the main process about a quarter of a millisecond (pickling it,
pebble's pipe and threads, a future and its callbacks), more than a one-line text file costs
a worker. So documents that are small and, by the run's recent results, fast go out several
to one task, sized to take about the executor's ``batch_seconds``; anything large, or any run of
slow documents, goes out one by one as before, timed by ``--timeout`` alone.

A batch is all or nothing to the pool: when one hangs past its limit or its worker crashes,
which document did it is unknown, so each of its documents is handed out again alone, where
the culprit fails by itself with its own reason and the others end as they would have. (A
document that finished inside the lost batch is done again: its output is written atomically,
so the second write only replaces the first.)
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING

from docbatch.errors import DocbatchError
from docbatch.model import DocResult, DocumentMeta

if TYPE_CHECKING:  # an annotation only: no import at run time, no floor
    from docbatch.runner.executors import Executor

__all__ = ["SMALL_BYTES", "Dispatcher"]

#: Largest listed size of a document that may share a task with others.
SMALL_BYTES = 64 * 1024
#: Weight of the newest result in the running mean of seconds per document.
_SMOOTHING = 0.1
#: Longest wait for a finished document before the caller looks at stop requests again.
WAIT_SECONDS = 0.2


class Dispatcher:
    """Submits documents to ``executor`` and hands each one's DocResult to ``collect``."""

    def __init__(
        self, executor: Executor, collect: Callable[[DocResult], None], *, seconds: float | None = None
    ) -> None:
        self.executor = executor
        self.collect = collect
        self.in_flight: dict[Future, DocumentMeta | list[DocumentMeta]] = {}
        self._finished: SimpleQueue[Future] = SimpleQueue()  # futures in the order they finish
        self._pending: list[DocumentMeta] = []  # small documents waiting to fill a batch
        #: Running mean of a document's worker seconds; ``seconds`` carries one over from earlier work.
        self.seconds = seconds

    @property
    def full(self) -> bool:
        """Whether every slot is taken (wait for a result before adding more)."""
        return len(self.in_flight) >= self.executor.slots

    def add(self, doc: DocumentMeta) -> None:
        """Hand ``doc`` out, now or with the next batch."""
        size = self._batch_size()
        if size <= 1 or doc.size is None or doc.size > SMALL_BYTES:
            self._submit(doc)
            return
        self._pending.append(doc)
        # a batch fills while the workers have work; one that would leave them idle goes as it is
        if len(self._pending) >= size or len(self.in_flight) < self.executor.slots // 2:
            self.flush()

    def flush(self) -> None:
        """Hand out the documents waiting for a batch (at the end of the listing)."""
        docs, self._pending = self._pending, []
        if len(docs) == 1:
            self._submit(docs[0])
        elif docs:
            future = self.executor.submit_batch(docs)
            self.in_flight[future] = docs
            future.add_done_callback(self._finished.put)

    def _submit(self, doc: DocumentMeta) -> None:
        future = self.executor.submit(doc)
        self.in_flight[future] = doc
        future.add_done_callback(self._finished.put)

    def _batch_size(self) -> int:
        limit = self.executor.batch_size
        if limit <= 1 or self.seconds is None:  # nothing measured yet: no batch
            return 1
        return max(1, min(limit, int(self.executor.batch_seconds / max(self.seconds, 1e-6))))

    def drain(self, *, block: bool) -> None:
        """Collect every finished document; with ``block``, wait (briefly) for one first.

        Each future puts itself on a queue when done, so waiting costs one queue read rather
        than a waiter hooked onto every future in flight.
        """
        while True:
            try:
                future = self._finished.get(block=block, timeout=WAIT_SECONDS if block else None)
            except Empty:
                return
            block = False
            docs = self.in_flight.pop(future)
            again = self.executor.retry(future)
            if again is not None:  # lost on the way (a Ray node gone): the executor sent it again
                self.in_flight[again] = docs
                again.add_done_callback(self._finished.put)
                continue
            if isinstance(docs, list):
                self._collect_batch(future, docs)
            else:
                self._record(self.executor.outcome(future, docs))

    def _collect_batch(self, future: Future, docs: list[DocumentMeta]) -> None:
        results = self.executor.batch_outcome(future)
        if results is None:
            for doc in docs:  # lost as a whole: each alone, so only the culprit fails
                self._submit(doc)
            return
        stop: DocbatchError | None = None
        for result in results:  # every row of the batch is recorded, even when one stops the run
            try:
                self._record(result)
            except DocbatchError as e:
                stop = stop or e
        if stop is not None:
            raise stop

    def _record(self, result: DocResult) -> None:
        seconds = self.seconds
        self.seconds = result.seconds if seconds is None else seconds + _SMOOTHING * (result.seconds - seconds)
        self.collect(result)
