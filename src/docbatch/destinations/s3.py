"""Outputs as objects under an S3 prefix (or an S3-compatible store), through boto3.

boto3 rather than fsspec's s3fs: the connection is the S3 source's own
(:mod:`docbatch.stores.s3`: same credential chain, retries and endpoint), and s3fs pins its own
botocore, which would fight boto3's. A PUT
is atomic (an object is all there or absent), so outputs and markers are written directly, with
no temporary object a kill could leave behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.destinations.base import local_state_dir
from docbatch.destinations.tree import TreeDestination
from docbatch.errors import ConfigError, TransientError
from docbatch.locations import tree_location
from docbatch.stores.s3 import S3Connection, S3Fault, error_code, fault_of, parse_s3_url

__all__ = ["S3Destination"]


class S3Destination(TreeDestination):
    """Writes ``a/b.pdf`` as ``s3://bucket/prefix/a/b.pdf.json``."""

    name = "s3"

    def __init__(self, url: str, *, endpoint_url: str | None = None, max_attempts: int = 8) -> None:
        self.bucket, path = parse_s3_url(url)
        path = path.strip("/")
        self.prefix = f"{path}/" if path else ""
        self.connection = S3Connection(endpoint_url, max_attempts=max_attempts)
        self._client: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_client"] = None  # clients do not cross processes; each worker makes its own
        return state

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def describe(self) -> str:
        return f"s3 {self.url}"

    def location(self) -> str | None:
        return tree_location("s3", f"{self.bucket}/{self.prefix}")

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.connection.client()
        return self._client

    def check(self) -> None:
        with _translate(self.url, starting=True):
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)

    def state_dir(self) -> Path:
        return local_state_dir(self.describe())

    def _list(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        with _translate(self.url, starting=True):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for obj in page.get("Contents", ()):
                    yield obj["Key"][len(self.prefix) :]

    def _put(self, rel: str, data: bytes) -> None:
        with _translate(self.url):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + rel, Body=data)

    def _read(self, rel: str) -> bytes | None:
        from botocore.exceptions import ClientError

        with _translate(self.url, starting=True):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self.prefix + rel)["Body"].read()
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise

    def _files_in(self, folder: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        start = len(self.prefix) + len(folder) + 1
        with _translate(self.url):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}{folder}/", Delimiter="/"):
                for obj in page.get("Contents", ()):
                    yield obj["Key"][start:]

    def _delete(self, rel: str) -> None:
        with _translate(self.url):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + rel)

    def _where(self, rel: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{rel}"


#: What a fault means to a writer, in the words of a one-sentence reason.
_WRITING_ADVICE = {
    S3Fault.NO_BUCKET: "create it or fix --structured-output-dir",
    S3Fault.ACCESS_DENIED: "check the credentials' permissions to write there",
    S3Fault.CREDENTIALS_REJECTED: "check them",
    S3Fault.NO_CREDENTIALS: "configure them (AWS_PROFILE or AWS_ACCESS_KEY_ID)",
}


class _translate:
    """botocore's errors as docbatch's: before the run starts every fault is a ConfigError (one
    sentence, exit 2); during it, a failed write is transient (the document is redone next run)."""

    def __init__(self, where: str, *, starting: bool = False) -> None:
        self.where = where
        self.starting = starting

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        from botocore import exceptions as bx

        if exc is None or not isinstance(exc, bx.BotoCoreError | bx.ClientError):
            return False
        what = _what(exc)
        if self.starting:
            raise ConfigError(f"Cannot use the output {self.where}: {what}.") from exc
        raise TransientError(f"writing to {self.where} failed: {what}") from exc


def _what(exc: Any) -> str:
    fault = fault_of(exc)
    if fault in _WRITING_ADVICE:
        return f"{fault.value}; {_WRITING_ADVICE[fault]}"
    code = error_code(exc) if hasattr(exc, "response") else ""
    if code:
        return f"S3 error {code}"
    return f"{S3Fault.UNREACHABLE.value} ({type(exc).__name__}); check the endpoint and the network"
