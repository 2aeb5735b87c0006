"""Spreadsheets: XLSX (python-calamine or openpyxl), XLS (xlrd), CSV and TSV (stdlib csv).

Output follows what unstructured's consumers expect from its spreadsheet partitioners: compact
``<table><tr><td>..</td><td/></tr></table>`` HTML with every row as ``<td>`` cells (no ``<th>``:
nothing in a sheet says which row is a header), and table text with a row's cells joined by
spaces and rows joined by blank lines.

A worksheet often holds several tables, captions and notes. As unstructured does, a sheet is cut
into blocks of rows whose non-empty cells touch across rows (blank rows, or rows sharing no
column, separate blocks); the leading and trailing rows of a block that hold a single cell become
text elements (titles, captions, notes) and the rows between them one Table. Where unstructured
is weak, docbatch goes further: heading rows split from their figures by one spacer row are
joined back to them, and columns empty in a whole block are left out. A CSV/TSV file is one
table, as unstructured makes it.

Cell values are written as a user sees them in a spreadsheet application: whole numbers without
``.0``, floats to 15 significant digits, dates and times in ISO form, booleans as TRUE/FALSE.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from functools import cache, partial
from pathlib import Path
from typing import Any

from docbatch.elements import Element
from docbatch.errors import DocumentError, EncryptedDocument, one_line
from docbatch.partitioners.kit.archive import check_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, library_errors, what_is_wrong
from docbatch.partitioners.kit.bullets import BULLET_GLYPH
from docbatch.partitioners.kit.encoding import read_text
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.paragraphs import mostly_figures
from docbatch.partitioners.kit.tables import table_html, table_text
from docbatch.partitioners.spreadsheet.sheet_parts import SheetParts, place_sheet_parts
from docbatch.partitioners.spreadsheet.xls_parts import xls_sheet_parts
from docbatch.partitioners.spreadsheet.xlsx_parts import with_sheet_parts

__all__ = [
    "partition_csv",
    "partition_tsv",
    "partition_with_calamine",
    "partition_xls",
    "partition_xlsb",
    "partition_xlsx",
]

#: One sheet row reduced to its non-empty cells: (0-based row index, [(0-based column, text), ...]).
SparseRow = tuple[int, list[tuple[int, str]]]

# Deflate cannot expand data more than ~1032x: the bound for readers that inflate on their own.
_DEFLATE_MAX_RATIO = 1032

_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 50
_DELIMITERS = ",;\t|"
# A delimiter that never occurs in text: used to read a file with no delimiter as one column.
_ONE_COLUMN = "\x1f"
#: The longest CSV field read. The csv module holds a field as 4-byte characters in a buffer it
#: doubles, so a field costs up to 8 bytes a character: 16 MiB caps one field near 128 MiB.
_CSV_FIELD_LIMIT = 16 * 1024**2

_HEADING_MAX_ROWS = 3
# A number as sheets show it: 1,234.5  -81  (12)  45%  $3.20  12 553; and dashes for zero.
_FIGURE = re.compile(r"^[-+(]?[$€£¥]?\s?\d[\d,.\s]*%?\)?$|^[—–-]$")
_YEAR = re.compile(r"^(19|20)\d\d$")

_TITLE_MAX_WORDS = 12
_TITLE_MAX_CHARS = 120
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)


# -- XLSX and XLS --------------------------------------------------------------------------------
#
# Each workbook format has two readers, tried in turn: a file one of them cannot open is often
# read by the other (xlrd and calamine disagree on damaged OLE2 containers; openpyxl tolerates
# XML calamine rejects). Only when both fail is the file "damaged"; a worksheet that fails alone
# is a lost part and the other sheets still come out.

#: A workbook as its reader gives it: (sheet name, function reading that sheet's cells) in order.
Sheets = list[tuple[str, Callable[[], list[SparseRow]]]]


def partition_xlsx(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Excel 2007+ workbook: one Table per block of cells, per worksheet.

    python-calamine (Rust) reads a workbook about ten times faster than openpyxl and is tried
    first; openpyxl in read-only mode reads what calamine cannot open. Both give the same values.
    """
    check_zip(path, options, "XLSX")
    _check_inflated_sizes(path, options.max_uncompressed_bytes)
    cells = _with_fallback("XLSX", path, [(_calamine_book, _calamine_errors), (_openpyxl_book, _openpyxl_errors)])
    return with_sheet_parts(path, cells)


