"""Markdown: markdown-it-py's token stream walked straight into elements.

The token stream already says what each block is (heading level, list nesting, table cell,
fenced code), so nothing is rendered to HTML and parsed again. Raw HTML blocks are handed to
the HTML partitioner. A YAML front-matter block is skipped, as renderers do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from docbatch.elements import Element, inline_metadata
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.encoding import read_text_file

__all__ = ["partition_markdown", "partition_markdown_string"]

_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MD: MarkdownIt | None = None


def partition_markdown(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a Markdown file."""
    return partition_markdown_string(read_text_file(path), options)


def partition_markdown_string(text: str, options: PartitionOptions | None = None) -> list[Element]:
    """Partition Markdown text already decoded."""
    text = _FRONT_MATTER.sub("", text.lstrip("\ufeff"), count=1)
    if not text.strip():
        return []
    tokens = _parser().parse(text)
    return _TokenWalker(options).run(tokens)


def _parser() -> MarkdownIt:
    """CommonMark plus GFM tables and strikethrough; built once per process."""
    global _MD
    if _MD is None:
        md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
        md.block.tokenize = _keeping_deep_text(md.block.tokenize)  # type: ignore[method-assign]
        _MD = md
    return _MD


#: Container markers at the start of a line past the nesting limit: quotes, bullets, numbers.
_CONTAINER_MARKS = re.compile(r"^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+[ \t]*")


def _keeping_deep_text(tokenize: Any) -> Any:
    """markdown-it's block tokenizer, keeping the text it would drop past ``maxNesting``.

    Past the limit (20 token levels: 10 nested lists, or 20 quotes) markdown-it skips the rest
    of the container, content and all, and the document came out "ok" with text missing.
    There, each line becomes a plain paragraph of its text, container markers stripped: the
    structure below the limit is flattened, the words are kept. The limit itself stays,
    because each level costs Python stack frames.
    """

    def keeping(state: StateBlock, start: int, end: int) -> None:
        if state.level < state.md.options.maxNesting:
            tokenize(state, start, end)
            return
        line = start
        while line < end:
            line = state.skipEmptyLines(line)
            if line >= end or state.sCount[line] < state.blkIndent:
                break  # the container that called us ends here
            text = _CONTAINER_MARKS.sub("", state.getLines(line, line + 1, state.blkIndent, False)).strip()
            if text:
                state.push("paragraph_open", "p", 1).map = [line, line + 1]
                inline = state.push("inline", "", 0)
                inline.content, inline.map, inline.children = text, [line, line + 1], []
                state.push("paragraph_close", "p", -1)
            line += 1
        state.line = line

    return keeping


