"""The element schema: ids, parents, document metadata, and the JSON shape."""

from __future__ import annotations

import pytest

from docbatch.elements import DocumentInfo, Element, coordinates, elements_to_dicts, finalize

DOC = DocumentInfo(
    filename="a.txt",
    filetype="text/plain",
    url="s3://b/a.txt",
    record_locator={"k": 1},
    version="etag",
    last_modified="2026-01-01T00:00:00+00:00",
    date_processed="now",
    languages=["eng"],
)


def _doc() -> list[Element]:
    return [
        Element("Title", "Report", {"category_depth": 0}),
        Element("NarrativeText", "Intro."),
        Element("Title", "Section", {"category_depth": 1}),
        Element("ListItem", "point", {"category_depth": 0}),
        Element("ListItem", "sub point", {"category_depth": 1}),
        Element("NarrativeText", "   "),
        Element("Title", "Next chapter", {"category_depth": 0}),
        Element("NarrativeText", "Body."),
    ]


def test_parents_follow_headings_and_list_depth():
    els = finalize(_doc(), DOC)
    ids = {e.text: e.element_id for e in els}
    parent = {e.text: e.metadata.get("parent_id") for e in els}
    assert parent["Report"] is None
    assert parent["Intro."] == ids["Report"]
    assert parent["Section"] == ids["Report"]
    assert parent["point"] == ids["Section"]
    assert parent["sub point"] == ids["point"]
    assert parent["Next chapter"] is None
    assert parent["Body."] == ids["Next chapter"]


def test_ids_are_deterministic_and_unique_and_empty_text_dropped():
    first, second = finalize(_doc(), DOC), finalize(_doc(), DOC)
    assert [e.element_id for e in first] == [e.element_id for e in second]
    assert len({e.element_id for e in first}) == len(first) == 7
    assert all(len(e.element_id) == 32 for e in first)


def test_document_metadata_and_json_shape():
    data = elements_to_dicts(finalize(_doc(), DOC))
    first = data[0]
    assert list(first) == ["type", "element_id", "text", "metadata"]
    meta = first["metadata"]
    assert meta["filename"] == "a.txt" and meta["filetype"] == "text/plain"
    assert meta["languages"] == ["eng"]
    assert meta["data_source"] == {
        "url": "s3://b/a.txt",
        "version": "etag",
        "record_locator": {"k": 1},
        "date_modified": "2026-01-01T00:00:00+00:00",
        "date_processed": "now",
    }
    assert "parent_id" not in meta


def test_explicit_parent_index_wins():
    els = finalize([Element("Title", "Mail"), Element("NarrativeText", "attached", parent=0)], DOC)
    assert els[1].metadata["parent_id"] == els[0].element_id


def test_unknown_type_is_a_bug():
    with pytest.raises(ValueError):
        finalize([Element("Paragraph", "x")], DOC)


def test_coordinates_shape():
    c = coordinates((1, 2, 7, 5), width=612, height=792)
    assert c == {
        "points": [[1, 2], [1, 5], [7, 5], [7, 2]],
        "system": "PixelSpace",
        "layout_width": 612,
        "layout_height": 792,
    }


def test_control_characters_leave_text_and_html():
    """A Word field's \\x03, a stray NUL: gone from text and text_as_html; breaks become newlines."""
    from docbatch.elements import DocumentInfo, Element, finalize

    info = DocumentInfo(filename="a.docx", filetype="x", url="file:///a.docx", record_locator={})
    table = Element("Table", "a\x03b", {"text_as_html": "<table><tr><td>a\x03b\x00</td></tr></table>"})
    text = Element("NarrativeText", "line one\x0bline two\x07\x1f")
    blank = Element("NarrativeText", "\x03\x03")
    kept = finalize([table, text, blank], info)
    assert [el.text for el in kept] == ["ab", "line one\nline two"]
    assert kept[0].metadata["text_as_html"] == "<table><tr><td>ab</td></tr></table>"


def test_clean_text_leaves_ordinary_text_as_it_is_and_cleans_every_odd_character():
    from docbatch.elements import clean_text

    ordinary = "Tabs\tnewlines\nCR\r, accents é, CJK 日本, U+2028\u2028 and NEL\x85 stay."
    assert clean_text(ordinary) is ordinary  # nothing to change: the same object, no copy
    for odd in [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]:
        assert clean_text(f"a{odd}b") in ("ab", "a\nb"), repr(odd)
    assert clean_text("pair \ud83d\ude00 lone \ud800") == "pair \U0001f600 lone \ufffd"


def test_each_element_gets_its_own_languages_and_data_source():
    """Document-wide metadata is copied per element: editing one element's never edits another's."""
    from docbatch.elements import DocumentInfo, Element, finalize

    info = DocumentInfo(
        filename="a.txt", filetype="text/plain", url="file:///a.txt", record_locator={}, languages=["eng"]
    )
    first, second = finalize([Element("Title", "One"), Element("NarrativeText", "Two words here.")], info)
    first.metadata["languages"].append("deu")
    first.metadata["data_source"]["url"] = "changed"
    assert second.metadata["languages"] == ["eng"]
    assert second.metadata["data_source"]["url"] == "file:///a.txt"
    # the key order is the output JSON's
    assert list(second.metadata) == ["parent_id", "filename", "filetype", "languages", "data_source"]
