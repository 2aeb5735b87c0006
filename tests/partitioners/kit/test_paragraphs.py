"""kit/paragraphs.py: a paragraph's type by its shape; kit/bullets.py: what marks a list item."""

from __future__ import annotations

from docbatch.partitioners.kit.bullets import BULLET_GLYPH, LIST_MARKER
from docbatch.partitioners.kit.paragraphs import classify_paragraph, mostly_figures


def test_classify_paragraph():
    assert classify_paragraph("Introduction") == "Title"
    assert classify_paragraph("This is a sentence.") == "NarrativeText"
    assert classify_paragraph("- a bullet") == "ListItem"
    assert classify_paragraph("12 345 678") == "UncategorizedText"
    assert classify_paragraph("8uPr5e8gVGVzbGEgLSDw4/j5+iDn+unu5CDy7CDk") == "NarrativeText"


def test_a_marker_alone_lists_nothing():
    assert classify_paragraph("(12)") != "ListItem"
    assert classify_paragraph("Two lines of a heading", single_line=False) == "NarrativeText"


def test_mostly_figures():
    assert mostly_figures("Q1 2023")
    assert not mostly_figures("Chapter 1")


def test_numbers_are_list_markers_in_text_but_not_in_cells():
    assert LIST_MARKER.match("1. first")
    assert LIST_MARKER.match("• first")
    assert BULLET_GLYPH.match("• first")
    assert not BULLET_GLYPH.match("1. first")
