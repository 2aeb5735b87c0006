"""A lazy reader of OPC packages, the zip-of-XML-parts container of DOCX and PPTX.

python-docx and python-pptx load a package eagerly: they follow every relationship from the
root, inflate every part it reaches and parse every XML one into their own element classes
before the first paragraph is read. For the small documents a batch is mostly made of, that
loading is most of the time spent on a file. Here a part is inflated when its bytes are asked
for and parsed when its element is, so a document pays only for the parts its partitioner reads.

It reads what the two libraries read, the same way: content types from ``[Content_Types].xml``
(overrides by part name, then defaults by extension, both case-insensitive), relationship
targets resolved against the source part's folder, and XML parsed with blank text removed and
entities left unexpanded. Callers run :func:`~docbatch.partitioners.kit.archive.check_zip` (or pass the
zip :func:`~docbatch.partitioners.kit.archive.open_zip` checked) first; the zip-bomb guard bounds what
any member read here can inflate to.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["RT", "MissingPart", "Package", "Part", "Relationship"]

_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_LOCAL_HEADER_SIZE = 30  # a zip local file header before its name and extra field
_PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"

#: The parser python-docx and python-pptx use, so elements come out the same: blank text between
#: elements dropped, entities unexpanded (billion-laughs and XXE payloads stay text), no network.
XML_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


class RT:
    """Relationship types a partitioner follows."""

    _BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    OFFICE_DOCUMENT = _BASE + "officeDocument"
    STYLES = _BASE + "styles"
    NUMBERING = _BASE + "numbering"
    SETTINGS = _BASE + "settings"
    HEADER = _BASE + "header"
    FOOTER = _BASE + "footer"
    FOOTNOTES = _BASE + "footnotes"
    ENDNOTES = _BASE + "endnotes"
    COMMENTS = _BASE + "comments"
    HYPERLINK = _BASE + "hyperlink"
    IMAGE = _BASE + "image"
    CHART = _BASE + "chart"
    DIAGRAM_DATA = _BASE + "diagramData"
    SLIDE = _BASE + "slide"
    SLIDE_LAYOUT = _BASE + "slideLayout"
    SLIDE_MASTER = _BASE + "slideMaster"
    NOTES_SLIDE = _BASE + "notesSlide"


class MissingPart(KeyError):
    """A relationship points at a part the zip does not hold (Word and PowerPoint open such files)."""

    def __init__(self, partname: str) -> None:
        super().__init__(partname)
        self.partname = partname

    def __str__(self) -> str:
        return f"part {self.partname.lstrip('/')} is missing from the package"


@dataclass(frozen=True, slots=True)
class Relationship:
    """One ``<Relationship>`` of a part: an internal part or an external target (a URL)."""

    rid: str
    reltype: str
    target_ref: str
    is_external: bool
    source: Part

    @property
    def target_partname(self) -> str:
        """The absolute part name (``/word/media/image1.png``) an internal target resolves to."""
        base = posixpath.dirname(self.source.partname)
        return posixpath.normpath(posixpath.join(base, self.target_ref))

    @property
    def target_part(self) -> Part:
        """The target part; :class:`MissingPart` (a KeyError) if the zip lacks it."""
        if self.is_external:
            raise ValueError(f"relationship {self.rid} targets an external resource, not a part")
        return self.source.package.part(self.target_partname)


@dataclass(eq=False, slots=True)
class Part:
    """One part of a package, read and parsed on first use, each at most once."""

    package: Package
    partname: str
    _blob: bytes | None = field(default=None, repr=False)
    _element: Any = field(default=None, repr=False)
    _rels: dict[str, Relationship] | None = field(default=None, repr=False)

    @property
    def content_type(self) -> str:
        return self.package.content_type(self.partname)

    @property
    def blob(self) -> bytes:
        """The part's bytes; :class:`MissingPart` if the zip lacks it."""
        if self._blob is None:
            self._blob = self.package.read(self.partname)
        return self._blob

    @property
    def element(self) -> Any:
        """The part's XML root element (lxml.etree.XMLSyntaxError if it is no XML)."""
        if self._element is None:
            self._element = etree.fromstring(self.blob, XML_PARSER)
        return self._element

    @property
    def rels(self) -> dict[str, Relationship]:
        """The part's relationships by id; none when it has no ``_rels`` member."""
        if self._rels is None:
            self._rels = self.package.relationships(self)
        return self._rels

    def related(self, reltype: str) -> Part | None:
        """The first internal part this one relates to with ``reltype``, or None."""
        for rel in self.rels.values():
            if rel.reltype == reltype and not rel.is_external:
                return rel.target_part
        return None

    def related_all(self, reltype: str) -> list[Relationship]:
        """Every relationship of ``reltype``, in document order."""
        return [rel for rel in self.rels.values() if rel.reltype == reltype]


