"""Word documents (.docx): the package read lazily (ooxml/opc.py), one lxml walk over the body.

Opening reads only the relationships, the content types and the few XML parts a damaged copy of
which decides the outcome (see :func:`_check`); the walk reads the rest as it meets it. Styles
parts are read once per distinct content, since a batch's documents mostly share a few templates.

The body is walked in document order (paragraphs and tables interleaved, content controls
opened), reading the XML directly: python-docx's per-paragraph proxies and style lookups cost
more than the text itself on long documents. Styles are resolved once per style id, following
``basedOn`` chains, into what they mean for an element:

* ``Title`` / ``Subtitle`` / ``Heading N`` / ``TOC Heading`` styles and outline levels make Titles.
  Depths follow unstructured and docbatch's HTML (``<h1>`` is 0): Title and Heading 1 are depth 0,
  Heading N is N-1, Subtitle is 1. Title and Heading 1 are then siblings, which keeps the depth of
  a heading the same whether or not the document has a Title paragraph.
* Numbering (``numPr`` on the paragraph or its style) and ``List ...`` styles make ListItems with
  ``category_depth`` = the numbering level; so do ``TOC N`` styles (a table of contents is a
  nested list of headings, not more headings). ``Caption`` makes FigureCaption; quote and
  body-text styles make NarrativeText whatever the text looks like.
* Paragraphs whose style says nothing are classified by their text: a short line set entirely in
  bold (by its runs or by a non-default paragraph style) or in capitals is a Title one level
  below the last heading; a line that is only an e-mail address or a US city-state-ZIP is an
  EmailAddress or Address; a bullet glyph (dropped from the text) or a typed enumerator such as
  ``1.`` or ``(a)`` (kept) makes a ListItem.

Tables become Table elements with ``text_as_html`` (``gridSpan`` as colspan, ``vMerge`` runs as
rowspan, ``gridBefore`` as an empty leading cell) carrying their cells' links and emphasis; a
one-cell table is a box drawn around text, so its content is read as body text. Pictures become
Image elements (alt text, MIME type), charts their title and a data table (read by
python-pptx's chart reader: the XML is the same) and SmartArt its nodes as ListItems, after the
paragraph holding them; text boxes are read after their anchor paragraph. Links come from
``w:hyperlink`` (external targets and bookmarks) and from HYPERLINK fields. Hidden text and
content controls still showing their prompt are skipped. A phonetic guide (``w:ruby``) reads as
its base text only (東京, not the reading とうきょう set above it), where it stands.

Page numbers follow Word's own layout when the file has it: Word writes a
``w:lastRenderedPageBreak`` wherever a page began when it last laid the document out, soft breaks
included. Files never laid out by Word (generated ones) fall back to the explicit breaks: hard
page breaks, ``pageBreakBefore`` and sections that start on a new page. Counting both would count
every hard break twice. A paragraph that runs over a page break keeps the page it starts on
(splitting it would cut a sentence in two). Headers and footers are emitted once per section that defines its own
(first-page and even-page variants only when the section uses them): headers before the
section's first element, footers after its last. Comments follow the element their mark stands
in, as NarrativeText marked ``note_type: "comment"`` with ``comment_author``, their ``parent_id``
that element's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit import images
from docbatch.partitioners.kit.archive import check_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import ZIP_ERRORS, damaged, library_errors, what_is_wrong
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.paragraphs import classify_paragraph
from docbatch.partitioners.ooxml.ooxml import (
    Inline,
    TableCell,
    chart_from_xml,
    collapse,
    contact_type,
    diagram_elements,
    diagram_rid,
    open_failure,
    reads_as_heading,
    table_element,
)
from docbatch.partitioners.ooxml.opc import RT, XML_PARSER, MissingPart, Package, Part, Relationship

__all__ = ["partition_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_V = "{urn:schemas-microsoft-com:vml}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"

P, TBL, R, T, SDT, SDT_CONTENT = _W + "p", _W + "tbl", _W + "r", _W + "t", _W + "sdt", _W + "sdtContent"
PPR, RPR, VAL = _W + "pPr", _W + "rPr", _W + "val"
HYPERLINK, FLD_SIMPLE = _W + "hyperlink", _W + "fldSimple"
TR, TC, TC_PR, TR_PR = _W + "tr", _W + "tc", _W + "tcPr", _W + "trPr"
TBL_HEADER, GRID_BEFORE, GRID_SPAN, V_MERGE = _W + "tblHeader", _W + "gridBefore", _W + "gridSpan", _W + "vMerge"
SDT_PR, SHOWING_PROMPT = _W + "sdtPr", _W + "showingPlcHdr"
TXBX_CONTENT = _W + "txbxContent"
P_STYLE, NUM_PR, OUTLINE_LVL, BREAK_BEFORE = _W + "pStyle", _W + "numPr", _W + "outlineLvl", _W + "pageBreakBefore"
BOLD, ITALIC, R_STYLE, VANISH = _W + "b", _W + "i", _W + "rStyle", _W + "vanish"
RENDERED_BREAK = _W + "lastRenderedPageBreak"
SECT_PR = _W + "sectPr"
COMMENT_REFERENCE = _W + "commentReference"
BR, CR, NB_HYPHEN = _W + "br", _W + "cr", _W + "noBreakHyphen"
FLD_CHAR, INSTR_TEXT, DRAWING, PICT = _W + "fldChar", _W + "instrText", _W + "drawing", _W + "pict"
ALTERNATE_CONTENT, W_TYPE = _MC + "AlternateContent", _W + "type"
RUBY, RUBY_BASE = _W + "ruby", _W + "rubyBase"
#: Run children that are a fixed piece of text (line breaks other than page breaks are read apart).
_PIECES = {_W + "tab": "\t", _W + "ptab": "\t", CR: "\n", NB_HYPHEN: "-"}

# Elements whose children are more of the same level (paragraph content or body content).
_INLINE_WRAPPERS = frozenset(
    _W + t for t in ("ins", "smartTag", "customXml", "moveTo", "bdo", "dir", "sdtContent", "fldSimple")
)
_BLOCK_WRAPPERS = frozenset(_W + t for t in ("customXml", "ins", "moveTo", "sdtContent"))
_OFF = frozenset({"0", "false", "off", "none"})
_HEADING_NAME = re.compile(r"^heading\s*(\d)$")
_TOC_NAME = re.compile(r"^toc\s*(\d)$")
_TEXT_STYLES = frozenset({"quote", "intense quote", "body text", "block text", "plain text", "normal (web)"})
_LIST_NAME = re.compile(r"^list\b.*?(\d)?$")
_HYPERLINK_FIELD = re.compile(r'HYPERLINK\s+(?:\\l\s+)?"([^"]+)"(?:\s+\\l\s+"([^"]+)")?', re.IGNORECASE)
_BULLET_GLYPH = re.compile(r"^\s*[•●○▪◦‣⁃■□➢►✓✔·]\s*")


def partition_docx(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a .docx file."""
    check_zip(path, options, "DOCX")
    package, xml_parts = _open(path)
    with package:
        document = package.main_part
        root = document.element
        body = root.find(_W + "body") if root.tag == _W + "document" else None
        if body is None:
            raise DocumentError("DOCX has no w:document/w:body (strict OOXML or a damaged file)")
        # Parts are inflated on first use, during the walk: a corrupt member read there is as
        # damaged as one read while opening. Anything else raised in the walker is a bug of ours.
        with library_errors("DOCX", ZIP_ERRORS):
            return _DocxWalker(xml_parts, document, body).run()


