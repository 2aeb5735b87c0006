"""Documents from Amazon S3 and S3-compatible stores, through the connection in
:mod:`docbatch.stores.s3` (shared with the S3 destination). A body that arrives shorter than its
Content-Length is refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.errors import ConfigError, DocumentError, TransientError
from docbatch.locations import tree_location
from docbatch.model import DocumentMeta
from docbatch.sources.base import Source
from docbatch.stores.s3 import S3Connection, S3Fault, error_code, fault_of, http_status, parse_s3_url

__all__ = ["S3Source", "parse_s3_url"]

_CHUNK = 1024 * 1024


class S3Source(Source):
    """Every object under ``s3://bucket/prefix/``, or the single object the URL names."""

    name = "s3"

    def __init__(
        self,
        url: str,
        *,
        anonymous: bool = False,
        endpoint_url: str | None = None,
        retry_mode: str = "adaptive",
        max_attempts: int = 8,
    ) -> None:
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self.connection = S3Connection(endpoint_url, anonymous, retry_mode, max_attempts)
        self._client: Any = None
        self._single: bool | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_client"] = None  # clients do not cross processes; each worker makes its own
        return state

    def describe(self) -> str:
        return f"s3 s3://{self.bucket}/{self.prefix}"

    def location(self) -> str | None:
        return None if self._single else tree_location("s3", f"{self.bucket}/{self._dir_prefix()}")

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.connection.client()
        return self._client

    def check(self) -> None:
        """Fail fast, in one sentence, on a bad credential, a missing bucket or no network."""
        with _translate_errors(f"s3://{self.bucket}"):
            self._single = self._is_single_object()
        if not self._single:
            try:
                self._list_page({"Bucket": self.bucket, "Prefix": self._dir_prefix(), "MaxKeys": 1})
            except TransientError as e:
                raise ConfigError(f"Cannot list {self.url} ({e}); check the endpoint and the network.") from e

    def _is_single_object(self) -> bool:
        from botocore.exceptions import ClientError

        if not self.prefix or self.prefix.endswith("/"):
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix)
        except ClientError as e:
            if http_status(e) in (403, 404):
                return False
            raise
        return True

    def _dir_prefix(self) -> str:
        if not self.prefix or self.prefix.endswith("/"):
            return self.prefix
        return self.prefix + "/"

    def list(self) -> Iterator[DocumentMeta]:
        if self._single is None:
            self.check()
        if self._single:
            with _translate_errors(self.url):
                head = self.client.head_object(Bucket=self.bucket, Key=self.prefix)
            yield self._meta(
                self.prefix,
                self.prefix.rsplit("/", 1)[-1],
                head["ContentLength"],
                head.get("ETag"),
                head.get("LastModified"),
            )
            return
        prefix = self._dir_prefix()
        request: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            page = self._list_page(request)
            for obj in page.get("Contents", ()):
                key = obj["Key"]
                if key.endswith("/"):
                    continue  # a "folder" marker, not a document
                yield self._meta(key, key[len(prefix) :], obj.get("Size"), obj.get("ETag"), obj.get("LastModified"))
            if not page.get("IsTruncated"):
                return
            request["ContinuationToken"] = page["NextContinuationToken"]

    #: How long a listing keeps retrying one page through an outage before the run gives up:
    #: botocore's own retries span seconds, and a blip of half a minute once stopped a night's run.
    LISTING_PATIENCE = 120.0

    def _list_page(self, request: dict[str, Any]) -> dict[str, Any]:
        """One page of the listing, retried with growing pauses while the endpoint is unreachable
        or failing, for up to :attr:`LISTING_PATIENCE` seconds; the listing resumes where it was."""
        give_up = time.monotonic() + self.LISTING_PATIENCE
        pause = 1.0
        while True:
            try:
                with _translate_errors(self.url):
                    return self.client.list_objects_v2(**request)
            except (TransientError, ConfigError) as e:
                if not _is_outage(e) or time.monotonic() + pause > give_up:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 30.0)

    def _meta(self, key: str, rel: str, size: int | None, etag: str | None, modified: Any) -> DocumentMeta:
        return DocumentMeta(
            uri=f"s3://{self.bucket}/{key}",
            key=rel,
            size=size,
            version=etag.strip('"') if etag else None,
            last_modified=modified.isoformat() if modified is not None else None,
            record_locator={"protocol": "s3", "remote_file_path": f"s3://{self.bucket}/{key}"},
        )

    def is_outage(self, error: BaseException) -> bool:
        return _fetch_outage(error)

    def fetch(self, doc: DocumentMeta, dest: Path) -> None:
        """Stream the object to ``dest``; refuse a body shorter or longer than announced."""
        key = doc.uri[len(f"s3://{self.bucket}/") :]
        with _translate_errors(doc.uri):
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            expected = response.get("ContentLength")
            written = 0
            body = response["Body"]
            with open(dest, "wb") as f:
                for chunk in body.iter_chunks(_CHUNK):
                    f.write(chunk)
                    written += len(chunk)
        if expected is not None and written != expected:
            raise TransientError(f"download truncated: got {written} of {expected} bytes")
        if doc.size is not None and written != doc.size:
            raise TransientError(f"object changed size since listing ({doc.size} -> {written} bytes)")


