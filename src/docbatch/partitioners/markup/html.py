"""HTML, XHTML and XML: lxml parses, one walk over the tree turns blocks into elements.

HTML follows the browser's view of a page: every block (heading, paragraph, list item, table,
preformatted text) becomes one element, inline markup (links, emphasis, spans) is folded into
the text of its block, and whatever a browser would not show (scripts, styles, templates,
``hidden`` / ``display:none`` / ``aria-hidden`` subtrees, ``<nav>`` menus, the ``<head>``) is
skipped. Text inside ``<header>`` and ``<footer>`` elements becomes Header / Footer elements
(headings there stay Titles), so consumers can drop page chrome by type; ``<address>`` and
``<figcaption>`` give Address and FigureCaption. Pages written without tags for structure get
help: a short all-bold or all-capitals paragraph is a Title, ``<br><br>`` ends a paragraph, a
table of bullet cells is a list, and prose inside ``<pre>`` is split like plain text.
Well-formed XHTML (EPUB chapters) is read with the XML parser, anything else with the HTML one.

XML has no presentation semantics: each leaf element's text becomes one element, in document
order. The XML parser never resolves entities, never loads a DTD and never touches the network
or the file system: an XXE document yields its own text without the file it names, and an
entity bomb (billion laughs, quadratic blowup) is refused with a DocumentError.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from lxml import etree

from docbatch.elements import Element, inline_metadata
from docbatch.errors import DocumentError
from docbatch.partitioners.kit import images
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.encoding import decode_text_bytes
from docbatch.partitioners.kit.tables import Cell, table_html, table_text

__all__ = ["partition_html", "partition_html_string", "partition_xml", "partition_xml_bytes", "table_from_rows"]

_HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 5}
_SKIP = frozenset(
    {
        "head",
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "select",
        "datalist",
        "map",
        "audio",
        "video",
        "input",
        "textarea",
        "button",
    }
)
_BLOCKS = frozenset(
    {
        "html",
        "body",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "form",
        "hgroup",
        "hr",
        "legend",
        "main",
        "p",
        "section",
        "summary",
        "caption",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "frameset",
        "frame",
        "noframes",
        "menu",
    }
)
_LISTS = frozenset({"ul", "ol", "dir"})
# Containers whose flowing text gets its own element type (headings inside stay Titles).
_REGIONS = {"header": "Header", "footer": "Footer", "address": "Address", "figcaption": "FigureCaption"}
_EMPHASIS = frozenset({"b", "strong", "i", "em"})
_EMPHASIS_BOLD = frozenset({"b", "strong"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)")
_BULLETS = frozenset("•●○◦▪■□‣⁃-–—·*")
_TITLE_END = tuple(".,;:!?")
_CODE_CLASS = re.compile(r"code|highlight|lang|source|prettyprint|brush", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_XML_DECLARATION = re.compile(r"^[\ufeff\s]*<\?xml[^>]*\?>")
# An XHTML DOCTYPE with an internal subset, which the HTML parser would show as text.
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
_MAX_INLINE_IMAGE = 2 * 1024 * 1024


def _html_parser(*, huge: bool = False) -> Any:
    """A fresh HTML parser (parsers keep per-parse state, so none is shared between calls)."""
    return etree.HTMLParser(
        encoding="utf-8",
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge,
        default_doctype=False,
        collect_ids=False,
    )


def partition_html(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an HTML or XHTML file."""
    return partition_html_string(Path(path).read_bytes(), options)


def partition_html_string(
    html: str | bytes, options: PartitionOptions | None = None, *, resources: Resources | None = None
) -> list[Element]:
    """Partition HTML given as text or raw bytes (email bodies, EPUB chapters, ...).

    Bytes are decoded by BOM, then ``<meta charset>``, then detection; text is used as is.
    ``resources`` loads a picture named by a relative ``src`` from the document's own package
    (an EPUB's), for ``--extract-image-block-types``; a remote ``src`` is never fetched.
    """
    text = html if isinstance(html, str) else decode_html_bytes(html)
    if not text.strip():
        return []
    root = _parse_xhtml(text) if _looks_like_xhtml(text) else None
    if root is None:
        root = _parse_html(text)
    if root is None:
        return []
    walker = _HtmlWalker(resources)
    walker.walk(root)
    walker.flush()
    return walker.out


