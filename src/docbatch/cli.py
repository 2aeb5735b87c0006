"""The ``docbatch`` command: parse flags into options, call the pipeline, report, exit.

Exit status: 0 when no document failed (partial ones count as done), 1 when any did, 2 when the
run could not do its job (usage error, bad credentials, missing bucket, output dir in use, a
library a document type needs is not installed).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from docbatch.chunking import STRATEGIES, ChunkingOptions
from docbatch.destinations.registry import open_destination
from docbatch.errors import ConfigError
from docbatch.memory import memory_cap
from docbatch.partition.base import PartitionOptions
from docbatch.pipeline import RunOptions, default_download_dir, run
from docbatch.report import Reporter, print_summary
from docbatch.sources.base import Source

__all__ = ["main"]


def _memory_cap(value: str, processes: int) -> int | None:
    """``--max-memory`` in bytes (see :func:`docbatch.memory.memory_cap`), or a usage error."""
    try:
        return memory_cap(value, processes)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _check_languages(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Tesseract language codes joined by "+": eng, eng+deu, chi_sim."""
    if not re.fullmatch(r"[A-Za-z_]{3,16}(\+[A-Za-z_]{3,16})*", value):
        raise click.BadParameter("give Tesseract language codes joined by +, e.g. eng or eng+deu")
    return value