#: Main-part content types of documents, macro-enabled documents and templates: the same WordprocessingML.
_WORD_MAIN_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
        "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    }
)
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_STYLES_TYPE = _WML + "styles+xml"
_SETTINGS_TYPE = _WML + "settings+xml"
#: XML parts read (and so checked) while the package opens, with the root a damaged one is read
#: as (named as lost, the rest of the document still read). The main part and the core properties
#: have none: a damaged one is a damaged file. These are the parts python-docx parsed on opening,
#: so a package fails or loses parts exactly as it did when python-docx opened it.
_XML_PARTS: dict[str, str | None] = {
    **dict.fromkeys(_WORD_MAIN_TYPES),
    "application/vnd.openxmlformats-package.core-properties+xml": None,
    _WML + "comments+xml": "comments",
    _WML + "footer+xml": "ftr",
    _WML + "header+xml": "hdr",
    _WML + "numbering+xml": "numbering",
    _SETTINGS_TYPE: "settings",
    _STYLES_TYPE: "styles",
}
#: Parts a package may lack before it is taken for damaged rather than incomplete.
_MAX_MISSING_PARTS = 20
#: What opening a broken package raises: zipfile, lxml, a part or content type it lacks (KeyError),
#: an ambiguous main part (ValueError).
_OPEN_ERRORS: tuple[type[BaseException], ...] = (etree.LxmlError, KeyError, ValueError, OSError, *ZIP_ERRORS)


def _open(path: Path) -> tuple[Package, frozenset[str]]:
    """The package, checked as a whole before anything is read from it, and its XML parts' names.

    Only relationships, content types and the XML parts in :data:`_XML_PARTS` are read here; the
    rest (pictures, charts, notes) when the walk meets them.
    """
    try:
        package = Package(path)
    except _OPEN_ERRORS as e:
        raise open_failure("DOCX", e) from e
    try:
        return package, _check(package)
    except BaseException as e:
        package.close()
        if isinstance(e, _OPEN_ERRORS):
            raise open_failure("DOCX", e) from e
        raise


def _check(package: Package) -> frozenset[str]:
    """Fail, or name lost parts, the way the package deserves before any text is read.

    Word opens a document whose picture or header part is missing and shows the rest: every part
    a relationship reaches (depth first, in relationship order) is looked for, a missing one named
    as lost and read as empty from then on. A damaged XML part of :data:`_XML_PARTS` is named as
    lost and read as its empty root; a damaged main part is a damaged file. A missing content
    type, ``[Content_Types].xml`` or main part, or too many missing parts, fail the file.
    """
    if not package.has("[Content_Types].xml"):
        raise damaged("DOCX", "malformed XML")  # what its absence always read as: no XML at all
    missing = 0
    reached: list[tuple[Part, str]] = []
    for partname, reltype in _reachable(package):
        if not package.has(partname):
            if partname == "/word/document.xml" or missing >= _MAX_MISSING_PARTS:
                raise MissingPart(partname)
            part_lost(f"part {partname.lstrip('/')}", "missing from the package")
            package.stand_in(partname, b"")
            missing += 1
        package.content_type(partname)  # KeyError: no content type for it
        reached.append((package.part(partname), reltype))
    xml_parts = frozenset(part.partname for part, reltype in reached if _check_xml(package, part, reltype))
    main = _only(package.rels, RT.OFFICE_DOCUMENT)
    if main.partname not in xml_parts or main.content_type not in _WORD_MAIN_TYPES:
        raise DocumentError(f"not a Word document: its main part is {main.content_type}")
    return xml_parts


def _reachable(package: Package) -> list[tuple[str, str]]:
    """Every part a chain of internal relationships reaches from the package, depth first, each
    once, with the type of the first relationship reaching it."""
    found: dict[str, str] = {}
    stack = [iter(package.rels.values())]
    while stack:
        rel = next(stack[-1], None)
        if rel is None:
            stack.pop()
            continue
        if rel.is_external:
            continue
        partname = rel.target_partname
        if partname in found:
            continue
        found[partname] = rel.reltype
        source = package.part(partname) if package.has(partname) else Part(package, partname)
        stack.append(iter(source.rels.values()))
    return list(found.items())


def _check_xml(package: Package, part: Part, reltype: str) -> bool:
    """Parse one XML part read on opening (False: no such part); a damaged lenient one is named
    and read as empty."""
    if reltype == RT.IMAGE or part.content_type not in _XML_PARTS:
        return False  # a picture, or a part only read (if ever) when the walk meets it
    try:
        if part.content_type == _STYLES_TYPE:
            _styles_of(part)  # parsed once per distinct styles part (see _STYLES_CACHE)
        elif part.content_type in _CHECK_ONLY:
            _check_well_formed(part)
        else:
            part.element  # noqa: B018 - parsing it is the check
    except etree.XMLSyntaxError as e:
        root = _XML_PARTS[part.content_type]
        if root is None:
            raise
        if part.blob:  # an empty one stands in for a missing part, already named as lost
            part_lost(f"part {part.partname.lstrip('/')}", what_is_wrong(e))
        package.stand_in(part.partname, f'<w:{root} xmlns:w="{_W[1:-1]}"/>'.encode())
    return True


#: Parts parsed on opening only to know they are XML (nothing reads them): numbering, comments, core properties.
_CHECK_ONLY = frozenset(
    {_WML + "numbering+xml", _WML + "comments+xml", "application/vnd.openxmlformats-package.core-properties+xml"}
)
#: Stored bytes (see :meth:`Package.stored`) of check-only parts already found well-formed: a
#: template's numbering part is the same in every document made from it, so it is parsed once.
_WELL_FORMED: dict[bytes, None] = {}
_WELL_FORMED_SIZE = 64
_MAX_WELL_FORMED_KEY = 100_000


