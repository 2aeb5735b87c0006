"""The ODT partitioner: headings, styled titles, lists, tables, links, notes, pages."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from odf import table, text
from odf.opendocument import OpenDocumentText
from odf.style import Style

from docbatch.elements import DocumentInfo, finalize
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.odf.odt import partition_odt

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions(detect_languages=False)


def _document(tmp_path: Path) -> Path:
    """A small ODT written with odfpy, the way an office suite structures one."""
    doc = OpenDocumentText()
    styled_title = Style(name="P9", family="paragraph", parentstylename="Title")
    doc.automaticstyles.addElement(styled_title)
    body = doc.text
    body.addElement(text.P(stylename=styled_title, text="Annual Report"))
    body.addElement(text.H(outlinelevel=1, text="Overview"))
    body.addElement(text.P(text="Revenue grew by ten percent in the fourth quarter of the year."))
    para = text.P(text="See ")
    para.addElement(text.A(href="https://example.com/report", text="the full report"))
    para.addText(" for details.")
    note = text.Note(noteclass="footnote")
    note.addElement(text.NoteCitation(text="1"))
    note_body = text.NoteBody()
    note_body.addElement(text.P(text="Figures are unaudited."))
    note.addElement(note_body)
    para.addElement(note)
    body.addElement(para)
    body.addElement(text.SoftPageBreak())
    body.addElement(text.H(outlinelevel=2, text="Highlights"))
    outer = text.List()
    for label in ("First point", "Second point"):
        item = text.ListItem()
        item.addElement(text.P(text=label))
        outer.addElement(item)
    inner = text.List()
    inner_item = text.ListItem()
    inner_item.addElement(text.P(text="Nested point"))
    inner.addElement(inner_item)
    outer.childNodes[-1].addElement(inner)
    body.addElement(outer)
    body.addElement(_table())
    body.addElement(text.P(text="• Typed bullet"))
    path = tmp_path / "report.odt"
    doc.save(str(path))
    return path


def _table() -> table.Table:
    tbl = table.Table(name="Sales")
    tbl.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for cells in (("Region", "Sales"), ("North", "1,200"), ("South & East", "950")):
        row = table.TableRow()
        for value in cells:
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        tbl.addElement(row)
    return tbl


@pytest.fixture(scope="module")
def elements(tmp_path_factory):
    return partition_odt(_document(tmp_path_factory.mktemp("odt")), OPTIONS)


def test_blocks_in_order_with_types(elements):
    assert [(e.type, e.text) for e in elements] == [
        ("Title", "Annual Report"),
        ("Title", "Overview"),
        ("NarrativeText", "Revenue grew by ten percent in the fourth quarter of the year."),
        ("NarrativeText", "See the full report for details."),
        ("NarrativeText", "Figures are unaudited."),
        ("Title", "Highlights"),
        ("ListItem", "First point"),
        ("ListItem", "Second point"),
        ("ListItem", "Nested point"),
        ("Table", "Region Sales\nNorth 1,200\nSouth & East 950"),
        ("ListItem", "Typed bullet"),
    ]


def test_depths(elements):
    depth = {e.text: e.metadata.get("category_depth") for e in elements}
    assert depth["Annual Report"] == 0
    assert depth["Overview"] == 0
    assert depth["Highlights"] == 1
    assert depth["First point"] == 0
    assert depth["Nested point"] == 1


def test_links_table_html_and_pages(elements):
    link = next(e for e in elements if e.text.startswith("See"))
    assert link.metadata["link_texts"] == ["the full report"]
    assert link.metadata["link_urls"] == ["https://example.com/report"]
    tbl = next(e for e in elements if e.type == "Table")
    assert tbl.metadata["text_as_html"] == (
        "<table><tr><td>Region</td><td>Sales</td></tr><tr><td>North</td><td>1,200</td></tr>"
        "<tr><td>South &amp; East</td><td>950</td></tr></table>"
    )
    pages = {e.text: e.metadata.get("page_number") for e in elements}
    assert pages["Overview"] == 1
    assert pages["Highlights"] == 2


def test_finalize_builds_the_heading_tree(elements):
    final = finalize(list(elements), DocumentInfo("report.odt", "application/vnd.oasis.opendocument.text", "x", {}))
    by_text = {e.text: e for e in final}
    assert by_text["Highlights"].metadata["parent_id"] == by_text["Overview"].element_id
    assert by_text["Nested point"].metadata["parent_id"] == by_text["Second point"].element_id


def test_detected_as_odt(tmp_path):
    file_type, elements = partition_file(_document(tmp_path), OPTIONS)
    assert file_type.name == "odt"
    assert elements[0].text == "Annual Report"


def test_spans_and_repeats(tmp_path):
    tbl = table.Table(name="Spans")
    row = table.TableRow()
    wide = table.TableCell(numbercolumnsspanned=2)
    wide.addElement(text.P(text="Both columns"))
    row.addElement(wide)
    row.addElement(table.CoveredTableCell())
    tbl.addElement(row)
    row = table.TableRow()
    for value in ("a", "b"):
        cell = table.TableCell()
        cell.addElement(text.P(text=value))
        row.addElement(cell)
    row.addElement(table.TableCell(numbercolumnsrepeated=1000))  # spreadsheet-style padding
    tbl.addElement(row)
    doc = OpenDocumentText()
    doc.text.addElement(tbl)
    path = tmp_path / "spans.odt"
    doc.save(str(path))
    (el,) = partition_odt(path, OPTIONS)
    assert el.metadata["text_as_html"] == (
        '<table><tr><td colspan="2">Both columns</td></tr><tr><td>a</td><td>b</td></tr></table>'
    )


def test_running_header_and_footer(tmp_path):
    from odf.style import Footer, Header, MasterPage, PageLayout

    doc = OpenDocumentText()
    layout = PageLayout(name="pm1")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header = Header()
    header.addElement(text.P(text="ACME Confidential"))
    master.addElement(header)
    footer = Footer()
    page = text.P(text="Page ")
    page.addElement(text.PageNumber(selectpage="current", text="1"))
    footer.addElement(page)
    master.addElement(footer)
    doc.masterstyles.addElement(master)
    doc.text.addElement(text.P(text="The body text of this short memo."))
    path = tmp_path / "memo.odt"
    doc.save(str(path))
    assert [(e.type, e.text) for e in partition_odt(path, OPTIONS)] == [
        ("Header", "ACME Confidential"),
        ("NarrativeText", "The body text of this short memo."),
        ("Footer", "Page"),
    ]


def test_not_an_odt(tmp_path):
    path = tmp_path / "empty.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(DocumentError, match=r"content\.xml"):
        partition_odt(path, OPTIONS)
    path.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(DocumentError):
        partition_odt(path, OPTIONS)


def test_password_protected_odt_is_encrypted(tmp_path):
    manifest = b"""<?xml version="1.0"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="4000">
  <manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="abc=">
   <manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="xyz="/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"""
    path = tmp_path / "locked.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", bytes(range(256)) * 4)
    with pytest.raises(EncryptedDocument):
        partition_odt(path, OPTIONS)


def test_entities_are_not_expanded(tmp_path):
    content = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
<office:body><office:text><text:p>Safe &e; text here.</text:p></office:text></office:body>
</office:document-content>"""
    path = tmp_path / "xxe.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    (el,) = partition_odt(path, OPTIONS)
    assert "root:" not in el.text
    assert el.text.startswith("Safe")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_odt_files():
    _, fake = partition_file(CORPUS / "fake.odt", OPTIONS)
    assert [e.type for e in fake] == ["NarrativeText", "Table"]
    assert fake[1].text.splitlines()[0] == "Header row Mon Wed Fri"
    _, simple = partition_file(CORPUS / "simple.odt", OPTIONS)
    assert [(e.type, e.text) for e in simple[:4]] == [
        ("Title", "These are a few of my favorite things:"),
        ("ListItem", "Parrots"),
        ("ListItem", "Hockey"),
        ("Title", "Analysis"),
    ]