def partition_xls(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a legacy Excel 97-2003 workbook (BIFF in OLE2): xlrd, then python-calamine.

    xlrd also gives each sheet's notes, headers and footers as it reads it (xls_parts.py); those
    of the sheets it read are kept when calamine's cells win, as they are the same workbook's.
    """
    parts: dict[int, SheetParts] = {}
    xlrd_book = partial(_xlrd_book, parts=parts)
    cells = _with_fallback("XLS", path, [(xlrd_book, _xlrd_errors), (_calamine_book, _calamine_errors)])
    return place_sheet_parts(cells, parts)


def partition_xlsb(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Excel binary workbook (.xlsb): BIFF12 records in a zip, read by python-calamine."""
    check_zip(path, options, "XLSB")
    _check_inflated_sizes(path, options.max_uncompressed_bytes)
    return partition_with_calamine(path, "XLSB")


def partition_with_calamine(path: Path, kind: str) -> list[Element]:
    """Partition any workbook python-calamine reads (XLSX, XLSB, XLS, ODS); ``kind`` names it in errors."""
    return _with_fallback(kind, path, [(_calamine_book, _calamine_errors)])


Opener = Callable[[Path, ExitStack], Sheets]
#: The exception types of one reader library that mean a bad file (a function: imported on first use).
Errors = Callable[[], tuple[type[BaseException], ...]]


def _with_fallback(kind: str, path: Path, readers: list[tuple[Opener, Errors]]) -> list[Element]:
    """The elements of the reader that reads the most of the workbook, tried in order until one
    reads it all; "damaged <kind> file (...)" with the first reader's complaint when none opens it.

    A sheet the chosen reader could not read is a lost part.
    """
    first: DocumentError | None = None
    best: tuple[list[Element], list[tuple[str, str]]] | None = None
    for opener, errors in readers:
        errs = errors()
        if not errs:  # the reader's library is not installed
            continue
        with ExitStack() as stack:
            try:
                with library_errors(kind, errs):
                    sheets = opener(path, stack)
                result = _read_sheets(sheets, errs)
            except EncryptedDocument:
                raise
            except DocumentError as e:
                first = first or e
                continue
        if best is None or len(result[1]) < len(best[1]):
            best = result
        if not best[1]:
            break
    if best is None:
        raise first or DocumentError(f"no reader for {kind} files is installed")
    elements, lost = best
    for name, why in lost:
        part_lost(f"sheet {name}", why)
    return elements


def _read_sheets(
    sheets: Sheets, errors: tuple[type[BaseException], ...]
) -> tuple[list[Element], list[tuple[str, str]]]:
    """The elements of every sheet that reads, and (name, why) of each that does not."""
    elements: list[Element] = []
    lost: list[tuple[str, str]] = []
    for number, (name, read) in enumerate(sheets, start=1):
        try:
            rows = read()
        except errors as e:
            lost.append((name, _why_unread(e)))
            continue
        elements.extend(sheet_elements(rows, sheet_name=name, page_number=number))
    return elements, lost


def _why_unread(error: BaseException) -> str:
    """Why a sheet could not be read, in plain words."""
    if _CELL_LIMIT in str(error):  # calamine refuses a grid it would have to allocate whole
        return _TOO_WIDE
    return what_is_wrong(error)


#: calamine's message when a sheet's grid (ODS repeated rows and columns) passes its limit.
_CELL_LIMIT = "Cell limit exceeded"
_TOO_WIDE = "cells spread over a range too large to read; delete stray cells far from the data and save it again"


def _calamine() -> Any:
    """The python_calamine module, or None when it is not installed."""
    try:
        import python_calamine
    except ImportError:
        return None
    return python_calamine


def _calamine_errors() -> tuple[type[BaseException], ...]:
    calamine = _calamine()
    return (calamine.CalamineError, CalaminePanic, *ZIP_ERRORS, ValueError, OSError) if calamine else ()


class CalaminePanic(Exception):
    """calamine's Rust reader panicked (pyo3 raises that as a BaseException) on a damaged file."""


def _calamine_book(path: Path, stack: ExitStack) -> Sheets:
    """The worksheets of a workbook read by python-calamine (XLSX, XLSM, XLSB, XLS, ODS)."""
    calamine = _calamine()
    _check_xlsx_grids(path)
    try:
        wb = _no_panic(calamine.CalamineWorkbook.from_path, str(path))
    except calamine.PasswordError as e:
        raise EncryptedDocument("password-protected workbook; remove the password and retry") from e
    except calamine.CalamineError as e:
        if _CELL_LIMIT in str(e):  # ODS sheets are read on opening
            raise DocumentError(f"a sheet's {_TOO_WIDE}") from e
        raise
    stack.callback(wb.close)
    worksheet = calamine.SheetTypeEnum.WorkSheet

    def read(name: str) -> list[SparseRow]:
        return _sparse_rows(_no_panic(lambda: list(wb.get_sheet_by_name(name).iter_rows())))

    # A chartsheet has no cells but keeps its place: sheets are numbered by their tab, as the
    # parts beside the cells (xlsx_parts.py: a chartsheet's chart) number them.
    return [
        (meta.name, (lambda name=meta.name: read(name)) if meta.typ == worksheet else list)
        for meta in wb.sheets_metadata
    ]


def _no_panic(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)``, with a Rust panic inside calamine turned into :class:`CalaminePanic`."""
    try:
        return func(*args)
    except Exception:
        raise
    except BaseException as e:  # pyo3's PanicException derives from BaseException
        if type(e).__name__ != "PanicException":
            raise
        raise CalaminePanic(one_line(e)) from e


#: The most cells a sheet's bounding box may span for calamine, which allocates that box in one
#: piece (32 bytes a cell): one cell at A1 and one at XFD1048576 asked it for 512 GiB and aborted
#: the worker. A sheet spread wider is read by openpyxl, which keeps only the cells present.
_CALAMINE_MAX_CELLS = 10_000_000
#: Cell and row references in worksheet XML: ``<c r="XFD1048576">``, ``<row r="1048576">``.
_ROW_REF = re.compile(rb'\sr="[A-Z]{0,3}([0-9]{1,7})"')
_COLUMN_REF = re.compile(rb'\sr="([A-Z]{1,3})[0-9]')
_SCAN_CHUNK = 1024 * 1024


def _check_xlsx_grids(path: Path) -> None:
    """Refuse calamine a workbook whose cells spread over a grid it cannot allocate.

    Raises a DocumentError (so the next reader, openpyxl, takes the workbook) when a worksheet's
    cell references span more than :data:`_CALAMINE_MAX_CELLS`. Only XLSX/XLSM packages are
    scanned; XLS grids are at most 65,536 x 256 and calamine limits ODS grids itself.
    """
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                rows, cols = _grid_extent(zf, info)
                if rows * cols > _CALAMINE_MAX_CELLS:
                    raise DocumentError(f"sheet spans {rows:,} rows by {cols:,} columns")


def _grid_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Rows and columns between the first and last cell references of one worksheet part.

    Whole-chunk regex passes and a set of column names keep this a few milliseconds for a
    typical sheet: it runs before every calamine read.
    """
    low_row, high_row = 1 << 30, 0
    columns: set[bytes] = set()
    tail = b""
    with zf.open(info) as member:
        while chunk := member.read(_SCAN_CHUNK):
            data = tail + chunk
            rows = [int(r) for r in _ROW_REF.findall(data)]
            if rows:
                low_row, high_row = min(low_row, *rows), max(high_row, *rows)
            columns.update(_COLUMN_REF.findall(data))
            tail = data[-32:]  # a reference cut by the chunk boundary is found whole next time
    if not high_row:
        return 0, 0
    numbers = [_column_number(c) for c in columns] or [1]
    return high_row - low_row + 1, max(numbers) - min(numbers) + 1


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


@cache
def _openpyxl_errors() -> tuple[type[BaseException], ...]:
    from xml.etree.ElementTree import ParseError

    from lxml.etree import XMLSyntaxError
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException, XMLSyntaxError, ParseError, KeyError, ValueError, *ZIP_ERRORS, OSError)


