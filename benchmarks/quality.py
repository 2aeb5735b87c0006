"""Score produced elements against the expected ones: text similarity and element-type accuracy.

*Text similarity* is 1 - normalised Levenshtein distance between all expected text and all
produced text (whitespace collapsed), so lost, doubled or garbled text all cost. *Type accuracy*
aligns each expected element with a produced one by text, in reading order, and counts the
share whose type is right; an expected element with no produced counterpart counts as wrong.
rapidfuzz is used when installed (it is in the bench extra); otherwise difflib, which is fine for
the small documents of the unit tests.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.document import Expected

__all__ = ["Score", "align", "read_elements", "score", "text_similarity", "type_accuracy"]

#: Above this many characters, compare word sequences instead of characters (keeps it O(seconds)).
_CHAR_LIMIT = 60_000
#: How far ahead of the reading position a match may lie and still move the position.
_MAX_SKIP = 12
_WINDOW = 60
_FUZZY = 0.9


def normalize(text: str) -> str:
    """Whitespace-collapsed text: layout spaces and line breaks are not content."""
    return " ".join(text.split())


def _ratio(a: Sequence, b: Sequence) -> float:
    if not a and not b:
        return 1.0
    try:
        from rapidfuzz.distance import Levenshtein
    except ImportError:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return Levenshtein.normalized_similarity(a, b)


def text_similarity(expected: str, produced: str) -> float:
    """1.0 for identical text (after whitespace normalisation), falling with edit distance."""
    a, b = normalize(expected), normalize(produced)
    if max(len(a), len(b)) > _CHAR_LIMIT:
        return _ratio(a.split(), b.split())
    return _ratio(a, b)


def _find(text: str, produced: list[str], start: int, stop: int) -> tuple[int, str] | None:
    """The first produced element in [start, stop) that matches ``text``, and how."""
    for j in range(start, stop):
        if produced[j] == text:
            return j, "exact"
    for j in range(start, stop):
        p = produced[j]
        if text and text in p:
            return j, "merged"  # the partitioner joined this element with its neighbours
        if len(p) >= 0.3 * len(text) and p and p in text:
            return j, "split"  # the partitioner split this element; j is its first piece
    for j in range(start, stop):
        if _ratio(text, produced[j]) >= _FUZZY:
            return j, "fuzzy"
    return None


def align(expected: Sequence[Expected], produced: Sequence[Expected]) -> list[int | None]:
    """For each expected element, the index of its produced counterpart (or None).

    Walks both lists in reading order. A match near the current position moves it on; a match
    found far away (a header emitted at the end instead of the start) is accepted without moving
    it, so one displaced element does not make everything after it unmatched. Outside the window
    only identical text not matched before counts, so that text repeated elsewhere in the document
    does not stand in for an element the partitioner lost.
    """
    texts = [normalize(p.text) for p in produced]
    out: list[int | None] = []
    used: set[int] = set()
    pos = 0
    for i, exp in enumerate(expected):
        text = normalize(exp.text)
        hit = _find(text, texts, pos, min(len(texts), pos + _WINDOW))
        if hit is None:
            # out of reading order: only an identical, not yet matched element counts
            far = next((j for j, t in enumerate(texts) if t == text and j not in used), None) if text else None
            out.append(far)
            if far is not None:
                used.add(far)
            continue
        j, how = hit
        out.append(j)
        used.add(j)
        if j > pos and i + 1 < len(expected) and _find(normalize(expected[i + 1].text), texts, pos, j):
            continue  # the next element comes before this match: this one is displaced
        if j - pos <= _MAX_SKIP:
            if how == "merged":
                pos = j  # the next expected element may be in the same produced one
            elif how == "split":
                pos = j + 1
                while pos < len(texts) and texts[pos] and texts[pos] in text:
                    pos += 1
            else:
                pos = j + 1
    return out


def type_accuracy(expected: Sequence[Expected], produced: Sequence[Expected]) -> tuple[float, float]:
    """(share of expected elements matched with the right type, share matched at all)."""
    if not expected:
        return 1.0, 1.0
    pairs = align(expected, produced)
    right = sum(1 for e, j in zip(expected, pairs, strict=True) if j is not None and produced[j].type == e.type)
    found = sum(1 for j in pairs if j is not None)
    return right / len(expected), found / len(expected)


@dataclass(frozen=True, slots=True)
class Score:
    """How one tool did on one document (or, summed with :meth:`combine`, on a format)."""

    text_similarity: float
    type_accuracy: float
    matched: float
    weight: int = 1

    @staticmethod
    def combine(scores: Sequence[Score]) -> Score | None:
        """Weighted by expected element count, so a long document counts for more."""
        total = sum(s.weight for s in scores)
        if not total:
            return None

        def mean(attr: str) -> float:
            return sum(getattr(s, attr) * s.weight for s in scores) / total

        return Score(mean("text_similarity"), mean("type_accuracy"), mean("matched"), total)


def score(expected: Sequence[Expected], produced: Sequence[Expected], *, types: bool = True) -> Score:
    """Score one document; ``types=False`` for text-only tools (kreuzberg), whose type score is 0."""
    sim = text_similarity("\n".join(e.text for e in expected), "\n".join(p.text for p in produced))
    if not types:
        return Score(sim, 0.0, 0.0, max(1, len(expected)))
    acc, found = type_accuracy(expected, produced)
    return Score(sim, acc, found, max(1, len(expected)))


def read_elements(path: Path) -> list[Expected]:
    """(type, text) of every element in an element-JSON file (docbatch's or unstructured's)."""
    items = json.loads(path.read_text(encoding="utf-8"))
    return [Expected(str(d.get("type", "")), str(d.get("text") or "")) for d in items]
