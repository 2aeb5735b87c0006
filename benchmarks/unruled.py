"""Reports with tables that have no ruling lines, and Table precision/recall of docbatch on them.

Financial and scientific reports print most tables as columns aligned by whitespace only: a
label column, numbers right-aligned under year or metric headers, sometimes a bold total row.
Each generated report mixes such tables with full-width prose and with two-column prose pages
(the case that must not turn into tables), so both recall and precision are measured. The true
tables are known cell by cell and saved beside each PDF as ``<name>.tables.json``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks.document import _ASPECTS, _ITEMS, _REGIONS, _TOPICS, _sentence

__all__ = ["TableScore", "make_unruled_report", "score_tables", "unruled_scores"]

_METRICS = ["Revenue", "Gross margin", "Operating costs", "Net income", "Headcount", "Orders shipped", "Returns"]
_LABELS = [
    "Net sales",
    "Cost of goods sold",
    "Selling and marketing",
    "Research and development",
    "General and administrative",
    "Depreciation",
    "Interest expense",
    "Income before taxes",
    "Income tax",
    "Cash from operations",
]
_METHODS = ["Baseline", "Linear model", "Gradient boosting", "Random forest", "Ours", "Ours + tuning", "Oracle"]


def _financial(rng: random.Random) -> list[list[str]]:
    years = rng.randint(2, 4)
    first = rng.randint(2019, 2022)
    header = [rng.choice(["(in millions)", "Item", "Line item", ""])] + [str(first + i) for i in range(years)]
    rows = [header]
    for label in rng.sample(_LABELS, rng.randint(4, 8)):
        rows.append([label] + [_amount(rng) for _ in range(years)])
    if rng.random() < 0.4:  # a section label on a row of its own, as statements group their lines
        label = rng.choice(["Operating expenses:", "Other items:", "Continuing operations:"])
        rows.insert(rng.randint(2, 3), [label] + [""] * years)
    if rng.random() < 0.5:
        rows.append(["Total"] + [f"{rng.randint(10000, 99999):,}.{rng.randint(0, 9)}" for _ in range(years)])
    if not header[0]:
        rows[0][0] = "Item"
    return rows


def _amount(rng: random.Random) -> str:
    """A figure as statements print it: thousands separated, losses in parentheses, nil as a dash."""
    value = f"{rng.randint(10, 9999):,}.{rng.randint(0, 9)}"
    roll = rng.random()
    return f"({value})" if roll < 0.15 else "\u2014" if roll < 0.2 else value


def _scientific(rng: random.Random) -> list[list[str]]:
    metrics = rng.sample(["Accuracy", "F1", "Recall", "Precision", "AUC", "Time (s)"], rng.randint(2, 4))
    rows = [["Method", *metrics]]
    for method in rng.sample(_METHODS, rng.randint(3, 6)):
        rows.append([method] + [f"{rng.uniform(40, 99):.1f}" for _ in metrics])
    return rows


def _regional(rng: random.Random) -> list[list[str]]:
    metric = rng.choice(_METRICS)
    rows = [["Region", f"{metric.split()[0]} Q1", f"{metric.split()[0]} Q2", "Change"]]
    for region in rng.sample(_REGIONS, rng.randint(3, 6)):
        a, b = rng.randint(100, 999), rng.randint(100, 999)
        rows.append([region, str(a), str(b), f"{(b - a) / a * 100:+.1f}%"])
    return rows


def make_unruled_report(path: Path, seed: int, pages: int = 6) -> list[dict]:
    """Write a report of ``pages`` pages; returns its true tables as ``{"page": n, "rows": [...]}``."""
    from fpdf import FPDF

    from benchmarks.generate import _find_font

    rng = random.Random(seed)
    fonts = _find_font()
    family = "DejaVu" if fonts else "Helvetica"
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    if fonts:
        pdf.add_font(family, "", str(fonts[0]))
        pdf.add_font(family, "B", str(fonts[1]))
    tables: list[dict] = []
    margin, width = 56.0, 595.28 - 2 * 56.0
    pdf.set_margins(margin, 40, margin)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font(family, "", 9)
        pdf.text(margin, 36, f"Northwind Trading Company - Annual Report {2000 + seed}")
        pdf.text(margin + width / 2, 810, str(n))
        pdf.set_xy(margin, 60)
        kind = rng.choice(["tables", "tables", "prose", "two-column"]) if n > 1 else "tables"
        pdf.set_font(family, "B", 14)
        pdf.multi_cell(width, 20, f"{n} {rng.choice(_TOPICS)}: {rng.choice(_ASPECTS)}", new_x="LMARGIN", new_y="NEXT")
        if kind == "two-column":
            _two_columns(pdf, rng, family, margin, width)
            continue
        for _ in range(rng.randint(2, 3) if kind == "tables" else 4):
            if pdf.get_y() > 620:
                break
            _paragraph(pdf, rng, family, width)
            if kind == "tables" and pdf.get_y() < 560:
                rows = rng.choice([_financial, _scientific, _regional])(rng)
                if 32 + 15 * len(rows) + pdf.get_y() > 780:
                    continue
                _unruled_table(pdf, rng, family, margin, width, rows)
                tables.append({"page": n, "rows": rows})
        if kind == "prose" and pdf.get_y() < 640:
            pdf.set_font(family, "", 10)
            for item in rng.sample(_ITEMS, 3):
                pdf.multi_cell(width, 14, f"\u2022 {item}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return tables


def _paragraph(pdf, rng: random.Random, family: str, width: float) -> None:
    pdf.set_font(family, "", 10)
    pdf.multi_cell(width, 14, " ".join(_sentence(rng) for _ in range(rng.randint(2, 4))), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)


def _two_columns(pdf, rng: random.Random, family: str, margin: float, width: float) -> None:
    """Two columns of prose, set line by line side by side, as journals and newsletters print them."""
    pdf.set_font(family, "", 10)
    col, top = (width - 24) / 2, pdf.get_y() + 6
    for c in range(2):
        pdf.set_xy(margin + c * (col + 24), top)
        for _ in range(3):
            pdf.set_x(margin + c * (col + 24))
            text = " ".join(_sentence(rng) for _ in range(rng.randint(3, 5)))
            pdf.multi_cell(col, 14, text, new_x="LEFT", new_y="NEXT")
            pdf.ln(6)


def _unruled_table(pdf, rng: random.Random, family: str, margin: float, width: float, rows: list[list[str]]) -> None:
    """Columns by whitespace only: the label column left-aligned, the others right-aligned."""
    size = rng.choice([9.0, 9.5, 10.0])
    pdf.set_font(family, "B", size)  # measured bold: the widest a cell is set
    label_w = max(pdf.get_string_width(r[0]) for r in rows) + 24
    cols = len(rows[0]) - 1
    widest = max(pdf.get_string_width(r[c]) for r in rows for c in range(1, cols + 1))
    col_w = min(max(widest + rng.choice([12, 16, 22, 30]), 40.0), (width - label_w) / cols)
    pdf.ln(6)
    for r, row in enumerate(rows):
        bold = r == 0 or row[0] == "Total"
        pdf.set_font(family, "B" if bold else "", size)
        y = pdf.get_y()
        pdf.set_xy(margin, y)
        pdf.cell(label_w, 15, row[0])
        for c, cell in enumerate(row[1:]):  # a section label row has no cells here
            pdf.set_xy(margin + label_w + c * col_w, y)
            pdf.cell(col_w, 15, cell, align="R")
        pdf.set_xy(margin, y + 15)
    pdf.ln(10)


@dataclass(frozen=True, slots=True)
class TableScore:
    """Table precision and recall over a set of reports, and how many cells came out right."""

    true_tables: int
    found_tables: int
    matched: int
    cells_right: int
    cells: int

    @property
    def precision(self) -> float:
        return self.matched / self.found_tables if self.found_tables else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.true_tables if self.true_tables else 1.0

    @property
    def cell_accuracy(self) -> float:
        return self.cells_right / self.cells if self.cells else 1.0


def _tokens(text: str) -> set[str]:
    return set(text.split())


def _html_rows(html: str) -> list[list[str]]:
    from lxml import html as lxml_html

    table = lxml_html.fromstring(html)
    return [[" ".join(td.text_content().split()) for td in tr.xpath("td|th")] for tr in table.findall("tr")]


def score_tables(elements: list[dict], truth: list[dict]) -> TableScore:
    """Match found Table elements to true tables on the same page by word overlap (Jaccard >= 0.8)."""
    found = [e for e in elements if e["type"] == "Table"]
    used: set[int] = set()
    matched = cells_right = cells = 0
    for t in truth:
        want = _tokens(" ".join(c for r in t["rows"] for c in r))
        cells += sum(len(r) for r in t["rows"])
        for i, e in enumerate(found):
            if i in used or e["metadata"].get("page_number") != t["page"]:
                continue
            got = _tokens(e["text"])
            if len(want & got) >= 0.8 * len(want | got):
                used.add(i)
                matched += 1
                grid = _html_rows(e["metadata"].get("text_as_html", "<table></table>"))
                cells_right += sum(
                    1
                    for r, row in enumerate(t["rows"])
                    for c, cell in enumerate(row)
                    if r < len(grid) and c < len(grid[r]) and grid[r][c] == cell
                )
                break
    return TableScore(len(truth), len(found), matched, cells_right, cells)


def unruled_scores(folder: Path, reports: int = 20) -> TableScore:
    """Generate ``reports`` reports under ``folder`` (cached) and score docbatch's tables on all of them."""
    from docbatch.elements import elements_to_dicts
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.partitioners.pdf.pdf import partition_pdf

    folder.mkdir(parents=True, exist_ok=True)
    total = TableScore(0, 0, 0, 0, 0)
    for seed in range(1, reports + 1):
        path = folder / f"unruled-{seed:03d}.pdf"
        truth_path = path.with_name(path.name + ".tables.json")
        if not (path.is_file() and truth_path.is_file()):
            truth_path.write_text(json.dumps(make_unruled_report(path, seed)), encoding="utf-8")
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        s = score_tables(elements_to_dicts(partition_pdf(path, PartitionOptions())), truth)
        total = TableScore(*(a + b for a, b in zip(_fields(total), _fields(s), strict=True)))
    return total


