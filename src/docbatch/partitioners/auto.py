"""Turn one local file into elements: detect its type, pick its partitioner, run it.

One module per format family lives beside this file (``pdf.py``, ``docx.py``, ``html.py``, ...);
``registry.py`` maps detected file types to them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners import zipreuse
from docbatch.partitioners.filetype import FileType, detect, from_extension
from docbatch.partitioners.kit import images
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.registry import PARTITIONERS, get_partitioner, missing_dependency

__all__ = ["PartitionOptions", "partition_file"]

#: Formats stored in a container (a zip package, an OLE2 file) that sniffing names only when the
#: container is whole. A damaged one sniffs as a bare "zip" or "unknown"; its name says what it
#: claims to be, and that format's reader says what is wrong (failed), rather than "unsupported
#: file type zip" (skipped) for what is a broken document.
_CONTAINED = {
    "zip": frozenset({"docx", "pptx", "xlsx", "epub", "odt", "ods", "odp", "xlsb"}),
    "unknown": frozenset({"xls", "msg", "doc", "ppt"}),
}


def partition_file(
    path: str | Path,
    options: PartitionOptions | None = None,
    *,
    name: str | None = None,
    file_type: FileType | None = None,
) -> tuple[FileType, list[Element]]:
    """Partition the file at ``path``; ``name`` is its original name, used for the extension.

    Returns the detected file type and the elements, not yet finalized (no ids or document
    metadata: see :func:`docbatch.elements.finalize`).
    """
    path = Path(path)
    options = options or PartitionOptions()
    with zipreuse.scope():  # a zip the sniff opened goes on to its reader, not read twice
        ft = file_type or _claimed(detect(path, name), name or path.name)
        if ft.name == "empty":
            raise DocumentError("empty file (0 bytes)")
        partitioner = get_partitioner(ft.name)
        try:
            payload = options.extract_image_block_to_payload
            with images.requested(options.extract_image_block_types, options.max_image_pixels, payload=payload):
                elements = list(partitioner(path, options))
                if ft.holds and (options.process_attachments or ft.holds_always):
                    elements += _held(ft.holds, path, options, Path(name or path.name).name, len(elements))
            return ft, elements
        except ModuleNotFoundError as e:  # a library imported on first use, missing from this install
            raise missing_dependency(ft.name, e) from e


def _held(holds: str, path: Path, options: PartitionOptions, container: str, start: int) -> list[Element]:
    """The elements of the documents a file holds (embedded, attached, archived), after its own
    and under its first element, as :mod:`~docbatch.partitioners.kit.attachments` makes them."""
    from docbatch.partitioners.kit.attachments import attachment_elements

    module_name, _, func_name = holds.partition(":")
    members = getattr(importlib.import_module(module_name), func_name)(path, options)
    anchor = 0 if start else None
    return attachment_elements(members, options, read=partition_file, container=container, anchor=anchor, start=start)


def _claimed(sniffed: FileType, name: str) -> FileType:
    """The type ``name`` claims when the content sniffed as a container too damaged to tell."""
    claimed = from_extension(name)
    if claimed is not None and claimed.name in _CONTAINED.get(sniffed.name, ()) and claimed.name in PARTITIONERS:
        return claimed
    return sniffed
