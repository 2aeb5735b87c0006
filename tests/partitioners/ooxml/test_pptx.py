"""PPTX partitioner: decks built with python-pptx, hostile packages, and the shared corpus."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pptx
import pytest
from PIL import Image
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches, Pt

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting
from docbatch.partitioners.ooxml.pptx import partition_pptx

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pptx"
OPTIONS = PartitionOptions()

TITLE_SLIDE, TITLE_AND_CONTENT, TITLE_ONLY = 0, 1, 5


def _png() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(buf, format="PNG")
    buf.seek(0)
    return buf


def _textbox(shapes, text: str, left: float, top: float, *, bold: bool = False):
    box = shapes.add_textbox(Inches(left), Inches(top), Inches(2), Inches(0.5))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = text
    if bold:
        run.font.bold = True
    return box


def _build(path: Path) -> Path:
    prs = pptx.Presentation()

    cover = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
    cover.shapes.title.text = "Quarterly Review"
    cover.placeholders[1].text = "Results and outlook"

    bullets = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])
    bullets.shapes.title.text = "Highlights"
    frame = bullets.placeholders[1].text_frame
    frame.text = "Revenue grew"
    for text, level in (("In every region", 1), ("Mostly in the north", 2), ("Costs fell", 0)):
        paragraph = frame.add_paragraph()
        paragraph.text = text
        paragraph.level = level
    linked = frame.add_paragraph()
    run = linked.add_run()
    run.text = "Details online"
    run.hyperlink.address = "https://example.com/q3"
    bullets.notes_slide.notes_text_frame.text = "Speak slowly here."

    layout = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    layout.shapes.title.text = "Layout"
    # added bottom first: reading order must still put the upper box first
    _textbox(layout.shapes, "Lower box text.", 1, 5)
    _textbox(layout.shapes, "Upper box text.", 1, 2)
    _textbox(layout.shapes, "Bold Label", 5, 2.5, bold=True)
    group = layout.shapes.add_group_shape()
    _textbox(group.shapes, "Grouped second.", 1, 4)
    _textbox(group.shapes, "Grouped first.", 1, 3)
    layout.shapes.add_picture(_png(), Inches(6), Inches(6), Inches(1), Inches(1))
    layout.shapes[-1]._element.nvPicPr.cNvPr.set("descr", "A blue square")

    tables = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    tables.shapes.title.text = "Numbers"
    table = tables.shapes.add_table(3, 3, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(0, 0).text_frame.paragraphs[0].runs[0].font.size = Pt(20)
    prs.save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list:
    return partition_pptx(_build(tmp_path_factory.mktemp("pptx") / "deck.pptx"), OPTIONS)


def _page(elements, number: int) -> list[tuple[str, str]]:
    return [(el.type, el.text) for el in elements if el.metadata["page_number"] == number]


def test_title_slide(built):
    assert _page(built, 1) == [("Title", "Quarterly Review"), ("Title", "Results and outlook")]
    assert [el.metadata["category_depth"] for el in built[:2]] == [0, 1]


def test_bullets_with_levels_then_notes(built):
    assert _page(built, 2) == [
        ("Title", "Highlights"),
        ("ListItem", "Revenue grew"),
        ("ListItem", "In every region"),
        ("ListItem", "Mostly in the north"),
        ("ListItem", "Costs fell"),
        ("ListItem", "Details online"),
        ("NarrativeText", "Speak slowly here."),
    ]
    depths = [el.metadata.get("category_depth") for el in built if el.metadata["page_number"] == 2]
    assert depths == [0, 0, 1, 2, 0, 0, None]
    notes = [el.metadata.get("slide_notes") for el in built if el.metadata["page_number"] == 2]
    assert notes == [None] * 6 + [True]  # only the speaker notes carry the mark


def test_hyperlink(built):
    el = next(el for el in built if el.text == "Details online")
    assert el.metadata["link_urls"] == ["https://example.com/q3"]
    assert el.metadata["link_texts"] == ["Details online"]


def test_reading_order_groups_and_pictures(built):
    assert _page(built, 3) == [
        ("Title", "Layout"),
        ("NarrativeText", "Upper box text."),
        ("Title", "Bold Label"),
        ("NarrativeText", "Grouped first."),
        ("NarrativeText", "Grouped second."),
        ("NarrativeText", "Lower box text."),
        ("Image", "A blue square"),
    ]
    image = next(el for el in built if el.type == "Image")
    assert image.metadata["image_mime_type"] == "image/png"
    label = next(el for el in built if el.text == "Bold Label")
    assert label.metadata["category_depth"] == 1
    assert label.metadata["emphasized_text_tags"] == ["b"]


def test_table_keeps_merged_cells(built):
    table = next(el for el in built if el.type == "Table")
    assert table.metadata["page_number"] == 4
    assert table.metadata["text_as_html"] == (
        "<table>"
        '<tr><th colspan="2">r0c0 r0c1</th><th>r0c2</th></tr>'
        '<tr><td rowspan="2">r1c0 r2c0</td><td>r1c1</td><td>r1c2</td></tr>'
        "<tr><td>r2c1</td><td>r2c2</td></tr>"
        "</table>"
    )
    # python-pptx moves the text of merged cells into the merge origin, one paragraph each
    assert table.text == "r0c0 r0c1 r0c2\nr1c0 r2c0 r1c1 r1c2\nr2c1 r2c2"


def test_finalize_serialises_and_links_parents(built):
    doc = DocumentInfo(filename="deck.pptx", filetype="pptx", url="file:///deck.pptx", record_locator={})
    dicts = elements_to_dicts(finalize(list(built), doc))
    by_text = {d["text"]: d for d in dicts}
    assert by_text["Revenue grew"]["metadata"]["parent_id"] == by_text["Highlights"]["element_id"]
    assert by_text["In every region"]["metadata"]["parent_id"] == by_text["Revenue grew"]["element_id"]
    assert "parent_id" not in by_text["Layout"]["metadata"]


def test_not_a_zip_is_a_document_error(tmp_path):
    path = tmp_path / "fake.pptx"
    path.write_bytes(b"\x00\x01 not a presentation at all")
    with pytest.raises(DocumentError, match="damaged PPTX file"):
        partition_pptx(path, OPTIONS)


def test_zip_without_presentation_is_a_document_error(tmp_path):
    path = tmp_path / "other.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(DocumentError) as err:
        partition_pptx(path, OPTIONS)
    assert "\n" not in str(err.value)


def test_size_limit_is_checked_before_opening(tmp_path):
    path = _build(tmp_path / "deck.pptx")
    with pytest.raises(DocumentError, match="expands to"):
        partition_pptx(path, PartitionOptions(max_uncompressed_bytes=10_000))


# -- shared corpus ------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_nested_groups_read_in_slide_order():
    elements = partition_pptx(CORPUS / "group-shapes-nested.pptx", OPTIONS)
    assert [el.text for el in elements] == list("ABCDEFGHIJ")


def test_slide_show_package_is_read(tmp_path):
    src = _build(tmp_path / "deck.pptx")
    show = tmp_path / "deck.ppsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(show, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"presentation.main+xml", b"slideshow.main+xml")
            zout.writestr(info.filename, data)
    assert partition_pptx(show, OPTIONS)[0].text == "Quarterly Review"


def test_word_document_named_pptx_is_a_document_error(tmp_path):
    import docx

    path = tmp_path / "doc.pptx"
    docx.Document().save(path)
    with pytest.raises(DocumentError, match=r"PPTX|PowerPoint"):
        partition_pptx(path, OPTIONS)


def _replace_member(src: Path, dst: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info.filename))
    return dst


def test_damaged_slide_is_lost_alone(tmp_path):
    src = _build(tmp_path / "deck.pptx")
    empty = b'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'
    damaged = _replace_member(src, tmp_path / "damaged.pptx", "ppt/slides/slide2.xml", empty)
    with collecting() as notes:
        elements = partition_pptx(damaged, OPTIONS)
    assert [n.split(":")[0] for n in notes.lost] == ["slide 2"]
    assert {el.metadata["page_number"] for el in elements} == {1, 3, 4}


def test_damaged_notes_do_not_lose_the_slides(tmp_path):
    src = _build(tmp_path / "deck.pptx")
    damaged = _replace_member(src, tmp_path / "notes.pptx", "ppt/notesSlides/notesSlide1.xml", b"<other/>")
    texts = [el.text for el in partition_pptx(damaged, OPTIONS)]
    assert "Highlights" in texts
    assert "Speak slowly here." not in texts


def test_golden_output():
    """deck.pptx is ``_build``'s deck, saved once; its .json is the reviewed output.

    After an intended change of output, rewrite the .json from ``partition_pptx`` and review the diff.
    """
    import json

    elements = partition_pptx(FIXTURES / "deck.pptx", OPTIONS)
    produced = [{"type": el.type, "text": el.text, "metadata": el.metadata} for el in elements]
    assert produced == json.loads((FIXTURES / "deck.pptx.json").read_text(encoding="utf-8"))


def test_chart_becomes_caption_and_data_table(tmp_path):
    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = "Sales"
    data = CategoryChartData()
    data.categories = ["Q1", "Q2", "Q3"]
    data.add_series("North", (10.0, 12.5, None))
    data.add_series("South", (7, 8, 9))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(6), Inches(4), data)
    frame.chart.has_title = True
    frame.chart.chart_title.text_frame.text = "Revenue by quarter"
    path = tmp_path / "chart.pptx"
    prs.save(path)
    title, caption, table = partition_pptx(path, OPTIONS)
    assert (title.type, caption.type, caption.text) == ("Title", "FigureCaption", "Revenue by quarter")
    assert table.metadata["text_as_html"] == (
        "<table><tr><th></th><th>North</th><th>South</th></tr>"
        "<tr><td>Q1</td><td>10</td><td>7</td></tr>"
        "<tr><td>Q2</td><td>12.5</td><td>8</td></tr>"
        "<tr><td>Q3</td><td></td><td>9</td></tr></table>"
    )


_DIAGRAM_FRAME = """<p:graphicFrame xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"
    xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
    xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <p:nvGraphicFramePr><p:cNvPr id="20" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>
  <p:xfrm><a:off x="914400" y="1828800"/><a:ext cx="5486400" cy="3200400"/></p:xfrm>
  <a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">
    <dgm:relIds xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="{rid}"/>
  </a:graphicData></a:graphic>