def _openpyxl_book(path: Path, stack: ExitStack) -> Sheets:
    """The worksheets of a workbook read by openpyxl in read-only mode."""
    import openpyxl

    # openpyxl warns about styles and extensions it ignores; nothing the user can act on.
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    stack.callback(wb.close)
    worksheets = {ws.title: ws for ws in wb.worksheets}  # every tab but chartsheets, numbered by tab as above
    return [
        (name, (lambda ws=worksheets[name]: _read_openpyxl_sheet(ws)) if name in worksheets else list)
        for name in wb.sheetnames
    ]


def _read_openpyxl_sheet(ws: Any) -> list[SparseRow]:
    """All non-empty cells of a read-only worksheet."""
    # The stored dimension can be wrong (too small loses cells; A1:XFD1048576 pads every row to
    # 16k columns), so read the cells that are really there.
    ws.reset_dimensions()
    return _sparse_rows(ws.iter_rows(values_only=True))


def _check_inflated_sizes(path: Path, limit: int) -> None:
    """Make sure members inflate to no more than their declared sizes, for readers that trust the data.

    Python's zipfile stops at a member's declared size; calamine's Rust reader inflates until the
    data ends. Deflate expands at most ~1032x, so only a file big enough to pass ``limit`` that way
    needs this extra pass; zipfile raises on a member whose data runs past its declared size.
    """
    if path.stat().st_size * _DEFLATE_MAX_RATIO <= limit:
        return
    with library_errors("XLSX", (*ZIP_ERRORS, OSError, ValueError, RuntimeError)), zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            with zf.open(info) as member:
                while member.read(1024 * 1024):
                    pass


