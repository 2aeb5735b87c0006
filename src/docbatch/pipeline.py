"""Wire a source, the partitioners and a destination into one resumable, parallel run.

The main process lists documents lazily, decides for each whether to skip it (its output
already exists, or its key is unsafe), and hands the rest one at a time to a pool of worker
processes (pebble), keeping only a few in flight so that memory stays flat however long the
listing. A document that hangs past the timeout or kills its worker is recorded as failed and
its worker replaced. Every result goes to the run record as it arrives.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from docbatch.destinations.base import Destination
from docbatch.errors import DocbatchError
from docbatch.partition.base import PartitionOptions
from docbatch.paths import safe_join
from docbatch.record import FAILED, OK, SKIPPED, DocResult, RunLock, RunRecord
from docbatch.sources.base import DocumentMeta, Source
from docbatch.worker import Job, limit_memory, process_document

__all__ = ["RunOptions", "RunSummary", "run"]


@dataclass(slots=True)
class RunOptions:
    """How a run behaves; the CLI fills one of these and calls :func:`run`."""

    output_dir: Path
    download_dir: Path
    num_processes: int = 2
    reprocess: bool = False
    re_download: bool = False
    preserve_downloads: bool = False
    #: Seconds one document may take before it is failed as ``timeout``.
    timeout: float = 300.0
    #: Per-worker address-space cap in bytes, or None.
    max_memory: int | None = None
    partition: PartitionOptions = field(default_factory=PartitionOptions)


@dataclass(slots=True)
class RunSummary:
    """Counts and failures of one run, for the report and the exit status."""

    run_id: str = ""
    ok: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[DocResult] = field(default_factory=list)
    #: How many documents were skipped for each reason ("output exists", "unsupported file type png").
    skip_reasons: Counter[str] = field(default_factory=Counter)
    record_path: Path | None = None

    @property
    def total(self) -> int:
        return self.ok + self.skipped + self.failed

    def add(self, result: DocResult) -> None:
        if result.status == OK:
            self.ok += 1
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
    (another run holds the output dir, bad credentials, missing bucket).
    """
    options.output_dir.mkdir(parents=True, exist_ok=True)
    with RunLock(options.output_dir):
        source.check()
        record = RunRecord(options.output_dir, source=source.describe(), destination=destination.describe())
        summary = RunSummary(run_id=record.run_id, record_path=record.path)
        started = time.perf_counter()

        def collect(result: DocResult) -> None:
            record.add(result)
            summary.add(result)
            if on_result:
                on_result(result)

        try:
            _process_all(source, destination, options, collect)
        finally:
            summary.seconds = time.perf_counter() - started
            record.finish(summary.ok, summary.skipped, summary.failed)
            record.close()
            if not options.preserve_downloads:
                _remove_empty_dirs(options.download_dir)
    return summary


def _process_all(source: Source, destination: Destination, options: RunOptions, collect: OnResult) -> None:
    job = Job(
        source=source,
        destination=destination,
        download_dir=options.download_dir,
        re_download=options.re_download,
        preserve_downloads=options.preserve_downloads,
        partition=options.partition,
    )
    in_flight: dict[Future, DocumentMeta] = {}
    limit = max(2, options.num_processes * 2)
    with ProcessPool(
        max_workers=max(1, options.num_processes),
        initializer=limit_memory,
        initargs=(options.max_memory,),
    ) as pool:
        for doc in _to_process(source, destination, options, collect):
            while len(in_flight) >= limit:
                _drain(in_flight, collect, options.timeout, block=True)
            future = pool.schedule(process_document, args=(job, doc), timeout=options.timeout)
            in_flight[future] = doc
            _drain(in_flight, collect, options.timeout, block=False)
        while in_flight:
            _drain(in_flight, collect, options.timeout, block=True)


def _to_process(
    source: Source, destination: Destination, options: RunOptions, collect: OnResult
) -> Iterator[DocumentMeta]:
    """The documents that need work; skipped and refused ones are recorded here, unfetched."""
    for doc in source.list():
        try:
            safe_join(options.download_dir, doc.key)
            done = destination.exists(doc)
        except DocbatchError as e:
            collect(DocResult(uri=doc.uri, key=doc.key, status=FAILED, reason=str(e), version=doc.version))
            continue
        if done and not options.reprocess:
            collect(DocResult(uri=doc.uri, key=doc.key, status=SKIPPED, reason="output exists", version=doc.version))
            continue
        yield doc


def _drain(in_flight: dict[Future, DocumentMeta], collect: OnResult, timeout: float, *, block: bool) -> None:
    done, _ = wait(list(in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
    for future in done:
        doc = in_flight.pop(future)
        collect(_result_of(future, doc, timeout))


def _result_of(future: Future, doc: DocumentMeta, timeout: float) -> DocResult:
    """The worker's result, or a failed result saying how the worker was lost."""
    try:
        return future.result()
    except FutureTimeout:
        reason = f"timeout: still running after {timeout:g} s; worker stopped"
    except ProcessExpired as e:
        reason = _crash_reason(e.exitcode)
    except MemoryError:
        reason = "out of memory"
    except Exception as e:  # e.g. the result could not be pickled back
        reason = f"internal error: {type(e).__name__}: {' '.join(str(e).split())[:200]}"
    return DocResult(uri=doc.uri, key=doc.key, status=FAILED, reason=reason, version=doc.version)


def _crash_reason(exitcode: int | None) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        if name == "SIGKILL":
            return "worker crashed: killed by SIGKILL (out of memory?)"
        return f"worker crashed: {name}"
    return f"worker crashed: exit code {exitcode}"


def _remove_empty_dirs(root: Path) -> None:
    """Remove the download dir's empty folders (and itself, if it ends up empty)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(root.iterdir()):
        shutil.rmtree(root, ignore_errors=True)
