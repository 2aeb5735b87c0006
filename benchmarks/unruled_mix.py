"""Unruled tables and table-like prose from several PDF generators, to score the finder off its own generator.

:mod:`benchmarks.unruled` writes its reports with one generator (fpdf2 cells, labels left and
figures right); a finder tuned on it can miss what other tools print. Here each generator sets
tables its own way, with no rules at all:

- **reportlab**: a plain ``Table`` (header row plus 2-6 rows of figures, 2-5 columns), its
  default left-aligned cells or figures aligned right, the header bold or not;
- **libreoffice**: a Word table without borders (python-docx) and an OpenDocument table (odfpy),
  converted by ``soffice --headless --convert-to pdf``;
- **fpdf2**: ``FPDF.table`` without borders, columns spread over the text width, cells left-aligned;

and each also writes *negatives* that must stay text: prose in two columns, bulleted lists, a
table of contents with dot leaders and a letter with an address block. LaTeX is left out where
no ``pdflatex`` is installed (it is not on the benchmark machine).

Every document's truth is saved beside it (``<name>.truth.json``: its tables by page, and the
paragraphs of running text that must come out as NarrativeText).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GENERATORS", "MixScore", "make_mix", "mix_scores", "narrative_f1"]

GENERATORS = ("reportlab", "libreoffice", "fpdf2")

_LABELS = [
    "Wholesale",
    "Retail stores",
    "Online orders",
    "Licensing",
    "Field service",
    "Spare parts",
    "Consulting fees",
    "Maintenance contracts",
    "Training",
    "Subscriptions",
    "Hardware",
    "Freight income",
]
_PEOPLE = ["Ana Ortiz", "Ben Carter", "Chen Wei", "Dara Quinn", "Eli Novak", "Farah Khan", "Gus Lind"]
_PLACES = ["Lisbon", "Oslo", "Toronto", "Nairobi", "Osaka", "Lima", "Dublin", "Perth"]
_HEADS = ["Budget", "Actual", "Variance", "Share", "Units", "Price", "Margin", "Growth", "Target", "Score"]
_NOUNS = ["the pilot", "the survey", "the new process", "the audit", "our supplier review", "the rollout"]
_VERBS = ["showed", "confirmed", "suggested", "made clear", "did not change", "raised doubts about"]
_OBJS = ["the cost of delays", "the need for training", "demand in the spring", "a gap in the data", "our estimates"]
_TAILS = ["for most sites", "in the second half", "despite the strike", "after the audit", "across all teams"]


def _sentence(rng: random.Random) -> str:
    s = f"{rng.choice(_NOUNS)} {rng.choice(_VERBS)} {rng.choice(_OBJS)} {rng.choice(_TAILS)}."
    return s[0].upper() + s[1:]


def _paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 5)) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def _figure(rng: random.Random, kind: str) -> str:
    v = rng.uniform(1, 9999)
    if kind == "money":
        return f"{v:,.0f}" if rng.random() > 0.1 else f"({v:,.0f})"
    if kind == "pct":
        return f"{rng.uniform(-30, 95):.1f}%"
    if kind == "ratio":
        return f"{rng.uniform(0, 1):.2f}"
    return str(rng.randint(1, 999))


def make_table(rng: random.Random) -> list[list[str]]:
    """A header row and 2-6 rows of figures in 2-5 columns: a label column, the rest figures."""
    cols, body = rng.randint(2, 5), rng.randint(2, 6)
    first = rng.choice(["Segment", "Item", "Office", "Person", ""])
    labels = {"Office": _PLACES, "Person": _PEOPLE}.get(first, _LABELS)
    if rng.random() < 0.4:
        year = rng.randint(2015, 2023)
        heads = [str(year + i) for i in range(cols - 1)]
    else:
        heads = rng.sample(_HEADS, cols - 1)
    kinds = [rng.choice(["money", "pct", "ratio", "count"]) for _ in range(cols - 1)]
    rows = [[first, *heads]]
    for label in rng.sample(labels, min(body, len(labels))):
        rows.append([label, *(_figure(rng, k) for k in kinds)])
    return rows


@dataclass(slots=True)
class Truth:
    """What a generated document holds: tables by page, and the running-text paragraphs."""

    tables: list[dict]
    prose: list[str]

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps({"tables": self.tables, "prose": self.prose}), encoding="utf-8")


# ---- reportlab


def _reportlab_tables(path: Path, rng: random.Random) -> Truth:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story: list = []
    truth = Truth([], [])
    for page in range(1, rng.randint(2, 3) + 1):
        story.append(Paragraph(f"{page}. {rng.choice(_LABELS)} by quarter", styles["Heading2"]))
        text = _paragraph(rng)
        story.append(Paragraph(text, styles["Normal"]))
        truth.prose.append(text)
        story.append(Spacer(1, 10))
        rows = make_table(rng)
        commands: list = []
        if rng.random() < 0.6:
            commands.append(("ALIGN", (1, 0), (-1, -1), "RIGHT"))
        if rng.random() < 0.6:
            commands.append(("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"))
        if rng.random() < 0.3:
            commands.append(("TEXTCOLOR", (0, 0), (-1, 0), colors.darkblue))
        story.append(Table(rows, style=TableStyle(commands), hAlign=rng.choice(["LEFT", "CENTER"])))
        truth.tables.append({"page": page, "rows": rows})
        story.append(Spacer(1, 10))
        text = _paragraph(rng)
        story.append(Paragraph(text, styles["Normal"]))
        truth.prose.append(text)
        story.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=rng.choice([A4, letter])).build(story[:-1])
    return truth


def _reportlab_negative(path: Path, rng: random.Random, kind: str) -> Truth:
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, ListFlowable, PageTemplate, Paragraph, Spacer

    styles = getSampleStyleSheet()
    truth = Truth([], [])
    doc = BaseDocTemplate(str(path))
    if kind == "two-column":
        w = (doc.width - 18) / 2
        frames = [Frame(doc.leftMargin + c * (w + 18), doc.bottomMargin, w, doc.height) for c in range(2)]
    else:
        frames = [Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height)]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    story: list = [Paragraph(f"{rng.choice(_LABELS)} review", styles["Heading1"])]
    if kind == "two-column":
        for _ in range(rng.randint(6, 9)):
            text = _paragraph(rng, (3, 6))
            story.append(Paragraph(text, styles["Normal"]))
            story.append(Spacer(1, 6))
            truth.prose.append(text)
    elif kind == "bullets":
        text = _paragraph(rng)
        story.append(Paragraph(text, styles["Normal"]))
        truth.prose.append(text)
        items = [Paragraph(f"{rng.choice(_LABELS)} {rng.randint(2, 90)} units", styles["Normal"]) for _ in range(5)]
        story.append(ListFlowable(items, bulletType="bullet", start="\u2022"))
        items = [Paragraph(_sentence(rng), styles["Normal"]) for _ in range(4)]
        story.append(ListFlowable(items, bulletType="1"))
    elif kind == "toc":
        story[0] = Paragraph("Contents", styles["Heading1"])
        leader = ParagraphStyle("toc", parent=styles["Normal"], fontSize=11, leading=16)
        page = 1
        for i, label in enumerate(rng.sample(_LABELS, 8), 1):
            page += rng.randint(1, 9)
            dots = "." * max(4, 80 - 2 * len(label))
            story.append(Paragraph(f"{i}. {label} {dots} {page}", leader))
    else:
        _reportlab_letter(story, styles, rng, truth)
    doc.build(story)
    return truth


def _reportlab_letter(story: list, styles, rng: random.Random, truth: Truth) -> None:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    right = ParagraphStyle("right", parent=styles["Normal"], alignment=TA_RIGHT)
    story[0] = Paragraph(
        f"Harbour Supplies Ltd<br/>{rng.randint(2, 200)} Quay Street<br/>"
        f"{rng.choice(_PLACES)} {rng.randint(1000, 9999)}"
        f"<br/>Tel. 0{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
        right,
    )
    story.append(Spacer(1, 24))
    story.append(
        Paragraph(
            f"{rng.choice(_PEOPLE)}<br/>Accounts Department<br/>{rng.randint(1, 99)} Mill Lane<br/>"
            f"{rng.choice(_PLACES)} {rng.randint(1000, 9999)}",
            styles["Normal"],
        )
    )
    story.append(Spacer(1, 18))
    story.append(Paragraph(f"{rng.randint(1, 28)} March 2024", styles["Normal"]))
    story.append(Spacer(1, 12))
    story.append(Paragraph("Dear Sir or Madam,", styles["Normal"]))
    for _ in range(3):
        text = _paragraph(rng)
        story.append(Spacer(1, 8))
        story.append(Paragraph(text, styles["Normal"]))
        truth.prose.append(text)
    story.append(Spacer(1, 12))
    story.append(Paragraph(f"Yours faithfully,<br/><br/>{rng.choice(_PEOPLE)}", styles["Normal"]))


# ---- fpdf2


def _fpdf(path: Path, rng: random.Random, kind: str) -> Truth:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    truth = Truth([], [])
    n = rng.randint(2, 3) if kind == "tables" else 1
    for page in range(1, n + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 9, f"{rng.choice(_LABELS)} summary", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10.5)
        if kind == "tables":
            _fpdf_table_page(pdf, rng, truth, page)
        elif kind == "two-column":
            _fpdf_two_columns(pdf, rng, truth)
        elif kind == "bullets":
            text = _paragraph(rng)
            pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
            truth.prose.append(text)
            pdf.ln(3)
            for _ in range(5):
                pdf.multi_cell(0, 5.5, f"- {_sentence(rng)}", new_x="LMARGIN", new_y="NEXT")
        elif kind == "toc":
            page_no = 2
            for i, label in enumerate(rng.sample(_LABELS, 9), 1):
                page_no += rng.randint(1, 8)
                entry = f"{i}  {label} "
                room = 170 - pdf.get_string_width(entry) - pdf.get_string_width(f" {page_no}")
                dots = "." * int(room / pdf.get_string_width("."))
                pdf.cell(0, 7, f"{entry}{dots} {page_no}", new_x="LMARGIN", new_y="NEXT")
        else:
            _fpdf_letter(pdf, rng, truth)
    pdf.output(str(path))
    return truth


def _fpdf_table_page(pdf, rng: random.Random, truth: Truth, page: int) -> None:
    from fpdf.fonts import FontFace

    text = _paragraph(rng)
    pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    truth.prose.append(text)
    pdf.ln(4)
    rows = make_table(rng)
    head = FontFace(emphasis="BOLD") if rng.random() < 0.6 else FontFace()
    width = rng.choice([None, 120, 150])
    align = rng.choice(["LEFT", "RIGHT"])
    with pdf.table(
        borders_layout="NONE", width=width, text_align=align, headings_style=head, line_height=6, align="LEFT"
    ) as table:
        for row in rows:
            table.row(row)
    truth.tables.append({"page": page, "rows": rows})
    pdf.ln(4)
    text = _paragraph(rng)
    pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    truth.prose.append(text)


def _fpdf_two_columns(pdf, rng: random.Random, truth: Truth) -> None:
    top = pdf.get_y() + 4
    col = 82
    for c in range(2):
        pdf.set_xy(20 + c * (col + 6), top)
        for _ in range(3):
            text = _paragraph(rng, (3, 5))
            pdf.set_x(20 + c * (col + 6))
            pdf.multi_cell(col, 5, text, new_x="LEFT", new_y="NEXT")
            pdf.ln(3)
            truth.prose.append(text)


def _fpdf_letter(pdf, rng: random.Random, truth: Truth) -> None:
    pdf.set_font("Helvetica", "", 10.5)
    sender = ["Northgate Clinic", f"{rng.randint(2, 99)} Elm Road", f"{rng.choice(_PLACES)} {rng.randint(1000, 9999)}"]
    for line in sender:
        pdf.cell(0, 5, line, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for line in [rng.choice(_PEOPLE), "Flat 4", f"{rng.randint(1, 99)} Harbour View", rng.choice(_PLACES)]:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(0, 5, f"Date: {rng.randint(1, 28)}/0{rng.randint(1, 9)}/2024", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.cell(0, 5, "Dear patient,", new_x="LMARGIN", new_y="NEXT")
    for _ in range(3):
        pdf.ln(3)
        text = _paragraph(rng)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        truth.prose.append(text)
    pdf.ln(6)
    pdf.cell(0, 5, "Kind regards,", new_x="LMARGIN", new_y="NEXT")


# ---- LibreOffice (python-docx and odfpy sources, converted to PDF)


def _docx(path: Path, rng: random.Random, kind: str) -> Truth:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Inches

    d = docx.Document()
    truth = Truth([], [])
    if kind == "tables":
        for page in range(1, rng.randint(2, 3) + 1):
            d.add_heading(f"{rng.choice(_LABELS)} at a glance", level=2)
            text = _paragraph(rng)
            d.add_paragraph(text)
            truth.prose.append(text)
            rows = make_table(rng)
            table = d.add_table(rows=len(rows), cols=len(rows[0]))  # the default style: no borders
            table.alignment = rng.choice([WD_TABLE_ALIGNMENT.LEFT, WD_TABLE_ALIGNMENT.CENTER])
            right = rng.random() < 0.6
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    para = table.cell(r, c).paragraphs[0]
                    run = para.add_run(value)
                    run.bold = r == 0 and rng.random() < 0.9
                    if right and c > 0:
                        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            truth.tables.append({"page": page, "rows": rows})
            text = _paragraph(rng)
            d.add_paragraph(text)
            truth.prose.append(text)
            d.add_page_break()
    elif kind == "bullets":
        d.add_heading("Actions agreed", level=1)
        text = _paragraph(rng)
        d.add_paragraph(text)
        truth.prose.append(text)
        for _ in range(5):
            d.add_paragraph(f"{rng.choice(_LABELS)}: {rng.randint(2, 90)} items", style="List Bullet")
        for _ in range(4):
            d.add_paragraph(_sentence(rng), style="List Number")
    elif kind == "toc":
        d.add_heading("Table of contents", level=1)
        page = 1
        for i, label in enumerate(rng.sample(_LABELS, 8), 1):
            page += rng.randint(1, 9)
            para = d.add_paragraph(f"{i}. {label}\t{page}")
            para.paragraph_format.tab_stops.add_tab_stop(Inches(6), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    else:  # letter
        for line in ["Riverside Books", f"{rng.randint(2, 99)} Bridge Street", rng.choice(_PLACES)]:
            d.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        d.add_paragraph(f"{rng.choice(_PEOPLE)}\n{rng.randint(1, 99)} Station Road\n{rng.choice(_PLACES)}")
        d.add_paragraph(f"{rng.randint(1, 28)} June 2024")
        d.add_paragraph("Dear customer,")
        for _ in range(3):
            text = _paragraph(rng)
            d.add_paragraph(text)
            truth.prose.append(text)
        d.add_paragraph("Best wishes,")
    if d.paragraphs and kind == "tables":  # no trailing empty page
        last = d.paragraphs[-1]
        last._p.getparent().remove(last._p)
    d.save(str(path))
    return truth


def _odt(path: Path, rng: random.Random) -> Truth:
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TableColumnProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    right = Style(name="Right", family="paragraph")
    right.addElement(ParagraphProperties(textalign="end"))
    doc.automaticstyles.addElement(right)
    truth = Truth([], [])
    rows = make_table(rng)
    doc.text.addElement(H(outlinelevel=2, text=f"{rng.choice(_LABELS)} by office"))
    text = _paragraph(rng)
    doc.text.addElement(P(text=text))
    truth.prose.append(text)
    col = Style(name="Col", family="table-column")
    col.addElement(TableColumnProperties(columnwidth="1.2in"))
    doc.automaticstyles.addElement(col)
    table = Table(name="Figures")
    table.addElement(TableColumn(numbercolumnsrepeated=len(rows[0]), stylename=col))
    align_right = rng.random() < 0.6
    for row in rows:
        tr = TableRow()
        for c, value in enumerate(row):
            cell = TableCell()
            cell.addElement(P(text=value, stylename=right if align_right and c > 0 else None))
            tr.addElement(cell)
        table.addElement(tr)
    doc.text.addElement(table)
    truth.tables.append({"page": 1, "rows": rows})
    text = _paragraph(rng)
    doc.text.addElement(P(text=text))
    truth.prose.append(text)
    doc.save(str(path))
    return truth


def _soffice_to_pdf(sources: list[Path], out: Path) -> None:
    """Convert office files to PDF in one LibreOffice run (its start-up costs seconds)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), *map(str, sources)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip


