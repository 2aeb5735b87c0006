"""Chunking: a document's elements regrouped into size-bounded chunks for retrieval (RAG).

Three strategies, with ``unstructured``'s option names and semantics so that its users get the
chunks they expect (``benchmarks/chunking.py`` measures the agreement):

- ``basic`` fills each chunk with whole consecutive elements up to ``max_characters``;
- ``by_title`` also never lets a chunk cross a ``Title`` (a section) nor, without
  ``multipage_sections``, a page, then recombines small sections under
  ``combine_text_under_n_chars``;
- ``by_page`` never lets a chunk cross a page (docbatch's addition: unstructured offers it only
  in its hosted API).

Chunking runs in two phases, as unstructured's does. *Pre-chunking* groups whole elements: an
element that alone exceeds ``max_characters`` sits in a pre-chunk by itself, and a table always
does. *Chunking* turns each pre-chunk into one ``CompositeElement``, or splits an oversized one
at the best whitespace before the limit; a table becomes one ``Table``, or ``TableChunk`` pieces
cut on row boundaries (see :mod:`docbatch.chunking.tables`).

Every chunk keeps the elements it was made of in ``metadata.orig_elements``, encoded as
unstructured encodes them (zlib-compressed element JSON in Base64), so citations can still reach
each original's page and coordinates. ``page_number`` is the first page, as in unstructured;
a chunk that spans pages also carries ``page_range: [first, last]`` (an ad-hoc key that
unstructured's reader keeps as it is).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from docbatch.chunking.base import (
    ChunkingOptions,
    encode_orig_elements,
    orig_on_every_piece,
    orig_too_big,
    split_text,
)
from docbatch.elements import Element, element_id
from docbatch.errors import ConfigError

__all__ = ["chunk", "consolidated_metadata"]

_TABLE_TYPES = frozenset({"Table", "TableChunk"})

#: What joins the texts of two elements in one chunk: a blank line, as in unstructured.
_SEPARATOR = "\n\n"

# How each metadata key of the elements of one chunk becomes the chunk's: unstructured's
# consolidation strategies. A key not listed (coordinates, parent_id, docbatch's ad-hoc keys) is
# dropped, since no single value could stand for a chunk made of several elements.
_FIRST = frozenset(
    {
        "attached_to_filename",
        "bcc_recipient",
        "cc_recipient",
        "data_source",
        "email_message_id",
        "file_directory",
        "filename",
        "filetype",
        "last_modified",
        "page_name",
        "page_number",
        "sent_from",
        "sent_to",
        "signature",
        "subject",
        "url",
    }
)
_LIST_CONCATENATE = frozenset({"emphasized_text_contents", "emphasized_text_tags", "link_texts", "link_urls"})
_LIST_UNIQUE = frozenset({"languages"})
_STRING_CONCATENATE = frozenset({"text_as_html"})
_RULES = {name: rule for rule in (_FIRST, _LIST_CONCATENATE, _LIST_UNIQUE, _STRING_CONCATENATE) for name in rule}


def chunk(
    elements: Iterable[Element], options: ChunkingOptions | None = None, *, key: str | None = None, **changes: Any
) -> list[Element]:
    """Chunk a document's elements (the output of partitioning, or elements read back).

    ``changes`` overrides fields of ``options`` by name, so a library user may write
    ``chunk(elements, strategy="by_title", max_characters=800)``; the strategy defaults to
    ``basic`` when neither names one. ``key`` seeds the chunks' deterministic ids; by default the
    first element's id, which already names the document by its key in its source (never where
    the source is mounted), so a run and a library call give the same chunk ids.

    Raises :class:`~docbatch.errors.ConfigError` for invalid options.
    """
    opts = options or ChunkingOptions(strategy="basic")
    if changes:
        try:
            opts = dataclasses.replace(opts, **changes)
        except TypeError as e:
            raise ConfigError(f"unknown chunking option: {e}") from None
    if not opts.enabled:
        opts = dataclasses.replace(opts, strategy="basic")
    items = list(elements)
    chunks = [c for pre in _pre_chunks(items, opts) for c in _chunks_of(pre, opts)]
    seed = key if key is not None else _document_key(items)
    for i, c in enumerate(chunks):
        c.element_id = element_id(f"chunk\x00{seed}", i, c.text, c.metadata.get("page_number"))
    return chunks


def _document_key(elements: Sequence[Element]) -> str:
    if not elements:
        return ""
    if elements[0].element_id:
        return elements[0].element_id
    meta = elements[0].metadata
    source = meta.get("data_source") or {}
    return str(source.get("url") or meta.get("filename") or "")


# --------------------------------------------------------------------------- pre-chunking


@dataclass(slots=True)
class _PreChunk:
    """Whole elements that become one chunk (or, alone and oversized, several), with the tail
    of the previous chunk that starts this one (``overlap_all``)."""

    elements: list[Element]
    prefix: str = ""
    _body: str | None = None

    @property
    def is_table(self) -> bool:
        return len(self.elements) == 1 and self.elements[0].type in _TABLE_TYPES

    def body(self) -> str:
        """Its elements' texts, whitespace collapsed, blank-line separated (computed once)."""
        if self._body is None:
            self._body = _SEPARATOR.join(t for t in (_normalized(e) for e in self.elements) if t)
        return self._body

    def text(self) -> str:
        """The chunk's text: the overlap prefix, then the body."""
        return _joined(self.prefix, self.body())

    def followed_by(self, other: _PreChunk) -> _PreChunk:
        """This pre-chunk with ``other``'s elements added (``other``'s prefix is dropped)."""
        return _PreChunk(self.elements + other.elements, self.prefix, _joined(self.body(), other.body()))

    def tail(self, overlap: int) -> str:
        """The end of its text that starts the next chunk (``overlap_all``)."""
        return self.text()[-overlap:].strip() if overlap else ""


