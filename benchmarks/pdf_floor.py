"""The PDF floor: docbatch per file next to pdfium's raw text extraction of the same file, same run.

The floor is what pdfium itself costs: open the document, and for every page load it, build its
text page and read all text with ``get_text_range()``. docbatch cannot be faster than that, so the
ratio says how much our own Python work adds. Both are timed in this one process at steady state
(each file read once to warm caches and imports, then timed), interleaved floor / docbatch per
repeat so a slow moment of the shared machine lands on both, and the median is reported.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FloorRow", "floor_rows", "make_links_page", "pdfium_floor"]

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
    from docbatch.partition.base import PartitionOptions
    from docbatch.partition.pdf import partition_pdf

    return len(partition_pdf(path, PartitionOptions()))


@dataclass(frozen=True, slots=True)
class FloorRow:
    """Median seconds per file of pdfium's floor and of docbatch, and what was measured."""

    name: str
    pages: int
    floor_s: float
    docbatch_s: float
    reps: int

    @property
    def ratio(self) -> float:
        return self.docbatch_s / self.floor_s if self.floor_s else float("nan")


def _time(fn: Callable[[Path], int], path: Path) -> float:
    start = time.perf_counter()
    fn(path)
    return time.perf_counter() - start


def floor_row(name: str, path: Path, reps: int = 5) -> FloorRow:
    """Floor and docbatch on one file: one warm-up each, then ``reps`` interleaved timed runs."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    pages = len(doc)
    doc.close()
    pdfium_floor(path)
    _docbatch(path)
    floors, ours = [], []
    for i in range(reps):
        # alternate which goes first, so neither always follows the other's cache state
        order = [(pdfium_floor, floors), (_docbatch, ours)]
        for fn, acc in order if i % 2 == 0 else order[::-1]:
            acc.append(_time(fn, path))
    return FloorRow(name, pages, statistics.median(floors), statistics.median(ours), reps)


def floor_rows(files: dict[str, Path], reps: int = 5) -> list[FloorRow]:
    """One :class:`FloorRow` per named file."""
    return [floor_row(name, path, reps) for name, path in files.items()]