def _fetch_outage(error: BaseException) -> bool:
    """An outage behind a failed download: no connection, a connection closed before any answer,
    or a 5xx after botocore's retries. Not a body cut short once it began: the store answered."""
    from botocore import exceptions as bx

    cause = error.__cause__
    if isinstance(cause, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ConnectionClosedError):
        return True
    return isinstance(cause, bx.ClientError) and (http_status(cause) or 0) >= 500


def _is_outage(error: Exception) -> bool:
    """True for a fault an outage causes (no connection, server errors), which may pass; not for
    a refusal (credentials, permissions, a missing bucket), which waiting does not change."""
    if isinstance(error, TransientError):
        return True
    from botocore import exceptions as bx

    return isinstance(error.__cause__, bx.EndpointConnectionError | bx.ConnectTimeoutError)


class _translate_errors:
    """botocore's faults as docbatch's errors while reading, with one readable sentence."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        fault = None if exc is None else fault_of(exc)
        if fault is None:
            return False
        raise _reading_error(fault, self.where, exc) from exc


def _reading_error(fault: S3Fault, where: str, exc: Any) -> Exception:
    """What ``fault`` means to a run reading ``where``: a refusal stops it in one sentence, a
    gone object fails one document, an outage or a server error is retried."""
    from botocore.exceptions import ClientError

    code = error_code(exc) if isinstance(exc, ClientError) else ""
    match fault:
        case S3Fault.NO_CREDENTIALS:
            return ConfigError(
                f"No AWS credentials found for {where}; configure them (AWS_PROFILE, "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or pass --anonymous for a public bucket."
            )
        case S3Fault.UNREACHABLE:
            return ConfigError(f"Cannot reach the S3 endpoint for {where}; check --endpoint-url and the network.")
        case S3Fault.NO_BUCKET:
            return ConfigError(f"Bucket of {where} does not exist; check the bucket name in --s3-url.")
        case S3Fault.CREDENTIALS_REJECTED:
            return ConfigError(f"AWS rejected the credentials for {where} ({code}); check them or use --anonymous.")
        case S3Fault.NOT_FOUND:
            return DocumentError("object no longer exists (deleted after listing)")
        case S3Fault.ACCESS_DENIED:
            return ConfigError(
                f"Access denied to {where}; check the credentials' permissions or use --anonymous for a public bucket."
            )
        case S3Fault.SERVER_ERROR:
            return TransientError(f"S3 server error {http_status(exc)} ({code}) after retries")
        case S3Fault.INTERRUPTED:
            return TransientError(f"download interrupted ({type(exc).__name__})")
    if code or isinstance(exc, ClientError):
        return DocumentError(f"S3 error {code or http_status(exc)}")
    return TransientError(f"S3 request failed ({type(exc).__name__})")
