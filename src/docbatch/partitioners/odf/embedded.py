"""Documents embedded in an OpenDocument file: the sub-documents its manifest lists.

Writer, Calc and Impress keep an inserted object as a folder of the package (``Object 1/`` with
its own ``content.xml``, listed in the manifest with the object's media type), or, for an object
from Microsoft Office, as one file holding an OLE object (media type
``application/vnd.sun.star.oleobject``, unwrapped by :mod:`~docbatch.partitioners.kit.oleobject`).
A folder is packed as an OpenDocument file of its own (its members, a ``mimetype`` and a manifest)
and read as one. Charts are left to the container's reader, which places their title and data
where they stand; an object inside an object goes with its container. The package already
passed the zip-bomb guard when its reader opened it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import what_is_wrong
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.oleobject import ole_payload

__all__ = ["odf_embedded"]

_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_ODF = "application/vnd.oasis.opendocument."
#: The extension of each kind of sub-document docbatch reads (formula and chart objects are not
#: documents of their own: the chart is read in place, a formula has no reader).
_EXTENSIONS = {"text": ".odt", "spreadsheet": ".ods", "presentation": ".odp", "graphics": ".odg"}
_OLE_OBJECT = "application/vnd.sun.star.oleobject"


def odf_embedded(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """Each embedded document of the OpenDocument package at ``path``, in manifest order."""
    try:
        with zipfile.ZipFile(path) as zf:
            entries = _manifest(zf)
            taken: list[str] = []
            for full_path, media in entries:
                if full_path in ("", "/") or any(full_path.startswith(outer) for outer in taken):
                    continue
                name = full_path.rstrip("/").rsplit("/", 1)[-1]
                try:
                    if full_path.endswith("/") and media.startswith(_ODF):
                        extension = _EXTENSIONS.get(media[len(_ODF) :])
                        if extension is None:
                            continue
                        taken.append(full_path)
                        yield Attachment(name + extension, _packed(zf, full_path, media, entries))
                    elif media == _OLE_OBJECT:
                        yield ole_payload(name, zf.read(full_path))
                except (KeyError, *ZIP_READ_ERRORS) as e:
                    part_lost(f"embedded {name}", what_is_wrong(e))
    except (zipfile.BadZipFile, OSError):
        return  # the reader of the package itself already said what is wrong with it


def _manifest(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(full path, media type) of each manifest entry, sub-documents' folders naturally sorted
    so ``Object 2`` comes before ``Object 10``."""
    try:
        root = etree.fromstring(zf.read("META-INF/manifest.xml"), _PARSER)
    except (KeyError, etree.XMLSyntaxError, *ZIP_READ_ERRORS):
        return []
    if root is None:
        return []
    entries = [
        (entry.get(f"{{{_MANIFEST}}}full-path") or "", entry.get(f"{{{_MANIFEST}}}media-type") or "")
        for entry in root.iter(f"{{{_MANIFEST}}}file-entry")
    ]
    return sorted(entries, key=lambda e: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", e[0])])


def _packed(zf: zipfile.ZipFile, folder: str, media: str, entries: list[tuple[str, str]]) -> bytes:
    """The members under ``folder`` as an OpenDocument package of their own: ``mimetype`` first
    and stored, as the format asks, then the members and a manifest of them."""
    manifest = etree.Element(f"{{{_MANIFEST}}}manifest", nsmap={"manifest": _MANIFEST})
    listed = [("/", media)] + [(p[len(folder) :], m) for p, m in entries if p.startswith(folder) and p != folder]
    for full_path, kind in listed:
        etree.SubElement(
            manifest,
            f"{{{_MANIFEST}}}file-entry",
            {f"{{{_MANIFEST}}}full-path": full_path, f"{{{_MANIFEST}}}media-type": kind},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), media, compress_type=zipfile.ZIP_STORED)
        for info in zf.infolist():
            inner = info.filename[len(folder) :]
            own = inner not in ("", "mimetype", "META-INF/manifest.xml")  # written here instead
            if info.filename.startswith(folder) and not info.is_dir() and own:
                out.writestr(inner, zf.read(info))
        out.writestr("META-INF/manifest.xml", etree.tostring(manifest, xml_declaration=True, encoding="UTF-8"))
    return buffer.getvalue()