# ---- the mix


_NEGATIVES = ("two-column", "bullets", "toc", "letter")


def make_mix(folder: Path, docs: int = 6, negatives: int = 1) -> dict[str, list[Path]]:
    """Write ``docs`` table documents per generator plus ``negatives`` of each negative kind; PDFs by generator.

    Seeds depend on the generator and the document's number only, so a larger set keeps the
    documents of a smaller one (the fixtures under tests/ are the first few). Cached: a PDF with
    its ``.truth.json`` beside it is not written again.
    """
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {g: [] for g in GENERATORS}
    office: list[tuple[Path, Path, Truth]] = []
    for g in GENERATORS:
        names = [(f"tables-{i:02d}", "tables", 100 * GENERATORS.index(g) + i) for i in range(1, docs + 1)]
        names += [
            (kind if j == 0 else f"{kind}-{j + 1}", kind, 1000 + 100 * GENERATORS.index(g) + 10 * k + j)
            for k, kind in enumerate(_NEGATIVES)
            for j in range(negatives)
        ]
        for name, kind, seed in names:
            pdf = folder / f"{g}-{name}.pdf"
            out[g].append(pdf)
            truth_path = pdf.with_suffix(".truth.json")
            if pdf.is_file() and truth_path.is_file():
                continue
            rng = random.Random(seed)
            if g == "reportlab":
                truth = _reportlab_tables(pdf, rng) if kind == "tables" else _reportlab_negative(pdf, rng, kind)
            elif g == "fpdf2":
                truth = _fpdf(pdf, rng, kind)
            else:
                odt = (kind == "tables" and seed % 3 == 0) or kind == "two-column"
                src = pdf.with_suffix(".odt" if odt else ".docx")
                truth = _odt(src, rng) if odt and kind == "tables" else _odt_columns(src, rng) if odt else None
                if truth is None:
                    truth = _docx(src, rng, kind)
                office.append((src, truth_path, truth))
                continue
            truth.dump(truth_path)
    if office:
        _soffice_to_pdf([src for src, _, _ in office], folder)
        for src, truth_path, truth in office:
            truth.dump(truth_path)
            src.unlink()
    return out


