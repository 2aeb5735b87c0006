"""A sheet's parts beside its cells: Excel's header/footer codes, the HEADERFOOTER record of BIFF
workbooks, and where headers, comments and footers go among the cells."""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from odf.dc import Creator
from odf.office import Annotation
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl.comments import Comment

import docbatch
from docbatch.elements import Element
from docbatch.partitioners.legacy import legacy
from docbatch.partitioners.legacy.legacy import soffice_path
from docbatch.partitioners.spreadsheet.sheet_parts import (
    SheetParts,
    header_footer_text,
    headers_and_footers,
    place_sheet_parts,
)
from docbatch.partitioners.spreadsheet.xls_parts import header_footer_record

OPTIONS = {"detect_languages": False}
needs_soffice = pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("&LAcme Corp&CQuarterly report&RPage &P of &N", "Acme Corp\nQuarterly report\nPage of"),
        ("&RRight first&LLeft second", "Left second\nRight first"),  # sections in page order
        ("Centred without a code", "Centred without a code"),
        ('&C&"Times New Roman,Bold"&12&KFF0000Budget&B&I &U2026&E', "Budget 2026"),
        ('&"-,Regular"&K03+000Themed colour', "Themed colour"),
        ("R&&D &D &T &F &Z&A &G", "R&D"),
        ("Page &P+1", "Page"),  # an offset added to the page number is part of the field
        ("&S&X&Y&O&H  spaced   out  ", "spaced out"),
        ("&CFirst line\nSecond  line\n\n", "First line\nSecond line"),
        ("&Qunknown &", "Qunknown"),  # an ampersand before no code prints nothing
        ("&L&P&C&N&R&D", ""),
        ("", ""),
    ],
)
def test_header_footer_text(code: str, text: str) -> None:
    assert header_footer_text(code) == text


def test_headers_and_footers_variants_need_their_switch_and_repeat_once() -> None:
    codes = {
        "oddHeader": "&CReport",
        "firstHeader": "&CCover",
        "evenHeader": "&CReport",  # prints as the odd one does: not repeated
        "oddFooter": "&P",  # nothing but a field: no element
        "evenFooter": "&CEven footer",
    }
    headers, footers = headers_and_footers(codes, different_first=True, different_odd_even=True)
    assert [(el.type, el.text, el.metadata) for el in [*headers, *footers]] == [
        ("Header", "Report", {"header_footer_type": "primary"}),
        ("Header", "Cover", {"header_footer_type": "first_page"}),
        ("Footer", "Even footer", {"header_footer_type": "even_page"}),
    ]
    headers, footers = headers_and_footers(codes, different_first=False, different_odd_even=False)
    assert [(el.type, el.text) for el in [*headers, *footers]] == [("Header", "Report")]


def _xl_string(text: str) -> bytes:
    return struct.pack("<HB", len(text), 0) + text.encode("latin-1")


def test_headerfooter_record_gives_the_sheets_switches_and_strings() -> None:
    frt = struct.pack("<HH8x", 0x089C, 0)
    flags = struct.pack("<H", 0b11)  # different odd/even, different first
    lengths = struct.pack("<4H", 9, 0, 11, 0)
    record = frt + bytes(16) + flags + lengths + _xl_string("&CEven top") + _xl_string("&CFirst page")
    # the lengths count characters, as Excel writes them; the strings carry their own
    assert header_footer_record(record) == {
        "differentOddEven": "1",
        "differentFirst": "1",
        "evenHeader": "&CEven top",
        "firstHeader": "&CFirst page",
    }
    custom_view = frt + b"\x01" + bytes(15) + flags + lengths + _xl_string("&CEven top")
    assert header_footer_record(custom_view) == {}
    assert header_footer_record(frt) == {}


def _cell(text: str, sheet: int) -> Element:
    return Element("Table", text, {"page_number": sheet})


