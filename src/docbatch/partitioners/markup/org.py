"""Org mode: orgparse gives the outline, a small block reader splits each section's body.

orgparse parses headings (stripping TODO keywords, priorities, tags, property drawers and
timestamps) but leaves a section's body as text; the body's blocks (paragraphs, lists, tables,
``#+BEGIN_SRC`` blocks) are read here line by line. ``#+INCLUDE`` and other keywords are
never acted on, so no other file is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.elements import Element, inline_metadata
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged
from docbatch.partitioners.kit.encoding import read_text_file

__all__ = ["partition_org", "partition_org_string"]

_BLOCK_BEGIN = re.compile(r"^\s*#\+begin_(\w+)", re.IGNORECASE)
_KEYWORD = re.compile(r"^\s*#\+(\w+):\s*(.*)$")
_COMMENT = re.compile(r"^\s*#(?:\s|$)")
_DRAWER = re.compile(r"^\s*:([\w-]+):\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-+]|(?<=\s)\*|\d+[.)]|[a-zA-Z][.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|[-+:|\s]*$")
_FIXED_WIDTH = re.compile(r"^\s*:(?:\s|$)")
_CODE_BLOCKS = frozenset({"src", "example", "export"})
_LINK = re.compile(r"\[\[([^\]]+)\](?:\[([^\]]*)\])?\]")
_EMPHASIS = re.compile(r"(?<![\w*/])([*/])(?=\S)([^*/\n]*?\S)\1(?![\w*/])")
_VERBATIM = re.compile(r"(?<!\w)([~=+_])(?=\S)([^\n]*?\S)\1(?!\w)")


def partition_org(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Org file."""
    return partition_org_string(read_text_file(path))


def partition_org_string(text: str) -> list[Element]:
    """Partition Org text already decoded."""
    if not text.strip():
        return []
    out: list[Element] = []
    for node in _exported_nodes(_outline(text)):
        if node.level > 0 and node.heading.strip():
            title, meta = _inline(node.get_heading(format="raw"))
            out.append(Element("Title", title, {"category_depth": node.level - 1, **meta}))
        out.extend(_BodyReader(node.get_body(format="raw")).read())
    return out


def _outline(text: str) -> Any:
    import orgparse

    try:
        return orgparse.loads(text.replace("\r\n", "\n"))
    except Exception as e:  # orgparse raises plain ValueError/KeyError/... on odd input
        raise damaged("Org", e) from e


def _exported_nodes(root: Any) -> Iterator[Any]:
    """The outline's nodes in order, without COMMENT subtrees (Org never exports those)."""
    comment_level = 0
    for node in root[:]:
        if comment_level and node.level > comment_level:
            continue
        comment_level = node.level if node.level > 0 and node.heading.startswith("COMMENT") else 0
        if not comment_level:
            yield node


