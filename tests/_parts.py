"""Builders shared by the document-parts tests: a workbook whose sheet has a comment and a chart,
and the run of a Word paragraph that shows a chart part."""

from __future__ import annotations

from typing import Any

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment

#: A ``w:r`` drawing a chart part inline; ``{rid}`` is the chart's relationship id.
DOCX_CHART_RUN = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    ' xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<w:drawing><wp:inline><wp:extent cx="5486400" cy="3200400"/><wp:docPr id="9" name="Chart 1"/>'
    '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
    '<c:chart r:id="{rid}"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'
)


def sales_workbook(*, categories: bool = False) -> tuple[openpyxl.Workbook, Any]:
    """A workbook and its sheet "Sales": Region/Q1 for North 5 and South 7, a comment by Ann Lee on
    B2, and a bar chart "Sales by region" of Q1 at D2 (with the regions as categories if asked)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales"
    for row in (["Region", "Q1"], ["North", 5], ["South", 7]):
        sheet.append(row)
    sheet["B2"].comment = Comment("Includes the March returns.", "Ann Lee")
    chart = BarChart()
    chart.title = "Sales by region"
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    if categories:
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=3))
    sheet.add_chart(chart, "D2")
    return book, sheet
