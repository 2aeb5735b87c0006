"""PowerPoint presentations (.pptx): the package is read lazily, each slide is one page.

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

Reading: python-pptx loads a whole package before the first slide is read (every part reachable
from the root inflated, every XML part parsed into its proxy classes), which was most of the time
spent on a small deck. Here :mod:`~docbatch.partitioners.ooxml.opc` inflates and parses only the parts a
slide needs (the presentation, the slides, their notes, and the layouts and masters a
placeholder inherits from), and the walker reads the lxml elements directly, following
python-pptx's rules where they decide the output (which shapes a slide has, how a placeholder
inherits its position, how a table's merged cells span). python-pptx is still used for charts,
whose cached series and categories it reads well, and is imported only when a deck has one.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit import images
from docbatch.partitioners.kit.archive import open_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, what_is_wrong
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.ooxml.ooxml import (
    TableCell,
    chart_from_xml,
    child,
    collapse,
    contact_type,
    diagram_elements,
    diagram_rid,
    drawing_paragraph,
    is_short_line,
    open_failure,
    reads_as_heading,
    table_element,
)
from docbatch.partitioners.ooxml.opc import RT, XML_PARSER, Package, Part

__all__ = ["partition_pptx"]

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_BULLET_ON = frozenset({_A + "buChar", _A + "buAutoNum", _A + "buBlip"})
_BU_NONE = _A + "buNone"
_A_PPR = _A + "pPr"

_SP, _GRP_SP, _GRAPHIC_FRAME, _CXN_SP, _PIC = _P + "sp", _P + "grpSp", _P + "graphicFrame", _P + "cxnSp", _P + "pic"
_CONTENT_PART = _P + "contentPart"
#: The children of a shape tree that are shapes (python-pptx's list; mc:AlternateContent is not one).
_SHAPE_TAGS = frozenset({_SP, _GRP_SP, _GRAPHIC_FRAME, _CXN_SP, _PIC, _CONTENT_PART})
#: Shapes whose geometry lives in ``p:spPr/a:xfrm`` (a graphic frame has its own ``p:xfrm``).
_SP_PR_SHAPES = frozenset({_SP, _CXN_SP, _PIC})

_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
_CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"

#: Main-part content types of the six PowerPoint package kinds: the same PresentationML.
_MAIN_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
        "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
        "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
        "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
    }
)

#: What opening a broken package raises: zipfile, lxml, and opc's MissingPart (a KeyError).
_OPEN_ERRORS: tuple[type[BaseException], ...] = (etree.LxmlError, KeyError, ValueError, OSError, *ZIP_ERRORS)

# Placeholder types (``p:ph/@type``) that decide what a shape's text is.
_TITLES = frozenset({"title", "ctrTitle"})
_PH_TYPES = frozenset(
    {"clipArt", "body", "ctrTitle", "chart", "dt", "ftr", "hdr", "media", "obj", "dgm", "pic", "sldImg"}
    | {"sldNum", "subTitle", "tbl", "title"}
)
#: The master placeholder type a layout placeholder inherits its position from (python-pptx's map:
#: a type it lacks, such as a header, inherits nothing).
_POSITION_BASE = {
    "body": "body",
    "chart": "body",
    "clipArt": "body",
    "ctrTitle": "title",
    "dgm": "body",
    "dt": "dt",
    "ftr": "ftr",
    "media": "body",
    "obj": "body",
    "pic": "body",
    "sldNum": "sldNum",
    "subTitle": "body",
    "tbl": "body",
    "title": "title",
}
#: EMU per unit of the universal measures a coordinate may be written in (``1.5in``).
_UNITS = {"mm": 36000, "cm": 360000, "in": 914400, "pt": 12700, "pc": 152400, "pi": 152400}


class _SchemaError(Exception):
    """XML that breaks PresentationML's schema where a required child or attribute is missing."""


class _WrongElement(AttributeError):
    """A part or shape whose element is not the kind its relationship promises (python-pptx
    meets these as an AttributeError of its proxies, and the walker treats them the same way)."""