def _check_well_formed(part: Part) -> None:
    """Parse ``part`` unless the same stored bytes parsed before (lxml.etree.XMLSyntaxError if no XML)."""
    key = part.package.stored(part.partname)
    if key is not None and key in _WELL_FORMED:
        _WELL_FORMED[key] = _WELL_FORMED.pop(key, None)  # the most recently used
        return
    part.element  # noqa: B018 - parsing it is the check
    if key is not None and len(key) <= _MAX_WELL_FORMED_KEY:
        if len(_WELL_FORMED) >= _WELL_FORMED_SIZE:
            _WELL_FORMED.pop(next(iter(_WELL_FORMED), b""), None)  # the least recently used (threads may race)
        _WELL_FORMED[key] = None


def _only(rels: dict[str, Relationship], reltype: str) -> Part:
    """The one part ``rels`` relate with ``reltype``: KeyError if none, ValueError if several or
    an external one (Word reads a document's styles, settings, main part from exactly one)."""
    matching = [rel for rel in rels.values() if rel.reltype == reltype]
    if not matching:
        raise KeyError(f"no relationship of type {reltype}")
    if len(matching) > 1 or matching[0].is_external:
        raise ValueError(f"no single internal relationship of type {reltype}")
    return matching[0].target_part


def _find(parent: Any, tag: str) -> Any:
    """``parent.find(tag)`` for one plain tag, without the ElementPath machinery lxml runs on every
    find: the properties looked up most (pPr, rPr, tcPr) are their element's first child by the schema."""
    if len(parent) and parent[0].tag == tag:
        return parent[0]
    return next(parent.iterchildren(tag), None)


def _on(el: Any) -> bool:
    """Value of an OOXML on/off property element (``<w:b/>`` is on, ``<w:b w:val="0"/>`` off)."""
    return el is not None and el.get(VAL, "1").lower() not in _OFF


@dataclass(slots=True, frozen=True)
class _ParaStyle:
    """What a paragraph style means for classification, resolved through its basedOn chain."""

    kind: str | None = None  # "title", "list", "caption" or None
    depth: int | None = None
    numbered: bool = False
    ilvl: int | None = None
    break_before: bool = False
    bold: bool = False  # a style other than the default one sets its text in bold


class _Styles:
    """Paragraph and character styles of one styles part, each resolved once and cached."""

    def __init__(self, root: Any | None) -> None:
        self._by_id: dict[str, Any] = {}
        self._default: str | None = None
        if root is not None:
            for style in root.iterchildren(_W + "style"):
                sid = style.get(_W + "styleId")
                if sid:
                    self._by_id[sid] = style
                    if style.get(_W + "type") == "paragraph" and _on_attr(style.get(_W + "default")):
                        self._default = sid
        self._para: dict[str | None, _ParaStyle] = {}
        self._char: dict[str, tuple[bool, bool]] = {}

    def paragraph(self, style_id: str | None) -> _ParaStyle:
        sid = style_id or self._default
        info = self._para.get(sid)
        if info is None:
            info = self._resolve_paragraph(self._chain(sid))
            if sid == self._default and info.bold:  # a bold Normal style says nothing about headings
                info = dataclasses.replace(info, bold=False)
            self._para[sid] = info
        return info

    def character(self, style_id: str) -> tuple[bool, bool]:
        """(bold, italic) a character style gives its runs."""
        info = self._char.get(style_id)
        if info is None:
            bold = italic = None
            for style in self._chain(style_id):
                rpr = style.find(RPR)
                if rpr is not None:
                    bold = _on(rpr.find(_W + "b")) if bold is None and rpr.find(_W + "b") is not None else bold
                    italic = _on(rpr.find(_W + "i")) if italic is None and rpr.find(_W + "i") is not None else italic
            info = self._char[style_id] = (bool(bold), bool(italic))
        return info

    def _chain(self, sid: str | None) -> list[Any]:
        chain: list[Any] = []
        seen: set[str] = set()
        while sid and sid not in seen and len(chain) < 20:
            style = self._by_id.get(sid)
            if style is None:
                break
            chain.append(style)
            seen.add(sid)
            based = style.find(_W + "basedOn")
            sid = based.get(VAL) if based is not None else None
        return chain

    @staticmethod
    def _resolve_paragraph(chain: list[Any]) -> _ParaStyle:
        kind = depth = ilvl = outline = None
        numbered = break_before = bold = None
        for style in chain:
            if kind is None:
                name_el = style.find(_W + "name")
                kind, depth = _kind_from_name((name_el.get(VAL) or "") if name_el is not None else "")
            b = style.find(f"{RPR}/{BOLD}")
            if bold is None and b is not None:
                bold = _on(b)
            ppr = style.find(PPR)
            if ppr is None:
                continue
            num = ppr.find(_W + "numPr")
            if numbered is None and num is not None:
                numbered, level = _numbering(num)
                ilvl = level if ilvl is None else ilvl
            lvl = ppr.find(_W + "outlineLvl")
            if outline is None and lvl is not None:
                outline = _int(lvl.get(VAL), 9)
            brk = ppr.find(_W + "pageBreakBefore")
            if break_before is None and brk is not None:
                break_before = _on(brk)
        if kind is None and outline is not None and outline < 9:
            kind, depth = "title", outline
        return _ParaStyle(kind, depth, bool(numbered), ilvl, bool(break_before), bool(bold))


#: Styles parts already read, by their stored bytes (see :meth:`Package.stored`): the documents of
#: a batch mostly come from a few templates, and a template's styles part is often the largest XML
#: of the package (python-docx's own is 350 kB, 4 ms to parse and 0.3 ms to inflate, more than the
#: rest of a short document). A hit is the same styles exactly. Each entry keeps its parsed tree
#: alive, so only a few parts of up to _MAX_CACHED_STYLES bytes (inflated) are kept.
_STYLES_CACHE: dict[bytes, _Styles] = {}
_STYLES_CACHE_SIZE = 4
_MAX_CACHED_STYLES = 1_000_000
_NO_STYLES = _Styles(None)


def _styles_of(part: Part) -> _Styles:
    """The styles of a styles part (lxml.etree.XMLSyntaxError if it is no XML)."""
    key = part.package.stored(part.partname)
    styles = _STYLES_CACHE.pop(key, None) if key is not None else None
    if styles is None:
        styles = _Styles(part.element)
        if key is None or len(part.blob) > _MAX_CACHED_STYLES:
            return styles
        if len(_STYLES_CACHE) >= _STYLES_CACHE_SIZE:
            _STYLES_CACHE.pop(next(iter(_STYLES_CACHE), b""), None)  # the least recently used (threads may race)
    _STYLES_CACHE[key] = styles  # (back) at the end: the most recently used
    return styles


def _document_styles(document: Part, xml_parts: frozenset[str]) -> _Styles:
    """The document's styles: its one styles part, or the default ones Word documents without a
    styles part are read with (python-docx's template, as python-docx supplied them)."""
    try:
        part = _only(document.rels, RT.STYLES)
    except KeyError:
        return _default_styles()
    except ValueError:  # two styles parts, or an external one: neither is the document's
        return _NO_STYLES
    if part.partname not in xml_parts or part.content_type != _STYLES_TYPE:
        return _NO_STYLES  # a relationship to some other part: no styles to read there
    return _styles_of(part)


