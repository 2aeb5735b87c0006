"""The element schema: the one place that knows what docbatch's output JSON looks like.

Output follows the schema the ``unstructured`` library made common, so any tool that reads its
JSON reads ours: a list of ``{"type", "element_id", "text", "metadata"}`` objects whose metadata
keys carry unstructured's names. Partitioners build :class:`Element` objects and never write dicts
by hand; :func:`finalize` then fills the document-wide metadata, links each element to its parent
and gives every element a deterministic id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ELEMENT_TYPES",
    "METADATA_KEYS",
    "SCHEMA_VERSION",
    "DocumentInfo",
    "Element",
    "clean_text",
    "coordinates",
    "element_id",
    "elements_from_dicts",
    "elements_to_dicts",
    "finalize",
    "inline_metadata",
]

#: Version of the output JSON docbatch writes; bump it when outputs change shape or content for
#: the same input, so that reruns redo every document (it is part of the processing fingerprint).
SCHEMA_VERSION = "1"

#: Element types docbatch emits; every one is a category unstructured knows.
ELEMENT_TYPES = frozenset(
    {
        "Title",
        "NarrativeText",
        "ListItem",
        "Table",
        "Header",
        "Footer",
        "Image",
        "FigureCaption",
        "Formula",
        "Address",
        "EmailAddress",
        "CodeSnippet",
        "PageBreak",
        "PageNumber",
        "UncategorizedText",
        # read back from element JSON only; its state is the top-level ``checked``, as unstructured writes it
        "CheckBox",
    }
)

#: Metadata keys docbatch may write, named as unstructured's ``ElementMetadata`` names them.
METADATA_KEYS = frozenset(
    {
        "attached_to_filename",
        # docbatch's additions, where unstructured's schema has no field (its readers keep unknown
        # keys as ad-hoc metadata fields): an email's attachment names, and a mark on the
        # elements of a slide's speaker notes, and on footnotes and endnotes ("footnote" or "endnote").
        "attachment_filenames",
        "slide_notes",
        "note_type",
        "bcc_recipient",
        "category_depth",
        "cc_recipient",
        "coordinates",
        "data_source",
        "email_message_id",
        "emphasized_text_contents",
        "emphasized_text_tags",
        "file_directory",
        "filename",
        "filetype",
        "header_footer_type",
        "image_base64",
        "image_mime_type",
        "image_path",
        "image_url",
        "is_continuation",
        "languages",
        "last_modified",
        "link_texts",
        "link_urls",
        "page_name",
        "page_number",
        "parent_id",
        "sent_from",
        "sent_to",
        "signature",
        "subject",
        "text_as_html",
        "url",
    }
)

#: Control characters no text format means as text (\x03 from a Word field, \x00 from a bad
#: decoder); they break downstream chunkers and JSON tools. Tab, newline and CR are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
#: Vertical tab and form feed: line and page breaks some writers use inside a paragraph.
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Every character :func:`clean_text` changes (the three sets above).
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

#: Types kept without text: each stands for something besides its words.
_KEPT_EMPTY = frozenset({"Image", "PageBreak", "Table", "CheckBox"})  # a CheckBox says its state, not a text

# Types that open a section: later elements hang under the nearest one of lower depth.
_SECTION_TYPES = frozenset({"Title"})


@dataclass(slots=True)
class Element:
    """One piece of a document: a heading, a paragraph, a list item, a table, ...

    ``metadata`` holds only what the partitioner knows (page_number, coordinates,
    text_as_html, ...); document-wide keys are added by :func:`finalize`.
    ``parent`` optionally names the index of this element's parent in the same list, for
    formats that know their tree (an email's attachments); otherwise it is derived from
    headings and ``category_depth``.
    """

    type: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    parent: int | None = None
    element_id: str = ""
    #: The text's vector, set by :func:`docbatch.embedding.embed` (None until embedded).
    embeddings: list[float] | None = None
    #: A CheckBox's state. unstructured writes it beside ``type`` (not in metadata) and its
    #: ``elements_from_dicts`` reads ``item["checked"]``: a CheckBox without it cannot be read back.
    checked: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        # a truthy value is kept at once; only falsy ones need telling 0 and False from None, [] and ""
        meta = {k: v for k, v in self.metadata.items() if v or not (v is None or v == [] or v == "")}
        out = {"type": self.type, "element_id": self.element_id, "text": self.text, "metadata": meta}
        if self.embeddings is not None:  # unstructured's key, beside metadata, and only when embedded
            out["embeddings"] = self.embeddings
        if self.type == "CheckBox":
            out["checked"] = bool(self.checked)
        return out


@dataclass(slots=True, frozen=True)
class DocumentInfo:
    """Document-wide facts copied into every element's metadata."""

    filename: str
    filetype: str
    url: str
    record_locator: dict[str, Any]
    version: str | None = None
    last_modified: str | None = None
    date_processed: str | None = None
    file_directory: str | None = None
    languages: Sequence[str] | None = None
    #: The document's key relative to its source root: what its element ids are derived from.
    key: str = ""


def coordinates(
    box: tuple[float, float, float, float],
    *,
    width: float,
    height: float,
    system: str = "PixelSpace",
) -> dict[str, Any]:
    """unstructured's ``coordinates`` metadata of the box ``(x0, top, x1, bottom)`` (top-left origin).

    Its points are the corners from the top-left, down first, as unstructured lists them. Each
    bound is rounded once (PDF pages make thousands of these, so it is half the work of rounding
    every corner).
    """
    x0, top, x1, bottom = box
    x0, top, x1, bottom = round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)
    return {
        "points": [[x0, top], [x0, bottom], [x1, bottom], [x1, top]],
        "system": system,
        "layout_width": round(width, 2),
        "layout_height": round(height, 2),
    }


