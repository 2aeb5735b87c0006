"""What a worker process does with one document: fetch, partition, write, clean up.

Runs in a pool process. Every outcome, including a bug in a partitioner, comes back as a
:class:`~docbatch.record.DocResult`; only a hang, a crash or a kill of the process itself is
left to the pool (see :mod:`docbatch.pipeline`).
"""

from __future__ import annotations

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
from datetime import UTC, datetime
from pathlib import Path

from docbatch.destinations.base import Destination
from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import (
    ConfigError,
    DocbatchError,
    OutputUnavailable,
    SourceUnavailable,
    TransientError,
    UnsupportedFileType,
)
from docbatch.languages import detect_languages
from docbatch.partition import PartitionOptions, partition_file
from docbatch.paths import disk_fault, printable, safe_join, temp_path
from docbatch.record import FAILED, OK, SKIPPED, DocResult
from docbatch.sources.base import DocumentMeta, Source

__all__ = ["Job", "limit_memory", "process_document", "process_next", "start_worker"]

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
    #: This run's folder for the temporary files of workers (attachments, converters): the
    #: main process removes it at the end, so a worker killed mid-document leaves nothing behind.
    temp_dir: Path | None = None


def limit_memory(max_bytes: int | None) -> None:
    """Cap this worker's address space so a runaway document fails alone."""
    if max_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


#: The run's Job in a pool worker, given once when the worker starts (see :func:`start_worker`).
_job: Job | None = None


def start_worker(job: Job, max_memory: int | None, parent_pid: int | None = None) -> None:
    """Pool initializer: die with the main process, keep the run's Job, so that each task
    carries only its document (pickling the Job for every small document cost the main process
    more than the task itself), and cap the worker's memory.

    A forked worker inherits the parent's Job object itself, network clients included: two
    processes reading one pooled socket get each other's responses and hang. A pickled copy
    is what the Job would be had it been sent here, and sources drop their clients when
    pickled, so each worker opens its own.
    """
    global _job
    # Ctrl-C reaches the whole process group; the main process decides what stops (see
    # pipeline.StopRequest), so a worker finishes its document instead of dying mid-write.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None:
        die_with_parent(parent_pid)
    _job = pickle.loads(pickle.dumps(job))
    if job.temp_dir is not None:
        tempfile.tempdir = str(job.temp_dir)
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


def process_document(job: Job, doc: DocumentMeta) -> DocResult:
    """Turn one document into an output file; never raises for a bad document."""
    start = time.perf_counter()
    result = DocResult.of(doc, OK)
    path, downloaded = None, False
    try:
        path, downloaded = _obtain(job, doc)
        file_type, elements = partition_file(path, job.partition, name=doc.key)
        result.file_type = file_type.name
        info = DocumentInfo(
            filename=printable(Path(doc.key).name),
            filetype=file_type.mime,
            url=printable(doc.uri),
            record_locator={k: printable(v) if isinstance(v, str) else v for k, v in doc.record_locator.items()},
            version=doc.version,
            last_modified=doc.last_modified,
            date_processed=datetime.now(UTC).isoformat(),
            languages=detect_languages(el.text for el in elements) if job.partition.detect_languages else None,
            key=doc.key,
        )
        finalized = finalize(elements, info)
        result.output = job.destination.write(doc, elements_to_dicts(finalized))
        result.elements = len(finalized)
    except UnsupportedFileType as e:
        result.status, result.reason = SKIPPED, _one_line(e)
    except OutputUnavailable as e:
        result.status, result.reason, result.fault = FAILED, _one_line(e), "output"
    except SourceUnavailable as e:
        result.status, result.reason, result.fault = FAILED, _one_line(e), "source"
        result.detail = traceback.format_exc()
    except DocbatchError as e:
        result.status, result.reason = FAILED, _one_line(e)
        result.detail = traceback.format_exc()
    except MemoryError:
        result.status, result.reason = FAILED, "out of memory"
    except RecursionError:
        result.status, result.reason = FAILED, "document nested too deeply (recursion limit)"
        result.detail = traceback.format_exc()
    except Exception as e:  # a bug in a parser must not stop the run: record it
        result.status, result.reason = FAILED, f"internal error: {type(e).__name__}: {_one_line(e)}"
        result.detail = traceback.format_exc()
    finally:
        if downloaded and path is not None and not job.preserve_downloads:
            path.unlink(missing_ok=True)  # failed and skipped downloads too: nothing left behind
    result.seconds = round(time.perf_counter() - start, 4)
    return result


def _obtain(job: Job, doc: DocumentMeta) -> tuple[Path, bool]:
    """A local path for the document, and whether that path is a download (to clean up)."""
    local = job.source.local_path(doc)
    if local is not None:
        return local, False
    dest = safe_join(job.download_dir, doc.key)
    if dest.is_file() and not job.re_download:
        return dest, True  # left by an earlier run that did not finish this document
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


def _download(job: Job, doc: DocumentMeta, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = temp_path(dest, ".part")
    for attempt in range(_FETCH_ATTEMPTS):
        try:
            job.source.fetch(doc, part)
            os.replace(part, dest)
            return
        except TransientError:
            # botocore already retried each request; this covers a body cut off mid-stream,
            # which it cannot retry once the response has begun.
            if attempt == _FETCH_ATTEMPTS - 1:
                raise
            time.sleep(0.5 * 2**attempt)
        finally:
            part.unlink(missing_ok=True)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] if text else type(error).__name__
