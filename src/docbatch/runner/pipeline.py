"""Wire a source, the partitioners and a destination into one resumable, parallel run.

The main process lists documents lazily, decides for each whether to skip it (its output is
there and was made from the same version with the same options, or its key is unsafe), and
hands the rest to an executor (a local process pool, or a Ray cluster: see
:mod:`docbatch.runner.executors`), small fast ones several to a task (see :mod:`docbatch.runner.dispatch`),
keeping only a few tasks in flight so that memory stays flat however long the listing. A
document that hangs past the timeout or kills its worker is recorded as failed and its worker
replaced. Every result goes
to the run record as it arrives.

What is done is told by the destination alone, in one listing taken before the source's (see
:mod:`docbatch.destinations.base`), never by the run record: a rerun on another machine, or
after the record is lost, skips exactly what is current. That listing is held as a dict of
output names (a few hundred bytes each), the one part of a run that grows with its size.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import itertools
import secrets
import shutil
import string
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from docbatch.chunking.base import ChunkingOptions
from docbatch.destinations.base import Destination, Known
from docbatch.embedding import EmbeddingOptions
from docbatch.errors import ConfigError, DocbatchError, MissingDependency, RunStopped, one_line
from docbatch.locations import contains
from docbatch.model import (
    DELETED,
    FAILED,
    FAILED_BEFORE,
    OK,
    PARTIAL,
    SKIPPED,
    UNCHANGED,
    DocResult,
    DocumentMeta,
    ListingFault,
    stamp,
)
from docbatch.partitioners.filetype import from_extension
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.paths import disk_fault
from docbatch.runner.dispatch import Dispatcher
from docbatch.runner.memory import AUTO, memory_cap
from docbatch.runner.record import RECORD_DIRNAME, RunLock, RunRecord
from docbatch.runner.worker import Job
from docbatch.shaping import ShapingOptions
from docbatch.sources.base import Source

if TYPE_CHECKING:
    from docbatch.runner.executors import Executor

__all__ = [
    "EXECUTORS",
    "FAILED_BEFORE",
    "MIN_TIMEOUT",
    "UNCHANGED",
    "RunOptions",
    "RunSummary",
    "StopRequest",
    "default_download_dir",
    "run",
]


def default_download_dir() -> Path:
    """``tmp-ingest-<6 random chars>`` in the working directory: a fresh folder per run, so two
    runs never share half-fetched files."""
    alphabet = string.ascii_lowercase + string.digits
    return Path("tmp-ingest-" + "".join(secrets.choice(alphabet) for _ in range(6)))


#: Where documents can run: a local process pool, or a Ray cluster (see docbatch.runner.executors).
EXECUTORS = ("processes", "ray")
#: Each executor's class, imported when a run asks for it, as partitioners are: a run on the local
#: pool never imports the Ray module, and the pipeline depends on no executor's internals.
_EXECUTOR_CLASSES = {
    "processes": "docbatch.runner.executors:ProcessExecutor",
    "ray": "docbatch.runner.raycluster:RayExecutor",
}
#: The shortest per-document timeout, in seconds: below it no document could finish.
MIN_TIMEOUT = 0.1


@dataclass(slots=True)
class RunOptions:
    """How a run behaves; the CLI fills one of these and calls :func:`run`.

    The defaults are the CLI's, so ``run(source, destination, RunOptions())`` behaves as the
    command would with no flags.
    """

    download_dir: Path = field(default_factory=default_download_dir)
    num_processes: int = 2
    #: Tasks a worker runs before it is replaced (0: never), so slow leaks in parsers' C libraries
    #: cannot build up over a long run; see ProcessExecutor.
    max_tasks_per_worker: int = 500
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
    #: (an equal share of 3/4 of this machine's memory, at most 4G; see docbatch.runner.memory).
    max_memory: int | str | None = AUTO
    #: "processes" (a local pool) or "ray" (a Ray cluster; see docbatch.runner.executors).
    executor: str = "processes"
    #: Ray cluster address for the ray executor; None starts a local Ray.
    ray_address: str | None = None
    #: The local folders of the run (source, output) are on a filesystem every Ray node shares;
    #: without it a run on a cluster of several nodes refuses them (see docbatch.runner.raycluster).
    shared_filesystem: bool = False
    partition: PartitionOptions = field(default_factory=PartitionOptions)
    #: How each document's elements are chunked; off unless a strategy is set.
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    #: Which documents to take (see :class:`Selection`): name globs to include and exclude, whether
    #: documents in subfolders count, and at most how many to process (a trial run).
    file_glob: tuple[str, ...] = ()
    file_exclude: tuple[str, ...] = ()
    recursive: bool = True
    max_docs: int | None = None
    #: How each element or chunk is embedded; off unless a provider is set.
    embedding: EmbeddingOptions = field(default_factory=EmbeddingOptions)
    #: Which fields and metadata keys are written (unstructured-ingest's --metadata-* flags).
    shaping: ShapingOptions = field(default_factory=ShapingOptions)

    def __post_init__(self) -> None:
        """Refuse, in one sentence, a value the run cannot use, where the options are made."""
        if self.num_processes < 1:
            raise ConfigError(f"num_processes must be >= 1, got {self.num_processes}.")
        if self.max_tasks_per_worker < 0:
            raise ConfigError(f"max_tasks_per_worker must be >= 0 (0: never replace), got {self.max_tasks_per_worker}.")
        if not self.timeout >= MIN_TIMEOUT:
            raise ConfigError(f"timeout must be at least {MIN_TIMEOUT} seconds, got {self.timeout}.")
        if self.max_docs is not None and self.max_docs < 1:
            raise ConfigError(f"max_docs must be >= 1 (or None: every document), got {self.max_docs}.")
        if self.executor not in EXECUTORS:
            raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}, got {self.executor!r}.")
        try:
            memory_cap(self.max_memory, self.num_processes)
        except ValueError as e:
            raise ConfigError(str(e)) from None


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
    #: The first FAILURES_KEPT failures, for the summary (all of them are in the run record):
    #: a night of failures must not grow the main process's memory.
    failures: list[DocResult] = field(default_factory=list)
    partials: list[DocResult] = field(default_factory=list)
    #: How many documents were skipped for each reason ("output exists", "unsupported file type png").
    skip_reasons: Counter[str] = field(default_factory=Counter)
    record_path: Path | None = None
    #: Where an unreadable earlier run record was moved before this run started a new one.
    record_set_aside: Path | None = None
    #: Where the record was copied into the destination, or why it could not be.
    record_note: str = ""
    #: True when a stop request ended the run before every document was done.
    interrupted: bool = False

    FAILURES_KEPT: ClassVar[int] = 50

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
            if len(self.failures) < self.FAILURES_KEPT:
                self.failures.append(replace(result, detail=None))  # tracebacks are for -v, printed as they come


OnResult = Callable[[DocResult], None]
#: Told the number of documents the source holds: ``(count, final)``, not final while counting.
OnTotal = Callable[[int, bool], None]


def run(
    source: Source,
    destination: Destination,
    options: RunOptions,
    *,
    on_result: OnResult | None = None,
    stop: StopRequest | None = None,
    on_total: OnTotal | None = None,
    on_submit: Callable[[DocumentMeta], None] | None = None,
) -> RunSummary:
    """Process every document of ``source`` into ``destination``; return the summary.

    ``on_total`` is called from a background thread with the number of documents the source
    will list, when the source can count them (a local folder at once; an fsspec tree as it is
    counted, ``final`` False until the end). ``on_submit`` hears of each document handed to a
    worker, so a progress display can name the one running longest.

    ``stop`` lets a signal handler end the run early (see :class:`StopRequest`); the summary
    then says ``interrupted`` and counts what was done.

    Raises :class:`~docbatch.errors.ConfigError` before any work when the run cannot start
    (another run holds the output dir, bad credentials, missing bucket, another source's output),
    and after the run when the source listed nothing at all (a typo in a prefix looks exactly
    like that).
    """
    if options.partition.picture_files and not destination.writes_pictures:
        raise ConfigError(
            f"The output {destination.describe()} cannot hold picture files: add --extract-image-block-to-payload "
            "to put the pictures into the elements."
        )
    executor_class = _executor_class(options.executor)
    executor_class.check(source, destination, options)  # before anything is written: a cluster may refuse
    destination.check()  # first: for a local output it makes the folder that holds the lock
    state_dir = destination.state_dir()
    _prepare_state_dir(state_dir)
    with RunLock(state_dir), destination.lock():
        source.check()
        _refuse_overlap(source, destination)
        source.exclude(p for p in (destination.local_root(), state_dir, options.download_dir) if p is not None)
        if not _claim(destination, source, allow_other=options.allow_other_source):
            destination.owner = _source_id(source)  # before the workers get their copy of it
        record = RunRecord(state_dir, source=source.describe(), destination=destination.describe())
        summary = RunSummary(run_id=record.run_id, record_path=record.path, record_set_aside=record.set_aside)
        started = time.perf_counter()

        stop_rule = _StopRule()

        def collect(result: DocResult) -> None:
            record.add(result)
            summary.add(result)
            if on_result:
                on_result(result)
            if result.stops_run:  # every document of its type would fail alike: stop, exit 2
                raise MissingDependency(result.reason)
            stop_rule.check(result)

        stop = stop or StopRequest()
        if on_total is not None:
            _count_in_background(source, on_total)
        temp_dir = _fresh_temp_dir(state_dir)
        try:
            with contextlib.suppress(_Abandoned):
                _process_all(source, destination, options, collect, stop, temp_dir, on_submit=on_submit)
            summary.interrupted = stop.requested
            if not stop.requested:  # not on the way out of a Ctrl-C: the next run's does it as well
                with contextlib.suppress(DocbatchError):
                    destination.finish()
            # every listed document gets a row, so no row means the listing was empty (and then
            # no output was taken for deleted: see _process_all)
            if summary.total == 0 and not stop.requested:
                if Selection.of(options).narrowed:
                    raise ConfigError(
                        f"Nothing to process: no document of {source.describe()} matches the selection "
                        "(--file-glob, --file-exclude, --no-recursive); check the patterns."
                    )
                raise ConfigError(
                    f"Nothing to process: {source.describe()} lists no documents; check the path or prefix "
                    "(existing outputs are left as they are)."
                )
        finally:
            summary.seconds = time.perf_counter() - started
            record.finish(summary.ok, summary.partial, summary.skipped, summary.failed, summary.deleted)
            record.close()
            shutil.rmtree(temp_dir, ignore_errors=True)
            summary.record_note = _keep_record(destination, record)
            if not options.preserve_downloads:
                _remove_leftover_downloads(options.download_dir)
    return summary


def _source_id(source: Source) -> str:
    return source.describe().rstrip("/")


def _refuse_overlap(source: Source, destination: Destination) -> None:
    """Refuse an output that holds the source: its outputs would land among the documents, be
    read back in as documents, and a user's own files would share a tree with docbatch's.

    An output inside a local source is fine: the source leaves it out of its listing.
    """
    where, what = destination.location(), source.location()
    if where is None or what is None:
        return
    if contains(where, what):
        raise ConfigError(
            f"The output {destination.describe()} contains the source {source.describe()}, so outputs would mix "
            "with the documents; choose an output folder or prefix outside the source."
        )
    if contains(what, where) and destination.local_root() is None:
        raise ConfigError(
            f"The output {destination.describe()} lies inside the source {source.describe()}, so the next run "
            "would read the outputs back in as documents; choose an output prefix outside the source."
        )


def _claim(destination: Destination, source: Source, *, allow_other: bool) -> bool:
    """Make sure the destination holds this source's outputs; True when it does.

    The first run into a destination stores its source; a later run from another source would
    mix two corpora, so it stops here unless told otherwise. Then that source's outputs carry
    its name (:attr:`Destination.owner`), so that each source only ever reports or removes its
    own outputs as deleted.
    """
    current = _source_id(source)
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


#: Documents in a row the source may fail to deliver before the run stops: past this many the
#: source itself is down or refusing us, and failing the rest of a bucket one by one (each after
#: its retries) only takes longer to say the same thing.
SOURCE_FAULTS_TO_STOP = 10


class _StopRule:
    """Stops the run on a fault that every later document would meet too.

    The embedding provider is held to the source's rule: one failure (after its own retries,
    which absorb throttling) fails only its document, which the next run redoes; ten in a row
    mean the provider is down or refusing the key, and partitioning the rest of the source only
    to throw each document away at its last step would waste hours to say the same thing.
    """

    def __init__(self) -> None:
        self.source_faults = 0  # in a row
        self.embedding_faults = 0  # in a row

    def check(self, result: DocResult) -> None:
        if result.fault == "output":
            raise RunStopped(f"Stopped: {result.reason}.")
        if result.fault == "outage":
            raise RunStopped(
                f"Stopped: {result.reason}; check the endpoint and the network, then rerun to resume."
            )
        self.source_faults = self.source_faults + 1 if result.fault == "source" else 0
        if self.source_faults >= SOURCE_FAULTS_TO_STOP:
            raise RunStopped(
                f"Stopped: the source failed to deliver {self.source_faults} documents in a row "
                f"(last: {result.reason}); check the endpoint, network and credentials, then rerun to resume."
            )
        self.embedding_faults = self.embedding_faults + 1 if result.fault == "embedding" else 0
        if self.embedding_faults >= SOURCE_FAULTS_TO_STOP:
            raise RunStopped(
                f"Stopped: embedding failed for {self.embedding_faults} documents in a row (last: {result.reason}); "
                "check --embedding-base-url, the key and the provider, then rerun to resume."
            )


class StopRequest:
    """A request to stop the run, made from a signal handler (Ctrl-C, SIGTERM).

    The first request stops taking new documents and lets the ones in flight finish, for at
    most :attr:`GRACE_SECONDS` (a hanging document must not hold the stop for ``--timeout``);
    a second request, or the end of the grace, abandons them: their workers are stopped and
    they get no row, so the rerun does them again.
    """

    GRACE_SECONDS = 10.0

    def __init__(self) -> None:
        self._first: float | None = None
        self._now = False

    def request(self) -> bool:
        """Ask to stop; True on the first request, False once stopping now."""
        if self._first is None:
            self._first = time.monotonic()
            return True
        self._now = True
        return False

    @property
    def requested(self) -> bool:
        return self._first is not None

    def abandon_in_flight(self) -> bool:
        if self._first is None:
            return False
        return self._now or time.monotonic() - self._first > self.GRACE_SECONDS


class _UntilStopped(Source):
    """The run's source as its listing sees it: the listing ends when a stop is requested, even
    in a long stretch of documents skipped as done (which never reach the submit loop)."""

    def __init__(self, source: Source, stop: StopRequest) -> None:
        self.source, self.stop = source, stop

    def list(self) -> Iterator[DocumentMeta | ListingFault]:
        for item in self.source.list():
            if self.stop.requested:
                return
            yield item

    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        self.source.fetch(doc, dest)


class _Abandoned(Exception):
    """Raised inside the run to leave the executor without waiting for documents in flight."""


def _fresh_temp_dir(state_dir: Path) -> Path:
    """The run's folder for workers' temporary files, emptied first: ``<output>/.docbatch/tmp``.

    A fixed place under the run lock, not the system's temp dir, so that what a killed run left
    there (a killed main process cannot clean up) is removed by the next run.
    """
    # absolute: workers hand these paths to other programs (LibreOffice) that run elsewhere
    temp_dir = (state_dir / RECORD_DIRNAME / "tmp").absolute()
    shutil.rmtree(temp_dir, ignore_errors=True)
    temp_dir.mkdir(parents=True)
    return temp_dir


def _count_in_background(source: Source, on_total: OnTotal) -> None:
    def count() -> None:
        with contextlib.suppress(Exception):  # a progress total is a nicety; the listing reports faults
            total = source.count(so_far=lambda n: on_total(n, False))
            if total is not None:
                on_total(total, True)

    threading.Thread(target=count, name="docbatch-count", daemon=True).start()


def _prepare_state_dir(state_dir: Path) -> None:
    """Create the folder of the run's lock, record and temporary files (the output dir, for a
    local output), or say in one sentence why not."""
    try:
        (state_dir / RECORD_DIRNAME).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        fault = disk_fault(e, state_dir, "output")
        raise ConfigError(f"Cannot write to {state_dir}: {fault or e.strerror}.") from e


def _process_all(
    source: Source,
    destination: Destination,
    options: RunOptions,
    collect: OnResult,
    stop: StopRequest,
    temp_dir: Path,
    *,
    on_submit: Callable[[DocumentMeta], None] | None = None,
) -> None:
    job = Job(
        source=source,
        destination=destination,
        download_dir=options.download_dir,
        re_download=options.re_download,
        preserve_downloads=options.preserve_downloads,
        partition=options.partition,
        chunking=options.chunking,
        embedding=options.embedding,
        shaping=options.shaping,
        temp_dir=temp_dir,
    )
    executor = _executor_class(options.executor).start(job, options)
    known = destination.state()  # before the source is listed: see _orphans
    listing = _Listing()
    with executor:
        dispatcher = Dispatcher(executor, collect)
        fingerprints = (job.fingerprint, job.failure_fingerprint)
        todo = _to_process(_UntilStopped(source, stop), destination, options, fingerprints, known, collect, listing)
        first = _peek(todo)
        executor.preload(_expected_types(first))  # before the first submit forks the workers
        for doc in itertools.chain(first, todo):
            while dispatcher.full and not stop.requested:
                dispatcher.drain(block=True)
            if stop.requested:
                break
            dispatcher.add(doc)
            if on_submit is not None:
                on_submit(doc)
            dispatcher.drain(block=False)
        if not stop.requested:  # a stopped run leaves them, unsubmitted and without a row, to the rerun
            dispatcher.flush()
        while dispatcher.in_flight:
            if stop.abandon_in_flight():
                raise _Abandoned  # leaves the executor at once; those documents get no row and are redone
            dispatcher.drain(block=True)
    # Only after a whole listing that found documents: an empty one (an unmounted share, a
    # mistyped prefix) looks exactly like a source whose documents were all deleted.
    if listing.documents and not listing.faults and not listing.cut and not stop.requested:
        _orphans(destination, known, collect, delete=options.delete_orphans)


def _executor_class(name: str) -> type[Executor]:
    module, _, cls = _EXECUTOR_CLASSES[name].partition(":")  # a known name: RunOptions checked it
    return getattr(importlib.import_module(module), cls)


#: How far the listing is read ahead to guess which partitioners the run needs: at most this
#: many documents, and no longer than this many seconds (a slow listing must not delay the start).
_PEEK_DOCUMENTS = 64
_PEEK_SECONDS = 0.5


def _peek(docs: Iterator[DocumentMeta]) -> list[DocumentMeta]:
    """The first documents to process, read ahead of the pool's start (see _expected_types)."""
    first: list[DocumentMeta] = []
    deadline = time.monotonic() + _PEEK_SECONDS
    for doc in docs:
        first.append(doc)
        if len(first) >= _PEEK_DOCUMENTS or time.monotonic() > deadline:
            break
    return first


