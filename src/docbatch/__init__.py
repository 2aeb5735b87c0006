"""docbatch: batch-process documents into structured JSON elements, in parallel and resumably.

``docbatch.partition(path_or_bytes)`` gives one document's finished elements, as the CLI writes
them; ``docbatch.run(source, destination, RunOptions())`` processes a whole source. The
``docbatch.partition`` *function* shadows the subpackage of the same name as an attribute of
this package; its modules import as usual (``from docbatch.partition.notes import part_lost``).
"""

from docbatch.chunking import ChunkingOptions, chunk
from docbatch.document import PartialDocumentWarning, partition
from docbatch.elements import Element
from docbatch.errors import ConfigError, DocbatchError, DocumentError, MissingDependency, UnsupportedFileType
from docbatch.partition import PartitionOptions, partition_file
from docbatch.pipeline import RunOptions, RunSummary, run
from docbatch.record import DocResult, Status

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
