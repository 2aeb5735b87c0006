"""The ``docbatch`` command: parse flags into options, call the pipeline, report, exit.

Exit status: 0 when no document failed (partial ones count as done), 1 when any did, 2 when the
run could not start (usage error, bad credentials, missing bucket, output dir in use, another
source's output, nothing listed) or had to stop (output disk full or read-only, the source failing
document after document, a library a document type needs is not installed), 130 when Ctrl-C or
SIGTERM stopped it.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import click

from docbatch.chunking.base import STRATEGIES, ChunkingOptions
from docbatch.destinations.registry import open_destination
from docbatch.embedding import PROVIDERS, EmbeddingOptions
from docbatch.errors import ConfigError
from docbatch.partitioners.kit.base import EMAIL_BODIES, OCR_MODES, PartitionOptions, ocr_language_codes
from docbatch.runner.memory import memory_cap
from docbatch.runner.pipeline import EXECUTORS, MIN_TIMEOUT, RunOptions, StopRequest, default_download_dir, run
from docbatch.runner.report import Reporter, print_summary
from docbatch.sanitize import redact_url, safe_line
from docbatch.shaping import DEFAULT_FIELDS, ShapingOptions
from docbatch.sources.base import Source

__all__ = ["main"]


def _memory_cap(value: str, processes: int) -> int | None:
    """``--max-memory`` in bytes (see :func:`docbatch.runner.memory.memory_cap`), or a usage error."""
    try:
        return memory_cap(value, processes)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _check_languages(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Tesseract language codes joined by "+": eng, eng+deu, chi_sim."""
    try:
        ocr_language_codes(value)
    except ValueError:
        raise click.BadParameter("give Tesseract language codes joined by +, e.g. eng or eng+deu") from None
    return value


def _default(options: type, name: str) -> Any:
    """The default of field ``name`` of an options class: a flag's default is the library's, written once."""
    return next(f.default for f in fields(options) if f.name == name)


def _check_image_types(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """ "Image,Table" as ("Image", "Table"); names as unstructured spells them, any case."""
    known = {"image": "Image", "table": "Table"}
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n.lower() not in known]
    if bad:
        raise click.BadParameter(f"unknown element type {bad[0]!r}: give Image, Table or both, joined by a comma")
    return tuple(dict.fromkeys(known[n.lower()] for n in names))


#: Every option can also come from the environment: ``--num-processes`` from
#: ``DOCBATCH_NUM_PROCESSES``, and so on (a flag given on the command line wins).
ENV_PREFIX = "DOCBATCH"


def _option(*decls: str, **kwargs: Any) -> Callable[..., Any]:
    """``click.option`` reading ``DOCBATCH_<LONG_NAME>`` from the environment as well.

    Named per option rather than per command (click's auto prefix would make it
    DOCBATCH_LOCAL_TIMEOUT and DOCBATCH_S3_TIMEOUT), so one variable sets a flag for every source.
    """
    long_name = next(d for d in decls if d.startswith("--")).split("/")[0]
    kwargs.setdefault("envvar", f"{ENV_PREFIX}_{long_name[2:].replace('-', '_').upper()}")
    kwargs.setdefault("show_envvar", True)
    return click.option(*decls, **kwargs)