def _odt_columns(path: Path, rng: random.Random) -> Truth:
    """Prose in a two-column section, as a newsletter set in LibreOffice Writer."""
    from odf.opendocument import OpenDocumentText
    from odf.style import Column, Columns, SectionProperties, Style
    from odf.text import H, P, Section

    doc = OpenDocumentText()
    style = Style(name="TwoCols", family="section")
    props = SectionProperties()
    cols = Columns(columncount=2, columngap="0.25in")
    cols.addElement(Column(relwidth="1*", startindent="0in", endindent="0.12in"))
    cols.addElement(Column(relwidth="1*", startindent="0.12in", endindent="0in"))
    props.addElement(cols)
    style.addElement(props)
    doc.automaticstyles.addElement(style)
    doc.text.addElement(H(outlinelevel=1, text="Quarterly newsletter"))
    section = Section(name="Body", stylename=style)
    truth = Truth([], [])
    for _ in range(8):
        text = _paragraph(rng, (3, 6))
        section.addElement(P(text=text))
        truth.prose.append(text)
    doc.text.addElement(section)
    doc.save(str(path))
    return truth


@dataclass(frozen=True, slots=True)
class MixScore:
    """One generator's table counts, and the NarrativeText word F1 of its negatives and of all its documents."""

    generator: str
    true_tables: int
    found_tables: int
    matched: int
    cells_right: int
    cells: int
    prose_f1: float  # the negatives (two columns, lists, contents, letters)
    all_prose_f1: float  # every document, the paragraphs around the tables too

    @property
    def precision(self) -> float:
        return self.matched / self.found_tables if self.found_tables else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.true_tables if self.true_tables else 1.0

    @property
    def cell_accuracy(self) -> float:
        return self.cells_right / self.cells if self.cells else 1.0


