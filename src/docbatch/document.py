"""One document, from a local file to its finished elements: the single path the CLI and the
library share.

:func:`partition_document` detects the type, runs the partitioner, and enriches the result
(document metadata, languages, parent links, ids) exactly once, here; the worker only fetches
before it and writes after it. :func:`partition` is the library's call on top of it: a path,
bytes or a binary file in, the elements the CLI would write for that file out.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from docbatch.elements import DocumentInfo, Element, clean_text, finalize
from docbatch.errors import ConfigError
from docbatch.languages import detect_languages
from docbatch.model import DocumentMeta, Picture
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.filetype import FileType
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.images import take_pictures
from docbatch.partitioners.kit.notes import Notes, collecting
from docbatch.paths import printable

__all__ = ["PartialDocumentWarning", "Partitioned", "partition", "partition_document"]


class PartialDocumentWarning(UserWarning):
    """:func:`partition` returned a document with some parts lost (the message names them)."""


@dataclass(frozen=True, slots=True)
class Partitioned:
    """A document's finished elements, its detected type, and what the partitioner noted."""

    file_type: FileType
    elements: list[Element]
    notes: Notes
    #: The pictures to write beside the output (see :attr:`PartitionOptions.picture_files`); their
    #: elements' ``image_path`` holds each one's file name.
    pictures: list[Picture] = field(default_factory=list)


def partition_document(path: Path, doc: DocumentMeta, options: PartitionOptions) -> Partitioned:
    """Partition the local file ``path`` holding ``doc`` and finish its elements.

    Raises :class:`~docbatch.errors.DocumentError` for a bad or unsupported document; lost parts
    and remarks come back in ``notes`` rather than as errors.
    """
    with collecting() as notes:
        file_type, elements = partition_file(path, options, name=doc.key)
    finished = finalize(elements, _document_info(doc, file_type, elements, options))
    if not finished and not notes.lost and not notes.remarks:
        notes.remarks.append("no text found")  # an ok with nothing in it always says why
    return Partitioned(file_type, finished, notes, take_pictures(finished))


def _document_info(
    doc: DocumentMeta, file_type: FileType, elements: list[Element], options: PartitionOptions
) -> DocumentInfo:
    return DocumentInfo(
        filename=printable(Path(doc.key).name),
        filetype=file_type.mime,
        url=printable(doc.uri),
        record_locator={k: printable(v) if isinstance(v, str) else v for k, v in doc.record_locator.items()},
        version=doc.version,
        last_modified=doc.last_modified,
        date_processed=datetime.now(UTC).isoformat(),
        languages=detect_languages(clean_text(el.text) for el in elements) if options.detect_languages else None,
        key=doc.key,
    )


def partition(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    filename: str | None = None,
    **options: Any,
) -> list[Element]:
    """The finished elements of one document, as ``docbatch local`` writes them for that file.

    ``source`` is a path, the document's bytes, or a binary file object. ``filename`` names the
    document when ``source`` is bytes or a file (its extension breaks ties in type detection; it
    becomes ``metadata.filename``). ``options`` are :class:`~docbatch.partitioners.kit.base.PartitionOptions`
    fields (``process_attachments=True``, ``detect_languages=False``, ...).

    A path gets the same ids and ``data_source`` as a run over it; bytes have no location, so
    their ``data_source.url`` is the filename. Raises FileNotFoundError for a path that is no
    file, and :class:`~docbatch.errors.DocumentError` with a one-line reason for a bad document
    (:class:`~docbatch.errors.UnsupportedFileType` for a type docbatch does not read); a
    document with lost parts returns the rest and warns with :class:`PartialDocumentWarning`.
    """
    opts = PartitionOptions(**options)
    if opts.picture_files:  # files need a destination to go to; a run has one, this call has not
        raise ConfigError("partition() carries pictures in the elements only: add extract_image_block_to_payload=True.")
    if isinstance(source, str | os.PathLike):
        path = Path(source).absolute()
        if not path.is_file():
            raise FileNotFoundError(f"{path} is not a file; give the path of one document.")
        doc = DocumentMeta.of_file(str(path), path.name)  # what `docbatch local <path>` would see
        if filename:
            doc = replace(doc, key=filename)
        return _finish(partition_document(path, doc, opts))
    data = source if isinstance(source, bytes) else source.read()
    name = filename or _file_name(source) or "document"
    doc = DocumentMeta(uri=name, key=name, size=len(data))
    with tempfile.TemporaryDirectory(prefix="docbatch-") as folder:
        path = Path(folder) / "document"  # the real name is given as doc.key; it may be no file name
        path.write_bytes(data)
        return _finish(partition_document(path, doc, opts))


def _file_name(source: bytes | BinaryIO) -> str | None:
    """The base name of an open file's ``name``, when it has a usable one."""
    name = getattr(source, "name", None)
    return os.path.basename(name) if isinstance(name, str) and name else None


def _finish(result: Partitioned) -> list[Element]:
    if result.notes.lost:
        warnings.warn(f"parts lost: {result.notes.lost_reason()}", PartialDocumentWarning, stacklevel=3)
    return result.elements
