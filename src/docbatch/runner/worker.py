"""What a worker process does with one document: fetch, partition, write, clean up.

Runs in a pool process. Every outcome, including a bug in a partitioner, comes back as a
:class:`~docbatch.model.DocResult`; only a hang, a crash or a kill of the process itself is
left to the pool (see :mod:`docbatch.runner.pipeline`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import pickle
import resource
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from docbatch.chunking.base import ChunkingOptions
from docbatch.chunking.strategies import chunk
from docbatch.destinations.base import Destination
from docbatch.document import Partitioned, partition_document
from docbatch.elements import SCHEMA_VERSION, elements_to_dicts
from docbatch.embedding import EmbeddingOptions, embed
from docbatch.errors import (
    ConfigError,
    DocbatchError,
    DocumentError,
    EmbeddingUnavailable,
    MissingDependency,
    NeedsInstall,
    OutOfMemory,
    OutputUnavailable,
    SourceUnavailable,
    TransientError,
    UnsupportedFileType,
    internal_error,
    one_line,
)
from docbatch.model import FAILED, OK, PARTIAL, SKIPPED, DocResult, DocumentMeta, Picture, stamp
from docbatch.partitioners.formats import READERS_VERSION
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.paths import disk_fault, safe_join, temp_path
from docbatch.runner.memory import exhausted_memory, out_of_memory, watch_memory
from docbatch.shaping import ShapingOptions, shape
from docbatch.sources.base import Source

__all__ = ["Job", "limit_memory", "process_batch", "process_document", "process_next", "start_worker"]

_FETCH_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Job:
    """Everything a worker needs for one run besides the document itself."""

    source: Source
    destination: Destination
    download_dir: Path
    re_download: bool = False
    preserve_downloads: bool = False
    partition: PartitionOptions = field(default_factory=PartitionOptions)
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    embedding: EmbeddingOptions = field(default_factory=EmbeddingOptions)
    shaping: ShapingOptions = field(default_factory=ShapingOptions)
    #: This run's folder for the temporary files of workers (attachments, converters): the
    #: main process removes it at the end, so a worker killed mid-document leaves nothing behind.
    temp_dir: Path | None = None

    @property
    def fingerprint(self) -> str:
        """Everything besides the document that decides its output: the output schema's version
        and each option that changes elements. Stored with every output; a rerun whose
        fingerprint differs redoes every document. An option that changes output belongs here.
        """
        p = self.partition
        text = (
            f"schema={SCHEMA_VERSION};attachments={p.process_attachments};"
            f"email_body={p.email_body};languages={p.detect_languages};ocr={p.ocr}:{p.ocr_languages}"
        )
        if p.extract_image_block_types:  # absent when off, so existing outputs keep their stamps
            kinds = ",".join(sorted(p.extract_image_block_types))
            text += f";images={kinds}:payload={p.extract_image_block_to_payload}:max={p.max_image_pixels}"
        # each part is empty when its step is off, so turning a new step off keeps older outputs current
        parts = [
            f"chunking={self.chunking.fingerprint()}" if self.chunking.enabled else "",
            f"embedding={self.embedding.fingerprint()}" if self.embedding.enabled else "",
            f"shaping={self.shaping.fingerprint()}" if self.shaping.enabled else "",
        ]
        return ";".join([text, *filter(None, parts)])

    @property
    def failure_fingerprint(self) -> str:
        """The fingerprint a document that failed or was skipped for good is remembered under:
        :attr:`fingerprint` and the readers' version, so an upgrade that reads more formats or
        more damaged files tries those documents again, while outputs already written stay."""
        return f"{self.fingerprint};readers={READERS_VERSION}"


def limit_memory(max_bytes: int | None) -> None:
    """Cap this worker's address space so a runaway document fails alone.

    The cap counts from the address space the worker starts with: a forked worker inherits its
    parent's (the partitioners preloaded before the fork, a large test process), mostly shared
    pages it never touches, and a cap below that would fail every allocation of every document.
    """
    if max_bytes:
        limit = _address_space() + max_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space() -> int:
    """This process's address space in bytes (0 where /proc is missing: the cap is then absolute)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


#: The run's Job in a pool worker, given once when the worker starts (see :func:`start_worker`).
_job: Job | None = None
#: This worker's memory cap, named in its out-of-memory reasons.
_max_memory: int | None = None


