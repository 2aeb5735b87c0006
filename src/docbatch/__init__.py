"""docbatch: batch-process documents into structured JSON elements, in parallel and resumably."""

from docbatch.chunking import ChunkingOptions, chunk
from docbatch.elements import Element
from docbatch.partition import PartitionOptions, partition_file
from docbatch.pipeline import RunOptions, RunSummary, run

__all__ = [
    "ChunkingOptions",
    "Element",
    "PartitionOptions",
    "RunOptions",
    "RunSummary",
    "chunk",
    "partition_file",
    "run",
]
