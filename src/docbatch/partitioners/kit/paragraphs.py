"""The element type of a paragraph of plain text, judged by its shape alone.

Plain text has no styles, so its Titles, list items and narrative are told apart by shape; DOCX
paragraphs without a heading style and spreadsheet cells standing alone are judged the same way,
so one sentence is one type whichever file it came from.
"""

from __future__ import annotations

import re

from docbatch.partitioners.kit.bullets import LIST_MARKER

__all__ = ["classify_paragraph", "mostly_figures"]

_LETTER = re.compile(r"[^\W\d_]")


def classify_paragraph(text: str, *, single_line: bool = True) -> str:
    """Guess the element type of one paragraph of plain text."""
    bullet = LIST_MARKER.match(text)
    if bullet and text[bullet.end() :].strip():  # a marker alone ("-", "(12)") lists nothing
        return "ListItem"
    if single_line and _looks_like_title(text):
        return "Title"
    if _LETTER.search(text) is None:
        return "UncategorizedText"
    return "NarrativeText"


def _looks_like_title(text: str) -> bool:
    """Short, unpunctuated, capitalised: a heading. A single long token (a hash, base64) is not."""
    if len(text) > 120 or not (text[0].isupper() or text[0].isdigit()):
        return False
    if text[-1] in ".,;:!?" and not text.endswith("..."):
        return False
    words = text.split()
    if len(words) > 12 or (len(words) == 1 and len(text) > 30):
        return False
    return _LETTER.search(text) is not None and not mostly_figures(text)


def mostly_figures(text: str) -> bool:
    """More digits than letters ("1993–94", "Q1 2023", "Total 647 202 33"): a value or a row of
    them, not a heading, however short the line."""
    digits = sum(ch.isdigit() for ch in text)
    return digits > 0 and digits > len(_LETTER.findall(text))
