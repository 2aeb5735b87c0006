"""docbatch: batch-process documents into structured JSON elements, in parallel and resumably.

``docbatch.partition(path_or_bytes)`` gives one document's finished elements, as the CLI writes
them, and ``docbatch.chunk``, ``docbatch.embed`` and ``docbatch.shape`` take them through the
steps a run takes next; ``docbatch.run(source, destination, RunOptions())`` processes a whole
source. No name here is also a subpackage: the readers live in ``docbatch.partitioners``, the
run machinery in ``docbatch.runner``, so every module imports as ``import docbatch.a.b as m``.
"""

from docbatch.chunking.base import ChunkingOptions
from docbatch.chunking.strategies import chunk
from docbatch.document import PartialDocumentWarning, partition
from docbatch.elements import Element
from docbatch.embedding import EmbeddingOptions, embed
from docbatch.errors import ConfigError, DocbatchError, DocumentError, MissingDependency, UnsupportedFileType
from docbatch.model import DocResult, Status
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.pipeline import RunOptions, RunSummary, run
from docbatch.shaping import ShapingOptions, shape

__all__ = [
    "ChunkingOptions",
    "ConfigError",
    "DocResult",
    "DocbatchError",
    "DocumentError",
    "Element",
    "EmbeddingOptions",
    "MissingDependency",
    "PartialDocumentWarning",
    "PartitionOptions",
    "RunOptions",
    "RunSummary",
    "ShapingOptions",
    "Status",
    "UnsupportedFileType",
    "chunk",
    "embed",
    "partition",
    "partition_file",
    "run",
    "shape",
]
