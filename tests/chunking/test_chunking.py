"""Chunking: each strategy and option on small element lists whose chunks are known."""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import pytest
from lxml import html as lxml_html

import docbatch
from docbatch.chunking.base import CHUNK_TYPES, ChunkingOptions, decode_orig_elements
from docbatch.chunking.strategies import chunk
from docbatch.elements import Element, coordinates
from docbatch.errors import ConfigError
from support import run_cli


def el(kind: str, text: str, page: int | None = None, **meta: Any) -> Element:
    metadata = {"filename": "doc.pdf", "languages": ["eng"], **meta}
    if page is not None:
        metadata["page_number"] = page
    return Element(kind, text, metadata, element_id=f"id-{kind}-{text[:12]}-{page}")


def texts(chunks: list[Element]) -> list[str]:
    return [c.text for c in chunks]


WORDS = " ".join(["abcd"] * 30)  # 149 characters, a space every fifth


# --------------------------------------------------------------------------- basic


def test_basic_fills_chunks_with_whole_elements_up_to_max_characters():
    elements = [el("Title", "Intro"), el("NarrativeText", "a" * 100), el("NarrativeText", "b" * 100)]
    elements.append(el("NarrativeText", "c" * 100))
    chunks = chunk(elements, strategy="basic", max_characters=250)
    assert texts(chunks) == [f"Intro\n\n{'a' * 100}\n\n{'b' * 100}", "c" * 100]
    assert {c.type for c in chunks} == {"CompositeElement"}


def test_default_max_characters_is_500():
    elements = [el("NarrativeText", "x" * 240), el("NarrativeText", "y" * 240), el("NarrativeText", "z" * 30)]
    assert [len(t) for t in texts(chunk(elements))] == [482, 30]


def test_new_after_n_chars_closes_a_chunk_that_reached_it():
    elements = [el("Title", "Intro"), el("NarrativeText", "a" * 100), el("NarrativeText", "b" * 100)]
    elements.append(el("NarrativeText", "c" * 100))
    chunks = chunk(elements, strategy="basic", max_characters=250, new_after_n_chars=50)
    assert texts(chunks) == [f"Intro\n\n{'a' * 100}", "b" * 100, "c" * 100]


def test_new_after_n_chars_zero_puts_each_element_alone():
    elements = [el("NarrativeText", "one"), el("NarrativeText", "two"), el("NarrativeText", "three")]
    assert texts(chunk(elements, new_after_n_chars=0)) == ["one", "two", "three"]


def test_whitespace_is_collapsed_but_code_keeps_its_layout():
    elements = [el("NarrativeText", "a  b\n c"), el("CodeSnippet", "def f():\n    return 1")]
    assert texts(chunk(elements)) == ["a b c\n\ndef f():\n    return 1"]


def test_an_oversized_element_is_split_at_the_last_space_before_the_limit():
    chunks = chunk([el("NarrativeText", WORDS)], max_characters=50)
    assert texts(chunks) == [" ".join(["abcd"] * 10)] * 3
    assert [c.metadata.get("is_continuation") for c in chunks] == [None, True, True]


def test_a_split_prefers_a_newline_to_a_space():
    text = "first line here\nsecond line goes on and on"
    chunks = chunk([el("CodeSnippet", text)], max_characters=30)
    assert texts(chunks) == ["first line here", "second line goes on and on"]


def test_overlap_starts_each_split_piece_with_the_end_of_the_one_before():
    chunks = chunk([el("NarrativeText", WORDS)], max_characters=50, overlap=10)
    assert all(len(t) <= 50 for t in texts(chunks))
    for before, after in itertools.pairwise(chunks):
        assert after.text.startswith("abcd abcd ")
        assert before.text.endswith("abcd abcd")
    assert " ".join(texts(chunks)).count("abcd") > 30  # the overlap repeats words


