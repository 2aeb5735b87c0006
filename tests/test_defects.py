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


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOTES_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes xmlns:w="{_W_NS}">
<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>
<w:r><w:t xml:space="preserve"> Figures are unaudited.</w:t></w:r></w:p></w:footnote>
</w:footnotes>""".encode()


def _docx_with_footnote(tmp_path: Path) -> Path:
    """A python-docx document given a footnotes part and one reference to it, as Word writes them."""
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("Revenue grew by a tenth.")
    document.add_paragraph("Costs stayed flat.")
    document.save(tmp_path / "plain.docx")
    ref = b'<w:r><w:footnoteReference w:id="1"/></w:r></w:p>'
    rel = (
        b'<Relationship Id="rIdFn" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'footnotes" Target="footnotes.xml"/></Relationships>'
    )
    override = (
        b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'wordprocessingml.footnotes+xml"/></Types>'
    )
    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(tmp_path / "plain.docx") as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:p>", ref, 1)
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rel)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override)
            zout.writestr(info, data)
        zout.writestr("word/footnotes.xml", _NOTES_XML)
    return path


def test_docx_footnotes_follow_the_body_marked_as_notes(tmp_path):
    """Before: footnotes were dropped."""
    elements = docbatch.partition(_docx_with_footnote(tmp_path))
    assert [(el.type, el.text, el.metadata.get("note_type")) for el in elements] == [
        ("NarrativeText", "Revenue grew by a tenth.", None),
        ("NarrativeText", "Costs stayed flat.", None),
        ("NarrativeText", "Figures are unaudited.", "footnote"),
    ]


def test_docx_whose_main_part_is_not_word_document_xml(tmp_path):
    """Before: skipped as "unsupported file type zip". python-docx follows _rels/.rels, as Word does."""
    import zipfile

    renamed = {"word/document.xml": "word/main.xml", "word/_rels/document.xml.rels": "word/_rels/main.xml.rels"}
    src, path = FIXTURES / "docx" / "report.docx", tmp_path / "report.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in ("[Content_Types].xml", "_rels/.rels"):
                data = data.replace(b"word/document.xml", b"word/main.xml")
            zout.writestr(renamed.get(info.filename, info.filename), data)
    assert [el.text for el in docbatch.partition(path)] == [el.text for el in docbatch.partition(src)]


def test_docx_field_code_with_a_nested_field_is_not_text(tmp_path):
    """Before: "JaneHello" — the nested MERGEFIELD's result inside the IF field's code was text."""
    import docx
    from docx.oxml import parse_xml

    def run(inner: str) -> str:
        return f'<w:r xmlns:w="{_W_NS}">{inner}</w:r>'

    document = docx.Document()
    p = document.add_paragraph("Greeting: ")._p
    for xml in [
        run('<w:fldChar w:fldCharType="begin"/>'),
        run('<w:instrText xml:space="preserve"> IF </w:instrText>'),
        run('<w:fldChar w:fldCharType="begin"/>'),
        run("<w:instrText> MERGEFIELD Name </w:instrText>"),
        run('<w:fldChar w:fldCharType="separate"/>'),
        run("<w:t>Jane</w:t>"),
        run('<w:fldChar w:fldCharType="end"/>'),
        run('<w:instrText xml:space="preserve"> = "Jane" "Hello" "Bye" </w:instrText>'),
        run('<w:fldChar w:fldCharType="separate"/>'),
        run("<w:t>Hello</w:t>"),
        run('<w:fldChar w:fldCharType="end"/>'),
    ]:
        p.append(parse_xml(xml))
    document.save(tmp_path / "fields.docx")
    assert [el.text for el in docbatch.partition(tmp_path / "fields.docx")] == ["Greeting: Hello"]


def test_docx_text_box_in_a_header_is_kept(tmp_path):
    """Before: the header's text box ("Confidential draft") was dropped; only "Acme Corp" came out."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Body text of the report.")
    header = document.sections[0].header.paragraphs[0]
    header.text = "Acme Corp"
    box = (
        f'<w:r xmlns:w="{_W_NS}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
        "<w:txbxContent><w:p><w:r><w:t>Confidential draft</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></w:r>"
    )
    header._p.append(parse_xml(box))
    document.save(tmp_path / "header-box.docx")
    headers = [el.text for el in docbatch.partition(tmp_path / "header-box.docx") if el.type == "Header"]
    assert headers == ["Acme Corp\nConfidential draft"]


