"""Outputs as objects under an S3 prefix (or an S3-compatible store), through boto3.

boto3 rather than fsspec's s3fs: boto3 is already what the S3 source uses (same credential
chain, retries and endpoint), and s3fs pins its own botocore, which would fight boto3's. A PUT
is atomic (an object is all there or absent), so outputs and markers are written directly, with
no temporary object a kill could leave behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from docbatch.destinations.base import local_state_dir
from docbatch.destinations.tree import TreeDestination
from docbatch.errors import ConfigError, TransientError
from docbatch.locations import tree_location

__all__ = ["S3Destination"]


class S3Destination(TreeDestination):
    """Writes ``a/b.pdf`` as ``s3://bucket/prefix/a/b.pdf.json``."""

    name = "s3"

    def __init__(self, url: str, *, endpoint_url: str | None = None, max_attempts: int = 8) -> None:
        parsed = urlparse(url)
        if not parsed.netloc:
            raise ConfigError(f"{url!r} names no bucket; write the output as s3://bucket/prefix/.")
        self.bucket = parsed.netloc
        path = parsed.path.strip("/")
        self.prefix = f"{path}/" if path else ""
        self.endpoint_url = endpoint_url
        self.max_attempts = max_attempts
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
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "adaptive", "max_attempts": self.max_attempts})
            endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
            self._client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)
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

    def _delete(self, rel: str) -> None:
        with _translate(self.url):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + rel)

    def _where(self, rel: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{rel}"


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
        if isinstance(exc, bx.ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            what = {
                "NoSuchBucket": "the bucket does not exist; create it or fix --structured-output-dir",
                "AccessDenied": "access denied; check the credentials' permissions to write there",
                "InvalidAccessKeyId": "AWS rejected the credentials; check them",
                "SignatureDoesNotMatch": "AWS rejected the credentials; check them",
            }.get(code, f"S3 error {code}")
        elif isinstance(exc, bx.NoCredentialsError):
            what = "no AWS credentials found; configure them (AWS_PROFILE or AWS_ACCESS_KEY_ID)"
        else:
            what = f"cannot reach the S3 endpoint ({type(exc).__name__}); check the endpoint and the network"
        if self.starting:
            raise ConfigError(f"Cannot use the output {self.where}: {what}.") from exc
        raise TransientError(f"writing to {self.where} failed: {what}") from exc