def _expected_types(docs: list[DocumentMeta]) -> set[str]:
    """The file types these documents' names suggest. A guess, only to import partitioners
    before the workers fork (copy-on-write): each document's type is still sniffed from its
    bytes, and a type guessed wrong or met later is imported by the worker that needs it."""
    return {t.name for t in map(from_extension, (d.key for d in docs)) if t is not None}


@dataclass(slots=True)
class _Listing:
    """What the source's listing held besides its documents' names: how many, and its holes."""

    documents: int = 0
    faults: list[ListingFault] = field(default_factory=list)
    #: Documents the selection left out (--file-glob, --file-exclude, --no-recursive).
    left_out: int = 0
    #: The listing was not read to its end (--max-docs): nothing can be told deleted.
    cut: bool = False


@dataclass(frozen=True, slots=True)
class Selection:
    """Which listed documents a run takes, as unstructured-ingest's ``--file-glob`` and
    ``--recursive`` do, with an exclude besides. A pattern with a ``/`` is matched against the
    document's path below the source (``reports/*.pdf``), one without against its name
    (``*.pdf``); ``.pdf`` alone means ``*.pdf``. Documents left out are neither processed nor
    recorded, and never count as deleted from the source. A path pattern is matched folder by
    folder (``*`` within a name, ``**`` across folders); a leading ``/`` anchors a pattern
    without any other ``/`` at the source's top."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    recursive: bool = True

    @classmethod
    def of(cls, options: RunOptions) -> Selection:
        return cls(_patterns(options.file_glob), _patterns(options.file_exclude), options.recursive)

    @property
    def narrowed(self) -> bool:
        return bool(self.include or self.exclude or not self.recursive)

    def takes(self, key: str) -> bool:
        if not self.recursive and "/" in key:
            return False
        if self.include and not any(_matches(key, p) for p in self.include):
            return False
        return not any(_matches(key, p) for p in self.exclude)


def _patterns(values: tuple[str, ...]) -> tuple[str, ...]:
    """Patterns from flags that may each hold several, comma-separated (``*.pdf,*.docx``)."""
    found = (p.strip() for value in values for p in value.split(","))
    return tuple(f"*{p}" if p.startswith(".") and not any(c in p for c in "*?[/") else p for p in found if p)


def _matches(key: str, pattern: str) -> bool:
    if "/" not in pattern:
        return fnmatch.fnmatchcase(key.rpartition("/")[2], pattern)
    return _path_matches(key.split("/"), pattern.lstrip("/").split("/"))


def _path_matches(parts: list[str], pattern: list[str]) -> bool:
    """A path below the source against a path pattern, folder by folder: ``*`` stays within
    one name, ``**`` spans any number of folders (as in a shell with globstar)."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_path_matches(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _path_matches(parts[1:], pattern[1:])


