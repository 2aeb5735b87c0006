"""The one chart shape: a chart's title as a FigureCaption and its data as a Table.

OOXML charts (DOCX, PPTX, XLSX; read through python-pptx's chart classes) and ODF charts (the
``office:chart`` objects embedded in ODT, ODS and ODP) hand their title, categories and series
here, so a chart reads the same whatever suite wrote it: the Table has a header row with an empty
corner and the series names, then a row per category with that category's value in each series.

Chart data is what a reader of the extracted text needs, but a chart can declare far more points
than it draws: a reader checks the declared count against :data:`MAX_CHART_POINTS` before it
reads any point, and a chart over it keeps its title alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docbatch.elements import Element
from docbatch.partitioners.kit.tables import Cell, table_html, table_text

__all__ = ["MAX_CHART_POINTS", "chart_figure", "chart_table", "chart_value"]

#: Charts declaring more data points than this keep their title but not their data table.
MAX_CHART_POINTS = 2_000

#: One series: its name and its values, one per category (text; "" for a gap).
Series = tuple[str, Sequence[str]]


def chart_table(categories: Sequence[str], series: Sequence[Series]) -> tuple[str, str] | None:
    """``(text, text_as_html)`` of a chart's data, or None when it has no series or no value.

    A series shorter than the others (a gap at its end) gets empty cells; categories missing for
    some rows (an XY chart gives its x values as no category) get an empty label.
    """
    if not series:
        return None
    rows = [[Cell("", header=True)] + [Cell(name, header=True) for name, _ in series]]
    for i in range(max([len(categories)] + [len(values) for _, values in series])):
        label = categories[i] if i < len(categories) else ""
        rows.append([Cell(label)] + [Cell(values[i] if i < len(values) else "") for _, values in series])
    if not any(cell.text for row in rows for cell in row):
        return None
    # newline_as_space: DOCX and PPTX's shape (see kit.tables); a chart's labels are single lines anyway.
    return table_text(rows, newline_as_space=True), table_html(rows, newline_as_space=True)


def chart_figure(titles: Sequence[str], table: tuple[str, str] | None) -> list[Element]:
    """A chart's elements: each non-empty title (a title, then a subtitle) as a FigureCaption,
    then its data Table when it has one."""
    out = [Element("FigureCaption", title) for title in titles if title]
    if table is not None:
        out.append(Element("Table", table[0], {"text_as_html": table[1]}))
    return out


def chart_value(value: Any) -> str:
    """A chart value as text: 12.0 as "12", None (a gap in the series) as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
