"""Formats LibreOffice reads for docbatch beyond .doc/.ppt/.xls: each converted by the family its
format declares (writer to DOCX, calc to XLSX, impress to PPTX, draw to PDF) and read from that.

This LibreOffice writes none of them (it only imports WordPerfect, Write, Lotus, AbiWord and
the StarOffice XML formats), so each fixture is made byte by byte, as small as its format
allows (tests/_office_files.py). Each test proves LibreOffice reads
that file; those skip when LibreOffice is absent. Formats no fixture could be made for here
(Works, StarOffice binaries, Quattro Pro, Hangul, Mac word processors, Visio, Publisher) are
covered by the detection tests and the routing test at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _office_files import BODY, TITLE, make
from docbatch.errors import DocumentError, NeedsInstall
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.formats import FORMATS, OFFICE_PARTITIONER
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.legacy import legacy
from docbatch.partitioners.legacy.legacy import soffice_path

OPTIONS = PartitionOptions(detect_languages=False)
needs_soffice = pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
)


def _read(path: Path) -> tuple[str, str, list[tuple[str, str]]]:
    file_type, elements = partition_file(path, OPTIONS)
    return file_type.name, file_type.mime, [(e.type, e.text) for e in elements]


# -- LibreOffice reads each one ----------------------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "name", "mime"),
    [
        ("wpd", "wpd", "application/vnd.wordperfect"),
        ("wri", "wri", "application/x-mswrite"),
        ("abw", "abw", "application/x-abiword"),
        ("zabw", "abw", "application/x-abiword"),
    ],
)
def test_word_processor_files_read_as_their_paragraphs(tmp_path, kind, name, mime):
    detected, filetype, elements = _read(make(kind, tmp_path))
    assert (detected, filetype) == (name, mime)
    assert [text for _, text in elements] == [TITLE, BODY]


@needs_soffice
def test_an_openoffice_writer_file_keeps_its_heading(tmp_path):
    assert _read(make("sxw", tmp_path)) == (
        "sxw",
        "application/vnd.sun.xml.writer",
        [("Title", TITLE), ("NarrativeText", BODY)],
    )


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "mime", "types"),
    [
        ("lotus", "application/vnd.lotus-1-2-3", ["Table"]),
        # a StarOffice sheet has a page style: LibreOffice's default footer, "Page &P", prints "Page"
        ("sxc", "application/vnd.sun.xml.calc", ["Table", "Footer"]),
    ],
)
def test_spreadsheets_read_as_a_table_of_their_cells(tmp_path, kind, mime, types):
    _, filetype, elements = _read(make(kind, tmp_path))
    assert filetype == mime
    assert [t for t, _ in elements] == types
    assert elements[0][1].split()[:4] == ["Region", "Sales", "North", "120"]


@needs_soffice
def test_an_openoffice_presentation_reads_its_slide(tmp_path):
    _, mime, elements = _read(make("sxi", tmp_path))
    assert mime == "application/vnd.sun.xml.impress"
    assert [text for _, text in elements] == ["Roadmap", "Ship the first release"]


@needs_soffice
@pytest.mark.parametrize(
    ("kind", "mime"), [("odg", "application/vnd.oasis.opendocument.graphics"), ("sxd", "application/vnd.sun.xml.draw")]
)
def test_drawings_read_from_the_pdf_libreoffice_prints(tmp_path, kind, mime):
    """A drawing's text sits in text boxes and shapes placed on a page: the PDF Draw prints keeps
    each box's text whole and on its page (measured: one element per box, nothing else)."""
    file_type, elements = partition_file(make(kind, tmp_path), OPTIONS)
    assert file_type.mime == mime
    assert [e.text for e in elements] == ["Network diagram", "Router"]
    assert {e.metadata.get("page_number") for e in elements} == {1}


# -- what a user is told when it goes wrong ----------------------------------------------------------