def test_overlap_applies_between_whole_elements_only_with_overlap_all():
    elements = [el("NarrativeText", "one two three four five six"), el("NarrativeText", "seven eight nine ten eleven")]
    plain = chunk(elements, max_characters=40, overlap=10)
    assert texts(plain) == ["one two three four five six", "seven eight nine ten eleven"]
    overlapped = chunk(elements, max_characters=40, overlap=10, overlap_all=True)
    assert texts(overlapped) == ["one two three four five six", "r five six\n\nseven eight nine ten eleven"]


def test_no_chunk_is_ever_longer_than_max_characters():
    elements = [el("NarrativeText", WORDS * i) for i in range(1, 6)] + [el("Title", "T" * 90)]
    for strategy in ("basic", "by_title", "by_page"):
        chunks = chunk(elements, strategy=strategy, max_characters=90, overlap=20, overlap_all=True)
        assert chunks and max(len(t) for t in texts(chunks)) <= 90


# --------------------------------------------------------------------------- by_title, by_page


def sections() -> list[Element]:
    return [el("Title", "Sec A"), el("NarrativeText", "x" * 30), el("Title", "Sec B"), el("NarrativeText", "y" * 30)]


def test_by_title_combines_small_sections_by_default():
    assert texts(chunk(sections(), strategy="by_title")) == [f"Sec A\n\n{'x' * 30}\n\nSec B\n\n{'y' * 30}"]


def test_by_title_keeps_sections_apart_without_combining():
    expected = [f"Sec A\n\n{'x' * 30}", f"Sec B\n\n{'y' * 30}"]
    assert texts(chunk(sections(), strategy="by_title", combine_text_under_n_chars=0)) == expected
    # a section of 37 characters is not "under 30": it is not combined either
    assert texts(chunk(sections(), strategy="by_title", combine_text_under_n_chars=30)) == expected


def test_by_title_never_puts_two_sections_in_one_chunk_when_they_do_not_fit():
    assert len(chunk(sections(), strategy="by_title", max_characters=60)) == 2


def test_basic_ignores_sections():
    assert len(chunk(sections(), strategy="basic", combine_text_under_n_chars=0)) == 1


def test_by_title_without_multipage_sections_breaks_on_a_new_page():
    elements = [el("Title", "Sec A", 1), el("NarrativeText", "x" * 30, 1), el("NarrativeText", "z" * 30, 2)]
    opts = {"strategy": "by_title", "combine_text_under_n_chars": 0}
    assert len(chunk(elements, **opts)) == 1
    assert texts(chunk(elements, **opts, multipage_sections=False)) == [f"Sec A\n\n{'x' * 30}", "z" * 30]


def test_by_page_breaks_on_pages_not_on_titles():
    elements = [el("Title", "Sec A", 1), el("NarrativeText", "x", 1), el("Title", "Sec B", 1)]
    elements.append(el("NarrativeText", "y", 2))
    chunks = chunk(elements, strategy="by_page")
    assert texts(chunks) == ["Sec A\n\nx\n\nSec B", "y"]
    assert [c.metadata["page_number"] for c in chunks] == [1, 2]


# --------------------------------------------------------------------------- metadata


def test_a_chunk_spanning_two_pages_has_the_first_page_and_the_range():
    elements = [el("NarrativeText", "end of page one", 1), el("NarrativeText", "start of page two", 2)]
    (only,) = chunk(elements)
    assert only.metadata["page_number"] == 1
    assert only.metadata["page_range"] == [1, 2]
    (single,) = chunk(elements[:1])
    assert "page_range" not in single.metadata


def test_metadata_is_consolidated_as_unstructured_does():
    source = {"url": "s3://b/doc.pdf", "version": "1"}
    box = coordinates((0, 0, 10, 10), width=100, height=100)
    elements = [
        el("NarrativeText", "alpha", 1, data_source=source, coordinates=box, parent_id="p", link_texts=["a"]),
        el("NarrativeText", "beta", 1, data_source=source, languages=["eng", "deu"], link_texts=["b"]),
    ]
    meta = chunk(elements)[0].metadata
    assert meta["data_source"] == source
    assert meta["languages"] == ["eng", "deu"]
    assert meta["link_texts"] == ["a", "b"]
    assert "coordinates" not in meta and "parent_id" not in meta


