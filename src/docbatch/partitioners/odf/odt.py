"""OpenDocument text (.odt): one walk over ``content.xml`` turns ODF blocks into elements.

ODF states its structure outright, so nothing is guessed that the file says: ``text:h`` with its
``outline-level`` is a Title of that depth, paragraphs styled Title / Subtitle / Heading N (also
through automatic styles that inherit from them) are Titles, ``text:list`` items are ListItems
with their nesting depth, and ``table:table`` is a Table with ``text_as_html`` (spans kept).
Only ordinary paragraphs go through the plain-text classifier (a typed bullet is a ListItem).
Running headers and footers of the page styles become Header and Footer elements.
Links become ``link_texts`` / ``link_urls``; footnote bodies follow the paragraph that cites
them; text boxes are read where they are anchored; tracked deletions and comments are left out.
A phonetic guide (``text:ruby``) reads as its base text (東京), without the reading over it.

``page_number`` comes from the ``text:soft-page-break`` marks LibreOffice writes where its layout
broke pages; a file without them (one page, or another producer) gets no page numbers.

The XML is read with lxml's parser locked down (no entities, no DTD, no network), not odfpy:
odfpy loads every part of the package into its own object tree and is an order of magnitude
slower. unstructured converts ODT with pandoc to DOCX first; this needs no subprocess.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from docbatch.elements import Element, inline_metadata
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.kit import images
from docbatch.partitioners.kit.archive import check_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS, read_member, zip_member
from docbatch.partitioners.kit.tables import Cell, table_html, table_text
from docbatch.partitioners.markup.text import partition_text_string
from docbatch.partitioners.odf.inline import (
    ANNOTATION,
    paragraph_text,
    parse_odf_xml,
)
from docbatch.partitioners.odf.inline import (
    CELL as _CELL,
)
from docbatch.partitioners.odf.inline import (
    CREATOR as _CREATOR,
)
from docbatch.partitioners.odf.inline import (
    DESC as _DESC,
)
from docbatch.partitioners.odf.inline import (
    LIST as _LIST,
)
from docbatch.partitioners.odf.inline import (
    LIST_HEADER as _LIST_HEADER,
)
from docbatch.partitioners.odf.inline import (
    LIST_ITEM as _LIST_ITEM,
)
from docbatch.partitioners.odf.inline import (
    OBJECT as _OBJECT,
)
from docbatch.partitioners.odf.inline import (
    PARSER as _PARSER,
)
from docbatch.partitioners.odf.inline import (
    ROW as _ROW,
)
from docbatch.partitioners.odf.inline import (
    ROW_GROUPS as _ROW_GROUPS,
)
from docbatch.partitioners.odf.inline import (
    SKIP as _SKIP,
)
from docbatch.partitioners.odf.inline import (
    SOFT_BREAK as _SOFT_BREAK,
)
from docbatch.partitioners.odf.inline import (
    TABLE as _TABLE,
)
from docbatch.partitioners.odf.inline import (
    TITLE as _TITLE,
)
from docbatch.partitioners.odf.inline import (
    H as _H,
)
from docbatch.partitioners.odf.inline import (
    Inline as _Inline,
)
from docbatch.partitioners.odf.inline import (
    P as _P,
)
from docbatch.partitioners.odf.inline import (
    collect as _collect,
)
from docbatch.partitioners.odf.inline import (
    count as _count,
)
from docbatch.partitioners.odf.inline import (
    q as _q,
)

__all__ = [
    "ANNOTATION",
    "OdfWalker",
    "check_odf_not_encrypted",
    "paragraph_text",
    "parse_odf_xml",
    "partition_odt",
    "partition_odt_xml",
    "read_odf_package",
    "running_elements",
    "style_parents",
]

_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_STYLE_NAME, _PARENT_STYLE = _q("style", "name"), _q("style", "parent-style-name")
_HEADING_STYLE = re.compile(r"^heading(?:_20_|\s*)(\d+)$", re.IGNORECASE)


def partition_odt(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an OpenDocument text file."""
    content, styles = read_odf_package(path, options, "ODT")
    return partition_odt_xml(content, styles, package=path)