def narrative_f1(elements: list[dict], prose: list[str]) -> tuple[int, int, int]:
    """(common, found, true) words of the true paragraphs against the NarrativeText elements' words."""
    found = Counter(w for e in elements if e["type"] == "NarrativeText" for w in e["text"].split())
    true = Counter(w for p in prose for w in p.split())
    return sum((found & true).values()), sum(found.values()), sum(true.values())


def _f1(counts: list[int]) -> float:
    common, found, true = counts
    return 2 * common / (found + true) if found + true else 1.0


def mix_scores(folder: Path, docs: int = 12, negatives: int = 2, *, ocr: bool = False) -> list[MixScore]:
    """Partition every generated PDF and score its tables and prose, per generator.

    ``ocr`` reads every page by OCR (``ocr="always"``: the text layer ignored, as a scan of the
    printed page), so the same documents score the finder on Tesseract's word boxes.
    """
    from benchmarks.unruled import score_tables
    from docbatch.elements import elements_to_dicts
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.partitioners.pdf.pdf import partition_pdf

    out = []
    for g, paths in make_mix(folder, docs, negatives).items():
        counts = [0] * 5
        prose, all_prose = [0, 0, 0], [0, 0, 0]
        for pdf in paths:
            truth = json.loads(pdf.with_suffix(".truth.json").read_text(encoding="utf-8"))
            options = PartitionOptions(ocr="always" if ocr else "auto")
            elements = elements_to_dicts(partition_pdf(pdf, options))
            s = score_tables(elements, truth["tables"])
            for i, v in enumerate((s.true_tables, s.found_tables, s.matched, s.cells_right, s.cells)):
                counts[i] += v
            f = narrative_f1(elements, truth["prose"])
            for i in range(3):
                all_prose[i] += f[i]
                if not pdf.name.split("-", 1)[1].startswith("tables"):
                    prose[i] += f[i]
        out.append(MixScore(g, *counts, prose_f1=_f1(prose), all_prose_f1=_f1(all_prose)))
    return out
