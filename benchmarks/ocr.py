"""OCR accuracy and speed on pages of known text: ``python -m benchmarks.ocr``.

The benchmark's generated PDFs (A4, 10.5 pt body, headings, lists, ruled tables, running heads)
are rendered at 200 and 300 dpi and saved as the inputs a bucket of scans holds: one PNG per
page, one multi-page TIFF per document, an image-only PDF, and a PDF alternating text-layer and
scanned pages. The truth of each page is its PDF text layer. Measured on each:

- word recall and precision: bags of words (lower-cased, outer punctuation stripped) of the
  output against the truth, over all pages of the set;
- OCR pages/s: wall time over the set's scanned pages, docbatch with 1 and 2 worker processes
  (each worker one OCR thread: ``OMP_THREAD_LIMIT=1``), and kreuzberg with Tesseract the same way;
- the engines alone (Tesseract through tesserocr, RapidOCR through onnxruntime with one
  intra-op thread) on the same PNG pages, which is how docbatch's engine was chosen.

Needs ``pip install -e '.[ocr,bench]'`` and Tesseract's ``eng`` data; RapidOCR
(``rapidocr_onnxruntime``, which ships its models in the wheel) and kreuzberg are measured when
installed. Writes ``benchmarks/results/ocr.md``. The 2 cores of a shared machine make the
figures noisy; compare ratios of one run rather than runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one OCR thread per process, for every engine here

from benchmarks import CACHE_DIR, RESULTS_DIR

__all__ = ["OcrResult", "main", "markdown", "measure_ocr"]

DPIS = (200, 300)
KINDS = ("png", "tiff", "image-pdf", "mixed-pdf")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


@dataclass(slots=True)
class Row:
    """One measured set: which tool, input kind, dpi and workers; accuracy and speed."""

    tool: str
    kind: str
    dpi: int
    workers: int
    pages: int
    ocr_pages: int
    seconds: float
    recall: float
    precision: float
    error: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.ocr_pages / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class OcrResult:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def bag(text: str) -> Counter[str]:
    """The words of ``text`` as a multiset: lower-cased, outer punctuation stripped, bullets dropped."""
    return Counter(w for w in (_EDGE_PUNCT.sub("", t.lower()) for t in text.split()) if w)


def _scores(truth: Counter[str], got: Counter[str]) -> tuple[float, float]:
    hit = sum((truth & got).values())
    return hit / max(sum(truth.values()), 1), hit / max(sum(got.values()), 1)


# --------------------------------------------------------------------------- inputs


@dataclass(slots=True)
class Inputs:
    """The files of one dpi, by kind, with the truth and the count of scanned pages of each file."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    truth: dict[Path, Counter[str]] = field(default_factory=dict)
    scanned: dict[Path, int] = field(default_factory=dict)
    images: list = field(default_factory=list)  # the rendered pages, for the engine comparison
    image_truth: list[Counter[str]] = field(default_factory=list)


def make_inputs(sources: list[Path], dpi: int, folder: Path) -> Inputs:
    """Render every page of ``sources`` at ``dpi`` and save them as each input kind."""
    import pypdfium2 as pdfium

    folder.mkdir(parents=True, exist_ok=True)
    out = Inputs(files={k: [] for k in KINDS})
    for src in sources:
        doc = pdfium.PdfDocument(str(src))
        pages = [doc[i] for i in range(len(doc))]
        texts = [bag(p.get_textpage().get_text_range()) for p in pages]
        images = [p.render(scale=dpi / 72, grayscale=True).to_pil() for p in pages]
        out.images += images
        out.image_truth += texts
        total = sum(texts, Counter())
        for i, (image, truth) in enumerate(zip(images, texts, strict=True)):
            png = folder / f"{src.stem}-p{i + 1}.png"
            image.copy().save(png, dpi=(dpi, dpi))  # a copy: Pillow keeps PNG settings on the saved image
            _add(out, "png", png, truth, 1)
        tiff = folder / f"{src.stem}.tiff"
        images[0].save(tiff, save_all=True, append_images=images[1:], compression="tiff_lzw", dpi=(dpi, dpi))
        _add(out, "tiff", tiff, total, len(images))
        scan = folder / f"{src.stem}-scan.pdf"
        images[0].save(scan, save_all=True, append_images=images[1:], resolution=float(dpi))
        _add(out, "image-pdf", scan, total, len(images))
        mixed = folder / f"{src.stem}-mixed.pdf"
        _add(out, "mixed-pdf", mixed, total, _mixed_pdf(src, scan, len(images), mixed))
        doc.close()
    return out