def test_parts_go_around_their_sheets_cells_and_empty_sheets_keep_their_place() -> None:
    cells = [_cell("one", 1), _cell("one more", 1), _cell("three", 3)]
    parts = {
        1: SheetParts(before=[Element("Header", "H1")], after=[Element("Footer", "F1")]),
        2: SheetParts(before=[Element("Header", "H2")], after=[Element("NarrativeText", "N2")]),
        3: SheetParts(after=[Element("Footer", "F3")]),
        4: SheetParts(after=[Element("FigureCaption", "C4")]),
    }
    assert [el.text for el in place_sheet_parts(cells, parts)] == [
        "H1",
        "one",
        "one more",
        "F1",
        "H2",
        "N2",
        "three",
        "F3",
        "C4",
    ]


# -- whole workbooks -----------------------------------------------------------------------------


def _summary(path: Path) -> list[tuple[str, str, str, int, str | None]]:
    """(type, text, page_name, page_number, header_footer_type or comment_anchor) of each element."""
    out = []
    for el in docbatch.partition(path, **OPTIONS):
        meta = el.to_dict()["metadata"]
        mark = meta.get("header_footer_type") or meta.get("comment_anchor")
        out.append((el.type, el.text, meta["page_name"], meta["page_number"], mark))
    return out


def _printed_book(path: Path, *, variants: bool) -> Path:
    """Two sheets: "Sales" with a header, a footer and two notes; "Later" with a footer only."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales"
    for row in (["Region", "Q1"], ["North", 5]):
        sheet.append(row)
    sheet["B2"].comment = Comment("Includes the March returns.", "Ann Lee")
    sheet["A1"].comment = Comment("Regions as of May.", "Bo Chen")
    sheet.oddHeader.left.text = "Acme &A"
    sheet.oddHeader.center.text = "R&&D budget"
    sheet.oddHeader.right.text = "Page &P of &N"
    sheet.oddFooter.center.text = "Confidential"
    if variants:
        sheet.HeaderFooter.differentFirst = True
        sheet.HeaderFooter.differentOddEven = True
        sheet.firstHeader.center.text = "Cover page"
        sheet.evenHeader.left.text = "Acme"  # prints as the odd one does: not repeated
        sheet.evenHeader.center.text = "R&&D budget"
        sheet.evenHeader.right.text = "Page &P of &N"
        sheet.evenFooter.center.text = "   "
    later = book.create_sheet("Later")
    later.append(["Other figures"])
    later.oddFooter.right.text = "&D &T"  # fields only: nothing to print before printing
    later.oddHeader.center.text = "Draft"
    book.save(path)
    return path


_SALES = [
    ("Table", "Region Q1\n\nNorth 5", "Sales", 1, None),
    ("NarrativeText", "Regions as of May.", "Sales", 1, "A1"),
    ("NarrativeText", "Includes the March returns.", "Sales", 1, "B2"),
    ("Footer", "Confidential", "Sales", 1, "primary"),
    ("Header", "Draft", "Later", 2, "primary"),
    ("Title", "Other figures", "Later", 2, None),
]


def test_xlsx_headers_and_footers_go_around_their_sheets_cells(tmp_path: Path) -> None:
    """Before: a sheet's print header and footer were not read."""
    path = _printed_book(tmp_path / "printed.xlsx", variants=True)
    assert _summary(path) == [
        ("Header", "Acme\nR&D budget\nPage of", "Sales", 1, "primary"),
        ("Header", "Cover page", "Sales", 1, "first_page"),
        *_SALES,
    ]


@needs_soffice
def test_xls_notes_and_headers_come_out_as_xlsx_ones(tmp_path: Path) -> None:
    """Before: an XLS file's notes and its headers and footers were not read. LibreOffice writes
    the XLS (and keeps no first-page or even-page header in it, nor the notes' authors)."""
    source = _printed_book(tmp_path / "printed.xlsx", variants=False)
    with legacy.converter("xls").converted(source, ".xlsx", "xls") as out:
        xls = Path(shutil.copy(out, tmp_path / "printed.xls"))
    expected = [("Header", "Acme\nR&D budget\nPage of", "Sales", 1, "primary"), *_SALES]
    assert _summary(xls) == expected
    assert _summary(source) == expected
    comment = docbatch.partition(xls, **OPTIONS)[2].to_dict()["metadata"]
    assert {k: comment.get(k) for k in ("note_type", "comment_author")} == {
        "note_type": "comment",
        "comment_author": None,
    }


