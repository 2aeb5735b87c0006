"""Render one :class:`~benchmarks.document.Document` into each format, with its expected elements.

Each writer returns the elements a correct partitioner should produce for the file it wrote, in
reading order, and :func:`generate` saves them next to the file as ``<name>.expected.json``.
What a format cannot express is left out of both the file and its expectation (a plain-text file
has no tables; only paged formats have running headers and footers). Writer libraries are
imported inside their writer so that the scoring tests run with only docbatch's own dependencies.
"""

from __future__ import annotations

import html
import json
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from benchmarks.document import Block, Document, Expected, make_document

__all__ = ["FORMATS", "WRITERS", "GeneratedDoc", "generate", "load_expected"]

#: Bump when any writer changes, so cached files are rebuilt.
GENERATOR_VERSION = 2

_TYPE_OF = {"title": "Title", "paragraph": "NarrativeText", "list_item": "ListItem", "table": "Table"}


def _expected(block: Block) -> Expected:
    return Expected(_TYPE_OF[block.kind], block.table_text if block.kind == "table" else block.text)


# --------------------------------------------------------------------------- text-like formats


def write_txt(doc: Document, path: Path) -> list[Expected]:
    """Titles on their own lines, blank-line separated paragraphs, ``- `` bullets; no tables."""
    parts, expected = [], []
    for block in doc.blocks:
        if block.kind == "table":
            continue
        parts.append(f"{'  ' * block.level}- {block.text}" if block.kind == "list_item" else block.text)
        expected.append(_expected(block))
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return expected


def write_md(doc: Document, path: Path) -> list[Expected]:
    """ATX headings, paragraphs, ``- `` lists and pipe tables."""
    parts: list[str] = []
    for block in doc.blocks:
        if block.kind == "title":
            parts.append("#" * block.level + " " + block.text)
        elif block.kind == "list_item":
            item = f"{'  ' * block.level}- {block.text}"
            # consecutive items form one list: no blank line between them
            if parts and parts[-1].startswith("- "):
                parts[-1] += f"\n{item}"
            else:
                parts.append(item)
        elif block.kind == "table":
            head, *body = block.rows
            lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(row) + " |" for row in body]
            parts.append("\n".join(lines))
        else:
            before, bold, after = block.split_emphasis()
            parts.append(f"{before}**{bold}**{after}" if bold else block.text)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return [_expected(b) for b in doc.blocks]


def _html_list(items: list[Block]) -> str:
    """A <ul> whose level-1 items nest in a <ul> inside the item before them."""
    out = ["<ul>"]
    for i, item in enumerate(items):
        if item.level:
            continue
        children = []
        for later in items[i + 1 :]:
            if not later.level:
                break
            children.append(f"<li>{html.escape(later.text)}</li>")
        nested = f"<ul>{''.join(children)}</ul>" if children else ""
        out.append(f"<li>{html.escape(item.text)}{nested}</li>")
    out.append("</ul>")
    return "\n".join(out)


def _html_body(doc: Document) -> str:
    out: list[str] = []
    items: list[Block] = []
    for block in doc.blocks:
        if items and block.kind != "list_item":
            out.append(_html_list(items))
            items = []
        text = html.escape(block.text)
        if block.kind == "title":
            out.append(f"<h{block.level}>{text}</h{block.level}>")
        elif block.kind == "paragraph":
            before, bold, after = block.split_emphasis()
            if bold:
                text = f"{html.escape(before)}<b>{html.escape(bold)}</b>{html.escape(after)}"
            out.append(f"<p>{text}</p>")
        elif block.kind == "list_item":
            items.append(block)
        else:
            head, *body = block.rows
            rows = ["<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"]
            rows += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body]
            out.append("<table>\n" + "\n".join(rows) + "\n</table>")
    if items:
        out.append(_html_list(items))
    return "\n".join(out)


def _html_page(doc: Document) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(doc.title)}</title></head>\n<body>\n{_html_body(doc)}\n</body>\n</html>\n"
    )


def write_html(doc: Document, path: Path) -> list[Expected]:
    """Semantic HTML: h1-h3, p, ul/li and a table with a header row."""
    path.write_text(_html_page(doc), encoding="utf-8")
    return [_expected(b) for b in doc.blocks]