def _add(inputs: Inputs, kind: str, path: Path, truth: Counter[str], scanned: int) -> None:
    inputs.files[kind].append(path)
    inputs.truth[path] = truth
    inputs.scanned[path] = scanned


def _mixed_pdf(text_pdf: Path, scan_pdf: Path, n: int, out: Path) -> int:
    """Pages alternate: odd pages from the text PDF, even pages scanned. Returns the scanned count."""
    import pypdfium2 as pdfium

    text, scan, mixed = pdfium.PdfDocument(str(text_pdf)), pdfium.PdfDocument(str(scan_pdf)), pdfium.PdfDocument.new()
    for i in range(n):
        mixed.import_pages(scan if i % 2 else text, [i])
    mixed.save(str(out))
    for d in (text, scan, mixed):
        d.close()
    return n // 2


# --------------------------------------------------------------------------- tools


def _docbatch_text(path: str) -> str:
    from docbatch.partitioners.auto import partition_file
    from docbatch.partitioners.kit.base import PartitionOptions

    _, elements = partition_file(Path(path), PartitionOptions(detect_languages=False))
    return "\n".join(e.text for e in elements)


def _kreuzberg_text(path: str) -> str:
    from kreuzberg import ExtractionConfig, OcrConfig, extract_file_sync

    config = ExtractionConfig(ocr=OcrConfig(backend="tesseract", language="eng"))
    return extract_file_sync(path, config=config).content


def _run_set(tool: str, fn: Callable[[str], str], kind: str, dpi: int, workers: int, inputs: Inputs) -> Row:
    files = inputs.files[kind]
    t0 = time.perf_counter()
    try:
        if workers == 1:
            texts = [fn(str(p)) for p in files]
        else:
            # spawned, not forked: kreuzberg's runtime threads do not survive a fork
            ctx = get_context("spawn")
            warm = (fn, inputs.files["png"][0])
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_warm, initargs=warm) as ex:
                # every worker started and warmed (the initializer runs before a worker's first task):
                # time the pages only
                list(ex.map(time.sleep, [1.0] * workers))
                t0 = time.perf_counter()
                texts = list(ex.map(fn, [str(p) for p in files]))
    except Exception as e:  # a tool that cannot run is a row with its error, not a stopped benchmark
        return Row(tool, kind, dpi, workers, 0, 0, 0.0, 0.0, 0.0, f"{type(e).__name__}: {e}"[:200])
    seconds = time.perf_counter() - t0
    truth = sum((inputs.truth[p] for p in files), Counter())
    got = sum((bag(t) for t in texts), Counter())
    recall, precision = _scores(truth, got)
    pages = sum(inputs.scanned[p] for p in files)
    return Row(tool, kind, dpi, workers, len(files), pages, seconds, recall, precision)


def _warm(fn: Callable[[str], str], image: Path) -> None:
    """Load the engine in each worker before timing, as a long docbatch run pays it once per worker."""
    fn(str(image))


def _engines(inputs: Inputs, dpi: int, limit: int) -> list[Row]:
    """Tesseract and RapidOCR alone on the same rendered pages, one thread each."""
    from docbatch.partitioners.ocr.ocr import recognize

    images, truths = inputs.images[:limit], inputs.image_truth[:limit]
    engines: dict[str, Callable] = {
        "tesseract (tesserocr)": lambda im: " ".join(w.text for w in recognize(im, dpi=dpi))
    }
    try:
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR

        rapid = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

        def _rapid(im) -> str:
            result, _ = rapid(np.array(im.convert("RGB")))
            return " ".join(r[1] for r in result or [])

        engines["rapidocr (onnxruntime)"] = _rapid
    except ImportError:
        pass
    rows = []
    for name, run in engines.items():
        run(images[0])  # load models outside the timing
        t0 = time.perf_counter()
        got = [bag(run(im)) for im in images]
        seconds = time.perf_counter() - t0
        recall, precision = _scores(sum(truths, Counter()), sum(got, Counter()))
        rows.append(Row(name, "engine, png page", dpi, 1, len(images), len(images), seconds, recall, precision))
    return rows


