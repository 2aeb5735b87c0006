"""Document parts beside the body (issue 24): comments in Word, PowerPoint, Excel and ODF files,
the text boxes a slide master or layout puts on slides, and an Excel sheet's charts. Each part
comes out as its own element, marked by what it is and linked to where it stands."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pptx
from lxml import etree
from odf.dc import Creator
from odf.draw import Page
from odf.office import Annotation
from odf.opendocument import OpenDocumentPresentation, OpenDocumentText
from odf.style import MasterPage, PageLayout
from odf.text import P

import docbatch
from _parts import sales_workbook

OPTIONS = {"detect_languages": False}
_PML = "http://schemas.openxmlformats.org/presentationml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _meta(el: docbatch.Element) -> dict:
    return el.to_dict()["metadata"]


def _comment_of(elements: list[docbatch.Element]) -> docbatch.Element:
    return next(el for el in elements if _meta(el).get("note_type") == "comment")


def test_a_docx_comment_follows_the_paragraph_it_stands_on(tmp_path):
    """Before: the comment's words were not in the output at all."""
    document = docx.Document()
    document.add_paragraph("Introduction to the plan.")
    commented = document.add_paragraph("The budget is final.")
    document.add_comment(commented.runs, text="Check with finance first.", author="Ann Lee", initials="AL")
    document.add_paragraph("Closing words of the plan.")
    document.save(tmp_path / "plan.docx")
    elements = docbatch.partition(tmp_path / "plan.docx", **OPTIONS)
    assert [el.text for el in elements] == [
        "Introduction to the plan.",
        "The budget is final.",
        "Check with finance first.",
        "Closing words of the plan.",
    ]
    comment = elements[2]
    assert comment.type == "NarrativeText"
    assert _meta(comment)["comment_author"] == "Ann Lee"
    assert _meta(comment)["parent_id"] == elements[1].element_id
    assert _meta(comment)["page_number"] == 1


def _deck_with_master_text_and_comment(path: Path) -> Path:
    deck = pptx.Presentation()
    brand = (
        f'<p:sp xmlns:p="{_PML}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<p:nvSpPr><p:cNvPr id="99" name="Brand"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
        '<p:spPr><a:xfrm><a:off x="457200" y="6400800"/><a:ext cx="3657600" cy="365760"/></a:xfrm></p:spPr>'
        "<p:txBody><a:bodyPr/><a:p><a:r><a:t>Contoso Confidential</a:t></a:r></a:p></p:txBody></p:sp>"
    )
    deck.slide_master.shapes._spTree.append(etree.fromstring(brand))
    for title in ("Plan", "Budget"):
        deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = title
    buffer = io.BytesIO()
    deck.save(buffer)
    comments = (
        f'<p:cmLst xmlns:p="{_PML}"><p:cm authorId="0" dt="2024-01-01T00:00:00" idx="1">'
        '<p:pos x="10" y="10"/><p:text>Swap the two charts.</p:text></p:cm></p:cmLst>'
    )
    authors = (
        f'<p:cmAuthorLst xmlns:p="{_PML}">'
        '<p:cmAuthor id="0" name="Ann Lee" initials="AL" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'
    )
    pml = "application/vnd.openxmlformats-officedocument.presentationml."
    extra = {
        "[Content_Types].xml": (
            f'<Override PartName="/ppt/comments/comment1.xml" ContentType="{pml}comments+xml"/>'
            f'<Override PartName="/ppt/commentAuthors.xml" ContentType="{pml}commentAuthors+xml"/></Types>'
        ),
        "ppt/slides/_rels/slide1.xml.rels": (
            f'<Relationship Id="rId99" Type="{_RELS}/comments" Target="../comments/comment1.xml"/></Relationships>'
        ),
        "ppt/_rels/presentation.xml.rels": (
            f'<Relationship Id="rId99" Type="{_RELS}/commentAuthors" Target="commentAuthors.xml"/></Relationships>'
        ),
    }
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in extra:
                closing = extra[info.filename].rpartition("</")[2]
                data = data.replace(f"</{closing}".encode(), extra[info.filename].encode())
            out.writestr(info, data)
        out.writestr("ppt/comments/comment1.xml", comments)
        out.writestr("ppt/commentAuthors.xml", authors)
    return path


def test_pptx_master_text_boxes_and_slide_comments_come_out(tmp_path):
    """Before: the master's "Contoso Confidential" and the slide's comment were missing."""
    elements = docbatch.partition(_deck_with_master_text_and_comment(tmp_path / "deck.pptx"), **OPTIONS)
    seen = [(el.type, el.text, _meta(el)["page_number"]) for el in elements]
    assert seen == [
        ("Title", "Plan", 1),
        ("Footer", "Contoso Confidential", 1),  # once per deck, where it is first shown, by its place
        ("NarrativeText", "Swap the two charts.", 1),
        ("Title", "Budget", 2),
    ]
    assert _meta(_comment_of(elements))["comment_author"] == "Ann Lee"


def test_xlsx_cell_comments_and_charts_follow_their_sheet(tmp_path):
    """Before: a sheet's notes and its chart's title were missing."""
    book, _ = sales_workbook()
    book.create_sheet("Later").append(["Other figures"])
    book.save(tmp_path / "sales.xlsx")
    elements = docbatch.partition(tmp_path / "sales.xlsx", **OPTIONS)
    assert [(el.type, _meta(el)["page_name"]) for el in elements] == [
        ("Table", "Sales"),
        ("NarrativeText", "Sales"),
        ("FigureCaption", "Sales"),
        ("Title", "Later"),
    ]
    comment = elements[1]
    assert comment.text == "Includes the March returns."
    assert {k: _meta(comment)[k] for k in ("note_type", "comment_author", "comment_anchor")} == {
        "note_type": "comment",
        "comment_author": "Ann Lee",
        "comment_anchor": "B2",
    }
    assert elements[2].text == "Sales by region"


def _annotation(words: str, author: str) -> Annotation:
    annotation = Annotation()
    annotation.addElement(Creator(text=author))
    annotation.addElement(P(text=words))
    return annotation


def test_odt_and_odp_annotations_are_comments(tmp_path):
    """Before: ``office:annotation`` was skipped as not visible text."""
    text = OpenDocumentText()
    para = P(text="The budget is final.")
    para.addElement(_annotation("Check with finance first.", "Ann Lee"))
    text.text.addElement(para)
    text.save(str(tmp_path / "plan.odt"))
    elements = docbatch.partition(tmp_path / "plan.odt", **OPTIONS)
    assert [el.text for el in elements] == ["The budget is final.", "Check with finance first."]
    assert _meta(elements[1])["parent_id"] == elements[0].element_id
    assert _meta(elements[1])["comment_author"] == "Ann Lee"

    deck = OpenDocumentPresentation()
    layout = PageLayout(name="PL")
    deck.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    deck.masterstyles.addElement(master)
    page = Page(masterpagename=master)
    page.addElement(_annotation("Swap the two charts.", "Ann Lee"), check_grammar=False)  # ODF 1.3 allows it
    deck.presentation.addElement(page)
    deck.save(str(tmp_path / "deck.odp"))
    comment = _comment_of(docbatch.partition(tmp_path / "deck.odp", **OPTIONS))
    assert (comment.text, _meta(comment)["comment_author"], _meta(comment)["page_number"]) == (
        "Swap the two charts.",
        "Ann Lee",
        1,
    )
