"""The text of OpenDocument XML, shared by the ODF readers (odt.py, odf.py, chart.py): the
namespaces and tags, the locked-down parser, and the walk that gathers a paragraph's visible text
and sets aside what stands in it (notes, text boxes, comments, pictures, embedded objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from docbatch.errors import DocumentError

__all__ = ["ANNOTATION", "Inline", "collect", "count", "paragraph_text", "parse_odf_xml", "q"]

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
}


def q(prefix: str, name: str) -> str:
    """``text:p`` as lxml names it: ``{urn:…:text:1.0}p``."""
    return f"{{{_NS[prefix]}}}{name}"


H, P, LIST, LIST_ITEM, LIST_HEADER = (q("text", n) for n in ("h", "p", "list", "list-item", "list-header"))
TABLE, ROW, CELL = (q("table", n) for n in ("table", "table-row", "table-cell"))
ROW_GROUPS = frozenset(
    q("table", n) for n in ("table-header-rows", "table-rows", "table-row-group", "table-column-group")
)
SOFT_BREAK = q("text", "soft-page-break")
_SPACE, _TAB, _LINE_BREAK = q("text", "s"), q("text", "tab"), q("text", "line-break")
_NOTE, _NOTE_BODY, _LINK = q("text", "note"), q("text", "note-body"), q("text", "a")
_FRAME, _TEXT_BOX, _IMAGE = q("draw", "frame"), q("draw", "text-box"), q("draw", "image")
OBJECT = q("draw", "object")
TITLE, DESC = q("svg", "title"), q("svg", "desc")
ANNOTATION, CREATOR = q("office", "annotation"), "{http://purl.org/dc/elements/1.1/}creator"
# Parts of the tree that are not the document's visible text.
SKIP = frozenset(
    {
        q("text", "tracked-changes"),
        q("text", "sequence-decls"),
        q("text", "variable-decls"),
        q("text", "user-field-decls"),
        q("office", "annotation-end"),
        q("office", "forms"),
        q("table", "table-columns"),
        q("table", "table-column"),
        q("text", "page-number"),  # layout fields: "1" in a running footer is not content
        q("text", "page-count"),
        # A spreadsheet's running header field: its stored value is a placeholder ("???") that
        # LibreOffice fills with each sheet's name when it prints, not text of the document.
        q("text", "sheet-name"),
        # A phonetic guide's reading (とうきょう over 東京): its base (text:ruby-base) is read in
        # place like any span, the reading is not, as Word's plain-text export and Tika leave it
        # out; mixed in, the word would read 東京とうきょう.
        q("text", "ruby-text"),
    }
)
_MAX_REPEAT = 100  # repeated rows / columns: spreadsheets in tables repeat empty cells thousands of times

PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
)


def paragraph_text(para: Any) -> str:
    """The visible text of one paragraph-like element, whitespace collapsed."""
    inline = Inline()
    collect(para, inline)
    return " ".join("".join(inline.parts).split())


def parse_odf_xml(data: bytes) -> Any:
    """Parse an ODF XML part with entities, DTDs and network locked out."""
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as e:
        raise DocumentError(f"malformed ODT XML: {str(e).splitlines()[0] if str(e) else 'parse error'}") from e


@dataclass
class Inline:
    """What one paragraph's inline content holds besides its text."""

    parts: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    boxes: list[Any] = field(default_factory=list)
    annotations: list[Any] = field(default_factory=list)
    #: ``draw:image`` elements of the frames anchored in the paragraph.
    pictures: list[Any] = field(default_factory=list)
    #: ``draw:object`` elements (charts) of the frames anchored in the paragraph.
    objects: list[Any] = field(default_factory=list)
    breaks: int = 0


def count(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), _MAX_REPEAT))
    except ValueError:
        return 1


def collect(el: Any, inline: Inline) -> None:
    """Gather the visible text under ``el``; footnotes and text boxes are set aside as blocks."""
    if el.text:
        inline.parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag not in SKIP:
            _collect_child(child, tag, inline)
        if child.tail:
            inline.parts.append(child.tail)


def _collect_child(child: Any, tag: str, inline: Inline) -> None:
    if tag == _SPACE:
        inline.parts.append(" " * count(child.get(q("text", "c"))))
    elif tag in (_TAB, _LINE_BREAK):
        inline.parts.append(" ")
    elif tag == SOFT_BREAK:
        inline.breaks += 1
    elif tag == _NOTE:
        inline.notes.extend(child.iter(_NOTE_BODY))
    elif tag == ANNOTATION:
        inline.annotations.append(child)
    elif tag == _FRAME:
        inline.boxes.extend(child.iter(_TEXT_BOX))
        inline.objects.extend(child.iterchildren(OBJECT))
        image = child.find(_IMAGE)  # the first: a second one is the fallback of another format
        if image is not None:
            inline.pictures.append(image)
    elif tag in (P, H, LIST, TABLE):
        collect(child, inline)  # blocks nested in a table cell: part of the cell's text
        inline.parts.append(" ")
    else:
        start, order = len(inline.parts), len(inline.links)
        collect(child, inline)
        if tag == _LINK and child.get(q("xlink", "href")):
            # The link's text as collected, so what SKIP leaves out (a ruby reading) stays out;
            # inserted before any link found inside it, keeping links in document order.
            text = " ".join("".join(inline.parts[start:]).split())
            if text:
                inline.links.insert(order, (text, child.get(q("xlink", "href"))))