def _to_process(
    source: Source,
    destination: Destination,
    options: RunOptions,
    fingerprints: tuple[str, str],
    known: dict[str, Known],
    collect: OnResult,
    listing: _Listing,
) -> Iterator[DocumentMeta]:
    """The documents that need work; skipped and refused ones are recorded here, unfetched.

    ``destination.name_for`` refuses unsafe keys (absolute, ``..``, NUL) before anything is
    fetched or written. Each listed document's entry leaves ``known``, so what remains once the
    listing is complete are outputs of documents gone from the source. A document to redo first
    loses its old stamps, so a kill before its new output is written never leaves the old stamp
    vouching for it.
    """
    selection = Selection.of(options)
    taken = 0
    for doc in _listed(source, collect, listing):
        try:
            name = destination.name_for(doc)
            entry = known.pop(name, None)  # a document left out is still there: its output is no orphan
            if not selection.takes(doc.key):
                listing.left_out += 1
                continue
            reason = _skip_reason(doc, destination, options, fingerprints, name, entry)
            if reason is None and entry is not None and (entry.done or entry.failed):
                destination.forget(name, entry)
        except DocbatchError as e:
            collect(DocResult.of(doc, FAILED, one_line(e)))
            continue
        if reason is not None:
            collect(DocResult.of(doc, SKIPPED, reason))
            continue
        if options.max_docs is not None and taken >= options.max_docs:
            listing.cut = True  # a trial run: the rest of the listing is not looked at
            return
        taken += 1
        yield doc