def read_odf_package(path: Path, options: PartitionOptions, kind: str) -> tuple[bytes, bytes | None]:
    """``content.xml`` and ``styles.xml`` of an OpenDocument package (``kind`` names it in errors)."""
    check_zip(path, options, kind)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "content.xml" not in names:
                raise DocumentError("not an OpenDocument file (no content.xml)")
            check_odf_not_encrypted(zf, names)
            styles = read_member(zf, "styles.xml") if "styles.xml" in names else None
            return read_member(zf, "content.xml"), styles
    except zipfile.BadZipFile as e:
        raise DocumentError(f"not a valid {kind} (broken zip: {e})") from e
    except (zipfile.LargeZipFile, *ZIP_READ_ERRORS) as e:
        raise DocumentError(f"unreadable {kind}: {e}") from e


def check_odf_not_encrypted(zf: zipfile.ZipFile, names: set[str]) -> None:
    """EncryptedDocument if the package's manifest says its content is password-protected."""
    if "META-INF/manifest.xml" in names and _is_encrypted(read_member(zf, "META-INF/manifest.xml")):
        raise EncryptedDocument("password-protected OpenDocument file; remove the password and retry")


def _is_encrypted(manifest: bytes) -> bool:
    """True if the manifest says content.xml is encrypted (ODF's own password protection)."""
    try:
        root = etree.fromstring(manifest, _PARSER)
    except etree.XMLSyntaxError:
        return False
    if root is None:
        return False
    path_attr = f"{{{_MANIFEST_NS}}}full-path"
    return any(
        entry.get(path_attr) == "content.xml" and entry.find(f"{{{_MANIFEST_NS}}}encryption-data") is not None
        for entry in root.iter(f"{{{_MANIFEST_NS}}}file-entry")
    )


def partition_odt_xml(content: bytes, styles: bytes | None = None, *, package: Path | None = None) -> list[Element]:
    """Partition the ``content.xml`` of an ODF text document.

    ``styles.xml`` resolves style names and holds the running headers and footers of the page
    styles, which become Header elements first and Footer elements last (each distinct text once).
    ``package`` is the file the pictures are read from, when ``--extract-image-block-types`` asks.
    """
    root = parse_odf_xml(content)
    styles_root = parse_odf_xml(styles) if styles else None
    parents = style_parents(styles_root) if styles_root is not None else {}
    parents.update(style_parents(root))
    body = root.find(f"{_q('office', 'body')}/{_q('office', 'text')}")
    if body is None:
        raise DocumentError("not an OpenDocument text document (no office:text body)")
    walker = OdfWalker(parents, has_pages=root.find(f".//{_SOFT_BREAK}") is not None, package=package)
    try:
        walker.blocks(body)
    except RecursionError as e:
        raise DocumentError("ODT nested too deeply to partition") from e
    if styles_root is None:
        return walker.out
    masters = list(styles_root.iter(_q("style", "master-page")))
    return running_elements(masters, "header", "Header") + walker.out + running_elements(masters, "footer", "Footer")


def running_elements(masters: list[Any], region: str, kind: str) -> list[Element]:
    """Distinct paragraphs of the page styles' (``style:master-page``) headers or footers, first-page
    and even-page ones too, in the order written (a spreadsheet's left, center and right regions)."""
    out: list[Element] = []
    seen: set[str] = set()
    tags = {_q("style", region), _q("style", f"{region}-first"), _q("style", f"{region}-left")}
    for master in masters:
        for part in master:
            # display="false": turned off in the page style (Calc keeps its default content there), not printed
            if part.tag not in tags or part.get(_q("style", "display")) == "false":
                continue
            for para in part.iter(_P, _H):
                text = paragraph_text(para)
                if text and text not in seen:
                    seen.add(text)
                    out.append(Element(kind, text))
    return out


def collapse_text(el: Any) -> str:
    """All text under ``el`` (None: none), whitespace collapsed."""
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def style_parents(root: Any) -> dict[str, str]:
    """Style name -> parent style name, for automatic styles (P1 -> Heading_20_1) and named ones."""
    out = {}
    for style in root.iter(_q("style", "style")):
        name, parent = style.get(_STYLE_NAME), style.get(_PARENT_STYLE)
        if name and parent:
            out[name] = parent
    return out


