"""docbatch: batch-process documents into structured JSON elements, in parallel and resumably.

``docbatch.partition(path_or_bytes)`` gives one document's finished elements, as the CLI writes
them; ``docbatch.run(source, destination, RunOptions())`` processes a whole source. No name
here is also a subpackage: the readers live in ``docbatch.partitioners``, the run machinery in
``docbatch.runner``, so every module imports as ``import docbatch.a.b as m``.
"""

from docbatch.chunking.base import ChunkingOptions
from docbatch.chunking.strategies import chunk
from docbatch.document import PartialDocumentWarning, partition
from docbatch.elements import Element
from docbatch.errors import ConfigError, DocbatchError, DocumentError, MissingDependency, UnsupportedFileType
from docbatch.model import DocResult, Status
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.pipeline import RunOptions, RunSummary, run

__all__ = [
    "ChunkingOptions",
    "ConfigError",
    "DocResult",
    "DocbatchError",
    "DocumentError",
    "Element",
    "MissingDependency",
    "PartialDocumentWarning",
    "PartitionOptions",
    "RunOptions",
    "RunSummary",
    "Status",
    "UnsupportedFileType",
    "chunk",
    "partition",
    "partition_file",
    "run",
]