def _joined(first: str, second: str) -> str:
    return f"{first}{_SEPARATOR}{second}" if first and second else first or second


def _normalized(el: Element) -> str:
    # code keeps its layout; elsewhere line breaks and runs of spaces are layout, not content
    return el.text if el.type == "CodeSnippet" else " ".join(el.text.split())


class _Builder:
    """Accumulates elements into a pre-chunk while they fit (unstructured's PreChunkBuilder).

    Sizes are measured on the elements' raw text, as unstructured measures them, so both
    decide the same breaks; the chunk's text (whitespace collapsed) is never longer.
    """

    def __init__(self, opts: ChunkingOptions) -> None:
        self._opts = opts
        self._elements: list[Element] = []
        self._prefix = ""
        self._segments: list[str] = []
        self._length = 0
        self._has_table = False

    def will_fit(self, el: Element) -> bool:
        if el.type in _TABLE_TYPES:
            return not self._elements
        if self._has_table:
            return False
        if not self._elements:
            return True
        if self._length + len(_SEPARATOR) * max(len(self._segments) - 1, 0) > self._opts.soft_max:
            return False
        remaining = self._opts.max_characters - self._length - len(_SEPARATOR) * len(self._segments)
        return remaining >= len(el.text)

    def add(self, el: Element) -> None:
        if el.type in _TABLE_TYPES:
            if not self._elements:
                self._reset("")  # a table takes no overlap from the chunk before it
            self._has_table = True
        self._elements.append(el)
        if el.text:
            self._segments.append(el.text)
            self._length += len(el.text)

    def flush(self) -> Iterator[_PreChunk]:
        if not self._elements:
            return
        pre = _PreChunk(list(self._elements), self._prefix)
        self._reset("" if pre.is_table else pre.tail(self._opts.inter_chunk_overlap))
        yield pre

    def _reset(self, prefix: str) -> None:
        self._prefix = prefix
        self._has_table = False
        self._elements.clear()
        self._segments = [prefix] if prefix else []
        self._length = len(prefix)


Boundary = Callable[[Element], bool]


def _page_boundary() -> Boundary:
    """A predicate true on the first element of each new page (by a change of page_number)."""
    current: list[Any] = []

    def is_new_page(el: Element) -> bool:
        page = el.metadata.get("page_number")
        if not current:
            current.append(page or 1)
            return False
        if page is None or page == current[0]:
            return False
        current[0] = page
        return True

    return is_new_page


