"""Plain text: paragraphs split on blank lines, heading-like lines as Titles, bullets as ListItems.

Text files come in two shapes. Most separate paragraphs with blank lines (books, READMEs); the
lines inside a paragraph are just wrapping and are joined. Others have no blank lines at all
(text pulled out of a PDF or a web page): there a line much shorter than the block's usual width
ends a paragraph, so headings and short entries stand alone instead of being glued into one
giant element. Bulleted and numbered lines are list items wherever they occur, with their
indentation giving the nesting depth.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from docbatch.elements import Element
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.bullets import LIST_MARKER
from docbatch.partitioners.kit.encoding import read_text_file
from docbatch.partitioners.kit.paragraphs import classify_paragraph

__all__ = ["partition_text", "partition_text_string"]

_BLANK_LINES = re.compile(r"\n[ \t\v\u00a0]*\n")
_RULE = re.compile(r"^[\s\-=_*~#.·•+]*$")
_SENTENCE_END = tuple(".!?:")
# A line shorter than this share of the block's usual width is short.
_SHORT_LINE = 0.75
# Lines on each side whose lengths estimate the wrap width around a line.
_WINDOW = 3


def partition_text(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a plain-text file."""
    return partition_text_string(read_text_file(path))


def partition_text_string(text: str) -> list[Element]:
    """Partition text already decoded (also used for email bodies and other text parts)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").replace("\x00", "")
    elements: list[Element] = []
    for block in _BLANK_LINES.split(text):
        if not block.strip():
            continue
        lines = [ln.rstrip() for ln in block.split("\n") if ln.strip() and not _is_rule(ln)]
        if len(lines) == 1:
            elements.append(_single_line(lines[0].strip()))
        elif lines:
            elements.extend(_BlockReader(lines).read())
    return elements


def _is_rule(line: str) -> bool:
    """A separator line (``-----``, ``=====``, ``* * *``) carries no text."""
    return _RULE.match(line) is not None and len(line.strip()) >= 3


def _single_line(line: str) -> Element:
    bullet = LIST_MARKER.match(line)
    if bullet:
        return Element("ListItem", line[bullet.end() :].strip(), {"category_depth": 0})
    return Element(classify_paragraph(line), line)


class _BlockReader:
    """Splits one blank-line-free block into paragraphs and list items.

    Wrapped text fills each line until the next word no longer fits, so a line break after a
    line that still had room for the next line's first word was made on purpose: it ends a
    paragraph (or a heading, or an entry). The block's longest line is a safe lower bound for
    the wrap width, so this never splits text that was merely wrapped.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.lengths = [len(ln) for ln in lines]
        self.out: list[Element] = []
        self.para: list[str] = []
        self.item: list[str] | None = None
        self.item_indent = 0
        self.indents: list[int] = []

    def read(self) -> list[Element]:
        lines = self.lines
        deliberate = False  # did the previous line end with a deliberate break?
        for i, raw in enumerate(lines):
            line = raw.strip()
            indent = len(raw) - len(raw.lstrip())
            bullet = LIST_MARKER.match(line)
            if bullet:
                self._flush()
                self._open_item(line[bullet.end() :].strip(), indent)
            elif self.item is not None and (indent > self.item_indent or not deliberate):
                self.item.append(line)
            else:
                if self.item is not None:
                    self._flush()
                self.para.append(line)
            deliberate = self._deliberate_break(i)
            if deliberate and self.item is None:
                self._flush()
        self._flush()
        return self.out

    def _open_item(self, text: str, indent: int) -> None:
        while self.indents and self.indents[-1] > indent:
            self.indents.pop()
        if not self.indents or self.indents[-1] < indent:
            self.indents.append(indent)
        self.item = [text] if text else []
        self.item_indent = indent

    def _deliberate_break(self, i: int) -> bool:
        """True if line ``i`` had room for the next line's first word, and is either clearly short
        or ends a sentence. The wrap width is estimated from the neighbouring lines, since text
        pasted together from several sources is wrapped at several widths."""
        if len(self.lines) < 3:
            return False
        words = self.lines[i + 1].split(maxsplit=1) if i + 1 < len(self.lines) else []
        if not words:
            return True
        width = max(self.lengths[max(0, i - _WINDOW) : i + _WINDOW + 1])
        length = self.lengths[i]
        if length + 1 + len(words[0]) > width:
            return False
        return length < _SHORT_LINE * width or self.lines[i].endswith(_SENTENCE_END)

    def _flush(self) -> None:
        if self.item is not None:
            text = _join_lines(self.item)
            if text:
                self.out.append(Element("ListItem", text, {"category_depth": len(self.indents) - 1}))
            self.item = None
        if self.para:
            text = _join_lines(self.para)
            self.out.append(Element(classify_paragraph(text, single_line=len(self.para) == 1), text))
            self.para = []


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines; a word hyphenated across a line break is joined without a space."""
    if len(lines) <= 1:
        return lines[0] if lines else ""
    parts = [lines[0]]
    for prev, line in pairwise(lines):
        if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and line[:1].islower():
            parts.append(line)
        else:
            parts.append(" " + line)
    return "".join(parts)
