"""What chunking's parts share: the options, the text splitter, and ``orig_elements``' encoding.

:mod:`docbatch.chunking.strategies` (whole elements into chunks) and :mod:`docbatch.chunking.tables`
(a table into row-bounded pieces) both build on this module and not on each other, so the one
imports the other without a circle.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from docbatch.elements import Element
from docbatch.errors import ConfigError

__all__ = [
    "CHUNK_TYPES",
    "STRATEGIES",
    "ChunkingOptions",
    "decode_orig_elements",
    "encode_orig_elements",
    "orig_on_every_piece",
    "orig_too_big",
    "split_once",
    "split_text",
    "table_metadata",
]

#: The strategies, by the names unstructured (and its hosted API, for by_page) gives them.
STRATEGIES = ("basic", "by_title", "by_page")

#: Element types chunking emits.
CHUNK_TYPES = frozenset({"CompositeElement", "Table", "TableChunk"})

#: Separators an oversized text is split on, best first; the last resort is any character.
_SPLIT_SEPARATORS = ("\n", " ")

#: An element bigger than this (text, HTML and image data) is not repeated in the
#: ``orig_elements`` of each piece it is split into: a 50 MB table cut into 100,000 pieces would
#: otherwise write 5 TB. Unstructured's limit, for the same reason.
_SPLIT_ORIG_ELEMENTS_MAX_CHARS = 1_000_000

#: Most bytes of ``orig_elements`` one split element may write over all its pieces. Below it each
#: piece carries the whole element, as in unstructured; above it only the first piece does (a
#: reader finds the original there), or a 300 KB paragraph cut into 600 pieces writes 107 MB.
SPLIT_ORIG_ELEMENTS_MAX_BYTES = 1024 * 1024


def orig_on_every_piece(encoded: str, pieces: int) -> bool:
    """Whether each of ``pieces`` pieces of one split element may repeat its ``orig_elements``
    (``encoded``), or only the first should carry it (see SPLIT_ORIG_ELEMENTS_MAX_BYTES)."""
    return pieces <= 1 or len(encoded) * pieces <= SPLIT_ORIG_ELEMENTS_MAX_BYTES


#: Keys a Table chunk drops from its table's metadata (a table keeps everything else).
_TABLE_DROPPED = frozenset(
    {
        "category_depth",
        "coordinates",
        "header_footer_type",
        "image_url",
        "image_base64",
        "image_mime_type",
        "is_continuation",
        "orig_elements",
        "parent_id",
        "page_range",
        "table_id",
        "chunk_index",
        "num_carried_over_header_rows",
    }
)


@dataclass(frozen=True, slots=True)
class ChunkingOptions:
    """How a document's elements are chunked; ``strategy=None`` (the default) leaves them whole.

    Field names and defaults are unstructured's: ``new_after_n_chars`` (a soft limit: a chunk
    this long takes no further element) defaults to ``max_characters``, and
    ``combine_text_under_n_chars`` (by_title: sections shorter than this are merged with the
    next while both fit) defaults to ``max_characters`` too. ``overlap`` characters of a chunk's
    end start the next piece of a split element, and, with ``overlap_all``, every next chunk.
    """

    strategy: str | None = None
    max_characters: int = 500
    new_after_n_chars: int | None = None
    overlap: int = 0
    overlap_all: bool = False
    combine_text_under_n_chars: int | None = None
    multipage_sections: bool = True
    include_orig_elements: bool = True

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise ConfigError(problem)

    def _problem(self) -> str | None:
        """What is wrong with these options, as one sentence, or None."""
        if self.strategy is not None and self.strategy not in STRATEGIES:
            return f"unknown chunking strategy {self.strategy!r}; use one of {', '.join(STRATEGIES)}."
        if self.max_characters <= 0:
            return f"max_characters must be > 0, got {self.max_characters}."
        if self.new_after_n_chars is not None and self.new_after_n_chars < 0:
            return f"new_after_n_chars must be >= 0, got {self.new_after_n_chars}."
        if self.overlap < 0 or self.overlap >= self.max_characters:
            return f"overlap must be >= 0 and less than max_characters ({self.max_characters}), got {self.overlap}."
        combine = self.combine_text_under_n_chars
        if combine is not None and not 0 <= combine <= self.max_characters:
            return f"combine_text_under_n_chars must be between 0 and max_characters, got {combine}."
        return None

    @property
    def enabled(self) -> bool:
        return self.strategy is not None

    @property
    def soft_max(self) -> int:
        """The size past which a chunk takes no further element."""
        if self.new_after_n_chars is None:
            return self.max_characters
        return min(self.new_after_n_chars, self.max_characters)

    @property
    def combine_under(self) -> int:
        """by_title's threshold for merging small sections, capped at the soft limit."""
        if self.strategy != "by_title":
            return 0
        requested = self.max_characters if self.combine_text_under_n_chars is None else self.combine_text_under_n_chars
        return min(requested, self.soft_max)

    @property
    def inter_chunk_overlap(self) -> int:
        """Overlap between chunks of whole elements (split pieces always overlap)."""
        return self.overlap if self.overlap_all else 0

    def fingerprint(self) -> str:
        """A stable string naming what these options do to a document's output.

        Empty when chunking is off, so a run without chunking keeps the fingerprint it had before
        chunking existed. Defaults are resolved first, so spelling a default out changes nothing.
        """
        if not self.enabled:
            return ""
        parts = [
            f"chunking={self.strategy}",
            f"max_characters={self.max_characters}",
            f"new_after_n_chars={self.soft_max}",
            f"overlap={self.overlap}",
            f"overlap_all={int(self.overlap_all)}",
            f"include_orig_elements={int(self.include_orig_elements)}",
        ]
        if self.strategy == "by_title":
            parts += [f"combine_text_under_n_chars={self.combine_under}"]
            parts += [f"multipage_sections={int(self.multipage_sections)}"]
        return ";".join(parts)