def test_orig_elements_give_back_the_originals_with_coordinates():
    box = coordinates((1, 2, 30, 20), width=600, height=800)
    elements = [el("Title", "Heading", 3, coordinates=box), el("NarrativeText", "Body text.", 3)]
    (only,) = chunk(elements, strategy="by_title")
    back = decode_orig_elements(only.metadata["orig_elements"])
    assert [(e.type, e.text, e.element_id) for e in back] == [(e.type, e.text, e.element_id) for e in elements]
    assert back[0].metadata["coordinates"] == box


def test_include_orig_elements_false_leaves_them_out():
    (only,) = chunk(sections(), strategy="by_title", include_orig_elements=False)
    assert "orig_elements" not in only.metadata


def test_ids_are_deterministic_and_distinct():
    elements = [el("NarrativeText", WORDS)]
    first = [c.element_id for c in chunk(elements, max_characters=50, key="s3://b/x.pdf")]
    again = [c.element_id for c in chunk(elements, max_characters=50, key="s3://b/x.pdf")]
    other = [c.element_id for c in chunk(elements, max_characters=50, key="s3://b/y.pdf")]
    assert first == again and len(set(first)) == 3 and not set(first) & set(other)


# --------------------------------------------------------------------------- tables


def table_element(rows: int, text_as_html: str | None = None) -> Element:
    header = "<tr><th>Region</th><th>2025</th><th>2026</th></tr>"
    body = "".join(f"<tr><td>Region {i}</td><td>{100 + i}</td><td>{200 + i}</td></tr>" for i in range(rows))
    html_text = text_as_html or f"<table><thead>{header}</thead><tbody>{body}</tbody></table>"
    text = "\n".join(["Region 2025 2026", *(f"Region {i} {100 + i} {200 + i}" for i in range(rows))])
    return el("Table", text, 1, text_as_html=html_text)


def test_a_table_that_fits_stays_one_table_with_compact_html():
    (table,) = chunk([table_element(2)], max_characters=500)
    assert table.type == "Table" and table.text == "Region 2025 2026\nRegion 0 100 200\nRegion 1 101 201"
    assert table.metadata["text_as_html"] == (
        "<table><tr><td>Region</td><td>2025</td><td>2026</td></tr>"
        "<tr><td>Region 0</td><td>100</td><td>200</td></tr><tr><td>Region 1</td><td>101</td><td>201</td></tr></table>"
    )


def test_a_table_is_never_merged_with_text():
    chunks = chunk([el("NarrativeText", "Before."), table_element(2), el("NarrativeText", "After.")])
    assert [c.type for c in chunks] == ["CompositeElement", "Table", "CompositeElement"]


def test_a_large_table_is_split_on_rows_with_html_per_piece_and_headers_repeated():
    table = table_element(30)
    chunks = chunk([table], max_characters=200)
    assert len(chunks) > 2 and {c.type for c in chunks} == {"TableChunk"}
    assert [c.metadata["chunk_index"] for c in chunks] == list(range(len(chunks)))
    assert {c.metadata["table_id"] for c in chunks} == {table.element_id}
    assert [bool(c.metadata.get("is_continuation")) for c in chunks] == [False] + [True] * (len(chunks) - 1)
    rows_seen = []
    for i, piece in enumerate(chunks):
        assert len(piece.text) <= 200
        parsed = lxml_html.fragment_fromstring(piece.metadata["text_as_html"])
        rows = [" ".join(td.text_content() for td in tr) for tr in parsed.iter("tr")]
        assert piece.text == " ".join(rows)  # every piece is whole rows, its HTML matching its text
        if i:
            assert rows[0] == "Region 2025 2026" and piece.metadata["num_carried_over_header_rows"] == 1
            rows = rows[1:]
        rows_seen += rows
    assert rows_seen == ["Region 2025 2026", *(f"Region {i} {100 + i} {200 + i}" for i in range(30))]
    assert decode_orig_elements(chunks[0].metadata["orig_elements"])[0].text == table.text