</p:graphicFrame>"""


def test_smartart_nodes_become_list_items(tmp_path):
    from lxml import etree
    from pptx.opc.constants import CONTENT_TYPE as CT
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI

    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = "Process"
    data = (FIXTURES / "diagram-data.xml").read_bytes()
    part = Part(PackURI("/ppt/diagrams/data1.xml"), CT.DML_DIAGRAM_DATA, slide.part.package, data)
    rid = slide.part.relate_to(part, RT.DIAGRAM_DATA)
    slide.shapes._spTree.append(etree.fromstring(_DIAGRAM_FRAME.format(rid=rid)))
    path = tmp_path / "smartart.pptx"
    prs.save(path)
    produced = [(el.type, el.text, el.metadata.get("category_depth")) for el in partition_pptx(path, OPTIONS)]
    assert produced == [
        ("Title", "Process", 0),
        ("ListItem", "Plan", 0),
        ("ListItem", "Write the spec", 1),
        ("ListItem", "Build", 0),
    ]


# -- the lazy reader: each part read on its own, so one damaged part costs only itself -----------


def _with_content_type(src: Path, dst: Path, main_type: bytes) -> Path:
    pptx_main = b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
    data = zipfile.ZipFile(src).read("[Content_Types].xml").replace(pptx_main, main_type)
    return _replace_member(src, dst, "[Content_Types].xml", data)


@pytest.mark.parametrize(
    ("name", "main_type"),
    [
        ("deck.potx", b"application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"),
        ("deck.pptm", b"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"),
        ("deck.ppsm", b"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml"),
        ("deck.potm", b"application/vnd.ms-powerpoint.template.macroEnabled.main+xml"),
    ],
)
def test_templates_and_macro_variants_read_like_the_deck(tmp_path, name, main_type):
    variant = _with_content_type(FIXTURES / "deck.pptx", tmp_path / name, main_type)
    produced = [(el.type, el.text) for el in partition_pptx(variant, OPTIONS)]
    assert produced == [(el.type, el.text) for el in partition_pptx(FIXTURES / "deck.pptx", OPTIONS)]


@pytest.mark.parametrize(
    ("member", "data", "reason"),
    [
        ("ppt/slides/slide2.xml", b"<p:sld", "slide 2: malformed XML"),
        ("ppt/slides/slide2.xml", None, "slide 2: a part it refers to is missing"),
    ],
)
def test_a_malformed_or_missing_slide_is_lost_alone(tmp_path, member, data, reason):
    src = FIXTURES / "deck.pptx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / "deck.pptx", "w") as zout:
        for info in zin.infolist():
            if info.filename != member or data is not None:
                zout.writestr(info.filename, data if info.filename == member else zin.read(info.filename))
    with collecting() as notes:
        elements = partition_pptx(tmp_path / "deck.pptx", OPTIONS)
    assert notes.lost == [reason]
    assert {el.metadata["page_number"] for el in elements} == {1, 3, 4}  # the others keep their numbers


def test_a_slide_that_does_not_inflate_is_lost_alone(tmp_path):
    src = FIXTURES / "deck.pptx"
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("ppt/slides/slide3.xml")
    data = bytearray(src.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 64)):
        data[i] ^= 0x5A
    (tmp_path / "deck.pptx").write_bytes(bytes(data))
    with collecting() as notes:
        elements = partition_pptx(tmp_path / "deck.pptx", OPTIONS)
    assert [n.split(":")[0] for n in notes.lost] == ["slide 3"]
    assert {el.metadata["page_number"] for el in elements} == {1, 2, 4}


def test_malformed_notes_are_named_and_the_slide_still_reads(tmp_path):
    damaged = _replace_member(FIXTURES / "deck.pptx", tmp_path / "notes.pptx", "ppt/notesSlides/notesSlide1.xml", b"<p")
    with collecting() as notes:
        texts = [el.text for el in partition_pptx(damaged, OPTIONS)]
    assert notes.lost == ["part ppt/notesSlides/notesSlide1.xml: malformed XML"]
    assert "Highlights" in texts
    assert "Speak slowly here." not in texts


def test_a_malformed_layout_is_named_once_and_its_slides_still_read(tmp_path):
    # slides 3 and 4 both use the "Title Only" layout
    damaged = _replace_member(
        FIXTURES / "deck.pptx", tmp_path / "layout.pptx", "ppt/slideLayouts/slideLayout6.xml", b"<x"
    )
    with collecting() as notes:
        elements = partition_pptx(damaged, OPTIONS)
    assert notes.lost == ["part ppt/slideLayouts/slideLayout6.xml: malformed XML"]
    assert {el.metadata["page_number"] for el in elements} == {1, 2, 3, 4}
    assert ("Title", "Numbers") in _page(elements, 4)


def test_parts_no_slide_needs_are_never_read(tmp_path):
    damaged = _replace_member(FIXTURES / "deck.pptx", tmp_path / "core.pptx", "docProps/core.xml", b"<x")
    damaged = _replace_member(damaged, tmp_path / "layout.pptx", "ppt/slideLayouts/slideLayout11.xml", b"<x")
    with collecting() as notes:
        elements = partition_pptx(damaged, OPTIONS)
    assert notes.lost == []
    assert len(elements) == len(partition_pptx(FIXTURES / "deck.pptx", OPTIONS))


def test_slides_come_in_the_order_the_presentation_lists_them(tmp_path):
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(FIXTURES / "deck.pptx").read("ppt/presentation.xml"))
    ids = root.find("{http://schemas.openxmlformats.org/presentationml/2006/main}sldIdLst")
    ids[:] = list(reversed(ids))
    path = _replace_member(
        FIXTURES / "deck.pptx", tmp_path / "reversed.pptx", "ppt/presentation.xml", etree.tostring(root)
    )
    elements = partition_pptx(path, OPTIONS)
    titles = [el.text for el in elements if el.type == "Title" and el.metadata["category_depth"] == 0]
    assert titles == ["Numbers", "Layout", "Highlights", "Quarterly Review"]
    assert [el.metadata["page_number"] for el in elements if el.text in titles] == [1, 2, 3, 4]


def test_a_picture_of_unknown_bytes_is_an_image_without_a_type(tmp_path):
    src = _build(tmp_path / "deck.pptx")
    damaged = _replace_member(src, tmp_path / "picture.pptx", "ppt/media/image1.png", b"not an image")
    image = next(el for el in partition_pptx(damaged, OPTIONS) if el.type == "Image")
    assert image.text == "A blue square"
    assert "image_mime_type" not in image.metadata


def test_a_deck_without_charts_never_imports_python_pptx():
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from docbatch.partitioners.kit.base import PartitionOptions; "
        "from docbatch.partitioners.ooxml.pptx import partition_pptx; "
        f"els = partition_pptx(Path({str(FIXTURES / 'deck.pptx')!r}), PartitionOptions()); "
        "print(len(els), 'pptx' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == [str(len(partition_pptx(FIXTURES / "deck.pptx", OPTIONS))), "False"]


def _master_part(blob: bytes) -> Any:
    """The master part of a one-member package holding ``blob``, as a deck's reader gets it."""
    from docbatch.partitioners.ooxml.opc import Package

    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ppt/slideMasters/slideMaster1.xml", blob)
    return Package(io.BytesIO(data.getvalue())).part("/ppt/slideMasters/slideMaster1.xml")


