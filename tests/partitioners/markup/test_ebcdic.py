"""HTML from an IBM host, in an EBCDIC code page (issue 24: an IBM420 page was "unknown")."""

from __future__ import annotations

from pathlib import Path

import docbatch
from docbatch.partitioners.filetype import detect

FIXTURES = Path(__file__).parents[2] / "fixtures" / "html"
PAGE = (
    "<!DOCTYPE html><html><body><h1>Quarterly report</h1>"
    "<p>Sales rose in every region, café included.</p></body></html>"
)


def test_an_ibm037_page_is_html_and_reads_in_its_code_page(tmp_path):
    path = tmp_path / "report"  # no extension: the bytes alone decide
    path.write_bytes(PAGE.encode("cp037"))
    assert detect(path).name == "html"
    elements = docbatch.partition(path, detect_languages=False)
    assert [(el.type, el.text) for el in elements] == [
        ("Title", "Quarterly report"),
        ("NarrativeText", "Sales rose in every region, café included."),
    ]


def test_an_ibm420_page_is_read_in_the_code_page_it_declares():
    """``ibm420.html`` was written by ``iconv -t IBM420`` (Python has no codec for it; the
    system's iconv reads it) and declares ``charset=IBM420``."""
    path = FIXTURES / "ibm420.html"
    assert detect(path).name == "html"
    elements = docbatch.partition(path, detect_languages=False)
    assert [el.text for el in elements] == ["Hello مرحبا بالعالم"]


def test_ascii_and_utf8_pages_are_not_taken_for_ebcdic(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.encode("utf-8"))
    assert docbatch.partition(path, detect_languages=False)[0].text == "Quarterly report"
