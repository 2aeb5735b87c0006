"""EPUB: the chapters named by the package's spine, in reading order, each through the HTML partitioner.

An EPUB is a zip holding XHTML chapters and an OPF package file whose ``<spine>`` gives their
reading order. This reads the zip with ``zipfile`` and the two small XML files that matter
(``META-INF/container.xml`` and the OPF) with a locked-down lxml parser, rather than ebooklib:
that way the uncompressed size is checked before anything is read, nothing but the spine's
chapters is loaded, and a book with a broken manifest entry (a missing image, a bad NCX) still
yields its text instead of an exception.

``page_number`` is the chapter's 1-based position in the spine. EPUBs have no fixed pages;
unstructured sets no page number for them, but a chapter number lets consumers cite where text
came from and keeps page-based chunking from merging text across chapters.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

from docbatch.elements import Element
from docbatch.errors import DocumentError, EncryptedDocument, one_line
from docbatch.partitioners.kit.archive import check_zip
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged
from docbatch.partitioners.kit.members import ZIP_READ_ERRORS, read_member, zip_member
from docbatch.partitioners.kit.notes import part_lost

__all__ = ["partition_epub", "spine_documents"]


_HTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/html"})
_HTML_EXTENSIONS = (".xhtml", ".html", ".htm")
# Font obfuscation is not DRM: the text is readable.
_FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True, remove_comments=True
)


def partition_epub(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an EPUB book, chapter by chapter."""
    check_zip(path, options, "EPUB")
    try:
        with zipfile.ZipFile(path) as zf:
            chapters = spine_documents(zf)
            _check_drm(zf, chapters)
            return _partition_chapters(zf, chapters, options)
    except (zipfile.LargeZipFile, *ZIP_READ_ERRORS) as e:
        raise damaged("EPUB", e) from e


def spine_documents(zf: zipfile.ZipFile) -> list[str]:
    """Zip member names of the book's XHTML documents in reading order."""
    names = set(zf.namelist())
    opf_name = _package_path(zf, names)
    if opf_name is None:
        return sorted(n for n in names if n.lower().endswith(_HTML_EXTENSIONS))
    opf = _parse_xml(read_member(zf, opf_name))
    base = posixpath.dirname(opf_name)
    manifest: dict[str, tuple[str, str]] = {}
    for item in _children_named(opf, "item"):
        href = item.get("href")
        if item.get("id") and href:
            manifest[item.get("id")] = (_resolve(base, href), (item.get("media-type") or "").lower())
    order = [manifest[ref.get("idref")] for ref in _children_named(opf, "itemref") if ref.get("idref") in manifest]
    if not order:
        order = list(manifest.values())
    seen: set[str] = set()
    out = []
    for name, media_type in order:
        if name in names and name not in seen and _is_html(name, media_type):
            seen.add(name)
            out.append(name)
    return out


def _package_path(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    """The OPF named by container.xml, else the first ``.opf`` in the zip."""
    if "META-INF/container.xml" in names:
        container = _parse_xml(read_member(zf, "META-INF/container.xml"))
        for rootfile in _children_named(container, "rootfile"):
            full_path = unquote(rootfile.get("full-path") or "").lstrip("/")
            if full_path in names:
                return full_path
    return next((n for n in sorted(names) if n.lower().endswith(".opf")), None)


def _check_drm(zf: zipfile.ZipFile, chapters: list[str]) -> None:
    """Raise EncryptedDocument if META-INF/encryption.xml encrypts a chapter (DRM, not font obfuscation)."""
    if "META-INF/encryption.xml" not in zf.namelist():
        return
    root = _parse_xml(read_member(zf, "META-INF/encryption.xml"))
    encrypted: set[str] = set()
    for data in _children_named(root, "EncryptedData"):
        methods = [m.get("Algorithm") for m in _children_named(data, "EncryptionMethod")]
        if methods and all(m in _FONT_OBFUSCATION for m in methods):
            continue
        encrypted.update(unquote(ref.get("URI") or "").lstrip("/") for ref in _children_named(data, "CipherReference"))
    if encrypted & set(chapters):
        raise EncryptedDocument("DRM-protected EPUB (its chapters are encrypted)")


def _partition_chapters(zf: zipfile.ZipFile, chapters: list[str], options: PartitionOptions) -> list[Element]:
    from docbatch.partitioners.markup.html import partition_html_string

    elements: list[Element] = []
    failures = 0
    for number, name in enumerate(chapters, start=1):
        folder = posixpath.dirname(name)
        try:
            chapter = partition_html_string(
                read_member(zf, name), options, resources=lambda src, folder=folder: _picture(zf, folder, src)
            )
        except DocumentError as e:  # one unreadable chapter should not lose the book
            part_lost(f"chapter {number} ({name})", one_line(e))
            failures += 1
            continue
        for el in chapter:
            el.metadata["page_number"] = number
        elements.extend(chapter)
    if chapters and failures == len(chapters):
        raise DocumentError("no readable chapter in the EPUB")
    return elements


def _parse_xml(data: bytes) -> Any:
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise damaged("EPUB", "malformed package XML") from e
    if root is None:
        raise DocumentError("malformed EPUB package XML (empty)")
    return root


def _children_named(root: Any, local_name: str) -> list[Any]:
    """Descendants with this local name in any namespace (OPF 2 and 3 and sloppy books differ)."""
    return [el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == local_name]


def _resolve(base: str, href: str) -> str:
    """A manifest href as a zip member name: relative to the OPF's folder, URL-decoded, no fragment."""
    href = unquote(href.split("#", 1)[0])
    return posixpath.normpath(posixpath.join(base, href)).lstrip("/")


def _picture(zf: zipfile.ZipFile, folder: str, src: str) -> bytes:
    """A picture a chapter in ``folder`` names by ``src``: the book's own file, as stored."""
    return zip_member(zf, _resolve(folder, src))()


def _is_html(name: str, media_type: str) -> bool:
    return media_type in _HTML_TYPES or (not media_type and name.lower().endswith(_HTML_EXTENSIONS))
