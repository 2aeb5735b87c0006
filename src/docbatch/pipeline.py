"""Wire a source, the partitioners and a destination into one resumable, parallel run.

The main process lists documents lazily, decides for each whether to skip it (its output is
there and was made from the same version with the same options, or its key is unsafe), and
hands the rest one at a time to an executor (a local process pool, or a Ray cluster: see
:mod:`docbatch.executors`), keeping only a few in flight so that memory stays flat however long
the listing. A document that hangs past the
timeout or kills its worker is recorded as failed and its worker replaced. Every result goes
to the run record as it arrives.

What is done is told by the destination alone, in one listing taken before the source's (see
:mod:`docbatch.destinations.base`), never by the run record: a rerun on another machine, or
after the record is lost, skips exactly what is current. That listing is held as a dict of
output names (a few hundred bytes each), the one part of a run that grows with its size.
"""

from __future__ import annotations

import secrets
import shutil
import string
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, SimpleQueue

from docbatch.chunking import ChunkingOptions
from docbatch.destinations.base import Destination, Known
from docbatch.errors import ConfigError, DocbatchError, MissingDependency, one_line
from docbatch.executors import Executor, make_executor
from docbatch.incremental import stamp
from docbatch.memory import AUTO, memory_cap
from docbatch.partition.base import PartitionOptions
from docbatch.record import DELETED, FAILED, OK, PARTIAL, SKIPPED, DocResult, RunLock, RunRecord
from docbatch.sources.base import DocumentMeta, ListingFault, Source
from docbatch.worker import Job

__all__ = ["RunOptions", "RunSummary", "default_download_dir", "run"]


def default_download_dir() -> Path:
    """``tmp-ingest-<6 random chars>`` in the working directory: a fresh folder per run, so two
    runs never share half-fetched files."""
    alphabet = string.ascii_lowercase + string.digits
    return Path("tmp-ingest-" + "".join(secrets.choice(alphabet) for _ in range(6)))


@dataclass(slots=True)
class RunOptions:
    """How a run behaves; the CLI fills one of these and calls :func:`run`.

    The defaults are the CLI's, so ``run(source, destination, RunOptions())`` behaves as the
    command would with no flags.
    """

    download_dir: Path = field(default_factory=default_download_dir)
    num_processes: int = 2
    #: Redo every document, current or not.
    reprocess: bool = False
    #: Try again documents whose unchanged version failed for good (damaged, encrypted, unsupported).
    retry_failed: bool = False
    #: Remove the outputs of documents gone from a complete listing (otherwise only reported).
    delete_orphans: bool = False
    #: Write into a destination first filled from another source (refused otherwise).
    allow_other_source: bool = False
    re_download: bool = False
    preserve_downloads: bool = False
    #: Seconds one document may take before it is failed as ``timeout``.
    timeout: float = 300.0
    #: Per-worker address-space cap: bytes, None for no cap, or a size text like "2G" or "auto"
    #: (an equal share of 3/4 of this machine's memory, at most 4G; see docbatch.memory).
    max_memory: int | str | None = AUTO
    #: "processes" (a local pool) or "ray" (a Ray cluster; see docbatch.executors).
    executor: str = "processes"
    #: Ray cluster address for the ray executor; None starts a local Ray.
    ray_address: str | None = None
    partition: PartitionOptions = field(default_factory=PartitionOptions)
    #: How each document's elements are chunked; off unless a strategy is set.
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)


@dataclass(slots=True)
class RunSummary:
    """Counts and failures of one run, for the report and the exit status."""

    run_id: str = ""
    ok: int = 0
    #: Done, but with named parts lost (counted apart from ok, listed in the summary).
    partial: int = 0
    skipped: int = 0
    failed: int = 0
    #: Outputs whose document is gone from the source (removed with --delete-orphans).
    deleted: int = 0
    seconds: float = 0.0
    failures: list[DocResult] = field(default_factory=list)
    partials: list[DocResult] = field(default_factory=list)
    #: How many documents were skipped for each reason ("output exists", "unsupported file type png").
    skip_reasons: Counter[str] = field(default_factory=Counter)
    record_path: Path | None = None
    #: Where an unreadable earlier run record was moved before this run started a new one.
    record_set_aside: Path | None = None
    #: Where the record was copied into the destination, or why it could not be.
    record_note: str = ""

    @property
    def total(self) -> int:
        return self.ok + self.partial + self.skipped + self.failed

    def add(self, result: DocResult) -> None:
        if result.status == OK:
            self.ok += 1
        elif result.status == PARTIAL:
            self.partial += 1
            self.partials.append(result)
        elif result.status == DELETED:
            self.deleted += 1
        elif result.status == SKIPPED:
            self.skipped += 1
            self.skip_reasons[result.reason] += 1
        else:
            self.failed += 1
            self.failures.append(result)