def decode_html_bytes(data: bytes) -> str:
    """Decode HTML bytes: a BOM wins, then a declared charset, then detection."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        return decode_text_bytes(data)
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown or wrong declaration: detect instead
    return decode_text_bytes(data)


def _parse_html(text: str) -> Any:
    """Parse decoded HTML; re-encoding to UTF-8 avoids lxml's refusal of str with a declaration.

    libxml2's default limits (10 MB per text node, nesting depth 256) make it silently drop the
    rest of a page that exceeds them. When that happens the page is parsed again without the
    limits: the HTML parser expands no user-defined entities, so lifting them costs memory in
    proportion to the input only (which the worker's memory cap bounds), never an explosion.
    Even then libxml2 stops at depth 2,048, which a long page of unclosed ``<div>`` or
    ``<font>`` tags reaches; such a page is parsed once more with its nesting flattened.
    """
    text = _DOCTYPE_SUBSET.sub("", text[:65536], count=1) + text[65536:]
    try:
        root, limited = _parse_once(text, huge=False)
        if limited:
            root, limited = _parse_once(text, huge=True)
        if limited:
            root, _ = _parse_once(_flatten_nesting(text), huge=True)
        return root
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        raise DocumentError(f"unreadable HTML: {_first_line(str(e))}") from e


def _parse_once(text: str, *, huge: bool) -> tuple[Any, bool]:
    """The parsed root, and whether libxml2 hit a limit (and so dropped part of the page)."""
    parser = _html_parser(huge=huge)
    root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    return root, any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log)


#: Tags kept when a page is flattened: ones that never nest in practice and carry the structure
#: elements come from (paragraphs, headings, items, code).
_FLAT_KEPT = r"(?:p|h[1-6]|br|li|pre|title|head|body|html)\b"
#: Block containers: flattened into a paragraph break, so their texts do not run together.
_FLAT_BLOCKS = (
    r"(?:div|section|article|aside|nav|main|header|footer|blockquote|center|ul|ol|dl|dt|dd|table|"
    r"thead|tbody|tfoot|tr|td|th|caption|form|fieldset|figure|figcaption|address|details|summary)\b"
)
_BLOCK_TAG = re.compile(rf"</?{_FLAT_BLOCKS}[^>]*>", re.IGNORECASE)
_NESTING_TAG = re.compile(rf"</?(?!{_FLAT_KEPT})[a-zA-Z][^>]*>", re.IGNORECASE)
#: Scripts and styles, removed first: their ``<`` comparisons would read as tags.
_CODE_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _flatten_nesting(text: str) -> str:
    """``text`` without the tags that nest: block containers become paragraph breaks, inline
    ones (font, span, b, a, ...) go. Text and the tags that do not nest stay, so no text is
    lost; what goes is table layout, link targets and styles past a depth no page means."""
    return _NESTING_TAG.sub("", _BLOCK_TAG.sub("<p>", _CODE_BLOCK.sub("", text)))


def _looks_like_xhtml(text: str) -> bool:
    head = text[:2048].lstrip("\ufeff \t\r\n")
    return head.startswith("<?xml") or 'xmlns="http://www.w3.org/1999/xhtml"' in head


def _parse_xhtml(text: str) -> Any:
    """XHTML (EPUB chapters, .xhtml files) read as the XML it is, so ``<a id="p1"/>`` stays
    empty; None if it is not well-formed, and the HTML parser takes over."""
    data = _XML_DECLARATION.sub("", text, count=1).encode("utf-8", errors="replace")
    try:
        root = etree.fromstring(data, etree.XMLParser(encoding="utf-8", **_XML_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    for el in root.iter():
        tag = el.tag
        if isinstance(tag, str) and tag[:1] == "{":
            el.tag = tag.rsplit("}", 1)[1]
    return root


def _collapse(text: str) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) as a browser renders them."""
    return " ".join(text.split())


def _is_hidden(el: Any) -> bool:
    """True if a browser would not show this element."""
    attrib = el.attrib
    if not attrib:
        return False
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    style = attrib.get("style")
    if not style:
        return False
    low = style.lower()  # cheaper than a case-insensitive regex on every styled element
    return ("none" in low or "hidden" in low) and _HIDDEN_STYLE.search(low) is not None


def _is_bold(el: Any) -> bool:
    """True if the element's inline style sets bold type."""
    style = el.get("style")
    if not style:
        return False
    low = style.lower()
    return "weight" in low and _BOLD_STYLE.search(low) is not None


def _visible_text(el: Any) -> str:
    """All text a browser shows inside ``el``, collapsed, skipping scripts and hidden parts."""
    if not len(el):
        return _collapse(el.text or "")
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if event == "start":
            if not isinstance(tag, str) or tag in _SKIP or _is_hidden(node):
                walker.skip_subtree()
                continue
            if tag == "br":
                parts.append(" ")
            if node.text:
                parts.append(node.text)
        else:
            if isinstance(tag, str) and (tag in _BLOCKS or tag in _HEADINGS or tag == "li"):
                parts.append(" ")
            if node.tail and node is not el:
                parts.append(node.tail)
    return _collapse("".join(parts))


_SKIPPED = object()  # _HtmlWalker._open's answer for a subtree it consumed whole or ignores


class _HtmlWalker:
    """One pass over the tree, accumulating inline text until a block boundary flushes it.

    The walk is driven by lxml's ``iterwalk`` (start and end events), not by recursion, so
    pathologically nested pages (thousands of unclosed ``<font>`` tags) cannot exhaust the stack.
    """

    def __init__(self, resources: Resources | None = None) -> None:
        self.resources = resources
        self.out: list[Element] = []
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.emphasis: list[tuple[str, str]] = []
        self.images: list[Element] = []
        self.list_depth = -1
        self.in_item: list[int] = []  # list depth of each open <li>
        self.region: str | None = None
        self.last_heading_depth = -1
        self.bold = 0  # open elements that render their text bold
        self.bold_chars = 0  # non-space characters gathered while bold
        self.after_br = False  # nothing but whitespace since the last <br>

    # -- emitting -----------------------------------------------------------------------------

    def flush(self) -> None:
        """Turn the text gathered since the last block boundary into one element."""
        text = _collapse("".join(self.parts)) if self.parts else ""
        if text:
            el = Element(self._flow_type(text), text, self._inline_metadata())
            if el.type == "ListItem":
                el.metadata["category_depth"] = self.in_item[-1]
            elif el.type == "Title":
                el.metadata["category_depth"] = self.last_heading_depth + 1
            self.out.append(el)
        self._reset_inline()
        if self.images:
            self.out.extend(self.images)
            self.images.clear()

    def _reset_inline(self) -> None:
        self.after_br = False
        self.bold_chars = 0
        self.parts.clear()
        self.links.clear()
        self.emphasis.clear()

    def _flow_type(self, text: str) -> str:
        if self.in_item:
            return "ListItem"
        if self.region:
            return self.region
        if not any(c.isalpha() for c in text):
            return "UncategorizedText"
        if self._reads_as_heading(text):
            return "Title"
        return "NarrativeText"

    def _reads_as_heading(self, text: str) -> bool:
        """A short line set all in bold (or all in capitals) is a heading written without <hN>."""
        if len(text) > 100 or text.endswith(_TITLE_END) or text.startswith("(") or len(text.split()) > 12:
            return False
        visible = len(text) - text.count(" ")
        return self.bold_chars >= visible * 0.9 or (text.isupper() and len(text) > 3)

    def _inline_metadata(self) -> dict[str, Any]:
        return inline_metadata(self.links, self.emphasis)

    # -- walking ------------------------------------------------------------------------------

    def walk(self, root: Any) -> None:
        """Visit the tree in document order: start events open blocks, end events close them."""
        walker = etree.iterwalk(root, events=("start", "end"))
        exits: list[tuple[Callable[[], None] | None, bool]] = []
        for event, el in walker:
            if event == "start":
                exits.append(self._start(el, walker))
                continue
            close, bolded = exits.pop()
            if close is not None:
                close()
            if bolded:
                self.bold -= 1
            if el.tail and el is not root:
                self._add(el.tail)

    def _start(self, el: Any, walker: Any) -> tuple[Callable[[], None] | None, bool]:
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP or _is_hidden(el):
            walker.skip_subtree()
            return None, False
        bolded = tag in _EMPHASIS_BOLD or _is_bold(el)
        if bolded:
            self.bold += 1
        close = self._open(el, tag)
        if close is _SKIPPED:
            walker.skip_subtree()
            return None, bolded
        if el.text:
            self._add(el.text)
        return close, bolded  # type: ignore[return-value]

    def _open(self, el: Any, tag: str) -> Any:
        """Act on entering ``el``; return what to do on leaving it (or _SKIPPED)."""
        if tag in _HEADINGS:
            return self._open_heading(_HEADINGS[tag])
        if tag in _BLOCKS:
            self.flush()
            return self.flush
        if tag in _LISTS:
            self.flush()
            self.list_depth += 1
            return self._close_list
        if tag == "li":
            self.flush()
            self.in_item.append(max(self.list_depth, 0))
            return self._close_item
        if tag == "table":
            return self._table(el)
        if tag == "pre":
            self._pre(el)
            return _SKIPPED
        if tag in _REGIONS:
            return self._open_region(_REGIONS[tag])
        return self._open_inline(el, tag)

    def _open_inline(self, el: Any, tag: str) -> Any:
        if tag == "br":
            if self.after_br:  # <br><br>: the paragraph break of pages written without <p>
                self.flush()
            else:
                self.parts.append(" ")
            self.after_br = True
        elif tag == "img":
            image = _image_element(el, self.resources)
            if image is not None:
                self.images.append(image)
        elif tag == "a" or tag in _EMPHASIS:
            text = _visible_text(el)
            if text:
                if tag == "a" and el.get("href"):
                    self.links.append((text, el.get("href")))
                elif tag in _EMPHASIS:
                    self.emphasis.append((text, tag))
        return None

    def _add(self, text: str) -> None:
        self.parts.append(text)
        if self.after_br and not text.isspace():
            self.after_br = False
        if self.bold:
            self.bold_chars += len(text) - text.count(" ") - text.count("\n")

    def _open_heading(self, depth: int) -> Callable[[], None]:
        self.flush()
        saved = self.in_item, self.region
        self.in_item, self.region = [], None

        def close() -> None:
            text = _collapse("".join(self.parts))
            if text:
                self.out.append(Element("Title", text, {"category_depth": depth, **self._inline_metadata()}))
                self.last_heading_depth = depth
            self._reset_inline()
            self.in_item, self.region = saved
            self.flush()

        return close

    def _close_list(self) -> None:
        self.flush()
        self.list_depth -= 1

    def _close_item(self) -> None:
        self.flush()
        self.in_item.pop()

    def _open_region(self, kind: str) -> Callable[[], None]:
        self.flush()
        saved = self.region
        self.region = kind

        def close() -> None:
            self.flush()
            self.region = saved

        return close

    def _pre(self, el: Any) -> None:
        """Preformatted text: code stays one CodeSnippet; prose (a law in <pre>) is split like text."""
        self.flush()
        raw = "".join(el.itertext()).strip("\n")
        if not raw.strip():
            return
        if _looks_like_code(el):
            self.out.append(Element("CodeSnippet", raw))
            return
        from docbatch.partitioners.markup.text import partition_text_string

        self.out.extend(partition_text_string(raw))

    def _table(self, el: Any) -> Any:
        """A data table becomes one Table (or list); a layout table is walked as ordinary blocks."""
        self.flush()
        if _has_nested_table(el):
            return self.flush
        rows = _table_rows(el)
        if sum(1 for row in rows for _, text, _, _ in row if text) <= 1:
            return self.flush
        items = _bullet_rows(rows)
        if items:
            depth = self.list_depth + 1
            self.out.extend(Element("ListItem", text, {"category_depth": depth}) for text in items)
            return _SKIPPED
        table = _table_element(rows)
        if table is not None:
            caption = el.find("caption")
            caption_text = _visible_text(caption) if caption is not None else ""
            if caption_text:
                self.out.append(Element("FigureCaption", caption_text))
            self.out.append(table)
        return _SKIPPED


def _looks_like_code(pre: Any) -> bool:
    """A <pre> holds code if it says so (<code>, a code-ish class) or reads like code."""
    if pre.find(".//code") is not None or _CODE_CLASS.search(pre.get("class") or ""):
        return True
    text = "".join(pre.itertext())
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return False
    codey = sum(1 for ln in lines if ln.rstrip().endswith((";", "{", "}", ")", ":")) or ln.lstrip().startswith("#"))
    return codey / len(lines) > 0.5 and len(lines) < 2000


def _image_element(el: Any, resources: Resources | None = None) -> Element | None:
    """An <img> as an Image element: alt text, and its URL or inline data."""
    src = (el.get("src") or "").strip()
    alt = _collapse(el.get("alt") or "")
    if not src and not alt:
        return None
    if not alt and (_tiny(el.get("width")) or _tiny(el.get("height"))):
        return None  # a spacer or tracking pixel
    meta: dict[str, Any] = {}
    if images.wants("Image"):  # asked for: the picture's own bytes, within the limits, in either mode
        _attach_picture(meta, src, resources)
    elif src.startswith("data:"):
        header, _, payload = src.partition(",")
        if ";base64" in header and len(payload) <= _MAX_INLINE_IMAGE:
            try:
                base64.b64decode(payload, validate=False)
            except (binascii.Error, ValueError):
                payload = ""
            if payload:
                meta["image_base64"] = payload
                meta["image_mime_type"] = header[5:].split(";", 1)[0] or None
    elif src:
        meta["image_url"] = src
    return Element("Image", alt, meta)


#: Loads a file of the document's own package by the relative name a ``src`` gives.
Resources = Callable[[str], bytes]


def _attach_picture(meta: dict[str, Any], src: str, resources: Resources | None) -> None:
    """A ``data:`` URI decoded, or a package's own picture; a remote address stays ``image_url``."""
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        mime = header[5:].split(";", 1)[0].strip().lower() or None
        images.attach(meta, "Image", lambda: _data_uri_bytes(header, payload), mime)
        return
    if src:
        meta["image_url"] = src
    if resources is not None and images.is_package_link(src):
        images.attach(meta, "Image", lambda: resources(src), images.guess_mime(src))


def _data_uri_bytes(header: str, payload: str) -> bytes:
    """The bytes of a ``data:`` URI: Base64 (binascii.Error is a ValueError) or percent-encoded."""
    if ";base64" in header.lower():
        return base64.b64decode(payload, validate=False)
    return unquote_to_bytes(payload)


def _tiny(size: str | None) -> bool:
    digits = (size or "").strip().removesuffix("px")
    return digits.isdigit() and int(digits) <= 2


# -- tables ------------------------------------------------------------------------------------

_Cell = tuple[str, str, int, int]  # (tag, text, colspan, rowspan)


def _table_rows(table: Any) -> list[list[_Cell]]:
    """Rows of ``table`` itself (not of tables nested in its cells)."""
    rows: list[list[_Cell]] = []
    for child in table:
        tag = child.tag
        if tag == "tr":
            rows.append(_row_cells(child))
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(_row_cells(tr) for tr in child if tr.tag == "tr")
    return rows


def _row_cells(tr: Any) -> list[_Cell]:
    cells = []
    for cell in tr:
        if cell.tag in ("td", "th") and not _is_hidden(cell):
            cells.append((cell.tag, _visible_text(cell), _span(cell, "colspan"), _span(cell, "rowspan")))
    return cells


def _span(cell: Any, name: str) -> int:
    value = cell.get(name)
    if not value:
        return 1
    try:
        return max(1, min(int(value), 1000))
    except ValueError:
        return 1


def _bullet_rows(rows: list[list[_Cell]]) -> list[str]:
    """Texts of a table that only lays out a bulleted list (a bullet cell, then a text cell)."""
    items = []
    for row in rows:
        texts = [text for _, text, _, _ in row if text]
        if not texts:
            continue
        if len(texts) != 2 or texts[0] not in _BULLETS:
            return []
        items.append(texts[1])
    return items


def _has_nested_table(table: Any) -> bool:
    return any(True for _ in table.iterdescendants("table"))


def table_from_rows(rows: list[list[tuple[str, str]]]) -> Element | None:
    """A Table element from rows of ``(tag, text)`` cells (tag "th" or "td"); shared by the
    Markdown, reStructuredText and Org partitioners so every format's tables look alike."""
    return _table_element([[(tag, _collapse(text), 1, 1) for tag, text in row] for row in rows])


def _table_element(rows: list[list[_Cell]]) -> Element | None:
    """A Table element with plain text and cleaned HTML (no attributes but spans, no empty rows)."""
    rows = [row for row in rows if any(text for _, text, _, _ in row)]
    if not rows:
        return None
    rows = _drop_empty_columns(rows)
    cells = [[Cell(text, colspan, rowspan, tag == "th") for tag, text, colspan, rowspan in row] for row in rows]
    return Element("Table", table_text(cells), {"text_as_html": table_html(cells)})


def _drop_empty_columns(rows: list[list[_Cell]]) -> list[list[_Cell]]:
    """Remove spacer columns (empty in every row); only for tables without spans, to stay exact."""
    if any(c[2] > 1 or c[3] > 1 for row in rows for c in row):
        return rows
    width = max(len(row) for row in rows)
    keep = [i for i in range(width) if any(i < len(row) and row[i][1] for row in rows)]
    if len(keep) == width:
        return rows
    return [[row[i] for i in keep if i < len(row)] for row in rows]


# -- XML ---------------------------------------------------------------------------------------

_XML_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "recover": False,
}