class OdfWalker:
    """Walks block-level ODF content, appending elements to ``out``."""

    def __init__(self, style_parents: dict[str, str], *, has_pages: bool, package: Path | None = None) -> None:
        self.style_parents = style_parents
        self.page = 1 if has_pages else None
        self.out: list[Element] = []
        #: The package embedded objects (charts) are read from.
        self.source = package
        #: The package pictures are read from; Image elements are made only when they are asked for
        #: (as for PDF), so outputs without ``--extract-image-block-types`` stay as they were.
        self.package = package if images.wants("Image") else None

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, container: Any, list_depth: int | None = None) -> None:
        for child in container:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _SOFT_BREAK:
                self._page_break()
            elif tag == ANNOTATION:
                self.annotation(child, len(self.out) - 1 if self.out else None)
            elif tag == _H:
                self._heading(child)
            elif tag == _P:
                self._paragraph(child, list_depth)
            elif tag == _LIST:
                self._list(child, 0 if list_depth is None else list_depth + 1)
            elif tag == _TABLE:
                self._table(child)
            elif tag == _OBJECT:  # a frame standing on its own (a slide's chart, a page-anchored one)
                self.embedded_object(child)
            else:  # sections, indexes (a table of contents), text boxes, wrappers: their blocks count
                self.blocks(child, list_depth)

    def _list(self, el: Any, depth: int) -> None:
        for item in el:
            if item.tag in (_LIST_ITEM, _LIST_HEADER):
                self.blocks(item, depth)
            elif item.tag == _SOFT_BREAK:
                self._page_break()

    def _heading(self, el: Any) -> None:
        try:
            level = max(1, min(int(el.get(_q("text", "outline-level")) or 1), 10))
        except ValueError:
            level = 1
        self._emit(el, "Title", {"category_depth": level - 1})

    def _paragraph(self, el: Any, list_depth: int | None) -> None:
        if list_depth is not None:
            self._emit(el, "ListItem", {"category_depth": list_depth})
            return
        depth = self._style_heading_depth(el.get(_q("text", "style-name")))
        if depth is not None:
            self._emit(el, "Title", {"category_depth": depth})
        else:
            self._emit(el, None, {})

    def _style_heading_depth(self, style: str | None) -> int | None:
        """Depth if the paragraph's style (or one it inherits from) is Title, Subtitle or Heading N."""
        for _ in range(20):  # inheritance chains are short; a cycle must not loop forever
            if not style:
                return None
            lowered = style.lower()
            if lowered == "title":
                return 0
            if lowered == "subtitle":
                return 1
            match = _HEADING_STYLE.match(style)
            if match:
                return max(int(match.group(1)) - 1, 0)
            style = self.style_parents.get(style)
        return None

    def _emit(self, el: Any, kind: str | None, meta: dict[str, Any]) -> None:
        """One element for a paragraph-like block, then its footnotes and text boxes."""
        page = self.page
        inline = _Inline()
        _collect(el, inline)
        text = " ".join("".join(inline.parts).split())
        if text and kind is None:  # an ordinary paragraph: a typed bullet, a heading-like line, ...
            guessed = partition_text_string(text)
            kind, text = (guessed[0].type, guessed[0].text) if guessed else ("UncategorizedText", text)
            meta.update(guessed[0].metadata if guessed else {})
        if text and kind:  # a lone typed bullet leaves no text
            meta.update(inline_metadata(inline.links))
            if page is not None:
                meta["page_number"] = page
            self.out.append(Element(kind, text, meta))
        anchor = len(self.out) - 1 if self.out else None
        for annotation in inline.annotations:
            self.annotation(annotation, anchor)
        if self.page is not None:
            self.page += inline.breaks
        for picture in inline.pictures:
            self._picture(picture)
        for obj in inline.objects:
            self.embedded_object(obj)
        for note in inline.notes:
            self.blocks(note)
        for box in inline.boxes:
            self.blocks(box)

    def annotation(self, el: Any, anchor: int | None) -> None:
        """A comment (``office:annotation``): one NarrativeText of its paragraphs marked
        ``note_type: "comment"`` with its ``comment_author``, linked by ``parent_id`` to the
        element it stands in (``anchor``, an index of ``out``)."""
        lines = [paragraph_text(p) for p in el.iter(_P, _H)]
        text = "\n".join(line for line in lines if line)
        if not text:
            return
        creator = el.find(_CREATOR)
        meta: dict[str, Any] = {"note_type": "comment", "comment_author": collapse_text(creator)}
        if self.page is not None:
            meta["page_number"] = self.page
        self.out.append(Element("NarrativeText", text, meta, parent=anchor))

    def notes(self, container: Any) -> None:
        """Speaker notes: each paragraph a NarrativeText marked ``slide_notes: true``, as the PPTX
        reader gives them. A note is what the speaker says, never a heading or a list of the
        slide, so the plain-text classifier (which takes a short line for a Title) is not asked."""
        for para in container.iter(_P, _H):
            if not any(a.tag in (_P, _H) for a in para.iterancestors()):  # a nested one is its parent's text
                self._emit(para, "NarrativeText", {"slide_notes": True})

    def embedded_object(self, obj: Any) -> None:
        """An embedded object's elements where its frame stands: a chart's title and data table."""
        href = obj.get(_q("xlink", "href")) or ""
        if self.source is None or not href:
            return
        from docbatch.partitioners.odf.chart import embedded_chart  # imported on first use: charts are rare

        for el in embedded_chart(self.source, href):
            if self.page is not None:
                el.metadata["page_number"] = self.page
            self.out.append(el)

    def _picture(self, image: Any) -> None:
        """An Image element for a picture stored in the package (a linked one has no bytes here)."""
        href = image.get(_q("xlink", "href")) or ""
        if self.package is None or not images.is_package_link(href):
            return
        frame = image.getparent()
        alt = " ".join(" ".join(t for tag in (_TITLE, _DESC) for t in frame.itertext(tag)).split())
        meta: dict[str, Any] = {} if self.page is None else {"page_number": self.page}
        images.attach(meta, "Image", zip_member(self.package, href), images.guess_mime(href))
        self.out.append(Element("Image", alt, meta))

    def _page_break(self) -> None:
        if self.page is not None:
            self.page += 1

    # -- tables -------------------------------------------------------------------------------

    def _table(self, el: Any) -> None:
        rows = _table_rows(el)
        rows = [row for row in rows if any(text for text, _, _ in row)]
        if not rows:
            return
        cells = [[Cell(text, cols, rowspan) for text, cols, rowspan in row] for row in rows]
        meta: dict[str, Any] = {"text_as_html": table_html(cells)}
        if self.page is not None:
            meta["page_number"] = self.page
        self.out.append(Element("Table", table_text(cells), meta))
        self.page = None if self.page is None else self.page + sum(1 for _ in el.iter(_SOFT_BREAK))


