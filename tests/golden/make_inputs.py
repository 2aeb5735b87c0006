"""Write the golden inputs: a few small documents per format, under ``tests/golden/inputs/<format>/``.

    PYTHONPATH=src:tests python tests/golden/make_inputs.py [--force]

The inputs are checked in, so the goldens never depend on the versions of the libraries that
made them; this script only says where each one came from and makes a missing one again. A file
that exists is left alone unless ``--force`` is given (a rewrite would churn binary files whose
bytes embed dates). Existing test fixtures are copied; the rest is generated with the test extra
(python-docx/pptx, openpyxl, odfpy, fpdf2, Pillow, pillow-heif), the stdlib, the helpers in
``tests/`` and, for the legacy .doc/.ppt, LibreOffice itself. After adding an input, write its
golden with ``pytest tests/test_golden.py --regen-golden`` and review the new JSON.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
TESTS = HERE.parent
FIXTURES = TESTS / "fixtures"
sys.path.insert(0, str(TESTS))

_OOXML = "application/vnd.openxmlformats-officedocument."


# -- copies of the test fixtures ------------------------------------------------------------------

COPIED: dict[str, str] = {
    "docx/report.docx": "docx/report.docx",
    "pptx/deck.pptx": "pptx/deck.pptx",
    "xls/small.xls": "spreadsheet/small.xls",
    "xls/xlrd-rejects.xls": "spreadsheet/xlrd-rejects.xls",
    "odt/report.odt": "odt/report.odt",
    "html/page.html": "html/page.html",
    "html/chapter.xhtml": "html/chapter.xhtml",
    "html/cp1252.html": "html/cp1252.html",
    "html/utf16.html": "html/utf16.html",
    "xml/catalog.xml": "html/catalog.xml",
    "xml/catalog-utf16.xml": "html/catalog-utf16.xml",
    "md/guide.md": "markdown/guide.md",
    "md/latin1.md": "markdown/latin1.md",
    "rst/manual.rst": "rst/manual.rst",
    "org/notes.org": "org/notes.org",
    "txt/story.txt": "text/story.txt",
    "txt/lines.txt": "text/lines.txt",
    "txt/hebrew.txt": "text/hebrew.txt",
    "txt/utf16-nobom.txt": "text/utf16-nobom.txt",
    "txt/utf32.txt": "text/utf32.txt",
    "txt/utf16be-nobom.txt": "text/utf16be-nobom.txt",
    "txt/whitespace.txt": "text/whitespace.txt",  # nothing to read: an empty output
    "html/utf16-nobom.html": "html/utf16-nobom.html",
    "xml/billion-laughs.xml": "html/billion-laughs.xml",  # entity expansion refused
    "xml/xxe.xml": "html/xxe.xml",  # external entities never fetched
    "xml/xxe-dtd.xml": "html/xxe-dtd.xml",
    "msg/exchange-sender.msg": "mail/exchange-sender.msg",
    "eml/with-attachment.eml": "mail/with-attachment.eml",
    "msg/fake-email.msg": "mail/fake-email.msg",
    "msg/fake-email-attachment.msg": "mail/fake-email-attachment.msg",
    "epub/book.epub": "epub/book.epub",
    "rtf/summary.rtf": "rtf/summary.rtf",
    "json/report.pdf.json": "elementjson/report.pdf.json",
    "ndjson/report.pdf.ndjson": "elementjson/report.pdf.ndjson",
}


# -- PDF: tests/fixtures/pdf/make_fixtures.py's pages, written once -------------------------------

#: golden name -> the fixture builder that makes it
_PDF = {
    "structured.pdf": "structured.pdf",  # headings, wrapped paragraph, lists, a link
    "running-heads.pdf": "running-heads.pdf",
    "two-columns.pdf": "two-columns.pdf",
    "table-ruled.pdf": "table.pdf",
    "table-unruled.pdf": "booktabs.pdf",
    "rotated.pdf": "rotated.pdf",
    "encrypted.pdf": "encrypted.pdf",  # fails: the golden is its reason
    "broken.pdf": "broken.pdf",  # fails as damaged
}


def _pdf_fixtures() -> dict[str, Callable[[Path], Path]]:
    spec = importlib.util.spec_from_file_location("pdf_make_fixtures", FIXTURES / "pdf" / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FIXTURES


# -- OOXML variants: the same package under another main content type ----------------------------


def _cut(src: Path, dst: Path, member: str) -> None:
    """A copy of the zip ``src`` with ``member`` cut to its first half: a lost part, the rest read."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data[: len(data) // 2] if info.filename == member else data)


