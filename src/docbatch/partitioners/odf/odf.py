"""OpenDocument spreadsheets (.ods) and presentations (.odp); text documents live in ``odt.py``.

A spreadsheet is read by python-calamine, which reads ODS as it reads XLSX, so its sheets become
the same Table elements with ``text_as_html`` (see :mod:`docbatch.partitioners.spreadsheet.spreadsheet`).

A presentation is walked slide by slide (``draw:page``) with the ODT block walker: a frame whose
``presentation:class`` is ``title`` or ``subtitle`` is a Title, the other frames' paragraphs,
lists and tables are read as in a text document, and the speaker notes follow the slide, as
the PPTX partitioner reads them. ``page_number`` is the slide number.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.archive import check_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS
from docbatch.partitioners.odf.odt import (
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
_PAGE = f"{{{_DRAW}}}page"
_NOTES = f"{{{_PRESENTATION}}}notes"
_CLASS = f"{{{_PRESENTATION}}}class"
_TITLE_CLASSES = {"title": 0, "subtitle": 1}
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
    return partition_with_calamine(path, "ODS")


def partition_odp(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an OpenDocument presentation: each slide's titles, text, tables and notes."""
    content, styles = read_odf_package(path, options, "ODP")
    root = parse_odf_xml(content)
    parents = style_parents(parse_odf_xml(styles)) if styles else {}
    parents.update(style_parents(root))
    body = root.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}presentation")
    if body is None:
        raise DocumentError("not an OpenDocument presentation (no office:presentation body)")
    elements: list[Element] = []
    try:
        for number, page in enumerate(body.iter(_PAGE), start=1):
            for el in _slide_elements(page, parents):
                el.metadata["page_number"] = number
                elements.append(el)
    except RecursionError as e:
        raise DocumentError("ODP nested too deeply to partition") from e
    return elements


def _slide_elements(page: Any, parents: dict[str, str]) -> list[Element]:
    """One slide: its frames in document order (LibreOffice writes them in reading order), then notes."""
    walker = OdfWalker(parents, has_pages=False)
    notes: list[Any] = []
    for frame in page:
        if frame.tag == _NOTES:
            notes.append(frame)
            continue
        kind = frame.get(_CLASS)
        if kind in _LAYOUT_CLASSES:
            continue
        if kind in _TITLE_CLASSES:
            _title(walker, frame, _TITLE_CLASSES[kind])
        else:
            walker.blocks(frame)
    for note in notes:
        for frame in note:
            if frame.get(_CLASS) == "notes":
                walker.blocks(frame)
    return walker.out


def _title(walker: OdfWalker, frame: Any, depth: int) -> None:
    """A title placeholder: its paragraphs joined into one Title."""
    text = " ".join(t for t in (paragraph_text(p) for p in frame.iter(f"{{{_TEXT}}}p", f"{{{_TEXT}}}h")) if t)
    if text:
        walker.out.append(Element("Title", text, {"category_depth": depth}))
