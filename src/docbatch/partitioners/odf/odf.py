"""OpenDocument spreadsheets (.ods) and presentations (.odp); text documents live in ``odt.py``.

A spreadsheet is read by python-calamine, which reads ODS as it reads XLSX, so its sheets become
the same Table elements with ``text_as_html`` (see :mod:`docbatch.partitioners.spreadsheet.spreadsheet`).

Beside its cells, a spreadsheet's cell comments, charts and page headers and footers are read
from the package (see :mod:`~docbatch.partitioners.odf.ods_parts`).

A presentation is walked slide by slide (``draw:page``) with the ODT block walker: a frame whose
``presentation:class`` is ``title`` or ``subtitle`` is a Title, the other frames' paragraphs,
lists and tables are read as in a text document, and charts become their title and data table.
The PPTX partitioner's order and shapes are kept: the text boxes of the slide's master page
(not its placeholders) are Headers or Footers by where they stand, given once per deck on the
first slide showing them, Headers before the slide's own elements and Footers after them; the
speaker notes follow, each paragraph a NarrativeText marked ``slide_notes: true``; the slide's
comments come last. ``page_number`` is the slide number.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.archive import check_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS
from docbatch.partitioners.odf.ods_parts import with_ods_parts
from docbatch.partitioners.odf.odt import (
    ANNOTATION,
    OdfWalker,
    check_odf_not_encrypted,
    paragraph_text,
    parse_odf_xml,
    read_odf_package,
    style_parents,
)

__all__ = ["partition_odp", "partition_ods"]

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_PAGE = f"{{{_DRAW}}}page"
_GROUP = f"{{{_DRAW}}}g"
_MASTER_NAME = f"{{{_DRAW}}}master-page-name"
_NOTES = f"{{{_PRESENTATION}}}notes"
_CLASS = f"{{{_PRESENTATION}}}class"
_PARAGRAPHS = (f"{{{_TEXT}}}p", f"{{{_TEXT}}}h")
_TITLE_CLASSES = {"title": 0, "subtitle": 1}
#: A slide's comments: ODF 1.3's element, and the one LibreOffice wrote before it (its own namespace).
_COMMENTS = frozenset({ANNOTATION, "{http://openoffice.org/2009/office}annotation"})
# Frames the layout fills in on every slide: not the slide's content.
_LAYOUT_CLASSES = frozenset({"page-number", "date-time", "header", "footer", "page"})


def partition_ods(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an OpenDocument spreadsheet: one Table per block of cells, per sheet."""
    from docbatch.partitioners.spreadsheet.spreadsheet import partition_with_calamine

    check_zip(path, options, "ODS")
    try:
        with zipfile.ZipFile(path) as zf:
            check_odf_not_encrypted(zf, set(zf.namelist()))
    except zipfile.BadZipFile as e:
        raise DocumentError(f"not a valid ODS (broken zip: {e})") from e
    except (zipfile.LargeZipFile, *ZIP_READ_ERRORS) as e:
        raise DocumentError(f"unreadable ODS: {e}") from e
    return with_ods_parts(path, partition_with_calamine(path, "ODS"))


def partition_odp(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an OpenDocument presentation: each slide's titles, text, tables and notes."""
    content, styles = read_odf_package(path, options, "ODP")
    root = parse_odf_xml(content)
    styles_root = parse_odf_xml(styles) if styles else None
    parents = style_parents(styles_root) if styles_root is not None else {}
    parents.update(style_parents(root))
    body = root.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}presentation")
    if body is None:
        raise DocumentError("not an OpenDocument presentation (no office:presentation body)")
    masters = _Masters(styles_root, root)
    elements: list[Element] = []
    try:
        for number, page in enumerate(body.iter(_PAGE), start=1):
            for el in _slide_elements(page, parents, path, masters):
                el.metadata["page_number"] = number
                elements.append(el)
    except RecursionError as e:
        raise DocumentError("ODP nested too deeply to partition") from e
    return elements


def _slide_elements(page: Any, parents: dict[str, str], package: Path, masters: _Masters) -> list[Element]:
    """One slide: its master's text boxes above the slide's middle, its frames in document order
    (LibreOffice writes them in reading order), the master's text boxes below the middle, then
    notes, then comments."""
    headers, footers = masters.furniture(page)
    walker = OdfWalker(parents, has_pages=False, package=package)
    walker.out.extend(headers)
    notes: list[Any] = []
    comments: list[Any] = []
    for frame in page:
        if frame.tag == _NOTES:
            notes.append(frame)
            continue
        if frame.tag in _COMMENTS:
            comments.append(frame)
            continue
        kind = frame.get(_CLASS)
        if kind in _LAYOUT_CLASSES:
            continue
        if kind in _TITLE_CLASSES:
            _title(walker, frame, _TITLE_CLASSES[kind])
        else:
            walker.blocks(frame)
    walker.out.extend(footers)
    for note in notes:
        for frame in note:
            if frame.get(_CLASS) == "notes":
                walker.notes(frame)
    for comment in comments:
        walker.annotation(comment, None)
    return walker.out


