"""The EPUB partitioner: spine order, chapters through the HTML partitioner, zip guards."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, finalize
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.epub import partition_epub

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions(detect_languages=False)

CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

# The manifest lists chapters in an order the spine reverses: the spine decides.
OPF = """<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Test Book</dc:title></metadata>
  <manifest>
    <item id="c1" href="text/chapter%201.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/chapter2.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
    <item id="gone" href="text/missing.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="c2"/><itemref idref="gone"/><itemref idref="c1"/></spine>
</package>"""


def _chapter(title: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>{title}</title></head><body><h1>{title}</h1><p>{body}</p></body></html>"
    )


def _build(path: Path, *, extra: dict[str, str] | None = None, opf: str = OPF) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", CONTAINER)
        zf.writestr("OEBPS/book.opf", opf)
        zf.writestr("OEBPS/style.css", "p { margin: 0 }")
        zf.writestr("OEBPS/text/chapter 1.xhtml", _chapter("The Second Part", "It ends here in the snow."))
        zf.writestr("OEBPS/text/chapter2.xhtml", _chapter("The First Part", "It begins on a cold morning."))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def test_chapters_in_spine_order_with_chapter_numbers(tmp_path):
    elements = partition_epub(_build(tmp_path / "book.epub"), OPTIONS)
    assert [(e.type, e.text, e.metadata["page_number"]) for e in elements] == [
        ("Title", "The First Part", 1),
        ("NarrativeText", "It begins on a cold morning.", 1),
        ("Title", "The Second Part", 2),
        ("NarrativeText", "It ends here in the snow.", 2),
    ]
    final = finalize(elements, DocumentInfo("book.epub", "application/epub+zip", "file:///book.epub", {}))
    assert final[1].metadata["parent_id"] == final[0].element_id


def test_detected_as_epub(tmp_path):
    file_type, elements = partition_file(_build(tmp_path / "book.bin"), OPTIONS)
    assert file_type.name == "epub"
    assert elements[0].text == "The First Part"


def test_without_container_the_opf_is_found(tmp_path):
    path = tmp_path / "nocontainer.epub"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("OEBPS/book.opf", OPF)
        zf.writestr("OEBPS/text/chapter2.xhtml", _chapter("Only Chapter", "Some text to read."))
    assert [e.text for e in partition_epub(path, OPTIONS)] == ["Only Chapter", "Some text to read."]


def test_zip_bomb_guard(tmp_path):
    path = _build(tmp_path / "big.epub", extra={"OEBPS/filler.bin": "0" * 100_000})
    with pytest.raises(DocumentError, match="zip bomb"):
        partition_epub(path, PartitionOptions(max_uncompressed_bytes=50_000))


def test_drm_is_reported_as_encrypted(tmp_path):
    encryption = """<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
      xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
      <enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
      <enc:CipherData><enc:CipherReference URI="OEBPS/text/chapter2.xhtml"/></enc:CipherData></enc:EncryptedData>
    </encryption>"""
    path = _build(tmp_path / "drm.epub", extra={"META-INF/encryption.xml": encryption})
    with pytest.raises(EncryptedDocument):
        partition_epub(path, OPTIONS)


def test_font_obfuscation_is_not_drm(tmp_path):
    encryption = """<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
      xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
      <enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.idpf.org/2008/embedding"/>
      <enc:CipherData><enc:CipherReference URI="OEBPS/font.otf"/></enc:CipherData></enc:EncryptedData>
    </encryption>"""
    path = _build(tmp_path / "fonts.epub", extra={"META-INF/encryption.xml": encryption})
    assert partition_epub(path, OPTIONS)[0].text == "The First Part"


def test_broken_zip_is_a_document_error(tmp_path):
    path = tmp_path / "broken.epub"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(DocumentError):
        partition_epub(path, OPTIONS)


def test_malformed_opf_is_a_document_error(tmp_path):
    with pytest.raises(DocumentError):
        partition_epub(_build(tmp_path / "bad.epub", opf="<<<not xml"), OPTIONS)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_winter_sports():
    file_type, elements = partition_file(CORPUS / "winter-sports.epub", OPTIONS)
    assert file_type.name == "epub"
    texts = [e.text.upper() for e in elements]
    sun_seeker = next(i for i, t in enumerate(texts) if "SUN-SEEKER" in t and elements[i].type == "Title")
    skaters = next(i for i, t in enumerate(texts) if "RINKS AND SKATERS" in t and elements[i].type == "Title")
    assert sun_seeker < skaters  # chapter I before chapter II: spine order
    assert any(e.type == "Table" for e in elements)
    pages = [e.metadata["page_number"] for e in elements]
    assert pages == sorted(pages)
    assert pages[-1] == 10  # ten spine documents