def _ruby(base: str = "東京", reading: str = "とうきょう") -> text.Ruby:
    """A phonetic guide as LibreOffice writes one (Format > Asian Phonetic Guide)."""
    ruby = text.Ruby()
    ruby.addElement(text.RubyBase(text=base))
    ruby.addElement(text.RubyText(text=reading))
    return ruby


def test_ruby_reads_its_base_text_without_the_reading(tmp_path):
    """東京 with とうきょう over it used to read 東京とうきょう: the reading is left out, as Word's
    plain-text export and Tika do, in paragraphs, link texts and table cells alike."""
    doc = OpenDocumentText()
    para = text.P(text="首都は")
    para.addElement(_ruby())
    para.addText("です。")
    doc.text.addElement(para)
    linked = text.P(text="Visit ")
    link = text.A(href="https://example.com/tokyo")
    link.addElement(_ruby())
    linked.addElement(link)
    linked.addText(" today.")
    doc.text.addElement(linked)
    grid = table.Table(name="Cities")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for first, second in (("City", "Note"), (None, "capital")):
        row = table.TableRow()
        for value in (first, second):
            cell = table.TableCell()
            cell_para = text.P(text=value) if value else text.P()
            if value is None:
                cell_para.addElement(_ruby())
                cell_para.addText("都")
            cell.addElement(cell_para)
            row.addElement(cell)
        grid.addElement(row)
    doc.text.addElement(grid)
    path = tmp_path / "ruby.odt"
    doc.save(str(path))

    elements = partition_odt(path, OPTIONS)
    texts = [e.text for e in elements]
    assert texts[:2] == ["首都は東京です。", "Visit 東京 today."]
    assert elements[1].metadata["link_texts"] == ["東京"]
    assert "<td>東京都</td>" in elements[2].metadata["text_as_html"]
    assert "とうきょう" not in repr([(e.text, e.metadata) for e in elements])
