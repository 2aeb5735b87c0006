"""OpenDocument spreadsheets and presentations, made with odfpy at test time."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from odf.draw import Frame, Page, TextBox
from odf.namespaces import PRESENTATIONNS
from odf.opendocument import OpenDocumentPresentation, OpenDocumentSpreadsheet
from odf.presentation import Notes
from odf.style import MasterPage, PageLayout
from odf.table import Table, TableCell, TableRow
from odf.text import List, ListItem, P

from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions

OPTIONS = PartitionOptions(detect_languages=False)


def _ods(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def _frame(kind: str | None, *blocks) -> Frame:
    attrs = {"width": "20cm", "height": "3cm", "x": "1cm", "y": "1cm"}
    frame = Frame(**attrs)
    if kind:
        frame.setAttrNS(PRESENTATIONNS, "class", kind)
    box = TextBox()
    for block in blocks:
        box.addElement(block)
    frame.addElement(box)
    return frame


def _bullets(*items: str) -> List:
    listing = List()
    for item in items:
        li = ListItem()
        li.addElement(P(text=item))
        listing.addElement(li)
    return listing


def _odp(path: Path) -> Path:
    doc = OpenDocumentPresentation()
    layout = PageLayout(name="PL")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    first = Page(masterpagename=master)
    first.addElement(_frame("title", P(text="Quarterly review")))
    first.addElement(_frame("outline", _bullets("Revenue grew", "Costs fell")))
    notes = Notes()
    notes.addElement(_frame("notes", P(text="Speak slowly on this slide.")))
    first.addElement(notes)
    doc.presentation.addElement(first)
    second = Page(masterpagename=master)
    second.addElement(_frame("title", P(text="Next steps")))
    second.addElement(_frame(None, P(text="Hiring starts in the spring and finishes before summer.")))
    doc.presentation.addElement(second)
    doc.save(str(path))
    return path


def test_ods_sheets_become_tables_with_html(tmp_path):
    path = _ods(tmp_path / "cups.ods", {"Cups": [["Team", "Cups"], ["Blues", "1"]], "Notes": [["Summary"]]})
    file_type, elements = partition_file(path, OPTIONS)
    assert file_type.name == "ods"
    assert file_type.mime == "application/vnd.oasis.opendocument.spreadsheet"
    table = next(el for el in elements if el.type == "Table")
    assert (
        table.metadata["text_as_html"]
        == "<table><tr><td>Team</td><td>Cups</td></tr><tr><td>Blues</td><td>1</td></tr></table>"
    )
    assert table.metadata["page_name"] == "Cups"
    assert [el.metadata["page_number"] for el in elements] == [1, 2]


def test_odp_slides_give_titles_bullets_text_and_notes(tmp_path):
    file_type, elements = partition_file(_odp(tmp_path / "review.odp"), OPTIONS)
    assert file_type.name == "odp"
    got = [(el.type, el.text, el.metadata.get("page_number")) for el in elements]
    assert got == [
        ("Title", "Quarterly review", 1),
        ("ListItem", "Revenue grew", 1),
        ("ListItem", "Costs fell", 1),
        ("NarrativeText", "Speak slowly on this slide.", 1),
        ("Title", "Next steps", 2),
        ("NarrativeText", "Hiring starts in the spring and finishes before summer.", 2),
    ]
    assert elements[3].metadata["slide_notes"] is True  # as PPTX marks its notes


def test_a_one_line_speaker_note_is_no_title(tmp_path):
    """Before: the plain-text classifier took a short note for the slide's Title."""
    doc = OpenDocumentPresentation()
    layout = PageLayout(name="PL")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    page = Page(masterpagename=master)
    page.addElement(_frame("title", P(text="Charlie")))
    notes = Notes()
    notes.addElement(_frame("notes", P(text="NOTESCHARLIE speaker note")))
    page.addElement(notes)
    doc.presentation.addElement(page)
    doc.save(str(tmp_path / "charlie.odp"))
    _, elements = partition_file(tmp_path / "charlie.odp", OPTIONS)
    assert [(el.type, el.text, el.metadata.get("slide_notes")) for el in elements] == [
        ("Title", "Charlie", None),
        ("NarrativeText", "NOTESCHARLIE speaker note", True),
    ]


def test_a_broken_odp_is_a_document_error(tmp_path):
    path = _odp(tmp_path / "whole.odp")
    broken = tmp_path / "broken.odp"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(broken, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, b"<office:document-content" if name == "content.xml" else zin.read(name))
    with pytest.raises(DocumentError):
        partition_file(broken, OPTIONS)