def processing_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags every source shares."""
    decorators = [
        _option(
            "--structured-output-dir",
            default=None,
            metavar="PATH_OR_URL",
            help="Where one JSON of elements per document is written: a folder or any fsspec URL "
            "(s3://bucket/prefix/, gs://, az://) [default: structured-outputs].",
        ),
        _option(
            "--output",
            default=None,
            metavar="URL",
            help="Write elements to a database instead: postgresql://user@host:port/db[?table=elements&index=hnsw] "
            "(pip install 'docbatch[postgresql]'), or a LanceDB vector table: lancedb:///path/to/db[?table=elements] "
            "(pip install 'docbatch[lancedb]').",
        ),
        _option(
            "--reprocess",
            is_flag=True,
            help="Process every document, even those whose output is current (otherwise skipped).",
        ),
        _option(
            "--retry-failed",
            is_flag=True,
            help="Try again unchanged documents that failed for good (damaged, encrypted, unsupported) before.",
        ),
        _option(
            "--delete-orphans",
            is_flag=True,
            help="Remove outputs of documents gone from the source (otherwise only reported).",
        ),
        _option(
            "--allow-other-source",
            is_flag=True,
            help="Write into an output first filled from another source (refused otherwise).",
        ),
        _option(
            "--num-processes",
            type=click.IntRange(min=1),
            default=_default(RunOptions, "num_processes"),
            show_default=True,
            help="Worker processes partitioning documents in parallel (with --ray-address: each node runs "
            "one per CPU it has).",
        ),
        _option(
            "--max-tasks-per-worker",
            type=click.IntRange(min=0),
            default=_default(RunOptions, "max_tasks_per_worker"),
            show_default=True,
            help="Replace each worker after this many tasks (0: never), so slow leaks in parsers' C "
            "libraries cannot build up over a long run. A task is one document, or a batch of small ones "
            "that took milliseconds each (about 50 ms of work together).",
        ),
        _option(
            "--timeout",
            type=click.FloatRange(min=MIN_TIMEOUT),
            default=_default(RunOptions, "timeout"),
            show_default=True,
            help="Seconds one document may take before it is failed and its worker replaced.",
        ),
        _option(
            "--max-memory",
            default=_default(RunOptions, "max_memory"),
            metavar="SIZE",
            show_default=True,
            help="Cap each worker's memory (2G, none, or auto: a share of this machine's, at most 4G); "
            "a document over it fails as out of memory.",
        ),
        _option(
            "--executor",
            type=click.Choice(EXECUTORS),
            default=_default(RunOptions, "executor"),
            show_default=True,
            help="Run workers in a local process pool, or on a Ray cluster (pip install 'docbatch[ray]').",
        ),
        _option(
            "--ray-address",
            default=None,
            help="Ray cluster for --executor ray: auto, or ray://host:10001 (default: start a local one).",
        ),
        _option(
            "--shared-filesystem",
            is_flag=True,
            help="With --executor ray on several nodes: a local source or output folder is on a filesystem "
            "every node mounts at the same path (refused otherwise).",
        ),
        _option(
            "--email-body",
            type=click.Choice(EMAIL_BODIES),
            default=_default(PartitionOptions, "email_body"),
            show_default=True,
            help="Which body to partition when an email has both.",
        ),
        _option("--process-attachments", is_flag=True, help="Partition email attachments as elements of their own."),
        _option(
            "--ocr",
            type=click.Choice(OCR_MODES),
            default=_default(PartitionOptions, "ocr"),
            show_default=True,
            help="OCR images and scanned PDF pages: where no text layer is (auto), every page (always) or none "
            "(never). Needs pip install 'docbatch[ocr]' and Tesseract (see the README).",
        ),
        _option(
            "--ocr-languages",
            default=_default(PartitionOptions, "ocr_languages"),
            show_default=True,
            callback=_check_languages,
            help="Tesseract languages for OCR, joined by + (eng+deu); each needs its tesseract-ocr-<lang> package.",
        ),
        _option(
            "--file-glob",
            multiple=True,
            metavar="PATTERNS",
            help="Only documents matching these globs, comma-separated: *.pdf,*.docx (a name), "
            "reports/*.pdf (a path below the source); .pdf alone means *.pdf.",
        ),
        _option(
            "--file-exclude",
            multiple=True,
            metavar="PATTERNS",
            help="Leave out documents matching these globs (as --file-glob); they are never counted as deleted.",
        ),
        _option(
            "--recursive/--no-recursive",
            default=True,
            show_default=True,
            help="Take documents in subfolders too, or only those at the top of the source.",
        ),
        _option(
            "--max-docs",
            type=click.IntRange(min=1),
            default=None,
            help="Process at most this many documents (a trial run); nothing is reported deleted.",
        ),
        _option(
            "--extract-image-block-types",
            default="",
            callback=_check_image_types,
            help="Element types whose pictures are kept, joined by commas: Image, Table (unstructured's option). "
            "Written as files beside each output (metadata.image_path), or with --extract-image-block-to-payload "
            "into the elements.",
        ),
        _option(
            "--extract-image-block-to-payload",
            is_flag=True,
            help="Put the pictures of --extract-image-block-types into the elements (image_base64, image_mime_type).",
        ),
        _option("-v", "--verbose", is_flag=True, help="Print every document and tracebacks of failures."),
        _option(
            "-q",
            "--quiet",
            is_flag=True,
            help="Print only warnings, errors and the summary (no document lines, no progress).",
        ),
        _option(
            "--log-format",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
            help="json: one object per line (time, level, message; document, status, reason for a document) "
            "for log shippers.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return chunking_options(embedding_options(shaping_options(func)))


def chunking_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The chunking flags (unstructured's names), handed to the command as one ``chunking`` option object."""

    @functools.wraps(func)
    def with_chunking(*args: Any, **kwargs: Any) -> Any:
        fields = {name: kwargs.pop(name) for name in _CHUNKING_FLAGS}
        try:
            kwargs["chunking"] = ChunkingOptions(**fields)
        except ConfigError as e:
            raise click.UsageError(str(e)) from None
        return func(*args, **kwargs)

    decorators = [
        _option(
            "--chunking-strategy",
            "strategy",
            type=click.Choice(STRATEGIES),
            default=None,
            help="Write chunks instead of elements: basic (fill up to --max-characters), by_title (never across "
            "a section), by_page (never across a page).",
        ),
        _option(
            "--max-characters",
            type=click.IntRange(min=1),
            default=_default(ChunkingOptions, "max_characters"),
            show_default=True,
            help="Hard chunk size.",
        ),
        _option(
            "--new-after-n-chars",
            type=click.IntRange(min=0),
            default=None,
            help="Soft chunk size: a chunk this long takes no further element [default: --max-characters].",
        ),
        _option(
            "--overlap",
            type=click.IntRange(min=0),
            default=_default(ChunkingOptions, "overlap"),
            show_default=True,
            help="Characters of a split element's previous piece repeated at the start of the next.",
        ),
        _option("--overlap-all", is_flag=True, help="Apply --overlap between all chunks, not only split ones."),
        _option(
            "--combine-text-under-n-chars",
            type=click.IntRange(min=0),
            default=None,
            help="by_title: merge sections shorter than this with the next [default: --max-characters].",
        ),
        _option(
            "--multipage-sections/--no-multipage-sections",
            default=_default(ChunkingOptions, "multipage_sections"),
            show_default=True,
            help="by_title: let a section's chunk span pages.",
        ),
        _option(
            "--include-orig-elements/--no-include-orig-elements",
            default=_default(ChunkingOptions, "include_orig_elements"),
            show_default=True,
            help="Keep each chunk's original elements (coordinates, pages) in metadata.orig_elements.",
        ),
    ]
    for decorator in reversed(decorators):
        with_chunking = decorator(with_chunking)
    return with_chunking


