"""What an embedded OLE object holds: the document a user dropped into a Word file, deck or workbook.

Office stores an embedded object as an OLE2 compound file (``word/embeddings/oleObject1.bin``, a
storage in a .doc's ``ObjectPool``). The document itself sits in one of its streams, by how it
was embedded:

- ``Package``: an OOXML document (a workbook in a deck), whole;
- ``CONTENTS``: a PDF, as Acrobat embeds it;
- ``\\x01Ole10Native``: any file through the Packager, with its original name (parsed below);
- none of these: the object is itself a legacy Office file (an .xls, a .doc), given whole —
  or, inside a legacy file, a storage holding that file's streams (``Workbook``), which
  :mod:`~docbatch.partitioners.kit.cfb` writes out as a compound file of its own.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import part_lost

__all__ = ["OLE_MAGIC", "ole1_object", "ole_embedded", "ole_payload"]

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


def ole1_object(name: str, blob: bytes) -> Attachment | None:
    """The document inside an OLE 1.0 embedded object (how RTF's ``\\objdata`` stores one): a
    header (version, format 2 "embedded", class, topic and item names) then the native data,
    which is the Packager's file for class ``Package`` and else the object's own bytes (an OLE2
    compound file for any OLE2 object, unwrapped as above). None when ``blob`` is no such object."""
    try:
        _version, format_id = struct.unpack_from("<II", blob, 0)
        pos = 8
        names = []
        for _ in range(3):  # class, topic, item: length-prefixed ANSI strings
            (length,) = struct.unpack_from("<I", blob, pos)
            names.append(blob[pos + 4 : pos + 4 + length].rstrip(b"\x00").decode("cp1252", "replace"))
            pos += 4 + length
        (size,) = struct.unpack_from("<I", blob, pos)
    except struct.error:
        return None
    native = blob[pos + 4 : pos + 4 + size]
    if format_id != 2 or len(native) != size:
        return None
    if names[0].startswith("Package"):
        return _ole10_native(len(native).to_bytes(4, "little") + native)
    return ole_payload(name, native) if native.startswith(OLE_MAGIC) else Attachment(name, native)


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
    or an .xls's ``MBD…`` that wrap a document (Package, CONTENTS or Ole10Native streams) or
    are one (a Word, Excel or PowerPoint 97 file's streams), and a .ppt's object records. An
    object inside an object is its container's to give, when that one is read."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("PowerPoint Document"):
                yield from _ppt_objects(ole.openstream("PowerPoint Document").read(), options)
                return
            storages = sorted({tuple(entry[:-1]) for entry in ole.listdir() if len(entry) > 1})
            given: list[tuple[str, ...]] = []
            for storage in storages:
                if any(storage[: len(outer)] == outer for outer in given):
                    continue
                found = _wrapped(ole, list(storage))
                if found is not None:
                    given.append(storage)
                    yield found
    except OSError:  # olefile's damaged-header error: the document's reader already said so
        return


#: PowerPoint 97's record holding an embedded object's compound file (ExOleObjStg), whose
#: instance 1 says it is zlib-compressed behind a 4-byte decompressed size.
_EX_OLE_OBJ_STG = 0x1011


def _ppt_objects(stream: bytes, options: PartitionOptions) -> Iterator[Attachment]:
    """The objects of a PowerPoint 97 document stream: each ExOleObjStg record's compound file,
    unwrapped like an OOXML package's ``oleObject.bin``. Records are walked flat: a container
    record (version 0xF) is stepped into, any other stepped over."""
    import zlib

    pos, number = 0, 0
    while pos + 8 <= len(stream):
        version_instance, record_type, length = struct.unpack_from("<HHI", stream, pos)
        body = pos + 8
        pos = body if version_instance & 0xF == 0xF else body + length
        if record_type != _EX_OLE_OBJ_STG or version_instance & 0xF == 0xF:
            continue
        number += 1
        name = f"object {number}"
        data = stream[body : body + length]
        if version_instance >> 4 == 1:
            limit = options.max_uncompressed_bytes
            try:
                inflater = zlib.decompressobj()
                data = inflater.decompress(data[4:], limit + 1)
            except zlib.error:
                part_lost(f"embedded {name}", "damaged (its compressed data does not inflate)")
                continue
            if len(data) > limit:
                part_lost(f"embedded {name}", f"over the {limit:,}-byte limit (bomb guard)")
                continue
        yield ole_payload(name, data)


#: The stream that makes a storage a legacy Office document, and that document's extension.
_LEGACY_MAIN = {"WordDocument": ".doc", "Workbook": ".xls", "Book": ".xls", "PowerPoint Document": ".ppt"}


def _wrapped(ole: Any, storage: list[str]) -> Attachment | None:
    name = storage[-1].lstrip("_") or "object"
    for stream in ("Package", "CONTENTS"):
        if ole.exists("/".join([*storage, stream])):
            return Attachment(name, ole.openstream([*storage, stream]).read())
    if ole.exists("/".join([*storage, "\x01Ole10Native"])):
        return _ole10_native(ole.openstream([*storage, "\x01Ole10Native"]).read())
    for stream, extension in _LEGACY_MAIN.items():
        if ole.exists("/".join([*storage, stream])):
            return Attachment(name + extension, _storage_as_file(ole, storage))
    return None


def _storage_as_file(ole: Any, storage: list[str]) -> bytes:
    """The streams under ``storage`` (its sub-storages too) as a compound file of their own,
    with the storages' class ids (readers tell a Word from an Excel object by them too)."""
    import uuid

    import olefile

    from docbatch.partitioners.kit.cfb import compound_file

    depth = len(storage)
    streams: dict[tuple[str, ...], bytes] = {}
    clsids: dict[tuple[str, ...], bytes] = {}
    for entry in ole.listdir(streams=True, storages=True):
        if entry[:depth] != storage or len(entry) == depth:
            continue
        inner = tuple(entry[depth:])
        if ole.get_type(entry) == olefile.STGTY_STREAM:
            streams[inner] = ole.openstream(entry).read()
        elif clsid := ole.getclsid(entry):
            clsids[inner] = uuid.UUID(clsid).bytes_le
    if clsid := ole.getclsid(storage):
        clsids[()] = uuid.UUID(clsid).bytes_le
    return compound_file(streams, clsids)
