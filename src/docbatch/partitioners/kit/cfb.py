"""Writing an OLE2 compound file (MS-CFB, version 3): how an object embedded in a legacy Office
file becomes a file of its own.

A workbook embedded in a Word 97 document is not a file inside it but a storage of the .doc's
own compound file (``ObjectPool/_1234/Workbook``, with its ``CompObj`` and ``\\x01Ole``). Every
reader of .xls/.doc/.ppt (xlrd, LibreOffice, msdoc2docx) takes a whole compound file, so the
storage's streams are written into a new one. olefile reads compound files but only rewrites
streams in place; the PyPI packages that write them are young and little used, while the part
needed here is small: one header, one FAT, the mini stream for streams under 4096 bytes, and a
directory whose siblings form a binary search tree. Readers do not check the red-black colouring
the format describes, so every entry is black and each tree is built balanced from sorted names.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

__all__ = ["compound_file"]

_SECTOR = 512
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096  # streams smaller than this live in the mini stream, as the format requires
_PER_SECTOR = _SECTOR // 4  # 32-bit sector numbers per FAT, mini FAT or DIFAT sector
_HEADER_DIFAT = 109  # FAT sector numbers the header itself holds

_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_FAT = 0xFFFFFFFD
_DIFAT = 0xFFFFFFFC
_NONE = 0xFFFFFFFF  # no sibling or child

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_BLACK = 1

_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A directory slot no entry uses: no name, no type, no siblings or child.
_UNUSED_ENTRY = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NONE, _NONE, _NONE, bytes(16), 0, 0, 0, 0, 0)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    clsid: bytes = bytes(16)
    children: dict[str, _Entry] = field(default_factory=dict)
    start: int = _END
    left: int = _NONE
    right: int = _NONE
    child: int = _NONE


def compound_file(streams: dict[tuple[str, ...], bytes], clsids: dict[tuple[str, ...], bytes] | None = None) -> bytes:
    """A compound file holding ``streams``, each named by its path of storage names and its own
    (``("Workbook",)``, ``("ObjectPool", "_1", "Ole")``); ``clsids`` gives storages' class ids
    (``()`` the root's), which some readers use to tell an object's type."""
    clsids = clsids or {}
    root = _Entry("Root Entry", _ROOT, clsid=clsids.get((), bytes(16)))
    for path, data in streams.items():
        if not path or any(not 0 < len(name) <= 31 for name in path):
            raise ValueError(f"not a compound-file stream name: {path!r}")
        storage = root
        for depth, name in enumerate(path[:-1]):
            storage = storage.children.setdefault(
                name, _Entry(name, _STORAGE, clsid=clsids.get(path[: depth + 1], bytes(16)))
            )
        storage.children[path[-1]] = _Entry(path[-1], _STREAM, data)
    entries = _numbered(root)
    return _Layout(entries).build()


def _numbered(root: _Entry) -> list[_Entry]:
    """The directory in order (root first), with sibling trees and child links set."""
    entries = [root]

    def tree(children: list[_Entry]) -> int:
        """The index of the root of a balanced search tree of ``children`` (sorted)."""
        if not children:
            return _NONE
        middle = len(children) // 2
        node = children[middle]
        index = len(entries)
        entries.append(node)
        node.left = tree(children[:middle])
        node.right = tree(children[middle + 1 :])
        return index

    def link(storage: _Entry) -> None:
        # The format's order: shorter names first, then by upper-cased UTF-16 code units.
        ordered = sorted(storage.children.values(), key=lambda e: (len(e.name), e.name.upper()))
        storage.child = tree(ordered)
        for child in ordered:
            if child.kind == _STORAGE:
                link(child)

    link(root)
    return entries


class _Layout:
    """Sectors in file order: big streams, the mini stream, the mini FAT, the directory, then
    the DIFAT and FAT sectors (whose number depends on the total, so it is solved for)."""

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        self.sectors: list[bytes] = []
        self.fat: list[int] = []

    def build(self) -> bytes:
        root = self.entries[0]
        mini, mini_fat = self._mini_stream()
        for entry in self.entries[1:]:
            if entry.kind == _STREAM and len(entry.data) >= _MINI_CUTOFF:
                entry.start = self._chain(entry.data)
        if mini:
            root.start = self._chain(mini)
        root_size = len(mini)
        first_mini_fat = self._chain(_u32s(mini_fat, _FREE)) if mini_fat else _END
        mini_fat_sectors = -(-len(mini_fat) // _PER_SECTOR)
        directory = b"".join(_dir_entry(e, root_size if e is root else len(e.data)) for e in self.entries)
        first_dir = self._chain(directory, pad=_UNUSED_ENTRY)
        return self._finish(first_dir, first_mini_fat, mini_fat_sectors)

    def _mini_stream(self) -> tuple[bytes, list[int]]:
        chunks: list[bytes] = []
        mini_fat: list[int] = []
        for entry in self.entries[1:]:
            if entry.kind != _STREAM or len(entry.data) >= _MINI_CUTOFF:
                continue
            if not entry.data:
                continue  # an empty stream starts at ENDOFCHAIN and has no sectors
            count = -(-len(entry.data) // _MINI_SECTOR)
            entry.start = len(mini_fat)
            mini_fat += [entry.start + i + 1 for i in range(count - 1)] + [_END]
            chunks.append(entry.data.ljust(count * _MINI_SECTOR, b"\0"))
        return b"".join(chunks), mini_fat

    def _chain(self, data: bytes, pad: bytes = b"\0") -> int:
        """Append ``data`` as a chain of sectors, the last one filled with ``pad`` repeated (a
        directory's with unused entries); its first sector's number."""
        start = len(self.sectors)
        count = max(1, -(-len(data) // _SECTOR))
        for i in range(count):
            piece = data[i * _SECTOR : (i + 1) * _SECTOR]
            piece += (pad * (_SECTOR // len(pad)))[: _SECTOR - len(piece)]
            self.sectors.append(piece)
            self.fat.append(start + i + 1 if i < count - 1 else _END)
        return start

    def _finish(self, first_dir: int, first_mini_fat: int, mini_fat_sectors: int) -> bytes:
        used = len(self.sectors)
        fat_sectors = difat_sectors = 0
        while True:  # the FAT also maps its own sectors and the DIFAT's
            total = used + fat_sectors + difat_sectors
            need_fat = -(-total // _PER_SECTOR)
            need_difat = max(0, -(-(need_fat - _HEADER_DIFAT) // (_PER_SECTOR - 1)))
            if (need_fat, need_difat) == (fat_sectors, difat_sectors):
                break
            fat_sectors, difat_sectors = need_fat, need_difat
        difat_at = list(range(used, used + difat_sectors))
        fat_at = list(range(used + difat_sectors, used + difat_sectors + fat_sectors))
        fat = self.fat + [_DIFAT] * difat_sectors + [_FAT] * fat_sectors
        fat_bytes = _u32s(fat, _FREE, fat_sectors * _PER_SECTOR)
        difat_bytes = b""
        rest = fat_at[_HEADER_DIFAT:]
        for n, _ in enumerate(difat_at):
            part = rest[n * (_PER_SECTOR - 1) : (n + 1) * (_PER_SECTOR - 1)]
            following = difat_at[n + 1] if n + 1 < len(difat_at) else _END
            difat_bytes += _u32s(part, _FREE, _PER_SECTOR - 1) + struct.pack("<I", following)
        header = (
            struct.pack(
                "<8s16sHHHHH6sIIIIIIIII",
                _MAGIC,
                bytes(16),
                0x003E,  # minor version
                0x0003,  # major version 3: 512-byte sectors
                0xFFFE,  # little-endian
                9,  # sector shift: 2**9
                6,  # mini sector shift: 2**6
                bytes(6),
                0,  # directory sectors: always 0 in version 3
                fat_sectors,
                first_dir,
                0,  # transaction signature
                _MINI_CUTOFF,
                first_mini_fat,
                mini_fat_sectors,
                difat_at[0] if difat_at else _END,
                difat_sectors,
            )
            + _u32s(fat_at[:_HEADER_DIFAT], _FREE, _HEADER_DIFAT)
        )
        return header + b"".join(self.sectors) + difat_bytes + fat_bytes


def _u32s(values: list[int], fill: int, count: int | None = None) -> bytes:
    """``values`` as little-endian 32-bit words, padded with ``fill`` to ``count`` (else to a
    whole sector)."""
    if count is None:
        count = -(-len(values) // _PER_SECTOR) * _PER_SECTOR
    return struct.pack(f"<{count}I", *values, *[fill] * (count - len(values)))


def _dir_entry(entry: _Entry, size: int) -> bytes:
    name = entry.name.encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name) + 2,  # with the terminating NUL
        entry.kind,
        _BLACK,
        entry.left,
        entry.right,
        entry.child,
        entry.clsid,
        0,  # state bits
        0,  # created
        0,  # modified
        entry.start if entry.kind != _STORAGE else 0,
        size if entry.kind != _STORAGE else 0,
    )
