"""PowerPoint presentations (.pptx): python-pptx opens the deck, each slide is one page.

Shapes are read top-left to bottom-right (by top edge, then left edge); members of group shapes
take part in that order by their own place on the slide. What a shape's text becomes depends on
what the slide says it is:

* the title placeholder is the slide's Title (depth 0); a subtitle placeholder with a short line
  is a Title at depth 1;
* a paragraph with a bullet is a ListItem whose ``category_depth`` is its outline level. Bullets
  are looked up where PowerPoint looks them up: the paragraph, the shape's list style, the layout
  and master placeholders it inherits from, and the master's body style. A paragraph indented
  below level 0 (and not marked bullet-free) is a ListItem too;
* footer and date placeholders are Footers, the slide-number placeholder a PageNumber;
* other text is NarrativeText, or a Title at depth 1 when it is a short line set all in bold
  or capitals, or UncategorizedText when it has no letters;
* tables become Table elements with ``text_as_html`` (merged cells as colspan / rowspan);
  pictures become Image elements carrying their alt text; charts become their title
  (FigureCaption) and their data as a Table, a row per category and a column per series;
  SmartArt nodes become ListItems, their depth taken from the diagram's hierarchy.

Speaker notes follow the slide's own elements on the same page, as NarrativeText with
``slide_notes: true`` in their metadata (a key of docbatch's own: unstructured's schema has none
for notes, and its readers keep unknown keys).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partition.archive import check_zip
from docbatch.partition.base import PartitionOptions
from docbatch.partition.boundary import what_is_wrong
from docbatch.partition.notes import part_lost
from docbatch.partition.ooxml import (
    TableCell,
    chart_elements,
    collapse,
    contact_type,
    diagram_elements,
    diagram_rid,
    drawing_paragraph,
    is_short_line,
    open_errors,
    open_failure,
    reads_as_heading,
    table_element,
)

__all__ = ["partition_pptx"]

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_BULLET_ON = frozenset({_A + "buChar", _A + "buAutoNum", _A + "buBlip"})


def partition_pptx(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a .pptx file."""
    check_zip(path, options, "PPTX")
    presentation = _open(path)
    elements: list[Element] = []
    inherited: dict[tuple[str, int], tuple[float, float]] = {}
    for number, slide in enumerate(presentation.slides, start=1):
        for el in _slide_elements(slide, number, inherited):
            el.metadata["page_number"] = number
            elements.append(el)
    return elements


def _slide_elements(slide: Any, number: int, inherited: dict[tuple[str, int], tuple[float, float]]) -> list[Element]:
    """One slide's elements; a slide whose XML python-pptx cannot map is a lost part, and the
    other slides still come out."""
    try:
        return _SlideReader(slide, number, inherited).elements()
    except _pptx_errors() as e:
        part_lost(f"slide {number}", what_is_wrong(e))
        return []


@cache
def _pptx_errors() -> tuple[type[BaseException], ...]:
    """What python-pptx raises for XML that breaks its schema or a relationship the package lacks;
    anything else (an AttributeError, a TypeError) is a bug of ours and is not caught."""
    from lxml.etree import XMLSyntaxError
    from pptx.exc import PythonPptxError

    return (PythonPptxError, XMLSyntaxError, KeyError, ValueError, IndexError, NotImplementedError)


def _open(path: Path) -> Any:
    """The python-pptx Presentation; slide shows (.ppsx) and templates (.potx) are read too.

    ``pptx.Presentation()`` accepts only .pptx and .pptm main parts although python-pptx reads
    all four kinds with the same part class, so the package is opened one level down.
    """
    from pptx.package import Package
    from pptx.parts.presentation import PresentationPart

    try:
        part = Package.open(str(path)).main_document_part
        if not isinstance(part, PresentationPart):
            raise DocumentError(f"not a PowerPoint presentation: its main part is {part.content_type}")
        presentation = part.presentation
        list(presentation.slides)  # resolves every slide part: broken relationships fail here
    except open_errors() as e:  # what python-pptx, lxml and zipfile raise for a broken package
        raise open_failure("PPTX", e) from e
    return presentation


_Affine = tuple[float, float, float, float]  # x' = ax * x + bx, y' = ay * y + by
_IDENTITY: _Affine = (1.0, 0.0, 1.0, 0.0)


