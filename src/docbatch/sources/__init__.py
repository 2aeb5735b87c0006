"""Where documents come from: one module per kind of source."""

from docbatch.sources.base import DocumentMeta, Source
from docbatch.sources.local import LocalSource
from docbatch.sources.s3 import S3Source

__all__ = ["DocumentMeta", "LocalSource", "S3Source", "Source"]