@needs_soffice
@pytest.mark.parametrize("name", ["noise.wpd", "noise.wri", "noise.wk1", "noise.wb2"])
def test_bytes_libreoffice_can_only_show_as_text_fail_in_a_sentence(tmp_path, name):
    """LibreOffice opens a file no import filter takes as plain text; that noise is not a
    document: it fails, saying LibreOffice could not read it, instead of yielding junk elements."""
    import random

    path = tmp_path / name
    noise = random.Random(name).randbytes(3000)
    path.write_bytes(b"\xffWPC" + noise if name.endswith(".wpd") else noise)
    with pytest.raises(DocumentError) as caught:
        partition_file(path, OPTIONS)
    assert (
        str(caught.value) == "LibreOffice could not open the file; it is damaged or not in a format LibreOffice reads"
    )


def test_without_libreoffice_each_format_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere on it
    monkeypatch.setattr(legacy, "_converter", None)
    for kind, apt in (("wpd", "writer"), ("lotus", "calc"), ("odg", "draw")):
        with pytest.raises(NeedsInstall) as caught:
            partition_file(make(kind, tmp_path), OPTIONS)
        assert "needs LibreOffice" in str(caught.value)
        assert f"libreoffice-{apt}-nogui" in str(caught.value)
        assert "\n" not in str(caught.value)


def test_every_libreoffice_format_names_a_family_it_converts_with():
    office = [t for t in FORMATS if t.partitioner == OFFICE_PARTITIONER]
    assert {"doc", "ppt", "wpd", "wri", "sxw", "lotus", "vsd", "pub", "odg"} <= {t.name for t in office}
    for t in office:
        assert t.office in ("writer", "calc", "impress", "draw"), t.name
        assert t.install_hint and "libreoffice" in t.install_hint, t.name
        assert t.extensions, t.name  # the converted copy is named with the first


def test_formats_without_a_fixture_reach_libreoffice_under_their_own_type(tmp_path, monkeypatch):
    """Works, StarOffice binaries, Quattro Pro, Hangul 97, Mac word processors, Visio and Publisher:
    no file of theirs can be made here (only Office or their own programs write them), so this
    checks the routing: each is sent to LibreOffice as its own type, with its family's target."""
    from _ole import write_ole

    sent: list[tuple[str, str, str]] = []

    def through(path: Path, options: PartitionOptions, file_type: str, read) -> list:
        sent.append((path.name, file_type, legacy._target(file_type)))
        return []

    monkeypatch.setattr(legacy, "_through", through)
    files = {
        "memo.wps": ("wps", "docx", {"MN0": b"x"}),
        "memo2000.wps": ("wps", "docx", {"CONTENTS": b"CHNKINK"}),
        "people.wdb": ("wdb", "xlsx", {"MN0": b"\xff\x54"}),
        "letter.sdw": ("sdw", "docx", {"StarWriterDocument": b"x"}),
        "budget.sdc": ("sdc", "xlsx", {"StarCalcDocument": b"x"}),
        "talk.sdd": ("sdd", "pptx", {"StarDrawDocument3": b"x"}),
        "plan.sda": ("sda", "pdf", {"StarDrawDocument3": b"x"}),
        "book.qpw": ("qpw", "xlsx", {"NativeContent_MAIN": b"x"}),
        "network.vsd": ("vsd", "pdf", {"VisioDocument": b"x"}),
        "flyer.pub": ("pub", "pdf", {"Quill": b"x"}),
    }
    for name, (_, _, streams) in files.items():
        write_ole(tmp_path / name, streams)
    (tmp_path / "notes.cwk").write_bytes(b"\x06\x07\xe1\x00BOBO" + bytes(200))
    (tmp_path / "letter.mcw").write_bytes(b"\xfe\x37\x00\x1c" + bytes(200))
    (tmp_path / "sheet.wb2").write_bytes(b"\x00\x00\x02\x00\x02\x10" + bytes(200))
    (tmp_path / "old.hwp").write_bytes(b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + bytes(200))
    files |= {
        "notes.cwk": ("cwk", "docx", {}),
        "letter.mcw": ("mcw", "docx", {}),
        "sheet.wb2": ("quattro", "xlsx", {}),
        "old.hwp": ("hwp", "docx", {}),
    }
    for name in files:
        partition_file(tmp_path / name, OPTIONS)
    assert sent == [(name, file_type, target) for name, (file_type, target, _) in files.items()]