def partition_xml(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an XML file: the text of each element, in document order."""
    return partition_xml_bytes(Path(path).read_bytes())


def partition_xml_bytes(data: bytes) -> list[Element]:
    """Partition XML bytes; entities stay unexpanded and nothing outside the bytes is read."""
    if not data.strip():
        return []
    root = _parse_xml(data)
    out: list[Element] = []
    try:
        _xml_elements(root, out)
    except RecursionError as e:
        raise DocumentError("XML nested too deeply to partition") from e
    return out


def _xml_elements(el: Any, out: list[Element]) -> None:
    """One element per leaf; an element mixing its own text with child elements is one element."""
    children = [child for child in el if isinstance(child.tag, str)]
    own = (el.text or "") + "".join(child.tail or "" for child in el)
    if children and own.strip():
        _append_xml_text(_collapse("".join(_xml_text(el))), out)
        return
    if own.strip():
        _append_xml_text(_collapse(own), out)
    for child in children:
        _xml_elements(child, out)


def _xml_text(el: Any) -> list[str]:
    """Text of a subtree; entity references (never expanded) contribute nothing."""
    return [t for t in el.itertext(tag=etree.Element) if t]


def _append_xml_text(text: str, out: list[Element]) -> None:
    if text:
        out.append(Element("NarrativeText" if _is_sentence(text) else "UncategorizedText", text))


def _parse_xml(data: bytes) -> Any:
    """Parse with a locked-down parser; text in an undeclared encoding is decoded first."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:256]:
        return _parse_xml_once(_as_utf8(data))
    try:
        return _parse_xml_once(data)
    except DocumentError as e:
        if "UTF-8" not in str(e) and "encoding" not in str(e).lower():
            raise
    return _parse_xml_once(_as_utf8(data))  # cp1252 and friends without a declaration


def _as_utf8(data: bytes) -> bytes:
    """Re-encode XML of a detected encoding as UTF-8, without its (now wrong) declaration."""
    return _XML_DECLARATION.sub("", decode_text_bytes(data), count=1).encode("utf-8")


def _parse_xml_once(data: bytes) -> Any:
    parser = etree.XMLParser(**_XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise _xml_error(e) from e
    except (etree.LxmlError, ValueError) as e:
        raise DocumentError(f"unreadable XML: {_first_line(str(e))}") from e
    if root is None:
        raise DocumentError("XML document has no root element")
    return root


def _xml_error(e: Exception) -> DocumentError:
    """A one-line reason for lxml's refusal, naming the safety limits when they were hit."""
    message = str(e)
    if "amplification" in message or ("entity" in message.lower() and "loop" in message.lower()):
        return DocumentError("XML refused: its entities would expand without bound (billion laughs)")
    if "XML_PARSE_HUGE" in message:
        return DocumentError("XML exceeds the parser's safety limits (a text over 10 MB or nesting over 256)")
    return DocumentError(f"malformed XML: {_first_line(message)}")


def _first_line(message: str) -> str:
    return message.splitlines()[0] if message else "parse error"


def _is_sentence(text: str) -> bool:
    """Prose reads as NarrativeText; codes, numbers and single words stay UncategorizedText."""
    return len(text.split()) >= 4 and any(c.isalpha() for c in text)
