"""The spreadsheet partitioners: XLSX, XLS, CSV and TSV."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.spreadsheet import spreadsheet
from docbatch.partitioners.spreadsheet.spreadsheet import (
    cell_text,
    classify_cell,
    partition_csv,
    partition_tsv,
    partition_xls,
    partition_xlsx,
    sniff_delimiter,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "spreadsheet"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions()


def _types(elements):
    return [e.type for e in elements]


def _has_calamine() -> bool:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(params=["openpyxl", "calamine"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run an XLSX test with each reader: openpyxl always, python-calamine when installed."""
    if request.param == "openpyxl":
        monkeypatch.setattr(spreadsheet, "_calamine", lambda: None)
    elif not _has_calamine():
        pytest.skip("python-calamine not installed")
    return request.param


# -- XLSX ----------------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """Two sheets: a titled table, a second table after blank rows, a note; and an empty sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws["A1"] = "Stanley Cups"
    ws.append(["Team", "Location", "Cups", "Since"])
    ws.append(["Blues", "STL", 1, dt.datetime(2019, 6, 12)])
    ws.append(["Flyers <&>", "PHI", 2.0, dt.date(1975, 5, 27)])
    ws.append(["Maple Leafs", "TOR", 13.25, dt.datetime(1967, 5, 2, 20, 30)])
    ws["B8"] = "Region"
    ws["C8"] = "Share"
    ws["B9"] = "East"
    ws["C9"] = 0.1 + 0.2
    ws["B10"] = "West"
    ws["C10"] = True
    ws["E13"] = "Figures are unaudited and may change before the annual report is published."
    wb.create_sheet("Blank")
    second = wb.create_sheet("Lone")
    second["C3"] = "Appendix"
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_xlsx_blocks_become_title_tables_and_text(workbook: Path, backend: str):
    elements = partition_xlsx(workbook, OPTIONS)

    assert _types(elements) == ["Title", "Table", "Table", "NarrativeText", "Title"]
    title, cups, shares, note, appendix = elements
    assert title.text == "Stanley Cups"
    assert cups.metadata["text_as_html"] == (
        "<table>"
        "<tr><td>Team</td><td>Location</td><td>Cups</td><td>Since</td></tr>"
        "<tr><td>Blues</td><td>STL</td><td>1</td><td>2019-06-12</td></tr>"
        "<tr><td>Flyers &lt;&amp;&gt;</td><td>PHI</td><td>2</td><td>1975-05-27</td></tr>"
        "<tr><td>Maple Leafs</td><td>TOR</td><td>13.25</td><td>1967-05-02 20:30:00</td></tr>"
        "</table>"
    )
    assert cups.text.split("\n\n")[2] == "Flyers <&> PHI 2 1975-05-27"
    assert shares.metadata["text_as_html"] == (
        "<table><tr><td>Region</td><td>Share</td></tr>"
        "<tr><td>East</td><td>0.3</td></tr><tr><td>West</td><td>TRUE</td></tr></table>"
    )
    assert note.text.startswith("Figures are unaudited")
    assert appendix.text == "Appendix"
    assert [(e.metadata["page_name"], e.metadata["page_number"]) for e in elements] == [
        ("Sales", 1),
        ("Sales", 1),
        ("Sales", 1),
        ("Sales", 1),
        ("Lone", 3),
    ]


def test_xlsx_output_finalizes_and_serialises(workbook: Path, backend: str):
    elements = partition_xlsx(workbook, OPTIONS)
    doc = DocumentInfo(
        filename="book.xlsx", filetype="application/vnd.ms-excel", url="file:///book.xlsx", record_locator={}
    )

    dicts = elements_to_dicts(finalize(elements, doc))

    json.dumps(dicts)
    assert dicts[1]["metadata"]["parent_id"] == dicts[0]["element_id"]
    assert dicts[1]["metadata"]["text_as_html"].startswith("<table><tr><td>Team</td>")
    assert len({d["element_id"] for d in dicts}) == len(dicts)


