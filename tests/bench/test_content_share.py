"""The corpus content share's counting: letters, the 20-letter thresholds, the share and its rows.

Needs neither the corpus nor kreuzberg: the two tools' views are given as data.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``benchmarks`` lives at the repository root and is not installed (see test_quality.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.content_share import ShareResult, as_json, compute, element_letters, letters, markdown, per_format


def test_letters_are_unicode_letters_only() -> None:
    assert letters("ab 12, cd!") == 4
    assert letters("Привет мир") == 9  # Cyrillic
    assert letters("日本語のテキスト") == 8  # CJK and kana count as letters
    assert letters("1,234.56 | --- | %") == 0
    assert letters("") == 0


def test_element_letters_sums_every_text() -> None:
    elements = [{"type": "Title", "text": "Hello"}, {"type": "Table", "text": "a 1 b 2"}, {"type": "Image"}]
    assert element_letters(elements) == 7
    assert element_letters([{"text": None}, "not an element"]) == 0  # type: ignore[list-item]


def _result() -> ShareResult:
    paths = ["a.pdf", "b.pdf", "c.docx", "d.wav", "e.json", "sub/f.eml"]
    kreuzberg = {
        "a.pdf": (500, None),  # text-bearing, docbatch too: a hit
        "b.pdf": (0, None),  # scanned, say: docbatch alone finds text
        "c.docx": (20, None),  # exactly the threshold: text-bearing
        "d.wav": (0, "ValidationError: audio/wav"),
        "e.json": (100, None),  # docbatch skips it: a miss
        "sub/f.eml": (90, None),  # docbatch's output holds 19 letters: a miss
    }
    rows = [
        {"key": "a.pdf", "status": "ok", "reason": ""},
        {"key": "b.pdf", "status": "ok", "reason": ""},
        {"key": "c.docx", "status": "ok", "reason": ""},
        {"key": "d.wav", "status": "skipped", "reason": "unsupported file type wav"},
        {"key": "e.json", "status": "skipped", "reason": "unsupported: JSON that is not element JSON"},
        {"key": "sub/f.eml", "status": "ok", "reason": ""},
    ]
    found = {"a.pdf": 480, "b.pdf": 300, "c.docx": 20, "sub/f.eml": 19}
    return ShareResult(compute(paths, kreuzberg, rows, found), kreuzberg_timeout=120)


def test_share_counts_text_bearing_files_only() -> None:
    result = _result()
    assert [f.path for f in result.text_bearing] == ["a.pdf", "c.docx", "e.json", "sub/f.eml"]
    assert [f.path for f in result.misses] == ["e.json", "sub/f.eml"]
    assert result.share == 0.5
    assert [f.path for f in result.docbatch_only] == ["b.pdf"]
    assert [f.path for f in result.kreuzberg_failed] == ["d.wav"]
    assert ShareResult([]).share is None


def test_per_format_rows_and_report() -> None:
    result = _result()
    rows = {r["format"]: r for r in per_format(result)}
    assert rows["pdf"] == {
        "format": "pdf",
        "files": 2,
        "ok": 2,
        "partial": 0,
        "skipped": 0,
        "failed": 0,
        "text_bearing": 1,
        "docbatch_content": 1,
        "docbatch_only": 1,
    }
    assert rows["json"]["skipped"] == 1 and rows["json"]["docbatch_content"] == 0
    text = markdown(result)
    assert "docbatch gives content for 2 of 4 text-bearing files (50.0%)" in text
    assert "- `e.json`: docbatch skipped: unsupported: JSON that is not element JSON, 0 letters" in text
    assert "- `d.wav`: ValidationError: audio/wav; docbatch skipped" in text
    data = as_json(result)
    assert (data["text_bearing"], data["docbatch_content"], data["share"]) == (4, 2, 0.5)


def test_a_file_missing_from_the_record_is_not_seen() -> None:
    [outcome] = compute(["x.txt"], {"x.txt": (50, None)}, [], {})
    assert outcome.status == "not seen" and outcome.text_bearing and not outcome.docbatch_content
