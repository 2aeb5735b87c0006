"""What every file-tree destination shares (a local folder, an S3 prefix, any fsspec URL).

Layout under the root, the same on every store::

    <key>.json                          the document's elements
    <key>.images/figure-<page>-<n>-<digest>.<ext>
                                        its pictures, when written as files (``image_path``)
    .docbatch/done/<key>.json.<stamp>   written after the output, so it vouches for it: empty, or
                                        the label of the source that wrote it (see _label)
    .docbatch/failed/<key>.json.<stamp> the label, then the reason this version failed for good
    .docbatch/source                    the source the tree was first filled from

A marker whose name would pass a file name's 255 bytes (an output name near the limit, plus
``.<stamp>``) is ``<key>.json/<stamp>`` instead: a folder named as the output, the stamp inside.

Why marker files rather than one manifest: a manifest is one file rewritten by every document,
so a kill can leave it half-written or behind the outputs, and on an object store it would be a
read-modify-write race between workers. A marker per output is written with one atomic PUT or
rename, after the output it vouches for, and its *name* holds the stamp, so one listing of the
root tells a rerun everything (no read, no HEAD per document) and survives the loss of the run
record. A changed document's markers are removed before it is redone (see
:meth:`~docbatch.destinations.base.Destination.forget`), so no marker ever vouches for another
version's output, whatever moment a kill comes at.

Pictures are written before the output that points at them, and an earlier version's pictures
the new output no longer names are removed after it and before its marker: a kill at any moment
leaves no output pointing at a missing picture, and no marker vouching for an output with stale
pictures beside it (the unmarked document is redone, which removes them). Their names carry a
digest of their bytes, so a new picture never replaces one an older output still points at.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from docbatch.destinations.base import Destination, Known
from docbatch.model import STAMP_LENGTH, UNVERSIONED, DocumentMeta, Picture, is_picture_name
from docbatch.paths import safe_name

__all__ = ["DONE", "FAILED", "SOURCE", "TreeDestination", "encode_elements", "pictures_folder"]

_META = ".docbatch/"
DONE = _META + "done/"
FAILED = _META + "failed/"
SOURCE = _META + "source"
RECORDS = _META + "records/"
#: The name the newest kept record is also stored under (run ids are hex, so never this).
LATEST_RECORD = "latest"
_JSON_OPTIONS = orjson.OPT_INDENT_2


def encode_elements(elements: list[dict[str, Any]]) -> bytes:
    """An output's bytes: indented JSON ending in a newline (the local backend checks that ending)."""
    return orjson.dumps(elements, option=_JSON_OPTIONS) + b"\n"


#: How a marker written for another source than the tree's first begins: that source's
#: description, on a line of its own. The first source's markers stay empty (as markers were
#: before sources could share a tree), so an unlabelled marker is the first source's.
_LABEL = b"docbatch-source: "


def _label(owner: str | None) -> bytes:
    return _LABEL + owner.encode("utf-8", "surrogateescape") + b"\n" if owner else b""


def _owner(marker: bytes | None) -> str | None:
    if not marker or not marker.startswith(_LABEL):
        return None
    return marker[len(_LABEL) :].split(b"\n", 1)[0].decode("utf-8", "surrogateescape")


def _is_stamp(text: str) -> bool:
    return len(text) == STAMP_LENGTH and all(c in "0123456789abcdef" for c in text)


#: Longest file name the stores we write to take (NAME_MAX on Linux and macOS).
_NAME_MAX = 255


def _marker(kind: str, name: str, stamp: str) -> str:
    """Where the ``kind`` (DONE or FAILED) marker of output ``name`` for ``stamp`` lives."""
    last = name.rpartition("/")[2]
    if len(last.encode("utf-8", "surrogateescape")) + 1 + len(stamp) > _NAME_MAX:
        return f"{kind}{name}/{stamp}"
    return f"{kind}{name}.{stamp}"


_OUTPUT = ".json"
_PICTURES = ".images"


def pictures_folder(name: str) -> str:
    """The folder of output ``name``'s picture files: ``a/b.pdf.json`` -> ``a/b.pdf.images``.

    A name whose last part would pass NAME_MAX gets a digest of it instead (a hidden name, as
    :func:`docbatch.paths.temp_path` makes), so a document near the limit still has its pictures.
    """
    stem = name[: -len(_OUTPUT)] if name.endswith(_OUTPUT) else name
    parent, _, last = stem.rpartition("/")
    folder = last + _PICTURES
    if len(folder.encode("utf-8", "surrogateescape")) > _NAME_MAX:
        folder = ".~" + hashlib.sha256(last.encode("utf-8", "surrogateescape")).hexdigest()[:16] + _PICTURES
    return f"{parent}/{folder}" if parent else folder


def _picture_owner(folder: str) -> str | None:
    """The output name a pictures folder was made for, when its name tells (not a digest's)."""
    last = folder.rpartition("/")[2]
    if not folder.endswith(_PICTURES) or last.startswith(".~"):
        return None
    return folder[: -len(_PICTURES)] + _OUTPUT


def _attach_pictures(known: dict[str, Known], folders: dict[str, set[str]]) -> None:
    """Put the listed picture files under the outputs their folders belong to."""
    digested = {pictures_folder(name): name for name in known if pictures_folder(name).rpartition("/")[2][:2] == ".~"}
    for folder, files in folders.items():
        name = digested.get(folder) or _picture_owner(folder)
        if name is not None:
            known.setdefault(name, Known()).pictures |= files


