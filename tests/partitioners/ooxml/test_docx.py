"""DOCX partitioner: documents built with python-docx, hostile packages, and the shared corpus."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches
from PIL import Image

from _parts import DOCX_CHART_RUN
from _ruby import ruby_run, with_ruby
from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.ooxml.docx import partition_docx

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "docx"
OPTIONS = PartitionOptions()


def _png() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    buf.seek(0)
    return buf


def _add_hyperlink(paragraph, url: str, text: str) -> None:
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def _numbered(paragraph, num_id: str, ilvl: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    lvl = OxmlElement("w:ilvl")
    lvl.set(qn("w:val"), str(ilvl))
    num = OxmlElement("w:numId")
    num.set(qn("w:val"), num_id)
    num_pr.extend([lvl, num])
    ppr.append(num_pr)


def _build(path: Path) -> Path:
    doc = docx.Document()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "Acme Corp header"
    section.footer.paragraphs[0].text = "Confidential footer"
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "Cover page header"

    doc.add_paragraph("Annual Report", style="Title")
    doc.add_heading("Introduction", level=1)
    body = doc.add_paragraph("This report has ")
    body.add_run("bold words").bold = True
    body.add_run(" and ")
    body.add_run("italic words").italic = True
    body.add_run(" in it.")
    doc.add_heading("Details", level=2)
    doc.add_paragraph("First bullet", style="List Bullet")
    doc.add_paragraph("Nested bullet", style="List Bullet 2")
    doc.add_paragraph("First step", style="List Number")
    step = doc.add_paragraph("Deep step")
    _numbered(step, "1", 2)
    link_para = doc.add_paragraph("See ")
    _add_hyperlink(link_para, "https://example.com/docs", "the docs")
    link_para.add_run(" for more.")

    table = doc.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c}"
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "wide"
    tall = table.cell(1, 0).merge(table.cell(2, 0))
    tall.text = "tall"

    doc.add_page_break()
    doc.add_paragraph("Text on the second page.")
    doc.add_picture(_png(), width=Inches(0.5))
    doc.inline_shapes[0]._inline.docPr.set("descr", "A red square")
    doc.add_paragraph("ALL CAPS HEADING")
    doc.add_paragraph("12345")
    doc.add_section(WD_SECTION.NEW_PAGE)
    doc.add_paragraph("Third page, new section.")
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list:
    path = _build(tmp_path_factory.mktemp("docx") / "built.docx")
    return partition_docx(path, OPTIONS)


def _by_text(elements, text):
    matches = [el for el in elements if el.text == text]
    assert matches, f"no element with text {text!r}: {[el.text for el in elements]}"
    return matches[0]


def test_headings_follow_styles_with_depths(built):
    title = _by_text(built, "Annual Report")
    assert (title.type, title.metadata["category_depth"]) == ("Title", 0)
    assert _by_text(built, "Introduction").metadata["category_depth"] == 0
    details = _by_text(built, "Details")
    assert (details.type, details.metadata["category_depth"]) == ("Title", 1)


def test_body_paragraph_is_narrative_with_emphasis(built):
    el = _by_text(built, "This report has bold words and italic words in it.")
    assert el.type == "NarrativeText"
    assert el.metadata["emphasized_text_contents"] == ["bold words", "italic words"]
    assert el.metadata["emphasized_text_tags"] == ["b", "i"]


def test_lists_from_styles_and_numbering(built):
    expected = {"First bullet": 0, "Nested bullet": 1, "First step": 0, "Deep step": 2}
    for text, depth in expected.items():
        el = _by_text(built, text)
        assert (el.type, el.metadata["category_depth"]) == ("ListItem", depth)


def test_hyperlink(built):
    el = _by_text(built, "See the docs for more.")
    assert el.metadata["link_urls"] == ["https://example.com/docs"]
    assert el.metadata["link_texts"] == ["the docs"]


def test_table_keeps_merged_cells(built):
    table = next(el for el in built if el.type == "Table")
    assert table.metadata["text_as_html"] == (
        "<table>"
        '<tr><td colspan="2">wide</td><td>r0c2</td></tr>'
        '<tr><td rowspan="2">tall</td><td>r1c1</td><td>r1c2</td></tr>'
        "<tr><td>r2c1</td><td>r2c2</td></tr>"
        "</table>"
    )
    assert table.text == "wide r0c2\ntall r1c1 r1c2\nr2c1 r2c2"


def test_page_breaks_and_new_page_sections(built):
    assert _by_text(built, "Annual Report").metadata["page_number"] == 1
    assert next(el for el in built if el.type == "Table").metadata["page_number"] == 1
    assert _by_text(built, "Text on the second page.").metadata["page_number"] == 2
    assert _by_text(built, "Third page, new section.").metadata["page_number"] == 3


def test_headers_and_footers_once_per_section(built):
    headers = [(el.text, el.metadata["header_footer_type"]) for el in built if el.type == "Header"]
    footers = [(el.text, el.metadata["header_footer_type"]) for el in built if el.type == "Footer"]
    # the second section links to the first one's definitions, so they are not repeated
    assert headers == [("Acme Corp header", "primary"), ("Cover page header", "first_page")]
    assert footers == [("Confidential footer", "primary")]
    assert built[0].type == "Header"
    footer_at = next(i for i, el in enumerate(built) if el.type == "Footer")
    assert built[footer_at + 1].text == "Third page, new section."  # the footer closes its own section


def test_image_with_alt_text(built):
    image = next(el for el in built if el.type == "Image")
    assert image.text == "A red square"
    assert image.metadata["image_mime_type"] == "image/png"
    assert image.metadata["page_number"] == 2


def test_unstyled_paragraphs_classified_by_text(built):
    caps = _by_text(built, "ALL CAPS HEADING")
    assert caps.type == "Title"
    assert caps.metadata["category_depth"] == 2  # one below the last styled heading (Details, 1)
    assert _by_text(built, "12345").type == "UncategorizedText"


def test_finalize_serialises_and_links_parents(built, tmp_path):
    doc = DocumentInfo(filename="built.docx", filetype="docx", url="file:///built.docx", record_locator={})
    elements = finalize(list(built), doc)
    dicts = elements_to_dicts(elements)
    by_text = {d["text"]: d for d in dicts}
    details = by_text["Details"]
    assert by_text["First bullet"]["metadata"]["parent_id"] == details["element_id"]
    assert by_text["Nested bullet"]["metadata"]["parent_id"] == by_text["First bullet"]["element_id"]
    assert details["metadata"]["parent_id"] == by_text["Introduction"]["element_id"]
    assert all(d["metadata"]["filename"] == "built.docx" for d in dicts)


def test_partition_file_detects_docx(tmp_path):
    path = _build(tmp_path / "report.bin")
    file_type, elements = partition_file(path)
    assert file_type.name == "docx"
    assert any(el.text == "Annual Report" for el in elements)


def test_rendered_page_breaks_win_over_hard_breaks(tmp_path):
    """Word marks every page start it laid out; counting hard breaks too would count twice."""
    doc = docx.Document()
    doc.add_paragraph("Page one.")
    doc.add_page_break()
    second = doc.add_paragraph()
    second._p.append(OxmlElement("w:r"))
    second._p[-1].append(OxmlElement("w:lastRenderedPageBreak"))
    second.add_run("Page two.")
    long_para = doc.add_paragraph("Starts on page two")
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:lastRenderedPageBreak"))
    long_para._p.append(run)
    long_para.add_run(" and flows onto page three.")
    doc.add_paragraph("Page three.")
    path = tmp_path / "rendered.docx"
    doc.save(path)
    pages = {el.text: el.metadata["page_number"] for el in partition_docx(path, OPTIONS)}
    assert pages == {
        "Page one.": 1,
        "Page two.": 2,
        "Starts on page two and flows onto page three.": 2,
        "Page three.": 3,
    }


def test_one_cell_table_is_read_as_body_text(tmp_path):
    doc = docx.Document()
    box = doc.add_table(rows=1, cols=1).cell(0, 0)
    box.paragraphs[0].text = "Boxed Heading"
    box.paragraphs[0].style = doc.styles["Heading 1"]
    box.add_paragraph("Boxed paragraph of text.")
    path = tmp_path / "box.docx"
    doc.save(path)
    elements = partition_docx(path, OPTIONS)
    assert [(el.type, el.text) for el in elements] == [
        ("Title", "Boxed Heading"),
        ("NarrativeText", "Boxed paragraph of text."),
    ]


def test_complex_field_hyperlink(tmp_path):
    doc = docx.Document()
    para = doc.add_paragraph("Visit ")
    for kind, instr, text in (
        ("begin", None, None),
        (None, ' HYPERLINK "https://field.example/" ', None),
        ("separate", None, None),
        (None, None, "our site"),
        ("end", None, None),
    ):
        run = OxmlElement("w:r")
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run.append(fld)
        elif instr:
            el = OxmlElement("w:instrText")
            el.text = instr
            run.append(el)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run.append(t)
        para._p.append(run)
    path = tmp_path / "field.docx"
    doc.save(path)
    (el,) = partition_docx(path, OPTIONS)
    assert el.text == "Visit our site"
    assert el.metadata["link_urls"] == ["https://field.example/"]
    assert el.metadata["link_texts"] == ["our site"]


# -- hostile input -------------------------------------------------------------------------------


def _rewrite_member(src: Path, dst: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info.filename))
    return dst


def test_not_a_zip_is_a_document_error(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_bytes(b"this is plain text pretending to be a Word file")
    with pytest.raises(DocumentError, match="damaged DOCX file"):
        partition_docx(path, OPTIONS)


def test_zip_without_word_document_is_a_document_error(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(DocumentError) as err:
        partition_docx(path, OPTIONS)
    assert "\n" not in str(err.value)


def test_size_limit_is_checked_before_opening(tmp_path):
    path = _build(tmp_path / "big.docx")
    with pytest.raises(DocumentError, match="expands to"):
        partition_docx(path, PartitionOptions(max_uncompressed_bytes=10_000))


def test_zip_bomb_ratio(tmp_path):
    src = _build(tmp_path / "src.docx")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        with zout.open("word/media/padding.bin", "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(40):
                member.write(zeros)
    with pytest.raises(DocumentError, match="zip bomb"):
        partition_docx(bomb, OPTIONS)


_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
    + b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    + b"<w:p><w:r><w:t>before &lol9; after</w:t></w:r></w:p>"
    + b"<w:p><w:r><w:t>Plain text.</w:t></w:r></w:p></w:body></w:document>"
)
_XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY word "EXPANDED">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    b"<w:p><w:r><w:t>secret: &xxe; &word;</w:t></w:r></w:p>"
    b"<w:p><w:r><w:t>Plain text.</w:t></w:r></w:p></w:body></w:document>"
)


def _hostile(tmp_path: Path, document_xml: bytes) -> Path:
    doc = docx.Document()
    doc.add_paragraph("placeholder")
    src = tmp_path / "src.docx"
    doc.save(src)
    return _rewrite_member(src, tmp_path / "hostile.docx", "word/document.xml", document_xml)


def test_billion_laughs_is_refused_or_left_unexpanded(tmp_path):
    try:
        elements = partition_docx(_hostile(tmp_path, _LAUGHS), OPTIONS)
    except DocumentError as e:
        assert "\n" not in str(e)  # libxml2 refuses the amplification: a clean one-line failure
        return
    text = " ".join(el.text for el in elements)
    assert "lollol" not in text
    assert "Plain text." in text


def test_external_and_internal_entities_are_not_resolved(tmp_path):
    elements = partition_docx(_hostile(tmp_path, _XXE), OPTIONS)
    text = " ".join(el.text for el in elements)
    assert "root:" not in text
    assert "EXPANDED" not in text
    assert "secret:" in text
    assert "Plain text." in text


# -- shared corpus ------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_page_breaks_follow_word_layout():
    elements = partition_docx(CORPUS / "page-breaks.docx", OPTIONS)
    # a continuous section stays on its page; an odd-page section skips the blank page 4
    assert [el.metadata["page_number"] for el in elements] == [1, 2, 3, 3, 3, 5, 5]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_vertical_merge_continuation_text_is_dropped():
    elements = partition_docx(CORPUS / "docx-hdrftr.docx", OPTIONS)
    footer = next(el for el in elements if el.type == "Footer")
    assert "I should not be included" not in footer.text


def test_hidden_runs_toc_entries_and_quotes(tmp_path):
    from docx.enum.style import WD_STYLE_TYPE

    doc = docx.Document()
    para = doc.add_paragraph("Visible ")
    para.add_run("secret ").font.hidden = True
    para.add_run("text.")
    doc.styles.add_style("toc 2", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("Chapter One\t3", style="toc 2")
    doc.add_paragraph("SHORT QUOTE", style="Quote")
    path = tmp_path / "misc.docx"
    doc.save(path)
    elements = partition_docx(path, OPTIONS)
    assert [(el.type, el.text, el.metadata.get("category_depth")) for el in elements] == [
        ("NarrativeText", "Visible text.", None),
        ("ListItem", "Chapter One 3", 1),
        ("NarrativeText", "SHORT QUOTE", None),
    ]


def test_macro_enabled_document_is_read(tmp_path):
    src = _build(tmp_path / "src.docx")
    with zipfile.ZipFile(src) as zf:
        types = zf.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml",
        )
    docm = _rewrite_member(src, tmp_path / "macro.docm", "[Content_Types].xml", types)
    assert any(el.text == "Annual Report" for el in partition_docx(docm, OPTIONS))


def test_presentation_named_docx_is_a_document_error(tmp_path):
    import pptx

    path = tmp_path / "slides.docx"
    pptx.Presentation().save(path)
    with pytest.raises(DocumentError, match=r"DOCX|Word"):
        partition_docx(path, OPTIONS)


def test_table_rendered_breaks_count_once_per_row(tmp_path):
    """Word marks the page start in every cell of the row that begins the page."""
    doc = docx.Document()
    doc.add_paragraph("Before the table.")
    table = doc.add_table(rows=3, cols=2)
    for r in range(3):
        for c in range(2):
            cell = table.cell(r, c)
            if r in (0, 2):  # the table starts page 2, its last row starts page 3
                run = OxmlElement("w:r")
                run.append(OxmlElement("w:lastRenderedPageBreak"))
                cell.paragraphs[0]._p.append(run)
            cell.paragraphs[0].add_run(f"r{r}c{c}")
    doc.add_paragraph("After the table.")
    path = tmp_path / "table-pages.docx"
    doc.save(path)
    pages = [(el.type, el.metadata["page_number"]) for el in partition_docx(path, OPTIONS)]
    assert pages == [("NarrativeText", 1), ("Table", 2), ("NarrativeText", 3)]


def test_schema_breaking_section_property_is_a_document_error(tmp_path):
    src = _build(tmp_path / "src.docx")
    with zipfile.ZipFile(src) as zf:
        xml = zf.read("word/document.xml").replace(b"<w:titlePg/>", b'<w:titlePg w:val="maybe"/>')
    damaged = _rewrite_member(src, tmp_path / "damaged.docx", "word/document.xml", xml)
    with pytest.raises(DocumentError, match="damaged DOCX") as err:
        partition_docx(damaged, OPTIONS)
    assert "\n" not in str(err.value)


def test_contact_lines_are_typed(tmp_path):
    doc = docx.Document()
    doc.add_paragraph("jane.doe@example.com")
    doc.add_paragraph("DOYLESTOWN, PA 18901")
    doc.add_paragraph("Write to jane.doe@example.com for details.")
    path = tmp_path / "contact.docx"
    doc.save(path)
    assert [el.type for el in partition_docx(path, OPTIONS)] == ["EmailAddress", "Address", "NarrativeText"]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_vertical_merge_spans_a_row_missing_its_cell():
    (table,) = partition_docx(CORPUS / "grid_offset_error.docx", OPTIONS)
    assert table.metadata["text_as_html"] == (
        '<table><tr><td>A</td><td rowspan="3">Merged B1-B3</td></tr><tr><td></td></tr><tr><td>C</td></tr></table>'
    )


def test_golden_output():
    """report.docx is ``_build``'s document, saved once; its .json is the reviewed output.

    After an intended change of output, rewrite the .json from ``partition_docx`` and review the diff.
    """
    import json

    elements = partition_docx(FIXTURES / "report.docx", OPTIONS)
    produced = [{"type": el.type, "text": el.text, "metadata": el.metadata} for el in elements]
    assert produced == json.loads((FIXTURES / "report.docx.json").read_text(encoding="utf-8"))


def test_content_control_prompt_text_is_skipped(tmp_path):
    doc = docx.Document()
    for text, prompt in (("Filled in value.", False), ("Click or tap here to enter text.", True)):
        sdt = OxmlElement("w:sdt")
        props = OxmlElement("w:sdtPr")
        if prompt:
            props.append(OxmlElement("w:showingPlcHdr"))
        content = OxmlElement("w:sdtContent")
        para = OxmlElement("w:p")
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = text
        run.append(t)
        para.append(run)
        content.append(para)
        sdt.extend([props, content])
        doc.element.body.insert(0, sdt)
    path = tmp_path / "form.docx"
    doc.save(path)
    assert [el.text for el in partition_docx(path, OPTIONS)] == ["Filled in value."]


def _chart_xml() -> bytes:
    """A chart part as Office writes it, made by python-pptx (python-docx cannot make charts)."""
    import pptx
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE

    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    data = CategoryChartData()
    data.categories = ["2023", "2024"]
    data.add_series("Units", (120, 150))
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, 0, 0, 100, 100, data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "Units sold"
    return chart.part.blob


def test_chart_becomes_caption_and_data_table(tmp_path):
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    doc = docx.Document()
    para = doc.add_paragraph("Sales grew.")
    chart_type = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    part = Part(PackURI("/word/charts/chart1.xml"), chart_type, _chart_xml(), doc.part.package)
    rid = doc.part.relate_to(part, RT.CHART)
    para._p.append(etree.fromstring(DOCX_CHART_RUN.replace("{rid}", rid)))
    path = tmp_path / "chart.docx"
    doc.save(path)
    text, caption, table = partition_docx(path, OPTIONS)
    assert (text.text, caption.type, caption.text) == ("Sales grew.", "FigureCaption", "Units sold")
    assert table.metadata["text_as_html"] == (
        "<table><tr><th></th><th>Units</th></tr><tr><td>2023</td><td>120</td></tr><tr><td>2024</td><td>150</td></tr></table>"
    )


def test_header_reference_without_relationship_id_is_a_document_error(tmp_path):
    src = _build(tmp_path / "src.docx")
    with zipfile.ZipFile(src) as zf:
        xml = zf.read("word/document.xml")
    broken = xml.replace(b'<w:footerReference w:type="default" r:id=', b'<w:footerReference w:type="default" x:id=', 1)
    broken = broken.replace(b"<w:document ", b'<w:document xmlns:x="urn:x" ', 1)
    assert broken != xml
    damaged = _rewrite_member(src, tmp_path / "damaged.docx", "word/document.xml", broken)
    with pytest.raises(DocumentError, match="damaged DOCX"):
        partition_docx(damaged, OPTIONS)


def test_chart_declaring_billions_of_points_keeps_only_its_title():
    """python-pptx loops over every declared point: the count is checked before it does."""
    import re

    from docbatch.partitioners.ooxml.ooxml import chart_from_xml

    blob = re.sub(rb'<c:ptCount val="\d+"/>', b'<c:ptCount val="99999999999"/>', _chart_xml())
    assert [(el.type, el.text) for el in chart_from_xml(blob)] == [("FigureCaption", "Units sold")]


def test_zip_bomb_member_hidden_among_incompressible_ones(tmp_path):
    import os

    src = _build(tmp_path / "src.docx")
    bomb = tmp_path / "hidden-bomb.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        zout.writestr("word/media/noise.bin", os.urandom(4 * 1024 * 1024))  # keeps the package's ratio low
        with zout.open("word/media/padding.bin", "w") as member:
            for _ in range(40):
                member.write(bytes(1024 * 1024))
    with pytest.raises(DocumentError, match="zip bomb"):
        partition_docx(bomb, OPTIONS)


def test_smartart_nodes_become_list_items(tmp_path):
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    doc = docx.Document()
    para = doc.add_paragraph("Our process:")
    data_type = "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml"
    diagram = (FIXTURES.parent / "pptx" / "diagram-data.xml").read_bytes()  # SmartArt is the same in Word
    part = Part(PackURI("/word/diagrams/data1.xml"), data_type, diagram, doc.part.package)
    rid = doc.part.relate_to(part, RT.DIAGRAM_DATA)
    drawing = DOCX_CHART_RUN.replace(
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart r:id="{rid}"/>',
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">'
        f'<dgm:relIds xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="{rid}"/>',
    )
    para._p.append(etree.fromstring(drawing))
    path = tmp_path / "smartart.docx"
    doc.save(path)
    produced = [(el.type, el.text, el.metadata.get("category_depth")) for el in partition_docx(path, OPTIONS)]
    assert produced == [
        ("NarrativeText", "Our process:", None),
        ("ListItem", "Plan", 0),
        ("ListItem", "Write the spec", 1),
        ("ListItem", "Build", 0),
    ]


@pytest.mark.parametrize(
    ("member", "lost"),
    [
        ("word/media/image1.png", "part word/media/image1.png: missing from the package"),
        ("word/header1.xml", "part word/header1.xml: missing from the package"),
    ],
)
def test_package_missing_a_part_keeps_the_rest(tmp_path, member, lost):
    """Word opens a document whose picture or header part is missing; so do we, naming the part."""
    from docbatch.partitioners.kit.notes import collecting

    src = FIXTURES / "report.docx"
    dst = tmp_path / "incomplete.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info))
    whole = [el.text for el in partition_docx(src, OPTIONS)]
    with collecting() as notes:
        kept = [el.text for el in partition_docx(dst, OPTIONS)]
    assert notes.lost == [lost]
    assert set(kept) <= set(whole) and len(kept) >= len(whole) - 2


# -- the lazy package reader: what opening decides, read as python-docx's loader decided it -------


def _drop_member(src: Path, dst: Path, member: str) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info))
    return dst


def _partition_noting(path: Path) -> tuple[list, list[str]]:
    from docbatch.partitioners.kit.notes import collecting

    with collecting() as notes:
        elements = partition_docx(path, OPTIONS)
    return elements, notes.lost


def test_missing_part_nothing_reads_is_still_named(tmp_path):
    """A part Word would look for (the theme) is named as lost even though no text comes from it."""
    src = FIXTURES / "report.docx"
    whole = [(el.type, el.text) for el in partition_docx(src, OPTIONS)]
    elements, lost = _partition_noting(_drop_member(src, tmp_path / "no-theme.docx", "word/theme/theme1.xml"))
    assert lost == ["part word/theme/theme1.xml: missing from the package"]
    assert [(el.type, el.text) for el in elements] == whole


def test_damaged_numbering_part_is_named_and_the_rest_read(tmp_path):
    src = FIXTURES / "report.docx"
    with zipfile.ZipFile(src) as zf:
        numbering = zf.read("word/numbering.xml")
    damaged = _rewrite_member(src, tmp_path / "numbering.docx", "word/numbering.xml", numbering[:200])
    elements, lost = _partition_noting(damaged)
    assert lost == ["part word/numbering.xml: malformed XML"]
    assert any(el.text == "Annual Report" and el.type == "Title" for el in elements)


def test_damaged_core_properties_are_a_damaged_file(tmp_path):
    damaged = _rewrite_member(FIXTURES / "report.docx", tmp_path / "core.docx", "docProps/core.xml", b"<cp:core")
    with pytest.raises(DocumentError, match=r"^damaged DOCX file \(malformed XML\)$"):
        partition_docx(damaged, OPTIONS)


def test_missing_document_part_is_a_damaged_file(tmp_path):
    incomplete = _drop_member(FIXTURES / "report.docx", tmp_path / "body.docx", "word/document.xml")
    with pytest.raises(DocumentError, match=r"^damaged DOCX file \(a part it refers to is missing\)$"):
        partition_docx(incomplete, OPTIONS)


def test_document_without_styles_part_is_read_unstyled(tmp_path):
    """Word opens a document without a styles part; its headings are then plain paragraphs."""
    src = _build(tmp_path / "src.docx")
    with zipfile.ZipFile(src) as zf:
        rels = zf.read("word/_rels/document.xml.rels")
    unstyled = re.sub(rb'<Relationship [^>]*relationships/styles"[^>]*/>', b"", rels)
    assert unstyled != rels
    path = _rewrite_member(src, tmp_path / "unstyled.docx", "word/_rels/document.xml.rels", unstyled)
    elements, lost = _partition_noting(path)
    assert lost == []
    assert [el.text for el in elements] == [el.text for el in partition_docx(src, OPTIONS)]
    assert _by_text(elements, "Introduction").type == "NarrativeText"


def test_template_and_macro_variants_read_like_the_document(tmp_path):
    src = FIXTURES / "report.docx"
    with zipfile.ZipFile(src) as zf:
        types = zf.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    whole = [(el.type, el.text) for el in partition_docx(src, OPTIONS)]
    for ext, content_type in {
        "dotx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
        "dotm": b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    }.items():
        variant = _rewrite_member(src, tmp_path / f"r.{ext}", "[Content_Types].xml", types.replace(main, content_type))
        assert [(el.type, el.text) for el in partition_docx(variant, OPTIONS)] == whole


def test_styles_shared_by_documents_are_read_per_content(tmp_path):
    """Styles are cached by content: a document whose styles differ is read with its own."""
    src = _build(tmp_path / "src.docx")
    first = [(el.type, el.text) for el in partition_docx(src, OPTIONS)]
    assert [(el.type, el.text) for el in partition_docx(src, OPTIONS)] == first
    with zipfile.ZipFile(src) as zf:
        styles = zf.read("word/styles.xml")
    renamed = styles.replace(b'w:name w:val="heading 1"', b'w:name w:val="list bullet"')
    assert renamed != styles
    path = _rewrite_member(src, tmp_path / "renamed.docx", "word/styles.xml", renamed)
    assert _by_text(partition_docx(path, OPTIONS), "Introduction").type == "ListItem"
    assert _by_text(partition_docx(src, OPTIONS), "Introduction").type == "Title"


def test_section_start_outside_the_schema_is_a_damaged_file(tmp_path):
    src = _build(tmp_path / "src.docx")
    with zipfile.ZipFile(src) as zf:
        xml = zf.read("word/document.xml")
    broken = re.sub(rb"<w:sectPr([^>]*)>", rb'<w:sectPr\1><w:type w:val="sideways"/>', xml, count=2)
    assert broken != xml
    damaged = _rewrite_member(src, tmp_path / "start.docx", "word/document.xml", broken)
    with pytest.raises(DocumentError, match=r"^damaged DOCX file \(an invalid value in its structure\)$"):
        partition_docx(damaged, OPTIONS)


def test_opening_imports_neither_python_docx_nor_python_pptx(tmp_path):
    """The package is read with zipfile and lxml: a worker reading Word files imports neither library."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from docbatch.partitioners.kit.base import PartitionOptions\n"
        "from docbatch.partitioners.ooxml.docx import partition_docx\n"
        f"assert partition_docx(Path({str(FIXTURES / 'report.docx')!r}), PartitionOptions())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('docx', 'pptx')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ruby_reads_its_base_text_in_place_without_the_reading(tmp_path):
    """Word's phonetic guide: 東京 is the text, とうきょう the reading set above it. The base is
    part of the sentence where it stands (it used to be dropped); the reading is left out, as
    Word's plain-text export and Tika do."""
    doc = docx.Document()
    doc.sections[0].header.paragraphs[0].text = "Header "
    doc.sections[0].header.paragraphs[0]._p.append(ruby_run("東京", "とうきょう"))
    with_ruby(doc.add_paragraph(), "首都は", "です。")
    with_ruby(doc.add_paragraph(), "The capital is ", " in bold.", base_rpr="<w:rPr><w:b/></w:rPr>")
    linked = doc.add_paragraph("Visit ")
    _add_hyperlink(linked, "https://example.com/tokyo", "")
    linked._p[-1].append(ruby_run("東京", "とうきょう"))  # the ruby run inside the w:hyperlink
    linked.add_run(" today.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(1, 1).text = "City", "Note", "capital"
    with_ruby(table.cell(1, 0).paragraphs[0], "", "都")
    commented = doc.add_paragraph("A comment is attached here.")
    comment = doc.add_comment(commented.runs, text="", author="Reviewer")
    with_ruby(comment.paragraphs[0], "See ", ".")
    path = tmp_path / "ruby.docx"
    doc.save(path)

    elements = partition_docx(path, OPTIONS)
    texts = [el.text for el in elements]
    assert "首都は東京です。" in texts
    assert "Header 東京" in texts
    assert "See 東京." in texts  # the comment
    bold = _by_text(elements, "The capital is 東京 in bold.")
    assert bold.metadata["emphasized_text_contents"] == ["東京"]
    link = _by_text(elements, "Visit 東京 today.")
    assert link.metadata["link_texts"] == ["東京"]
    table_el = next(el for el in elements if el.type == "Table")
    assert "<td>東京都</td>" in table_el.metadata["text_as_html"]
    dumped = repr([(el.text, el.metadata) for el in elements])
    assert "とうきょう" not in dumped  # nowhere: not in text, link texts, emphasis or table HTML