_Cell = tuple[str, int, int]  # text, colspan, rowspan


def _table_rows(table: Any) -> list[list[_Cell]]:
    """Rows of ``table`` (not of tables nested in its cells), repeats expanded up to a cap."""
    rows: list[list[_Cell]] = []
    for row in _row_elements(table):
        cells = _row_cells(row)
        repeat = _count(row.get(_q("table", "number-rows-repeated")))
        rows.extend([cells] * (repeat if any(t for t, _, _ in cells) else 1))
    return rows


def _row_elements(container: Any) -> list[Any]:
    out = []
    for child in container:
        if child.tag == _ROW:
            out.append(child)
        elif child.tag in _ROW_GROUPS:
            out.extend(_row_elements(child))
    return out


def _row_cells(row: Any) -> list[_Cell]:
    cells: list[_Cell] = []
    for cell in row:
        if cell.tag != _CELL:
            continue  # covered cells are the other half of a span
        inline = _Inline()
        _collect(cell, inline)
        text = " ".join("".join(inline.parts).split())
        colspan = _count(cell.get(_q("table", "number-columns-spanned")))
        rowspan = _count(cell.get(_q("table", "number-rows-spanned")))
        repeat = _count(cell.get(_q("table", "number-columns-repeated")))
        cells.extend([(text, colspan, rowspan)] * (repeat if text else min(repeat, 1)))
    while cells and not cells[-1][0] and cells[-1][1] == 1:
        cells.pop()  # trailing empty cells: layout padding, not data
    return cells