def _parse_marker(rest: str) -> tuple[str, str] | None:
    """``(output name, stamp)`` from a marker's path below its kind's folder; None for anything
    else (a temporary file a killed write left behind)."""
    folder, _, last = rest.rpartition("/")
    if folder and _is_stamp(last):
        return folder, last
    name, _, stamp = rest.rpartition(".")
    return (name, stamp) if name and _is_stamp(stamp) else None


class TreeDestination(Destination):
    """Outputs and markers as files under one root; subclasses supply five store operations."""

    writes_pictures = True

    @abstractmethod
    def _list(self) -> Iterator[str]:
        """Every file under the root, as a path relative to it, from one (paged) listing."""

    @abstractmethod
    def _put(self, rel: str, data: bytes) -> None:
        """Write a file so that readers see all of it or none of it."""

    @abstractmethod
    def _read(self, rel: str) -> bytes | None:
        """A file's bytes, or None when it is missing."""

    @abstractmethod
    def _delete(self, rel: str) -> None:
        """Delete a file; a missing one is not an error."""

    @abstractmethod
    def _where(self, rel: str) -> str:
        """A file's full location, for the run record."""

    def _files_in(self, folder: str) -> Iterator[str]:
        """The names of the files directly in ``folder`` (none when it is missing); stores override
        this with a listing of that folder alone."""
        start = len(folder) + 1
        for rel in self._list():
            if rel.startswith(folder + "/") and "/" not in rel[start:]:
                yield rel[start:]

    def _tidy(self, folder: str) -> None:
        """Remove ``folder`` once empty, where a store has folders of its own (a local disk)."""

    def name_for(self, doc: DocumentMeta) -> str:
        return safe_name(doc.key, ".json")

    def state(self) -> dict[str, Known]:
        known: dict[str, Known] = {}
        pictures: dict[str, set[str]] = {}
        for rel in self._list():
            if rel.startswith(DONE) or rel.startswith(FAILED):
                marker_dir = DONE if rel.startswith(DONE) else FAILED
                parsed = _parse_marker(rel[len(marker_dir) :])
                if parsed is None:
                    continue  # a temporary file a killed write left behind, not a marker
                name, stamp = parsed
                entry = known.setdefault(name, Known())
                (entry.done if marker_dir == DONE else entry.failed).add(stamp)
            elif rel.startswith(_META):
                continue
            elif rel.endswith(_OUTPUT):
                known.setdefault(rel, Known()).output = True
            else:
                folder, _, last = rel.rpartition("/")
                if folder.endswith(_PICTURES) and is_picture_name(last):
                    pictures.setdefault(folder, set()).add(rel)
        _attach_pictures(known, pictures)
        return known

    def write(
        self,
        doc: DocumentMeta,
        elements: list[dict[str, Any]],
        stamp: str | None,
        pictures: Sequence[Picture] | None = None,
    ) -> str:
        name = self.name_for(doc)
        folder = pictures_folder(name)
        for picture in pictures or ():
            self._put(f"{folder}/{picture.name}", picture.data)
        self._put(name, encode_elements(elements))
        if pictures is not None:  # before the marker: a kill here leaves the document to redo
            self._drop_pictures(folder, keep={p.name for p in pictures})
        self._put(_marker(DONE, name, stamp or UNVERSIONED), _label(self.owner))
        return self._where(name)

    def picture_location(self, doc: DocumentMeta, name: str) -> str:
        return self._where(f"{pictures_folder(self.name_for(doc))}/{name}")

    def _drop_pictures(self, folder: str, keep: Iterable[str] = ()) -> None:
        """Remove the picture files in ``folder`` besides ``keep`` (never a file docbatch did not name)."""
        kept = set(keep)
        stale = [f for f in self._files_in(folder) if is_picture_name(f) and f not in kept]
        for file in stale:
            self._delete(f"{folder}/{file}")
        if stale and not kept:
            self._tidy(folder)

    def mark_failed(self, doc: DocumentMeta, stamp: str | None, reason: str) -> None:
        name = self.name_for(doc)
        self._delete(name)  # an older version's output no longer tells what the document holds
        self._drop_pictures(pictures_folder(name))  # after it: no output ever points at a missing picture
        if stamp:
            self._put(_marker(FAILED, name, stamp), _label(self.owner) + reason.encode())

    def forget(self, name: str, known: Known) -> None:
        for stamp in known.done:
            self._delete(_marker(DONE, name, stamp))
        for stamp in known.failed:
            self._delete(_marker(FAILED, name, stamp))

    def remove(self, name: str, known: Known) -> None:
        self.forget(name, known)
        self._delete(name)
        for rel in sorted(known.pictures):  # after the output that pointed at them
            self._delete(rel)
        if known.pictures:
            self._tidy(pictures_folder(name))

    def owner_of(self, name: str, known: Known) -> str | None:
        """Read from one of the output's markers (one read, only for outputs a run may remove)."""
        marker = next((_marker(DONE, name, s) for s in sorted(known.done)), None)
        marker = marker or next((_marker(FAILED, name, s) for s in sorted(known.failed)), None)
        return _owner(self._read(marker)) if marker else None

    def recorded_source(self) -> str | None:
        data = self._read(SOURCE)
        return data.decode() if data is not None else None

    def remember_source(self, source: str) -> None:
        self._put(SOURCE, source.encode())

    def keep_record(self, run_id: str, path: Path) -> None:
        data = path.read_bytes()
        self._put(f"{RECORDS}{run_id}.sqlite", data)
        self._put(f"{RECORDS}{LATEST_RECORD}.sqlite", data)

    def read_record(self, run_id: str | None = None) -> bytes | None:
        return self._read(f"{RECORDS}{run_id or LATEST_RECORD}.sqlite")
