"""Element JSON and NDJSON read back as elements; any other JSON is read as data (see test_data.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, Element, elements_to_dicts, finalize
from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.elementjson import partition_json, partition_ndjson

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions(detect_languages=False)
INFO = DocumentInfo("report.pdf", "application/pdf", "s3://bucket/report.pdf", {"protocol": "s3"})


def _finalized() -> list[dict]:
    elements = [
        Element("Title", "Results", {"category_depth": 0, "page_number": 1}),
        Element("NarrativeText", "Sales rose in every region.", {"page_number": 1}),
        Element("Table", "A B", {"text_as_html": "<table><tr><td>A</td><td>B</td></tr></table>", "page_number": 2}),
    ]
    return elements_to_dicts(finalize(elements, INFO))


def test_our_own_output_reads_back(tmp_path):
    path = tmp_path / "report.pdf.json"
    path.write_text(json.dumps(_finalized()))
    elements = partition_json(path, OPTIONS)
    assert [(e.type, e.text) for e in elements] == [
        ("Title", "Results"),
        ("NarrativeText", "Sales rose in every region."),
        ("Table", "A B"),
    ]
    assert elements[2].metadata["text_as_html"].startswith("<table>")
    assert elements[1].metadata["filename"] == "report.pdf"  # original metadata is kept
    assert "data_source" not in elements[0].metadata  # the reading run sets its own
    assert elements[1].parent == 0 and elements[2].parent == 0  # parent_id becomes a link

    again = finalize(elements, DocumentInfo("report.pdf.json", "application/json", "file:///x.json", {}))
    assert again[1].metadata["parent_id"] == again[0].element_id
    assert again[0].metadata["data_source"]["url"] == "file:///x.json"


def test_metadata_outside_the_schema_is_dropped(tmp_path):
    item = {
        "type": "NarrativeText",
        "text": "See the site.",
        "metadata": {"link_urls": ["https://x.org"], "link_start_indexes": [4], "detection_class_prob": 0.9},
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps([item]))
    assert partition_json(path, OPTIONS)[0].metadata == {"link_urls": ["https://x.org"]}


def test_ndjson_one_element_per_line(tmp_path):
    path = tmp_path / "report.ndjson"
    path.write_text("\n".join(json.dumps(d) for d in _finalized()) + "\n\n")
    elements = partition_ndjson(path, OPTIONS)
    assert [e.text for e in elements] == ["Results", "Sales rose in every region.", "A B"]


def test_unknown_types_map_to_docbatch_types(tmp_path):
    items = [
        {"type": "CompositeElement", "text": "A chunk of text."},
        {"type": "Text", "text": "Old-style text."},
        {"type": "Section-header", "text": "A header"},
        {"type": "Nonsense", "text": "Whatever."},
    ]
    path = tmp_path / "chunks.json"
    path.write_text(json.dumps(items))
    assert [e.type for e in partition_json(path, OPTIONS)] == [
        "NarrativeText",
        "UncategorizedText",
        "Title",
        "UncategorizedText",
    ]


@pytest.mark.parametrize(
    "payload",
    [
        [{"sku": "A-1", "name": "Trowel"}],
        {"id": "Sample-1", "name": "Sample 1"},
        [{"type": "Title", "text": "ok"}, {"name": "not an element"}],
        [{"type": 3, "text": "bad type"}],
        "just a string",
    ],
)
def test_other_json_is_read_as_data(tmp_path, payload):
    """Not element JSON: its values are read as a document (markup/data.py), never as elements."""
    path = tmp_path / "data.json"
    path.write_text(json.dumps(payload))
    elements = partition_json(path, OPTIONS)
    assert elements and all(e.type == "NarrativeText" for e in elements)


def test_other_ndjson_is_read_as_data(tmp_path):
    path = tmp_path / "records.ndjson"
    path.write_text('{"sku": "A-1"}\n{"sku": "A-2"}\n')
    assert [e.type for e in partition_ndjson(path, OPTIONS)] == ["Table"]


def test_invalid_json_is_a_one_line_document_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"type": "Title", "text": "unterminated')
    with pytest.raises(DocumentError, match="invalid JSON") as info:
        partition_json(path, OPTIONS)
    assert "\n" not in str(info.value)
    ndjson = tmp_path / "broken.ndjson"
    ndjson.write_text('{"type": "Title", "text": "ok"}\n{oops\n')
    with pytest.raises(DocumentError, match="line 2"):
        partition_ndjson(ndjson, OPTIONS)


def test_utf16_element_json(tmp_path):
    path = tmp_path / "wide.json"
    path.write_bytes(json.dumps([{"type": "Title", "text": "Überblick"}], ensure_ascii=False).encode("utf-16"))
    assert partition_json(path, OPTIONS)[0].text == "Überblick"


def test_empty_list_is_no_elements(tmp_path):
    path = tmp_path / "none.json"
    path.write_text("[]")
    assert partition_json(path, OPTIONS) == []


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_spring_weather_json_and_ndjson_agree():
    _, from_json = partition_file(CORPUS / "spring-weather.html.json", OPTIONS)
    _, from_ndjson = partition_file(CORPUS / "spring-weather.html.ndjson", OPTIONS)
    assert [(e.type, e.text) for e in from_json] == [(e.type, e.text) for e in from_ndjson]
    assert from_json[0].text == "News Around NOAA"


def test_a_checkbox_reads_back_with_its_state_as_unstructured_writes_it(tmp_path):
    items = [
        {"type": "CheckBox", "element_id": "b", "text": "", "checked": True, "metadata": {"page_number": 2}},
        {"type": "CheckBox", "element_id": "c", "text": "", "checked": False, "metadata": {}},
    ]
    path = tmp_path / "boxes.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    out = elements_to_dicts(partition_json(path, PartitionOptions()))
    assert [(e["type"], e["checked"], e["metadata"].get("page_number")) for e in out] == [
        ("CheckBox", True, 2),
        ("CheckBox", False, None),
    ]
