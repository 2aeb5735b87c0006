"""Filled-in PDF form fields read as text beside their labels; an unfilled form adds nothing.

The forms are written by reportlab's acroform (tests/fixtures/pdf/forms/make_forms.py): text fields,
a combo box and check boxes right of their labels, and a check box before its label.
"""

from __future__ import annotations

from pathlib import Path

from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.pdf.forms import CHECKED
from docbatch.partitioners.pdf.pdf import partition_pdf

FORMS = Path(__file__).resolve().parents[2] / "fixtures" / "pdf" / "forms"


def _texts(name: str) -> list[str]:
    return [e.text for e in partition_pdf(FORMS / name, PartitionOptions())]


def test_filled_values_read_beside_their_labels_in_reading_order():
    assert _texts("form-filled.pdf") == [
        "Membership application",
        "Please fill in every field and sign below.",
        "First name: Luc\u00eda",
        "Last name: Garzas",
        "Country: Spain",
        f"Send me the newsletter {CHECKED}",
        "I agree to the rules",  # left unchecked: no mark
        f"{CHECKED} Post me a printed card",
        "Thank you for joining the club.",
    ]


def test_unfilled_form_gives_its_labels_and_no_phantom_values():
    texts = _texts("form-empty.pdf")
    assert texts[2:5] == ["First name:", "Last name:", "Country:"]
    assert not any(CHECKED in t or "Off" in t or "Yes" in t for t in texts)


def test_a_pdf_without_a_form_starts_no_form_environment():
    import pypdfium2 as pdfium

    from docbatch.partitioners.pdf.forms import open_forms

    doc = pdfium.PdfDocument(str(FORMS.parent / "unruled" / "fpdf2-toc.pdf"))
    try:
        assert open_forms(doc) is False and doc.formenv is None
    finally:
        doc.close()
