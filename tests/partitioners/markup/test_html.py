"""The HTML, XHTML and XML partitioners."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.html import (
    decode_html_bytes,
    partition_html,
    partition_html_string,
    partition_xml,
    partition_xml_bytes,
    table_from_rows,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "html"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions()


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


@pytest.fixture(scope="module")
def page():
    return partition_html(FIXTURES / "page.html", OPTIONS)


def test_page_blocks_in_order(page):
    assert _pairs(page) == [
        ("Header", "Site banner"),
        ("Title", "Annual Report"),
        ("NarrativeText", "Revenue grew by ten percent in the fourth quarter of the year."),
        ("NarrativeText", "Combined words and italic text. After a break."),
        ("Title", "Highlights"),
        ("ListItem", "First point"),
        ("ListItem", "Second point"),
        ("ListItem", "Nested one"),
        ("ListItem", "Nested two"),
        ("ListItem", "Third point"),
        ("Table", "Region Sales\nNorth 1,200\nSouth & East 950"),
        ("CodeSnippet", "def total(xs):\n    return sum(xs)"),
        ("Image", "Sales chart"),
        ("Title", "Outlook"),
        ("NarrativeText", "We expect steady growth next year."),
        ("Footer", "Copyright 2024"),
    ]


def test_invisible_content_is_skipped(page):
    text = " ".join(e.text for e in page)
    for hidden in ("script text", "color: red", "Ignored page title", "Hidden by", "Hidden from", "Template", "Home"):
        assert hidden not in text


def test_heading_and_list_depths(page):
    depths = {e.text: e.metadata.get("category_depth") for e in page}
    assert depths["Annual Report"] == 0
    assert depths["Highlights"] == 1
    assert depths["First point"] == 0
    assert depths["Nested one"] == 1
    assert depths["Outlook"] == 2  # a bold paragraph is a heading one level below the last one


def test_links_and_emphasis_metadata(page):
    para = next(e for e in page if e.text.startswith("Revenue"))
    assert para.metadata["link_texts"] == ["ten percent"]
    assert para.metadata["link_urls"] == ["https://example.com/q4"]
    assert para.metadata["emphasized_text_contents"] == ["grew"]
    assert para.metadata["emphasized_text_tags"] == ["b"]


def test_table_html_is_clean(page):
    table = next(e for e in page if e.type == "Table")
    assert table.metadata["text_as_html"] == (
        "<table><tr><th>Region</th><th>Sales</th></tr><tr><td>North</td><td>1,200</td></tr>"
        "<tr><td>South &amp; East</td><td>950</td></tr></table>"
    )


def test_image_url(page):
    image = next(e for e in page if e.type == "Image")
    assert image.metadata == {"image_url": "chart.png"}


def test_finalized_output_serialises_with_parents(page):
    doc = DocumentInfo(filename="page.html", filetype="text/html", url="file:///page.html", record_locator={})
    elements = finalize(partition_html(FIXTURES / "page.html", OPTIONS), doc)
    dicts = json.loads(json.dumps(elements_to_dicts(elements)))
    by_text = {d["text"]: d for d in dicts}
    assert by_text["Highlights"]["metadata"]["parent_id"] == by_text["Annual Report"]["element_id"]
    assert by_text["Nested one"]["metadata"]["parent_id"] == by_text["Second point"]["element_id"]
    assert all(d["metadata"]["filetype"] == "text/html" for d in dicts)


@pytest.mark.parametrize("name", ["utf16.html", "utf16-nobom.html"])
def test_utf16_html(name):
    assert _pairs(partition_html(FIXTURES / name, OPTIONS)) == [
        ("Title", "Überschrift"),
        ("NarrativeText", "Grüße aus Köln, schön hier."),
    ]


def test_meta_charset_cp1252():
    assert _pairs(partition_html(FIXTURES / "cp1252.html", OPTIONS)) == [("NarrativeText", "Café crème € 5")]


def test_decode_prefers_bom_then_meta():
    assert decode_html_bytes(b"\xef\xbb\xbf<p>\xc3\xa9</p>") == "<p>é</p>"
    assert "é" in decode_html_bytes(b'<meta charset="latin-1"><p>\xe9</p>')
    assert "é" in decode_html_bytes(b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\xe9')


def test_wrong_charset_declaration_falls_back_to_detection():
    data = '<meta charset="utf-8"><p>Café crème, très élégant et délicieux.</p>'.encode("cp1252")
    assert "Café crème, très élégant" in decode_html_bytes(data)


def test_string_api_accepts_text_and_bytes():
    html = "<div><h3>Hi</h3><p>Body text here.</p></div>"
    assert _pairs(partition_html_string(html)) == _pairs(partition_html_string(html.encode()))
    assert _pairs(partition_html_string(html)) == [("Title", "Hi"), ("NarrativeText", "Body text here.")]


def test_empty_and_blank_html():
    assert partition_html_string("") == []
    assert partition_html_string("   \n ") == []
    assert partition_html_string("<html><body></body></html>") == []


def test_inline_spacing():
    elements = partition_html_string("<p>one<b>two</b> three <span>four</span>\n<em>five</em>&nbsp;six</p>")
    assert _pairs(elements) == [("NarrativeText", "onetwo three four five six")]


def test_double_line_break_separates_paragraphs():
    html = "<font>First paragraph here.<br><br>Second one<br>continues here.<br> <br>Third.</font>"
    assert _pairs(partition_html_string(html)) == [
        ("NarrativeText", "First paragraph here."),
        ("NarrativeText", "Second one continues here."),
        ("NarrativeText", "Third."),
    ]


def test_text_over_libxml2_limit_is_not_truncated():
    html = "<p>start</p><p>" + "word " * 2_200_000 + "</p><p>end</p>"  # one 11 MB text node
    elements = partition_html_string(html)
    assert [e.text for e in elements][::2] == ["start", "end"]
    assert len(elements[1].text) == 11_000_000 - 1


def test_layout_table_cells_become_blocks():
    html = "<table><tr><td><p>Only cell with a paragraph of text.</p></td></tr></table>"
    assert _pairs(partition_html_string(html)) == [("NarrativeText", "Only cell with a paragraph of text.")]


def test_bulleted_layout_table_is_a_list():
    html = "<table><tr><td>•</td><td>First thing</td></tr><tr><td>•</td><td>Second thing</td></tr></table>"
    assert _pairs(partition_html_string(html)) == [("ListItem", "First thing"), ("ListItem", "Second thing")]


def test_spacer_columns_dropped_and_spans_kept():
    spacer = "<table><tr><td>a</td><td></td><td>b</td></tr><tr><td>c</td><td></td><td>d</td></tr></table>"
    html = partition_html_string(spacer)[0].metadata["text_as_html"]
    assert html == "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
    spans = '<table><tr><th colspan="2">Both</th></tr><tr><td>x</td><td>y</td></tr></table>'
    assert '<th colspan="2">Both</th>' in partition_html_string(spans)[0].metadata["text_as_html"]


def test_prose_in_pre_is_split_into_paragraphs():
    html = "<pre>A LAW TITLE\n\n    The first section says a great many things about the law.\n</pre>"
    assert _pairs(partition_html_string(html)) == [
        ("Title", "A LAW TITLE"),
        ("NarrativeText", "The first section says a great many things about the law."),
    ]


def test_base64_image():
    html = '<img alt="dot" src="data:image/png;base64,iVBORw0KGgo=">'
    (image,) = partition_html_string(html)
    assert image.type == "Image"
    assert image.metadata == {"image_base64": "iVBORw0KGgo=", "image_mime_type": "image/png"}


def test_spacer_images_dropped():
    assert partition_html_string('<img src="dot.gif" width="1" height="1"><p>Text after it.</p>')[0].type != "Image"


def test_table_from_rows_helper():
    table = table_from_rows([[("th", "k"), ("th", "v")], [("td", "a <b>"), ("td", "1")]])
    assert table.type == "Table"
    assert (
        table.metadata["text_as_html"]
        == "<table><tr><th>k</th><th>v</th></tr><tr><td>a &lt;b&gt;</td><td>1</td></tr></table>"
    )
    assert table_from_rows([[("td", " ")]]) is None


def test_xhtml_chapter_read_as_xml():
    elements = partition_html(FIXTURES / "chapter.xhtml", OPTIONS)
    assert _pairs(elements) == [
        ("Title", "Chapter One"),
        ("NarrativeText", "It was a dark night, and the rain fell."),
        ("NarrativeText", "Second paragraph after a line break."),
        ("Image", "A map"),
        ("FigureCaption", "Figure 1: The map"),
        ("Address", "1 Main Street, Springfield"),
        ("FigureCaption", "Prices"),
        ("Table", "Item Cost\nTea 2"),
    ]


def test_xhtml_that_is_not_well_formed_falls_back_to_html():
    text = (FIXTURES / "chapter.xhtml").read_text().replace("<div/>", "<div>&nbsp;")
    assert _pairs(partition_html_string(text)) == _pairs(partition_html(FIXTURES / "chapter.xhtml", OPTIONS))


def test_deep_nesting_does_not_exhaust_the_stack():
    elements = partition_html_string("<ul><li>" * 120 + "deep item" + "</li></ul>" * 120)
    assert _pairs(elements) == [("ListItem", "deep item")]
    assert elements[0].metadata["category_depth"] == 119


# -- XML --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["catalog.xml", "catalog-utf16.xml"])
def test_xml_text_in_document_order(name):
    assert _pairs(partition_xml(FIXTURES / name, OPTIONS)) == [
        ("UncategorizedText", "The Winter Garden"),
        ("NarrativeText", "A quiet story about a family that rebuilds its home after a long storm."),
        ("UncategorizedText", "12.50"),
        ("NarrativeText", "Mixed inline content stays together."),
    ]


def test_billion_laughs_is_refused_not_expanded():
    with pytest.raises(DocumentError, match="billion laughs"):
        partition_xml(FIXTURES / "billion-laughs.xml", OPTIONS)


def test_quadratic_blowup_is_refused():
    entity = b"x" * 10_000
    data = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + entity + b'">]><r>' + b"&a;" * 20_000 + b"</r>"
    with pytest.raises(DocumentError, match="expand"):
        partition_xml_bytes(data)


def test_billion_laughs_misnamed_as_html_stays_small_and_quick():
    start = time.monotonic()
    elements = partition_html(FIXTURES / "billion-laughs.xml", OPTIONS)
    assert time.monotonic() - start < 10  # a generous bound: expansion would take minutes and gigabytes
    assert _pairs(elements) == [("NarrativeText", "before &lol9; after")]


def test_xxe_does_not_read_files():
    elements = partition_xml(FIXTURES / "xxe.xml", OPTIONS)
    text = " ".join(e.text for e in elements)
    assert text == "start end"
    assert "root:" not in text


def test_external_dtd_and_xinclude_not_loaded():
    elements = partition_xml(FIXTURES / "xxe-dtd.xml", OPTIONS)
    assert _pairs(elements) == [("UncategorizedText", "hello")]


def test_entities_in_html_stay_literal():
    elements = partition_html(FIXTURES / "xxe.xml", OPTIONS)
    assert "root:" not in " ".join(e.text for e in elements)


def test_xml_in_undeclared_legacy_encoding():
    data = "<r><a>Café crème très élégant délicieux</a></r>".encode("cp1252")
    assert _pairs(partition_xml_bytes(data)) == [("NarrativeText", "Café crème très élégant délicieux")]


def test_malformed_xml_is_a_document_error():
    with pytest.raises(DocumentError, match="malformed XML"):
        partition_xml_bytes(b"<a><b></a>")
    assert partition_xml_bytes(b"  ") == []


# -- corpus -----------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "example-10k.html").is_file(), reason="shared corpus not present")
def test_corpus_10k_structure():
    _, elements = partition_file(CORPUS / "example-10k.html")
    texts = {e.text: e.type for e in elements}
    assert texts["UNITED STATES"] == "Title"
    assert texts["COMPETITION"] == "Title"
    assert sum(e.type == "Table" for e in elements) > 20
    assert "Expand the number of markets we serve;" in {e.text for e in elements if e.type == "ListItem"}


@pytest.mark.parametrize("tag", ["div", "font", "span", "blockquote", "table"])
def test_text_past_the_parsers_nesting_limit_is_kept(tag):
    """libxml2 stops at depth 2,048 even with huge_tree: 3,000 unclosed tags once lost a third of the page."""
    html = "<html><body>" + "".join(f"<{tag}><p>para {i}</p>" for i in range(3000)) + "</body></html>"
    texts = [el.text for el in partition_html_string(html)]
    assert texts == [f"para {i}" for i in range(3000)]


def test_flattened_page_keeps_loose_text_and_drops_scripts():
    body = "<script>if (a<b) { hidden() }</script>" + "".join(f"<font>word{i} <b>bold</b> " for i in range(3000))
    text = " ".join(el.text for el in partition_html_string(f"<html><body>{body}</body></html>"))
    assert sum(text.count(f"word{i} bold") for i in range(3000)) == 3000
    assert "hidden" not in text