def _boundaries(opts: ChunkingOptions) -> list[Boundary]:
    if opts.strategy == "by_title":
        found: list[Boundary] = [lambda el: el.type == "Title"]
        return found if opts.multipage_sections else [*found, _page_boundary()]
    if opts.strategy == "by_page":
        return [_page_boundary()]
    return []


def _pre_chunks(elements: Iterable[Element], opts: ChunkingOptions) -> Iterator[_PreChunk]:
    boundaries = _boundaries(opts)
    builder = _Builder(opts)

    def split_points() -> Iterator[_PreChunk]:
        for el in elements:
            # every predicate sees every element: the page predicate tracks the current page
            new_unit = any([b(el) for b in boundaries])
            if new_unit or not builder.will_fit(el):
                yield from builder.flush()
            builder.add(el)
        yield from builder.flush()

    if opts.combine_under <= 0:
        return split_points()
    return _combined(split_points(), opts)


def _combined(pre_chunks: Iterable[_PreChunk], opts: ChunkingOptions) -> Iterator[_PreChunk]:
    """by_title's recombination: a pre-chunk shorter than ``combine_text_under_n_chars`` takes
    the next one when together they fit in ``max_characters``; tables are never merged."""
    held: _PreChunk | None = None
    for pre in pre_chunks:
        if held is not None and not _can_combine(held, pre, opts):
            yield held
            held = None
        held = pre if held is None else held.followed_by(pre)
    if held is not None:
        yield held


def _can_combine(first: _PreChunk, second: _PreChunk, opts: ChunkingOptions) -> bool:
    if any(e.type in _TABLE_TYPES for e in first.elements + second.elements):
        return False
    if len(first.text()) >= opts.combine_under:
        return False
    return len(_joined(first.text(), second.body())) <= opts.max_characters


# --------------------------------------------------------------------------- chunking


def _chunks_of(pre: _PreChunk, opts: ChunkingOptions) -> Iterator[Element]:
    if pre.is_table:
        from docbatch.chunking.tables import table_chunks

        yield from table_chunks(pre.elements[0], pre.prefix, opts)
        return
    text = pre.text()
    if not text:
        return
    pieces = list(split_text(text, opts.max_characters, opts.overlap))
    keep_orig = opts.include_orig_elements and not (len(pieces) > 1 and orig_too_big(pre.elements[0]))
    meta = consolidated_metadata(pre.elements)
    later = meta
    if keep_orig:
        meta["orig_elements"] = encoded = encode_orig_elements(pre.elements)
        if not orig_on_every_piece(encoded, len(pieces)):  # the first piece alone carries it
            later = {k: v for k, v in meta.items() if k != "orig_elements"}
    for i, piece in enumerate(pieces):
        yield Element("CompositeElement", piece, {**later, "is_continuation": True} if i else dict(meta))


def consolidated_metadata(elements: Sequence[Element]) -> dict[str, Any]:
    """One metadata dict for a chunk of several elements, by unstructured's consolidation rules."""
    meta: dict[str, Any] = {}
    unique: dict[str, dict[Any, None]] = {}
    strings: dict[str, list[str]] = {}
    pages: list[int] = []
    for el in elements:
        for name, value in el.metadata.items():
            rule = _RULES.get(name)
            if rule is None or value is None:
                continue
            if rule is _FIRST:
                meta.setdefault(name, value)
                if name == "page_number" and isinstance(value, int):
                    pages.append(value)
            elif rule is _LIST_CONCATENATE:
                meta.setdefault(name, []).extend(value)  # a new list: the elements' own stay as they are
            elif rule is _LIST_UNIQUE:
                unique.setdefault(name, {}).update(dict.fromkeys(value))
            else:
                strings.setdefault(name, []).append(value.strip())
    meta.update({name: list(values) for name, values in unique.items()})
    meta.update({name: " ".join(parts) for name, parts in strings.items()})
    if pages and min(pages) != max(pages):
        meta["page_range"] = [min(pages), max(pages)]
    return meta