@needs_soffice
def test_an_xls_notes_author_is_its_comment_author(tmp_path: Path) -> None:
    """An ODS annotation's author survives LibreOffice's XLS export (an XLSX note's does not)."""
    doc = OpenDocumentSpreadsheet()
    table = Table(name="Sales")
    for texts in (["Region", "Q1"], ["North", "5"]):
        row = TableRow()
        for text in texts:
            cell = TableCell(valuetype="string")
            if text == "5":
                note = Annotation()
                note.addElement(Creator(text="Ann Lee"))
                note.addElement(P(text="Includes the March returns."))
                cell.addElement(note)
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    doc.spreadsheet.addElement(table)
    doc.save(str(tmp_path / "noted.ods"))
    with legacy.converter("xls").converted(tmp_path / "noted.ods", ".ods", "xls") as out:
        xls = Path(shutil.copy(out, tmp_path / "noted.xls"))
    elements = docbatch.partition(xls, **OPTIONS)
    # LibreOffice's own default footer is "Page &P": its words stay, the page number does not
    assert [(el.type, el.text) for el in elements] == [
        ("Table", "Region Q1\n\nNorth 5"),
        ("NarrativeText", "Includes the March returns."),
        ("Footer", "Page"),
    ]
    meta = elements[1].to_dict()["metadata"]
    assert {k: meta[k] for k in ("note_type", "comment_author", "comment_anchor", "page_name", "page_number")} == {
        "note_type": "comment",
        "comment_author": "Ann Lee",
        "comment_anchor": "B2",
        "page_name": "Sales",
        "page_number": 1,
    }


def test_a_custom_views_header_is_not_the_sheets(tmp_path: Path) -> None:
    """A custom view's ``<headerFooter>`` comes first in the sheet's XML; the sheet's own is last
    (a corpus workbook's footer was missed while the first one was taken)."""
    path = _printed_book(tmp_path / "views.xlsx", variants=False)
    view = (
        b'<customSheetViews><customSheetView guid="{00000000-0000-0000-0000-000000000001}">'
        b"<headerFooter><oddFooter>&amp;CView footer</oddFooter></headerFooter></customSheetView>"
        b"</customSheetViews>"
    )
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b"<pageMargins", view + b"<pageMargins", 1)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    footers = [el.text for el in docbatch.partition(path, **OPTIONS) if el.type == "Footer"]
    assert footers == ["Confidential"]


def test_a_chartsheet_keeps_its_tab_number_so_later_sheets_parts_stay_with_their_cells(tmp_path):
    """Cells and parts number sheets the same way, by tab (a chartsheet counts), in both readers."""
    from contextlib import ExitStack

    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment

    import docbatch
    from docbatch.partitioners.spreadsheet import spreadsheet

    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    for row in (["Quarter", "Value"], ["Q1", 1], ["Q2", 2]):
        data.append(row)
    data["A1"].comment = Comment("Audited figures", "Rev")
    chart = BarChart()
    chart.title = "Sales by quarter"
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    book.create_chartsheet("Chart", 0).add_chart(chart)
    book.save(tmp_path / "book.xlsx")
    elements = docbatch.partition(tmp_path / "book.xlsx", detect_languages=False)
    assert [(el.type, el.text, el.metadata["page_number"], el.metadata["page_name"]) for el in elements] == [
        ("FigureCaption", "Sales by quarter", 1, "Chart"),
        ("Table", "Quarter Value\n\nQ1 1\n\nQ2 2", 2, "Data"),
        ("NarrativeText", "Audited figures", 2, "Data"),
    ]
    for opener in (spreadsheet._calamine_book, spreadsheet._openpyxl_book):
        with ExitStack() as stack:
            sheets = [(name, bool(read())) for name, read in opener(tmp_path / "book.xlsx", stack)]
        assert sheets == [("Chart", False), ("Data", True)]