class _Placement:
    """Where shapes sit on a slide, for reading order.

    A placeholder without a position of its own sits where its layout's placeholder does.
    python-pptx finds that one by searching the layout's shapes on every access; decks reuse a
    few layouts on every slide, so each (layout, placeholder idx) is looked up once per file.
    """

    def __init__(self, slide: Any, inherited: dict[tuple[str, int], tuple[float, float]]) -> None:
        self.slide = slide
        self.inherited = inherited

    def in_reading_order(self, shapes: Iterable[Any]) -> list[Any]:
        """Leaf shapes, group members included, top to bottom then left to right on the slide.

        Members of a group are placed by their position on the slide (their group's child
        coordinates mapped through the group's transform), not by the group's frame: a group that
        spans the slide would otherwise pull all its members ahead of everything below its top edge.
        """
        placed: list[tuple[float, float, int, Any]] = []
        self._collect(shapes, _IDENTITY, placed)
        placed.sort(key=lambda item: item[:3])
        return [shape for *_, shape in placed]

    def _collect(self, shapes: Iterable[Any], affine: _Affine, out: list[tuple[float, float, int, Any]]) -> None:
        from pptx.shapes.group import GroupShape

        ax, bx, ay, by = affine
        for shape in shapes:
            if isinstance(shape, GroupShape):
                gx, gbx, gy, gby = _group_affine(shape)
                self._collect(shape.shapes, (ax * gx, ax * gbx + bx, ay * gy, ay * gby + by), out)
            else:
                top, left = self._offset(shape)
                out.append((ay * top + by, ax * left + bx, len(out), shape))

    def _offset(self, shape: Any) -> tuple[float, float]:
        """(top, left) of a shape in EMU."""
        try:
            xfrm = shape.element.xfrm
        except AttributeError:
            xfrm = None
        off = xfrm.find(_A + "off") if xfrm is not None else None
        if off is not None:
            return _emu(off, "y"), _emu(off, "x")
        ph = _ph(shape)
        if ph is None:
            return 0.0, 0.0
        try:
            key = (str(self.slide.slide_layout.part.partname), ph.idx)
        except (AttributeError, KeyError, ValueError):
            key = None
        found = self.inherited.get(key) if key is not None else None
        if found is None:
            found = (_position(shape, "top"), _position(shape, "left"))
            if key is not None:
                self.inherited[key] = found
        return found


def _group_affine(group: Any) -> _Affine:
    """How a group maps its members' child coordinates onto its parent's coordinates."""
    xfrm = group.element.find(f"{_P}grpSpPr/{_A}xfrm")
    if xfrm is None:
        return _IDENTITY
    off, ext = xfrm.find(_A + "off"), xfrm.find(_A + "ext")
    ch_off, ch_ext = xfrm.find(_A + "chOff"), xfrm.find(_A + "chExt")
    if off is None or ch_off is None:
        return _IDENTITY
    sx = _ratio(ext, ch_ext, "cx")
    sy = _ratio(ext, ch_ext, "cy")
    return (sx, _emu(off, "x") - sx * _emu(ch_off, "x"), sy, _emu(off, "y") - sy * _emu(ch_off, "y"))


def _ratio(ext: Any, ch_ext: Any, attr: str) -> float:
    if ext is None or ch_ext is None or not _emu(ch_ext, attr):
        return 1.0
    return _emu(ext, attr) / _emu(ch_ext, attr)


def _emu(el: Any, attr: str) -> float:
    try:
        return float(el.get(attr) or 0)
    except ValueError:
        return 0.0


def _position(shape: Any, which: str) -> float:
    try:
        return float(getattr(shape, which) or 0)
    except (AttributeError, KeyError, ValueError, TypeError):  # a placeholder whose layout lost it
        return 0.0