@cache
def _xlrd_errors() -> tuple[type[BaseException], ...]:
    import struct

    import xlrd
    from xlrd.compdoc import CompDocError

    # xlrd checks BIFF records with asserts and indexes them unchecked: on a damaged file
    # those are what it raises.
    return (
        xlrd.XLRDError,
        CompDocError,
        struct.error,
        AssertionError,
        IndexError,
        KeyError,
        ValueError,
        UnicodeDecodeError,
        EOFError,
        OSError,
    )


def _xlrd_book(path: Path, stack: ExitStack, parts: dict[int, SheetParts] | None = None) -> Sheets:
    """The worksheets of an XLS workbook read by xlrd, loaded one at a time; each sheet's notes,
    headers and footers go to ``parts`` by sheet number as it is read."""
    import xlrd

    try:
        # xlrd writes its warnings to stdout by default; keep them out of the run's output.
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as e:
        if "encrypted" in str(e).lower():
            raise EncryptedDocument("password-protected XLS file; remove the password and retry") from e
        raise
    stack.callback(book.release_resources)

    def read(index: int) -> list[SparseRow]:
        try:
            sheet = book.sheet_by_index(index)
            rows = _sparse_rows(_xls_rows(sheet, book.datemode))
            if parts is not None:
                try:
                    if found := xls_sheet_parts(book, sheet, index, index + 1):
                        parts[index + 1] = found
                except _xlrd_errors() as e:  # the sheet's cells still count
                    part_lost(f"sheet {sheet.name}: headers, footers and comments", what_is_wrong(e))
            return rows
        finally:
            book.unload_sheet(index)

    return [(name, lambda i=i: read(i)) for i, name in enumerate(book.sheet_names())]


def _xls_rows(sheet: Any, datemode: int) -> Iterator[list[Any]]:
    """Rows of an xlrd sheet as Python values (dates as datetimes, errors as their #TEXT)."""
    import xlrd

    for r in range(sheet.nrows):
        types = sheet.row_types(r)
        values = sheet.row_values(r)
        if xlrd.XL_CELL_DATE not in types and xlrd.XL_CELL_BOOLEAN not in types and xlrd.XL_CELL_ERROR not in types:
            yield values
            continue
        yield [_xls_value(t, v, datemode) for t, v in zip(types, values, strict=False)]


def _xls_value(cell_type: int, value: Any, datemode: int) -> Any:
    import xlrd

    if cell_type == xlrd.XL_CELL_DATE:
        try:
            return _xls_date(xlrd.xldate_as_datetime(value, datemode))
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value
    if cell_type == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if cell_type == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERR")
    return value


def _xls_date(value: dt.datetime) -> dt.datetime | dt.time:
    """xlrd puts a bare time on 1899-12-31; a user sees only the time."""
    if value.date() == dt.date(1899, 12, 31):
        return value.time()
    return value


# -- CSV / TSV -----------------------------------------------------------------------------------