def _title(walker: OdfWalker, frame: Any, depth: int) -> None:
    """A title placeholder: its paragraphs joined into one Title."""
    text = " ".join(t for t in (paragraph_text(p) for p in frame.iter(f"{{{_TEXT}}}p", f"{{{_TEXT}}}h")) if t)
    if text:
        walker.out.append(Element("Title", text, {"category_depth": depth}))


#: A length in ODF's units, and each unit in centimetres.
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d*)?|-?\.\d+)\s*(cm|mm|in|pt|pc|px)?\s*$")
_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72, "pc": 2.54 / 6, "px": 2.54 / 96, None: 1.0}
#: Impress's default slide height (16:9), for a master whose page layout gives none.
_DEFAULT_HEIGHT_CM = 15.75


def _length_cm(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    return float(match.group(1)) * _CM[match.group(2)] if match else None


class _Masters:
    """The deck's master pages (``style:master-page`` in styles.xml), for the text boxes they put
    on the slides made from them (a company name, "Confidential"), as the PPTX reader gives a
    slide master's and layout's text boxes."""

    def __init__(self, styles_root: Any, content_root: Any) -> None:
        self.masters: dict[str, Any] = {}
        heights: dict[str, float] = {}
        if styles_root is not None:
            for layout in styles_root.iter(f"{{{_STYLE}}}page-layout"):
                props = layout.find(f"{{{_STYLE}}}page-layout-properties")
                height = _length_cm(props.get(f"{{{_FO}}}page-height")) if props is not None else None
                if height:
                    heights[layout.get(f"{{{_STYLE}}}name") or ""] = height
            for master in styles_root.iter(f"{{{_STYLE}}}master-page"):
                self.masters.setdefault(master.get(f"{{{_STYLE}}}name") or "", master)
        self.heights = {
            name: heights.get(master.get(f"{{{_STYLE}}}page-layout-name") or "", _DEFAULT_HEIGHT_CM)
            for name, master in self.masters.items()
        }
        #: Drawing-page styles that hide the master's objects (Impress: Slide > Master Objects off).
        self.hiding = {
            style.get(f"{{{_STYLE}}}name")
            for style in content_root.iter(f"{{{_STYLE}}}style")
            if any(
                props.get(f"{{{_PRESENTATION}}}background-objects-visible") == "false"
                for props in style.iterchildren(f"{{{_STYLE}}}drawing-page-properties")
            )
        }
        self.given: set[str] = set()

    def furniture(self, page: Any) -> tuple[list[Element], list[Element]]:
        """Headers and Footers of the master ``page`` is made from, if it shows the master's
        objects and no slide before gave them (repeating them on every slide would bury the
        slides' own words). Placeholders are left out: what a master's title, footer or slide
        number placeholder shows, the slide's own frames give."""
        name = page.get(_MASTER_NAME) or ""
        master = self.masters.get(name)
        if master is None or name in self.given or page.get(f"{{{_DRAW}}}style-name") in self.hiding:
            return [], []
        self.given.add(name)
        headers: list[Element] = []
        footers: list[Element] = []
        for shape in _text_shapes(master):
            text = " ".join(t for t in (paragraph_text(p) for p in _paragraphs(shape)) if t)
            if not text:
                continue
            upper = (_length_cm(shape.get(f"{{{_SVG}}}y")) or 0) < self.heights[name] / 2
            (headers if upper else footers).append(Element("Header" if upper else "Footer", text))
        return headers, footers


def _text_shapes(container: Any) -> Iterator[Any]:
    """The shapes of a master page that are not placeholders (frames, custom shapes, the members
    of groups), in document order."""
    for shape in container:
        if not isinstance(shape.tag, str) or shape.tag == _NOTES or shape.get(_CLASS) is not None:
            continue
        if shape.tag == _GROUP:
            yield from _text_shapes(shape)
        elif shape.tag.startswith(f"{{{_DRAW}}}"):
            yield shape


def _paragraphs(shape: Any) -> list[Any]:
    """A shape's paragraphs, not those nested in another (a note's body in a paragraph)."""
    return [p for p in shape.iter(*_PARAGRAPHS) if not any(a.tag in _PARAGRAPHS for a in p.iterancestors())]
