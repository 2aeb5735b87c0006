"""docbatch inside your own Ray Data pipeline: :class:`Partitioner`, a callable class for
``Dataset.map_batches`` that turns rows of documents into rows of elements (or chunks).

    import ray
    from docbatch.ray import Partitioner

    docs = ray.data.read_binary_files("s3://bucket/docs/", include_paths=True)  # columns: bytes, path
    elements = docs.map_batches(
        Partitioner,
        fn_constructor_kwargs={"timeout": 60, "chunking_strategy": "by_title", "max_characters": 800},
        concurrency=4,  # actors; each runs a pool as wide as its num_cpus
        num_cpus=2,
        batch_size=64,
    )
    elements.write_parquet("s3://bucket/elements/")

Each actor runs docbatch's own process pool (:class:`~docbatch.runner.executors.ProcessExecutor`), so a
document that hangs past ``timeout``, crashes its worker or goes over ``max_memory`` fails alone,
as a row saying why, and the batch goes on: Ray would otherwise retry the whole batch's task
(or the actor) and fail the dataset on the document every time.

Input rows need ``path`` (a local path or any fsspec URL: s3://, gs://, ...), ``bytes``, or both
(then ``path`` only names the document). Every document gives at least one row: ``path``,
``status`` (ok, partial, failed, skipped), ``reason``, and the element's ``type``,
``element_id``, ``text`` and ``metadata`` (JSON text, as the CLI writes it); a document without
elements (failed, skipped, empty) gives one row whose element columns are None.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.chunking.base import ChunkingOptions
from docbatch.destinations.local import LocalJSONDestination
from docbatch.errors import ConfigError, DocumentError
from docbatch.model import FAILED, OK, PARTIAL, DocumentMeta, ListingFault
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.executors import ProcessExecutor
from docbatch.runner.memory import AUTO, memory_cap
from docbatch.runner.raycluster import run_documents
from docbatch.runner.worker import Job
from docbatch.sources.base import Source

__all__ = ["COLUMNS", "Partitioner"]

#: The columns of the rows a Partitioner returns.
COLUMNS = ("path", "status", "reason", "type", "element_id", "text", "metadata")

_PARTITION_FIELDS = {f.name for f in dataclasses.fields(PartitionOptions)}
_CHUNKING_FIELDS = {f.name for f in dataclasses.fields(ChunkingOptions)}


class Partitioner:
    """Partitions a batch of document rows into element rows in a local pool of ``processes``
    workers (default: the CPUs Ray gave this actor, so ``num_cpus`` sets it).

    Options are the CLI's, by their Python names: ``timeout``, ``max_memory`` ("auto", "2G",
    None), ``max_tasks_per_worker``, ``ocr``, ``ocr_languages``, ``email_body``,
    ``process_attachments``, ``chunking_strategy``, ``max_characters``, ``new_after_n_chars``,
    ``overlap``, ``overlap_all``, ``combine_text_under_n_chars``, ``multipage_sections``,
    ``include_orig_elements``.
    """

    def __init__(
        self,
        *,
        processes: int | None = None,
        timeout: float = 300.0,
        max_memory: int | str | None = AUTO,
        max_tasks_per_worker: int = 500,
        chunking_strategy: str | None = None,
        **options: Any,
    ) -> None:
        unknown = set(options) - _PARTITION_FIELDS - _CHUNKING_FIELDS
        if unknown:
            raise ConfigError(f"Partitioner got unknown options {', '.join(sorted(unknown))}; see its docstring.")
        partition = PartitionOptions(**{k: v for k, v in options.items() if k in _PARTITION_FIELDS})
        chunking = ChunkingOptions(
            strategy=chunking_strategy, **{k: v for k, v in options.items() if k in _CHUNKING_FIELDS}
        )
        processes = processes or _assigned_cpus()
        self._temp = Path(tempfile.mkdtemp(prefix="docbatch-raydata-"))
        job = Job(
            source=_Rows(),
            destination=LocalJSONDestination(self._temp / "out"),
            download_dir=self._temp / "downloads",
            partition=partition,
            chunking=chunking,
            temp_dir=self._temp / "tmp",
        )
        job.temp_dir.mkdir()
        self._pool = ProcessExecutor(
            job,
            timeout=timeout,
            processes=processes,
            max_memory=memory_cap(max_memory, processes),
            max_tasks=max_tasks_per_worker,
        )
        self._seconds: float | None = None
        self._batches = itertools.count()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        folder = self._temp / "in" / str(next(self._batches))
        docs = [_document(i, row, folder) for i, row in enumerate(_rows(batch))]
        try:
            results, self._seconds = run_documents(self._pool, docs, self._seconds)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
        order = {doc.key: i for i, doc in enumerate(docs)}
        for result in sorted(results, key=lambda r: order[r.key]):
            elements = _read_output(result.output) if result.status in (OK, PARTIAL) else []
            if result.status in (OK, PARTIAL) and result.output is None:
                result.status, result.reason = FAILED, "internal error: no output written"
            for element in elements or [None]:
                columns["path"].append(result.uri)
                columns["status"].append(str(result.status))
                columns["reason"].append(result.reason)
                columns["type"].append(element and element.get("type"))
                columns["element_id"].append(element and element.get("element_id"))
                columns["text"].append(element and element.get("text"))
                columns["metadata"].append(element and json.dumps(element.get("metadata", {}), ensure_ascii=False))
        return columns

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._pool.close(now=True)
            shutil.rmtree(self._temp, ignore_errors=True)


def _assigned_cpus() -> int:
    """The CPUs Ray gave this actor (1 outside Ray)."""
    try:
        import ray
    except ImportError:
        return 1
    if not ray.is_initialized():  # asking the runtime context would start a local Ray
        return 1
    return max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))


def _rows(batch: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of a batch in Ray Data's "numpy" or "pyarrow"/"pandas" column form."""
    if hasattr(batch, "to_pydict"):  # a pyarrow Table
        batch = batch.to_pydict()
    elif hasattr(batch, "to_dict") and hasattr(batch, "columns"):  # a pandas DataFrame
        batch = {c: list(batch[c]) for c in batch.columns}
    if "path" not in batch and "bytes" not in batch:
        raise ConfigError(
            "Partitioner needs a path or bytes column; read_binary_files(..., include_paths=True) has both."
        )
    size = len(next(iter(batch.values())))
    for i in range(size):
        yield {name: batch[name][i] for name in ("path", "bytes") if name in batch}