def test_side_by_side_blocks_sharing_rows_are_one_table(tmp_path: Path, backend: str):
    """A spacer column neither splits a table (as in unstructured) nor shows as empty cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["a", "b", None, "x"], ["c", "d", None, "y"]):
        ws.append(row)
    path = tmp_path / "side.xlsx"
    wb.save(path)

    (table,) = partition_xlsx(path, OPTIONS)

    assert table.metadata["text_as_html"] == (
        "<table><tr><td>a</td><td>b</td><td>x</td></tr><tr><td>c</td><td>d</td><td>y</td></tr></table>"
    )
    assert table.text == "a b x\n\nc d y"


def _sheet(tmp_path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "sheet.xlsx"
    wb.save(path)
    return path


def test_headings_one_blank_row_above_figures_join_them(tmp_path: Path, backend: str):
    path = _sheet(
        tmp_path,
        [
            ["Revenue and results"],
            ["In millions of CHF", None, "2023"],
            [None, "Sales", "Profit"],
            [],
            ["Zone NA", 12553, 2713],
            ["Zone EUR", 9467, "—"],
            [],
            ["(a) Inter-segment sales are not significant."],
        ],
    )

    title, table, note = partition_xlsx(path, OPTIONS)

    assert (title.type, note.type) == ("Title", "NarrativeText")
    assert table.text == "In millions of CHF 2023\n\nSales Profit\n\nZone NA 12553 2713\n\nZone EUR 9467 —"


def test_blocks_that_are_not_headings_over_figures_stay_apart(tmp_path: Path, backend: str):
    path = _sheet(
        tmp_path,
        [
            ["Topic", "Page"],
            ["Revenue", 1],
            [],
            ["Topic", "Page"],
            ["Customers", 6],
            [],
            [],
            ["Name", "City"],
            [],
            ["Blues", "St. Louis"],
        ],
    )

    tables = partition_xlsx(path, OPTIONS)

    assert [t.text for t in tables] == [
        "Topic Page\n\nRevenue 1",
        "Topic Page\n\nCustomers 6",
        "Name City",
        "Blues St. Louis",
    ]


def test_empty_workbook_gives_no_elements(tmp_path: Path, backend: str):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    assert partition_xlsx(path, OPTIONS) == []


def test_broken_xlsx_is_a_document_error(tmp_path: Path, backend: str):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(DocumentError, match="XLSX"):
        partition_file(path)


def test_zip_without_workbook_is_a_document_error(tmp_path: Path, backend: str):
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with pytest.raises(DocumentError, match="XLSX"):
        partition_xlsx(path, OPTIONS)


def test_xlsx_over_the_expansion_limit_is_refused_before_loading(workbook: Path):
    with pytest.raises(DocumentError, match="zip bomb"):
        partition_xlsx(workbook, PartitionOptions(max_uncompressed_bytes=1000))


def test_xlsx_with_an_implausible_compression_ratio_is_refused(tmp_path: Path):
    path = tmp_path / "bomb.xlsx"
    chunk = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(120):
            member.write(chunk)
    with pytest.raises(DocumentError, match="ratio"):
        partition_xlsx(path, OPTIONS)


def test_member_inflating_past_its_declared_size_is_refused(tmp_path: Path):
    """A forged central directory must not let a reader inflate more than was declared."""
    path = tmp_path / "forged.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<x/>" * 50_000)
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[22:26] = (16).to_bytes(4, "little")  # local header: uncompressed size
    data[central + 24 : central + 28] = (16).to_bytes(4, "little")  # central directory entry
    path.write_bytes(bytes(data))

    with pytest.raises(DocumentError, match="damaged XLSX file"):
        spreadsheet._check_inflated_sizes(path, limit=1000)


# -- XLS -----------------------------------------------------------------------------------------


def test_xls_fixture():
    elements = partition_xls(FIXTURES / "small.xls", OPTIONS)

    assert _types(elements) == ["Title", "Table", "Title", "NarrativeText"]
    title, table, side_note, notes = elements
    assert title.text == "Quarterly results"
    assert table.metadata["text_as_html"] == (
        "<table><tr><td>Region</td><td>Revenue</td><td>Date</td><td>Final</td></tr>"
        "<tr><td>North</td><td>1200</td><td>2024-03-31</td><td>TRUE</td></tr>"
        "<tr><td>South &lt;&amp;&gt;</td><td>987.5</td><td>2024-06-30</td><td>FALSE</td></tr></table>"
    )
    assert side_note.text == "Side note on its own"
    assert notes.text.startswith("Prepared by the finance team")
    assert [e.metadata["page_number"] for e in elements] == [1, 1, 1, 3]
    assert notes.metadata["page_name"] == "Notes"


def test_xls_detected_by_content():
    file_type, elements = partition_file(FIXTURES / "small.xls", name="renamed.bin")
    assert file_type.name == "xls"
    assert elements[0].text == "Quarterly results"


def test_encrypted_xls_is_an_encrypted_document(monkeypatch: pytest.MonkeyPatch):
    import xlrd

    def refuse(*args, **kwargs):
        raise xlrd.XLRDError("Workbook is encrypted")

    monkeypatch.setattr(xlrd, "open_workbook", refuse)
    with pytest.raises(EncryptedDocument):
        partition_xls(FIXTURES / "small.xls", OPTIONS)


def test_broken_xls_is_a_document_error(tmp_path: Path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(DocumentError, match="XLS"):
        partition_xls(path, OPTIONS)


# -- CSV / TSV -----------------------------------------------------------------------------------


def test_csv_with_semicolons_and_quoted_commas(tmp_path: Path):
    path = tmp_path / "prices.csv"
    path.write_text('Year;Revenue;Note\r\n2023;143,1;"a; b"\r\n\r\n2024;215,32;\r\n', encoding="utf-8")

    (table,) = partition_csv(path, OPTIONS)

    assert table.type == "Table"
    assert table.metadata["text_as_html"] == (
        "<table><tr><td>Year</td><td>Revenue</td><td>Note</td></tr>"
        "<tr><td>2023</td><td>143,1</td><td>a; b</td></tr>"
        "<tr><td>2024</td><td>215,32</td><td/></tr></table>"
    )
    assert table.text == "Year Revenue Note\n\n2023 143,1 a; b\n\n2024 215,32"
    assert "page_number" not in table.metadata


def test_tsv(tmp_path: Path):
    path = tmp_path / "teams.tsv"
    path.write_text("Team\tCity, State\tCups\nBlues\tSt. Louis, MO\t1\n", encoding="utf-8")

    (table,) = partition_tsv(path, OPTIONS)

    assert table.text == "Team City, State Cups\n\nBlues St. Louis, MO 1"


def test_utf16_csv(tmp_path: Path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("Ville,Pays\nMontréal,Canada\nZürich,Suisse\n".encode("utf-16"))

    (table,) = partition_file(path)[1]

    assert table.text == "Ville Pays\n\nMontréal Canada\n\nZürich Suisse"


_CP1252_ROWS = [
    "Produit;Prix;Description",
    "Café crème;3,50 €;Un café allongé avec de la crème fraîche",
    "Thé glacé;2,80 €;Thé noir infusé à froid, servi avec des glaçons",
]


def test_cp1252_csv(tmp_path: Path):
    path = tmp_path / "cp1252.csv"
    rows = [*_CP1252_ROWS, "Crêpe;4,00 €;Crêpe au beurre salé, spécialité bretonne"]
    path.write_bytes("\r\n".join(rows).encode("cp1252"))

    (table,) = partition_csv(path, OPTIONS)

    assert table.text.split("\n\n")[1] == "Café crème 3,50 € Un café allongé avec de la crème fraîche"


def test_short_cp1252_csv(tmp_path: Path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("\r\n".join(_CP1252_ROWS).encode("cp1252"))

    (table,) = partition_csv(path, OPTIONS)

    assert "Café crème 3,50 €" in table.text


def test_pipe_delimited_and_ragged_rows_are_padded(tmp_path: Path):
    path = tmp_path / "pipes.csv"
    path.write_text("a|b|c\nd|e\nf|g|h\n", encoding="utf-8")

    (table,) = partition_csv(path, OPTIONS)

    assert "<tr><td>d</td><td>e</td><td/></tr>" in table.metadata["text_as_html"]


def test_empty_and_blank_csv(tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.csv"
    blank.write_text(",,\n\n  ,\n", encoding="utf-8")

    with pytest.raises(DocumentError, match="empty"):
        partition_file(empty)
    assert partition_csv(blank, OPTIONS) == []


def test_binary_bytes_named_csv_are_a_document_error(tmp_path: Path):
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DocumentError):
        partition_file(path)


def test_large_csv_is_one_table(tmp_path: Path):
    path = tmp_path / "big.csv"
    path.write_text("id,name,value\n" + "".join(f"{i},item {i},{i * 0.5}\n" for i in range(100_000)))

    (table,) = partition_csv(path, OPTIONS)

    assert table.metadata["text_as_html"].count("<tr>") == 100_001
    assert table.text.endswith("99999 item 99999 49999.5")


@pytest.mark.parametrize(
    ("sample", "preferred", "expected"),
    [
        ("a,b,c\n1,2,3\n", None, ","),
        ("Lorem, ipsum; dolor; sit\namet; consectetur; elit\nsed, do; x; y\n", None, ";"),
        ("a\tb\n1\t2\n", None, "\t"),
        ("a|b|c\r\nd|e|f\r\n", None, "|"),
        ("only\none\ncolumn\n", None, "\x1f"),
        ("Lorem, ipsum\ndolor sit\namet\nadipiscing, elit\nsed do\n", None, "\x1f"),
        ("a|b|c\nd|e\nf|g|h\n", None, "|"),
        ("a,b\tc\n", "\t", "\t"),
        ("a,b\n1,2\n", "\t", ","),
        ('name;note\n"Smith, J";"a, b, c"\n"Doe, A";"d, e"\n', None, ";"),  # quoted commas: the sniffer decides
        ("a,b,c\n1,2\n", None, ","),  # ragged: the sniffer decides
    ],
)
def test_sniff_delimiter(sample: str, preferred: str | None, expected: str):
    assert sniff_delimiter(sample, preferred=preferred) == expected


# -- values and lone cells -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (13.0, "13"),
        (13.25, "13.25"),
        (0.1 + 0.2, "0.3"),
        (1e20, "1e+20"),
        (7, "7"),
        (True, "TRUE"),
        (dt.datetime(2024, 1, 31), "2024-01-31"),
        (dt.datetime(2024, 1, 31, 8, 5, 3), "2024-01-31 08:05:03"),
        (dt.time(8, 30), "08:30:00"),
        ("  two\n lines ", "two lines"),
    ],
)
def test_cell_text(value, expected: str):
    assert cell_text(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Revenue and results", "Title"),
        ("(a) Inter-segment sales are not significant.", "NarrativeText"),
        ("- first point", "ListItem"),
        ("12,345", "UncategorizedText"),
        ("bb-help@andrew.cmu.edu", "EmailAddress"),
        ("http://www.cmu.edu/blackboard", "UncategorizedText"),
    ],
)
def test_classify_cell(text: str, expected: str):
    assert classify_cell(text) == expected


# -- the shared corpus ---------------------------------------------------------------------------

_SPREADSHEET_SUFFIXES = {".xlsx", ".xls", ".csv", ".tsv"}


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_spreadsheets_end_as_elements_or_document_errors():
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in _SPREADSHEET_SUFFIXES)
    assert files
    doc = DocumentInfo(filename="x", filetype="x", url="file:///x", record_locator={})
    outcomes = {}
    for path in files:
        try:
            _, elements = partition_file(path)
        except DocumentError as e:
            assert "\n" not in str(e)
            outcomes[path.name] = type(e).__name__
            continue
        json.dumps(elements_to_dicts(finalize(elements, doc)))
        outcomes[path.name] = len(elements)
    assert outcomes.get("password_protected.xlsx", "EncryptedDocument") == "EncryptedDocument"
    assert outcomes.get("empty.xlsx", 0) == 0
    if "stanley-cups.xlsx" in outcomes:
        _, elements = partition_file(CORPUS / "stanley-cups.xlsx")
        assert elements[0].type == "Title"
        assert elements[1].metadata["text_as_html"].startswith("<table><tr><td>Team</td><td>Location</td>")
    if "stanley-cups-utf-16.csv" in outcomes:
        _, (table,) = partition_file(CORPUS / "stanley-cups-utf-16.csv")
        assert "Maple Leafs TOR 13" in table.text


# -- XLSB ----------------------------------------------------------------------------------------


def test_xlsb_sheets_become_tables_like_xlsx(tmp_path):
    from _xlsb import write_xlsb

    rows = [["Team", "Cups"], ["Blues", 1.0], ["Flyers", 2.0]]
    xlsb = write_xlsb(tmp_path / "cups.xlsb", {"Cups": rows, "Notes": [["Season summary"]]})
    xlsx = tmp_path / "cups.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Cups"
    for row in rows:
        wb.active.append(row)
    wb.create_sheet("Notes").append(["Season summary"])
    wb.save(xlsx)

    file_type, elements = partition_file(xlsb, OPTIONS)
    assert file_type.name == "xlsb"
    assert file_type.mime == "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
    _, expected = partition_file(xlsx, OPTIONS)
    assert [(e.type, e.text, e.metadata) for e in elements] == [(e.type, e.text, e.metadata) for e in expected]
    assert elements[0].metadata["text_as_html"].startswith("<table><tr><td>Team</td>")


def test_a_damaged_xlsb_is_a_document_error(tmp_path):
    from _xlsb import write_xlsb

    whole = write_xlsb(tmp_path / "whole.xlsb", {"S": [["a"]]})
    path = tmp_path / "garbled.xlsb"
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(path, "w") as zout:
        for name in zin.namelist():  # the workbook's records replaced by garbage
            zout.writestr(name, b"\xff\xff\xff\xff" if name == "xl/workbook.bin" else zin.read(name))
    with pytest.raises(DocumentError, match="XLSB"):
        partition_file(path, OPTIONS)


def _with_member(src: Path, dst: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info.filename))
    return dst


def test_broken_worksheet_is_lost_alone_and_named(tmp_path):
    """(calamine reads sheets one at a time; openpyxl parses every sheet on opening, so with it a
    broken sheet fails the workbook.)"""
    from docbatch.partitioners.kit.notes import collecting

    wb = openpyxl.Workbook()
    wb.active.title = "Good"
    wb.active["A1"] = "Revenue by region"
    wb.create_sheet("Broken")["A1"] = "gone"
    wb.save(tmp_path / "book.xlsx")
    broken = _with_member(
        tmp_path / "book.xlsx", tmp_path / "broken.xlsx", "xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row>"
    )
    with collecting() as notes:
        elements = partition_xlsx(broken, OPTIONS)
    assert [el.text for el in elements] == ["Revenue by region"]
    assert len(notes.lost) == 1 and notes.lost[0].startswith("sheet Broken: ")


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.9])
def test_truncated_xls_is_damaged_in_one_plain_sentence(tmp_path, cut):
    data = (FIXTURES / "small.xls").read_bytes()
    path = tmp_path / "small.xls"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(DocumentError) as err:
        partition_file(path, OPTIONS)
    assert str(err.value).startswith("damaged XLS file (") and "Error" not in str(err.value)


def test_xls_xlrd_cannot_read_is_read_by_calamine():
    """xlrd-rejects.xls is small.xls with three bytes changed (two of them in cell values): xlrd
    fails (KeyError inside its BIFF reader), python-calamine reads it whole, so nothing is lost."""
    pytest.importorskip("python_calamine")
    from docbatch.partitioners.kit.notes import collecting

    with collecting() as notes:
        rescued = partition_xls(FIXTURES / "xlrd-rejects.xls", OPTIONS)
    whole = partition_xls(FIXTURES / "small.xls", OPTIONS)
    assert [el.type for el in rescued] == [el.type for el in whole]
    assert [el.text for el in rescued if el.type != "Table"] == [el.text for el in whole if el.type != "Table"]
    assert notes.lost == []