def _retyped(src: Path, dst: Path, old: str, new: str) -> None:
    """A copy of the OOXML package ``src`` whose main part has content type ``new`` instead of ``old``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                assert old.encode() in data, (src, old)
                data = data.replace(old.encode(), new.encode())
            zout.writestr(info, data)


_WORD_MAIN = _OOXML + "wordprocessingml.document.main+xml"
_WORD_VARIANTS = {
    "dotx/report.dotx": _OOXML + "wordprocessingml.template.main+xml",
    "docm/report.docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "dotm/report.dotm": "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
_DECK_MAIN = _OOXML + "presentationml.presentation.main+xml"
_DECK_VARIANTS = {
    "ppsx/deck.ppsx": _OOXML + "presentationml.slideshow.main+xml",
    "potx/deck.potx": _OOXML + "presentationml.template.main+xml",
    "pptm/deck.pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "ppsm/deck.ppsm": "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "potm/deck.potm": "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
}
_BOOK_MAIN = _OOXML + "spreadsheetml.sheet.main+xml"
_BOOK_VARIANTS = {
    "xltx/book.xltx": _OOXML + "spreadsheetml.template.main+xml",
    "xlsm/book.xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "xltm/book.xltm": "application/vnd.ms-excel.template.macroEnabled.main+xml",
}

_SALES = [
    ["Region", "Quarter", "Revenue", "Share"],
    ["North", "Q1", 1250.5, 0.25],
    ["South", "Q1", 980, 0.2],
    ["East", "Q2", 2100.75, 0.42],
]


def make_xlsx(path: Path) -> None:
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sales"
    for row in _SALES:
        sheet.append(row)
    sheet["A7"] = "Totals are reviewed every quarter by the finance team."
    notes = book.create_sheet("Notes")
    notes.append(["Owner", "Ada Lovelace"])
    notes.append(["Reviewed", datetime.date(2024, 3, 1)])
    notes.merge_cells("A4:B4")
    notes["A4"] = "Merged heading across two columns"
    book.properties.created = book.properties.modified = datetime.datetime(2024, 1, 1)
    book.save(path)


def make_xlsb(path: Path) -> None:
    from _xlsb import write_xlsb

    write_xlsb(path, {"Sales": [[str(c) if isinstance(c, str) else c for c in row] for row in _SALES]})


def make_csv(path: Path) -> None:
    path.write_text(
        'Region,Quarter,Revenue\nNorth,Q1,1250.50\n"South, coastal",Q1,980\nEast,Q2,"2,100.75"\n', encoding="utf-8"
    )


def make_tsv(path: Path) -> None:
    path.write_text("Name\tRole\tStarted\nAda\tEngineer\t2021\nGrace\tAdmiral\t1943\n", encoding="utf-8")


# -- OpenDocument (odfpy), and templates by the mimetype member -----------------------------------


def make_ods(path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in {"Cups": [["Team", "Cups"], ["Blues", "1"], ["Reds", "3"]], "Notes": [["Summary"]]}.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


def make_odp(path: Path) -> None:
    from odf.draw import Frame, Page, TextBox
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.text import List, ListItem, P

    def frame(kind, *blocks):
        f = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        if kind:
            f.setAttrNS(PRESENTATIONNS, "class", kind)
        box = TextBox()
        for block in blocks:
            box.addElement(block)
        f.addElement(box)
        return f

    def bullets(*items):
        listing = List()
        for item in items:
            li = ListItem()
            li.addElement(P(text=item))
            listing.addElement(li)
        return listing

    doc = OpenDocumentPresentation()
    layout = PageLayout(name="PL")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    first = Page(masterpagename=master)
    first.addElement(frame("title", P(text="Quarterly review")))
    first.addElement(frame("outline", bullets("Revenue grew", "Costs fell")))
    notes = Notes()
    notes.addElement(frame("notes", P(text="Speak slowly on this slide.")))
    first.addElement(notes)
    doc.presentation.addElement(first)
    second = Page(masterpagename=master)
    second.addElement(frame("title", P(text="Next steps")))
    second.addElement(frame(None, P(text="Hiring starts in the spring and finishes before summer.")))
    doc.presentation.addElement(second)
    doc.save(str(path))


def _odf_template(src: Path, dst: Path, kind: str) -> None:
    """``src`` with its ``mimetype`` member (first, stored) naming the template kind instead."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "mimetype":
                data = f"application/vnd.oasis.opendocument.{kind}".encode()
            zout.writestr(info, data)


