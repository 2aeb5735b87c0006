"""The S3 connection (Amazon S3 and S3-compatible stores, through boto3) both directions use.

boto3's standard configuration applies (credential chain, AWS_PROFILE, AWS_ENDPOINT_URL,
AWS_DEFAULT_REGION); ``endpoint_url`` and ``anonymous`` override it. Requests are retried by
botocore's own retry modes. botocore's exceptions are named here once (:func:`fault_of`); the
source and the destination each decide what a fault means to them (a missing object is a gone
document to one, a refused write a transient failure to the other).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlparse

from docbatch.errors import ConfigError

__all__ = ["S3Connection", "S3Fault", "error_code", "fault_of", "http_status", "parse_s3_url"]


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")``."""
    parsed = urlparse(url)
    if parsed.scheme not in ("s3", "s3a") or not parsed.netloc:
        raise ConfigError(f"{url!r} is not an S3 URL; write it as s3://bucket/prefix/.")
    return parsed.netloc, parsed.path.lstrip("/")


@dataclass(frozen=True, slots=True)
class S3Connection:
    """How to reach one S3 store; pickled to workers, each of which makes its own client."""

    endpoint_url: str | None = None
    #: Unsigned requests, for public buckets (reading only).
    anonymous: bool = False
    retry_mode: str = "adaptive"
    max_attempts: int = 8

    def client(self) -> Any:
        """A new boto3 S3 client: botocore's retries, bounded connect and read timeouts."""
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        config = Config(
            retries={"mode": self.retry_mode, "max_attempts": self.max_attempts},
            signature_version=UNSIGNED if self.anonymous else None,
            connect_timeout=20,
            read_timeout=60,
        )
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


class S3Fault(Enum):
    """What a botocore exception says happened, in the words a user can act on."""

    NO_CREDENTIALS = "no AWS credentials found"
    CREDENTIALS_REJECTED = "AWS rejected the credentials"
    NO_BUCKET = "the bucket does not exist"
    ACCESS_DENIED = "access denied"
    NOT_FOUND = "the object does not exist"
    UNREACHABLE = "cannot reach the S3 endpoint"
    SERVER_ERROR = "the S3 server failed"
    INTERRUPTED = "the transfer was interrupted"
    OTHER = "S3 error"


_REJECTED_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"})


def http_status(error: Any) -> int | None:
    """The HTTP status of a botocore ``ClientError``."""
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def fault_of(error: BaseException) -> S3Fault | None:
    """The fault a botocore (or urllib3, which botocore lets through unwrapped) exception stands
    for, or None for any other exception."""
    from botocore import exceptions as bx
    from urllib3.exceptions import HTTPError as URLLib3Error

    if isinstance(error, bx.NoCredentialsError):
        return S3Fault.NO_CREDENTIALS
    if isinstance(error, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        return S3Fault.UNREACHABLE
    if isinstance(error, bx.ClientError):
        return _client_fault(error)
    interrupted = (bx.ReadTimeoutError, bx.ResponseStreamingError, bx.IncompleteReadError, ConnectionError)
    if isinstance(error, (*interrupted, URLLib3Error)):
        return S3Fault.INTERRUPTED
    if isinstance(error, bx.BotoCoreError):
        return S3Fault.OTHER
    return None


def _client_fault(error: Any) -> S3Fault:
    code = error_code(error)
    status = http_status(error)
    if code == "NoSuchBucket":
        return S3Fault.NO_BUCKET
    if code in _REJECTED_CODES:
        return S3Fault.CREDENTIALS_REJECTED
    if code == "NoSuchKey" or status == 404:
        return S3Fault.NOT_FOUND
    if status == 403 or code == "AccessDenied":
        return S3Fault.ACCESS_DENIED
    if status and status >= 500:
        return S3Fault.SERVER_ERROR
    return S3Fault.OTHER


def error_code(error: Any) -> str:
    """The S3 error code of a botocore ``ClientError`` (``NoSuchBucket``), or ``""``."""
    return error.response.get("Error", {}).get("Code", "")
