"""Plain text: paragraphs split on blank lines, heading-like lines as Titles, bullets as ListItems."""

from __future__ import annotations

import re
from pathlib import Path

from docbatch.elements import Element
from docbatch.partition.base import PartitionOptions
from docbatch.partition.encoding import read_text

__all__ = ["classify_paragraph", "partition_text", "partition_text_string"]

_BULLET = re.compile(r"^\s*(?:[-*•●○▪◦‣⁃–]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s+")
_BLANK_LINES = re.compile(r"\n\s*\n")


def partition_text(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a plain-text file."""
    return partition_text_string(read_text(path))


def partition_text_string(text: str) -> list[Element]:
    """Partition text already decoded (also used for email bodies and other text parts)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    elements: list[Element] = []
    for block in _BLANK_LINES.split(text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if not lines:
            continue
        if len(lines) > 1 and all(_BULLET.match(ln) for ln in lines):
            elements.extend(Element("ListItem", _BULLET.sub("", ln, count=1)) for ln in lines)
            continue
        para = " ".join(lines)
        kind = classify_paragraph(para, single_line=len(lines) == 1)
        if kind == "ListItem":
            para = _BULLET.sub("", para, count=1)
        elements.append(Element(kind, para))
    return elements


def classify_paragraph(text: str, *, single_line: bool = True) -> str:
    """Guess the element type of one paragraph of plain text."""
    if _BULLET.match(text):
        return "ListItem"
    if single_line and _looks_like_title(text):
        return "Title"
    return "NarrativeText"


def _looks_like_title(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 12 or len(text) > 120:
        return False
    if text[-1] in ".,;:!?" and not text.endswith("..."):
        return False
    if not any(c.isalpha() for c in text):
        return False
    return text[0].isupper() or text[0].isdigit()
