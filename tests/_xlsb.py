"""A minimal Excel binary workbook (.xlsb) writer, so tests can make one without Excel.

An .xlsb is an OPC zip whose workbook and sheets are BIFF12 record streams: each record is a
variable-length type, a variable-length size and its data. Only what a reader needs is written:
the sheet list (BrtBundleSh), and per sheet its rows (BrtRowHdr) of inline strings (BrtCellSt)
and numbers (BrtCellReal).
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

_MAIN = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def write_xlsb(path: Path, sheets: dict[str, list[list[str | float]]]) -> Path:
    """Write ``sheets`` (name -> rows of strings and numbers) as an .xlsb at ``path``."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
        for i in range(1, len(sheets) + 1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.bin"/>'
        for i in range(1, len(sheets) + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/xl/workbook.bin" ContentType="{_MAIN}"/>{overrides}</Types>',
        )
        zf.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        zf.writestr("xl/_rels/workbook.bin.rels", f'<Relationships xmlns="{_PKG_REL}">{sheet_rels}</Relationships>')
        zf.writestr("xl/workbook.bin", _workbook(list(sheets)))
        for i, rows in enumerate(sheets.values(), start=1):
            zf.writestr(f"xl/worksheets/sheet{i}.bin", _sheet(rows))
    return path


def _workbook(names: list[str]) -> bytes:
    bundles = b"".join(
        _record(156, struct.pack("<II", 0, i) + _wide(f"rId{i}") + _wide(name)) for i, name in enumerate(names, 1)
    )
    return _record(131) + _record(143) + bundles + _record(144) + _record(132)


def _sheet(rows: list[list[str | float]]) -> bytes:
    width = max((len(r) for r in rows), default=1)
    out = _record(129) + _record(148, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0, width - 1)) + _record(145)
    for r, row in enumerate(rows):
        out += _record(0, struct.pack("<IIHHBBB", r, 0, 0x12C, 0, 0, 0, 0))
        for c, value in enumerate(row):
            cell = struct.pack("<II", c, 0)
            if isinstance(value, str):
                out += _record(6, cell + _wide(value))
            else:
                out += _record(5, cell + struct.pack("<d", value))
    return out + _record(146) + _record(130)


def _record(kind: int, data: bytes = b"") -> bytes:
    head = bytes([kind]) if kind < 128 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    return head + _varint(len(data)) + data


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")
