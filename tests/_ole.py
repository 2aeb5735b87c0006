"""A minimal OLE2 compound-file writer, so tests can make OLE containers without Office.

Version 3 layout: the header, one FAT sector, the directory sectors (four entries each), then each
stream padded to whole sectors. Streams are at least 4096 bytes so they live in the regular FAT, not the mini
stream; the directory's root has the streams as a chain of right siblings.
"""

from __future__ import annotations

import struct
from pathlib import Path

_SECTOR = 512
_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def write_ole(path: Path, streams: dict[str, bytes], *, clsid: bytes = bytes(16)) -> Path:
    """Write an OLE2 file at ``path`` holding ``streams`` under a root with ``clsid``."""
    datas = [data.ljust(4096, b"\0") for data in streams.values()]
    directory_sectors = -(-(len(streams) + 1) // 4)
    fat = [_FAT, *range(2, directory_sectors + 1), _END]  # sector 0 the FAT, then the directory's chain
    starts = []
    for data in datas:
        count = -(-len(data) // _SECTOR)
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(_END)
    if len(fat) > _SECTOR // 4:
        raise ValueError("streams too large for one FAT sector")
    fat_sector = struct.pack(f"<{_SECTOR // 4}I", *fat, *[_FREE] * (_SECTOR // 4 - len(fat)))
    entries = [_entry("Root Entry", 5, child=1 if streams else _NONE, start=_END, size=0, clsid=clsid)]
    for index, (name, start) in enumerate(zip(streams, starts, strict=True), start=1):
        right = index + 1 if index < len(streams) else _NONE
        entries.append(_entry(name, 2, right=right, start=start, size=len(streams[name])))
    while len(entries) < 4 * directory_sectors:
        entries.append(_entry("", 0, start=0, size=0))
    body = b"".join(data.ljust(-(-len(data) // _SECTOR) * _SECTOR, b"\0") for data in datas)
    path.write_bytes(_header() + fat_sector + b"".join(entries) + body)
    return path


def _header() -> bytes:
    head = _MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
    head += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    head += struct.pack("<I", 0) + struct.pack("<108I", *[_FREE] * 108)  # DIFAT: the FAT is sector 0
    return head


def _entry(
    name: str, kind: int, *, start: int, size: int, right: int = _NONE, child: int = _NONE, clsid: bytes = bytes(16)
) -> bytes:
    encoded = name.encode("utf-16-le")
    name_field = (encoded + b"\0\0").ljust(64, b"\0") if name else bytes(64)
    name_len = len(encoded) + 2 if name else 0
    return (
        name_field
        + struct.pack("<HBBIII", name_len, kind, 1, _NONE, right, child)
        + clsid
        + struct.pack("<IQQIQ", 0, 0, 0, start, size)
    )
