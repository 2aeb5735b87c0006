"""The Org partitioner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.org import partition_org, partition_org_string

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "org"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions()


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


@pytest.fixture(scope="module")
def notes():
    return partition_org(FIXTURES / "notes.org", OPTIONS)


def test_notes_blocks(notes):
    assert _pairs(notes) == [
        ("Title", "My Doc"),
        ("NarrativeText", "Preamble text with a link and bold and it and code."),
        ("Title", "Heading One"),
        ("NarrativeText", "Para one continues here."),
        ("ListItem", "item a continued"),
        ("ListItem", "nested b"),
        ("ListItem", "item c"),
        ("ListItem", "num one"),
        ("ListItem", "num two"),
        ("Table", "Name Age\nAnn 3\nBob 4"),
        ("Title", "Sub heading"),
        ("CodeSnippet", "def f():\n    return 1"),
        ("NarrativeText", "Quoted text."),
        ("CodeSnippet", "fixed width"),
        ("Title", "Deep"),
        ("NarrativeText", "text"),
    ]


def test_depths(notes):
    depths = [(e.text, e.metadata["category_depth"]) for e in notes if e.type in ("Title", "ListItem")]
    assert depths == [
        ("My Doc", 0),
        ("Heading One", 0),
        ("item a continued", 0),
        ("nested b", 1),
        ("item c", 0),
        ("num one", 0),
        ("num two", 0),
        ("Sub heading", 1),
        ("Deep", 2),
    ]


def test_inline_metadata(notes):
    para = notes[1]
    assert para.metadata["link_texts"] == ["link"]
    assert para.metadata["link_urls"] == ["https://example.com"]
    assert para.metadata["emphasized_text_contents"] == ["bold", "it"]
    assert para.metadata["emphasized_text_tags"] == ["b", "i"]


def test_table_header_from_rule(notes):
    table = next(e for e in notes if e.type == "Table")
    assert table.metadata["text_as_html"] == (
        "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>3</td></tr><tr><td>Bob</td><td>4</td></tr></table>"
    )


def test_include_reads_no_files():
    elements = partition_org(FIXTURES / "include.org", OPTIONS)
    assert _pairs(elements) == [("Title", "Safe Heading"), ("NarrativeText", "Only this text is read.")]


def test_finalize(notes):
    doc = DocumentInfo(filename="notes.org", filetype="text/org", url="file:///notes.org", record_locator={})
    dicts = elements_to_dicts(finalize(partition_org(FIXTURES / "notes.org", OPTIONS), doc))
    json.dumps(dicts)
    by_text = {d["text"]: d for d in dicts}
    assert by_text["nested b"]["metadata"]["parent_id"] == by_text["item a continued"]["element_id"]
    assert by_text["Deep"]["metadata"]["parent_id"] == by_text["Sub heading"]["element_id"]


def test_comment_subtree_is_not_exported():
    text = "* Kept\nvisible\n* COMMENT Hidden\nsecret\n** Child\nalso secret\n* Next\nshown"
    assert _pairs(partition_org_string(text)) == [
        ("Title", "Kept"),
        ("NarrativeText", "visible"),
        ("Title", "Next"),
        ("NarrativeText", "shown"),
    ]


def test_unterminated_block_and_empty():
    elements = partition_org_string("* H\n#+BEGIN_SRC sh\necho hi\n")
    assert _pairs(elements) == [("Title", "H"), ("CodeSnippet", "echo hi")]
    assert partition_org_string("") == []


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "README-w-include.org").is_file(), reason="shared corpus not present")
def test_corpus_include_matches_plain_readme():
    _, with_include = partition_file(CORPUS / "README-w-include.org")
    _, plain = partition_file(CORPUS / "README.org")
    assert _pairs(with_include) == _pairs(plain)
    assert [e.type for e in plain].count("ListItem") == 3