def start_worker(job: Job, max_memory: int | None, parent_pid: int | None = None) -> None:
    """Pool initializer: die with the main process, keep the run's Job, so that each task
    carries only its document (pickling the Job for every small document cost the main process
    more than the task itself), and cap the worker's memory.

    A forked worker inherits the parent's Job object itself, network clients included: two
    processes reading one pooled socket get each other's responses and hang. A pickled copy
    is what the Job would be had it been sent here, and sources drop their clients when
    pickled, so each worker opens its own.
    """
    global _job, _max_memory
    # Ctrl-C reaches the whole process group; the main process decides what stops (see
    # pipeline.StopRequest), so a worker finishes its document instead of dying mid-write.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None:
        die_with_parent(parent_pid)
    _job = pickle.loads(pickle.dumps(job))
    if job.temp_dir is not None:
        tempfile.tempdir = str(job.temp_dir)
    _max_memory = max_memory
    # The watching thread starts before the cap: a thread that cannot allocate its first bytes
    # dies before it says it started, and Thread.start() would wait for it forever.
    if max_memory and job.temp_dir is not None:
        watch_memory(max_memory, job.temp_dir, base=_address_space())
    limit_memory(max_memory)


#: prctl(2) option: the signal this process gets when the thread that forked it ends.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """End this worker as soon as the main process ``parent_pid`` is gone, however it ended.

    A main process killed by SIGKILL or SIGTERM cannot stop its workers, and a worker left on a
    hanging document outlives any timeout (the main process enforced it) and keeps the files
    it holds. On Linux the kernel sends SIGKILL the moment the parent dies (PR_SET_PDEATHSIG);
    elsewhere a thread polls the parent pid. A parent already gone before the request took
    effect is caught by the pid check.
    """
    if not _set_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="docbatch-parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


def _set_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not offered."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def process_next(doc: DocumentMeta) -> DocResult:
    """:func:`process_document` with the Job this worker was started with."""
    if _job is None:
        raise RuntimeError("process_next runs in a pool worker started by start_worker")
    return process_document(_job, doc)


def process_batch(docs: list[DocumentMeta]) -> list[DocResult]:
    """:func:`process_next` for each of a few small documents handed out as one pool task: the
    main process pays its per-task cost (pickling, pipe, future) once for all of them. A hang
    or crash loses the whole batch; the main process then hands each document out alone."""
    return [process_next(doc) for doc in docs]


def process_document(job: Job, doc: DocumentMeta) -> DocResult:
    """Turn one document into an output file; never raises for a bad document.

    The boundaries: a :class:`DocumentError` is the document's fault (failed, or skipped for an
    unsupported type) with the partitioner's one-line reason; a missing library stops the run;
    anything else is a bug of ours, "internal error" with its traceback in the record.
    """
    start = time.perf_counter()
    result = DocResult.of(doc, OK)
    current = stamp(doc, job.fingerprint)
    path, downloaded = None, False
    try:
        path, downloaded = _obtain(job, doc)
        done = partition_document(path, doc, job.partition)
        result.file_type = done.file_type.name
        if done.notes.lost:
            result.status, result.reason = PARTIAL, done.notes.lost_reason()
        elif done.notes.remarks:
            result.reason = done.notes.remark_text()
        elements = done.elements
        pictures = _locate_pictures(job, doc, done) if job.partition.picture_files else None
        if job.chunking.enabled:  # here, so chunking runs in the workers and every destination gets chunks
            elements = chunk(elements, job.chunking)
        if job.embedding.enabled:  # after chunking: a retriever searches chunks, and there are fewer
            embed(elements, job.embedding)
        result.output = job.destination.write(doc, shape(elements_to_dicts(elements), job.shaping), current, pictures)
        result.elements = len(elements)
    except UnsupportedFileType as e:
        result.status, result.reason = SKIPPED, one_line(e)
        _remember_for_good(job, doc, result.reason)
    except MissingDependency as e:
        result.status, result.reason, result.stops_run = FAILED, one_line(e), True
    except OutputUnavailable as e:
        result.status, result.reason, result.fault = FAILED, one_line(e), "output"
    except SourceOutage as e:  # the source is down: the run stops, a rerun resumes
        result.status, result.reason, result.fault = FAILED, one_line(e), "outage"
    except EmbeddingUnavailable as e:  # the provider's fault, not the document's: tried again next run
        result.status, result.reason, result.fault = FAILED, one_line(e), "embedding"
    except SourceUnavailable as e:  # the source's fault, not the document's: tried again next run
        result.status, result.reason, result.fault = FAILED, one_line(e), "source"
        result.detail = traceback.format_exc()
    except DocumentError as e:  # the document itself is bad (damaged, encrypted, gone), or needs a tool
        # libxml2's failed allocation, raised as malformed XML, or LibreOffice dead at the cap:
        # a resource failure, not the document's, so it is not remembered and the next run retries it
        if isinstance(e, OutOfMemory) or exhausted_memory(e):
            result.status, result.reason = FAILED, out_of_memory(_max_memory)
            result.detail = one_line(e) if isinstance(e, OutOfMemory) else None
            return _timed(result, start)
        result.status, result.reason = FAILED, one_line(e)
        result.detail = traceback.format_exc()
        if not isinstance(e, NeedsInstall):  # once the tool is installed, the next run tries again
            _remember_for_good(job, doc, result.reason)
    except DocbatchError as e:  # transient or configuration: tried again on the next run
        result.status, result.reason = FAILED, one_line(e)
        result.detail = traceback.format_exc()
    except MemoryError:
        result.status, result.reason = FAILED, out_of_memory(_max_memory)
    except RecursionError:
        result.status, result.reason = FAILED, "document nested too deeply (recursion limit)"
        result.detail = traceback.format_exc()
    except Exception as e:  # a bug in a parser must not stop the run: record it
        if exhausted_memory(e):
            result.status, result.reason = FAILED, out_of_memory(_max_memory)
        else:
            result.status, result.reason = FAILED, internal_error(e)
            result.detail = traceback.format_exc()
    finally:
        if downloaded and path is not None and not job.preserve_downloads:
            path.unlink(missing_ok=True)  # failed and skipped downloads too: nothing left behind
    return _timed(result, start)


def _locate_pictures(job: Job, doc: DocumentMeta, done: Partitioned) -> list[Picture]:
    """The document's pictures, each element's ``image_path`` made the full location its file
    gets in the destination (before chunking, so chunks' ``orig_elements`` carry it too)."""
    for el in done.elements:
        name = el.metadata.get("image_path")
        if name:
            el.metadata["image_path"] = job.destination.picture_location(doc, name)
    return done.pictures


def _timed(result: DocResult, start: float) -> DocResult:
    result.seconds = round(time.perf_counter() - start, 4)
    return result


def _remember_for_good(job: Job, doc: DocumentMeta, reason: str) -> None:
    """Tell the destination this version fails for good, so reruns leave it alone until it changes,
    docbatch's readers change (:data:`~docbatch.partitioners.formats.READERS_VERSION`) or
    ``--retry-failed``. If the destination cannot be told, the next run simply tries again."""
    with contextlib.suppress(DocbatchError):
        job.destination.mark_failed(doc, stamp(doc, job.failure_fingerprint), reason)


def _obtain(job: Job, doc: DocumentMeta) -> tuple[Path, bool]:
    """A local path for the document, and whether that path is a download (to clean up)."""
    local = job.source.local_path(doc)
    if local is not None:
        return local, False
    dest = safe_join(job.download_dir, doc.key)
    if not job.re_download and _download_is_current(dest, doc):
        return dest, True  # left by an earlier run (--preserve-downloads, or one killed mid-document)
    try:
        _download(job, doc, dest)
    except OSError as e:
        fault = disk_fault(e, job.download_dir, "download")
        if fault is None:
            raise
        raise fault from e
    except (ConfigError, TransientError) as e:  # the source's fault, not the document's
        raise SourceUnavailable(str(e)) from e
    return dest, True


#: How long a download waits out an outage of the source (refused or dropped connections,
#: timeouts, 5xx answers) before its document fails and the run stops: as long as a listing
#: waits (a 25-second S3 blip once stopped a run with most of its documents unattempted).
FETCH_PATIENCE = 120.0


class SourceOutage(SourceUnavailable):
    """The source stayed unreachable for :data:`FETCH_PATIENCE` seconds: every later document
    would meet it too, so the run stops (and a rerun resumes)."""


def _download(job: Job, doc: DocumentMeta, dest: Path) -> None:
    """Fetch ``doc`` to ``dest`` through ``.part``. A body cut off mid-stream (which botocore
    cannot retry once the response has begun) is tried :data:`_FETCH_ATTEMPTS` times; an outage
    is waited out with growing pauses for up to :data:`FETCH_PATIENCE` seconds."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = temp_path(dest, ".part")
    started = time.monotonic()
    attempts, pause = 0, 0.5
    while True:
        try:
            job.source.fetch(doc, part)
            os.replace(part, dest)
            return
        except (ConfigError, TransientError) as e:
            if job.source.is_outage(e):
                waited = time.monotonic() - started
                if waited + pause > FETCH_PATIENCE:
                    raise SourceOutage(
                        f"the source was unreachable for {waited:.0f} s while downloading ({one_line(e, 160)})"
                    ) from e
            else:
                attempts += 1
                if not isinstance(e, TransientError) or attempts >= _FETCH_ATTEMPTS:
                    raise
        finally:
            part.unlink(missing_ok=True)
        time.sleep(pause)
        pause = min(pause * 2, 15.0)


def _download_is_current(path: Path, doc: DocumentMeta) -> bool:
    """Whether a file already in the download dir holds this version of the document: it has
    the listed size and was downloaded after the document last changed. A document edited since
    an earlier run downloaded it is downloaded again, never partitioned from the old bytes."""
    try:
        st = path.stat()
    except OSError:
        return False
    if doc.size is not None and st.st_size != doc.size:
        return False
    if doc.last_modified is None:
        return True
    try:
        changed = datetime.fromisoformat(doc.last_modified).timestamp()
    except ValueError:
        return False
    return st.st_mtime >= changed
