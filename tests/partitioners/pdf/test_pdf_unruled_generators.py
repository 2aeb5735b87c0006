"""Unruled tables as other generators set them, and the table-like text that must stay text.

The fixtures under ``tests/fixtures/pdf/unruled/`` are the first documents of the benchmark's mix
(``benchmarks/unruled_mix.py``: reportlab's plain ``Table``, Word and OpenDocument tables without
borders converted by LibreOffice, fpdf2's ``table()`` without borders; and for each, prose in two
columns, bulleted lists, a table of contents with dot leaders and a letter). Each PDF has its truth
beside it (``<name>.truth.json``): the tables by page, cell by cell, and the running-text paragraphs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from docbatch.elements import elements_to_dicts
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.pdf.pdf import partition_pdf

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf" / "unruled"
GENERATORS = ["reportlab", "libreoffice", "fpdf2"]
NEGATIVES = ["two-column", "bullets", "toc", "letter"]


def _partition(name: str) -> tuple[list[dict], dict]:
    pdf = FIXTURES / f"{name}.pdf"
    truth = json.loads(pdf.with_suffix(".truth.json").read_text(encoding="utf-8"))
    return elements_to_dicts(partition_pdf(pdf, PartitionOptions())), truth


def _grid(html: str) -> list[list[str]]:
    return [re.findall(r"<t[dh]>(.*?)</t[dh]>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", html)]


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("doc", ["tables-01", "tables-02"])
def test_every_table_is_found_cell_by_cell_with_its_header(generator, doc):
    elements, truth = _partition(f"{generator}-{doc}")
    tables = [e for e in elements if e["type"] == "Table"]
    assert [(t["metadata"]["page_number"], _grid(t["metadata"]["text_as_html"])) for t in tables] == [
        (t["page"], t["rows"]) for t in truth["tables"]
    ]
    # the header row is known: its cells are <th>, the body's <td>
    for t in tables:
        html = t["metadata"]["text_as_html"]
        assert html.startswith("<table><tr><th") and "<th" not in html.split("</tr>", 1)[1]


@pytest.mark.parametrize("generator", GENERATORS)
def test_paragraphs_around_tables_stay_narrative_text(generator):
    elements, truth = _partition(f"{generator}-tables-01")
    narrative = [" ".join(e["text"].split()) for e in elements if e["type"] == "NarrativeText"]
    assert narrative == truth["prose"]


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("kind", NEGATIVES)
def test_table_like_text_is_no_table(generator, kind):
    elements, truth = _partition(f"{generator}-{kind}")
    assert [e["text"][:60] for e in elements if e["type"] == "Table"] == []
    words = " ".join(e["text"] for e in elements if e["type"] == "NarrativeText").split()
    for paragraph in truth["prose"]:  # every running-text paragraph comes out as NarrativeText
        assert " ".join(paragraph.split()) in " ".join(words)