def write_eml(doc: Document, path: Path) -> list[Expected]:
    """A multipart/alternative email whose HTML part is the HTML rendering (the part both tools read)."""
    msg = EmailMessage()
    msg["Subject"] = doc.title
    msg["From"] = "Reports <reports@northwind.example>"
    msg["To"] = "Board <board@northwind.example>"
    msg["Date"] = format_datetime(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = f"<{zlib.crc32(doc.header.encode())}@northwind.example>"
    text_path = path.with_suffix(".txt.tmp")
    write_txt(doc, text_path)
    msg.set_content(text_path.read_text(encoding="utf-8"))
    text_path.unlink()
    msg.add_alternative(_html_page(doc), subtype="html")
    path.write_bytes(bytes(msg))
    return [_expected(b) for b in doc.blocks]


#: MAPI property types ([MS-OXCDATA] 2.11.1) and the properties an Outlook message is written with.
_PT_LONG, _PT_SYSTIME, _PT_UNICODE, _PT_BINARY = 0x0003, 0x0040, 0x001F, 0x0102


def _msg_properties(header: bytes, props: list[tuple[int, int, bytes]]) -> tuple[bytes, dict[str, bytes]]:
    """A ``__properties_version1.0`` stream and the ``__substg1.0_*`` streams of one storage
    ([MS-OXMSG] 2.4): fixed-size values inline, strings and binaries as streams."""
    table, streams = [header], {}
    for prop_id, prop_type, value in props:
        tag = (prop_id << 16) | prop_type
        if prop_type in (_PT_UNICODE, _PT_BINARY):
            streams[f"__substg1.0_{tag:08X}"] = value
            size = len(value) + (2 if prop_type == _PT_UNICODE else 0)
            table.append(struct.pack("<IIII", tag, 0x6, size, 0))
        else:
            table.append(struct.pack("<II", tag, 0x6) + value.ljust(8, b"\0"))
    return b"".join(table), streams


def write_msg(doc: Document, path: Path) -> list[Expected]:
    """An Outlook message (.msg, [MS-OXMSG]) with the same envelope and bodies as the .eml: an
    HTML body (what both tools read), a plain-text body and one To recipient, written with
    extract-msg's OLE writer (no Outlook needed)."""
    from extract_msg.ole_writer import OleWriter

    def utf16(text: str) -> bytes:
        return text.encode("utf-16-le")

    sent = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    filetime = int((sent - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10**7)
    message_id = f"<{zlib.crc32(doc.header.encode())}@northwind.example>"
    headers = (
        f"From: Reports <reports@northwind.example>\r\nTo: Board <board@northwind.example>\r\n"
        f"Subject: {doc.title}\r\nDate: {format_datetime(sent)}\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/alternative\r\n\r\n"
    )
    text_path = path.with_suffix(".txt.tmp")
    write_txt(doc, text_path)
    text = text_path.read_text(encoding="utf-8")
    text_path.unlink()
    root, streams = _msg_properties(
        struct.pack("<8xIIII8x", 1, 0, 1, 0),  # next recipient/attachment ids, recipient/attachment counts
        [
            (0x001A, _PT_UNICODE, utf16("IPM.Note")),
            (0x0037, _PT_UNICODE, utf16(doc.title)),
            (0x0039, _PT_SYSTIME, struct.pack("<Q", filetime)),  # client submit time
            (0x007D, _PT_UNICODE, utf16(headers)),  # transport message headers
            (0x0C1A, _PT_UNICODE, utf16("Reports")),  # sender name
            (0x0C1F, _PT_UNICODE, utf16("reports@northwind.example")),
            (0x0C1E, _PT_UNICODE, utf16("SMTP")),
            (0x1000, _PT_UNICODE, utf16(text)),  # plain body
            (0x1013, _PT_BINARY, _html_page(doc).encode("utf-8")),  # HTML body
            (0x1035, _PT_UNICODE, utf16(message_id)),
            (0x3FDE, _PT_LONG, struct.pack("<I", 65001)),  # internet code page of the HTML body: UTF-8
        ],
    )
    recipient, recipient_streams = _msg_properties(
        bytes(8),
        [
            (0x0C15, _PT_LONG, struct.pack("<I", 1)),  # recipient type: To
            (0x3000, _PT_LONG, struct.pack("<I", 0)),  # row id
            (0x3001, _PT_UNICODE, utf16("Board")),
            (0x3002, _PT_UNICODE, utf16("SMTP")),
            (0x3003, _PT_UNICODE, utf16("board@northwind.example")),
            (0x39FE, _PT_UNICODE, utf16("board@northwind.example")),
        ],
    )
    writer = OleWriter()
    writer.addEntry("__properties_version1.0", root)
    for name, data in streams.items():
        writer.addEntry(name, data)
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):  # an empty named-property map
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    folder = "__recip_version1.0_#00000000"
    writer.addEntry(folder, storage=True)
    writer.addEntry(f"{folder}/__properties_version1.0", recipient)
    for name, data in recipient_streams.items():
        writer.addEntry(f"{folder}/{name}", data)
    writer.write(str(path))
    return [_expected(b) for b in doc.blocks]


def write_csv(doc: Document, path: Path) -> list[Expected]:
    """The document's first table as CSV: one Table element."""
    import csv

    table = doc.tables()[0]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table.rows)
    return [_expected(table)]


