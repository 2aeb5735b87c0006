"""The plain-text partitioner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.text import partition_text, partition_text_string

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "text"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions()


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


def test_story_paragraphs_titles_and_lists():
    elements = partition_text(FIXTURES / "story.txt", OPTIONS)
    assert _pairs(elements) == [
        ("Title", "CHAPTER ONE"),
        (
            "NarrativeText",
            "It was a bright cold day in April, and the clocks were striking thirteen. "
            "The hallway smelt of boiled cabbage and old rag mats.",
        ),
        ("NarrativeText", "Things to remember:"),
        ("ListItem", "bring the key"),
        ("ListItem", "close the door"),
        ("ListItem", "twice, to be sure"),
        ("ListItem", "feed the cat"),
        ("NarrativeText", "The end of the first part came sud-denly and without warning."),
    ]
    depths = [e.metadata["category_depth"] for e in elements if e.type == "ListItem"]
    assert depths == [0, 0, 1, 0]


def test_file_without_blank_lines_splits_at_deliberate_breaks():
    elements = partition_text(FIXTURES / "lines.txt", OPTIONS)
    assert [e.type for e in elements] == ["Title", "Title", "NarrativeText", "NarrativeText", "Title", "NarrativeText"]
    # Wrapped lines are joined; a line ending a sentence with room to spare ends the paragraph.
    assert elements[2].text.startswith("Iwan Wyn Roberts (born 26 June 1968)")
    assert elements[2].text.endswith("for a number of clubs and the Wales national team.")
    assert elements[3].text.endswith("contract with the club in 1986.")
    assert elements[4].text == "Early life"


def test_wrapped_paragraph_is_not_split():
    text = (
        "The quick brown fox jumps over the lazy dog and keeps running\n"
        "until the end of the field where nobody can catch the animal\n"
        "before the sun goes down over the distant blue hills tonight.\n"
    )
    assert [e.type for e in partition_text_string(text)] == ["NarrativeText"]


@pytest.mark.parametrize("name", ["utf16-nobom.txt", "utf16be-nobom.txt", "utf32.txt"])
def test_wide_encodings(name):
    assert _pairs(partition_text(FIXTURES / name, OPTIONS)) == [
        ("NarrativeText", "Hello world."),
        ("NarrativeText", "This is a test of wide encodings."),
    ]


def test_legacy_hebrew_encoding():
    (element,) = partition_text(FIXTURES / "hebrew.txt", OPTIONS)
    assert element.text.startswith("שלום עולם, זהו מבחן")


def test_whitespace_only_gives_no_elements():
    assert partition_text(FIXTURES / "whitespace.txt", OPTIONS) == []
    assert partition_text_string("") == []


def test_line_endings_and_form_feeds():
    assert _pairs(partition_text_string("First part here.\r\n\r\nSecond part.\fThird part.")) == [
        ("NarrativeText", "First part here."),
        ("NarrativeText", "Second part."),
        ("NarrativeText", "Third part."),
    ]


def test_separator_lines_and_empty_bullets_dropped():
    text = "Intro line here.\n\n-----\n\n  - one\n  - \n  - two\n"
    assert _pairs(partition_text_string(text)) == [
        ("NarrativeText", "Intro line here."),
        ("ListItem", "one"),
        ("ListItem", "two"),
    ]


def test_finalize():
    doc = DocumentInfo(filename="story.txt", filetype="text/plain", url="file:///story.txt", record_locator={})
    dicts = elements_to_dicts(finalize(partition_text(FIXTURES / "story.txt", OPTIONS), doc))
    json.dumps(dicts)
    by_text = {d["text"]: d for d in dicts}
    assert by_text["twice, to be sure"]["metadata"]["parent_id"] == by_text["close the door"]["element_id"]
    assert by_text["Things to remember:"]["metadata"]["parent_id"] == by_text["CHAPTER ONE"]["element_id"]


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "fake-text-utf-16-be.txt").is_file(), reason="shared corpus not present")
@pytest.mark.parametrize(
    "name", ["fake-text.txt", "fake-text-utf-16-be.txt", "fake-text-utf-16-le.txt", "fake-text-utf-32.txt"]
)
def test_corpus_fake_text_in_every_encoding(name):
    _, elements = partition_file(CORPUS / name)
    assert _pairs(elements)[0] == ("NarrativeText", "This is a test document to use for unit tests.")
    assert [e.text for e in elements if e.type == "ListItem"] == [
        "Hamburgers are delicious",
        "Dogs are the best",
        "I love fuzzy blankets",
    ]


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "book-war-and-peace-1225p.txt").is_file(), reason="shared corpus not present")
def test_corpus_war_and_peace():
    _, elements = partition_file(CORPUS / "book-war-and-peace-1225p.txt")
    assert len(elements) > 10_000
    assert elements[0].type == "Title" and elements[0].text == "CHAPTER I"
    assert sum(e.type == "Title" and e.text.startswith("CHAPTER") for e in elements) > 300
