"""The Markdown partitioner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.markdown import partition_markdown, partition_markdown_string

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "markdown"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions()


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


@pytest.fixture(scope="module")
def guide():
    return partition_markdown(FIXTURES / "guide.md", OPTIONS)


def test_guide_blocks(guide):
    assert _pairs(guide) == [
        ("Title", "User Guide"),
        ("NarrativeText", "Welcome to the guide. See the docs for more."),
        ("Title", "Install"),
        ("ListItem", "Download the package"),
        ("ListItem", "Run the installer"),
        ("ListItem", "on Linux"),
        ("ListItem", "on macOS"),
        ("CodeSnippet", 'print("hello")'),
        ("Table", "Name Value\na 1\nb 2"),
        ("Image", "Diagram"),
        ("NarrativeText", "Raw HTML paragraph."),
        ("CodeSnippet", "indented code"),
    ]


def test_depths(guide):
    depths = [(e.text, e.metadata.get("category_depth")) for e in guide if e.type in ("Title", "ListItem")]
    assert depths == [
        ("User Guide", 0),
        ("Install", 1),
        ("Download the package", 0),
        ("Run the installer", 0),
        ("on Linux", 1),
        ("on macOS", 1),
    ]


def test_inline_metadata(guide):
    para = guide[1]
    assert para.metadata["link_texts"] == ["the docs"]
    assert para.metadata["link_urls"] == ["https://example.com/docs"]
    assert para.metadata["emphasized_text_contents"] == ["guide", "more"]
    assert para.metadata["emphasized_text_tags"] == ["b", "i"]


def test_table_html(guide):
    table = next(e for e in guide if e.type == "Table")
    assert table.metadata["text_as_html"] == (
        "<table><tr><th>Name</th><th>Value</th></tr><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr></table>"
    )


def test_image_url(guide):
    assert next(e for e in guide if e.type == "Image").metadata == {"image_url": "img/diagram.png"}


def test_finalize_links_list_items_to_heading(guide):
    doc = DocumentInfo(filename="guide.md", filetype="text/markdown", url="file:///guide.md", record_locator={})
    dicts = elements_to_dicts(finalize(partition_markdown(FIXTURES / "guide.md", OPTIONS), doc))
    json.dumps(dicts)
    by_text = {d["text"]: d for d in dicts}
    assert by_text["on Linux"]["metadata"]["parent_id"] == by_text["Run the installer"]["element_id"]
    assert by_text["Download the package"]["metadata"]["parent_id"] == by_text["Install"]["element_id"]


def test_non_utf8_markdown():
    assert _pairs(partition_markdown(FIXTURES / "latin1.md", OPTIONS)) == [
        ("Title", "Können"),
        ("NarrativeText", "Schöne Grüße aus Köln."),
    ]


def test_empty_and_front_matter_only():
    assert partition_markdown_string("") == []
    assert partition_markdown_string("---\ntitle: x\n---\n") == []


def test_bold_only_paragraph_is_a_heading():
    elements = partition_markdown_string("# Top\n\n**Overview**\n\nSome **bold** words.\n")
    assert _pairs(elements) == [("Title", "Top"), ("Title", "Overview"), ("NarrativeText", "Some bold words.")]
    assert elements[1].metadata["category_depth"] == 1


def test_setext_heading_and_blockquote():
    text = "Big Title\n=========\n\n> Quoted words here.\n"
    assert _pairs(partition_markdown_string(text)) == [("Title", "Big Title"), ("NarrativeText", "Quoted words here.")]


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "umlauts-non-utf8.md").is_file(), reason="shared corpus not present")
def test_corpus_umlauts():
    _, elements = partition_file(CORPUS / "umlauts-non-utf8.md")
    assert _pairs(elements) == [("Title", "können"), ("NarrativeText", "können"), ("NarrativeText", "äöüß")]


def test_list_items_past_the_nesting_limit_are_kept():
    """markdown-it drops everything below 10 nested lists (maxNesting 20)."""
    md = "".join("  " * i + f"- item {i}\n" for i in range(30))
    elements = partition_markdown_string(md)
    assert [el.text for el in elements] == [f"item {i}" for i in range(30)]
    assert {el.type for el in elements} == {"ListItem"}


def test_quotes_past_the_nesting_limit_are_kept():
    md = "\n".join(">" * i + f" quote {i}\n" for i in range(1, 40)) + "\n" + ">" * 30 + " 1. - **deep** text"
    texts = [el.text for el in partition_markdown_string(md)]
    assert texts == [f"quote {i}" for i in range(1, 40)] + ["deep text"]
