"""What the DOCX and PPTX partitioners share: a zip-bomb guard, inline text, tables, charts, heuristics.

Both formats are zip packages of XML parts. python-docx and python-pptx read every part of the
package into memory when they open it, so the guard looks at the zip's central directory first
and refuses a package whose members would expand past ``max_uncompressed_bytes`` or that
compresses far better than real documents do. (Their XML parsers already run lxml with entity
resolution off, so billion-laughs and XXE payloads stay unexpanded text.)
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from docbatch.elements import Element, inline_metadata
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged, what_is_wrong
from docbatch.partitioners.kit.charts import MAX_CHART_POINTS, chart_figure, chart_table, chart_value
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.paragraphs import mostly_figures
from docbatch.partitioners.kit.tables import Cell as TableCell
from docbatch.partitioners.kit.tables import table_html, table_text

__all__ = [
    "MAX_CHART_POINTS",
    "Inline",
    "TableCell",
    "chart_elements",
    "chart_from_xml",
    "child",
    "collapse",
    "contact_type",
    "diagram_elements",
    "diagram_rid",
    "drawing_paragraph",
    "is_short_line",
    "open_failure",
    "partition_encrypted",
    "reads_as_heading",
    "table_element",
]

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
_TRUE = frozenset({"1", "true", "on"})

_TITLE_END = (".", ",", ";", ":", "!", "?")
_SPACES = re.compile(r"[^\S\n]+")
_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(?:\.[\w-]+)+$")
_CITY_STATE_ZIP = re.compile(r"^[A-Za-z][A-Za-z .'-]*,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?$")
_NEWLINES = re.compile(r" *\n[\s]*")


#: The password Excel encrypts a workbook with when it is only write-protected ("Protect Workbook",
#: "read-only recommended"): Excel, LibreOffice and Tika open such a file without asking.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


def partition_encrypted(path: Path, options: PartitionOptions) -> list[Element]:
    """An encrypted OOXML package (an OLE2 file around it): read when it opens with Excel's
    built-in key, as Excel does; otherwise nothing is readable without the password."""
    from docbatch.partitioners.auto import partition_file

    with tempfile.TemporaryDirectory(prefix="docbatch-decrypted-") as tmp:
        plain = Path(tmp) / "decrypted"
        if not _decrypt_with_default_key(path, plain):
            raise EncryptedDocument("password-protected Office file; remove the password and retry")
        file_type, elements = partition_file(plain, options)
        if file_type.name == "ooxml-encrypted":  # encrypted twice over: no loop, no further guess
            raise EncryptedDocument("password-protected Office file; remove the password and retry")
        return elements


def _decrypt_with_default_key(path: Path, out: Path) -> bool:
    """Whether ``path`` decrypts with :data:`EXCEL_DEFAULT_PASSWORD` (into ``out``)."""
    import msoffcrypto

    try:
        with open(path, "rb") as f:
            office = msoffcrypto.OfficeFile(f)
            office.load_key(password=EXCEL_DEFAULT_PASSWORD)
            with open(out, "wb") as sink:
                office.decrypt(sink)
    except Exception:  # msoffcrypto's InvalidKeyError, DecryptionError, or its parser on a damaged file
        return False
    return True


def open_failure(kind: str, error: BaseException) -> DocumentError:
    """The one-line DocumentError for a package the library could not open."""
    return damaged(kind, error)


def contact_type(text: str) -> str | None:
    """EmailAddress or Address when a whole line is one (as unstructured types them), else None."""
    if len(text) > 100:
        return None
    if _EMAIL.match(text):
        return "EmailAddress"
    if _CITY_STATE_ZIP.match(text):
        return "Address"
    return None


def chart_elements(chart: Any) -> list[Element]:
    """A chart as its title (FigureCaption) and its data (Table: a row per category, a column per series),
    in the shape :mod:`~docbatch.partitioners.kit.charts` gives every chart.

    ``chart`` is a python-pptx Chart. The numbers behind a chart are what a reader of the extracted
    text needs; python-pptx reads them from the cache Office keeps in the chart part. A chart it
    cannot read is left out rather than failing the document, and so is the data of a chart
    declaring more points than :data:`MAX_CHART_POINTS` (python-pptx looks each declared point up
    with its own XPath query, so its cost grows with the square of the count).
    """
    from pptx.exc import PythonPptxError

    try:
        title = chart.chart_title.text_frame.text if chart.has_title and chart.chart_title.has_text_frame else ""
        table = _chart_table(chart) if _chart_size(chart.element) <= MAX_CHART_POINTS else None
    except (PythonPptxError, KeyError, ValueError, IndexError, NotImplementedError, AttributeError, TypeError) as e:
        # python-pptx's own verdicts on chart XML it cannot map: NotImplementedError for a chart
        # type it does not know (the 3-D ones), AttributeError for a plot element it has no class
        # for ("'_Element' object has no attribute 'iter_sers'": a bar-of-pie chart). Only the
        # chart is lost, never the deck.
        unsupported = isinstance(e, NotImplementedError | AttributeError | TypeError)
        part_lost("chart", "unsupported chart type" if unsupported else what_is_wrong(e))
        return []
    return chart_figure([collapse(title)], table)


def _chart_size(chart_space: Any) -> int:
    """Data points a chart declares (``c:ptCount``, summed), read before python-pptx loops over them."""
    total = 0
    for count in chart_space.iter(_C + "ptCount"):
        try:
            total += max(0, int(count.get("val") or 0))
        except ValueError:
            continue
    return total


def _chart_table(chart: Any) -> tuple[str, str] | None:
    series = list(chart.series)
    categories = [str(c) for c in chart.plots[0].categories] if series and len(chart.plots) else []
    # XY charts: python-pptx gives no x values, so their rows have no category label.
    return chart_table(categories, [(s.name or "", [chart_value(v) for v in s.values]) for s in series])


def chart_from_xml(blob: bytes) -> list[Element]:
    """:func:`chart_elements` of a chart part found outside a presentation (a Word document's).

    Charts are the same DrawingML in Word and PowerPoint; python-docx does not read them, so the
    part goes through python-pptx's chart reader (its parser resolves no entities).
    """
    from lxml import etree
    from pptx.chart.chart import Chart
    from pptx.oxml import parse_xml

    try:
        chart = Chart(parse_xml(blob), None)
    except (etree.XMLSyntaxError, ValueError, AttributeError, TypeError) as e:
        part_lost("chart", what_is_wrong(e))
        return []
    return chart_elements(chart)


#: ``a:graphicData`` URI of a SmartArt diagram.
DIAGRAM_URI = "http://schemas.openxmlformats.org/drawingml/2006/diagram"


def diagram_rid(graphic_data: Any) -> str:
    """The relationship id of the data part of a SmartArt ``a:graphicData``, or "" for anything else."""
    if graphic_data.get("uri") != DIAGRAM_URI:
        return ""
    rel_ids = graphic_data.find(_DGM + "relIds")
    return (rel_ids.get(_R + "dm") or "") if rel_ids is not None else ""


def diagram_elements(part: Any) -> list[Element]:
    """SmartArt: each node's text as a ListItem, depth from the diagram's own hierarchy.

    Neither python-docx nor python-pptx reads SmartArt, so its data part (the node tree Office
    lays out) is parsed here, with entity resolution and network access off. A diagram whose
    part is missing or damaged is left out rather than failing the document.
    """
    try:
        root = etree.fromstring(part.blob, _SAFE_XML)
        rels = part.rels
    except (KeyError, AttributeError, ValueError, etree.XMLSyntaxError):
        return []
    out = []
    for pt, depth in _diagram_nodes(root):
        texts = [drawing_paragraph(p, rels).text() for p in pt.iterfind(f"{_DGM}t/{_A}p")]
        text = " ".join(t for t in texts if t)
        if text:
            out.append(Element("ListItem", text, {"category_depth": depth}))
    return out


def _diagram_nodes(root: Any) -> list[tuple[Any, int]]:
    """Text-bearing points of a diagram data model in reading order, with their depth.

    Points hang under their parents through ``parOf`` connections ordered by ``srcOrd``; the
    ``doc`` point is the root, so its children are depth 0.
    """
    points = {pt.get("modelId"): pt for pt in root.iterfind(f"{_DGM}ptLst/{_DGM}pt")}
    children: dict[str | None, list[tuple[int, str]]] = {}
    for cxn in root.iterfind(f"{_DGM}cxnLst/{_DGM}cxn"):
        if cxn.get("type", "parOf") == "parOf":
            children.setdefault(cxn.get("srcId"), []).append((_order(cxn.get("srcOrd")), cxn.get("destId") or ""))
    roots = [mid for mid, pt in points.items() if pt.get("type") == "doc"] or list(points)  # no root: flat
    out: list[tuple[Any, int]] = []
    stack = [(mid, -1) for mid in reversed(roots)]
    seen: set[str | None] = set()
    while stack:
        mid, depth = stack.pop()
        if mid in seen:
            continue
        seen.add(mid)
        pt = points.get(mid)
        if pt is not None and pt.get("type", "node") in ("node", "asst"):
            out.append((pt, max(depth, 0)))
        stack.extend((child, depth + 1) for _, child in sorted(children.get(mid, []), reverse=True))
    return out


def _order(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


_A_RUNS = frozenset({_A + "r", _A + "fld"})
_A_RPR, _A_T, _A_BR, _A_HLINK_CLICK = _A + "rPr", _A + "t", _A + "br", _A + "hlinkClick"


def child(el: Any, tag: str) -> Any:
    """``el.find(tag)`` for one ``{namespace}name`` tag: the first child with that tag, or None.

    lxml's find parses its argument as an ElementPath expression on every call, which costs
    several times the lookup; a reader walking every shape and paragraph of a deck asks this
    thousands of times per file.
    """
    return next(el.iterchildren(tag), None)


def drawing_paragraph(p: Any, rels: Any) -> Inline:
    """Text, links and emphasis of one DrawingML ``a:p`` (slides, SmartArt, charts).

    Consecutive runs linking one URL form one link; ``rels`` are the relationships of the part
    holding the paragraph (a mapping of relationship id to an object with ``target_ref`` and
    ``is_external``: opc's, python-docx's and python-pptx's all are). This runs once per
    paragraph of every deck, so tags are compared against precomputed names.
    """
    inline = Inline()
    link_url, link_start = "", 0
    for child in p:
        tag = child.tag
        if tag in _A_RUNS:
            rpr, text = _run_parts(child)
            if rpr is None:
                url, bold, italic = "", False, False
            else:
                url = _run_url(rpr, rels)
                bold = rpr.get("b", "").lower() in _TRUE
                italic = rpr.get("i", "").lower() in _TRUE
            if url != link_url:
                if link_url:
                    inline.add_link(inline.text_since(link_start), link_url)
                link_url, link_start = url, inline.length
            inline.add(text, bold=bold, italic=italic)
        elif tag == _A_BR:
            inline.add("\n")
    if link_url:
        inline.add_link(inline.text_since(link_start), link_url)
    return inline


def _run_parts(run: Any) -> tuple[Any, str]:
    """A run's first ``a:rPr`` (or None) and the text of its first ``a:t``.

    The same as ``run.find(a:rPr)`` and ``run.findtext(a:t) or ""``, in one pass over the run's
    few children: lxml's find goes through its ElementPath layer, which costs several times the
    lookup itself, and this runs for every run of every deck.
    """
    rpr = t = None
    for sub in run:
        tag = sub.tag
        if tag == _A_RPR:
            if rpr is None:
                rpr = sub
        elif tag == _A_T and t is None:
            t = sub
    return rpr, (t.text or "") if t is not None else ""


def _run_url(rpr: Any, rels: Any) -> str:
    if rpr is None or not len(rpr):  # no children: no hlinkClick (most runs), skip the lookup
        return ""
    click = next(rpr.iterchildren(_A_HLINK_CLICK), None)
    rid = click.get(_R + "id") if click is not None else None
    rel = rels.get(rid) if rid else None
    return rel.target_ref if rel is not None and rel.is_external else ""


def is_short_line(text: str) -> bool:
    """One line short enough, and unpunctuated enough, to be a heading rather than a sentence."""
    if len(text) > 100 or "\n" in text or text.endswith(_TITLE_END) or len(text.split()) > 12:
        return False
    return not mostly_figures(text)


def reads_as_heading(text: str, inline: Inline, *, style_bold: bool = False) -> bool:
    """A short line set all in bold, or all in capitals, is a heading written without a style."""
    emphasized = style_bold or inline.all_bold()
    if not (emphasized or text.isupper()):
        return False  # most lines: neither bold nor capitals, so the costlier length tests are skipped
    if not is_short_line(text):
        return False
    return emphasized or sum(map(str.isalpha, text)) > 3


def collapse(text: str) -> str:
    """Collapse runs of spaces and tabs to one space, keep line breaks, trim each line."""
    if text.isprintable() and "  " not in text:
        # the common case, without the regexes: a printable string's only whitespace is " "
        return text.strip()
    if "\n" not in text:
        # one line: str.split's whitespace is the regexes' \s, so this is the same, minus the regexes
        return " ".join(text.split())
    return _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()


@dataclass(slots=True)
class Inline:
    """Text of one paragraph gathered run by run, with its links and bold/italic spans.

    Word and PowerPoint split text into runs wherever formatting or editing history changes, so
    adjacent runs with the same emphasis are merged into one emphasized span.
    """

    parts: list[str] = field(default_factory=list)
    length: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)
    emphasis: list[tuple[int, str, str]] = field(default_factory=list)  # (start, tag, text)
    visible: int = 0  # non-space characters
    bold_visible: int = 0  # non-space characters set in bold
    _open: dict[str, tuple[int, list[str]]] = field(default_factory=dict)

    def add(self, text: str, *, bold: bool = False, italic: bool = False) -> None:
        """Append the text of one run."""
        if not text:
            return
        if bold or italic or self._open:  # most runs are plain text with no span open: nothing to track
            self._track_emphasis(text, bold=bold, italic=italic)
        self.parts.append(text)
        self.length += len(text)
        visible = len(text) - text.count(" ") - text.count("\t") - text.count("\n")
        self.visible += visible
        if bold:
            self.bold_visible += visible

    def _track_emphasis(self, text: str, *, bold: bool, italic: bool) -> None:
        """Open, extend or close the bold and italic spans ``text`` continues or ends."""
        for tag, on in (("b", bold), ("i", italic)):
            if on:
                self._open.setdefault(tag, (self.length, []))[1].append(text)
            elif tag in self._open:
                if text.strip():
                    self._close(tag)
                else:
                    self._open[tag][1].append(text)

    def text_since(self, start: int) -> str:
        """Text added after character offset ``start`` (for a link's text)."""
        return "".join(self.parts)[start:]

    def add_link(self, text: str, url: str) -> None:
        text = collapse(text)
        if text and url:
            self.links.append((text, url))

    def text(self) -> str:
        return collapse("".join(self.parts))

    def is_empty(self) -> bool:
        return self.visible == 0

    def all_bold(self) -> bool:
        return self.visible > 0 and self.bold_visible >= self.visible

    def metadata(self) -> dict[str, Any]:
        """link_* and emphasized_text_* metadata, in unstructured's parallel-list form."""
        if not (self.links or self.emphasis or self._open):
            return {}  # most paragraphs: plain text
        for tag in list(self._open):
            self._close(tag)
        spans = sorted(self.emphasis, key=lambda s: (s[0], s[1]))
        return inline_metadata(self.links, [(t, g) for _, g, t in spans])

    def _close(self, tag: str) -> None:
        start, texts = self._open.pop(tag)
        text = collapse("".join(texts))
        if text:
            self.emphasis.append((start, tag, text))


def table_element(rows: list[list[TableCell]]) -> tuple[str, str] | None:
    """``(text, text_as_html)`` of a table, or None when every cell is empty.

    Cells covered by a merge are already left out of ``rows``; spans stay on the cell that
    starts them, so the HTML keeps the table's real shape. A row whose cells are all covered
    stays as an empty ``<tr>``: the rowspans above count it.
    """
    if not any(cell.text for row in rows for cell in row):
        return None
    return table_text(rows, newline_as_space=True), table_html(rows, newline_as_space=True)