class _SlideReader:
    """Turns one slide's shapes and notes into elements."""

    def __init__(self, slide: Any, number: int, inherited: dict[tuple[str, int], tuple[float, float]]) -> None:
        from pptx.enum.shapes import PP_PLACEHOLDER

        self.slide = slide
        self.number = number
        self.placement = _Placement(slide, inherited)
        self.ph = PP_PLACEHOLDER
        self.rels = slide.part.rels
        try:
            self.master: Any = slide.slide_layout.slide_master
        except (KeyError, AttributeError):  # a lost layout or master: nothing to inherit bullets from
            self.master = None
        self.titles = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE}

    def elements(self) -> list[Element]:
        out = list(self._shapes(self.placement.in_reading_order(self.slide.shapes)))
        out.extend(self._notes())
        return out

    def _shapes(self, shapes: list[Any]) -> Iterator[Element]:
        """Each shape's elements; a shape python-pptx cannot read is lost alone, named by slide."""
        for shape in shapes:
            try:
                elements = list(self._shape(shape))
            except _pptx_errors() as e:
                part_lost(f"slide {self.number}: shape {_shape_name(shape)}", what_is_wrong(e))
                continue
            yield from elements

    def _shape(self, shape: Any) -> Iterator[Element]:
        from pptx.shapes.picture import Picture

        if isinstance(shape, Picture):
            yield _image(shape)
        elif shape.has_table:
            table = self._table(shape.table)
            if table is not None:
                yield table
        elif shape.has_chart:
            yield from chart_elements(shape.chart)
        elif _diagram_rid(shape):
            yield from self._diagram(_diagram_rid(shape))
        elif shape.has_text_frame:
            yield from self._text_shape(shape)

    # -- text ---------------------------------------------------------------------------------

    def _text_shape(self, shape: Any) -> Iterator[Element]:
        ph = _ph(shape)
        ph_type = ph.type if ph is not None else None
        paragraphs = shape.text_frame.paragraphs
        if ph_type in self.titles:
            yield from _joined("Title", paragraphs, self.rels, {"category_depth": 0})
        elif ph_type in (self.ph.FOOTER, self.ph.DATE):
            yield from _joined("Footer", paragraphs, self.rels, {})
        elif ph_type == self.ph.SLIDE_NUMBER:
            yield from _joined("PageNumber", paragraphs, self.rels, {})
        elif ph_type == self.ph.HEADER:
            yield from _joined("Header", paragraphs, self.rels, {})
        elif ph_type == self.ph.SUBTITLE:
            for el in _joined("NarrativeText", paragraphs, self.rels, {}):
                if is_short_line(el.text):
                    el.type, el.metadata["category_depth"] = "Title", 1
                yield el
        else:
            styles = self._list_styles(shape, ph)
            for paragraph in paragraphs:
                el = self._paragraph(paragraph, styles)
                if el is not None:
                    yield el

    def _paragraph(self, paragraph: Any, styles: list[Any]) -> Element | None:
        inline = drawing_paragraph(paragraph._p, self.rels)
        text = inline.text()
        if not text:
            return None
        meta = inline.metadata()
        level = paragraph.level
        bullet = _has_bullet(paragraph._p, level, styles)
        if bullet or (level > 0 and bullet is None):
            return Element("ListItem", text, {**meta, "category_depth": level})
        if not any(c.isalpha() for c in text):
            return Element("UncategorizedText", text, meta)
        contact = contact_type(text)
        if contact:
            return Element(contact, text, meta)
        if reads_as_heading(text, inline):
            return Element("Title", text, {**meta, "category_depth": 1})
        return Element("NarrativeText", text, meta)

    def _list_styles(self, shape: Any, ph: Any) -> list[Any]:
        """The list styles a shape's paragraphs inherit bullets from, nearest first."""
        own = shape.text_frame._txBody.find(_A + "lstStyle")
        styles = [own] if own is not None else []
        if ph is not None and self.master is not None:
            with contextlib.suppress(KeyError, ValueError, AttributeError):  # a lost layout: keep the slide's own
                styles.extend(self._inherited_list_styles(ph))
        return styles

    def _inherited_list_styles(self, ph: Any) -> Iterator[Any]:
        ph_type = ph.type
        layout_ph = self.slide.slide_layout.placeholders.get(idx=ph.idx)
        base_type = layout_ph.placeholder_format.type if layout_ph is not None else ph_type
        master_ph = self.master.placeholders.get(_master_type(base_type, self.ph))
        for ph in (layout_ph, master_ph):
            body = ph.element.find(f"{_P}txBody") if ph is not None else None
            style = body.find(_A + "lstStyle") if body is not None else None
            if style is not None:
                yield style
        if _master_type(ph_type, self.ph) == self.ph.BODY:
            body_style = self.master.element.find(f"{_P}txStyles/{_P}bodyStyle")
            if body_style is not None:
                yield body_style

    # -- tables and notes ---------------------------------------------------------------------

    def _table(self, table: Any) -> Element | None:
        rows: list[list[TableCell]] = []
        meta: dict[str, list[str]] = {}
        header = table.first_row
        for r, row in enumerate(table.rows):
            cells = []
            for cell in row.cells:
                if cell.is_spanned:
                    continue  # covered by a merged cell to its left or above
                lines = []
                for paragraph in cell.text_frame.paragraphs:
                    inline = drawing_paragraph(paragraph._p, self.rels)
                    for key, values in inline.metadata().items():
                        meta.setdefault(key, []).extend(values)
                    lines.append(inline.text())
                text = "\n".join(line for line in lines if line)
                cells.append(TableCell(text, cell.span_width, cell.span_height, header=header and r == 0))
            rows.append(cells)
        result = table_element(rows)
        if result is None:
            return None
        return Element("Table", result[0], {**meta, "text_as_html": result[1]})

    def _diagram(self, rid: str) -> list[Element]:
        try:
            part = self.slide.part.related_part(rid)
        except (KeyError, AttributeError):
            return []
        return diagram_elements(part)

    def _notes(self) -> Iterator[Element]:
        try:
            notes = self.slide.notes_slide if self.slide.has_notes_slide else None
            frame = notes.notes_text_frame if notes is not None else None
        except (KeyError, AttributeError):  # notes the package lost or damaged: the slide still reads
            return
        if frame is None:
            return
        rels = notes.part.rels
        for paragraph in frame.paragraphs:
            inline = drawing_paragraph(paragraph._p, rels)
            text = inline.text()
            if text:
                yield Element("NarrativeText", text, {**inline.metadata(), "slide_notes": True})


