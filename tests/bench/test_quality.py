"""The benchmark's own tooling: generated documents carry their expected elements, and scoring
rewards a perfect match and penalises wrong types and lost text.

Runs with only ``.[test]`` installed: writers needing a library outside it (fpdf2) are skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# ``benchmarks`` lives at the repository root and is not installed; ``python -m pytest`` finds it
# through the working directory, plain ``pytest`` through this line.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.document import Expected, make_document
from benchmarks.generate import generate, load_expected
from benchmarks.quality import Score, align, score, text_similarity, type_accuracy

STDLIB_FORMATS = ["txt", "md", "html", "eml", "csv"]
OFFICE_FORMATS = ["docx", "pptx", "xlsx", "msg"]


def test_document_is_deterministic_and_structured() -> None:
    a, b = make_document(3), make_document(3)
    assert a == b
    kinds = {block.kind for block in a.blocks}
    assert kinds == {"title", "paragraph", "list_item", "table"}
    assert {block.level for block in a.blocks if block.kind == "title"} == {1, 2, 3}
    assert make_document(4) != a
    assert any(b.kind == "list_item" and b.level == 1 for b in a.blocks)  # nested items
    assert any(b.split_emphasis()[1] for b in a.blocks if b.kind == "paragraph")  # bold phrases


@pytest.mark.parametrize("fmt", STDLIB_FORMATS + OFFICE_FORMATS)
def test_generated_file_has_expected_elements(tmp_path: Path, fmt: str) -> None:
    [doc] = generate(tmp_path, [fmt], count=1)
    assert doc.path.is_file() and doc.path.stat().st_size > 0
    expected = load_expected(doc.expected_path)
    types = {e.type for e in expected}
    if fmt in ("csv", "xlsx"):
        assert types == {"Table"}
    else:
        assert {"Title", "NarrativeText", "ListItem"} <= types
    if fmt == "docx":
        assert expected[0].type == "Header" and expected[-1].type == "Footer"
    # every expected text is really in the file (for the text-based formats, checkable directly)
    if fmt in ("txt", "md", "html"):
        content = doc.path.read_text(encoding="utf-8")
        for mark in ("**", "<b>", "</b>"):  # the bold phrase inside paragraphs
            content = content.replace(mark, "")
        for e in expected:
            if e.type != "Table":
                assert e.text in content


def test_generated_msg_is_a_real_outlook_message(tmp_path: Path) -> None:
    """The .msg writer produces what Outlook would: docbatch reads the same elements and
    envelope from it as from the .eml of the same document, and scores it perfectly."""
    from docbatch.partitioners.auto import partition_file
    from docbatch.partitioners.kit.base import PartitionOptions

    [msg] = generate(tmp_path, ["msg"], count=1)
    [eml] = generate(tmp_path, ["eml"], count=1)
    _, from_msg = partition_file(msg.path, PartitionOptions(), name=msg.path.name)
    _, from_eml = partition_file(eml.path, PartitionOptions(), name=eml.path.name)
    assert [(e.type, e.text) for e in from_msg] == [(e.type, e.text) for e in from_eml]
    envelope = ("sent_from", "sent_to", "subject", "email_message_id", "last_modified")
    assert {k: from_msg[0].metadata.get(k) for k in envelope} == {k: from_eml[0].metadata.get(k) for k in envelope}
    assert from_msg[0].metadata["sent_to"] == ["Board <board@northwind.example>"]
    result = score(load_expected(msg.expected_path), from_msg)
    assert result.text_similarity == 1.0 and result.type_accuracy == 1.0


def test_generation_is_cached(tmp_path: Path) -> None:
    [first] = generate(tmp_path, ["md"], count=1)
    stamp = first.path.stat().st_mtime_ns
    [again] = generate(tmp_path, ["md"], count=1)
    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp


def test_pdf_has_running_header_and_footer_per_page(tmp_path: Path) -> None:
    pytest.importorskip("fpdf")
    [doc] = generate(tmp_path, ["pdf"], count=1, sections=6)
    expected = load_expected(doc.expected_path)
    headers = [i for i, e in enumerate(expected) if e.type == "Header"]
    footers = [i for i, e in enumerate(expected) if e.type == "Footer"]
    assert len(headers) == len(footers) >= 3  # several pages
    assert all(h < f for h, f in zip(headers, footers, strict=True))
    import pypdfium2

    pdf = pypdfium2.PdfDocument(doc.path)
    assert len(pdf) == len(headers)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert " ".join(text.split()).count("Internal use only") == len(footers)


def test_perfect_match_scores_one(tmp_path: Path) -> None:
    [doc] = generate(tmp_path, ["md"], count=1)
    expected = load_expected(doc.expected_path)
    s = score(expected, list(expected))
    assert s.text_similarity == 1.0 and s.type_accuracy == 1.0 and s.matched == 1.0


def test_wrong_types_score_lower_but_text_stays() -> None:
    expected = [
        Expected("Title", "1 Revenue"),
        Expected("NarrativeText", "The board approved it."),
        Expected("ListItem", "Hire staff"),
    ]
    produced = [Expected("NarrativeText", e.text) for e in expected]
    s = score(expected, produced)
    assert s.text_similarity == 1.0
    assert s.type_accuracy == pytest.approx(1 / 3)


def test_lost_text_lowers_similarity_and_matching() -> None:
    expected = [Expected("NarrativeText", f"Paragraph number {i} says something long enough.") for i in range(10)]
    s = score(expected, expected[:5])
    assert s.text_similarity < 0.7
    assert s.matched == pytest.approx(0.5) and s.type_accuracy == pytest.approx(0.5)


def test_alignment_tolerates_merges_splits_and_moved_elements() -> None:
    expected = [
        Expected("Header", "Running header"),
        Expected("Title", "Intro"),
        Expected("NarrativeText", "First sentence of a paragraph that continues. Second sentence of it."),
        Expected("ListItem", "one"),
        Expected("ListItem", "two"),
    ]
    produced = [
        Expected("Title", "Intro"),
        Expected("NarrativeText", "First sentence of a paragraph that continues."),
        Expected("NarrativeText", "Second sentence of it."),
        Expected("ListItem", "one two"),
        Expected("Header", "Running header"),  # emitted last instead of first
    ]
    assert align(expected, produced) == [4, 0, 1, 3, 3]
    accuracy, matched = type_accuracy(expected, produced)
    assert matched == 1.0 and accuracy == 1.0


def test_text_similarity_ignores_layout_whitespace() -> None:
    assert text_similarity("a  b\n\nc", "a b c") == 1.0
    assert text_similarity("abcdef", "abcxyz") < 1.0
    assert text_similarity("", "") == 1.0


def test_combine_weights_by_element_count() -> None:
    combined = Score.combine([Score(1.0, 1.0, 1.0, 3), Score(0.0, 0.0, 0.0, 1)])
    assert combined is not None and combined.type_accuracy == pytest.approx(0.75)
    assert Score.combine([]) is None


def test_expected_json_is_plain(tmp_path: Path) -> None:
    [doc] = generate(tmp_path, ["txt"], count=1)
    data = json.loads(doc.expected_path.read_text(encoding="utf-8"))
    assert all(set(d) == {"type", "text"} for d in data)