# -- text and mail --------------------------------------------------------------------------------


def make_cp1252_txt(path: Path) -> None:
    text = (
        "Café menu for the Zürich office\n\n"
        "Crème brûlée and naïve façades: the chef’s “special” costs €12 this week.\n\n"
        "Orders close at noon – late orders go to the next day.\n"
    )
    path.write_bytes(text.encode("cp1252"))


def make_mbox(path: Path) -> None:
    messages = []
    for number, subject in enumerate(("Kickoff", "Budget follow-up", "Wrap-up"), start=1):
        msg = EmailMessage()
        msg["From"] = "Ada Lovelace <ada@example.com>"
        msg["To"] = "Grace Hopper <grace@example.com>"
        msg["Subject"] = subject
        msg["Date"] = f"Mon, {number} Jan 2024 10:00:00 +0000"
        msg["Message-ID"] = f"<msg{number}@example.com>"
        msg.set_content(f"Body of message {number}.\n\nFrom here on it is still message {number}.\n")
        messages.append(f"From ada@example.com Mon Jan {number} 10:00:00 2024\n".encode() + msg.as_bytes() + b"\n")
    path.write_bytes(b"".join(messages))


# -- data: JSON, NDJSON and YAML that are not element JSON (read as documents of their values) ----


def make_data_json(path: Path) -> None:
    catalog = {
        "catalog": "Garden tools",
        "updated": "2024-03-01",
        "owner": {"name": "Ada Lovelace", "team": {"name": "Merchandising", "floor": 3}},
        "description": (
            "Hand tools for small gardens, chosen for balconies and allotments. Every tool is tested "
            "for a season before it is listed, and the list is reviewed each spring by the team that "
            "looks after the shop floor."
        ),
        "discontinued": None,
        "items": [
            {"sku": "GRD-8842", "name": "Garden Trowel", "price": 12.5, "in_stock": True},
            {"sku": "GRD-1290", "name": "Watering Can", "price": 18.0, "in_stock": False},
        ],
        "tags": ["garden", "tools"],
    }
    path.write_text(json.dumps(catalog, indent=2) + "\n", encoding="utf-8")