# --------------------------------------------------------------------------- office formats


def write_xlsx(doc: Document, path: Path) -> list[Expected]:
    """One worksheet per table of the document; numbers stored as numbers."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    tables = doc.tables()
    for i, table in enumerate(tables, 1):
        ws = wb.create_sheet(f"Table {i}")
        for row in table.rows:
            ws.append([int(c) if c.isdigit() else c for c in row])
    wb.save(path)
    return [_expected(t) for t in tables]


def write_docx(doc: Document, path: Path) -> list[Expected]:
    """Heading 1-3 styles, List Bullet items, ruled tables, a section header/footer, a page per section."""
    import docx

    d = docx.Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = doc.header
    section.footer.paragraphs[0].text = doc.footer
    for i, block in enumerate(doc.blocks):
        if block.kind == "title":
            if block.level == 1 and i > 0:
                d.add_page_break()
            d.add_heading(block.text, level=block.level)
        elif block.kind == "paragraph":
            before, bold, after = block.split_emphasis()
            para = d.add_paragraph(before)
            if bold:
                para.add_run(bold).bold = True
                para.add_run(after)
        elif block.kind == "list_item":
            d.add_paragraph(block.text, style="List Bullet 2" if block.level else "List Bullet")
        else:
            t = d.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            t.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    t.cell(r, c).text = cell
    d.save(path)
    return [Expected("Header", doc.header), *(_expected(b) for b in doc.blocks), Expected("Footer", doc.footer)]


def _bullet(paragraph) -> None:
    from pptx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    ppr.set("marL", "285750")
    ppr.set("indent", "-285750")
    bu = ppr.makeelement(qn("a:buChar"), {"char": "•"})
    ppr.append(bu)


def write_pptx(doc: Document, path: Path) -> list[Expected]:
    """A slide per section: its title in the title placeholder, text boxes around a real table."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_height = Inches(20)  # tall slides so that nothing overlaps
    expected: list[Expected] = []
    for section in doc.sections():
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
        first, *rest = section
        slide.shapes.title.text = first.text
        expected.append(_expected(first))
        top = Inches(1.8)
        chunks: list[list[Block]] = [[]]
        for block in rest:
            if block.kind == "table":
                chunks.append([block])
                chunks.append([])
            else:
                chunks[-1].append(block)
        for chunk in chunks:
            if not chunk:
                continue
            if chunk[0].kind == "table":
                rows = chunk[0].rows
                shape = slide.shapes.add_table(
                    len(rows), len(rows[0]), Inches(0.5), top, Inches(9), Inches(0.3 * len(rows))
                )
                for r, row in enumerate(rows):
                    for c, cell in enumerate(row):
                        shape.table.cell(r, c).text = cell
                expected.append(_expected(chunk[0]))
                top += Inches(0.4 * len(rows) + 0.3)
                continue
            box = slide.shapes.add_textbox(Inches(0.5), top, Inches(9), Inches(0.35 * len(chunk)))
            frame = box.text_frame
            frame.word_wrap = True
            for j, block in enumerate(chunk):
                p = frame.paragraphs[0] if j == 0 else frame.add_paragraph()
                for k, piece in enumerate(block.split_emphasis()):
                    if not piece:
                        continue
                    run = p.add_run()
                    run.text = piece
                    run.font.bold = block.kind == "title" or k == 1
                    run.font.size = Pt(22 - 2 * block.level) if block.kind == "title" else Pt(12)
                if block.kind == "list_item":
                    p.level = block.level
                    _bullet(p)
                expected.append(_expected(block))
            top += Inches(0.9 * len(chunk) + 0.3)
    prs.save(path)
    return expected


# --------------------------------------------------------------------------- PDF