@cache
def _default_styles() -> _Styles:
    """python-docx's default styles, read from its package data without importing it."""
    spec = importlib.util.find_spec("docx")
    if spec is None or spec.origin is None:
        return _NO_STYLES
    template = Path(spec.origin).parent / "templates" / "default-styles.xml"
    return _Styles(etree.fromstring(template.read_bytes(), XML_PARSER))


#: Direct paragraph properties that set nothing (most paragraphs'): one shared, immutable instance.
_NO_DIRECT = _ParaStyle()


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() not in _OFF


def _kind_from_name(name: str) -> tuple[str | None, int | None]:
    """Classify a style by its (English, built-in) name: Word stores built-in names untranslated."""
    name = name.strip().lower()
    if name == "title":
        return "title", 0
    if name == "subtitle":
        return "title", 1
    if name in ("toc heading", "tocheading"):
        return "title", 0
    heading = _HEADING_NAME.match(name)
    if heading:
        return "title", max(int(heading.group(1)) - 1, 0)
    if name == "caption":
        return "caption", None
    toc = _TOC_NAME.match(name)
    if toc:  # a table-of-contents entry: a nested list of the headings, not a heading itself
        return "list", int(toc.group(1)) - 1
    if name in _TEXT_STYLES:
        return "text", None
    listed = _LIST_NAME.match(name)
    if listed:
        return "list", int(listed.group(1)) - 1 if listed.group(1) else None
    return None, None


def _numbering(num_pr: Any) -> tuple[bool, int | None]:
    """(numbered, level) of a ``w:numPr``; numId 0 switches inherited numbering off."""
    num_id = num_pr.find(_W + "numId")
    ilvl = num_pr.find(_W + "ilvl")
    numbered = num_id is None or num_id.get(VAL) != "0"
    return numbered, _int(ilvl.get(VAL), 0) if ilvl is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, min(int(value or ""), 9))
    except ValueError:
        return default


@dataclass(slots=True)
class _Field:
    instr: list[str] = field(default_factory=list)
    result_start: int | None = None


@dataclass(slots=True)
class _ParaContent:
    """Everything one paragraph holds: its text, page breaks around it, figures and text boxes.

    Figures (pictures, charts) are elements of their own that follow the paragraph's text.
    """

    inline: Inline = field(default_factory=Inline)
    breaks_before: int = 0
    breaks_after: int = 0
    figures: list[Element] = field(default_factory=list)
    boxes: list[Any] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)

    def page_break(self) -> None:
        if self.inline.is_empty():
            self.breaks_before += 1
        else:
            self.breaks_after += 1


