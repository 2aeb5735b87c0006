"""Issue 24's defects, each with a fixture of its file's kind made here: a chart python-pptx
cannot map, a PDF pdfium rejects without an error code, a workbook encrypted with Excel's
built-in key, an .xlsb calamine fails on, a pre-OLE .doc."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pptx
import pypdfium2.raw as pdfium_c
import pytest
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

import docbatch
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.legacy.legacy import soffice_path

OPTIONS = {"detect_languages": False}
needs_soffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")


def _deck_with_chart(path: Path, mutate=lambda xml: xml) -> Path:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Sales by region"
    data = CategoryChartData()
    data.categories = ["North", "South"]
    data.add_series("2024", (1, 2))
    slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(4), Inches(3), data)
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Next steps"
    buffer = io.BytesIO()
    deck.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data_ = src.read(info)
            out.writestr(info, mutate(data_) if re.match(r"ppt/charts/chart\d+\.xml$", info.filename) else data_)
    return path


def test_a_chart_python_pptx_cannot_map_loses_only_the_chart(tmp_path):
    """Before: "internal error: AttributeError: 'lxml.etree._Element' object has no attribute
    'iter_sers'" for the whole deck (a bar-of-pie plot element python-pptx has no class for)."""
    path = _deck_with_chart(tmp_path / "deck.pptx", lambda xml: xml.replace(b"c:barChart>", b"c:ofPieChart>"))
    with pytest.warns(docbatch.PartialDocumentWarning, match="chart: unsupported chart type"):
        elements = docbatch.partition(path, **OPTIONS)
    assert [el.text for el in elements] == ["Sales by region", "Next steps"]


def test_a_chart_with_a_huge_integer_loses_only_the_chart(tmp_path):
    """A point count past Python's 4300-digit int limit is the chart's fault, not an internal error."""
    huge = b'<c:ptCount val="' + b"9" * 5000 + b'"/>'
    path = _deck_with_chart(tmp_path / "deck.pptx", lambda xml: re.sub(rb'<c:ptCount val="\d+"/>', huge, xml))
    with pytest.warns(docbatch.PartialDocumentWarning, match="chart"):
        elements = docbatch.partition(path, **OPTIONS)
    assert elements[0].text == "Sales by region"


def test_a_pdf_pdfium_rejects_without_an_error_code_gets_a_reason():
    """Before: "not a readable PDF: success"."""
    from docbatch.partitioners.pdf.pdf import _load_failure

    reason = _load_failure(pdfium_c.FPDF_ERR_SUCCESS, "Failed to load document (PDFium: Success).")
    assert "success" not in reason.lower() and reason.startswith("damaged PDF file")
    assert _load_failure(pdfium_c.FPDF_ERR_FORMAT, "Failed (PDFium: Data format error).") == (
        "not a readable PDF: data format error"
    )


def _encrypted_xlsx(path: Path, password: str) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    book = openpyxl.Workbook()
    book.active.append(["Protected", "but readable"])
    plain = io.BytesIO()
    book.save(plain)
    plain.seek(0)
    with open(path, "wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return path


def test_a_workbook_write_protected_with_excels_built_in_key_opens_like_in_excel(tmp_path):
    """Before: "password-protected Office file" for a file Excel and Tika open without asking."""
    path = _encrypted_xlsx(tmp_path / "protect.xlsx", "VelvetSweatshop")
    (table,) = docbatch.partition(path, **OPTIONS)
    assert "Protected" in table.text and "but readable" in table.text


def test_a_workbook_with_a_real_password_still_says_so(tmp_path):
    path = _encrypted_xlsx(tmp_path / "secret.xlsx", "s3cret")
    with pytest.raises(EncryptedDocument, match="password-protected"):
        docbatch.partition(path, **OPTIONS)


@needs_soffice
def test_a_valid_xlsb_calamine_fails_on_is_read_by_libreoffice(tmp_path, monkeypatch):
    """Before: "damaged XLSB file" and nothing fell back. calamine is made to fail on this valid
    workbook (as it does on some Excel writes); LibreOffice, real, reads it."""
    from _xlsb import write_xlsb
    from docbatch.partitioners.spreadsheet import spreadsheet

    def calamine_fails(path: Path, kind: str) -> list:
        raise DocumentError(f"damaged {kind} file (inconsistent structure)")

    monkeypatch.setattr(spreadsheet, "partition_with_calamine", calamine_fails)
    path = write_xlsb(tmp_path / "cups.xlsb", {"Cups": [["Team", "Cups"], ["Lions", 3.0]]})
    (table,) = docbatch.partition(path, **OPTIONS)
    assert "Lions" in table.text


def _pre_ole_doc(path: Path) -> Path:
    """A Write / Word-for-DOS style file: a 128-byte header (0xBE31 magic), then the text; no OLE2."""
    text = b"Minutes of the annual meeting.\r\n"
    header = bytearray(128)
    header[0:6] = b"\x31\xbe\x00\x00\x00\xab"
    struct.pack_into("<I", header, 14, 128 + len(text))
    path.write_bytes(bytes(header) + text.ljust(128, b"\x00"))
    return path


@needs_soffice
def test_a_pre_ole_doc_goes_to_libreoffice_not_to_the_ole_check(tmp_path):
    """Before: "damaged DOC file: not an OLE2 file" without LibreOffice ever seeing it (Word 2/6 for
    DOS and WordPerfect files named .doc, which LibreOffice reads). Now LibreOffice decides."""
    with pytest.raises(DocumentError) as caught:
        docbatch.partition(_pre_ole_doc(tmp_path / "memo.doc"), **OPTIONS)
    assert "OLE2" not in str(caught.value) and "LibreOffice" in str(caught.value)