def measure_ocr(*, docs: int = 3, engine_pages: int = 4, log: Callable[[str], None] = print) -> OcrResult:
    """Every measurement of this module; ``docs`` generated documents (2-3 pages each) per set."""
    from benchmarks.generate import generate

    result = OcrResult()
    sources = [g.path for g in generate(CACHE_DIR / "gen", ["pdf"], count=docs)]
    tools: dict[str, Callable[[str], str]] = {"docbatch": _docbatch_text}
    try:
        import kreuzberg  # noqa: F401

        tools["kreuzberg"] = _kreuzberg_text
    except ImportError:
        result.notes.append("kreuzberg is not installed (pip install kreuzberg): its rows are missing")
    for dpi in DPIS:
        log(f"ocr: rendering {len(sources)} documents at {dpi} dpi")
        inputs = make_inputs(sources, dpi, CACHE_DIR / "ocr" / f"{dpi}dpi")
        log(f"ocr: engines alone at {dpi} dpi")
        for row in _engines(inputs, dpi, engine_pages):
            result.rows.append(row)
            log(f"ocr: {row.tool}: {_describe(row)}")
        for kind in KINDS:
            for tool, fn in tools.items():
                for workers in (1, 2):
                    row = _run_set(tool, fn, kind, dpi, workers, inputs)
                    result.rows.append(row)
                    log(f"ocr: {tool} {kind} {dpi} dpi, {workers} worker(s): {_describe(row)}")
    return result


# --------------------------------------------------------------------------- report


def _describe(row: Row) -> str:
    if row.error:
        return f"failed: {row.error}"
    return f"{row.pages_per_s:.2f} pages/s, recall {row.recall:.3f}, precision {row.precision:.3f}"


def markdown(result: OcrResult) -> list[str]:
    """The OCR section of the benchmark results."""
    out = [
        "## OCR: pages of known text",
        "",
        "Generated A4 PDFs rendered to pages; truth is each page's text layer. Recall and precision over "
        "bags of words; pages/s counts scanned pages only (a mixed PDF's text pages are read from their text "
        "layer), timed after each worker loaded its engine. One OCR thread per process (OMP_THREAD_LIMIT=1). "
        "Shared 2-core machine: noisy.",
        "",
        "| tool | input | dpi | workers | files | OCR pages | pages/s | recall | precision |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result.rows:
        if r.error:
            out.append(f"| {r.tool} | {r.kind} | {r.dpi} | {r.workers} | failed: {r.error} | | | | |")
            continue
        out.append(
            f"| {r.tool} | {r.kind} | {r.dpi} | {r.workers} | {r.pages} | {r.ocr_pages} | {r.pages_per_s:.2f} "
            f"| {r.recall:.3f} | {r.precision:.3f} |"
        )
    out.append("")
    partial = sorted({r.kind for r in result.rows if r.tool == "kreuzberg" and not r.error and r.recall < 0.9})
    if partial:
        out.append(
            f"- kreuzberg's recall under 0.9 ({', '.join(partial)}): it did not read every page (a TIFF's first "
            "frame only; a PDF with a text layer is not OCR'd, so its scanned pages stay unread), so its pages/s "
            "there counts pages it never OCR'd. RapidOCR's low recall is words run together: its PP-OCR models "
            "drop the spaces of English text."
        )
    if len({r.workers for r in result.rows}) > 1:
        out.append(
            "- A TIFF or PDF is one file per document and a file goes to one worker: with few documents the "
            "second worker idles part of the time; the png rows (a file per page) show the scaling best."
        )
    out += [f"- {n}" for n in result.notes]
    return out


def _parse(argv: Iterable[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ocr", description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=3, help="generated documents per set (default 3)")
    p.add_argument("--engine-pages", type=int, default=4, help="pages for the engines-alone rows (default 4)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR / "ocr.md")
    return p.parse_args(list(argv) if argv is not None else None)


def main(argv: Iterable[str] | None = None) -> int:
    args = _parse(argv)
    from benchmarks.offline import OFFLINE_ENV, guard_network

    os.environ.update(OFFLINE_ENV)
    guard_network()
    result = measure_ocr(docs=args.docs, engine_pages=args.engine_pages, log=lambda m: print(m, flush=True))
    text = "\n".join(["# OCR benchmark", "", f"Command: `python -m benchmarks.ocr {' '.join(sys.argv[1:])}`", ""])
    text += "\n" + "\n".join(markdown(result)) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