class _TokenWalker:
    """Turns block tokens into elements, tracking list depth and the open table."""

    def __init__(self, options: PartitionOptions | None) -> None:
        self.options = options
        self.out: list[Element] = []
        self.list_depth = -1
        self.item_depths: list[int] = []
        self.block_kind: str | None = None  # "heading" or "paragraph" while one is open
        self.heading_depth = 0
        self.last_heading_depth = -1
        self.rows: list[list[tuple[str, str]]] | None = None
        self.cell_tag = "td"

    def run(self, tokens: list[Any]) -> list[Element]:
        for token in tokens:
            handler = getattr(self, "_" + token.type, None)
            if handler is not None:
                handler(token)
        return self.out

    # -- structure ----------------------------------------------------------------------------

    def _heading_open(self, token: Any) -> None:
        self.block_kind = "heading"
        self.heading_depth = int(token.tag[1]) - 1

    def _paragraph_open(self, token: Any) -> None:
        self.block_kind = "paragraph"

    def _heading_close(self, token: Any) -> None:
        self.block_kind = None

    _paragraph_close = _heading_close

    def _bullet_list_open(self, token: Any) -> None:
        self.list_depth += 1

    def _bullet_list_close(self, token: Any) -> None:
        self.list_depth -= 1

    _ordered_list_open = _bullet_list_open
    _ordered_list_close = _bullet_list_close

    def _list_item_open(self, token: Any) -> None:
        self.item_depths.append(self.list_depth)

    def _list_item_close(self, token: Any) -> None:
        self.item_depths.pop()

    def _table_open(self, token: Any) -> None:
        self.rows = []

    def _table_close(self, token: Any) -> None:
        from docbatch.partitioners.markup.html import table_from_rows

        table = table_from_rows(self.rows or [])
        if table is not None:
            self.out.append(table)
        self.rows = None

    def _tr_open(self, token: Any) -> None:
        if self.rows is not None:
            self.rows.append([])

    def _th_open(self, token: Any) -> None:
        self.cell_tag = "th"

    def _td_open(self, token: Any) -> None:
        self.cell_tag = "td"

    # -- leaves -------------------------------------------------------------------------------

    def _inline(self, token: Any) -> None:
        if self.rows is not None and self.block_kind is None:
            text, _ = _inline_content(token.children or [])
            if self.rows:
                self.rows[-1].append((self.cell_tag, text))
            return
        text, meta = _inline_content(token.children or [])
        images = meta.pop("_images", [])
        if text.strip():
            self.out.append(self._text_element(text, meta))
        self.out.extend(images)

    def _text_element(self, text: str, meta: dict[str, Any]) -> Element:
        if self.block_kind == "heading":
            self.last_heading_depth = self.heading_depth
            return Element("Title", text, {"category_depth": self.heading_depth, **meta})
        if self.item_depths:
            return Element("ListItem", text, {"category_depth": self.item_depths[-1], **meta})
        if _is_bold_heading(text, meta):
            return Element("Title", text, {"category_depth": self.last_heading_depth + 1, **meta})
        return Element("NarrativeText", text, meta)

    def _fence(self, token: Any) -> None:
        code = token.content.rstrip("\n")
        if code.strip():
            self.out.append(Element("CodeSnippet", code))

    _code_block = _fence

    def _html_block(self, token: Any) -> None:
        from docbatch.partitioners.markup.html import partition_html_string

        self.out.extend(partition_html_string(token.content, self.options))


def _is_bold_heading(text: str, meta: dict[str, Any]) -> bool:
    """A short paragraph that is all bold (``**Overview**``) is a heading written without ``#``."""
    if len(text) > 100 or text.endswith(tuple(".,;:!?")) or len(text.split()) > 12:
        return False
    return meta.get("emphasized_text_tags") == ["b"] and meta["emphasized_text_contents"][0] == text


def _inline_content(children: list[Any]) -> tuple[str, dict[str, Any]]:
    """Text of an inline run, with its links, emphasis and images."""
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    emphasis: list[tuple[str, str]] = []
    images: list[Element] = []
    open_link: tuple[str, int] | None = None
    open_emph: list[tuple[str, int]] = []
    for tok in children:
        kind = tok.type
        if kind in ("text", "code_inline"):
            parts.append(tok.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "link_open":
            open_link = (tok.attrGet("href") or "", len(parts))
        elif kind == "link_close" and open_link is not None:
            href, start = open_link
            links.append(("".join(parts[start:]).strip(), href))
            open_link = None
        elif kind in ("strong_open", "em_open"):
            open_emph.append(("b" if kind == "strong_open" else "i", len(parts)))
        elif kind in ("strong_close", "em_close") and open_emph:
            tag, start = open_emph.pop()
            emphasis.append(("".join(parts[start:]).strip(), tag))
        elif kind == "image":
            alt = "".join(c.content for c in tok.children or [] if c.type == "text")
            images.append(Element("Image", alt, {"image_url": tok.attrGet("src")}))
    meta = inline_metadata(links, emphasis)
    if images:
        meta["_images"] = images
    return " ".join("".join(parts).split()), meta
