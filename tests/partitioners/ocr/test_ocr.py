"""OCR: the engine interface, and PDF pages read by it (scanned, mixed, blank, --ocr never/always)."""

from __future__ import annotations

from pathlib import Path

import pytest

from docbatch.errors import DocumentError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting
from docbatch.partitioners.ocr import ocr
from docbatch.partitioners.pdf.pdf import partition_pdf
from ocr_fixtures import PAGES, blank_pdf, needs_ocr, page_images, scanned_pdf, text_pdf, words


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> Path:
    return text_pdf(tmp_path_factory.mktemp("ocr") / "typed.pdf")


@pytest.fixture(scope="module")
def scans(typed):
    return page_images(typed)


@pytest.fixture()
def no_engine(monkeypatch, tmp_path):
    """Tesseract pointed at an empty language-data folder: what a machine without the apt packages has."""
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path / "no-tessdata"))
    monkeypatch.setattr(ocr, "_engines", {})


def _pdf(path: Path, **options) -> tuple[list, object]:
    with collecting() as notes:
        elements = partition_pdf(path, PartitionOptions(**options))
    return elements, notes


def test_install_hint_names_the_extra_and_the_apt_packages():
    hint = ocr.install_hint("eng+chi_sim")
    assert hint == (
        "OCR needs Tesseract: run pip install 'docbatch[ocr]' and "
        "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim"
    )


def test_languages_map_to_iso_639_3():
    assert ocr.iso_languages("eng+deu+chi_sim+chi_tra") == ["eng", "deu", "zho"]


def test_engine_absent_fails_with_the_install_sentence(no_engine):
    with pytest.raises(DocumentError) as info:
        ocr.check_available("eng+deu")
    assert str(info.value) == ocr.install_hint("eng+deu")


@needs_ocr
def test_missing_language_pack_names_only_that_package():
    with pytest.raises(DocumentError, match=r"tesseract-ocr-xyz$"):
        ocr.check_available("eng+xyz")


@needs_ocr
def test_recognize_gives_words_with_boxes_and_confidence(scans):
    found = ocr.recognize(scans[0], "eng", dpi=200)
    assert words(" ".join(w.text for w in found)) >= words("Quarterly Warehouse Review northern depot shipped")
    title = next(w for w in found if w.text == "Quarterly")
    x0, y0, x1, y1 = title.box
    assert 0 <= x0 < x1 <= scans[0].width and 0 <= y0 < y1 < scans[0].height / 3
    assert title.confidence > 80 and title.row_height > 0


@needs_ocr
def test_scanned_pdf_reads_like_its_text_layer(tmp_path, typed, scans):
    expected, _ = _pdf(typed)
    elements, notes = _pdf(scanned_pdf(tmp_path / "scan.pdf", scans))
    assert not notes.lost
    assert [(e.type, e.text) for e in elements] == [(e.type, e.text) for e in expected]
    assert [e.metadata["page_number"] for e in elements] == [1] * 4 + [2] * 4
    coords = elements[0].metadata["coordinates"]
    assert coords["system"] == "PixelSpace"
    assert (coords["layout_width"], coords["layout_height"]) == pytest.approx((419.53, 297.64), abs=0.5)
    assert all(e.metadata["languages"] == ["eng"] for e in elements)


@needs_ocr
def test_mixed_pdf_ocrs_only_its_scanned_pages(tmp_path, scans):
    elements, notes = _pdf(scanned_pdf(tmp_path / "mixed.pdf", [None, scans[1]]), ocr_languages="eng+deu")
    typed_page = [e for e in elements if e.metadata["page_number"] == 1]
    scanned_page = [e for e in elements if e.metadata["page_number"] == 2]
    assert [e.text for e in typed_page] == ["Typed page 1 keeps its own text layer intact."]
    assert "languages" not in typed_page[0].metadata  # read from the text layer, left to detection
    assert [(e.type, e.text) for e in scanned_page] == [
        ("Title" if k == "title" else "ListItem" if k == "item" else "NarrativeText", t) for k, t in PAGES[1]
    ]
    assert all(e.metadata["languages"] == ["eng", "deu"] for e in scanned_page)
    assert not notes.lost


