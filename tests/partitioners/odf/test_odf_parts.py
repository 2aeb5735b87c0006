"""Document parts of OpenDocument files (issue 24): an ODS sheet's cell comments, printed header
and footer and charts; charts in ODT and ODP; ODP speaker notes and master-page text boxes. Each
comes out in the shape the OOXML readers give the same part.

Files are written here twice over: by hand (zipfile and XML, the shapes the ODF schema allows)
and, where LibreOffice is installed, by LibreOffice itself from python-pptx / openpyxl /
python-docx files, converted with docbatch's own converter."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pptx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from _parts import DOCX_CHART_RUN, sales_workbook
from docbatch.elements import Element
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting
from docbatch.partitioners.legacy import legacy
from docbatch.partitioners.legacy.legacy import soffice_path
from docbatch.partitioners.odf.chart import embedded_chart

OPTIONS = PartitionOptions(detect_languages=False)
needs_soffice = pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
)

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
    ' xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"'
    ' xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
    ' xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
    ' xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0"'
    ' xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
_MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)
_MIMES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


def _package(path: Path, body: str, *, styles: str = "", automatic: str = "", members: dict | None = None) -> Path:
    """An ODF package: ``body`` inside office:body, ``styles`` as styles.xml's master styles."""
    content = (
        f'<office:document-content {_NS} office:version="1.3">'
        f"<office:automatic-styles>{automatic}</office:automatic-styles><office:body>{body}</office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", _MIMES[path.suffix[1:]], compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr("styles.xml", f"<office:document-styles {_NS}>{styles}</office:document-styles>")
        zf.writestr("META-INF/manifest.xml", _MANIFEST)  # calamine reads an ODS only with one
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return path


def _chart(title: str, rows: str, *, subtitle: str = "") -> str:
    """An Object N/content.xml holding a chart whose local table has ``rows`` as its data rows."""
    sub = f"<chart:subtitle><text:p>{subtitle}</text:p></chart:subtitle>" if subtitle else ""
    return (
        f'<office:document-content {_NS}><office:body><office:chart><chart:chart chart:class="chart:bar">'
        f"<chart:title><text:p>{title}</text:p></chart:title>{sub}"
        '<chart:plot-area><chart:series chart:values-cell-range-address="local-table.B2:B3"/></chart:plot-area>'
        '<table:table table:name="local-table">'
        "<table:table-header-columns><table:table-column/></table:table-header-columns>"
        '<table:table-columns><table:table-column table:number-columns-repeated="2"/></table:table-columns>'
        "<table:table-header-rows><table:table-row><table:table-cell><text:p/></table:table-cell>"
        '<table:table-cell office:value-type="string"><text:p>Units</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>Returns</text:p></table:table-cell>'
        f"</table:table-row></table:table-header-rows><table:table-rows>{rows}</table:table-rows>"
        "</table:table></chart:chart></office:chart></office:body></office:document-content>"
    )


def _data_row(label: str, *values: str) -> str:
    cells = "".join(
        f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        for v in values
    )
    label_cell = f'<table:table-cell office:value-type="string"><text:p>{label}</text:p></table:table-cell>'
    return f"<table:table-row>{label_cell}{cells}</table:table-row>"


_ROWS = _data_row("2023", "120", "4.5") + _data_row("2024", "150", "NaN")
_FRAME = (
    '<draw:frame draw:name="Chart 1" svg:width="10cm" svg:height="6cm">'
    '<draw:object xlink:href="./Object 1" xlink:type="simple" xlink:show="embed"/>'
    '<draw:image xlink:href="./ObjectReplacements/Object 1"/></draw:frame>'
)
_CHART_HTML = (
    "<table><tr><th></th><th>Units</th><th>Returns</th></tr>"
    "<tr><td>2023</td><td>120</td><td>4.5</td></tr><tr><td>2024</td><td>150</td><td></td></tr></table>"
)


def _seen(elements: list[Element], *keys: str) -> list[tuple]:
    return [(el.type, el.text, *(el.metadata.get(k) for k in keys)) for el in elements]


def _partition(path: Path) -> list[Element]:
    return partition_file(path, OPTIONS)[1]


@pytest.fixture(scope="module")
def office() -> Iterator[legacy.Converter]:
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    yield legacy.converter("odt")


def _converted(office: legacy.Converter, source: Path, target: str) -> Path:
    with office.converted(source, source.suffix, target) as out:
        return Path(shutil.copy(out, source.with_suffix(f".{target}")))


# -- ODS: comments, headers and footers, charts --------------------------------------------------

_ODS_STYLES = (
    "<office:automatic-styles>"
    '<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-height="29.7cm"/></style:page-layout>'
    "</office:automatic-styles><office:master-styles>"
    # Calc's own defaults: the sheet name in the header, "Page <number>" in the footer.
    '<style:master-page style:name="Default" style:page-layout-name="pm1">'
    "<style:header><text:p><text:sheet-name>???</text:sheet-name></text:p></style:header>"
    "<style:footer><text:p>Page <text:page-number>1</text:page-number></text:p></style:footer></style:master-page>"
    '<style:master-page style:name="Sales" style:page-layout-name="pm1">'
    "<style:header><style:region-left><text:p>Contoso</text:p></style:region-left>"
    "<style:region-right><text:p>Quarterly sales</text:p></style:region-right></style:header>"
    '<style:header-left style:display="false"><text:p>Turned off</text:p></style:header-left>'
    "<style:footer><style:region-center><text:p>Internal use only</text:p></style:region-center></style:footer>"
    "</style:master-page></office:master-styles>"
)


def _ods_by_hand(path: Path, members: dict | None = None) -> Path:
    comment = (
        "<office:annotation><dc:creator>Ann Lee</dc:creator><dc:date>2024-01-01T00:00:00</dc:date>"
        "<text:p>Includes the March returns.</text:p></office:annotation>"
    )
    body = (
        '<office:spreadsheet><table:table table:name="Sales" table:style-name="ta1">'
        '<table:table-column table:number-columns-repeated="3"/>'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Region</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>Q</text:p>'
        "</table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/>'
        "</table:table-row>"
        '<table:table-row><table:table-cell office:value-type="string"><text:p>North</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="2"/>'
        f'<table:table-cell office:value-type="float" office:value="5">{comment}<text:p>5</text:p>'
        f"</table:table-cell><table:table-cell>{_FRAME}</table:table-cell></table:table-row></table:table>"
        '<table:table table:name="Later" table:style-name="ta2"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>Other figures</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet>"
    )
    automatic = (
        '<style:style style:name="ta1" style:family="table" style:master-page-name="Sales"/>'
        '<style:style style:name="ta2" style:family="table"/>'
    )
    objects = {"Object 1/content.xml": _chart("Units sold", _ROWS)} if members is None else members
    return _package(path, body, styles=_ODS_STYLES, automatic=automatic, members=objects)


def test_ods_sheet_header_comments_chart_and_footer_in_place(tmp_path):
    """Before: an ODS gave its cells only."""
    elements = _partition(_ods_by_hand(tmp_path / "sales.ods"))
    assert _seen(elements, "page_name", "page_number") == [
        ("Header", "Contoso", "Sales", 1),
        ("Header", "Quarterly sales", "Sales", 1),  # header-left is turned off: not printed
        ("Table", "Region Q Q", "Sales", 1),  # two blocks of cells (blank rows between), as calamine reads them
        ("Table", "North 5", "Sales", 1),
        ("NarrativeText", "Includes the March returns.", "Sales", 1),
        ("FigureCaption", "Units sold", "Sales", 1),
        ("Table", "Units Returns\n2023 120 4.5\n2024 150", "Sales", 1),
        ("Footer", "Internal use only", "Sales", 1),
        # Calc's default page style: the sheet-name field gives nothing, "Page" is its footer's text
        ("Title", "Other figures", "Later", 2),
        ("Footer", "Page", "Later", 2),
    ]
    comment = elements[4]
    assert {k: comment.metadata[k] for k in ("note_type", "comment_author", "comment_anchor")} == {
        "note_type": "comment",
        "comment_author": "Ann Lee",
        "comment_anchor": "D4",  # the repeated columns and rows counted
    }
    assert elements[6].metadata["text_as_html"] == _CHART_HTML


def test_ods_broken_chart_is_lost_alone(tmp_path):
    path = _ods_by_hand(tmp_path / "broken.ods", {"Object 1/content.xml": "<office:document-content"})
    with collecting() as notes:
        elements = _partition(path)
    assert [el.type for el in elements] == [
        "Header",
        "Header",
        "Table",
        "Table",
        "NarrativeText",
        "Footer",
        "Title",
        "Footer",
    ]
    assert notes.lost == ["chart Object 1: malformed XML"]


@pytest.fixture(scope="module")
def libreoffice_ods(office, tmp_path_factory) -> Path:
    """A workbook made with openpyxl (a comment, a chart, a header and footer), saved as ODS by LibreOffice."""
    book, sheet = sales_workbook(categories=True)
    sheet.oddHeader.center.text = "Quarterly sales"
    sheet.oddFooter.left.text = "Contoso"
    sheet.oddFooter.right.text = "Page &P"
    book.create_sheet("Later").append(["Other figures"])
    path = tmp_path_factory.mktemp("ods") / "sales.xlsx"
    book.save(path)
    return _converted(office, path, "ods")


@needs_soffice
def test_libreoffice_ods_gives_its_sheet_parts(libreoffice_ods):
    elements = _partition(libreoffice_ods)
    assert _seen(elements, "page_name", "page_number") == [
        ("Header", "Quarterly sales", "Sales", 1),
        ("Table", "Region Q1\n\nNorth 5\n\nSouth 7", "Sales", 1),
        ("NarrativeText", "Includes the March returns.", "Sales", 1),
        ("FigureCaption", "Sales by region", "Sales", 1),
        ("Table", "Q1\nNorth 5\nSouth 7", "Sales", 1),
        ("Footer", "Contoso", "Sales", 1),
        ("Footer", "Page", "Sales", 1),  # "Page &P": the page number is a field, left out
        ("Title", "Other figures", "Later", 2),  # its header and footer are turned off
    ]
    assert (elements[2].metadata["note_type"], elements[2].metadata["comment_anchor"]) == ("comment", "B2")
    assert elements[4].metadata["text_as_html"] == (
        "<table><tr><th></th><th>Q1</th></tr><tr><td>North</td><td>5</td></tr><tr><td>South</td><td>7</td></tr></table>"
    )


# -- charts in ODT and their guards --------------------------------------------------------------


def _odt_with_chart(path: Path, chart: str | bytes) -> Path:
    body = f"<office:text><text:p>Sales grew.{_FRAME}</text:p><text:p>The figures are final.</text:p></office:text>"
    return _package(path, body, members={"Object 1/content.xml": chart})


def test_odt_chart_becomes_caption_and_data_table_after_its_paragraph(tmp_path):
    elements = _partition(_odt_with_chart(tmp_path / "chart.odt", _chart("Units sold", _ROWS, subtitle="By year")))
    assert _seen(elements) == [
        ("NarrativeText", "Sales grew."),
        ("FigureCaption", "Units sold"),
        ("FigureCaption", "By year"),
        ("Table", "Units Returns\n2023 120 4.5\n2024 150"),
        ("NarrativeText", "The figures are final."),
    ]
    assert elements[3].metadata["text_as_html"] == _CHART_HTML


def test_odt_chart_declaring_billions_of_cells_keeps_only_its_title(tmp_path):
    """The repeats are counted before any is expanded, as the OOXML reader counts ptCount."""
    rows = _data_row("2023", "120", "4.5").replace(
        "<table:table-row>", '<table:table-row table:number-rows-repeated="999999999">'
    )
    assert 'number-rows-repeated="999999999"' in rows
    elements = _partition(_odt_with_chart(tmp_path / "bomb.odt", _chart("Units sold", rows)))
    assert _seen(elements) == [
        ("NarrativeText", "Sales grew."),
        ("FigureCaption", "Units sold"),
        ("NarrativeText", "The figures are final."),
    ]


def test_unreadable_and_non_chart_objects(tmp_path):
    formula = '<math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mi>x</mi></semantics></math>'
    assert _seen(_partition(_odt_with_chart(tmp_path / "formula.odt", formula))) == [
        ("NarrativeText", "Sales grew."),
        ("NarrativeText", "The figures are final."),
    ]
    with collecting() as notes:
        elements = _partition(_odt_with_chart(tmp_path / "broken.odt", b"<office:document-content><office:body"))
    assert [el.text for el in elements] == ["Sales grew.", "The figures are final."]
    assert notes.lost == ["chart Object 1: malformed XML"]
    with zipfile.ZipFile(tmp_path / "broken.odt") as zf, collecting() as notes:
        assert embedded_chart(zf, "./Object 9") == []  # an object the package lacks: nothing, nothing lost
        assert embedded_chart(zf, "https://example.com/chart") == []
    assert notes.lost == []


def _docx_with_chart(path: Path) -> Path:
    """A Word document with a chart, its part made by python-pptx (python-docx cannot make one)."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    deck = pptx.Presentation()
    data = CategoryChartData()
    data.categories = ["2023", "2024"]
    data.add_series("Units", (120, 150))
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, 0, 0, 100, 100, data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "Units sold"
    document = docx.Document()
    para = document.add_paragraph("Sales grew.")
    kind = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    part = Part(PackURI("/word/charts/chart1.xml"), kind, chart.part.blob, document.part.package)
    rid = document.part.relate_to(part, RT.CHART)
    drawing = DOCX_CHART_RUN.replace("{rid}", rid)
    para._p.append(etree.fromstring(drawing))
    document.add_paragraph("The figures are final.")
    document.save(path)
    return path


@needs_soffice
def test_libreoffice_odt_chart_reads_as_its_docx(office, tmp_path):
    source = _docx_with_chart(tmp_path / "chart.docx")
    odt = _partition(_converted(office, source, "odt"))
    assert _seen(odt) == [
        ("NarrativeText", "Sales grew."),
        ("FigureCaption", "Units sold"),
        ("Table", "Units\n2023 120\n2024 150"),
        ("NarrativeText", "The figures are final."),
    ]
    assert _seen(_partition(source)) == _seen(odt)
    assert odt[2].metadata["text_as_html"] == _partition(source)[2].metadata["text_as_html"]


# -- ODP: charts, notes, master pages ------------------------------------------------------------


def _odp_by_hand(path: Path) -> Path:
    styles = (
        "<office:automatic-styles>"
        '<style:page-layout style:name="PM1"><style:page-layout-properties fo:page-height="15.75cm"/>'
        "</style:page-layout></office:automatic-styles><office:master-styles>"
        '<style:master-page style:name="Brand" style:page-layout-name="PM1">'
        '<draw:frame svg:y="0.5cm"><draw:text-box><text:p>Contoso</text:p></draw:text-box></draw:frame>'
        '<draw:frame presentation:class="title" svg:y="1cm"><draw:text-box><text:p>Click to edit</text:p>'
        "</draw:text-box></draw:frame>"
        '<draw:g><draw:custom-shape svg:y="14cm"><text:p>Company</text:p><text:p>Confidential</text:p>'
        "</draw:custom-shape></draw:g>"
        '<presentation:notes><draw:frame presentation:class="notes"><draw:text-box><text:p>Master notes</text:p>'
        "</draw:text-box></draw:frame></presentation:notes></style:master-page>"
        '<style:master-page style:name="Plain" style:page-layout-name="PM1">'
        '<draw:custom-shape svg:y="15cm"><text:p>Hidden on its slide</text:p></draw:custom-shape>'
        "</style:master-page></office:master-styles>"
    )
    automatic = (
        '<style:style style:name="dp2" style:family="drawing-page">'
        '<style:drawing-page-properties presentation:background-objects-visible="false"/></style:style>'
    )

    def title(words: str) -> str:
        box = f"<draw:text-box><text:p>{words}</text:p></draw:text-box>"
        return f'<draw:frame presentation:class="title">{box}</draw:frame>'

    notes = (
        '<presentation:notes><draw:page-thumbnail presentation:class="page"/>'
        '<draw:frame presentation:class="notes"><draw:text-box><text:p>NOTESCHARLIE speaker note</text:p>'
        "<text:list><text:list-item><text:p>Mention the returns</text:p></text:list-item></text:list>"
        "</draw:text-box></draw:frame></presentation:notes>"
    )
    body = (
        "<office:presentation>"
        f'<draw:page draw:name="one" draw:master-page-name="Brand">{title("Sales")}{_FRAME}{notes}</draw:page>'
        f'<draw:page draw:name="two" draw:master-page-name="Brand">{title("Again")}</draw:page>'
        f'<draw:page draw:name="three" draw:master-page-name="Plain" draw:style-name="dp2">{title("Plain")}</draw:page>'
        "</office:presentation>"
    )
    members = {"Object 1/content.xml": _chart("Units sold", _ROWS)}
    return _package(path, body, styles=styles, automatic=automatic, members=members)


def test_odp_master_text_chart_and_notes_in_pptx_order(tmp_path):
    """Before: the master's text boxes and the chart were missing, and a one-line note was a Title."""
    elements = _partition(_odp_by_hand(tmp_path / "deck.odp"))
    assert _seen(elements, "page_number") == [
        ("Header", "Contoso", 1),  # once per deck, on the first slide showing it; placeholders left out
        ("Title", "Sales", 1),
        ("FigureCaption", "Units sold", 1),
        ("Table", "Units Returns\n2023 120 4.5\n2024 150", 1),
        ("Footer", "Company Confidential", 1),  # a shape's paragraphs joined, as PPTX joins them
        ("NarrativeText", "NOTESCHARLIE speaker note", 1),
        ("NarrativeText", "Mention the returns", 1),
        ("Title", "Again", 2),
        ("Title", "Plain", 3),  # its drawing-page style hides the master's objects
    ]
    assert [el.metadata.get("slide_notes") for el in elements[5:7]] == [True, True]
    assert elements[3].metadata["text_as_html"] == _CHART_HTML


def _deck(path: Path) -> Path:
    deck = pptx.Presentation()
    brand = (
        '<p:sp xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
        ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<p:nvSpPr><p:cNvPr id="99" name="Brand"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
        '<p:spPr><a:xfrm><a:off x="457200" y="6400800"/><a:ext cx="3657600" cy="365760"/></a:xfrm></p:spPr>'
        "<p:txBody><a:bodyPr/><a:p><a:r><a:t>Contoso Confidential</a:t></a:r></a:p></p:txBody></p:sp>"
    )
    deck.slide_master.shapes._spTree.append(etree.fromstring(brand))
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Sales"
    data = CategoryChartData()
    data.categories = ["North", "South"]
    data.add_series("Q1", (5, 7))
    data.add_series("Q2", (6, 8))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(6), Inches(4), data)
    frame.chart.has_title = True
    frame.chart.chart_title.text_frame.text = "Sales by region"
    slide.notes_slide.notes_text_frame.text = "NOTESCHARLIE speaker note"
    deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = "Next"
    buffer = io.BytesIO()
    deck.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


@needs_soffice
def test_libreoffice_odp_reads_as_its_pptx(office, tmp_path):
    source = _deck(tmp_path / "deck.pptx")
    odp = _partition(_converted(office, source, "odp"))
    assert _seen(odp, "page_number", "slide_notes") == [
        ("Title", "Sales", 1, None),
        ("FigureCaption", "Sales by region", 1, None),
        ("Table", "Q1 Q2\nNorth 5 6\nSouth 7 8", 1, None),
        ("Footer", "Contoso Confidential", 1, None),  # LibreOffice moved it onto its master page
        ("NarrativeText", "NOTESCHARLIE speaker note", 1, True),
        ("Title", "Next", 2, None),
    ]
    pptx_elements = _partition(source)
    assert _seen(pptx_elements, "page_number", "slide_notes") == _seen(odp, "page_number", "slide_notes")
    assert odp[2].metadata["text_as_html"] == pptx_elements[2].metadata["text_as_html"]