def _fields(s: TableScore) -> tuple[int, int, int, int, int]:
    return s.true_tables, s.found_tables, s.matched, s.cells_right, s.cells


def markdown(own: TableScore, mix: list, scanned: list | None = None) -> list[str]:
    """``results/unruled.md``: the own generator's row, then one row per generator of the mix and their sum,
    then (``scanned``) the same generators' documents read by OCR."""
    rows = [("own generator (fpdf2 reports)", own.true_tables, own.found_tables, own.matched, own.cells_right,
             own.cells, None, None)]  # fmt: skip
    rows += [(s.generator, s.true_tables, s.found_tables, s.matched, s.cells_right, s.cells, s.prose_f1,
              s.all_prose_f1) for s in mix]  # fmt: skip
    total = [sum(r[i] for r in rows[1:]) for i in range(1, 6)]
    out = [
        "## PDF: tables without ruling lines, per generator",
        "",
        "| generator | true tables | found | matched | precision | recall | cells right | NarrativeText F1 "
        "(negatives) | NarrativeText F1 (all) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    table = [*rows, ("mix (all three)", *total, None, None)]
    if scanned:
        ocr_rows = [(f"OCR: {s.generator}", s.true_tables, s.found_tables, s.matched, s.cells_right, s.cells,
                     s.prose_f1, s.all_prose_f1) for s in scanned]  # fmt: skip
        table += [*ocr_rows, ("OCR: mix (all three)", *[sum(r[i] for r in ocr_rows) for i in range(1, 6)], None, None)]
    for name, true, found, matched, right, cells, f1, all_f1 in table:
        p, r = matched / found if found else 1.0, matched / true if true else 1.0
        f1s = "" if f1 is None else f"{f1:.3f}"
        all_f1s = "" if all_f1 is None else f"{all_f1:.3f}"
        out.append(
            f"| {name} | {true} | {found} | {matched} | {p:.3f} | {r:.3f} | {right / max(cells, 1):.3f} "
            f"| {f1s} | {all_f1s} |"
        )
    out += [
        "",
        "Aims: precision ≥ 0.9 and recall ≥ 0.85 over the mix, NarrativeText F1 ≥ 0.95 on the negatives. A found "
        "Table matches a true one on the same page when their words overlap by 80% (Jaccard); cells right compares "
        "the HTML grid cell by cell. NarrativeText F1: the words of the true paragraphs against the words of the "
        "NarrativeText elements. LaTeX `tabular` is not in the mix: no TeX is installed on the benchmark machine.",
        "",
    ]
    if scanned:
        out += [
            'OCR rows: the mix\'s first documents per generator with every page read by Tesseract (`ocr="always"`, '
            "the page rendered at 200 dpi and its text layer ignored, as a scan of the printed page); the finder is "
            "the same, fed Tesseract's word boxes. Cells right counts a cell wrong for any misread character.",
            "",
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.unruled [--quick]``: both scores, printed and written to results/unruled.md."""
    import argparse

    from benchmarks import CACHE_DIR, RESULTS_DIR
    from benchmarks.unruled_mix import mix_scores

    p = argparse.ArgumentParser(prog="python -m benchmarks.unruled", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="4 own reports and 4 documents per generator")
    args = p.parse_args(argv)
    own = unruled_scores(CACHE_DIR / "unruled", 4 if args.quick else 20)
    mix = mix_scores(CACHE_DIR / "unruled-mix", 4 if args.quick else 12, 1 if args.quick else 2)
    # OCR costs a second or two a page: the first documents of the same mix
    scanned = mix_scores(CACHE_DIR / "unruled-mix", 2 if args.quick else 6, 1, ocr=True)
    text = "\n".join(markdown(own, mix, scanned))
    print(text)
    if not args.quick:
        (RESULTS_DIR / "unruled.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