def _listed(source: Source, collect: OnResult, listing: _Listing) -> Iterator[DocumentMeta]:
    """The source's documents, counted; each part it could not list is recorded as a failed row
    (and kept: a listing with holes must not make the documents in them look deleted)."""
    for item in source.list():
        if isinstance(item, ListingFault):
            listing.faults.append(item)
            collect(DocResult.of(item, FAILED, item.reason))
        else:
            listing.documents += 1
            yield item




def _skip_reason(
    doc: DocumentMeta,
    destination: Destination,
    options: RunOptions,
    fingerprints: tuple[str, str],
    name: str,
    entry: Known | None,
) -> str | None:
    """Why ``doc`` needs no work, or None: skipped only when the destination holds this very
    version's stamp (and, for a done one, its output whole)."""
    if entry is None or options.reprocess:
        return None
    done, failed = (stamp(doc, fingerprint) for fingerprint in fingerprints)
    if done is None:
        return None
    if done in entry.done and entry.output and destination.is_whole(name):
        return UNCHANGED
    if failed in entry.failed and not options.retry_failed:
        return FAILED_BEFORE
    return None


def _orphans(destination: Destination, known: dict[str, Known], collect: OnResult, *, delete: bool) -> None:
    """Report (and with ``delete`` remove) the outputs whose document the listing no longer has.

    Called only after the source was listed to its end: a listing cut short by an error raises
    before this, so it can never make present documents look deleted. Only outputs docbatch
    wrote (they carry a stamp) for this very source are candidates: a user's own JSON in the
    output tree, or another source's outputs in a shared one, are never touched.
    """
    for name, entry in sorted(known.items()):
        if not entry.ours or destination.owner_of(name, entry) != destination.owner:
            continue
        status = DELETED if entry.output or entry.done else None
        reason = "gone from the source; " + ("output removed" if delete else "--delete-orphans removes its output")
        try:
            if delete:
                destination.remove(name, entry)
        except DocbatchError as e:
            reason = f"gone from the source; removing its output failed: {e}"
        if status:
            collect(DocResult(uri="", key=name, status=status, reason=reason))


def _remove_leftover_downloads(root: Path) -> None:
    """Remove what downloads left in the download dir: partial ``.part`` files of workers
    stopped mid-download (timeouts, crashes, a stop), then the empty folders, and the dir
    itself if it ends up empty. Other files there are not ours to remove."""
    if not root.is_dir():
        return
    for path in root.rglob(".~*.part"):
        path.unlink(missing_ok=True)
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(root.iterdir()):
        shutil.rmtree(root, ignore_errors=True)