OnResult = Callable[[DocResult], None]


def run(
    source: Source,
    destination: Destination,
    options: RunOptions,
    *,
    on_result: OnResult | None = None,
) -> RunSummary:
    """Process every document of ``source`` into ``destination``; return the summary.

    Raises :class:`~docbatch.errors.ConfigError` before any work when the run cannot start
    (another run holds the output dir, bad credentials, missing bucket, another source's output),
    and after the run when the source listed nothing at all (a typo in a prefix looks exactly
    like that).
    """
    destination.check()  # first: for a local output it makes the folder that holds the lock
    state_dir = destination.state_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    with RunLock(state_dir):
        source.check()
        source.exclude(p for p in (destination.local_root(), state_dir, options.download_dir) if p is not None)
        same_source = _claim(destination, source, allow_other=options.allow_other_source)
        record = RunRecord(state_dir, source=source.describe(), destination=destination.describe())
        summary = RunSummary(run_id=record.run_id, record_path=record.path, record_set_aside=record.set_aside)
        started = time.perf_counter()

        def collect(result: DocResult) -> None:
            record.add(result)
            summary.add(result)
            if on_result:
                on_result(result)
            if result.stops_run:  # every document of its type would fail alike: stop, exit 2
                raise MissingDependency(result.reason)

        try:
            _process_all(source, destination, options, collect, find_orphans=same_source)
            if summary.total == 0 and not summary.deleted:  # every listed document gets a row
                raise ConfigError(
                    f"Nothing to process: {source.describe()} lists no documents; check the path or prefix."
                )
        finally:
            summary.seconds = time.perf_counter() - started
            record.finish(summary.ok, summary.partial, summary.skipped, summary.failed, summary.deleted)
            record.close()
            summary.record_note = _keep_record(destination, record)
            if not options.preserve_downloads:
                _remove_empty_dirs(options.download_dir)
    return summary


def _claim(destination: Destination, source: Source, *, allow_other: bool) -> bool:
    """Make sure the destination holds this source's outputs; True when it does.

    The first run into a destination stores its source; a later run from another source would
    mix two corpora and take the first one's documents for deleted ones, so it stops here
    unless told otherwise (and then deletions are not looked for).
    """
    current = source.describe().rstrip("/")
    recorded = destination.recorded_source()
    if recorded is None:
        destination.remember_source(current)
        return True
    if recorded.rstrip("/") == current:
        return True
    if allow_other:
        return False
    raise ConfigError(
        f"{destination.describe()} holds the outputs of {recorded}, not of {current}; choose another "
        "output, or pass --allow-other-source to mix them on purpose."
    )


def _keep_record(destination: Destination, record: RunRecord) -> str:
    """Copy the finished record into the destination; a failure is told, never raised over the run."""
    try:
        destination.keep_record(record.run_id, record.path)
    except (DocbatchError, OSError) as e:
        return f"the run record could not be copied to {destination.describe()}: {e}"
    return ""


def _process_all(
    source: Source, destination: Destination, options: RunOptions, collect: OnResult, *, find_orphans: bool
) -> None:
    job = Job(
        source=source,
        destination=destination,
        download_dir=options.download_dir,
        re_download=options.re_download,
        preserve_downloads=options.preserve_downloads,
        partition=options.partition,
        chunking=options.chunking,
    )
    executor = make_executor(
        options.executor,
        job,
        timeout=options.timeout,
        processes=options.num_processes,
        max_memory=memory_cap(options.max_memory, options.num_processes),
        address=options.ray_address,
    )
    known = destination.state()  # before the source is listed: see _orphans
    faults: list[ListingFault] = []
    in_flight: dict[Future, DocumentMeta] = {}
    finished: SimpleQueue[Future] = SimpleQueue()  # futures in the order they finish
    with executor:
        for doc in _to_process(source, destination, options, job.fingerprint, known, collect, faults):
            while len(in_flight) >= executor.slots:
                _drain(executor, in_flight, finished, collect, block=True)
            future = executor.submit(doc)
            in_flight[future] = doc
            future.add_done_callback(finished.put)
            _drain(executor, in_flight, finished, collect, block=False)
        while in_flight:
            _drain(executor, in_flight, finished, collect, block=True)
    if find_orphans and not faults:
        _orphans(destination, known, collect, delete=options.delete_orphans)


