"""The RTF partitioner: striprtf text split into paragraphs, table rows into Tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, finalize
from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.markup.rtf import partition_rtf, partition_rtf_string

CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions(detect_languages=False)

DOCUMENT = r"""{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}
{\*\generator Test Writer;}
{\pard \b \fs36 Project Summary\par}
{\pard Caf\'e9 owners reported that the new menu increased sales.\par}
{\pard The \i second\i0  paragraph mentions \u8364? prices and ends here.\par}
{\pard \'95 First bullet point\par}
{\trowd\cellx3000\cellx6000
\pard\intbl Item\cell Cost\cell\row
\pard\intbl Coffee\cell 3\cell\row
}
{\pard Closing remarks follow the table.\par}
{\pict\pngblip 89504e470d0a1a0a0000000d49484452}
}"""


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


def test_paragraphs_code_page_unicode_and_table(tmp_path):
    path = tmp_path / "doc.rtf"
    path.write_bytes(DOCUMENT.encode("ascii"))
    elements = partition_rtf(path, OPTIONS)
    assert _pairs(elements) == [
        ("Title", "Project Summary"),
        ("NarrativeText", "Café owners reported that the new menu increased sales."),
        ("NarrativeText", "The second paragraph mentions € prices and ends here."),
        ("ListItem", "First bullet point"),
        ("Table", "Item Cost\nCoffee 3"),
        ("NarrativeText", "Closing remarks follow the table."),
    ]
    table = elements[4]
    assert table.metadata["text_as_html"] == (
        "<table><tr><td>Item</td><td>Cost</td></tr><tr><td>Coffee</td><td>3</td></tr></table>"
    )
    final = finalize(elements, DocumentInfo("doc.rtf", "text/rtf", "file:///doc.rtf", {}))
    assert final[1].metadata["parent_id"] == final[0].element_id


def test_detected_by_content(tmp_path):
    path = tmp_path / "misnamed.txt"
    path.write_bytes(DOCUMENT.encode("ascii"))
    file_type, elements = partition_file(path, OPTIONS)
    assert file_type.name == "rtf"
    assert elements[0].text == "Project Summary"


def test_not_rtf_is_a_document_error(tmp_path):
    path = tmp_path / "fake.rtf"
    path.write_bytes(b"\x00\x01\x02 binary junk")
    with pytest.raises(DocumentError, match="RTF"):
        partition_rtf(path, OPTIONS)


def test_binary_picture_data_is_skipped():
    rtf = r"{\rtf1 {\pict\wmetafile8\bin6 " + "\x00\x01\x02\x03\x04\x05" + r"}Visible text after the picture.\par}"
    assert [e.text for e in partition_rtf_string(rtf)] == ["Visible text after the picture."]


def test_unbalanced_braces_do_not_raise():
    elements = partition_rtf_string(r"{\rtf1 {\b Unclosed group text\par")
    assert [e.text for e in elements] == ["Unclosed group text"]


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_fake_doc():
    file_type, elements = partition_file(CORPUS / "fake-doc.rtf", OPTIONS)
    assert file_type.name == "rtf"
    assert _pairs(elements)[:2] == [("Title", "My First Heading"), ("NarrativeText", "My first paragraph.")]
    assert elements[-1].type == "Table"
    assert elements[-1].text.splitlines()[0] == "Column 1 Column 2"


def test_large_hex_picture_is_dropped_before_parsing():
    rtf = r"{\rtf1 {\pict\pngblip " + "89504e470d0a1a0a" * 5000 + r"}{\pard Caption below the image.\par}}"
    assert [e.text for e in partition_rtf_string(rtf)] == ["Caption below the image."]


# A phonetic guide as Word writes it: the EQ field's instruction split over runs of its own
# formatting, the reading and the base as \u escapes (with \uc1 fallbacks), an empty result.
_WORD_RUBY = (
    r"{\rtf1\ansi\uc1 {\rtlch\fcs1 \af0 \loch\f0 \u39318?\u37117?\u12399?}"
    r"{\field{\*\fldinst {\rtlch\fcs1 \af0 \hich\af0\dbch\af13\loch\f0 EQ \\* jc2 \\* \"Font:MS Mincho\" "
    r"\\* hps10 \\o\\ad(\\s\\up 9(}{\rtlch\fcs1 \af0 \u12392?\u12358?\u12365?\u12423?\u12358?}{),}"
    r"{\rtlch\fcs1 \af0 \u26481?\u20140?}{)}}{\fldrslt {\rtlch\fcs1 \af0 }}}"
    r"{\rtlch\fcs1 \af0 \u12391?\u12377?\u12290?}\par}"
)


def test_a_phonetic_guide_reads_its_base_text_without_the_reading():
    assert [(el.type, el.text) for el in partition_rtf_string(_WORD_RUBY)] == [("NarrativeText", "首都は東京です。")]


def test_other_fields_keep_their_result_and_drop_their_instruction():
    rtf = r"{\rtf1 Page {\field{\*\fldinst { PAGE }}{\fldrslt {3}}} of {\field{\*\fldinst EQ \\f(1,2)}{\fldrslt }}\par}"
    assert [el.text for el in partition_rtf_string(rtf)] == ["Page 3 of"]


def test_a_phonetic_guide_libreoffice_writes_reads_its_base_text(tmp_path):
    import shutil

    from _ruby import ruby_docx
    from docbatch.partitioners.legacy.legacy import converter, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    source = ruby_docx(tmp_path / "ruby.docx")
    with converter("doc").converted(source, ".docx", "rtf") as out:
        rtf = Path(shutil.copy(out, tmp_path / "ruby.rtf"))
    assert "\\\\o\\\\ad(" in rtf.read_text("latin-1")  # LibreOffice wrote the EQ field
    assert [el.text for el in partition_file(rtf, PartitionOptions(detect_languages=False))[1]] == ["首都は東京です。"]


# Word's shape of a comment: initials and author groups, then \chatn and the comment's own text
# destination, inside the paragraph it stands on; the second one stands in a table cell.
_WORD_COMMENTS = r"""{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}
{\header \pard Quarterly plan\par}{\headerr \pard Quarterly plan\par}
\pard Revenue grows by a tenth.{\*\atnid JD}{\*\atnauthor Jane Doe}\chatn
{\*\annotation{\*\atnref 1}{\*\atndate 1}\pard\plain Check with {\b finance}.\par}\par
\trowd\cellx3000\cellx6000
\pard\intbl Item\cell Cost{\*\atnid AB}{\*\atnauthor Al Bo}\chatn{\*\annotation\pard Is this net?\par}\cell\row
\pard Closing words.\par
}"""


def test_comments_follow_the_paragraph_or_table_they_stand_in():
    import docbatch

    elements = docbatch.partition(_WORD_COMMENTS.encode(), filename="plan.rtf", detect_languages=False)
    assert _pairs(elements) == [
        ("Header", "Quarterly plan"),  # written for all pages and for odd ones: once
        ("NarrativeText", "Revenue grows by a tenth."),
        ("NarrativeText", "Check with finance."),
        ("Table", "Item Cost"),
        ("NarrativeText", "Is this net?"),
        ("NarrativeText", "Closing words."),
    ]
    first, second = elements[2].metadata, elements[4].metadata
    assert (first["note_type"], first["comment_author"]) == ("comment", "Jane Doe")
    assert first["parent_id"] == elements[1].element_id
    assert (second["comment_author"], second["parent_id"]) == ("Al Bo", elements[3].element_id)


def test_a_comment_libreoffice_writes_is_read_with_its_author(tmp_path):
    import shutil

    import docx

    from docbatch.partitioners.legacy.legacy import converter, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    document = docx.Document()
    paragraph = document.add_paragraph("The budget grows by a tenth next year.")
    document.add_comment(paragraph.runs, text="Check this figure with finance", author="Reviewer")
    document.add_paragraph("Second paragraph.")
    document.save(tmp_path / "reviewed.docx")
    with converter("doc").converted(tmp_path / "reviewed.docx", ".docx", "rtf") as out:
        rtf = Path(shutil.copy(out, tmp_path / "reviewed.rtf"))
    import docbatch

    elements = docbatch.partition(rtf, detect_languages=False)
    assert _pairs(elements) == [
        ("NarrativeText", "The budget grows by a tenth next year."),
        ("NarrativeText", "Check this figure with finance"),
        ("NarrativeText", "Second paragraph."),
    ]
    comment = elements[1].metadata
    assert (comment["note_type"], comment["comment_author"]) == ("comment", "Reviewer")
    assert comment["parent_id"] == elements[0].element_id


def _ole1(class_name: str, native: bytes) -> bytes:
    """An OLE 1.0 embedded object as Word writes one into ``\\objdata``."""
    import struct

    def name(text: str) -> bytes:
        data = text.encode("cp1252") + b"\0"
        return struct.pack("<I", len(data)) + data

    header = struct.pack("<II", 0x0501, 2) + name(class_name) + name("") + name("")
    return header + struct.pack("<I", len(native)) + native


def _rtf_with_objects(*objects: tuple[str, bytes]) -> bytes:
    groups = "".join(
        r"{\object\objemb{\*\objclass " + cls + r"}{\*\objdata" + "\n" + _ole1(cls, data).hex() + r"}{\result }}"
        for cls, data in objects
    )
    return (r"{\rtf1\ansi\pard The attached files follow.\par " + groups + r"\par}").encode()


def test_a_packaged_file_in_an_rtf_is_read_with_process_attachments(tmp_path):
    import docbatch

    text = b"Minutes of the board meeting held in March."
    packaged = b"\x02\x00minutes.txt\x00C:\\minutes.txt\x00\x00\x00\x03\x00" + (4).to_bytes(4, "little") + b"C:\\\x00"
    packaged += len(text).to_bytes(4, "little") + text
    path = tmp_path / "letter.rtf"
    path.write_bytes(_rtf_with_objects(("Package", packaged), ("Package", b"\x02")))
    assert [el.text for el in docbatch.partition(path, detect_languages=False)] == ["The attached files follow."]
    with pytest.warns(docbatch.PartialDocumentWarning, match="embedded object 2: damaged"):
        body, inner = docbatch.partition(path, detect_languages=False, process_attachments=True)
    meta = inner.to_dict()["metadata"]
    assert inner.text == text.decode()
    assert (meta["filename"], meta["attached_to_filename"], meta["parent_id"]) == (
        "minutes.txt",
        "letter.rtf",
        body.element_id,
    )


def test_a_workbook_object_in_an_rtf_is_read_as_its_workbook(tmp_path):
    import shutil

    import openpyxl

    import docbatch
    from docbatch.partitioners.legacy.legacy import converter, soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    book = openpyxl.Workbook()
    for row in (["Region", "Revenue"], ["North", 1200]):
        book.active.append(row)
    book.save(tmp_path / "sheet.xlsx")
    with converter("xlsx").converted(tmp_path / "sheet.xlsx", ".xlsx", "xls") as out:
        xls = Path(shutil.copy(out, tmp_path / "sheet.xls")).read_bytes()
    path = tmp_path / "report.rtf"
    path.write_bytes(_rtf_with_objects(("Excel.Sheet.8", xls)))
    _, table, *_ = docbatch.partition(path, detect_languages=False, process_attachments=True)
    assert (table.type, table.text) == ("Table", "Region Revenue\n\nNorth 1200")
    assert table.to_dict()["metadata"]["filetype"] == "application/vnd.ms-excel"
