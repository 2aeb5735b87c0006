"""Legacy fixtures: a DOCX and a PPTX, and their .doc and .ppt twins written by LibreOffice itself
(``Converter.converted`` to ``doc``/``ppt``), so the legacy files are real Word 97 and PowerPoint 97
binaries. Tests using them skip when LibreOffice is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pptx
import pytest

from docbatch.partitioners.legacy import legacy
from docbatch.partitioners.legacy.legacy import soffice_path


def _docx(path: Path) -> Path:
    # No table: LibreOffice's DOC export flattens python-docx's grid-less tables to one paragraph
    # (the corpus twins, fake-doc-emphasized-text.doc/.docx, cover tables read from real Word files).
    document = docx.Document()
    document.add_heading("Annual report", level=1)
    document.add_paragraph("The company grew in every region during the year, and hired widely.")
    document.add_paragraph("First bullet point", style="List Bullet")
    document.add_paragraph("Second bullet point", style="List Bullet")
    document.save(path)
    return path


def _pptx(path: Path) -> Path:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Roadmap"
    body = slide.placeholders[1].text_frame
    body.text = "Ship the first release"
    body.add_paragraph().text = "Collect feedback from users"
    second = deck.slides.add_slide(deck.slide_layouts[0])
    second.shapes.title.text = "Thank you"
    deck.save(path)
    return path


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """docx/pptx and their .doc/.ppt twins, the legacy ones written by LibreOffice."""
    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    folder = tmp_path_factory.mktemp("legacy")
    files = {"docx": _docx(folder / "report.docx"), "pptx": _pptx(folder / "deck.pptx")}
    converter = legacy.converter("doc")
    for modern, old in (("docx", "doc"), ("pptx", "ppt")):
        with converter.converted(files[modern], f".{modern}", old) as out:
            files[old] = Path(shutil.copy(out, folder / f"{files[modern].stem}.{old}"))
    return files