def test_the_shared_layouts_and_masters_stay_within_their_memory_budget():
    from docbatch.partitioners.ooxml import pptx as reader

    master = zipfile.ZipFile(FIXTURES / "deck.pptx").read("ppt/slideMasters/slideMaster1.xml")
    first = reader._template(_master_part(master))
    again = _master_part(master)
    assert reader._template(again) is first  # a second deck of the template parses nothing
    assert again._blob is None  # nor inflates it: the stored member identifies it
    for i in range(2 * reader._TEMPLATE_BYTES_KEPT // len(master)):
        reader._template(_master_part(master.replace(b"<p:cSld", f"<!-- {i} --><p:cSld".encode(), 1)))
    assert sum(t.size for t in reader._TEMPLATES.values()) <= reader._TEMPLATE_BYTES_KEPT
    assert first not in reader._TEMPLATES.values()  # the oldest went first
    huge = master.replace(b"<p:cSld", b"<!--" + b"x" * reader._TEMPLATE_BYTES_KEPT + b"--><p:cSld", 1)
    found = reader._template(_master_part(huge))
    assert found.root.tag.endswith("sldMaster")
    assert found not in reader._TEMPLATES.values()


@pytest.mark.parametrize(("box_top", "first"), [(0.0, "Above the title"), (3.0, "Inherited")])
def test_a_title_placeholder_sits_where_its_master_puts_it(tmp_path, box_top, first):
    # the slide's title and its layout's set no position: the master's title placeholder (about
    # 0.3 inch from the top) decides whether a text box comes before it or after it
    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = "Inherited"
    _textbox(slide.shapes, "Above the title" if box_top == 0 else "Below the title", 1, box_top)
    prs.save(tmp_path / "deck.pptx")
    assert partition_pptx(tmp_path / "deck.pptx", OPTIONS)[0].text == first