class _Reader:
    """Reads paragraph content (runs, links, fields, drawings) of one part of the package."""

    def __init__(self, part: Any, styles: _Styles, *, rendered: bool) -> None:
        self.part = part
        self.styles = styles
        self.rendered = rendered  # count Word's rendered page breaks, else the explicit ones

    def paragraph(self, p: Any) -> _ParaContent:
        content = _ParaContent()
        self._inline(p, content)
        return content

    def _inline(self, parent: Any, content: _ParaContent) -> None:
        for child in parent:
            tag = child.tag
            if tag == R:
                self._run(child, content)
            elif tag == HYPERLINK:
                start = content.inline.length
                self._inline(child, content)
                content.inline.add_link(content.inline.text_since(start), self._hyperlink_url(child))
            elif tag == FLD_SIMPLE:
                start = content.inline.length
                self._inline(child, content)
                url = _field_url(child.get(_W + "instr") or "")
                if url:
                    content.inline.add_link(content.inline.text_since(start), url)
            elif tag in _INLINE_WRAPPERS:
                self._inline(child, content)
            elif tag == SDT:
                sdt_content = _sdt_content(child)
                if sdt_content is not None:
                    self._inline(sdt_content, content)
            elif tag in (_M + "oMathPara", _M + "oMath"):
                content.inline.add(" " + "".join(t.text or "" for t in child.iter(_M + "t")) + " ")

    def _run(self, r: Any, content: _ParaContent) -> None:
        children = list(r)  # one proxy per child, shared by the format and content passes
        bold = italic = False
        if children and children[0].tag == RPR:  # where the schema puts it: almost every run
            rpr = children[0]
            children = children[1:]  # rPr itself is no content
        else:
            rpr = next((child for child in children if child.tag == RPR), None)
        if rpr is not None:
            bold, italic, hidden = self._run_format(rpr)
            if hidden:
                return  # text set hidden (w:vanish) is not part of the document as read
        self._run_content(children, content, bold, italic)

    def _run_content(self, children: Any, content: _ParaContent, bold: bool, italic: bool) -> None:
        """Add a run's content. Its text pieces (text, tabs, line breaks) are gathered and added as
        one string: a run's pieces share its emphasis, so one ``Inline.add`` per run gives the
        same text, spans and counts as one per piece, for less Python work. Anything else reads
        or changes the paragraph's state (page breaks test for text so far, fields and links
        take offsets), so the gathered text is added first."""
        pieces: list[str] = []
        for child in children:
            tag = child.tag
            if tag == T:
                # Between a field's begin and separate marks is its code ({ IF ... }), where a
                # nested field leaves its result text: part of the code, not of the document.
                if not content.fields or not any(f.result_start is None for f in content.fields):
                    pieces.append(child.text or "")
                continue
            piece = _PIECES.get(tag)
            if piece is not None:
                pieces.append(piece)
                continue
            if tag == BR and child.get(W_TYPE) != "page":
                pieces.append(" " if child.get(W_TYPE) == "column" else "\n")
                continue
            if pieces:
                content.inline.add("".join(pieces), bold=bold, italic=italic)
                pieces = []
            self._run_mark(child, tag, content, bold, italic)
        if pieces:
            content.inline.add("".join(pieces), bold=bold, italic=italic)

    def _run_mark(self, child: Any, tag: str, content: _ParaContent, bold: bool, italic: bool) -> None:
        """A run child other than text: page breaks, field marks, drawings, alternate content."""
        if tag == BR:  # a page break (the others are text)
            if not self.rendered:
                content.page_break()
        elif tag == RENDERED_BREAK:
            if self.rendered:
                content.page_break()
        elif tag == FLD_CHAR:
            self._field_char(child, content)
        elif tag == INSTR_TEXT:
            if content.fields and content.fields[-1].result_start is None:
                content.fields[-1].instr.append(child.text or "")
        elif tag == DRAWING:
            self._drawing(child, content)
        elif tag == PICT:
            self._vml(child, content)
        elif tag == ALTERNATE_CONTENT:
            choice = child.find(_MC + "Choice")
            chosen = choice if choice is not None else child.find(_MC + "Fallback")
            if chosen is not None:
                self._run_content(list(chosen), content, bold, italic)
        elif tag == RUBY:
            base = _ruby_base(child)
            if base is not None:
                self._inline(base, content)  # its own runs, with their own emphasis

    def _run_format(self, rpr: Any) -> tuple[bool, bool, bool]:
        """(bold, italic, hidden) of a run: its own properties over its character style's."""
        style_id = b = i = None
        hidden = False
        for child in rpr:
            tag = child.tag
            if tag == BOLD:
                b = child
            elif tag == ITALIC:
                i = child
            elif tag == R_STYLE:
                style_id = child.get(VAL)
            elif tag == VANISH:
                hidden = _on(child)
        bold, italic = self.styles.character(style_id) if style_id else (False, False)
        return (_on(b) if b is not None else bold), (_on(i) if i is not None else italic), hidden

    def _field_char(self, fld_char: Any, content: _ParaContent) -> None:
        """Complex fields: a HYPERLINK field's result text is a link; other results are plain text."""
        kind = fld_char.get(_W + "fldCharType")
        if kind == "begin":
            content.fields.append(_Field())
        elif kind == "separate" and content.fields:
            content.fields[-1].result_start = content.inline.length
        elif kind == "end" and content.fields:
            done = content.fields.pop()
            url = _field_url("".join(done.instr))
            if url and done.result_start is not None:
                content.inline.add_link(content.inline.text_since(done.result_start), url)

    def _hyperlink_url(self, link: Any) -> str:
        rid = link.get(_R + "id")
        anchor = link.get(_W + "anchor") or ""
        url = ""
        if rid:
            rel = self.part.rels.get(rid)
            url = rel.target_ref if rel is not None and rel.is_external else ""
        if anchor and not anchor.startswith("_"):  # "_Toc123", "_Ref9": Word's hidden bookmarks
            url = f"{url}#{anchor}"
        return url

    def _drawing(self, drawing: Any, content: _ParaContent) -> None:
        doc_pr = drawing.find(f".//{_WP}docPr")
        fallback_alt = _alt_text(doc_pr)
        for pic in drawing.iter(_PIC + "pic"):
            c_nv_pr = pic.find(f"{_PIC}nvPicPr/{_PIC}cNvPr")
            blip = pic.find(f".//{_A}blip")
            rid = blip.get(_R + "embed") or blip.get(_R + "link") if blip is not None else None
            content.figures.append(self._image(_alt_text(c_nv_pr) or fallback_alt, rid))
        for data in drawing.iter(_A + "graphicData"):
            if data.get("uri") == _CHART_URI:
                content.figures.extend(self._chart(data.find(_C + "chart")))
            elif diagram_rid(data):
                content.figures.extend(self._diagram(diagram_rid(data)))
        boxes = _outer_text_boxes(drawing)
        if drawing.find(_WP + "inline") is not None:
            # An inline shape sits in the line like a word: its text belongs where it stands,
            # not after the paragraph (which would split the sentence and reorder it).
            for box in boxes:
                words = [self.paragraph(p).inline.text() for p in box.iter(P) if not _inside_box(p, box)]
                text = " ".join(w for w in words if w)
                if text:
                    content.inline.add(text)
        else:
            content.boxes.extend(boxes)

    def _chart(self, ref: Any) -> list[Element]:
        rel = self.part.rels.get(ref.get(_R + "id") or "") if ref is not None else None
        if rel is None or rel.is_external:
            return []
        try:
            blob = rel.target_part.blob
        except (KeyError, AttributeError, ValueError) as e:  # the package lacks the chart part
            part_lost("chart", what_is_wrong(e))
            return []
        return chart_from_xml(blob)

    def _diagram(self, rid: str) -> list[Element]:
        rel = self.part.rels.get(rid)
        if rel is None or rel.is_external:
            return []
        try:
            return diagram_elements(rel.target_part)
        except (KeyError, AttributeError) as e:  # the package lacks the diagram's data part
            part_lost("diagram", what_is_wrong(e))
            return []

    def _vml(self, pict: Any, content: _ParaContent) -> None:
        for shape in pict.iter(_V + "shape"):
            data = shape.find(_V + "imagedata")
            if data is not None:
                content.figures.append(self._image(collapse(shape.get("alt") or ""), data.get(_R + "id")))
        content.boxes.extend(_outer_text_boxes(pict))

    def _image(self, alt: str, rid: str | None) -> Element:
        meta: dict[str, Any] = {}
        rel = self.part.rels.get(rid) if rid else None
        if rel is not None and not rel.is_external:
            with contextlib.suppress(KeyError, ValueError, AttributeError):
                meta["image_mime_type"] = rel.target_part.content_type
                images.attach(meta, "Image", lambda: rel.target_part.blob, meta["image_mime_type"])
        return Element("Image", alt, meta)


def _ruby_base(ruby: Any) -> Any:
    """The text a phonetic guide (``w:ruby``, furigana over 東京) annotates: its ``w:rubyBase``.

    Every paragraph, cell, header, footer, note, comment and text box is read through
    ``_Reader._run_content``, which hands ruby to ``_run_mark`` and so here: the one place ruby
    is read. The base holds runs (and what may wrap runs: insertions, math) and is read as
    paragraph content, in place. The guide (``w:rt``, the reading とうきょう) is left out, as
    Word's plain-text export and Tika do: mixed in, it would read 東京とうきょう, and a search
    for 東京 or a reader wants the word once.
    """
    return _find(ruby, RUBY_BASE)


def _sdt_content(sdt: Any) -> Any:
    """A content control's content, or None while it only shows its prompt ("Click here to enter text")."""
    props = _find(sdt, SDT_PR)
    if props is not None and _on(_find(props, SHOWING_PROMPT)):
        return None
    return _find(sdt, SDT_CONTENT)


def _alt_text(c_nv_pr: Any) -> str:
    if c_nv_pr is None:
        return ""
    return collapse(c_nv_pr.get("descr") or c_nv_pr.get("title") or "")


def _outer_text_boxes(container: Any) -> list[Any]:
    """Text box contents in ``container``, leaving out boxes nested in other boxes."""
    return [box for box in container.iter(TXBX_CONTENT) if not _inside_box(box, container)]


def _inside_box(box: Any, container: Any) -> bool:
    """Whether another text box lies between ``box`` and ``container``."""
    parent = box.getparent()
    while parent is not None and parent is not container:
        if parent.tag == TXBX_CONTENT:
            return True
        parent = parent.getparent()
    return False


