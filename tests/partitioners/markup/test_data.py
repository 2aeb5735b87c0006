"""JSON, NDJSON and YAML that are not element JSON, read as documents of their values (markup/data.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit import notes
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup import data
from docbatch.partitioners.markup.data import partition_yaml
from docbatch.partitioners.markup.elementjson import partition_json, partition_ndjson

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions(detect_languages=False)
RECORDS = [
    {"sku": "GRD-8842", "name": "Garden Trowel", "price": 12.5, "in_stock": True},
    {"sku": "GRD-1290", "name": "Watering Can", "price": 18.0, "in_stock": False},
    {"sku": "GRD-3317", "name": "Pruning Shears", "price": 24.99, "in_stock": True, "note": None},
]
RECORDS[2].pop("note")  # (same keys in every record: a table)


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _pairs(elements) -> list[tuple[str, str]]:
    return [(e.type, e.text) for e in elements]


# -- shapes -------------------------------------------------------------------------------------


def test_records_with_the_same_keys_are_a_table(tmp_path):
    path = _write(tmp_path, "records.json", json.dumps(RECORDS, indent=2))
    [table] = partition_json(path, OPTIONS)
    assert table.type == "Table"
    assert table.text == (
        "sku name price in_stock\n\nGRD-8842 Garden Trowel 12.5 true\n\n"
        "GRD-1290 Watering Can 18.0 false\n\nGRD-3317 Pruning Shears 24.99 true"
    )
    html = table.metadata["text_as_html"]
    assert html.startswith("<table><tr><td>sku</td><td>name</td><td>price</td><td>in_stock</td></tr>")
    assert "<td>Watering Can</td><td>18.0</td><td>false</td>" in html


def test_one_object_is_key_value_lines(tmp_path):
    path = _write(tmp_path, "one.json", json.dumps(RECORDS[0]))
    assert _pairs(partition_json(path, OPTIONS)) == [
        ("NarrativeText", "sku: GRD-8842\nname: Garden Trowel\nprice: 12.5\nin_stock: true")
    ]


def test_a_top_level_scalar_is_its_text(tmp_path):
    path = _write(tmp_path, "s.json", json.dumps("A string and nothing else."))
    assert _pairs(partition_json(path, OPTIONS)) == [("NarrativeText", "A string and nothing else.")]


def test_nesting_paths_lists_long_strings_and_nulls(tmp_path):
    long = "Ships in two days. " * 15
    payload = {
        "id": "Sample-1",
        "owner": {"name": "Ada", "address": {"city": "London", "zip": None}},
        "tags": ["garden", "tools"],
        "description": long,
        "empty": {},
        "blank": "  ",
        "variants": [{"color": "red", "size": 3}, {"color": "blue", "size": 4}],
        "reviews": [{"by": "Grace", "stars": 5}, {"by": "Alan", "comment": {"text": "Sturdy"}}],
    }
    path = _write(tmp_path, "nested.json", json.dumps(payload))
    out = partition_json(path, OPTIONS)
    assert _pairs(out) == [
        ("NarrativeText", "id: Sample-1\nowner.name: Ada\nowner.address.city: London\ntags[0]: garden\ntags[1]: tools"),
        ("NarrativeText", f"description: {long.strip()}"),
        ("FigureCaption", "variants"),
        ("Table", "color size\n\nred 3\n\nblue 4"),
        ("NarrativeText", "reviews[0].by: Grace\nreviews[0].stars: 5"),
        ("NarrativeText", "reviews[1].by: Alan\nreviews[1].comment.text: Sturdy"),
    ]


def test_records_of_other_shapes_each_start_an_element(tmp_path):
    items = [{"a": 1}, {"b": {"c": 2}}, "loose words", 7, [1, 2], {"a": 1}]
    path = _write(tmp_path, "mixed.json", json.dumps(items))
    assert _pairs(partition_json(path, OPTIONS)) == [
        ("NarrativeText", "a: 1"),
        ("NarrativeText", "b.c: 2"),
        ("NarrativeText", "loose words\n7"),
        ("NarrativeText", "[0]: 1\n[1]: 2"),
        ("NarrativeText", "a: 1"),
    ]


def test_a_record_of_many_fields_is_cut_into_blocks(tmp_path):
    path = _write(tmp_path, "wide.json", json.dumps({f"field{i}": i for i in range(120)}))
    out = partition_json(path, OPTIONS)
    assert [len(e.text.splitlines()) for e in out] == [50, 50, 20]
    assert out[1].text.startswith("field50: 50")


def test_a_long_run_of_records_is_tables_that_each_name_their_columns(tmp_path):
    path = _write(tmp_path, "many.ndjson", "".join(json.dumps({"n": i, "sq": i * i}) + "\n" for i in range(1001)))
    out = partition_ndjson(path, OPTIONS)
    assert [e.type for e in out] == ["Table", "Table", "Table"]
    assert all(e.text.startswith("n sq\n\n") for e in out)
    assert out[2].text == "n sq\n\n1000 1000000"  # the last row alone is still a table row


# -- NDJSON -------------------------------------------------------------------------------------


def test_ndjson_records_stream_as_data(tmp_path):
    lines = [json.dumps(r) for r in RECORDS] + ["", json.dumps({"event": "restock", "qty": 4})]
    path = _write(tmp_path, "log.jsonl", "\ufeff" + "\n".join(lines) + "\n")
    out = partition_ndjson(path, OPTIONS)
    assert [e.type for e in out] == ["Table", "NarrativeText"]
    assert out[0].text.startswith("sku name price in_stock\n\nGRD-8842")
    assert out[1].text == "event: restock\nqty: 4"


def test_ndjson_that_starts_as_elements_and_turns_to_data_is_data(tmp_path):
    path = _write(tmp_path, "x.ndjson", '{"type": "Title", "text": "Hi"}\n{"name": "plain"}\n')
    assert _pairs(partition_ndjson(path, OPTIONS)) == [
        ("NarrativeText", "type: Title\ntext: Hi"),
        ("NarrativeText", "name: plain"),
    ]


def test_invalid_ndjson_names_its_line(tmp_path):
    path = _write(tmp_path, "bad.ndjson", '{"a": 1}\n{"a": 2}\n{"a": \n')
    with pytest.raises(DocumentError, match=r"^invalid NDJSON \(line 3\): ") as info:
        partition_ndjson(path, OPTIONS)
    assert "\n" not in str(info.value)


# -- YAML ---------------------------------------------------------------------------------------

SIMPLE_YAML = """---
 doe: "a deer, a female deer"
 pi: 3.14159
 xmas: true
 calling-birds:
   - huey
   - dewey
 xmas-fifth-day:
   partridges:
     count: 1
     location: "a pear tree"
 released: 2024-03-01
 nothing: ~