def make_data_ndjson(path: Path) -> None:
    events = [
        {"time": "2024-03-01T09:00:00Z", "event": "restock", "sku": "GRD-8842", "qty": 40},
        {"time": "2024-03-01T09:05:00Z", "event": "restock", "sku": "GRD-1290", "qty": 12},
        {"time": "2024-03-01T10:12:00Z", "event": "review", "by": {"name": "Grace"}, "stars": 5, "tags": ["sturdy"]},
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")


def make_yaml(path: Path) -> None:
    path.write_text(
        "# deployment of the catalog service\n"
        "defaults: &defaults\n  region: eu-west-1\n  replicas: 2\n"
        "service:\n  name: catalog\n  <<: *defaults\n  replicas: 3\n  debug: false\n"
        "  owners:\n    - name: Ada\n      role: lead\n    - name: Grace\n      role: reviewer\n"
        "  summary: >\n    Serves the garden catalog to the shop front. Prices come from the nightly\n"
        "    export; stock levels from the warehouse feed every five minutes.\n"
        "  released: 2024-03-01\n  retired: null\n"
        "---\nname: second document\n",
        encoding="utf-8",
    )


def make_encrypted_ooxml(path: Path) -> None:
    from _ole import write_ole

    write_ole(path, {"EncryptionInfo": b"x", "EncryptedPackage": b"y"})


# -- images for OCR: one small page of known text, rendered by pdfium -----------------------------

_IMAGE_PAGE = [
    ("title", "Quarterly Warehouse Review"),
    ("text", "The northern depot shipped more parcels than planned."),
    ("item", "Replace the old forklift batteries"),
]


def _page_image():
    from ocr_fixtures import page_images, text_pdf

    with tempfile.TemporaryDirectory() as tmp:
        (image,) = page_images(text_pdf(Path(tmp) / "page.pdf", [_IMAGE_PAGE]), dpi=150)
    return image.crop((0, 0, image.width, image.height * 3 // 5))


def make_image(path: Path, fmt: str) -> None:
    image = _page_image()
    if fmt == "TIFF":  # two frames: every frame is a page
        second = image.copy()
        image.save(path, format="TIFF", compression="tiff_deflate", save_all=True, append_images=[second])
    elif fmt == "BMP":
        image.convert("1").save(path, format="BMP")  # 1 bit per pixel keeps it small
    elif fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
        image.convert("RGB").save(path, format="HEIF", quality=60)
    elif fmt == "JPEG":
        image.save(path, format="JPEG", quality=70)
    else:
        image.save(path, format=fmt)


def make_scanned_pdf(path: Path) -> None:
    from ocr_fixtures import scanned_pdf

    buf = io.BytesIO()
    _page_image().save(buf, format="PNG")
    buf.seek(0)
    from PIL import Image

    scanned_pdf(path, [Image.open(buf)])


# -- legacy Office, written by LibreOffice --------------------------------------------------------


def _soffice_convert(src: Path, dst: Path, target: str) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit(f"{dst.name} needs LibreOffice (soffice) to be written")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                out,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        shutil.move(Path(out) / f"{src.stem}.{target}", dst)


def make_doc(path: Path) -> None:
    import docx

    with tempfile.TemporaryDirectory() as tmp:
        document = docx.Document()
        document.add_heading("Annual report", level=1)
        document.add_paragraph("The company grew in every region during the year, and hired widely.")
        document.add_paragraph("First bullet point", style="List Bullet")
        document.add_paragraph("Second bullet point", style="List Bullet")
        src = Path(tmp) / f"{path.stem}.docx"
        document.save(src)
        _soffice_convert(src, path, "doc")


def make_ppt(path: Path) -> None:
    # from the ODP input: LibreOffice writes a third smaller PPT from it than from a python-pptx deck
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{path.stem}.odp"
        shutil.copyfile(INPUTS / "odp/review.odp", src)
        _soffice_convert(src, path, "ppt")


# -- the whole set --------------------------------------------------------------------------------


def makers() -> dict[str, Callable[[Path], None]]:
    """Every generated input: its path under inputs/ -> the function that writes it there."""
    out: dict[str, Callable[[Path], None]] = {}
    pdf = _pdf_fixtures()
    for name, fixture in _PDF.items():
        out[f"pdf/{name}"] = lambda p, make=pdf[fixture]: make(p) and None
    out["pdf/scanned.pdf"] = make_scanned_pdf
    for name, main in _WORD_VARIANTS.items():
        out[name] = lambda p, m=main: _retyped(FIXTURES / "docx/report.docx", p, _WORD_MAIN, m)
    for name, main in _DECK_VARIANTS.items():
        out[name] = lambda p, m=main: _retyped(FIXTURES / "pptx/deck.pptx", p, _DECK_MAIN, m)
    out["docx/lost-header.docx"] = lambda p: _cut(FIXTURES / "docx/report.docx", p, "word/header1.xml")
    out["pptx/lost-slide.pptx"] = lambda p: _cut(FIXTURES / "pptx/deck.pptx", p, "ppt/slides/slide2.xml")
    out["xlsx/book.xlsx"] = make_xlsx
    for name, main in _BOOK_VARIANTS.items():
        out[name] = lambda p, m=main: _retyped(INPUTS / "xlsx/book.xlsx", p, _BOOK_MAIN, m)
    out["xlsb/book.xlsb"] = make_xlsb
    out["csv/sales.csv"] = make_csv
    out["tsv/people.tsv"] = make_tsv
    out["ods/cups.ods"] = make_ods
    out["ots/cups.ots"] = lambda p: _odf_template(INPUTS / "ods/cups.ods", p, "spreadsheet-template")
    out["odp/review.odp"] = make_odp
    out["otp/review.otp"] = lambda p: _odf_template(INPUTS / "odp/review.odp", p, "presentation-template")
    out["ott/report.ott"] = lambda p: _odf_template(FIXTURES / "odt/report.odt", p, "text-template")
    out["txt/cp1252.txt"] = make_cp1252_txt
    out["mbox/archive.mbox"] = make_mbox
    out["json/catalog.json"] = make_data_json
    out["ndjson/events.ndjson"] = make_data_ndjson
    out["yaml/service.yaml"] = make_yaml
    out["ooxml-encrypted/secret.docx"] = make_encrypted_ooxml
    for name, fmt in (
        ("png/page.png", "PNG"),
        ("jpg/page.jpg", "JPEG"),
        ("tiff/pages.tiff", "TIFF"),
        ("gif/page.gif", "GIF"),
        ("bmp/page.bmp", "BMP"),
        ("webp/page.webp", "WEBP"),
        ("heic/page.heic", "HEIF"),
    ):
        out[name] = lambda p, f=fmt: make_image(p, f)
    out["doc/report.doc"] = make_doc
    out["ppt/review.ppt"] = make_ppt
    for kind, name in OFFICE_INPUTS.items():
        out[f"{name}/{OFFICE_FILES[kind]}"] = lambda p, k=kind: _office_input(p, k)
    return out


#: Formats LibreOffice reads that tests/_office_files.py writes by hand: its kind -> golden folder.
OFFICE_INPUTS = {
    "wpd": "wpd",
    "wri": "wri",
    "abw": "abw",
    "lotus": "lotus",
    "wks": "wks",
    "sxw": "sxw",
    "stw": "stw",
    "sxg": "sxg",
    "sxc": "sxc",
    "stc": "stc",
    "sxi": "sxi",
    "sxd": "sxd",
    "odg": "odg",
    "otg": "otg",
}
OFFICE_FILES = {
    "wpd": "report.wpd",
    "wri": "report.wri",
    "abw": "report.abw",
    "lotus": "sales.wk1",
    "wks": "sales.wks",
    "odg": "diagram.odg",
    "otg": "diagram.otg",
} | {kind: f"file.{kind}" for kind in ("sxw", "stw", "sxg", "sxc", "stc", "sxi", "sxd")}


def _office_input(path: Path, kind: str) -> None:
    from _office_files import make

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(make(kind, Path(tmp)), path)


def main(argv: list[str]) -> int:
    force = "--force" in argv
    written = 0
    jobs: list[tuple[str, Callable[[Path], None]]] = [
        (name, lambda p, src=src: shutil.copyfile(FIXTURES / src, p)) for name, src in COPIED.items()
    ]
    jobs += list(makers().items())
    for name, make in jobs:
        path = INPUTS / name
        if path.exists() and not force:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)
        written += 1
        print(f"wrote {name} ({path.stat().st_size} bytes)")
    print(f"{written} inputs written, {len(jobs) - written} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