def _field_url(instr: str) -> str:
    match = _HYPERLINK_FIELD.search(instr)
    if not match:
        return ""
    target = match.group(1)
    if re.search(r"HYPERLINK\s+\\l", instr, re.IGNORECASE):
        return "" if target.startswith("_") else f"#{target}"
    return target + (f"#{match.group(2)}" if match.group(2) else "")


#: The UTF-8 byte-order mark, and the tag name looked for in a main part's bytes.
_UTF8_BOM = b"\xef\xbb\xbf"
_RENDERED_BREAK_NAME = b"lastRenderedPageBreak"


def _has_rendered_breaks(blob: bytes, body: Any) -> bool:
    """Whether Word laid the document out (see the module's docstring on page numbers).

    Looking for the element walks the whole tree when there is none (documents Word never laid
    out, or long ones converted by other tools): ~6 ms on an 870-page handbook. In an
    ASCII-compatible encoding the tag name is spelled in the part's bytes, so their absence
    settles it at once; other encodings (UTF-16, UTF-32) are walked.
    """
    head = blob[len(_UTF8_BOM) :] if blob.startswith(_UTF8_BOM) else blob
    ascii_compatible = head[:1] == b"<" and head[1:2] != b"\x00"
    if ascii_compatible and _RENDERED_BREAK_NAME not in blob:
        return False
    return next(body.iter(RENDERED_BREAK), None) is not None


class _DocxWalker:
    """One pass over the body in document order, keeping the page and section it is in."""

    def __init__(self, xml_parts: frozenset[str], document: Part, body: Any) -> None:
        self.document = document
        self.xml_parts = xml_parts
        self.body = body
        self.styles = _document_styles(document, xml_parts)
        rendered = _has_rendered_breaks(document.blob, body)
        self.reader = _Reader(document, self.styles, rendered=rendered)
        self.rendered = rendered
        self.sections: list[Any] = _SECTIONS(document.element)
        self.even_odd = _even_odd_headers(document, xml_parts)
        self.section = 0
        self.page = 1
        self.page_used = False  # any paragraph on this page yet (a break before the first one is no break)
        self.pending_headers = True
        self.parity: int | None = None  # page parity (1 odd, 0 even) the next page must have
        self.last_heading_depth = -1
        self.out: list[Element] = []
        self.comments = _comments(document, self.styles, xml_parts)

    def run(self) -> list[Element]:
        for child in self.body:
            self._block(child, top_level=True)
        self._end_section(last=True)
        for kind in ("footnote", "endnote"):
            self.out.extend(_notes(self.document, self.styles, kind))
        for comment_id in list(self.comments):  # comments whose mark the body lost: still the document's words
            self._comment(comment_id, None)
        return self.out

    def _comments_in(self, container: Any, anchor: int | None) -> None:
        """The comments whose mark stands in ``container``, each after the element it comments on."""
        if not self.comments:
            return  # most documents: no second walk of the paragraph
        for reference in container.iter(COMMENT_REFERENCE):
            self._comment(reference.get(_W + "id") or "", anchor)

    def _comment(self, comment_id: str, anchor: int | None) -> None:
        comment = self.comments.pop(comment_id, None)
        if comment is not None:
            comment.parent = anchor
            comment.metadata["page_number"] = self.page
            self.out.append(comment)

    # -- emitting -----------------------------------------------------------------------------

    def _emit(self, el: Element) -> None:
        if self.pending_headers:
            self.pending_headers = False
            self._headers_footers("header")
        el.metadata["page_number"] = self.page
        self.out.append(el)

    def _new_page(self, count: int = 1) -> None:
        if count > 0:
            self.page += count
            self.page_used = False
            if self.parity is not None:  # an odd- or even-page section start skips a blank page
                if self.page % 2 != self.parity:
                    self.page += 1
                self.parity = None

    # -- body ---------------------------------------------------------------------------------

    def _block(self, child: Any, *, top_level: bool = False) -> None:
        tag = child.tag
        if tag == P:
            self._paragraph(child, top_level=top_level)
        elif tag == TBL:
            self._table(child)
        elif tag == SDT:
            sdt_content = _sdt_content(child)
            if sdt_content is not None:
                for grandchild in sdt_content:
                    self._block(grandchild)
        elif tag in _BLOCK_WRAPPERS:
            for grandchild in child:
                self._block(grandchild)

    def _paragraph(self, p: Any, *, top_level: bool) -> None:
        ppr = _find(p, PPR)
        style, direct, ends_section = self._paragraph_props(ppr)
        if not self.rendered and self.page_used and (direct.break_before or style.break_before):
            self._new_page()
        content = self.reader.paragraph(p)
        if content.breaks_before:
            self._new_page(content.breaks_before)
        text = content.inline.text()
        element = self._classify(text, content.inline, style, direct) if text else None
        if element is not None:
            self._emit(element)
        self._comments_in(p, len(self.out) - 1 if self.out else None)
        for figure in content.figures:
            self._emit(figure)
        for box in content.boxes:
            for child in box:
                self._block(child)
        if content.breaks_after:
            self._new_page(content.breaks_after)
        self.page_used = True
        if top_level and ends_section:
            self._end_section()

    def _paragraph_props(self, ppr: Any) -> tuple[_ParaStyle, _ParaStyle, bool]:
        """The paragraph's style, what its own properties say (only the fields they set), and
        whether they hold a section's properties (the paragraph then ends that section)."""
        if ppr is None:
            return self.styles.paragraph(None), _NO_DIRECT, False
        style_id = num = lvl = brk = None
        ends_section = False
        for child in ppr:  # one pass over the properties: each find() would walk them again
            tag = child.tag
            if tag == P_STYLE:
                style_id = child.get(VAL)
            elif tag == NUM_PR:
                num = child
            elif tag == OUTLINE_LVL:
                lvl = child
            elif tag == BREAK_BEFORE:
                brk = child
            elif tag == SECT_PR:
                ends_section = True
        style = self.styles.paragraph(style_id)
        if num is None and lvl is None and brk is None:
            return style, _NO_DIRECT, ends_section
        numbered, ilvl = _numbering(num) if num is not None else (False, None)
        outline = _int(lvl.get(VAL), 9) if lvl is not None else 9
        kind = "title" if outline < 9 else ("list" if numbered else ("none" if num is not None else None))
        return style, _ParaStyle(kind, outline if outline < 9 else None, numbered, ilvl, _on(brk)), ends_section

    def _classify(self, text: str, inline: Inline, style: _ParaStyle, direct: _ParaStyle) -> Element | None:
        meta = inline.metadata()
        if direct.kind == "title" or style.kind == "title":
            depth = direct.depth if direct.kind == "title" else style.depth
            self.last_heading_depth = depth or 0
            return Element("Title", text, {**meta, "category_depth": depth or 0})
        numbered = direct.numbered if direct.kind in ("list", "none") else style.numbered
        if numbered or (style.kind == "list" and direct.kind != "none"):
            depth = direct.ilvl if direct.ilvl is not None else (style.ilvl if style.ilvl is not None else style.depth)
            return Element("ListItem", text, {**meta, "category_depth": depth or 0})
        if style.kind == "caption":
            return Element("FigureCaption", text, meta)
        if style.kind == "text" and any(map(str.isalpha, text)):
            return Element("NarrativeText", text, meta)
        return self._classify_by_text(text, inline, meta, style.bold)

    def _classify_by_text(self, text: str, inline: Inline, meta: dict[str, Any], bold: bool) -> Element | None:
        """A paragraph whose style says nothing: bullets typed by hand, bold or capital headings."""
        bullet = _BULLET_GLYPH.match(text)
        if bullet:
            if len(text) == bullet.end():
                return None  # a bullet typed on an empty line
            return Element("ListItem", text[bullet.end() :], {**meta, "category_depth": 0})
        if not any(map(str.isalpha, text)):
            return Element("UncategorizedText", text, meta)
        contact = contact_type(text)
        if contact:
            return Element(contact, text, meta)
        if reads_as_heading(text, inline, style_bold=bold):
            return Element("Title", text, {**meta, "category_depth": self.last_heading_depth + 1})
        if classify_paragraph(text) == "ListItem":  # "1. ...", "(a) ...", "- ...": numbered by hand
            return Element("ListItem", text, {**meta, "category_depth": 0})
        return Element("NarrativeText", text, meta)

    # -- tables -------------------------------------------------------------------------------

    def _table(self, tbl: Any) -> None:
        rows = list(_children(tbl, TR))
        if len(rows) == 1:
            cells = list(_children(rows[0], TC))
            if len(cells) == 1:  # a one-cell table is a box around text, not tabular data
                for child in cells[0]:
                    self._block(child)
                return
        reader = _TableReader(self.reader)
        table = table_element(reader.rows(rows, outer=True))
        self._new_page(reader.leading_breaks)
        if table is not None:
            self._emit(Element("Table", table[0], {**reader.meta, "text_as_html": table[1]}))
        self._comments_in(tbl, len(self.out) - 1 if self.out else None)
        for figure in reader.figures:
            self._emit(figure)
        self._new_page(reader.page_breaks - reader.leading_breaks)
        self.page_used = True

    # -- sections, headers, footers -----------------------------------------------------------

    def _end_section(self, *, last: bool = False) -> None:
        if self.pending_headers:
            self.pending_headers = False
            self._headers_footers("header")
        self._headers_footers("footer")
        if last:
            return
        self.section += 1
        self.pending_headers = True
        if self.section >= len(self.sections):
            return
        start = _start_type(self.sections[self.section])
        if start == "oddPage":
            self.parity = 1
        elif start == "evenPage":
            self.parity = 0
        if not self.rendered and start in ("nextPage", "oddPage", "evenPage"):
            self._new_page()

    def _headers_footers(self, which: str) -> None:
        if self.section >= len(self.sections):
            return
        sect_pr = self.sections[self.section]
        variants = ["primary"]
        first_page = _on_off(sect_pr.find(_W + "titlePg"))
        if first_page is None:
            raise damaged("DOCX", "XML that breaks the format's schema")
        if first_page:
            variants.append("first_page")
        if self.even_odd:
            variants.append("even_page")
        kind = "Header" if which == "header" else "Footer"
        for variant in variants:
            reference = _reference(sect_pr, which, _REFERENCE_TYPES[variant])
            if reference is None:
                continue  # no definition of its own: the previous section's was already emitted
            part = self._story_part(reference)
            if part is None:
                part_lost(f"{which} of section {self.section + 1}", "a part it refers to is missing")
            elif part.partname not in self.xml_parts:  # a relationship to a picture or the like
                part_lost(f"{which} of section {self.section + 1}", "unreadable content")
            elif text := _story_text(part, self.styles):
                meta = {"header_footer_type": variant, "page_number": self.page}
                self.out.append(Element(kind, text, meta))

    def _story_part(self, reference: Any) -> Part | None:
        """The part a header or footer reference names; None if no internal relationship has its id."""
        rid = reference.get(_R + "id")
        if rid is None:
            raise damaged("DOCX", "XML that breaks the format's schema")  # the id is required
        rel = self.document.rels.get(rid)
        return rel.target_part if rel is not None and not rel.is_external else None