def test_a_row_longer_than_a_chunk_is_cut_between_cells():
    long_row = "<table><tr>" + "".join(f"<td>{'w' * 30} {i}</td>" for i in range(8)) + "</tr></table>"
    table = el("Table", " ".join(f"{'w' * 30} {i}" for i in range(8)), 1, text_as_html=long_row)
    chunks = chunk([table], max_characters=100)
    assert all(len(c.text) <= 100 for c in chunks)
    assert " ".join(texts(chunks)) == table.text
    assert all(c.metadata["text_as_html"].startswith("<table><tr><td>") for c in chunks)


def test_a_table_without_html_is_split_as_text():
    table = el("Table", WORDS)
    chunks = chunk([table], max_characters=50)
    assert [c.type for c in chunks] == ["TableChunk"] * 3
    assert all("text_as_html" not in c.metadata for c in chunks)


def test_a_table_whose_html_lxml_refuses_is_split_as_text():
    bad = "<table><tr><td>a\x02b</td><td>" + "word " * 40 + "</td></tr></table>"
    chunks = chunk([el("Table", "ab " + "word " * 40, text_as_html=bad)], max_characters=100)
    assert chunks and all(c.type == "TableChunk" and "text_as_html" not in c.metadata for c in chunks)


# --------------------------------------------------------------------------- options, library, CLI


@pytest.mark.parametrize(
    "bad",
    [
        {"strategy": "by_section"},
        {"max_characters": 0},
        {"overlap": 500},
        {"new_after_n_chars": -1},
        {"combine_text_under_n_chars": 501},
    ],
)
def test_invalid_options_are_a_config_error(bad):
    with pytest.raises(ConfigError):
        ChunkingOptions(**{"strategy": "basic", **bad})


def test_unknown_option_name_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown chunking option"):
        chunk([], max_chars=10)


def test_fingerprint_is_stable_empty_when_off_and_changes_with_options():
    assert ChunkingOptions().fingerprint() == ""
    base = ChunkingOptions(strategy="by_title")
    assert base.fingerprint() == ChunkingOptions(strategy="by_title", new_after_n_chars=500).fingerprint()
    assert base.fingerprint() != ChunkingOptions(strategy="by_title", max_characters=800).fingerprint()
    assert base.fingerprint() != ChunkingOptions(strategy="basic").fingerprint()


def test_library_call_chunks_partitioned_elements(tmp_path):
    doc = tmp_path / "notes.md"
    doc.write_text("# One\n\n" + "Para one. " * 30 + "\n\n# Two\n\nPara two.\n", encoding="utf-8")
    _, elements = docbatch.partition_file(doc)
    chunks = docbatch.chunk(elements, strategy="by_title", max_characters=200, combine_text_under_n_chars=0)
    assert texts(chunks)[-1] == "Two\n\nPara two."
    assert all(c.type in CHUNK_TYPES and len(c.text) <= 200 for c in chunks)
    options = docbatch.ChunkingOptions(strategy="by_title", max_characters=200, combine_text_under_n_chars=0)
    assert texts(docbatch.chunk(elements, options)) == texts(chunks)