_SCHEMA_WORDS = "XML that breaks the format's schema"
#: What reading one slide or shape can raise for bad content; anything else is a bug of ours.
_PART_ERRORS: tuple[type[BaseException], ...] = (
    _SchemaError,
    _WrongElement,
    etree.XMLSyntaxError,
    KeyError,
    ValueError,
    *ZIP_ERRORS,
)


def _why(error: BaseException) -> str:
    return _SCHEMA_WORDS if isinstance(error, _SchemaError | _WrongElement) else what_is_wrong(error)


def partition_pptx(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a .pptx file."""
    with _open(path, options) as deck:
        elements: list[Element] = []
        for number, rid in enumerate(deck.slide_rids(), start=1):
            for el in _slide_elements(deck, rid, number):
                el.metadata["page_number"] = number
                elements.append(el)
    return elements


def _slide_elements(deck: _Deck, rid: str, number: int) -> list[Element]:
    """One slide's elements; a slide that is missing or whose XML cannot be read is a lost part,
    and the other slides still come out."""
    try:
        part = deck.main.rels[rid].target_part
        return _SlideReader(deck, part, number).elements()
    except _PART_ERRORS as e:
        part_lost(f"slide {number}", _why(e))
        return []


def _open(path: Path, options: PartitionOptions) -> _Deck:
    """The deck, once the zip-bomb guard passed it; slide shows (.ppsx), templates (.potx) and
    their macro variants read like .pptx."""
    package = Package(open_zip(path, options, "PPTX"))
    try:
        main = package.main_part
        content_type = main.content_type
        if content_type not in _MAIN_TYPES:
            raise DocumentError(f"not a PowerPoint presentation: its main part is {content_type}")
        root = main.element
        if root.tag != _P + "presentation":
            raise DocumentError("damaged PPTX file (unreadable content)")
        return _Deck(package, main, root)
    except DocumentError:
        package.close()
        raise
    except _OPEN_ERRORS as e:  # what zipfile and lxml raise for a broken package, or a part it lacks
        package.close()
        raise open_failure("PPTX", e) from e


class _Deck:
    """An open presentation: its package, and what its slides share (layouts and masters)."""

    def __init__(self, package: Package, main: Part, root: Any) -> None:
        self.package = package
        self.main = main
        self.root = root
        #: (layout part name, placeholder idx) -> (top, left): see _Placement
        self.inherited: dict[tuple[str, int], tuple[float, float]] = {}
        self._templates: dict[str, _Template] = {}
        self._related: dict[tuple[str, str], Part] = {}
        self._unreadable: set[str] = set()

    def __enter__(self) -> _Deck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.package.close()

    def slide_rids(self) -> list[str]:
        """Relationship ids of the slides in show order: ``p:sldIdLst``, not the rels' order."""
        lst = child(self.root, _P + "sldIdLst")
        if lst is None:
            return []
        return [sld_id.get(_R + "id") or "" for sld_id in lst.iterchildren(_P + "sldId")]

    def related_one(self, part: Part, reltype: str) -> Part:
        """The one part ``part`` relates to with ``reltype``, parsed, as python-pptx finds it.

        KeyError when there is none (relationships to parts the zip lacks do not count), ValueError
        when there are several. A layout or master that is no XML is named as lost once and then
        treated as missing, so the slides still read without what they would inherit from it.
        Every slide asks for its layout and master several times, so what is found is kept.
        """
        found = self._related.get((part.partname, reltype))
        if found is None:
            found = self._related[part.partname, reltype] = self._find_related(part, reltype)
        return found

    def _find_related(self, part: Part, reltype: str) -> Part:
        rels = [
            rel
            for rel in part.rels.values()
            if rel.reltype == reltype and (rel.is_external or self.package.has(rel.target_partname))
        ]
        if not rels:
            raise KeyError(f"no {reltype.rpartition('/')[2]} relationship")
        if len(rels) > 1:
            raise ValueError(f"several {reltype.rpartition('/')[2]} relationships")
        target = rels[0].target_part
        if target.partname in self._unreadable:
            raise KeyError(target.partname)
        try:  # parsed here, so a damaged part fails once, by name
            if reltype in _TEMPLATE_RELS:
                self._templates[target.partname] = _template(target)
            else:
                target.element  # noqa: B018
        except (etree.XMLSyntaxError, *ZIP_ERRORS) as e:
            self._unreadable.add(target.partname)
            part_lost(f"part {target.partname.lstrip('/')}", what_is_wrong(e))
            raise KeyError(target.partname) from e
        return target

    def template(self, part: Part) -> _Template:
        """A layout or master :meth:`related_one` found (KeyError for any other part)."""
        return self._templates[part.partname]

    def placeholders(self, part: Part, root_tag: str) -> list[Any]:
        """The top-level shapes of a layout or master that are placeholders, in document order."""
        template = self._templates[part.partname]
        if template.root.tag != root_tag:
            raise _WrongElement(f"{part.partname} is no {root_tag}")
        if template.placeholders is None:
            tree = _sp_tree(template.root)
            template.placeholders = [shape for shape in _shape_elements(tree) if _ph_of(shape) is not None]
        return template.placeholders


@dataclass(slots=True)
class _Template:
    """A parsed layout or master, and its placeholders once they are asked for."""

    root: Any
    placeholders: list[Any] | None = None
    #: Bytes of its XML, which the cache's bound counts.
    size: int = 0


#: Layouts and masters by their bytes. Decks made from one template (a company's decks, every deck
#: python-pptx makes) carry identical ones, and the master is the largest part a small deck parses;
#: so each is parsed once per process. Their elements are only ever read. The XML kept is bounded
#: (a parsed tree takes several times its bytes), so a worker's memory stays what its cap expects.
_TEMPLATES: dict[tuple[str, bytes], _Template] = {}
_TEMPLATE_BYTES_KEPT = 8 * 1024**2
_TEMPLATE_RELS = frozenset({RT.SLIDE_LAYOUT, RT.SLIDE_MASTER})


def _template(part: Part) -> _Template:
    """The parsed layout or master; one a deck before carried is found without inflating it."""
    key = _template_key(part)
    found = _TEMPLATES.get(key)
    if found is None:
        blob = part.blob
        found = _Template(etree.fromstring(blob, XML_PARSER), size=len(blob))
        if found.size <= _TEMPLATE_BYTES_KEPT // 8:  # a huge one is parsed per deck instead
            kept = sum(t.size for t in _TEMPLATES.values()) + found.size
            while kept > _TEMPLATE_BYTES_KEPT:  # the oldest go first: batches come template by template
                kept -= _TEMPLATES.pop(next(iter(_TEMPLATES))).size
            _TEMPLATES[key] = found
    return found


def _template_key(part: Part) -> tuple[str, bytes]:
    """The part as stored in the zip (compressed bytes, CRC, size, method), which identifies what it
    inflates to; its inflated bytes when it has no plain stored form (a stand-in) or the member is
    damaged, so reading it fails as it always did."""
    try:
        stored = part.package.stored(part.partname)
    except (KeyError, ValueError, OSError, *ZIP_ERRORS):
        stored = None
    return ("stored", stored) if stored is not None else ("inflated", part.blob)


# -- shapes as python-pptx sees them ----------------------------------------------------------------


def _sp_tree(root: Any) -> Any:
    """``p:cSld/p:spTree`` of a slide, layout, master or notes slide (both required)."""
    c_sld = child(root, _P + "cSld")
    tree = child(c_sld, _P + "spTree") if c_sld is not None else None
    if tree is None:
        raise _SchemaError("no p:cSld/p:spTree")
    return tree


def _shape_elements(tree: Any) -> Iterator[Any]:
    """The children of a shape tree (or group) that are shapes, in document order."""
    return tree.iterchildren(*_SHAPE_TAGS)


def _ph_of(shape: Any) -> Any:
    """The shape's ``p:ph`` (it is a placeholder) or None: ``./*[1]/p:nvPr/p:ph``, as PowerPoint
    keeps it in the first child (``p:nvSpPr``, ``p:nvPicPr``, ...)."""
    for first in shape.iterchildren(etree.Element):
        nv_pr = child(first, _P + "nvPr")
        return child(nv_pr, _P + "ph") if nv_pr is not None else None
    return None


def _ph_type(ph: Any) -> str:
    """``p:ph/@type`` (default ``obj``); ValueError for a type PresentationML does not have."""
    value = ph.get("type")
    if value is None:
        return "obj"
    if value not in _PH_TYPES:
        raise ValueError(f"unknown placeholder type {value!r}")
    return value


def _ph_idx(ph: Any) -> int:
    value = ph.get("idx")
    return 0 if value is None else int(value)


def _coordinate(value: str) -> int:
    """An ``ST_Coordinate`` in EMU: an integer, or a universal measure such as ``2.5in``."""
    if "i" in value or "m" in value or "p" in value:
        return round(float(value[:-2]) * _UNITS[value[-2:]])
    return int(value)


def _own_offset(shape: Any, attr: str) -> int | None:
    """A shape's own ``x`` or ``y`` as python-pptx reads it (None when it sets none)."""
    tag = shape.tag
    if tag == _GRP_SP:
        grp_sp_pr = child(shape, _P + "grpSpPr")
        if grp_sp_pr is None:
            raise _SchemaError("group without p:grpSpPr")
        xfrm = child(grp_sp_pr, _A + "xfrm")
    elif tag in _SP_PR_SHAPES or tag == _GRAPHIC_FRAME:
        xfrm = _xfrm(shape)
    else:
        raise _WrongElement(f"{tag} has no position")
    off = child(xfrm, _A + "off") if xfrm is not None else None
    if off is None:
        return None
    value = off.get(attr)
    if value is None:
        raise _SchemaError(f"a:off without {attr}")
    return _coordinate(value)


def _xfrm(shape: Any) -> Any:
    """The shape's ``a:xfrm`` (``p:xfrm`` of a graphic frame), or None; _SchemaError where the
    element holding it, which PresentationML requires, is missing."""
    tag = shape.tag
    if tag in _SP_PR_SHAPES:
        sp_pr = child(shape, _P + "spPr")
        if sp_pr is None:
            raise _SchemaError("shape without p:spPr")
        return child(sp_pr, _A + "xfrm")
    if tag == _GRAPHIC_FRAME:
        xfrm = child(shape, _P + "xfrm")
        if xfrm is None:
            raise _SchemaError("graphic frame without p:xfrm")
        return xfrm
    return None


_Affine = tuple[float, float, float, float]  # x' = ax * x + bx, y' = ay * y + by
_IDENTITY: _Affine = (1.0, 0.0, 1.0, 0.0)
#: A shape of the reading order: (top, left, position in the slide, element).
_Placed = tuple[float, float, int, Any]


class _Placement:
    """Where shapes sit on a slide, for reading order.

    A placeholder without a position of its own sits where its layout's placeholder does (and
    that one, without its own, where the master's placeholder of its type does). Decks reuse a
    few layouts on every slide, so each (layout, placeholder idx) is looked up once per file.
    """

    def __init__(self, deck: _Deck, slide: Part) -> None:
        self.deck = deck
        self.slide = slide

    def in_reading_order(self, tree: Any) -> list[Any]:
        """Leaf shapes, group members included, top to bottom then left to right on the slide.

        Members of a group are placed by their position on the slide (their group's child
        coordinates mapped through the group's transform), not by the group's frame: a group that
        spans the slide would otherwise pull all its members ahead of everything below its top edge.
        """
        placed: list[_Placed] = []
        self._collect(tree, _IDENTITY, placed, top_level=True)
        placed.sort(key=lambda item: item[:3])
        return [shape for *_, shape in placed]

    def _collect(self, tree: Any, affine: _Affine, out: list[_Placed], *, top_level: bool) -> None:
        ax, bx, ay, by = affine
        for shape in _shape_elements(tree):
            if shape.tag == _GRP_SP:
                gx, gbx, gy, gby = _group_affine(shape)
                self._collect(shape, (ax * gx, ax * gbx + bx, ay * gy, ay * gby + by), out, top_level=False)
            else:
                top, left = self._offset(shape, top_level)
                out.append((ay * top + by, ax * left + bx, len(out), shape))

    def _offset(self, shape: Any, top_level: bool) -> tuple[float, float]:
        """(top, left) of a shape in EMU. Only placeholders on the slide's top level inherit a
        position (python-pptx reads group members as plain shapes)."""
        xfrm = _xfrm(shape)
        off = child(xfrm, _A + "off") if xfrm is not None else None
        if off is not None:
            return _emu(off, "y"), _emu(off, "x")
        ph = _ph_of(shape) if shape.tag != _CONTENT_PART else None  # python-pptx sees no placeholder there
        if ph is None:
            return 0.0, 0.0
        try:
            key: tuple[str, int] | None = (self.deck.related_one(self.slide, RT.SLIDE_LAYOUT).partname, _ph_idx(ph))
        except (KeyError, ValueError):  # no layout, or a bad idx: nothing to share the lookup with
            key = None
        found = self.deck.inherited.get(key) if key is not None else None
        if found is None:
            inherits = top_level and shape.tag in (_SP, _PIC)  # python-pptx's slide placeholder classes
            found = (self._position(shape, "y", inherits), self._position(shape, "x", inherits))
            if key is not None:
                self.deck.inherited[key] = found
        return found

    def _position(self, shape: Any, attr: str, inherits: bool) -> float:
        try:
            value = self._inherited(shape, attr) if inherits else _own_offset(shape, attr)
        except (KeyError, ValueError, _WrongElement):  # a placeholder whose layout lost it
            return 0.0
        return float(value or 0)

    def _inherited(self, shape: Any, attr: str) -> int | None:
        """The offset a slide placeholder inherits: its layout placeholder's (same idx), or, when
        that one sets none, the master placeholder's of the matching type."""
        layout = self.deck.related_one(self.slide, RT.SLIDE_LAYOUT)
        base = _by_idx(self.deck.placeholders(layout, _P + "sldLayout"), _ph_idx(_ph_of(shape)))
        if base is None:
            return None
        own = _own_offset(base, attr)
        if own is not None or base.tag != _SP:  # only a layout p:sp inherits further
            return own
        master = self.deck.related_one(layout, RT.SLIDE_MASTER)
        master_base = _master_placeholder(self.deck.placeholders(master, _P + "sldMaster"), _position_base(base))
        return _own_offset(master_base, attr) if master_base is not None else None


def _position_base(layout_placeholder: Any) -> str:
    """The master placeholder type a layout placeholder takes its position from (KeyError: none)."""
    return _POSITION_BASE[_ph_type(_ph_of(layout_placeholder))]


def _by_idx(placeholders: list[Any], idx: int) -> Any:
    """The first layout placeholder with ``idx``, or None."""
    for shape in placeholders:
        if _ph_idx(_ph_of(shape)) == idx:
            return shape
    return None


def _master_placeholder(placeholders: list[Any], ph_type: str) -> Any:
    """The first master placeholder of ``ph_type``, or None. python-pptx gives a master placeholder
    that is no ``p:sp`` (a picture) no type, and its search stops there with an AttributeError."""
    for shape in placeholders:
        if shape.tag != _SP:
            raise _WrongElement("a master placeholder that is no p:sp")
        if _ph_type(_ph_of(shape)) == ph_type:
            return shape
    return None


def _group_affine(group: Any) -> _Affine:
    """How a group maps its members' child coordinates onto its parent's coordinates."""
    xfrm = group.find(f"{_P}grpSpPr/{_A}xfrm")
    if xfrm is None:
        return _IDENTITY
    off, ext = child(xfrm, _A + "off"), child(xfrm, _A + "ext")
    ch_off, ch_ext = child(xfrm, _A + "chOff"), child(xfrm, _A + "chExt")
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


# -- one slide ----------------------------------------------------------------------------------------


class _SlideReader:
    """Turns one slide's shapes and notes into elements."""

    def __init__(self, deck: _Deck, part: Part, number: int) -> None:
        self.deck = deck
        self.part = part
        self.number = number
        self.rels = part.rels
        root = part.element
        if root.tag != _P + "sld":
            raise _WrongElement(f"{part.partname} is no p:sld")
        self.tree = _sp_tree(root)
        self.placement = _Placement(deck, part)
        try:
            layout = deck.related_one(part, RT.SLIDE_LAYOUT)
            self.master: Part | None = deck.related_one(layout, RT.SLIDE_MASTER)
        except KeyError:  # a lost layout or master: nothing to inherit bullets from
            self.master = None

    def elements(self) -> list[Element]:
        out = list(self._shapes(self.placement.in_reading_order(self.tree)))
        out.extend(self._notes())
        return out

    def _shapes(self, shapes: list[Any]) -> Iterator[Element]:
        """Each shape's elements; a shape that cannot be read is lost alone, named by slide."""
        for shape in shapes:
            try:
                elements = list(self._shape(shape))
            except _PART_ERRORS as e:
                part_lost(f"slide {self.number}: shape {_shape_name(shape)}", _why(e))
                continue
            yield from elements

    def _shape(self, shape: Any) -> Iterator[Element]:
        tag = shape.tag
        if tag == _PIC:
            yield _image(shape, self.part)
        elif tag == _GRAPHIC_FRAME:
            yield from self._graphic_frame(shape)
        elif tag == _SP:
            yield from self._text_shape(shape)

    def _graphic_frame(self, frame: Any) -> Iterator[Element]:
        graphic = child(frame, _A + "graphic")
        data = child(graphic, _A + "graphicData") if graphic is not None else None
        if data is None:
            raise _SchemaError("graphic frame without a:graphic/a:graphicData")
        uri = data.get("uri")
        if uri is None:
            raise _SchemaError("a:graphicData without uri")
        if uri == _TABLE_URI:
            table = self._table(child(data, _A + "tbl"))
            if table is not None:
                yield table
        elif uri == _CHART_URI:
            yield from _chart(data, self.part)
        elif diagram_rid(data):
            yield from self._diagram(diagram_rid(data))

    # -- text ---------------------------------------------------------------------------------

    def _text_shape(self, shape: Any) -> Iterator[Element]:
        ph = _ph_of(shape)
        ph_type = _ph_type(ph) if ph is not None else None
        body = child(shape, _P + "txBody")
        paragraphs = list(body.iterchildren(_A + "p")) if body is not None else []
        if ph_type in _TITLES:
            yield from _joined("Title", paragraphs, self.rels, {"category_depth": 0})
        elif ph_type in ("ftr", "dt"):
            yield from _joined("Footer", paragraphs, self.rels, {})
        elif ph_type == "sldNum":
            yield from _joined("PageNumber", paragraphs, self.rels, {})
        elif ph_type == "hdr":
            yield from _joined("Header", paragraphs, self.rels, {})
        elif ph_type == "subTitle":
            for el in _joined("NarrativeText", paragraphs, self.rels, {}):
                if is_short_line(el.text):
                    el.type, el.metadata["category_depth"] = "Title", 1
                yield el
        else:
            styles = self._list_styles(body, ph)
            for paragraph in paragraphs:
                el = self._paragraph(paragraph, styles)
                if el is not None:
                    yield el

    def _paragraph(self, p: Any, styles: list[Any]) -> Element | None:
        inline = drawing_paragraph(p, self.rels)
        text = inline.text()
        if not text:
            return None
        meta = inline.metadata()
        ppr = child(p, _A_PPR)
        level = _level(ppr)
        bullet = _has_bullet(ppr, level, styles)
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

    def _list_styles(self, body: Any, ph: Any) -> list[Any]:
        """The list styles a shape's paragraphs inherit bullets from, nearest first."""
        own = child(body, _A + "lstStyle") if body is not None else None
        styles = [own] if own is not None else []
        if ph is not None and self.master is not None:
            with contextlib.suppress(KeyError, ValueError, _WrongElement):  # a lost layout: keep the slide's own
                styles.extend(self._inherited_list_styles(ph, self.master))
        return styles

    def _inherited_list_styles(self, ph: Any, master: Part) -> Iterator[Any]:
        """The layout placeholder's (same idx) and the master placeholder's (its type) list
        styles, then the master's body style for body text."""
        ph_type = _ph_type(ph)
        layout = self.deck.related_one(self.part, RT.SLIDE_LAYOUT)
        layout_ph = _by_idx(self.deck.placeholders(layout, _P + "sldLayout"), _ph_idx(ph))
        base_type = _ph_type(_ph_of(layout_ph)) if layout_ph is not None else ph_type
        masters = self.deck.placeholders(master, _P + "sldMaster")
        master_ph = _master_placeholder(masters, _master_type(base_type))
        for placeholder in (layout_ph, master_ph):
            body = child(placeholder, _P + "txBody") if placeholder is not None else None
            style = child(body, _A + "lstStyle") if body is not None else None
            if style is not None:
                yield style
        if _master_type(ph_type) == "body":
            body_style = self.deck.template(master).root.find(f"{_P}txStyles/{_P}bodyStyle")
            if body_style is not None:
                yield body_style

    # -- tables, diagrams and notes -----------------------------------------------------------

    def _table(self, tbl: Any) -> Element | None:
        if tbl is None:
            return None
        rows: list[list[TableCell]] = []
        meta: dict[str, list[str]] = {}
        tbl_pr = child(tbl, _A + "tblPr")
        header = tbl_pr is not None and _xsd_bool(tbl_pr.get("firstRow"))
        for r, tr in enumerate(tbl.iterchildren(_A + "tr")):
            cells = []
            for tc in tr.iterchildren(_A + "tc"):
                if _xsd_bool(tc.get("hMerge")) or _xsd_bool(tc.get("vMerge")):
                    continue  # covered by a merged cell to its left or above
                text = self._cell_text(tc, meta)
                span = (_xsd_int(tc.get("gridSpan")), _xsd_int(tc.get("rowSpan")))
                cells.append(TableCell(text, span[0], span[1], header=header and r == 0))
            rows.append(cells)
        result = table_element(rows)
        if result is None:
            return None
        return Element("Table", result[0], {**meta, "text_as_html": result[1]})

    def _cell_text(self, tc: Any, meta: dict[str, list[str]]) -> str:
        """A cell's paragraphs, one a line; its links and emphasis go to the table's ``meta``."""
        lines = []
        body = child(tc, _A + "txBody")
        for p in body.iterchildren(_A + "p") if body is not None else ():
            inline = drawing_paragraph(p, self.rels)
            for key, values in inline.metadata().items():
                meta.setdefault(key, []).extend(values)
            lines.append(inline.text())
        return "\n".join(line for line in lines if line)

    def _diagram(self, rid: str) -> list[Element]:
        try:
            part = self.rels[rid].target_part
        except KeyError:  # a lost data part
            return []
        return diagram_elements(part)

    def _notes(self) -> Iterator[Element]:
        try:
            notes = self.deck.related_one(self.part, RT.NOTES_SLIDE)
            frame = _notes_body(notes)
        except (KeyError, _WrongElement):  # no notes, or notes the package lost or damaged: the slide still reads
            return
        if frame is None:
            return
        rels = notes.rels
        for p in frame.iterchildren(_A + "p"):
            inline = drawing_paragraph(p, rels)
            text = inline.text()
            if text:
                yield Element("NarrativeText", text, {**inline.metadata(), "slide_notes": True})


def _notes_body(notes: Part) -> Any:
    """The ``p:txBody`` of the notes slide's body placeholder, or None (it has none)."""
    root = notes.element
    if root.tag != _P + "notes":
        raise _WrongElement(f"{notes.partname} is no p:notes")
    for shape in _shape_elements(_sp_tree(root)):
        ph = _ph_of(shape)
        if ph is not None and _ph_type(ph) == "body":
            if shape.tag != _SP:
                raise _WrongElement("a notes body placeholder that is no p:sp")
            return child(shape, _P + "txBody")
    return None


def _level(ppr: Any) -> int:
    """A paragraph's outline level (``a:pPr/@lvl``, 0 unless set)."""
    value = ppr.get("lvl") if ppr is not None else None
    return 0 if value is None else int(value)


def _xsd_bool(value: str | None) -> bool:
    if value is None:
        return False
    if value not in ("1", "0", "true", "false"):
        raise _SchemaError(f"not a boolean: {value!r}")
    return value in ("1", "true")


def _xsd_int(value: str | None) -> int:
    return 1 if value is None else int(value)


def _master_type(ph_type: str) -> str:
    """The master placeholder type a layout placeholder of ``ph_type`` inherits bullets from."""
    if ph_type in _TITLES:
        return "title"
    if ph_type in ("dt", "ftr", "sldNum"):
        return ph_type
    return "body"


def _has_bullet(ppr: Any, level: int, styles: list[Any]) -> bool | None:
    """True or False when the paragraph (its ``a:pPr``) or a list style it inherits decides,
    None when none does."""
    found = _bullet_in(ppr)
    if found is not None:
        return found
    tag = f"{_A}lvl{min(level, 8) + 1}pPr"
    for style in styles:
        found = _bullet_in(child(style, tag))
        if found is not None:
            return found
    return None


def _bullet_in(ppr: Any) -> bool | None:
    if ppr is None:
        return None
    for sub in ppr:
        if sub.tag in _BULLET_ON:
            return True
        if sub.tag == _BU_NONE:
            return False
    return None


def _joined(kind: str, paragraphs: Iterable[Any], rels: Any, meta: dict[str, Any]) -> Iterator[Element]:
    """All paragraphs of one shape as a single element (a title broken over two lines)."""
    texts: list[str] = []
    merged: dict[str, list[str]] = {}
    for p in paragraphs:
        inline = drawing_paragraph(p, rels)
        text = inline.text()
        if text:
            texts.append(text)
            for key, values in inline.metadata().items():
                merged.setdefault(key, []).extend(values)
    if texts:
        yield Element(kind, " ".join(texts).replace("\n", " "), {**merged, **meta})


def _shape_name(shape: Any) -> str:
    """The shape's name as PowerPoint shows it in the selection pane, or its id."""
    for first in shape.iterchildren(etree.Element):
        c_nv_pr = child(first, _P + "cNvPr")
        if c_nv_pr is None:
            break
        name = c_nv_pr.get("name")
        return repr(name) if name else f"#{c_nv_pr.get('id')}"
    return "?"


def _image(pic: Any, slide: Part) -> Element:
    """A picture as an Image element: its alt text (or title) and its MIME type."""
    c_nv_pr = pic.find(f".//{_P}cNvPr")
    alt = collapse((c_nv_pr.get("descr") or c_nv_pr.get("title") or "") if c_nv_pr is not None else "")
    meta: dict[str, Any] = {}
    with contextlib.suppress(KeyError, ValueError):  # a linked picture, a lost one, or no image it knows
        meta["image_mime_type"] = _image_mime_type(pic, slide)
        images.attach(meta, "Image", lambda: _image_part(pic, slide).blob, meta["image_mime_type"])
    return Element("Image", alt, meta)


#: Content types of the parts python-pptx reads as images (other pictures, an SVG, get no MIME type).
_IMAGE_PART_TYPES = frozenset(
    {"image/bmp", "image/gif", "image/jpeg", "image/vnd.ms-photo", "image/png", "image/tiff"}
    | {"image/x-emf", "image/x-wmf", "image/jpg"}
)
#: MIME type by the format Pillow finds in the image's bytes.
_MIME_BY_FORMAT = {
    "BMP": "image/bmp",
    "GIF": "image/gif",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "WMF": "image/x-wmf",
}


def _image_mime_type(pic: Any, slide: Part) -> str:
    """The MIME type of the picture's image, from its bytes (as python-pptx gives it), not from the
    name the package gives it (decks label JPEGs ``image/jpg`` or ``image/png``)."""
    part = _image_part(pic, slide)
    if part.content_type not in _IMAGE_PART_TYPES:
        raise KeyError(part.content_type)
    return _MIME_BY_FORMAT[_image_format(part.blob)]


def _image_part(pic: Any, slide: Part) -> Part:
    """The package part of the picture's embedded image; ValueError for a linked one."""
    blip = pic.find(f"{_P}blipFill/{_A}blip")
    rid = blip.get(_R + "embed") if blip is not None else None
    if rid is None:
        raise ValueError("no embedded image")
    return slide.rels[rid].target_part


def _image_format(blob: bytes) -> str | None:
    """Pillow's name for the format of ``blob`` (it reads the header only); None when it finds none."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(blob)) as image:
            return image.format
    except (OSError, Image.DecompressionBombError):  # bytes no image reader knows, or absurd dimensions
        return None


def _chart(data: Any, slide: Part) -> list[Element]:
    """A chart's elements; its part is read by python-pptx's chart classes, imported on first use."""
    ref = child(data, _C + "chart")
    rid = ref.get(_R + "id") if ref is not None else None
    if rid is None:
        raise ValueError("this graphic frame does not contain a chart")
    return chart_from_xml(slide.rels[rid].target_part.blob)
