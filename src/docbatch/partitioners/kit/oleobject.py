"""What an embedded OLE object holds: the document a user dropped into a Word file, deck or workbook.

Office stores an embedded object as an OLE2 compound file (``word/embeddings/oleObject1.bin``, a
storage in a .doc's ``ObjectPool``). The document itself sits in one of its streams, by how it
was embedded:

- ``Package``: an OOXML document (a workbook in a deck), whole;
- ``CONTENTS``: a PDF, as Acrobat embeds it;
- ``\\x01Ole10Native``: any file through the Packager, with its original name (parsed below);
- none of these: the object is itself a legacy Office file (an .xls, a .doc), given whole.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions

__all__ = ["OLE_MAGIC", "ole_embedded", "ole_payload"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_payload(name: str, data: bytes) -> Attachment:
    """The document inside the OLE object ``data`` (named ``name`` in its container); the object
    whole when it is no wrapper (a legacy Office file, or bytes olefile cannot open)."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            for stream in ("Package", "CONTENTS"):
                if ole.exists(stream):
                    return Attachment(name, ole.openstream(stream).read())
            if ole.exists("\x01Ole10Native"):
                native = _ole10_native(ole.openstream("\x01Ole10Native").read())
                if native is not None:
                    return native
    except Exception:  # olefile raises many types for a damaged header: hand the bytes on as they are
        return Attachment(name, data)
    return Attachment(name, data)


def _ole10_native(blob: bytes) -> Attachment | None:
    """The Packager's stream: size, a flag, the label, the source path, then the file's bytes."""
    try:
        pos = 6  # uint32 total size, uint16 flags
        label, pos = _cstring(blob, pos)
        _source, pos = _cstring(blob, pos)
        pos += 4  # uint32: 0x00030000
        (temp_len,) = struct.unpack_from("<I", blob, pos)
        pos += 4 + temp_len
        (size,) = struct.unpack_from("<I", blob, pos)
        pos += 4
    except (struct.error, ValueError):
        return None
    data = blob[pos : pos + size]
    if len(data) != size:
        return None
    return Attachment(label or "attachment", data)


def _cstring(blob: bytes, pos: int) -> tuple[str, int]:
    end = blob.index(b"\x00", pos)
    return blob[pos:end].decode("cp1252", "replace"), end + 1


def ole_embedded(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """The objects embedded in a legacy Office file: the storages under a .doc's ``ObjectPool``
    or an .xls's ``MBD…`` that wrap a document (Package, CONTENTS or Ole10Native streams)."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            storages = sorted({tuple(entry[:-1]) for entry in ole.listdir() if len(entry) > 1})
            for storage in storages:
                found = _wrapped(ole, list(storage))
                if found is not None:
                    yield found
    except OSError:  # olefile's damaged-header error: the document's reader already said so
        return


def _wrapped(ole: Any, storage: list[str]) -> Attachment | None:
    name = storage[-1].lstrip("_") or "object"
    for stream in ("Package", "CONTENTS"):
        if ole.exists("/".join([*storage, stream])):
            return Attachment(name, ole.openstream([*storage, stream]).read())
    if ole.exists("/".join([*storage, "\x01Ole10Native"])):
        return _ole10_native(ole.openstream([*storage, "\x01Ole10Native"]).read())
    return None
