"""Documents inside documents, partitioned one way: email attachments, objects embedded in Office
files, files attached to a PDF, members of an archive.

Each inner document is written to a temporary file under a sanitised name and partitioned by its
own type like any document, nested containers included up to :data:`MAX_DEPTH` levels. Its
elements follow the container's own, hang under the container's first element (``parent_id``)
and carry what unstructured puts on an email attachment's elements: ``filename`` (the inner
document's name), ``filetype`` (its own type) and ``attached_to_filename`` (the container's
name); a nested one keeps the name of the container it came from. An archive member's folder
inside the archive goes to ``file_directory``.

Bounds against bombs, per container: :data:`MAX_ATTACHMENTS` inner documents and
``options.max_uncompressed_bytes`` of their bytes; what is past a bound is a lost part, named.
An inner document that cannot be partitioned is a lost part of its container (which ends
``partial``, naming it and why); one of a type docbatch does not read (a picture, a signature) is
nothing lost. A missing library still stops the run.
"""

from __future__ import annotations

import posixpath
import re
import tempfile
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from docbatch.elements import Element
from docbatch.errors import DocumentError, MissingDependency, UnsupportedFileType, internal_error, one_line
from docbatch.partitioners.kit.notes import part_lost

if TYPE_CHECKING:  # annotations only: at run time this module stays on a low floor
    from docbatch.partitioners.formats import FileType
    from docbatch.partitioners.kit.base import PartitionOptions


class ReadFile(Protocol):
    """:func:`docbatch.partitioners.auto.partition_file`'s shape."""

    def __call__(self, path: Path, options: PartitionOptions, *, name: str) -> tuple[FileType, list[Element]]: ...


__all__ = ["MAX_ATTACHMENTS", "MAX_DEPTH", "Attachment", "ReadFile", "attachment_elements", "safe_filename"]

#: How many levels of containers inside containers are opened (an email in a zip in a deck: 3).
MAX_DEPTH = 3
#: How many inner documents one container gives at most; an archive of more is a bomb or a dump.
MAX_ATTACHMENTS = 1_000

_depth: ContextVar[int] = ContextVar("docbatch_attachment_depth", default=0)
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_MAX_NAME = 150


@dataclass(frozen=True, slots=True)
class Attachment:
    """One inner document: its name as the container gives it (a path inside an archive) and bytes."""

    name: str
    data: bytes


def attachment_elements(
    attachments: Iterable[Attachment],
    options: PartitionOptions,
    *,
    read: ReadFile,
    container: str,
    anchor: int | None,
    start: int,
) -> list[Element]:
    """The elements of each inner document, in order, to follow the container's ``start`` elements.

    ``read`` is :func:`docbatch.partitioners.auto.partition_file`, passed in because it calls this
    module (an import here would be a circle). ``anchor`` is the index of the container element
    they hang under (None: they have no parent). ``attachments`` may be a generator: members are
    read one at a time, so the bounds stop a bomb before it is inflated.
    """
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        part_lost(f"attachments of {container}", f"nested deeper than {MAX_DEPTH} levels")
        return []
    out: list[Element] = []
    token = _depth.set(depth + 1)
    try:
        with tempfile.TemporaryDirectory(prefix="docbatch-attachment-") as tmp:
            for att in _bounded(attachments, options, container):
                elements = _partition_one(att, options, Path(tmp), read)
                offset = start + len(out)  # links inside an inner container shift with it
                for el in elements:
                    el.parent = anchor if el.parent is None else el.parent + offset
                    el.metadata.setdefault("attached_to_filename", container)  # nested ones keep theirs
                out.extend(elements)
    finally:
        _depth.reset(token)
    return out


def _bounded(attachments: Iterable[Attachment], options: PartitionOptions, container: str) -> Iterable[Attachment]:
    """``attachments`` up to the count and total-size bounds; what is past them is named as lost."""
    total = 0
    for count, att in enumerate(attachments):
        total += len(att.data)
        if count >= MAX_ATTACHMENTS:
            part_lost(f"attachments of {container} after the first {MAX_ATTACHMENTS:,}", "too many (bomb guard)")
            return
        if total > options.max_uncompressed_bytes:
            limit = options.max_uncompressed_bytes
            part_lost(f"attachment {att.name} and after", f"over the {limit:,}-byte total (bomb guard)")
            return
        yield att


def _partition_one(att: Attachment, options: PartitionOptions, tmp: Path, read: ReadFile) -> list[Element]:
    """One inner document's elements; one that fails is a lost part of its container."""
    if not att.data:
        return []  # an empty file has nothing to partition and nothing wrong with it
    name = safe_filename(att.name)
    path = tmp / name
    try:
        path.write_bytes(att.data)
        file_type, elements = read(path, options, name=name)
    except UnsupportedFileType:
        return []  # images, signatures, executables: nothing to partition, nothing wrong
    except DocumentError as e:
        part_lost(f"attachment {att.name}", one_line(e))
        return []
    except MissingDependency:
        raise
    except RecursionError:
        part_lost(f"attachment {att.name}", "nested too deeply")
        return []
    except Exception as e:  # a bug of ours in one inner document's reader must not lose its container
        part_lost(f"attachment {att.name}", internal_error(e))
        return []
    finally:
        path.unlink(missing_ok=True)
    folder, base = posixpath.split(att.name.replace("\\", "/"))
    for el in elements:
        el.metadata.setdefault("filename", base or att.name)
        el.metadata.setdefault("filetype", file_type.mime)
        if folder:
            el.metadata.setdefault("file_directory", folder)
    return elements


def safe_filename(name: str) -> str:
    """A name safe to create in a temp folder: no directories, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME_CHARS.sub("_", base).strip(" .")
    if len(base) > _MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: _MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else base[:_MAX_NAME]
    return base or "attachment"
