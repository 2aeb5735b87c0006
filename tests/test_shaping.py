"""unstructured-ingest's metadata flags: --metadata-exclude, --metadata-include, --fields-include and
--flatten-metadata."""

from __future__ import annotations

import json

import pytest

from docbatch import ShapingOptions, shape
from docbatch.errors import ConfigError

ELEMENT = {
    "type": "Title",
    "element_id": "e1",
    "text": "Hello",
    "embeddings": [0.1, 0.2],
    "metadata": {
        "filename": "a.txt",
        "languages": ["eng"],
        "data_source": {"url": "s3://b/a.txt", "record_locator": {"k": 1}},
    },
}


def test_metadata_exclude_drops_keys_and_nested_keys():
    [out] = shape([ELEMENT], ShapingOptions(metadata_exclude=("languages", "data_source.url")))
    assert out["metadata"] == {"filename": "a.txt", "data_source": {"record_locator": {"k": 1}}}
    assert ELEMENT["metadata"]["data_source"]["url"] == "s3://b/a.txt"  # the input is left alone


def test_metadata_include_and_fields_include_keep_only_those():
    [out] = shape([ELEMENT], ShapingOptions(metadata_include=("filename",), fields_include=("text", "metadata")))
    assert out == {"text": "Hello", "metadata": {"filename": "a.txt"}}
    with pytest.raises(ConfigError, match="exclude each other"):
        ShapingOptions(metadata_include=("a",), metadata_exclude=("b",))


def test_flatten_metadata_joins_nested_keys_with_underscores():
    [out] = shape([ELEMENT], ShapingOptions(flatten_metadata=True))
    assert out == {
        "type": "Title",
        "element_id": "e1",
        "text": "Hello",
        "embeddings": [0.1, 0.2],
        "filename": "a.txt",
        "languages": ["eng"],
        "data_source_url": "s3://b/a.txt",
        "data_source_record_locator": {"k": 1},  # kept whole, as unstructured-ingest keeps it
    }
    assert json.dumps(out)
