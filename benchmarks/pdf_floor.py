"""The PDF floor: docbatch per file next to pdfium's raw text extraction of the same file, same run.

The floor is what pdfium itself costs: open the document, and for every page load it, build its
text page and read all text with ``get_text_range()``. docbatch cannot be faster than that, so the
ratio says how much our own Python work adds. Both are timed in this one process at steady state
(each file read once to warm caches and imports, then timed), interleaved floor / docbatch per
repeat so a slow moment of the shared machine lands on both, and the median is reported, of wall
time and of the process's CPU time (the steadier of the two on a machine shared with other work).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FloorRow",
    "floor_files",
    "floor_row",
    "floor_rows",
    "make_links_page",
    "markdown",
    "pdf_floor_rows",
    "pdfium_floor",
]

LINKS = 32_768
_LINK_COLS = 128  # links per text line of the generated page


def make_links_page(path: Path, links: int = LINKS) -> Path:
    """One page whose every word is a URI link: ``links`` annotations over lines of short words."""
    from fpdf import FPDF

    rows = -(-links // _LINK_COLS)
    size, step_x, step_y = 6.0, 20.0, 9.0
    pdf = FPDF(unit="pt", format=(step_x * _LINK_COLS + 40, step_y * rows + 40))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "", size)
    for n in range(links):
        row, col = divmod(n, _LINK_COLS)
        x, y = 20 + col * step_x, 20 + row * step_y
        word = f"w{n:05d}"
        pdf.text(x, y + size, word)
        pdf.link(x, y, pdf.get_string_width(word), size + 1, f"https://example.com/{n}")
    pdf.output(str(path))
    return path


def pdfium_floor(path: Path) -> int:
    """pdfium's raw text extraction of the whole file; returns the characters read."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    n = 0
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            n += len(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        doc.close()
    return n


def _docbatch(path: Path) -> int:
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.partitioners.pdf.pdf import partition_pdf

    return len(partition_pdf(path, PartitionOptions()))


@dataclass(frozen=True, slots=True)
class FloorRow:
    """Median seconds per file (wall and CPU) of pdfium's floor and of docbatch."""

    name: str
    pages: int
    floor_s: float
    docbatch_s: float
    floor_cpu: float
    docbatch_cpu: float
    reps: int

    @property
    def ratio(self) -> float:
        return self.docbatch_s / self.floor_s if self.floor_s else float("nan")

    @property
    def cpu_ratio(self) -> float:
        return self.docbatch_cpu / self.floor_cpu if self.floor_cpu else float("nan")


def _time(fn: Callable[[Path], int], path: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def floor_row(name: str, path: Path, reps: int = 5) -> FloorRow:
    """Floor and docbatch on one file: one warm-up each, then ``reps`` interleaved timed runs."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    pages = len(doc)
    doc.close()
    pdfium_floor(path)
    _docbatch(path)
    floors: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    for i in range(reps):
        # alternate which goes first, so neither always follows the other's cache state
        order = [(pdfium_floor, floors), (_docbatch, ours)]
        for fn, acc in order if i % 2 == 0 else order[::-1]:
            acc.append(_time(fn, path))
    return FloorRow(
        name,
        pages,
        statistics.median(w for w, _ in floors),
        statistics.median(w for w, _ in ours),
        statistics.median(c for _, c in floors),
        statistics.median(c for _, c in ours),
        reps,
    )


def floor_rows(files: dict[str, Path], reps: int = 5) -> list[FloorRow]:
    """One :class:`FloorRow` per named file."""
    return [floor_row(name, path, reps) for name, path in files.items()]


def pdf_floor_rows(cache: Path, *, quick: bool = False, reps: int | None = None) -> list[FloorRow]:
    """The two files the aims are set on: a large generated report and the many-links page."""
    return floor_rows(floor_files(cache, quick=quick), reps or (3 if quick else 5))


def floor_files(cache: Path, *, quick: bool = False) -> dict[str, Path]:
    """The large generated report (about 345 pages; 40 sections when quick) and the many-links page, by row name."""
    from benchmarks.generate import generate

    sections = 40 if quick else 400  # 400 sections: about 345 pages
    large = next(
        g.path for g in generate(cache / "gen", ["pdf"], count=1, large_sections=sections) if "large" in g.format
    )
    links = cache / "pdf-floor" / f"links-{LINKS}.pdf"
    if not links.is_file():
        links.parent.mkdir(parents=True, exist_ok=True)
        make_links_page(links)
    return {f"generated report ({sections} sections)": large, f"one page, {LINKS:,} links": links}


def markdown(rows: list[FloorRow], unruled=None) -> list[str]:
    """The PDF floor section of ``latest.md`` (and the unruled-table score, when measured)."""
    out = [
        "## PDF: docbatch against pdfium's floor (same file, same process, steady state)",
        "",
        "Floor: pdfium opens the file and reads every page's text with `get_textpage().get_text_range()`. "
        "Median of interleaved runs; CPU is the process's CPU time, steadier than wall time when the "
        "machine is shared. Aims: ≤ 2× on large reports, ≤ 3× on the many-links page.",
        "",
        "| file | pages | floor s | docbatch s | ratio | floor CPU s | docbatch CPU s | CPU ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {r.name} | {r.pages} | {r.floor_s:.3f} | {r.docbatch_s:.3f} | {r.ratio:.2f}× "
        f"| {r.floor_cpu:.3f} | {r.docbatch_cpu:.3f} | {r.cpu_ratio:.2f}× |"
        for r in rows
    ]
    out.append("")
    if unruled is not None:
        out += [
            "## PDF: tables without ruling lines (generated reports, known cells)",
            "",
            "| true tables | found | matched | precision | recall | cells right |",
            "|---|---|---|---|---|---|",
            f"| {unruled.true_tables} | {unruled.found_tables} | {unruled.matched} | {unruled.precision:.3f} "
            f"| {unruled.recall:.3f} | {unruled.cell_accuracy:.3f} |",
            "",
            "Aims: precision ≥ 0.9, recall ≥ 0.8. A found Table matches a true one on the same page when "
            "their words overlap by 80% (Jaccard); cells right compares the HTML grid cell by cell.",
            "",
        ]
    return out


def _profile(path: Path, lines: int) -> None:
    """The top ``lines`` of a cProfile of one docbatch run on ``path`` (by own time), after a warm-up run."""
    import cProfile
    import pstats

    _docbatch(path)
    profile = cProfile.Profile()
    profile.enable()
    _docbatch(path)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.pdf_floor [--quick] [--reps N] [--profile N]``: the floor rows alone, as markdown."""
    import argparse

    from benchmarks import CACHE_DIR

    p = argparse.ArgumentParser(prog="python -m benchmarks.pdf_floor", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a 40-section report instead of 400 sections")
    p.add_argument("--reps", type=int, default=None, help="interleaved timed runs per file (default 5, quick 3)")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="also print cProfile's top N lines per file")
    args = p.parse_args(argv)
    rows = pdf_floor_rows(CACHE_DIR, quick=args.quick, reps=args.reps)
    print("\n".join(markdown(rows)))
    if args.profile:
        for path in floor_files(CACHE_DIR, quick=args.quick).values():
            print(f"\ncProfile of docbatch on {path.name} (tottime):")
            _profile(path, args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