#: ``w:headerReference``/``w:footerReference`` type of each header and footer variant.
_REFERENCE_TYPES = {"primary": "default", "first_page": "first", "even_page": "even"}
#: How a section starts (``w:type``), when it says: a new page unless it says otherwise.
_SECTION_STARTS = frozenset({"continuous", "nextColumn", "nextPage", "evenPage", "oddPage"})
#: The sections' properties in document order: each top-level paragraph ending a section, then
#: the body's own for the last one (properties nested deeper end no section in Word either).
_SECTIONS = etree.XPath("./w:body/w:p/w:pPr/w:sectPr | ./w:body/w:sectPr", namespaces={"w": _W[1:-1]})
_ON_OFF = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}


def _start_type(sect_pr: Any) -> str:
    kind = sect_pr.find(_W + "type")
    value = kind.get(VAL) if kind is not None else None
    if value is None:
        return "nextPage"
    if value not in _SECTION_STARTS:
        raise damaged("DOCX", "an invalid value in its structure")
    return value


def _on_off(el: Any) -> bool | None:
    """A document-level on/off property read strictly: absent is off, ``<w:x/>`` on, and a value
    outside the schema None (unlike :func:`_on`, which reads what a run's formatting means)."""
    if el is None:
        return False
    return _ON_OFF.get(el.get(VAL, "1"))


def _reference(sect_pr: Any, which: str, kind: str) -> Any:
    """The section's first header or footer reference of ``kind`` (default, first, even), or None."""
    for reference in sect_pr.iterchildren(f"{_W}{which}Reference"):
        if reference.get(_W + "type") == kind:
            return reference
    return None


#: Relationship type suffix and XML tag of each kind of note; ids -1 and 0 (or a w:type) are
#: the separator lines Word draws above notes, not notes.
_NOTE_PARTS = {"footnote": "/footnotes", "endnote": "/endnotes"}