def partition_csv(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a delimited text file (delimiter sniffed: comma, semicolon, tab or pipe)."""
    return _partition_delimited(path, preferred=None)


def partition_tsv(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a tab-separated file (another delimiter is sniffed if it holds no tab)."""
    return _partition_delimited(path, preferred="\t")


def _partition_delimited(path: Path, preferred: str | None) -> list[Element]:
    text = read_text(path)
    delimiter = sniff_delimiter(text, preferred=preferred)
    rows = _read_delimited(text, delimiter)
    if not rows:
        return []
    width = max(len(row) for row in rows)
    return [_table_element(rows, width, {})]


def _read_delimited(text: str, delimiter: str) -> list[list[str]]:
    """Rows of cell texts, blank rows dropped (as pandas, and so unstructured, drops them)."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            cells = [" ".join(c.split()) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append(cells)
    except csv.Error as e:
        if "field limit" in str(e):  # bounded: one field must not grow without end in memory
            raise DocumentError(
                f"a field on line {reader.line_num} is larger than {_CSV_FIELD_LIMIT // 1024**2} MiB;"
                " not a delimited text file a reader can hold"
            ) from e
        raise DocumentError(f"unreadable CSV (line {reader.line_num}): {one_line(e)}") from e
    return rows


def sniff_delimiter(text: str, *, preferred: str | None = None) -> str:
    """The field delimiter of delimited ``text``, judged on its first lines.

    ``preferred`` (tab for .tsv) wins whenever the sample holds it. A text with no delimiter is
    one column.
    """
    sample = _sniff_sample(text)
    if preferred and preferred in sample:
        return preferred
    obvious = _obvious_delimiter(sample)
    if obvious:
        return obvious
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = _consistent_delimiter(sample)
    return delimiter if delimiter in _DELIMITERS else _ONE_COLUMN


def _sniff_sample(text: str) -> str:
    """The first whole lines of ``text`` (a cut line makes the sniffer miscount)."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    return "\n".join(sample.splitlines()[:_SNIFF_LINES])


def _obvious_delimiter(sample: str) -> str | None:
    """The delimiter when there is no doubt: no quoting, and only one candidate in the sample,
    found the same number of times on every line. csv.Sniffer would say the same, at a
    hundred times the cost; anything less clear-cut is left to it."""
    if '"' in sample or "'" in sample:
        return None
    present = [d for d in _DELIMITERS if d in sample]
    if len(present) != 1:
        return None
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    counts = {ln.count(present[0]) for ln in lines}
    return present[0] if len(lines) > 1 and len(counts) == 1 else None


def _consistent_delimiter(sample: str) -> str:
    """Fallback when csv.Sniffer gives up (ragged rows): the candidate found the same number of
    times on most lines, the most often if several are."""
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    best, best_key = _ONE_COLUMN, (0, 0)
    for candidate in _DELIMITERS:
        counts = Counter(n for ln in lines if (n := ln.count(candidate)))
        if not counts:
            continue
        per_line, agreeing = max(counts.items(), key=lambda item: (item[1], item[0]))
        if 2 * agreeing >= len(lines) and (agreeing, per_line) > best_key:
            best, best_key = candidate, (agreeing, per_line)
    return best


# -- sheet -> elements ---------------------------------------------------------------------------


def _sparse_rows(rows: Iterable[Iterable[Any]]) -> list[SparseRow]:
    """Keep only the non-empty cells of each row, as display text."""
    out: list[SparseRow] = []
    for r, row in enumerate(rows):
        # Strings are most cells: collapse them inline rather than through a call per cell.
        cells = [
            (c, t)
            for c, v in enumerate(row)
            if v is not None and (t := " ".join(v.split()) if type(v) is str else cell_text(v))
        ]
        if cells:
            out.append((r, cells))
    return out


def cell_text(value: Any) -> str:
    """A cell value as a spreadsheet shows it, whitespace collapsed to single spaces."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def sheet_elements(rows: list[SparseRow], *, sheet_name: str | None, page_number: int | None) -> list[Element]:
    """Elements of one sheet: per block, lone leading cells, one Table, lone trailing cells."""
    elements: list[Element] = []
    metadata = {"page_name": sheet_name, "page_number": page_number}
    for block in _join_header_blocks(_blocks(rows)):
        lead, tail = _single_cell_edges(block)
        elements.extend(_text_element(cells[0][1], metadata) for _, cells in block[:lead])
        core = block[lead : len(block) - tail]
        if core:
            elements.append(_block_table(core, metadata))
        elements.extend(_text_element(cells[0][1], metadata) for _, cells in block[len(block) - tail :])
    return elements


def _blocks(rows: list[SparseRow]) -> Iterator[list[SparseRow]]:
    """Split rows into blocks: a row joins the block above when a cell sits right below a cell.

    This is the same partition as unstructured's: connected components of non-empty cells (up,
    down, left, right), with components that share any row merged; a component spanning rows
    a..b links every pair of consecutive rows in between, and only such links join rows.
    """
    block: list[SparseRow] = []
    prev_index, prev_cols = -2, frozenset[int]()
    for row in rows:
        index, cells = row
        cols = frozenset(c for c, _ in cells)
        if block and not (index == prev_index + 1 and not cols.isdisjoint(prev_cols)):
            yield block
            block = []
        block.append(row)
        prev_index, prev_cols = index, cols
    if block:
        yield block


def _join_header_blocks(blocks: Iterable[list[SparseRow]]) -> Iterator[list[SparseRow]]:
    """Join a column-heading block to the figures one blank row below it.

    Financial sheets often put a blank spacer row between a table's headings and its figures;
    split there, the figures lose their column names. unstructured splits; docbatch joins when
    the upper block looks like headings over the lower one (see :func:`_is_heading_block`).
    """
    previous: list[SparseRow] | None = None
    for block in blocks:
        if previous is not None and _is_heading_block(previous, block):
            previous = previous + block
            continue
        if previous is not None:
            yield previous
        previous = block
    if previous is not None:
        yield previous


def _is_heading_block(head: list[SparseRow], body: list[SparseRow]) -> bool:
    """Whether ``head`` is a few rows of headings for ``body``, one blank row above it.

    Headings: at most three multi-cell rows (after any lone title cells) holding no figures but
    years. Body: a multi-cell first row and figures in most rows. The column ranges must overlap.
    """
    if body[0][0] - head[-1][0] != 2 or len(head[-1][1]) < 2 or len(body[0][1]) < 2:
        return False
    lead, _ = _single_cell_edges(head)
    core = head[lead:]
    if len(core) > _HEADING_MAX_ROWS or any(len(cells) < 2 for _, cells in core):
        return False
    if any(_is_figure(t) and not _YEAR.match(t) for _, cells in core for _, t in cells):
        return False
    with_figures = sum(1 for _, cells in body if any(_is_figure(t) for _, t in cells))
    if 2 * with_figures < len(body):
        return False
    head_first = min(cells[0][0] for _, cells in core)
    head_last = max(cells[-1][0] for _, cells in core)
    body_first = min(cells[0][0] for _, cells in body)
    body_last = max(cells[-1][0] for _, cells in body)
    return head_first <= body_last and body_first <= head_last


def _is_figure(text: str) -> bool:
    return _FIGURE.match(text) is not None


def _single_cell_edges(block: list[SparseRow]) -> tuple[int, int]:
    """How many leading and trailing rows of a block hold one cell (all leading if all do)."""
    lead = 0
    while lead < len(block) and len(block[lead][1]) == 1:
        lead += 1
    if lead == len(block):
        return lead, 0
    tail = 0
    while len(block[-1 - tail][1]) == 1:
        tail += 1
    return lead, tail


def _block_table(block: list[SparseRow], metadata: dict[str, Any]) -> Element:
    """A Table over the block's columns, empty cells kept so columns line up.

    Columns empty in every row of the block (spacer columns, the tail of a merged heading) are
    left out, as the HTML partitioner leaves them out of web tables.
    """
    used = sorted({c for _, cells in block for c, _ in cells})
    position = {c: i for i, c in enumerate(used)}
    width = len(used)
    grid: list[list[str]] = []
    for _, cells in block:
        row = [""] * width
        for c, t in cells:
            row[position[c]] = t
        grid.append(row)
    return _table_element(grid, width, metadata)


def _table_element(grid: list[list[str]], width: int, metadata: dict[str, Any]) -> Element:
    """A Table element from rows of cell texts (rows shorter than ``width`` are padded)."""
    padded = (row if len(row) == width else row + [""] * (width - len(row)) for row in grid)
    html_text = table_html(padded, self_closing_empty=True)
    return Element("Table", table_text(grid, row_separator="\n\n"), {**metadata, "text_as_html": html_text})


def _text_element(text: str, metadata: dict[str, Any]) -> Element:
    """A lone cell: a caption or note beside a table, typed by its shape."""
    return Element(classify_cell(text), BULLET_GLYPH.sub("", text, count=1), dict(metadata))


def classify_cell(text: str) -> str:
    """Element type of a lone cell: a bullet, a heading (short, no sentence end), a sentence, ..."""
    if not any(ch.isalpha() for ch in text) or _URL.match(text):
        return "UncategorizedText"
    if _EMAIL.match(text):
        return "EmailAddress"
    if BULLET_GLYPH.match(text):
        return "ListItem"
    if mostly_figures(text) or text.upper() in ("TRUE", "FALSE"):
        return "UncategorizedText"  # a value ("3 kg", "Q1 2023", a boolean), not a heading
    words = text.split()
    if len(words) <= _TITLE_MAX_WORDS and len(text) <= _TITLE_MAX_CHARS and text[-1] not in ".!?;,":
        return "Title"
    return "NarrativeText"
