"""The reStructuredText partitioner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.rst import partition_rst, partition_rst_string

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rst"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions()


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


@pytest.fixture(scope="module")
def manual():
    return partition_rst(FIXTURES / "manual.rst", OPTIONS)


def test_manual_blocks(manual):
    assert _pairs(manual) == [
        ("Title", "Top"),
        ("NarrativeText", "Intro with a link and bold."),
        ("Title", "Sub"),
        ("ListItem", "one"),
        ("ListItem", "two"),
        ("ListItem", "nested"),
        ("NarrativeText", "A note here."),
        ("Table", "a b\n1 2"),
        ("Image", "A picture"),
        ("CodeSnippet", "code here"),
    ]


def test_depths(manual):
    depths = {e.text: e.metadata.get("category_depth") for e in manual}
    assert depths["Top"] == 0
    assert depths["Sub"] == 1
    assert depths["one"] == 0
    assert depths["nested"] == 1


def test_inline_metadata(manual):
    para = manual[1]
    assert para.metadata["link_texts"] == ["link"]
    assert para.metadata["link_urls"] == ["https://example.com"]
    assert para.metadata["emphasized_text_contents"] == ["bold"]
    assert para.metadata["emphasized_text_tags"] == ["b"]


def test_table_and_image(manual):
    table = next(e for e in manual if e.type == "Table")
    assert table.metadata["text_as_html"] == "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
    assert next(e for e in manual if e.type == "Image").metadata == {"image_url": "pic.png"}


def test_raw_html_is_not_passed_through(manual):
    assert "alert" not in " ".join(e.text for e in manual)


def test_include_directives_read_no_files(capsys):
    elements = partition_rst(FIXTURES / "include.rst", OPTIONS)
    assert _pairs(elements) == [("Title", "Safe Title"), ("NarrativeText", "Only this text is read.")]
    text = " ".join(e.text for e in elements)
    assert "root:" not in text
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_finalize(manual):
    doc = DocumentInfo(filename="manual.rst", filetype="text/x-rst", url="file:///manual.rst", record_locator={})
    dicts = elements_to_dicts(finalize(partition_rst(FIXTURES / "manual.rst", OPTIONS), doc))
    json.dumps(dicts)
    by_text = {d["text"]: d for d in dicts}
    assert by_text["Sub"]["metadata"]["parent_id"] == by_text["Top"]["element_id"]


def test_broken_markup_still_partitions():
    text = "Title\n=====\n\n*unclosed emphasis and `bad role <x\n\n.. unknown-directive:: foo\n\nLast words here."
    pairs = _pairs(partition_rst_string(text))
    assert pairs[0] == ("Title", "Title")
    assert ("NarrativeText", "Last words here.") in pairs


def test_formula_fields_and_broken_emphasis_text_kept():
    text = "Doc\n===\n\n*unclosed emphasis here.\n\n.. math::\n\n   E = mc^2\n\n:Author: Jane\n"
    assert _pairs(partition_rst_string(text)) == [
        ("Title", "Doc"),
        ("NarrativeText", "*unclosed emphasis here."),
        ("Formula", "E = mc^2"),
        ("NarrativeText", "Author: Jane"),
    ]


def test_empty():
    assert partition_rst_string("") == []
    assert partition_rst_string("\n\n  \n") == []


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "README-w-include.rst").is_file(), reason="shared corpus not present")
def test_corpus_include_matches_plain_readme():
    _, with_include = partition_file(CORPUS / "README-w-include.rst")
    _, plain = partition_file(CORPUS / "README.rst")
    assert _pairs(with_include) == _pairs(plain)
    assert any(e.type == "CodeSnippet" and e.text.startswith("curl -O") for e in with_include)