def _find_font() -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold, from the system or matplotlib; None means core Helvetica."""
    dirs = [Path("/usr/share/fonts/truetype/dejavu")]
    try:
        import matplotlib

        dirs.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf")
    except ImportError:
        pass
    for d in dirs:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def write_pdf(doc: Document, path: Path) -> list[Expected]:
    """A4 pages with an embedded TrueType font: bold headings at 17/14/12 pt, 10.5 pt body with a
    bold phrase, ``•`` bullets (``◦`` nested), ruled tables, and the header/footer on every page.

    A block never straddles a page (it moves to the next page whole), so the expected reading
    order is exact: header, the page's blocks, footer, for every page.
    """
    from fpdf import FPDF
    from fpdf.enums import MethodReturnValue

    expected: list[Expected] = []
    fonts = _find_font()
    family = "DejaVu" if fonts else "Helvetica"
    bullet, sub_bullet = ("•", "◦") if fonts else ("-", "o")

    class _Pdf(FPDF):
        def header(self) -> None:
            self.set_font(family, "", 9)
            self.cell(0, 6, doc.header, align="C")
            self.ln(12)
            expected.append(Expected("Header", doc.header))

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(family, "", 9)
            self.cell(0, 6, doc.footer, align="C")
            expected.append(Expected("Footer", doc.footer))

    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    if fonts:
        pdf.add_font(family, "", str(fonts[0]))
        pdf.add_font(family, "B", str(fonts[1]))
    pdf.add_page()

    def height(text: str, line: float, width: float = 0) -> float:
        pdf.set_auto_page_break(False)  # a dry run must not break pages either
        lines = pdf.multi_cell(width, line, text, dry_run=True, output=MethodReturnValue.LINES)
        pdf.set_auto_page_break(True, margin=20)
        return len(lines) * line

    def ensure(space: float) -> None:
        if pdf.will_page_break(space):
            pdf.add_page()

    sizes = {1: 17, 2: 14, 3: 12}
    for block in doc.blocks:
        if block.kind == "title":
            pdf.set_font(family, "B", sizes[block.level])
            ensure(height(block.text, 8) + 40)  # keep a heading with what follows it
            pdf.ln(3)
            pdf.multi_cell(0, 8, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif block.kind == "paragraph":
            pdf.set_font(family, "", 10.5)
            before, bold, after = block.split_emphasis()
            ensure(height(block.text, 5.5) + 3)
            marked = f"{before}**{bold}**{after}" if bold else block.text
            pdf.multi_cell(0, 5.5, marked, new_x="LMARGIN", new_y="NEXT", markdown=True)
            pdf.ln(3)
        elif block.kind == "list_item":
            pdf.set_font(family, "", 10.5)
            indent = 4 + 8 * block.level
            ensure(height(block.text, 5.5, pdf.epw - indent - 6) + 1.5)
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(6, 5.5, sub_bullet if block.level else bullet)
            pdf.multi_cell(pdf.epw - indent - 6, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        else:
            pdf.set_font(family, "", 10)
            ensure(7 * len(block.rows) + 6)
            with pdf.table(borders_layout="ALL", line_height=6, text_align="LEFT", first_row_as_headings=True) as t:
                for row in block.rows:
                    r = t.row()
                    for cell in row:
                        r.cell(cell)
            pdf.ln(4)
        expected.append(_expected(block))
    pdf.output(str(path))
    # the last page's footer is drawn on close, after the last block: already in order
    return expected


# --------------------------------------------------------------------------- driver

WRITERS: dict[str, tuple[str, Callable[[Document, Path], list[Expected]]]] = {
    "pdf": ("pdf", write_pdf),
    "docx": ("docx", write_docx),
    "pptx": ("pptx", write_pptx),
    "xlsx": ("xlsx", write_xlsx),
    "csv": ("csv", write_csv),
    "html": ("html", write_html),
    "md": ("md", write_md),
    "txt": ("txt", write_txt),
    "eml": ("eml", write_eml),
    "msg": ("msg", write_msg),
}
FORMATS = tuple(WRITERS)


@dataclass(frozen=True, slots=True)
class GeneratedDoc:
    """A generated file, the format it benchmarks under, and where its expectation lies."""

    path: Path
    format: str

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name + ".expected.json")


def load_expected(path: Path) -> list[Expected]:
    """The expected elements saved beside a generated file."""
    return [Expected(d["type"], d["text"]) for d in json.loads(path.read_text(encoding="utf-8"))]


def generate(
    root: Path, formats: Iterable[str], *, count: int, sections: int = 4, large_sections: int = 0
) -> list[GeneratedDoc]:
    """Write ``count`` documents per format under ``root/v<N>/<format>/`` (cached: existing files
    are kept), plus one large document for PDF and DOCX under format ``<fmt>-large`` when
    ``large_sections`` is set.
    """
    out: list[GeneratedDoc] = []
    base = root / f"v{GENERATOR_VERSION}"
    for fmt in formats:
        ext, writer = WRITERS[fmt]
        jobs = [(fmt, seed, sections) for seed in range(1, count + 1)]
        if large_sections and fmt in ("pdf", "docx"):
            jobs.append((f"{fmt}-large", 1000, large_sections))
        for key, seed, n in jobs:
            folder = base / key
            folder.mkdir(parents=True, exist_ok=True)
            g = GeneratedDoc(folder / f"report-{seed:04d}-{n}s.{ext}", key)
            if not (g.path.is_file() and g.expected_path.is_file()):
                expected = writer(make_document(seed, n), g.path)
                g.expected_path.write_text(json.dumps([e.to_dict() for e in expected], indent=1), encoding="utf-8")
            out.append(g)
    return out
