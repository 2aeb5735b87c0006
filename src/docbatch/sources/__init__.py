"""Where documents come from: one module per kind of source."""

from docbatch.model import DocumentMeta
from docbatch.sources.base import Source
from docbatch.sources.local import LocalSource
from docbatch.sources.s3 import S3Source

__all__ = ["DocumentMeta", "LocalSource", "S3Source", "Source"]