def test_docx_inline_shape_text_stays_in_its_sentence(tmp_path):
    """Before: "See for details." then "Figure A" — the inline shape's text split and reordered it."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("See ")
    shape = (
        f'<w:r xmlns:w="{_W_NS}" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<w:drawing><wp:inline><wp:docPr id="1" name="Shape 1"/><a:graphic>'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        "<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>Figure A</w:t></w:r></w:p></w:txbxContent></wps:txbx>"
        "</wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    paragraph._p.append(parse_xml(shape))
    paragraph.add_run(" for details.")
    document.save(tmp_path / "inline.docx")
    assert [el.text for el in docbatch.partition(tmp_path / "inline.docx")] == ["See Figure A for details."]


def _rtf(source: str, name: str = "a.rtf") -> list[tuple[str, str]]:
    return [(el.type, el.text) for el in docbatch.partition(source.encode("latin-1"), filename=name)]


def test_rtf_surrogate_pair_escapes_make_one_character():
    """Before: UnicodeEncodeError (internal error) from the lone surrogates in element ids."""
    assert _rtf(r"{\rtf1\ansi Smile \u-10179?\u-8704? please.\par}") == [("NarrativeText", "Smile 😀 please.")]


def test_rtf_fragment_without_header_is_rtf_not_json():
    """Before: skipped as "unsupported: JSON that is not element JSON"."""
    assert _rtf(r"{\pard Just a fragment of text here.\par}", name="clip") == [
        ("NarrativeText", "Just a fragment of text here.")
    ]


def test_rtf_table_cells_holding_paragraphs_stay_one_row():
    """Before: Title "First para" then a Table starting "second para" — the row torn apart."""
    rtf = (
        r"{\rtf1\ansi \trowd\cellx2000\cellx4000 \pard\intbl First para\par second para\cell Other\cell\row"
        r" \trowd\cellx2000\cellx4000 \intbl A\cell B\cell\row\pard After table.\par}"
    )
    elements = docbatch.partition(rtf.encode(), filename="t.rtf")
    assert elements[0].metadata["text_as_html"] == (
        "<table><tr><td>First para second para</td><td>Other</td></tr><tr><td>A</td><td>B</td></tr></table>"
    )
    assert [el.type for el in elements] == ["Table", "NarrativeText"]


def test_rtf_embedded_picture_leaves_the_text():
    rtf = r"{\rtf1\ansi Before the picture.\par{\pict\pngblip\bin4 " + "\x00\x01{}" + r"}After the picture.\par}"
    assert _rtf(rtf) == [("NarrativeText", "Before the picture."), ("NarrativeText", "After the picture.")]


def test_rtf_header_text_is_kept():
    """Before: "Company Header" was lost (striprtf drops header groups)."""
    assert _rtf(r"{\rtf1\ansi{\header\pard Company Header\par}Body text of the letter.\par}") == [
        ("Header", "Company Header"),
        ("NarrativeText", "Body text of the letter."),
    ]


def test_rtf_pn_and_listtext_items_are_list_items():
    """Before: both items were Title (their bullets, in \\pntext groups, were dropped)."""
    rtf = (
        r"{\rtf1\ansi{\pntext\f0 \'b7\tab}{\*\pn\pnlvlblt\pnf1{\pntxtb\'b7}}First item\par"
        r"{\listtext 2.\tab}Second item\par}"
    )
    assert _rtf(rtf) == [("ListItem", "First item"), ("ListItem", "Second item")]
