"""Defects seen on real files (issue #14), each with the smallest file that shows it."""

from __future__ import annotations

from pathlib import Path

import openpyxl

import docbatch

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_control_characters_are_gone_from_text_and_html():
    """Before: "Total\\x03 sales" reached text and text_as_html as is."""
    text = docbatch.partition(b"Total\x03 sales grew by a tenth this year.\n", filename="a.txt")
    table = docbatch.partition(b"name,value\nrev\x03enue,12\n", filename="a.csv")
    assert text[0].text == "Total sales grew by a tenth this year."
    assert "\x03" not in table[0].text and "\x03" not in table[0].metadata["text_as_html"]


def test_figure_lines_are_not_titles():
    """Before: "1993–94" and "Q1 2023" were Title (short, unpunctuated)."""
    text = "Season results\n\n1993–94\n\nCareer total 647 202 33 8 48 20 26 9 754\n"
    types = {el.text: el.type for el in docbatch.partition(text.encode(), filename="a.txt")}
    assert types["Season results"] == "Title"
    assert types["1993–94"] == "UncategorizedText"
    assert types["Career total 647 202 33 8 48 20 26 9 754"] != "Title"


def test_value_cells_are_not_titles(tmp_path):
    """Before: a lone "Q1 2023", "3 kg"-like value or TRUE cell above a table was typed Title."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Q1 2023"
    ws["A3"], ws["B3"] = "Region", "Sales"
    ws["A4"], ws["B4"] = "North", 12
    ws["A6"] = True
    wb.save(tmp_path / "book.xlsx")
    types = {el.text: el.type for el in docbatch.partition(tmp_path / "book.xlsx")}
    assert types["Q1 2023"] == "UncategorizedText"
    assert types["TRUE"] == "UncategorizedText"


def test_msg_sender_without_smtp_address_keeps_the_whole_name():
    """Before: ["Matthew"]. The fixture is fake-email.msg with its From header blanked and its
    sender address an Exchange DN, as Outlook stores a sender it knows only inside Exchange."""
    elements = docbatch.partition(FIXTURES / "mail" / "exchange-sender.msg")
    assert elements[0].metadata["sent_from"] == ["Matthew Robinson"]
