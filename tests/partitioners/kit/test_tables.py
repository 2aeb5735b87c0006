"""kit/tables.py: the one table renderer, and each family's named difference."""

from __future__ import annotations

from docbatch.partitioners.kit.tables import Cell, table_html, table_text


def test_cells_with_spans_and_headers():
    rows = [[Cell("Name", header=True), Cell("Q1 & Q2", colspan=2, header=True)], [Cell("a", rowspan=2), Cell("<1>")]]
    assert table_html(rows) == (
        '<table><tr><th>Name</th><th colspan="2">Q1 &amp; Q2</th></tr><tr><td rowspan="2">a</td><td>&lt;1&gt;</td></tr>'
        "</table>"
    )
    assert table_text(rows) == "Name Q1 & Q2\na <1>"


def test_plain_rows_render_as_cells_would():
    plain = [["a", "", "b & c"], ["d"]]
    as_cells = [[Cell(text) for text in row] for row in plain]
    assert (
        table_html(plain)
        == table_html(as_cells)
        == "<table><tr><td>a</td><td></td><td>b &amp; c</td></tr><tr><td>d</td></tr></table>"
    )


def test_a_text_holding_the_fast_path_separator_stays_in_its_cell():
    assert (
        table_html([["a\x1fb", "c"], ["d\x1e"]])
        == "<table><tr><td>a\x1fb</td><td>c</td></tr><tr><td>d\x1e</td></tr></table>"
    )


def test_an_empty_row_stays_for_the_rowspans_above_it_but_not_in_the_text():
    rows: list[list[Cell]] = [[Cell("a", rowspan=2)], []]
    assert table_html(rows) == '<table><tr><td rowspan="2">a</td></tr><tr></tr></table>'
    assert table_text([["a"], [""], ["b"]]) == "a\nb"


def test_spreadsheets_close_empty_cells_and_leave_a_blank_line_between_rows():
    rows = [["a", ""], ["", "b"]]
    assert (
        table_html(rows, self_closing_empty=True) == "<table><tr><td>a</td><td/></tr><tr><td/><td>b</td></tr></table>"
    )
    assert table_text(rows, row_separator="\n\n") == "a\n\nb"


def test_pdf_escapes_quotes():
    assert table_html([['say "hi"']], escape_quotes=True) == "<table><tr><td>say &quot;hi&quot;</td></tr></table>"
    assert table_html([['say "hi"']]) == '<table><tr><td>say "hi"</td></tr></table>'


def test_office_cells_keep_their_paragraphs_on_one_line():
    rows = [[Cell("one\ntwo")]]
    assert table_html(rows, newline_as_space=True) == "<table><tr><td>one two</td></tr></table>"
    assert table_text(rows, newline_as_space=True) == "one two"
