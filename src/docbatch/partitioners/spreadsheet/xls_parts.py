"""What an Excel 97-2003 (BIFF) workbook holds beside its cells: cell comments (notes) and print
headers and footers, per sheet, as XLSX's come out (sheet_parts.py makes both).

xlrd reads a sheet's notes with its cells; headers and footers it skips, so they are read here
from the sheet's own records in the workbook stream xlrd holds: HEADER and FOOTER (the odd-page
strings) and, from Excel 2007 on, HEADERFOOTER (the switches and the first-page and even-page
strings). Charts are not read: a BIFF chart is a tree of records whose titles and series names
are mostly formulas pointing at cells, and xlrd parses none of it.
"""

from __future__ import annotations

import struct
from typing import Any

from docbatch.partitioners.spreadsheet.sheet_parts import SheetParts, comment_element, headers_and_footers

__all__ = ["header_footer_record", "xls_sheet_parts"]

#: BOF of BIFF2, 3, 4 and 5-8: a chart embedded in a sheet is a substream inside it, BOF to EOF.
_BOF = frozenset({0x0009, 0x0209, 0x0409, 0x0809})
_EOF = 0x000A
_HEADER, _FOOTER, _HEADERFOOTER = 0x0014, 0x0015, 0x089C
#: A custom view's settings, its own HEADER and FOOTER among them, sit between these two.
_VIEW_BEGIN, _VIEW_END = 0x01AA, 0x01AB
#: HEADERFOOTER: a future-record header (12 bytes), the custom view's GUID (16, zero for the
#: sheet itself), the switches (2) and four string lengths (2 each); then the strings present.
_HF_GUID, _HF_FLAGS, _HF_STRINGS = slice(12, 28), 28, 38
_HF_NAMES = ("evenHeader", "evenFooter", "firstHeader", "firstFooter")


def xls_sheet_parts(book: Any, sheet: Any, index: int, number: int) -> SheetParts:
    """The parts of xlrd ``sheet`` (loaded, at ``index`` in ``book``): its headers before its cells,
    its notes by cell (row by row, as Excel stores an XLSX's) and footers after them."""
    notes = [
        comment_element(text, note.author or "", _cell_name(row, col))
        for (row, col), note in sorted(sheet.cell_note_map.items())
        if (text := (note.text or "").strip())
    ]
    codes = _header_footer_codes(book, index)
    headers, footers = headers_and_footers(
        codes,
        different_first=codes.get("differentFirst") == "1",
        different_odd_even=codes.get("differentOddEven") == "1",
    )
    return SheetParts(before=headers, after=[*notes, *footers]).stamp(sheet.name, number)


def _cell_name(row: int, col: int) -> str:
    """``B2`` for row 1, column 1 (0-based), as XLSX's ``comment_anchor`` says it."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _header_footer_codes(book: Any, index: int) -> dict[str, str]:
    """The sheet's header and footer strings by their XLSX names, and its switches ("1" when on).

    The sheet's records are walked from its BOF to its EOF in the workbook stream xlrd has read
    (``book.mem``, the sheet's offset in ``book._sh_abs_posn``: xlrd keeps both, not as public
    names); records inside an embedded chart or a custom view belong to those, not the sheet.
    """
    from xlrd.biffh import unpack_string, unpack_unicode

    mem, position = book.mem, book._sh_abs_posn[index]
    found: dict[str, str] = {}
    depth = views = 0
    while position + 4 <= len(mem):
        code, length = struct.unpack_from("<HH", mem, position)
        data = bytes(mem[position + 4 : position + 4 + length])
        position += 4 + length
        if code in _BOF:
            depth += 1
        elif code == _EOF:
            depth -= 1
            if depth <= 0:
                break
        elif code == _VIEW_BEGIN:
            views += 1
        elif code == _VIEW_END:
            views = max(views - 1, 0)
        elif depth != 1 or views or not data:  # an empty HEADER or FOOTER: none on the sheet
            continue
        elif code in (_HEADER, _FOOTER):
            name = "oddHeader" if code == _HEADER else "oddFooter"
            if book.biff_version >= 80:
                found[name] = unpack_unicode(data, 0, lenlen=2)
            else:
                found[name] = unpack_string(data, 0, book.encoding or book.derive_encoding(), lenlen=1)
        elif code == _HEADERFOOTER:
            found.update(header_footer_record(data))
    return found


def header_footer_record(data: bytes) -> dict[str, str]:
    """What a HEADERFOOTER record (0x089C) says for the sheet: ``differentOddEven`` and
    ``differentFirst`` ("1" when on, else "0"), and each even-page and first-page string it holds.
    A record for a custom view (a non-zero GUID) or too short to hold its fields says nothing."""
    from xlrd.biffh import unpack_unicode_update_pos

    if len(data) < _HF_STRINGS or any(data[_HF_GUID]):
        return {}
    flags, *lengths = struct.unpack_from("<5H", data, _HF_FLAGS)
    found = {"differentOddEven": str(flags & 1), "differentFirst": str(flags >> 1 & 1)}
    position = _HF_STRINGS
    for name, length in zip(_HF_NAMES, lengths, strict=True):
        if length:  # an XLUnicodeString (its own length, a flags byte, the characters)
            found[name], position = unpack_unicode_update_pos(data, position, lenlen=2)
    return found
