"""The ``docbatch`` command: parse flags into options, call the pipeline, report, exit.

Exit status: 0 when no document failed, 1 when any did, 2 when the run could not start
(usage error, bad credentials, missing bucket, output dir in use).
"""

from __future__ import annotations

import os
import secrets
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from docbatch.destinations.registry import open_destination
from docbatch.errors import ConfigError
from docbatch.partition.base import PartitionOptions
from docbatch.pipeline import RunOptions, run
from docbatch.report import Reporter, print_summary
from docbatch.sources.base import Source

__all__ = ["main"]


def _default_download_dir() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "tmp-ingest-" + "".join(secrets.choice(alphabet) for _ in range(6))


def _memory_cap(value: str, processes: int) -> int | None:
    """Bytes each worker may use: a size like 2G, "none", or "auto".

    "auto" gives each worker an equal share of three quarters of this machine's memory, at most
    4 GiB: enough for any sane document, and a runaway one fails alone instead of drawing the
    kernel's OOM killer onto the whole run overnight.
    """
    text = value.strip().lower()
    if text in ("none", "0", "off"):
        return None
    if text == "auto":
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return min(4 * 1024**3, int(total * 0.75 / max(processes, 1)))
    units = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
    text = text.removesuffix("b").removesuffix("i")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a size; write e.g. 2G, 512M, auto or none.") from None


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
        click.option("-v", "--verbose", is_flag=True, help="Print every document and tracebacks of failures."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


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
    verbose: bool,
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
        download_dir=download_dir or Path(_default_download_dir()),
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
        partition=PartitionOptions(process_attachments=process_attachments, email_body=email_body),
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