def _to_process(
    source: Source,
    destination: Destination,
    options: RunOptions,
    fingerprint: str,
    known: dict[str, Known],
    collect: OnResult,
    faults: list[ListingFault],
) -> Iterator[DocumentMeta]:
    """The documents that need work; skipped and refused ones are recorded here, unfetched.

    ``destination.name_for`` refuses unsafe keys (absolute, ``..``, NUL) before anything is
    fetched or written. Each listed document's entry leaves ``known``, so what remains once the
    listing is complete are outputs of documents gone from the source. A document to redo first
    loses its old stamps, so a kill before its new output is written never leaves the old stamp
    vouching for it.
    """
    for doc in _listed(source, collect, faults):
        try:
            name = destination.name_for(doc)
            entry = known.pop(name, None)
            reason = _skip_reason(doc, destination, options, fingerprint, name, entry)
            if reason is None and entry is not None and (entry.done or entry.failed):
                destination.forget(name, entry)
        except DocbatchError as e:
            collect(DocResult.of(doc, FAILED, one_line(e)))
            continue
        if reason is not None:
            collect(DocResult.of(doc, SKIPPED, reason))
            continue
        yield doc


def _listed(source: Source, collect: OnResult, faults: list[ListingFault]) -> Iterator[DocumentMeta]:
    """The source's documents; each part it could not list is recorded as a failed row (and kept
    in ``faults``: a listing with holes must not make the documents in them look deleted)."""
    for item in source.list():
        if isinstance(item, ListingFault):
            faults.append(item)
            collect(DocResult.of(item, FAILED, item.reason))
        else:
            yield item


#: The skip reasons a rerun gives.
UNCHANGED = "output exists"
FAILED_BEFORE = "unchanged since it failed or was skipped for good (--retry-failed tries it again)"


def _skip_reason(
    doc: DocumentMeta, destination: Destination, options: RunOptions, fingerprint: str, name: str, entry: Known | None
) -> str | None:
    """Why ``doc`` needs no work, or None: skipped only when the destination holds this very
    version's stamp (and, for a done one, its output whole)."""
    if entry is None or options.reprocess:
        return None
    current = stamp(doc, fingerprint)
    if current is None:
        return None
    if current in entry.done and entry.output and destination.is_whole(name):
        return UNCHANGED
    if current in entry.failed and not options.retry_failed:
        return FAILED_BEFORE
    return None


def _orphans(destination: Destination, known: dict[str, Known], collect: OnResult, *, delete: bool) -> None:
    """Report (and with ``delete`` remove) the outputs whose document the listing no longer has.

    Called only after the source was listed to its end: a listing cut short by an error raises
    before this, so it can never make present documents look deleted.
    """
    for name, entry in sorted(known.items()):
        status = DELETED if entry.output or entry.done else None
        reason = "gone from the source; " + ("output removed" if delete else "--delete-orphans removes its output")
        try:
            if delete:
                destination.remove(name, entry)
        except DocbatchError as e:
            reason = f"gone from the source; removing its output failed: {e}"
        if status:
            collect(DocResult(uri="", key=name, status=status, reason=reason))


def _drain(
    executor: Executor,
    in_flight: dict[Future, DocumentMeta],
    finished: SimpleQueue[Future],
    collect: OnResult,
    *,
    block: bool,
) -> None:
    """Collect every finished document; with ``block``, wait for one first if none has.

    Each future puts itself on ``finished`` when done, so waiting costs one queue read rather
    than a waiter hooked onto every future in flight (on batches of small files that was a
    fifth of the main process's time).
    """
    while True:
        try:
            future = finished.get(block=block)
        except Empty:
            return
        block = False
        collect(executor.outcome(future, in_flight.pop(future)))


def _remove_empty_dirs(root: Path) -> None:
    """Remove the download dir's empty folders (and itself, if it ends up empty)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(root.iterdir()):
        shutil.rmtree(root, ignore_errors=True)