def processing_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags every source shares."""
    decorators = [
        click.option(
            "--structured-output-dir",
            default=None,
            metavar="PATH_OR_URL",
            help="Where one JSON of elements per document is written: a folder or any fsspec URL "
            "(s3://bucket/prefix/, gs://, az://) [default: structured-outputs].",
        ),
        click.option(
            "--output",
            default=None,
            metavar="URL",
            help="Write elements to a database instead: postgresql://user@host:port/db[?table=elements] "
            "(pip install 'docbatch[postgresql]').",
        ),
        click.option(
            "--reprocess",
            is_flag=True,
            help="Process every document, even those whose output is current (otherwise skipped).",
        ),
        click.option(
            "--retry-failed",
            is_flag=True,
            help="Try again unchanged documents that failed for good (damaged, encrypted, unsupported) before.",
        ),
        click.option(
            "--delete-orphans",
            is_flag=True,
            help="Remove outputs of documents gone from the source (otherwise only reported).",
        ),
        click.option(
            "--allow-other-source",
            is_flag=True,
            help="Write into an output first filled from another source (refused otherwise).",
        ),
        click.option(
            "--num-processes",
            type=click.IntRange(min=1),
            default=2,
            show_default=True,
            help="Worker processes partitioning documents in parallel.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=300.0,
            show_default=True,
            help="Seconds one document may take before it is failed and its worker replaced.",
        ),
        click.option(
            "--max-memory",
            default="auto",
            metavar="SIZE",
            show_default=True,
            help="Cap each worker's memory (2G, none, or auto: a share of this machine's, at most 4G); "
            "a document over it fails as out of memory.",
        ),
        click.option(
            "--executor",
            type=click.Choice(["processes", "ray"]),
            default="processes",
            show_default=True,
            help="Run workers in a local process pool, or on a Ray cluster (pip install 'docbatch[ray]').",
        ),
        click.option(
            "--ray-address", default=None, help="Ray cluster for --executor ray (default: start a local one)."
        ),
        click.option(
            "--email-body",
            type=click.Choice(["html", "text"]),
            default="html",
            show_default=True,
            help="Which body to partition when an email has both.",
        ),
        click.option(
            "--process-attachments", is_flag=True, help="Partition email attachments as elements of their own."
        ),
        click.option(
            "--ocr",
            type=click.Choice(["auto", "never", "always"]),
            default="auto",
            show_default=True,
            help="OCR images and scanned PDF pages: where no text layer is (auto), every page (always) or none "
            "(never). Needs pip install 'docbatch[ocr]' and Tesseract (see the README).",
        ),
        click.option(
            "--ocr-languages",
            default="eng",
            show_default=True,
            callback=_check_languages,
            help="Tesseract languages for OCR, joined by + (eng+deu); each needs its tesseract-ocr-<lang> package.",
        ),
        click.option("-v", "--verbose", is_flag=True, help="Print every document and tracebacks of failures."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return chunking_options(func)


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
        click.option(
            "--chunking-strategy",
            "strategy",
            type=click.Choice(STRATEGIES),
            default=None,
            help="Write chunks instead of elements: basic (fill up to --max-characters), by_title (never across "
            "a section), by_page (never across a page).",
        ),
        click.option(
            "--max-characters", type=click.IntRange(min=1), default=500, show_default=True, help="Hard chunk size."
        ),
        click.option(
            "--new-after-n-chars",
            type=click.IntRange(min=0),
            default=None,
            help="Soft chunk size: a chunk this long takes no further element [default: --max-characters].",
        ),
        click.option(
            "--overlap",
            type=click.IntRange(min=0),
            default=0,
            show_default=True,
            help="Characters of a split element's previous piece repeated at the start of the next.",
        ),
        click.option("--overlap-all", is_flag=True, help="Apply --overlap between all chunks, not only split ones."),
        click.option(
            "--combine-text-under-n-chars",
            type=click.IntRange(min=0),
            default=None,
            help="by_title: merge sections shorter than this with the next [default: --max-characters].",
        ),
        click.option(
            "--multipage-sections/--no-multipage-sections",
            default=True,
            show_default=True,
            help="by_title: let a section's chunk span pages.",
        ),
        click.option(
            "--include-orig-elements/--no-include-orig-elements",
            default=True,
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


def download_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The flags of sources whose documents are downloaded before partitioning."""
    decorators = [
        click.option(
            "--download-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Where documents are downloaded [default: tmp-ingest-<6 random chars>].",
        ),
        click.option(
            "--re-download/--no-re-download",
            default=False,
            show_default=True,
            help="Download again documents already present in the download dir.",
        ),
        click.option(
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
@click.option(
    "--s3-url", required=True, help="s3://bucket/prefix/ (every object under it) or s3://bucket/key (one object)."
)
@click.option("--anonymous", is_flag=True, help="Send unsigned requests (public buckets).")
@click.option("--endpoint-url", default=None, help="S3-compatible endpoint (also read from AWS_ENDPOINT_URL).")
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
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@processing_options
def local_command(path: Path, **common: Any) -> None:
    """Process every document in a local folder (recursively), or one file."""
    from docbatch.sources.local import LocalSource

    _run(LocalSource(path), download_dir=None, re_download=False, preserve_downloads=False, **common)


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
    timeout: float,
    max_memory: str,
    executor: str,
    ray_address: str | None,
    email_body: str,
    process_attachments: bool,
    ocr: str,
    ocr_languages: str,
    verbose: bool,
    chunking: ChunkingOptions,
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
        reprocess=reprocess,
        retry_failed=retry_failed,
        delete_orphans=delete_orphans,
        allow_other_source=allow_other_source,
        re_download=re_download,
        preserve_downloads=preserve_downloads,
        timeout=timeout,
        max_memory=_memory_cap(max_memory, num_processes),
        executor=executor,
        ray_address=ray_address,
        partition=PartitionOptions(
            process_attachments=process_attachments, email_body=email_body, ocr=ocr, ocr_languages=ocr_languages
        ),
        chunking=chunking,
    )
    reporter = Reporter(verbose=verbose)
    try:
        with reporter:
            summary = run(source, destination, options, on_result=reporter)
    except ConfigError as e:
        reporter.line(f"Error: {e}")
        sys.exit(2)
    except KeyboardInterrupt:
        reporter.line("Interrupted; rerun the same command to resume.")
        sys.exit(130)
    except Exception as e:  # a bug of ours: one sentence, the traceback only with -v
        if verbose:
            reporter.traceback()
        reporter.line(
            f"Error: the run stopped on an unexpected {type(e).__name__}: {e}; rerun with -v for the traceback."
        )
        sys.exit(2)
    print_summary(summary, reporter)
    sys.exit(1 if summary.failed else 0)
