"""reStructuredText: docutils builds the document tree, a walk over it yields elements.

docutils runs locked down: ``include`` and ``raw`` directives are refused (they would read other
files or pass markup through), no configuration file is read, nothing is printed and no error
halts the parse; failed directives become system messages, which are skipped.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docbatch.elements import Element, inline_metadata
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged
from docbatch.partitioners.kit.encoding import read_text_file

__all__ = ["partition_rst", "partition_rst_string"]

_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "_disable_config": True,
    "doctitle_xform": False,
    "sectsubtitle_xform": False,
    "syntax_highlight": "none",
    "smart_quotes": False,
    "input_encoding": "unicode",
    "traceback": True,
    "embed_stylesheet": False,
}

# Nodes whose content is not document text. ("problematic" nodes are kept: they hold the
# author's text around markup docutils could not read.)
_SKIP = frozenset(
    {
        "comment",
        "system_message",
        "substitution_definition",
        "target",
        "raw",
        "pending",
        "label",
        "citation_reference",
        "footnote_reference",
    }
)
_CODE = frozenset({"literal_block", "doctest_block"})
_LISTS = frozenset({"bullet_list", "enumerated_list"})


def partition_rst(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a reStructuredText file."""
    return partition_rst_string(read_text_file(path))


def partition_rst_string(text: str) -> list[Element]:
    """Partition reStructuredText already decoded."""
    if not text.strip():
        return []
    doctree = _doctree(text)
    walker = _DoctreeWalker()
    try:
        walker.walk(doctree, section_depth=-1, list_depth=-1, in_item=False)
    except RecursionError as e:
        raise DocumentError("reStructuredText nested too deeply to partition") from e
    return walker.out


def _doctree(text: str) -> Any:
    """Parse with docutils; any docutils failure on bad input becomes a DocumentError."""
    from docutils.core import publish_doctree

    settings = dict(_SETTINGS, warning_stream=io.StringIO())
    try:
        return publish_doctree(text, settings_overrides=settings)
    except Exception as e:  # docutils raises many kinds on malformed input
        raise damaged("reStructuredText", e) from e


def _collapse(text: str) -> str:
    return " ".join(text.split())


class _DoctreeWalker:
    """Turns docutils nodes into elements, tracking section and list depth."""

    def __init__(self) -> None:
        self.out: list[Element] = []

    def walk(self, node: Any, *, section_depth: int, list_depth: int, in_item: bool) -> None:
        for child in node.children:
            name = child.tagname
            if name in _SKIP:
                continue
            if name == "section":
                self.walk(child, section_depth=section_depth + 1, list_depth=-1, in_item=False)
            elif name == "title":
                self._title(child, section_depth, node.tagname == "section")
            elif name in ("paragraph", "line_block", "term", "attribution", "caption", "rubric"):
                self._text(child, list_depth if in_item else None)
            elif name in _CODE:
                self._code(child)
            elif name == "math_block":
                self._formula(child)
            elif name == "field":
                self._field(child)
            elif name in _LISTS:
                self.walk(child, section_depth=section_depth, list_depth=list_depth + 1, in_item=False)
            elif name == "list_item":
                self.walk(child, section_depth=section_depth, list_depth=list_depth, in_item=True)
            elif name == "table":
                self._table(child)
            elif name == "image":
                self._image(child)
            elif name == "#text":
                text = _collapse(child.astext())
                if text:
                    self.out.append(Element("NarrativeText", text))
            else:
                self.walk(child, section_depth=section_depth, list_depth=list_depth, in_item=in_item)

    def _title(self, node: Any, section_depth: int, of_section: bool) -> None:
        text = _collapse(node.astext())
        if not text:
            return
        if of_section:
            self.out.append(Element("Title", text, {"category_depth": max(section_depth, 0), **_inline_meta(node)}))
        else:  # the title of a topic, sidebar, admonition or table
            self.out.append(Element("NarrativeText", text, _inline_meta(node)))

    def _text(self, node: Any, item_depth: int | None) -> None:
        text = _collapse(_visible_text(node))
        if not text:
            return
        meta = _inline_meta(node)
        if item_depth is not None:
            self.out.append(Element("ListItem", text, {"category_depth": max(item_depth, 0), **meta}))
        else:
            self.out.append(Element("NarrativeText", text, meta))

    def _code(self, node: Any) -> None:
        code = node.astext().strip("\n")
        if code.strip():
            self.out.append(Element("CodeSnippet", code))

    def _field(self, node: Any) -> None:
        """A field list entry (``:Author: Jane``) reads as one line, name and value together."""
        parts = [_collapse(_visible_text(part)) for part in node.children]
        text = ": ".join(p for p in parts if p)
        if text:
            self.out.append(Element("NarrativeText", text, _inline_meta(node)))

    def _formula(self, node: Any) -> None:
        formula = node.astext().strip()
        if formula:
            self.out.append(Element("Formula", formula))

    def _image(self, node: Any) -> None:
        self.out.append(Element("Image", _collapse(node.get("alt", "")), {"image_url": node.get("uri")}))

    def _table(self, node: Any) -> None:
        from docbatch.partitioners.markup.html import table_from_rows

        rows: list[list[tuple[str, str]]] = []
        for group in node.findall(condition=lambda n: n.tagname in ("thead", "tbody")):
            tag = "th" if group.tagname == "thead" else "td"
            for row in group.children:
                if row.tagname == "row":
                    rows.append([(tag, _visible_text(entry)) for entry in row.children if entry.tagname == "entry"])
        table = table_from_rows(rows)
        if table is not None:
            self.out.append(table)


def _visible_text(node: Any) -> str:
    """Text of a node without the system messages docutils inserts into it."""
    if not any(n.tagname in _SKIP for n in node.findall(include_self=False)):
        return node.astext()
    parts = []
    for n in node.findall(include_self=False, descend=True):
        if n.tagname == "#text" and not any(a.tagname in _SKIP for a in _ancestors(n, node)):
            parts.append(n.astext())
    return "".join(parts)


def _ancestors(node: Any, stop: Any) -> list[Any]:
    out = []
    parent = node.parent
    while parent is not None and parent is not stop:
        out.append(parent)
        parent = parent.parent
    return out


def _inline_meta(node: Any) -> dict[str, Any]:
    """Links and emphasis inside a paragraph or title, named as unstructured names them."""
    links = [(n.astext(), n.get("refuri")) for n in node.findall(condition=_is_external_link)]
    emphasis = [(n.astext(), "b" if n.tagname == "strong" else "i") for n in node.findall(condition=_is_emphasis)]
    return inline_metadata(links, emphasis)


def _is_external_link(node: Any) -> bool:
    return node.tagname == "reference" and bool(node.get("refuri"))


def _is_emphasis(node: Any) -> bool:
    return node.tagname in ("strong", "emphasis")