def test_cli_writes_chunks_with_a_strategy(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("# One\n\n" + "Para one. " * 40 + "\n\n# Two\n\nPara two.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["local", str(src), "--structured-output-dir", str(out), "--chunking-strategy", "by_title"]
    result = run_cli([*args, "--max-characters", "150", "--no-include-orig-elements"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    items = json.loads((out / "a.md.json").read_text())
    assert {i["type"] for i in items} == {"CompositeElement"}
    assert max(len(i["text"]) for i in items) <= 150
    assert items[-1]["text"] == "Two\n\nPara two."
    assert all("orig_elements" not in i["metadata"] and i["metadata"]["data_source"]["url"] for i in items)


def test_cli_refuses_invalid_chunking_options(tmp_path):
    args = ["local", str(tmp_path), "--chunking-strategy", "basic", "--overlap", "600"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 2
    assert "overlap must be" in result.stderr


# --------------------------------------------------------------------------- unstructured's reader


@pytest.mark.bench
def test_round_trip_through_unstructured_reader():
    os.environ.setdefault("DO_NOT_TRACK", "1")
    staging = pytest.importorskip("unstructured.staging.base", reason="unstructured (bench extra) not installed")
    title = pytest.importorskip("unstructured.chunking.title")
    box = coordinates((1, 2, 30, 20), width=600, height=800)
    elements = [el("Title", "Heading", 1, coordinates=box), el("NarrativeText", "Body under it.", 1)]
    elements += [el("NarrativeText", WORDS, 1), el("NarrativeText", "Page two text.", 2), table_element(30)]
    ours = chunk(elements, strategy="by_title", max_characters=120)
    back = staging.elements_from_json(text=json.dumps([c.to_dict() for c in ours]))
    assert [type(b).__name__ for b in back] == [c.type for c in ours]
    assert [b.text for b in back] == texts(ours)
    origs = back[0].metadata.orig_elements
    assert [o.text for o in origs] == ["Heading", "Body under it."]
    assert origs[0].metadata.coordinates.points == ((1.0, 2.0), (1.0, 20.0), (30.0, 20.0), (30.0, 2.0))
    theirs = title.chunk_by_title(
        staging.elements_from_json(text=json.dumps([e.to_dict() for e in elements])), max_characters=120
    )
    assert [t.text for t in theirs] == texts(ours)


def test_a_split_paragraph_repeats_orig_elements_only_within_a_bound():
    import random

    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(50_000)]
    paragraph = Element("NarrativeText", " ".join(words)[:300_000], {"page_number": 1})
    chunks = chunk([paragraph], strategy="by_title")  # the defaults: 500 characters, orig_elements kept
    assert len(chunks) > 500
    carried = [c for c in chunks if "orig_elements" in c.metadata]
    assert sum(len(c.metadata["orig_elements"]) for c in carried) <= 1024 * 1024 + len(
        carried[0].metadata["orig_elements"]
    )
    assert carried[0] is chunks[0]  # the first piece still gives back the whole original
    assert decode_orig_elements(chunks[0].metadata["orig_elements"])[0].text == paragraph.text
    small = chunk([Element("NarrativeText", "word " * 300, {})], strategy="basic", max_characters=500)
    assert len(small) == 3 and all("orig_elements" in c.metadata for c in small)  # as unstructured, when small


def test_a_checkbox_in_orig_elements_keeps_checked_where_unstructured_reads_it():
    import base64
    import zlib

    elements = [
        Element("Title", "Consent", {"page_number": 1}, element_id="t"),
        Element("NarrativeText", "I agree to the terms.", {"page_number": 1}, element_id="n"),
        Element("CheckBox", "", {"page_number": 1}, element_id="c", checked=True),
    ]
    chunks = chunk(elements, strategy="basic")
    encoded = [c.metadata["orig_elements"] for c in chunks]
    dicts = [d for e in encoded for d in json.loads(zlib.decompress(base64.b64decode(e)))]
    # unstructured's elements_from_dicts builds CheckBox(checked=item["checked"]): the key must be there
    assert [d["checked"] for d in dicts if d["type"] == "CheckBox"] == [True]
    back = [el for e in encoded for el in decode_orig_elements(e)]
    assert [(el.type, el.checked) for el in back if el.type == "CheckBox"] == [("CheckBox", True)]