class Package:
    """An open OPC package. Use as a context manager, or call :meth:`close`."""

    def __init__(self, source: str | Path | Any) -> None:
        """``source``: a path, a binary file, or an open :class:`zipfile.ZipFile` (as
        :func:`~docbatch.partitioners.kit.archive.open_zip` gives one after its checks), which the
        package then owns and closes."""
        self._zip = source if isinstance(source, zipfile.ZipFile) else zipfile.ZipFile(source)
        self._names = frozenset(self._zip.namelist())
        self._parts: dict[str, Part] = {}
        self._stand_ins: set[str] = set()
        self._root = Part(self, "/")

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def rels(self) -> dict[str, Relationship]:
        """The package's own relationships (``_rels/.rels``), where a walk of every part starts."""
        return self._root.rels

    def stand_in(self, partname: str, blob: bytes) -> Part:
        """Serve ``blob`` as part ``partname`` from now on, whether or not the zip holds it.

        A reader that has named a missing or damaged part as lost lets the rest of the document
        read it as an empty one (the libraries' own loaders did the same). Part objects handed
        out before keep what they had read.
        """
        part = self._parts[partname] = Part(self, partname, blob)
        self._stand_ins.add(partname)
        return part

    def stored(self, partname: str) -> bytes | None:
        """The part's member as stored, still compressed, with its CRC, size and method; None for
        a stand-in or an encrypted member (:class:`MissingPart` if the zip lacks it).

        Equal stored bytes inflate to equal parts with the same CRC check, so this identifies a
        part's content exactly without inflating it: a cache of what a part was read into can be
        keyed by it (a template's styles, the same in every document made from it).
        """
        if partname in self._stand_ins:
            return None
        try:
            info = self._zip.getinfo(partname.lstrip("/"))
        except KeyError:
            raise MissingPart(partname) from None
        if info.flag_bits & 0x1:
            return None
        fp = self._zip.fp
        if fp is None:
            raise ValueError("the package is closed")
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL_HEADER_SIZE)
        if len(header) != _LOCAL_HEADER_SIZE or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        fp.seek(info.header_offset + _LOCAL_HEADER_SIZE + name_length + extra_length)
        data = fp.read(info.compress_size)
        return struct.pack("<IQH", info.CRC, info.file_size, info.compress_type) + data

    @property
    def main_part(self) -> Part:
        """The part the package's ``officeDocument`` relationship names (the document, the presentation)."""
        part = self._root.related(RT.OFFICE_DOCUMENT)
        if part is None:
            raise KeyError("the package has no officeDocument relationship")
        return part

    def has(self, partname: str) -> bool:
        return partname.lstrip("/") in self._names

    def part(self, partname: str) -> Part:
        part = self._parts.get(partname)
        if part is None:
            if not self.has(partname):
                raise MissingPart(partname)
            part = self._parts[partname] = Part(self, partname)
        return part

    def read(self, partname: str) -> bytes:
        try:
            info = self._zip.getinfo(partname.lstrip("/"))
        except KeyError:
            raise MissingPart(partname) from None
        return self._zip.read(info)

    def content_type(self, partname: str) -> str:
        """The part's content type (KeyError if ``[Content_Types].xml`` gives it none)."""
        overrides, defaults = self._content_types
        found = overrides.get(partname.lower())
        if found is None:
            found = defaults.get(posixpath.splitext(partname)[1][1:].lower())
        if found is None:
            raise KeyError(f"no content type for part {partname}")
        return found

    @cached_property
    def _content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        root = etree.fromstring(self.read("[Content_Types].xml"), XML_PARSER)
        overrides = {
            (el.get("PartName") or "").lower(): el.get("ContentType") or ""
            for el in root.iterchildren(_CT + "Override")
        }
        defaults = {
            (el.get("Extension") or "").lower(): el.get("ContentType") or ""
            for el in root.iterchildren(_CT + "Default")
        }
        return overrides, defaults

    def relationships(self, part: Part) -> dict[str, Relationship]:
        """``part``'s relationships, read from its ``_rels/<name>.rels`` member when there is one."""
        folder, name = posixpath.split(part.partname)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        if not self.has(rels_name):
            return {}
        root = etree.fromstring(self.read(rels_name), XML_PARSER)
        rels: dict[str, Relationship] = {}
        for el in root.iterchildren(_PR + "Relationship"):  # not iterfind: its ElementPath parse costs more
            rid = el.get("Id") or ""
            rels[rid] = Relationship(
                rid=rid,
                reltype=el.get("Type") or "",
                target_ref=el.get("Target") or "",
                is_external=el.get("TargetMode") == "External",
                source=part,
            )
        return rels