_CHUNKING_FLAGS = (
    "strategy",
    "max_characters",
    "new_after_n_chars",
    "overlap",
    "overlap_all",
    "combine_text_under_n_chars",
    "multipage_sections",
    "include_orig_elements",
)


def embedding_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The embedding flags (unstructured-ingest's names), handed to the command as one ``embedding`` option object."""

    @functools.wraps(func)
    def with_embedding(*args: Any, **kwargs: Any) -> Any:
        fields = {name: kwargs.pop(f"embedding_{name}") for name in _EMBEDDING_FLAGS}
        try:
            kwargs["embedding"] = EmbeddingOptions(**fields, processes=kwargs["num_processes"])
        except ConfigError as e:
            raise click.UsageError(str(e)) from None
        return func(*args, **kwargs)

    decorators = [
        _option(
            "--embedding-provider",
            type=click.Choice(list(PROVIDERS)),
            default=None,
            help='Embed each element or chunk into its "embeddings": openai (any OpenAI-compatible endpoint) or '
            "local (an ONNX model folder, on this CPU). pip install 'docbatch[embed]'.",
        ),
        _option(
            "--embedding-model-name",
            default=None,
            help="The model: a name the endpoint knows [openai default: text-embedding-3-small], or for local the "
            "folder holding model.onnx and tokenizer.json.",
        ),
        _option("--embedding-api-key", default=None, help="The endpoint's API key (never printed nor recorded)."),
        _option(
            "--embedding-base-url",
            default=None,
            help="An OpenAI-compatible endpoint: Azure, Ollama (http://localhost:11434/v1), vLLM, TEI "
            "[default: https://api.openai.com/v1].",
        ),
        _option(
            "--embedding-batch-size",
            type=click.IntRange(min=1),
            default=64,
            show_default=True,
            help="Texts per embedding request (or per local model call).",
        ),
        _option(
            "--embedding-max-concurrency",
            type=click.IntRange(min=1),
            default=8,
            show_default=True,
            help="Embedding requests in flight across the run, shared among the workers (each gets at least one).",
        ),
    ]
    for decorator in reversed(decorators):
        with_embedding = decorator(with_embedding)
    return with_embedding


_EMBEDDING_FLAGS = ("provider", "model_name", "api_key", "base_url", "batch_size", "max_concurrency")


def _names(value: str | None) -> tuple[str, ...]:
    """A comma-separated flag's names, as unstructured-ingest takes them."""
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def shaping_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """unstructured-ingest's metadata flags, handed to the command as one ``shaping`` option object."""

    @functools.wraps(func)
    def with_shaping(*args: Any, **kwargs: Any) -> Any:
        try:
            kwargs["shaping"] = ShapingOptions(
                metadata_exclude=_names(kwargs.pop("metadata_exclude")),
                metadata_include=_names(kwargs.pop("metadata_include")),
                fields_include=_names(kwargs.pop("fields_include")),
                flatten_metadata=kwargs.pop("flatten_metadata"),
            )
        except ConfigError as e:
            raise click.UsageError(str(e)) from None
        return func(*args, **kwargs)

    decorators = [
        _option(
            "--metadata-exclude",
            default=None,
            metavar="KEYS",
            help="Comma-separated metadata keys to drop; a dotted key drops a nested one (data_source.url).",
        ),
        _option("--metadata-include", default=None, metavar="KEYS", help="Comma-separated metadata keys to keep."),
        _option(
            "--fields-include",
            default=",".join(DEFAULT_FIELDS),
            metavar="FIELDS",
            show_default=True,
            help="Comma-separated top-level fields of each element to write.",
        ),
        _option(
            "--flatten-metadata",
            is_flag=True,
            help="Move metadata keys to each element's top level (nested keys joined with _), as vector stores want.",
        ),
    ]
    for decorator in reversed(decorators):
        with_shaping = decorator(with_shaping)
    return with_shaping


def download_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags of sources whose documents are downloaded before partitioning."""
    decorators = [
        _option(
            "--download-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Where documents are downloaded [default: tmp-ingest-<6 random chars>].",
        ),
        _option(
            "--re-download/--no-re-download",
            default=_default(RunOptions, "re_download"),
            show_default=True,
            help="Download again documents already present in the download dir.",
        ),
        _option(
            "--preserve-downloads",
            is_flag=True,
            help="Keep downloads (otherwise each is removed once its document is processed).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="docbatch")
def main() -> None:
    """Turn every document under a source into structured JSON elements."""


@main.command("s3")
@_option("--s3-url", required=True, help="s3://bucket/prefix/ (every object under it) or s3://bucket/key (one object).")
@_option("--anonymous", is_flag=True, help="Send unsigned requests (public buckets).")
@_option("--endpoint-url", default=None, help="S3-compatible endpoint (also read from AWS_ENDPOINT_URL).")
@download_options
@processing_options
def s3_command(
    s3_url: str,
    anonymous: bool,
    endpoint_url: str | None,
    download_dir: Path | None,
    re_download: bool,
    preserve_downloads: bool,
    **common: Any,
) -> None:
    """Process every document under an S3 prefix, or one S3 object."""
    from docbatch.sources.s3 import S3Source

    try:
        source = S3Source(s3_url, anonymous=anonymous, endpoint_url=endpoint_url)
    except ConfigError as e:
        raise click.UsageError(str(e)) from None
    _run(
        source,
        download_dir=download_dir,
        re_download=re_download,
        preserve_downloads=preserve_downloads,
        endpoint_url=endpoint_url,
        **common,
    )


@main.command("local")
@click.argument("path")
@processing_options
def local_command(path: str, **common: Any) -> None:
    """Process every document in a local folder (recursively), or one file. A glob such as
    'docs/*.pdf' (quoted) takes the folder before its first wildcard with the rest as --file-glob."""
    from docbatch.sources.local import LocalSource

    folder, pattern = _split_glob(path)
    if pattern:
        common["file_glob"] = (*common["file_glob"], pattern)
    _run(LocalSource(folder), download_dir=None, re_download=False, preserve_downloads=False, **common)


def _split_glob(path: str) -> tuple[Path, str | None]:
    """A local PATH as (the folder or file to list, the glob below it or None)."""
    if Path(path).exists() or not any(c in path for c in "*?["):
        if not Path(path).exists():
            raise click.BadParameter(f"Path {path!r} does not exist.", param_hint="'PATH'")
        return Path(path), None
    parts = Path(path).parts
    first = next(i for i, part in enumerate(parts) if any(c in part for c in "*?["))
    folder = Path(*parts[:first]) if first else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} (the folder of the glob {path}) does not exist.", param_hint="PATH")
    return folder, "/" + "/".join(parts[first:])  # anchored: * in a glob path never crosses a folder


@main.command("fsspec")
@click.argument("url")
@download_options
@processing_options
def fsspec_command(
    url: str, download_dir: Path | None, re_download: bool, preserve_downloads: bool, **common: Any
) -> None:
    """Process every document under any fsspec URL (gcs://, abfs://, sftp://, ...)."""
    from docbatch.sources.fsspec import FsspecSource

    source = FsspecSource(url)
    _run(source, download_dir=download_dir, re_download=re_download, preserve_downloads=preserve_downloads, **common)


@main.command("report")
@click.argument("output", default="structured-outputs")
@click.option("--failed", is_flag=True, help="Only the documents that failed.")
@click.option("--run", "run_id", metavar="ID", default=None, help="A run id (or its start); default: the latest run.")
@click.option(
    "--now",
    is_flag=True,
    help="The latest outcome of every document across all runs (what is broken now), not one run.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--endpoint-url", default=None, help="S3-compatible endpoint of an s3:// OUTPUT.")
def report_command(
    output: str, failed: bool, run_id: str | None, now: bool, fmt: str, endpoint_url: str | None
) -> None:
    """Show a run from the run record in OUTPUT (default: structured-outputs): a folder, or the
    s3://, fsspec or postgresql:// URL a run wrote to."""
    from docbatch.runner.report import format_run

    if now and run_id:
        click.echo("Error: give --now or --run, not both.", err=True)
        sys.exit(2)
    try:
        run_row, rows = _read_report(output, run_id, failed=failed, now=now, endpoint_url=endpoint_url)
    except ConfigError as e:
        click.echo(f"Error: {safe_line(str(e))}", err=True)
        sys.exit(2)
    # not click.echo: it strips escape sequences off a pipe, and csv and json must keep the keys as they are
    sys.stdout.write(format_run(run_row, rows, fmt) + "\n")


def _read_report(
    output: str, run_id: str | None, *, failed: bool, now: bool, endpoint_url: str | None
) -> tuple[dict, list[dict]]:
    """The run (or the now view) the report shows, from a local output's record or from the copy a
    remote output keeps (fetched into a temporary file)."""
    import tempfile

    from docbatch.runner.record import read_record, read_run

    if "://" not in output or output.lower().startswith("file://"):
        local = Path(output[len("file://") :] if output.lower().startswith("file://") else output)
        return read_run(local, run_id, failed_only=failed, now=now)
    shown = redact_url(output)
    destination = open_destination(output, endpoint_url=endpoint_url)
    try:
        data = destination.read_record(run_id) if run_id else None
        data = data or destination.read_record(None)  # the latest copy holds this machine's earlier runs too
    except ConfigError:
        raise
    except Exception as e:  # a backend's own error reading its store
        raise ConfigError(f"Cannot read the run record of {shown} ({type(e).__name__}: {safe_line(str(e))}).") from e
    if data is None:
        raise ConfigError(f"No run record in {shown}; give the output of a docbatch run that has finished.")
    with tempfile.TemporaryDirectory(prefix="docbatch-report-") as tmp:
        path = Path(tmp) / "record.sqlite"
        path.write_bytes(data)
        return read_record(path, run_id, failed_only=failed, now=now, shown=f"kept in {shown}")


def _run(
    source: Source,
    *,
    download_dir: Path | None,
    re_download: bool,
    preserve_downloads: bool,
    structured_output_dir: str | None,
    output: str | None,
    reprocess: bool,
    retry_failed: bool,
    delete_orphans: bool,
    allow_other_source: bool,
    num_processes: int,
    max_tasks_per_worker: int,
    timeout: float,
    max_memory: str,
    executor: str,
    ray_address: str | None,
    shared_filesystem: bool,
    email_body: str,
    process_attachments: bool,
    ocr: str,
    ocr_languages: str,
    extract_image_block_types: tuple[str, ...],
    extract_image_block_to_payload: bool,
    verbose: bool,
    chunking: ChunkingOptions,
    quiet: bool = False,
    log_format: str = "text",
    file_glob: tuple[str, ...] = (),
    file_exclude: tuple[str, ...] = (),
    recursive: bool = True,
    max_docs: int | None = None,
    embedding: EmbeddingOptions,
    shaping: ShapingOptions,
    endpoint_url: str | None = None,
) -> None:
    if output and structured_output_dir:
        raise click.UsageError("Give --structured-output-dir or --output, not both.")
    try:
        target = output or structured_output_dir or "structured-outputs"
        destination = open_destination(target, endpoint_url=endpoint_url)
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    options = RunOptions(
        download_dir=download_dir or default_download_dir(),
        num_processes=num_processes,
        max_tasks_per_worker=max_tasks_per_worker,
        reprocess=reprocess,
        retry_failed=retry_failed,
        delete_orphans=delete_orphans,
        allow_other_source=allow_other_source,
        re_download=re_download,
        preserve_downloads=preserve_downloads,
        timeout=timeout,
        # checked here, worked out where the workers run: a Ray node's "auto" is a share of its memory
        max_memory=max_memory if _memory_cap(max_memory, num_processes) else None,
        executor=executor,
        ray_address=ray_address,
        shared_filesystem=shared_filesystem,
        partition=PartitionOptions(
            process_attachments=process_attachments,
            email_body=email_body,
            ocr=ocr,
            ocr_languages=ocr_languages,
            extract_image_block_types=extract_image_block_types,
            extract_image_block_to_payload=extract_image_block_to_payload,
        ),
        chunking=chunking,
        file_glob=file_glob,
        file_exclude=file_exclude,
        recursive=recursive,
        max_docs=max_docs,
        embedding=embedding,
        shaping=shaping,
    )
    if quiet and verbose:
        raise click.UsageError("Give -q or -v, not both.")
    reporter = Reporter(verbose=verbose, quiet=quiet, log_format=log_format)
    stop = StopRequest()
    try:
        with reporter, _stopping_on_signals(stop, reporter):
            summary = run(
                source,
                destination,
                options,
                on_result=reporter,
                stop=stop,
                on_total=reporter.set_total,
                on_submit=reporter.submitted,
            )
    except ConfigError as e:
        reporter.line(f"Error: {e}", level="error")
        sys.exit(2)
    except KeyboardInterrupt:
        reporter.line("Interrupted; rerun the same command to resume.", level="warning")
        sys.exit(130)
    except Exception as e:  # a bug of ours: one sentence, the traceback only with -v
        if verbose:
            reporter.traceback()
        reporter.line(
            f"Error: the run stopped on an unexpected {type(e).__name__}: {e}; rerun with -v for the traceback.",
            level="error",
        )
        sys.exit(2)
    print_summary(summary, reporter)
    if summary.interrupted:
        reporter.line("Interrupted; rerun the same command to resume.", level="warning")
        sys.exit(130)
    sys.exit(1 if summary.failed else 0)


@contextlib.contextmanager
def _stopping_on_signals(stop: StopRequest, reporter: Reporter) -> Iterator[None]:
    """Ctrl-C or SIGTERM once: finish the documents in flight and close the record; twice: now."""

    def on_signal(signum: int, frame: Any) -> None:
        if stop.request():
            reporter.line("Stopping after the documents in flight (Ctrl-C again to stop now).", level="warning")
        else:
            reporter.line("Stopping now.", level="warning")
            raise KeyboardInterrupt  # wherever the run is: the record is closed on the way out

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