def _notes(document_part: Part, styles: _Styles, kind: str) -> list[Element]:
    """Footnotes or endnotes, one NarrativeText per paragraph marked ``note_type``, in note order.

    They come after the body (where a reader meets them on the page, roughly) rather than at
    their reference mark, which would split the sentence that carries it.
    """
    rel = next(
        (r for r in document_part.rels.values() if r.reltype.endswith(_NOTE_PARTS[kind]) and not r.is_external), None
    )
    if rel is None:
        return []
    try:
        part = rel.target_part
        root = part.element
    except (KeyError, etree.XMLSyntaxError) as e:  # a missing (read as empty) or broken part
        part_lost(f"{kind}s", what_is_wrong(e))
        return []
    reader = _Reader(part, styles, rendered=True)
    out: list[Element] = []
    for note in root.iterchildren(_W + kind):
        if note.get(_W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        for p in note.iter(P):
            inline = reader.paragraph(p).inline
            text = inline.text()
            if text.strip():
                out.append(Element("NarrativeText", text, {"note_type": kind, **inline.metadata()}))
    return out


def _comments(document_part: Part, styles: _Styles, xml_parts: frozenset[str]) -> dict[str, Element]:
    """The document's comments by id, each one NarrativeText (its paragraphs joined by newlines)
    marked ``note_type: "comment"`` with its ``comment_author``; the walk places each after the
    element its mark stands in and links it there by ``parent_id``."""
    rel = next((r for r in document_part.rels.values() if r.reltype == RT.COMMENTS and not r.is_external), None)
    if rel is None or rel.target_partname not in xml_parts:
        return {}
    part = rel.target_part
    reader = _Reader(part, styles, rendered=True)
    comments: dict[str, Element] = {}
    for comment in part.element.iterchildren(_W + "comment"):
        lines = [reader.paragraph(p).inline.text() for p in comment.iter(P)]
        text = "\n".join(line for line in lines if line.strip())
        if text:
            meta = {"note_type": "comment", "comment_author": comment.get(_W + "author") or ""}
            comments[comment.get(_W + "id") or ""] = Element("NarrativeText", text, meta)
    return comments


def _even_odd_headers(document: Part, xml_parts: frozenset[str]) -> bool:
    """Whether the settings ask for even-page headers and footers; a document without readable
    settings has Word's default, one header for all pages."""
    try:
        part = _only(document.rels, RT.SETTINGS)
    except (KeyError, ValueError):
        return False
    if part.partname not in xml_parts or part.content_type != _SETTINGS_TYPE:
        return False
    root = part.element
    return root.tag == _W + "settings" and _on_off(root.find(_W + "evenAndOddHeaders")) is True


def _story_text(part: Part, styles: _Styles) -> str:
    """Plain text of a header or footer part: its paragraphs and tables, one line each."""
    return _TableReader(_Reader(part, styles, rendered=True)).cell_text(part.element)


def _children(parent: Any, tag: str) -> Any:
    """Children of ``parent`` with ``tag``, looking through content controls and custom XML."""
    for child in parent:
        child_tag = child.tag
        if child_tag == tag:
            yield child
        elif child_tag == SDT:
            sdt_content = _sdt_content(child)
            if sdt_content is not None:
                yield from _children(sdt_content, tag)
        elif child_tag in _BLOCK_WRAPPERS:
            yield from _children(child, tag)


class _TableReader:
    """Turns ``w:tr`` rows into HTML-ready cells: gridSpan to colspan, vMerge runs to rowspan."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.figures: list[Element] = []
        self.page_breaks = 0
        self.leading_breaks = 0  # page breaks in the first row: the table itself starts a page
        self.meta: dict[str, list[str]] = {}  # links and emphasis of every cell, in reading order

    def rows(self, trs: list[Any], *, outer: bool = False) -> list[list[TableCell]]:
        """The cells of ``trs``, counting the pages they break onto.

        Word marks a page start in every cell of the row that begins the page, so a row adds the
        most breaks any one of its cells holds, not their sum.
        """
        rows: list[list[TableCell]] = []
        merging: dict[int, tuple[TableCell, int]] = {}  # grid column -> (cell whose vertical merge is open, its row)
        for tr in trs:
            before = self.page_breaks
            row = self._row(tr, len(rows), merging)
            if outer and not rows:
                self.leading_breaks = self.page_breaks - before
            rows.append(row)
        return rows

    def _row(self, tr: Any, index: int, merging: dict[int, tuple[TableCell, int]]) -> list[TableCell]:
        start = self.page_breaks
        most = 0
        tr_pr = _find(tr, TR_PR)
        header = tr_pr is not None and _on(_find(tr_pr, TBL_HEADER))
        col = _grid_before(tr_pr)
        row = [TableCell("", colspan=col)] if col else []  # keep later cells in their grid columns
        for tc in _children(tr, TC):
            span, vmerge = _cell_props(tc)
            if vmerge == "continue" and col in merging:
                origin, origin_row = merging[col]
                origin.rowspan = index - origin_row + 1  # rows lacking this column are spanned too
                col += span
                continue
            cell = TableCell(self.cell_text(tc), colspan=span, header=header)
            most = max(most, self.page_breaks - start)
            self.page_breaks = start
            for c in range(col, col + span):
                merging.pop(c, None)
            if vmerge == "restart":
                merging[col] = (cell, index)
            row.append(cell)
            col += span
        self.page_breaks = start + most
        return row

    def cell_text(self, container: Any) -> str:
        lines = []
        for child in container:
            tag = child.tag
            if tag == P:
                content = self.reader.paragraph(child)
                self.page_breaks += content.breaks_before + content.breaks_after
                self.figures.extend(content.figures)
                for key, values in content.inline.metadata().items():
                    self.meta.setdefault(key, []).extend(values)
                # a text box anchored in the paragraph (a header's logo caption, a cell's call-out)
                boxed = [text for box in content.boxes if (text := self.cell_text(box))]
                line = "\n".join(filter(None, [content.inline.text(), *boxed])) if boxed else content.inline.text()
            elif tag == TBL:
                table = table_element(self.rows(list(_children(child, TR))))
                line = table[0] if table else ""
            elif tag == SDT or tag in _BLOCK_WRAPPERS:
                inner = _sdt_content(child) if tag == SDT else child
                line = self.cell_text(inner) if inner is not None else ""
            else:
                continue
            if line:
                lines.append(line)
        return "\n".join(lines)


def _grid_before(tr_pr: Any) -> int:
    if tr_pr is None:
        return 0
    before = _find(tr_pr, GRID_BEFORE)
    return _span(before.get(VAL)) if before is not None and before.get(VAL) != "0" else 0


def _cell_props(tc: Any) -> tuple[int, str | None]:
    """(grid columns spanned, "restart" / "continue" / None for vertical merging) of a cell."""
    tc_pr = _find(tc, TC_PR)
    if tc_pr is None:
        return 1, None
    span_el = vmerge_el = None
    for child in tc_pr:  # one pass over the few properties, keeping the first of each
        tag = child.tag
        if tag == GRID_SPAN and span_el is None:
            span_el = child
        elif tag == V_MERGE and vmerge_el is None:
            vmerge_el = child
    span = _span(span_el.get(VAL)) if span_el is not None else 1
    if vmerge_el is None:
        return span, None
    return span, "restart" if vmerge_el.get(VAL) == "restart" else "continue"


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 1000))
    except ValueError:
        return 1