class _BodyReader:
    """Reads the blocks of one section body, one line at a time."""

    def __init__(self, body: str) -> None:
        self.lines = body.split("\n")
        self.i = 0
        self.out: list[Element] = []
        self.para: list[str] = []
        self.item: tuple[int, list[str]] | None = None  # (depth, lines) of the open list item
        self.indents: list[int] = []  # indentation of each open list level

    def read(self) -> list[Element]:
        while self.i < len(self.lines):
            line = self.lines[self.i]
            self.i += 1
            self._line(line)
        self._end_paragraph()
        return self.out

    def _line(self, line: str) -> None:
        if not line.strip():
            self._end_paragraph()
            return
        begin = _BLOCK_BEGIN.match(line)
        if begin:
            self._end_paragraph()
            self._block(begin.group(1).lower())
        elif line.lstrip().startswith("|"):
            self._end_paragraph()
            self._table(line)
        elif _DRAWER.match(line) and line.strip().upper() != ":END:":
            self._end_paragraph()
            self._skip_until(lambda ln: ln.strip().upper() == ":END:")
        elif _KEYWORD.match(line):
            self._keyword(line)
        elif _COMMENT.match(line):
            return
        elif _FIXED_WIDTH.match(line):
            self._end_paragraph()
            self._fixed_width(line)
        else:
            self._text(line)

    # -- paragraphs and lists -----------------------------------------------------------------

    def _text(self, line: str) -> None:
        item = _ITEM.match(line)
        if item:
            self._end_paragraph()
            self.item = (self._item_depth(len(item.group(1))), [item.group(2)])
        elif self.item is not None and _indent(line) > (self.indents[-1] if self.indents else 0):
            self.item[1].append(line.strip())
        else:
            if self.item is not None:
                self._end_paragraph()
            self.indents.clear()
            self.para.append(line.strip())

    def _item_depth(self, indent: int) -> int:
        while self.indents and self.indents[-1] > indent:
            self.indents.pop()
        if not self.indents or self.indents[-1] < indent:
            self.indents.append(indent)
        return len(self.indents) - 1

    def _end_paragraph(self) -> None:
        if self.item is not None:
            depth, lines = self.item
            text, meta = _inline(" ".join(lines))
            if text:
                self.out.append(Element("ListItem", text, {"category_depth": depth, **meta}))
            self.item = None
        if self.para:
            text, meta = _inline(" ".join(self.para))
            if text:
                self.out.append(Element("NarrativeText", text, meta))
            self.para = []

    # -- blocks -------------------------------------------------------------------------------

    def _block(self, kind: str) -> None:
        body = self._skip_until(lambda ln: re.match(rf"^\s*#\+end_{re.escape(kind)}\b", ln, re.IGNORECASE))
        if kind in _CODE_BLOCKS:
            code = "\n".join(body).strip("\n")
            if code.strip():
                self.out.append(Element("CodeSnippet", _dedent(code)))
        elif kind != "comment":
            self.out.extend(_BodyReader("\n".join(body)).read())

    def _skip_until(self, is_end: Any) -> list[str]:
        """Consume lines up to and including the one ``is_end`` accepts; return those before it."""
        taken = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            self.i += 1
            if is_end(line):
                break
            taken.append(line)
        return taken

    def _keyword(self, line: str) -> None:
        match = _KEYWORD.match(line)
        if match and match.group(1).lower() in ("title", "subtitle") and match.group(2).strip():
            self._end_paragraph()
            text, meta = _inline(match.group(2))
            self.out.append(Element("Title", text, {"category_depth": 0, **meta}))

    def _fixed_width(self, first: str) -> None:
        lines = [first]
        while self.i < len(self.lines) and _FIXED_WIDTH.match(self.lines[self.i]):
            lines.append(self.lines[self.i])
            self.i += 1
        code = "\n".join(re.sub(r"^\s*: ?", "", ln) for ln in lines).strip("\n")
        if code.strip():
            self.out.append(Element("CodeSnippet", code))

    def _table(self, first: str) -> None:
        from docbatch.partitioners.markup.html import table_from_rows

        lines = [first]
        while self.i < len(self.lines) and self.lines[self.i].lstrip().startswith("|"):
            lines.append(self.lines[self.i])
            self.i += 1
        has_header = any(_TABLE_RULE.match(ln) for ln in lines[1:]) and not _TABLE_RULE.match(lines[0])
        rows: list[list[tuple[str, str]]] = []
        in_header = has_header
        for ln in lines:
            if _TABLE_RULE.match(ln):
                in_header = False
                continue
            cells = ln.strip().strip("|").split("|")
            tag = "th" if in_header else "td"
            rows.append([(tag, _inline(cell)[0]) for cell in cells])
        table = table_from_rows(rows)
        if table is not None:
            self.out.append(table)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _dedent(code: str) -> str:
    import textwrap

    return textwrap.dedent(code)


def _inline(text: str) -> tuple[str, dict[str, Any]]:
    """Plain text of Org inline markup, with its links and emphasis as metadata."""
    links: list[tuple[str, str]] = []

    def link(match: re.Match[str]) -> str:
        label = match.group(2) or match.group(1)
        links.append((label, match.group(1)))
        return label

    text = _LINK.sub(link, text)
    emphasis = [(m.group(2), "b" if m.group(1) == "*" else "i") for m in _EMPHASIS.finditer(text)]
    text = _EMPHASIS.sub(r"\2", text)
    text = _VERBATIM.sub(r"\2", text)
    return " ".join(text.split()), inline_metadata(links, emphasis)