def inline_metadata(links: Sequence[tuple[str, str]] = (), emphasis: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """Links ``(text, url)`` and emphasis ``(text, tag)`` as unstructured's parallel lists."""
    meta: dict[str, Any] = {}
    if links:
        meta["link_texts"] = [t for t, _ in links]
        meta["link_urls"] = [u for _, u in links]
    if emphasis:
        meta["emphasized_text_contents"] = [t for t, _ in emphasis]
        meta["emphasized_text_tags"] = [g for _, g in emphasis]
    return meta


def element_id(key: str, index: int, text: str, page_number: Any = None) -> str:
    """A deterministic id: the same document gives the same ids on every run and machine.

    ``key`` is the document's key relative to its source root, never its URL or absolute path:
    the same folder copied to another machine, mounted elsewhere or uploaded under another
    bucket or prefix root must give the same ids, or every consumer that joins on them
    (vector stores, diffs between runs) sees a new document.
    """
    # surrogatepass: a key from a non-UTF-8 file name, or text with a lone surrogate, still hashes
    seed = f"{key}\x00{index}\x00{page_number}\x00{text}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(seed).hexdigest()
    return digest[:32]


def finalize(elements: Iterable[Element], doc: DocumentInfo) -> list[Element]:
    """Drop empty elements, add document metadata, set ``parent_id`` and ids, in place."""
    kept: list[Element] = []
    remap: dict[int, int] = {}
    for i, el in enumerate(elements):
        if el.type not in ELEMENT_TYPES:
            raise ValueError(f"unknown element type {el.type!r}")
        text = clean_text(el.text).strip()
        if not text and el.type not in _KEPT_EMPTY:
            continue
        el.text = text
        html = el.metadata.get("text_as_html")
        if isinstance(html, str):
            el.metadata["text_as_html"] = clean_text(html)
        remap[i] = len(kept)
        kept.append(el)
    for i, el in enumerate(kept):
        if el.parent is not None:
            el.parent = remap.get(el.parent)
        el.element_id = element_id(doc.key, i, el.text, el.metadata.get("page_number"))
    _link_parents(kept)
    _add_document_metadata(kept, doc)
    return kept


def clean_text(text: str) -> str:
    """``text`` without control characters; vertical tabs and form feeds become line breaks; UTF-16
    surrogate halves a decoder left are paired into their character (a lone one becomes U+FFFD),
    since no JSON writer or hash takes them."""
    if not _NEEDS_CLEANING.search(text):  # nearly every text: one scan instead of three passes
        return text
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROL.sub("", text.translate(_BREAKS))


def _link_parents(elements: list[Element]) -> None:
    """Hang each element under the nearest preceding heading of lower depth.

    A Title of depth d closes every open section of depth >= d; a list item of depth d > 0 hangs
    under the last list item of depth d - 1; a new worksheet (``page_name``) starts afresh.
    This mirrors how unstructured builds its hierarchy,
    so consumers that walk ``parent_id`` see the same tree.
    """
    sections: list[tuple[int, Element]] = []  # (depth, title) stack
    last_item_at_depth: dict[int, Element] = {}
    sheet = None
    for el in elements:
        if el.metadata.get("page_name") != sheet:  # a new worksheet starts a new tree
            sheet = el.metadata.get("page_name")
            sections.clear()
            last_item_at_depth.clear()
        if el.parent is not None:
            el.metadata["parent_id"] = elements[el.parent].element_id
            continue
        depth = int(el.metadata.get("category_depth") or 0)
        if el.type in _SECTION_TYPES:
            while sections and sections[-1][0] >= depth:
                sections.pop()
            if sections:
                el.metadata["parent_id"] = sections[-1][1].element_id
            sections.append((depth, el))
            last_item_at_depth.clear()
            continue
        if el.type == "ListItem" and depth > 0 and (depth - 1) in last_item_at_depth:
            el.metadata["parent_id"] = last_item_at_depth[depth - 1].element_id
        elif sections:
            el.metadata["parent_id"] = sections[-1][1].element_id
        if el.type == "ListItem":
            last_item_at_depth[depth] = el
            for d in [d for d in last_item_at_depth if d > depth]:
                del last_item_at_depth[d]


def _add_document_metadata(elements: list[Element], doc: DocumentInfo) -> None:
    """Copy the document-wide facts into each element's metadata (keys in this order: it is the
    order of the output JSON). Each element gets its own ``languages`` list and ``data_source``
    dict, so a caller that edits one element's metadata edits no other's."""
    source = {
        "url": doc.url,
        "version": doc.version,
        "record_locator": doc.record_locator,
        "date_modified": doc.last_modified,
        "date_processed": doc.date_processed,
    }
    languages = list(doc.languages) if doc.languages else None
    for el in elements:
        meta = el.metadata
        meta.setdefault("filename", doc.filename)
        meta.setdefault("filetype", doc.filetype)
        if doc.file_directory:
            meta.setdefault("file_directory", doc.file_directory)
        if doc.last_modified:
            meta.setdefault("last_modified", doc.last_modified)
        if languages and not meta.get("languages"):
            meta["languages"] = languages.copy()
        meta["data_source"] = source.copy()


def elements_to_dicts(elements: Iterable[Element]) -> list[dict[str, Any]]:
    """The JSON-ready form of a document's elements."""
    return [el.to_dict() for el in elements]


def elements_from_dicts(items: Iterable[dict[str, Any]]) -> list[Element]:
    """Read element JSON (ours or unstructured's) back into elements, keeping ids."""
    out = []
    for item in items:
        out.append(
            Element(
                type=item["type"],
                text=item.get("text", ""),
                metadata=dict(item.get("metadata") or {}),
                element_id=item.get("element_id", ""),
                embeddings=item.get("embeddings"),
                checked=bool(item.get("checked")) if item["type"] == "CheckBox" else None,
            )
        )
    return out