def _document(index: int, row: dict[str, Any], folder: Path) -> DocumentMeta:
    """The row as a document of :class:`_Rows`: bytes go to a file of this batch's folder."""
    path = row.get("path")
    path = None if path is None else str(path)
    name = os.path.basename(path.rstrip("/")) if path else f"document-{index}"
    key = f"{index}/{name}"
    data = row.get("bytes")
    if data is not None:
        local = folder / key
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(bytes(data))
        return DocumentMeta(uri=path or local.as_uri(), key=key, size=len(data), record_locator={"path": str(local)})
    if path is None:
        raise ConfigError("Partitioner got a row without path or bytes.")
    if "://" in path and not path.startswith("file://"):
        return DocumentMeta(uri=path, key=key, record_locator={"url": path})
    local_path = path.removeprefix("file://")
    with contextlib.suppress(OSError):
        return DocumentMeta(uri=path, key=key, size=os.path.getsize(local_path), record_locator={"path": local_path})
    return DocumentMeta(uri=path, key=key, record_locator={"path": local_path})


def _read_output(output: str | None) -> list[dict[str, Any]]:
    if output is None:
        return []
    path = Path(output)
    try:
        return json.loads(path.read_bytes())
    finally:
        path.unlink(missing_ok=True)


class _Rows(Source):
    """The documents of the batches: local files read in place, URLs fetched by the worker."""

    name = "rows"

    def list(self) -> Iterator[DocumentMeta | ListingFault]:
        return iter(())

    def local_path(self, doc: DocumentMeta) -> Path | None:
        path = doc.record_locator.get("path")
        if path is None:
            return None
        if not os.path.isfile(path):
            raise DocumentError("not a regular file (missing, a folder, a device or fifo)")
        return Path(path)

    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        import fsspec

        with fsspec.open(doc.record_locator["url"], "rb") as f, open(dest, "wb") as out:
            shutil.copyfileobj(f, out)
