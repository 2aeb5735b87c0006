"""Tables without ruling lines in PDF pages: found with their cells, and never made of prose.

Pages are drawn with pdfium's editing API (tests/fixtures/pdf/make_fixtures.py) at known
positions, so every expected cell is known; the generated reports of the benchmark (fpdf2)
check precision and recall over many tables at once.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.pdf.pdf import partition_pdf

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # ``benchmarks`` lives at the repository root


def _load_maker():
    spec = importlib.util.spec_from_file_location("pdf_make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _load_maker()

STATEMENT = [
    ["(in millions)", "2021", "2022", "2023"],
    ["Net sales", "4,942.6", "8,320.6", "9,414.5"],
    ["Cost of goods sold", "(1,374.6)", "6,030.9", "6,508.5"],
    ["Operating expenses:", "", "", ""],
    ["Research and development", "479.4", "9,935.2", "\u2014"],
    ["Income tax", "4,678.1", "1,049.7", "7,931.1"],
    ["Total", "18,730.6", "29,761.0", "48,520.6"],
]


def _statement_page(w, top: float = 640, gap: float = 70) -> None:
    """STATEMENT with the figures right-aligned at columns ``gap`` points apart, no rules."""
    w.text(72, top + 40, "The statement below summarises the year in millions of euros.", size=11)
    for r, row in enumerate(STATEMENT):
        y = top - 15 * r
        w.text(72, y, row[0], size=10, font="Helvetica-Bold" if r in (0, len(STATEMENT) - 1) else "Helvetica")
        for c, cell in enumerate(row[1:]):
            if cell:
                right = 300 + gap * (c + 1)
                w.text(right - 5.0 * len(cell), y, cell, size=10)
    w.text(72, top - 15 * len(STATEMENT) - 20, "Figures are unaudited and may change in the final report.", size=11)


def _rows(html: str) -> list[list[str]]:
    return [re.findall(r"<t[dh]>(.*?)</t[dh]>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", html)]


def _tables(path: Path):
    return [e for e in partition_pdf(path, PartitionOptions()) if e.type == "Table"]


def test_unruled_table_is_found_with_every_cell(tmp_path):
    w = MAKE.Writer()
    w.new_page()
    _statement_page(w)
    tables = _tables(w.save(tmp_path / "statement.pdf"))
    assert len(tables) == 1
    assert _rows(tables[0].metadata["text_as_html"]) == STATEMENT
    assert tables[0].text.startswith("(in millions) 2021 2022 2023 Net sales 4,942.6")


def test_columns_set_close_together_still_get_their_own_cells(tmp_path):
    w = MAKE.Writer()
    w.new_page()
    _statement_page(w, gap=50)  # some 10 points between the widest figures of two columns
    tables = _tables(w.save(tmp_path / "tight.pdf"))
    assert len(tables) == 1
    assert _rows(tables[0].metadata["text_as_html"]) == STATEMENT


def test_text_around_an_unruled_table_stays_text(tmp_path):
    w = MAKE.Writer()
    w.new_page()
    _statement_page(w)
    elements = partition_pdf(w.save(tmp_path / "statement.pdf"), PartitionOptions())
    assert [e.type for e in elements] == ["NarrativeText", "Table", "NarrativeText"]


def test_ruled_table_is_still_found_next_to_an_unruled_one(tmp_path):
    w = MAKE.Writer()
    w.new_page()
    xs, ys = [72, 200, 330, 460], [760, 740, 720, 700]
    for x in xs:
        w.line(x, ys[0], x, ys[-1])
    for y in ys:
        w.line(xs[0], y, xs[-1], y)
    ruled = [["Fruit", "Colour", "Price"], ["Apple", "Red", "1.20"], ["Banana", "Yellow", "0.80"]]
    for r, row in enumerate(ruled):
        for c, cell in enumerate(row):
            w.text(xs[c] + 5, ys[r] - 14, cell, size=10)
    _statement_page(w, top=560)
    tables = _tables(w.save(tmp_path / "both.pdf"))
    assert [_rows(t.metadata["text_as_html"]) for t in tables] == [ruled, STATEMENT]


def test_two_column_prose_page_has_no_table(tmp_path):
    words = (
        "the committee reviewed the shipping costs of every region before the end of the month and "
        "shared the results with each department so that the next review can start earlier than planned"
    ).split()
    w = MAKE.Writer()
    w.new_page()
    for i in range(40):
        y = 740 - 14 * i
        for x, shift in ((72, 0), (320, 5)):
            line = " ".join(words[(i * 7 + shift) % 20 :][:7]) or "and so on to the end"
            w.text(x, y, line, size=10)
    assert _tables(w.save(tmp_path / "two-columns.pdf")) == []


def test_table_of_contents_with_leaders_is_no_table(tmp_path):
    w = MAKE.Writer()
    w.new_page()
    for i, title in enumerate(["Introduction", "Results", "Methods", "Discussion", "Appendix"]):
        y = 700 - 16 * i
        w.text(72, y, f"{title} ........................", size=10)
        w.text(300, y, str(3 + 7 * i), size=10)
        w.text(340, y, f"Part {i + 1} ..............", size=10)
        w.text(500, y, str(40 + 5 * i), size=10)
    assert _tables(w.save(tmp_path / "toc.pdf")) == []


def test_generated_reports_reach_the_precision_and_recall_aims(tmp_path):
    pytest.importorskip("fpdf", reason="fpdf2 (test extra) writes the generated reports")
    from benchmarks.unruled import unruled_scores

    score = unruled_scores(tmp_path, reports=4)
    assert score.true_tables >= 20
    assert score.precision >= 0.9
    assert score.recall >= 0.8
    assert score.cell_accuracy >= 0.9


CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_paper_table_beside_a_prose_column_is_found_without_the_prose():
    # page 12 of the DPR paper: an unruled results table in one column, running text in the other
    tables = [t for t in _tables(CORPUS / "pdf" / "multi-column.pdf") if t.metadata["page_number"] == 12]
    assert [_rows(t.metadata["text_as_html"]) for t in tables] == [
        [
            ["", "Top-1", "Top-5", "Top-20", "Top-100"],
            ["Gold", "44.9", "66.8", "78.1", "85.0"],
            ["Dist. Sup.", "43.9", "65.3", "77.1", "84.4"],
        ]
    ]