def test_blank_pdf_is_ok_with_a_remark(tmp_path):
    elements, notes = _pdf(blank_pdf(tmp_path / "blank.pdf", pages=3))
    assert elements == [] and not notes.lost
    assert notes.remark_text() == "no text on 3 blank pages"


def test_blank_pdf_needs_no_engine(tmp_path, no_engine):
    elements, notes = _pdf(blank_pdf(tmp_path / "blank.pdf", pages=1))
    assert elements == [] and notes.remark_text() == "no text on 1 blank page"


def test_scanned_pdf_without_engine_fails_with_the_install_sentence(tmp_path, scans, no_engine):
    with pytest.raises(DocumentError) as info:
        _pdf(scanned_pdf(tmp_path / "scan.pdf", scans[:1]))
    assert str(info.value) == ocr.install_hint("eng")


def test_text_pdf_without_engine_reads_as_before(typed, no_engine):
    elements, _ = _pdf(typed)
    assert elements[0].text == "Quarterly Warehouse Review"


def test_ocr_never_fails_a_scanned_pdf_and_names_the_flag(tmp_path, scans):
    with pytest.raises(DocumentError, match=r"^2 pages scanned and not read because OCR is off \(--ocr never\)"):
        _pdf(scanned_pdf(tmp_path / "scan.pdf", scans), ocr="never")


def test_ocr_never_on_a_mixed_pdf_loses_the_scanned_page(tmp_path, scans):
    elements, notes = _pdf(scanned_pdf(tmp_path / "mixed.pdf", [None, scans[1]]), ocr="never")
    assert [e.metadata["page_number"] for e in elements] == [1]
    assert notes.lost == ["page 2: scanned page not read because OCR is off (--ocr never)"]


@needs_ocr
def test_ocr_always_reads_text_pages_by_ocr(typed):
    by_layer, _ = _pdf(typed)
    by_ocr, _ = _pdf(typed, ocr="always")
    assert [e.text for e in by_ocr] == [e.text for e in by_layer]
    assert all(e.metadata["languages"] == ["eng"] for e in by_ocr)
    assert "languages" not in by_layer[0].metadata


@needs_ocr
def test_garbage_text_layer_is_replaced_by_ocr(tmp_path, scans):
    """A scan under an invisible layer of replacement characters (a broken OCR layer) is read again."""
    from fpdf import FPDF

    pdf = FPDF(format=(148, 105))
    pdf.add_page()
    pdf.image(scans[0], x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.set_font("Helvetica", "", 8)
    pdf.text(5, 5, "\x01\x02\x03\x04\x05\x06\x07\x08 \x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17")
    path = tmp_path / "garbage.pdf"
    pdf.output(str(path))
    elements, _ = _pdf(path)
    assert elements[0].text == "Quarterly Warehouse Review"


#: A page whose words are vector outlines: no text layer, no image (see make_outlined_text.py).
OUTLINED = Path(__file__).parents[2] / "fixtures" / "pdf" / "outlined-text.pdf"


@needs_ocr
def test_a_page_of_outlined_words_is_ocrd_not_blank():
    """Before: "no text on 1 blank page" (issue 24)."""
    elements, notes = _pdf(OUTLINED)
    assert [el.text for el in elements] == [
        "Quarterly report",
        "Revenue grew in every region",
        "Costs fell by a tenth",
    ]
    assert not notes.lost


def test_a_page_of_outlined_words_is_not_read_under_ocr_never():
    """As a scan: the user is told which option reads it."""
    with pytest.raises(DocumentError, match=r"not read because OCR is off \(--ocr never\); run with --ocr auto"):
        _pdf(OUTLINED, ocr="never")