def split_text(text: str, maxlen: int, overlap: int) -> Iterator[str]:
    """Pieces of ``text`` no longer than ``maxlen``, each cut at the last newline before the
    limit, else the last space, else anywhere; each piece after the first starts with up to
    ``overlap`` characters of the end of the one before (unstructured's text splitter)."""
    rest = text
    while rest:
        piece, rest = split_once(rest, maxlen, overlap)
        yield piece


def split_once(s: str, maxlen: int, overlap: int) -> tuple[str, str]:
    """The first piece of ``s`` and the rest (see :func:`split_text`); ``s`` itself if it fits."""
    if len(s) <= maxlen:
        return s, ""
    for sep in _SPLIT_SEPARATORS:
        # a cut at or before `overlap` would not move forward once the overlap is added back
        at = s.rfind(sep, overlap + 1, maxlen + len(sep))
        if at == -1:
            continue
        piece = s[:at].rstrip()
        rest = s[at + len(sep) :].lstrip()
        if overlap > 1:  # the separator, gone from both sides, comes back as one space
            rest = piece[-(overlap - 1) :].lstrip() + " " + rest
        if piece and len(rest) < len(s):
            return piece, rest.lstrip()
    return s[:maxlen].rstrip(), s[maxlen - overlap :].lstrip()


def orig_too_big(el: Element) -> bool:
    """Whether an element is too big to repeat in ``orig_elements`` of each piece it is split
    into: its text, HTML and image data over the limit."""
    meta = el.metadata
    size = len(el.text) + len(meta.get("text_as_html") or "") + len(meta.get("image_base64") or "")
    return size > _SPLIT_ORIG_ELEMENTS_MAX_CHARS


def table_metadata(table: Element) -> dict[str, Any]:
    """A table chunk's metadata: its table's, less what only fits the whole element."""
    return {k: v for k, v in table.metadata.items() if k not in _TABLE_DROPPED}


def encode_orig_elements(elements: Iterable[Element]) -> str:
    """Elements as unstructured stores ``orig_elements``: Base64 of zlib-compressed element JSON.

    An element that is itself a chunk loses its own ``orig_elements`` first, as in unstructured:
    one level is what its reader expects, and nesting would grow each level's size.
    """
    dicts = []
    for el in elements:
        d = el.to_dict()
        d["metadata"].pop("orig_elements", None)
        dicts.append(d)
    # level 1: compression is most of chunking's time, and 1 is a third faster than zlib's
    # default 6 for ~7% more bytes; any zlib reader decodes it, unstructured's too
    return base64.b64encode(zlib.compress(orjson.dumps(dicts), 1)).decode("ascii")


def decode_orig_elements(encoded: str) -> list[Element]:
    """The elements a chunk was made of, from its ``metadata.orig_elements``."""
    from docbatch.elements import elements_from_dicts

    return elements_from_dicts(orjson.loads(zlib.decompress(base64.b64decode(encoded))))