def _ph(shape: Any) -> Any:
    """The shape's ``p:ph`` element (it is a placeholder), or None; python-pptx searches for it
    with XPath on every property that needs it, so it is looked up once per shape here."""
    try:
        return shape.element.ph
    except AttributeError:
        return None


def _diagram_rid(shape: Any) -> str:
    """The relationship id of a SmartArt frame's data part, or "" for any other shape."""
    data = shape.element.find(f"{_A}graphic/{_A}graphicData")
    return diagram_rid(data) if data is not None else ""


def _master_type(ph_type: Any, ph: Any) -> Any:
    """The master placeholder type a layout placeholder of ``ph_type`` inherits from."""
    if ph_type in (ph.TITLE, ph.CENTER_TITLE, ph.VERTICAL_TITLE):
        return ph.TITLE
    if ph_type in (ph.DATE, ph.FOOTER, ph.SLIDE_NUMBER):
        return ph_type
    return ph.BODY


def _has_bullet(p: Any, level: int, styles: list[Any]) -> bool | None:
    """True or False when the paragraph or a list style it inherits decides, None when none does."""
    ppr = p.find(_A + "pPr")
    found = _bullet_in(ppr)
    if found is not None:
        return found
    tag = f"{_A}lvl{min(level, 8) + 1}pPr"
    for style in styles:
        found = _bullet_in(style.find(tag))
        if found is not None:
            return found
    return None


def _bullet_in(ppr: Any) -> bool | None:
    if ppr is None:
        return None
    for child in ppr:
        if child.tag in _BULLET_ON:
            return True
        if child.tag == _A + "buNone":
            return False
    return None


def _joined(kind: str, paragraphs: Iterable[Any], rels: Any, meta: dict[str, Any]) -> Iterator[Element]:
    """All paragraphs of one shape as a single element (a title broken over two lines)."""
    texts: list[str] = []
    merged: dict[str, list[str]] = {}
    for paragraph in paragraphs:
        inline = drawing_paragraph(paragraph._p, rels)
        text = inline.text()
        if text:
            texts.append(text)
            for key, values in inline.metadata().items():
                merged.setdefault(key, []).extend(values)
    if texts:
        yield Element(kind, " ".join(texts).replace("\n", " "), {**merged, **meta})


def _shape_name(shape: Any) -> str:
    """The shape's name as PowerPoint shows it in the selection pane, or its id."""
    try:
        return repr(shape.name) if shape.name else f"#{shape.shape_id}"
    except (AttributeError, KeyError, ValueError):
        return "?"


def _image(shape: Any) -> Element:
    """A picture as an Image element: its alt text (or title) and its MIME type."""
    c_nv_pr = shape.element.find(f".//{_P}cNvPr")
    alt = collapse((c_nv_pr.get("descr") or c_nv_pr.get("title") or "") if c_nv_pr is not None else "")
    meta: dict[str, Any] = {}
    with contextlib.suppress(AttributeError, KeyError, ValueError):  # a linked picture, or a broken relationship
        meta["image_mime_type"] = shape.image.content_type
    return Element("Image", alt, meta)