"""


def test_yaml_reads_as_data(tmp_path):
    path = _write(tmp_path, "simple.yaml", SIMPLE_YAML)
    assert _pairs(partition_yaml(path, OPTIONS)) == [
        (
            "NarrativeText",
            "doe: a deer, a female deer\npi: 3.14159\nxmas: true\ncalling-birds[0]: huey\ncalling-birds[1]: dewey\n"
            "xmas-fifth-day.partridges.count: 1\nxmas-fifth-day.partridges.location: a pear tree\n"
            "released: 2024-03-01",
        )
    ]


def test_yaml_documents_are_records_and_aliases_expand(tmp_path):
    text = "base: &b {host: db, port: 5432}\nprod: *b\n---\n- {name: Ada, role: admin}\n- {name: Alan, role: dev}\n"
    path = _write(tmp_path, "multi.yml", text)
    assert _pairs(partition_yaml(path, OPTIONS)) == [
        ("NarrativeText", "base.host: db\nbase.port: 5432\nprod.host: db\nprod.port: 5432"),
        ("Table", "name role\n\nAda admin\n\nAlan dev"),
    ]


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]  # 9**10 values
    path = _write(tmp_path, "laughs.yaml", "\n".join(lines) + "\n")
    began = time.monotonic()
    with pytest.raises(DocumentError, match="alias bomb"):
        partition_yaml(path, OPTIONS)
    assert time.monotonic() - began < 2


def test_a_recursive_yaml_alias_is_refused(tmp_path):
    path = _write(tmp_path, "loop.yaml", "a: &x\n  - 1\n  - *x\n")
    with pytest.raises(DocumentError, match="recursive"):
        partition_yaml(path, OPTIONS)


def test_yaml_is_read_by_the_safe_loader_only(tmp_path):
    marker = tmp_path / "ran"
    path = _write(tmp_path, "evil.yaml", f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(DocumentError, match=r"^invalid YAML: "):
        partition_yaml(path, OPTIONS)
    assert not marker.exists()


def test_invalid_yaml_is_one_line_with_its_place(tmp_path):
    path = _write(tmp_path, "bad.yaml", "a: [1, 2\nb: 3\n")
    with pytest.raises(DocumentError, match=r"^invalid YAML: .* at line \d+, column \d+$") as info:
        partition_yaml(path, OPTIONS)
    assert "\n" not in str(info.value)


def test_yaml_and_jsonl_are_detected_by_name(tmp_path):
    ft, out = partition_file(_write(tmp_path, "c.yml", "name: docbatch\n"), OPTIONS)
    assert (ft.name, _pairs(out)) == ("yaml", [("NarrativeText", "name: docbatch")])
    ft, out = partition_file(_write(tmp_path, "r.jsonl", '{"a": "b"}\n'), OPTIONS)
    assert (ft.name, _pairs(out)) == ("ndjson", [("NarrativeText", "a: b")])


# -- bounds -------------------------------------------------------------------------------------


def test_depth_past_the_limit_is_a_lost_part(tmp_path):
    deep: dict = {"leaf": "too deep"}
    for _ in range(100):
        deep = {"k": deep}
    path = _write(tmp_path, "deep.json", json.dumps({"title": "kept", "deep": deep}))
    with notes.collecting() as book:
        out = partition_json(path, OPTIONS)
    assert _pairs(out) == [("NarrativeText", "title: kept")]
    assert len(book.lost) == 1 and "nested deeper than 64 levels" in book.lost[0]


def test_output_is_bounded_against_amplification(tmp_path):
    # a 2 kB key over a list of 20,000 ones: every line would repeat the key
    path = _write(tmp_path, "amp.json", json.dumps({"k" * 2000: [1] * 20_000}))
    with notes.collecting() as book:
        out = partition_json(path, OPTIONS)
    assert out and sum(len(e.text) for e in out) <= 1.1 * (1 << 20)  # the budget, give or take line breaks
    assert any("output past" in lost for lost in book.lost)


def test_invalid_json_is_a_one_line_document_error(tmp_path):
    path = _write(tmp_path, "bad.json", '{"a": [1, 2}')
    with pytest.raises(DocumentError, match=r"^invalid JSON: ") as info:
        partition_json(path, OPTIONS)
    assert "\n" not in str(info.value)


@pytest.fixture
def small_batches(monkeypatch):
    """Large-file reading on small files: batch anything over 1 kB, in batches of 256 bytes."""
    monkeypatch.setattr(data, "_WHOLE_FILE", 1024)
    monkeypatch.setattr(data, "_BATCH", 256)


def test_a_large_array_read_in_batches_reads_as_whole(tmp_path, monkeypatch):
    items = []
    for i in range(300):
        # separators inside strings and nested values: cuts there must be refused
        items.append({"id": i, "text": 'a "},{" b, [c]', "sub": [{"x": i}, {"y": [1, 2]}], "s": "x\\y"})
        items.append({"id": i, "text": "plain"})
    text = json.dumps(items, indent=1)
    path = _write(tmp_path, "big.json", text)
    whole = _pairs(partition_json(path, OPTIONS))
    monkeypatch.setattr(data, "_WHOLE_FILE", 1024)
    monkeypatch.setattr(data, "_BATCH", 256)
    assert data.large_array(path)
    assert list(data.array_items(path)) == items
    assert _pairs(partition_json(path, OPTIONS)) == whole


def test_a_large_array_of_strings_or_numbers_in_batches(tmp_path, small_batches):
    for items in (['it\'s, "quoted", here', "b"] * 200, list(range(2000)), [[1, [2]], [3]] * 300):
        path = _write(tmp_path, "arr.json", json.dumps(items))
        assert list(data.array_items(path)) == items


def test_a_large_invalid_array_fails_with_the_parse_error(tmp_path, small_batches):
    path = _write(tmp_path, "bad.json", json.dumps([{"a": i} for i in range(200)])[:-1] + ", }]")
    with pytest.raises(DocumentError, match=r"^invalid JSON: "):
        partition_json(path, OPTIONS)
    path = _write(tmp_path, "tail.json", json.dumps([{"a": i} for i in range(200)]) + " x")
    with pytest.raises(DocumentError, match=r"^invalid JSON: "):
        partition_json(path, OPTIONS)


def test_large_element_json_still_reads_back_as_elements(tmp_path, small_batches):
    items = [{"type": "NarrativeText", "text": f"Paragraph {i}."} for i in range(100)]
    path = _write(tmp_path, "big.pdf.json", json.dumps(items))
    assert _pairs(partition_json(path, OPTIONS)) == [("NarrativeText", f"Paragraph {i}.") for i in range(100)]


# -- element JSON in looser hands ---------------------------------------------------------------


def test_a_gold_standard_file_reads_as_elements_with_its_table(tmp_path):
    items = [
        {"type": "Header", "text": "I. General Department"},
        {"type": "Title", "text": 1},
        {
            "type": "Table",
            "text": [
                {"id": "c", "x": 1, "y": 0, "w": 1, "h": 1, "content": "2022"},
                {"id": "a", "x": 0, "y": 0, "w": 1, "h": 2, "content": ""},
                {"id": "d", "x": 1, "y": 1, "w": 1, "h": 1, "content": "292,280"},
                {"id": "e", "x": 0, "y": 2, "w": 2, "h": 1, "content": "Total"},
            ],
        },
        {"type": "Value"},
        {"type": "PageNumber", "text": 7},
    ]
    path = _write(tmp_path, "statement.pdf.json", json.dumps(items))
    out = partition_json(path, OPTIONS)
    assert _pairs(out) == [
        ("Header", "I. General Department"),
        ("Title", "1"),
        ("Table", "2022\n292,280\nTotal"),
        ("NarrativeText", ""),
        ("PageNumber", "7"),
    ]
    assert out[2].metadata["text_as_html"] == (
        '<table><tr><td rowspan="2"></td><td>2022</td></tr><tr><td>292,280</td></tr>'
        '<tr><td colspan="2">Total</td></tr></table>'
    )


def test_form_key_value_pairs_become_the_text(tmp_path):
    pair = {"key": {"text": "Name"}, "value": {"text": "Ada Lovelace"}, "confidence": 0.0}
    alone = {"key": {"text": "Signature"}, "value": None}
    item = {"type": "FormKeysValues", "element_id": "f", "text": "", "metadata": {"key_value_pairs": [pair, alone]}}
    path = _write(tmp_path, "form.json", json.dumps([item]))
    assert _pairs(partition_json(path, OPTIONS)) == [("NarrativeText", "Name: Ada Lovelace\nSignature")]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("arbitrary-records.json", "Pruning Shears 24.99 true"),
        ("arbitrary-records.ndjson", "Watering Can 18.0 false"),
        ("not-unstructured-payload.json", "description: This is sample data #1"),
        ("single-line-object.json", "name: Garden Trowel"),
        ("simple.yaml", "xmas-fifth-day.partridges.location: a pear tree"),
        ("test_evaluate_files/unstructured_output/form.json", "MOCK KEY: MOCK VALUE"),
        ("test_evaluate_files/gold_standard_table_structure/2022-financial-statements-p11.pdf.json", "Assets"),
        ("test_evaluate_files/gold_standard_table_structure/IRS-2023-Form-1095-A.pdf.json", "Covered individual"),
    ],
)
def test_corpus_data_files_read(name, expected):
    _, out = partition_file(CORPUS / name, OPTIONS)
    assert any(expected in e.text for e in out)
