"""Legacy Office rows: seconds per LibreOffice conversion, and how close each legacy file of the
corpus reads to its modern twin (``duplicate-paragraphs.doc`` / ``.docx``, …).

``python -m benchmarks.legacy`` prints the rows; ``python -m benchmarks`` adds them to its report.
Times are of :func:`docbatch.partitioners.auto.partition_file` in this process: the first conversion pays
for LibreOffice's fresh profile (once per worker in a run), the others reuse it.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import CORPUS_DIR
from benchmarks.quality import text_similarity

__all__ = ["TWIN_OF", "LegacyRow", "as_json", "bench_legacy", "legacy_files", "markdown"]

#: Legacy extension -> its modern twin's extension.
TWIN_OF = {".doc": ".docx", ".dot": ".docx", ".ppt": ".pptx", ".pps": ".pptx", ".xls": ".xlsx"}


@dataclass
class LegacyRow:
    """One legacy corpus file: outcome, timing and (when it has a twin) similarity to the twin."""

    file: str
    file_type: str
    status: str
    seconds: float
    elements: int
    twin: str | None = None
    similarity: float | None = None
    same_types: bool | None = None


def legacy_files(root: Path = CORPUS_DIR) -> list[Path]:
    """Every legacy Office file under ``root``, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TWIN_OF)


def bench_legacy(files: list[Path], *, reps: int = 3) -> tuple[float | None, list[LegacyRow]]:
    """(first conversion's seconds, one row per file with the median seconds of ``reps`` runs)."""
    from docbatch.partitioners.auto import partition_file
    from docbatch.partitioners.kit.base import PartitionOptions

    options = PartitionOptions(detect_languages=False)
    first: float | None = None
    rows = []
    for path in files:
        times, outcome = [], None
        for _ in range(reps):
            start = time.perf_counter()
            try:
                file_type, elements = partition_file(path, options)
                outcome = (file_type.name, "ok", elements)
            except Exception as e:  # a benchmark row records a failure; it does not stop the run
                outcome = ("?", f"failed: {' '.join(str(e).split())[:120]}", [])
            times.append(time.perf_counter() - start)
            if first is None and path.suffix.lower() != ".xls":
                first = times[0]
        rows.append(_row(path, statistics.median(times[1:] or times), *outcome))
    return first, rows


def _row(path: Path, seconds: float, file_type: str, status: str, elements: list) -> LegacyRow:
    from docbatch.partitioners.auto import partition_file
    from docbatch.partitioners.kit.base import PartitionOptions

    row = LegacyRow(_name(path), file_type, status, round(seconds, 3), len(elements))
    twin = path.with_suffix(TWIN_OF[path.suffix.lower()])
    if twin.is_file() and status == "ok":
        _, expected = partition_file(twin, PartitionOptions(detect_languages=False))
        row.twin = _name(twin)
        row.similarity = round(
            text_similarity("\n".join(e.text for e in expected), "\n".join(e.text for e in elements)), 4
        )
        row.same_types = [e.type for e in expected] == [e.type for e in elements]
    return row


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS_DIR)) if path.is_relative_to(CORPUS_DIR) else path.name


def markdown(first: float | None, rows: list[LegacyRow]) -> str:
    """The legacy section of the report."""
    lines = [
        "## Legacy Office (LibreOffice headless)",
        "",
        f"First conversion of a worker (makes LibreOffice's profile): {first:.2f} s" if first else "",
        "",
        "Each legacy file of the corpus, read by docbatch, against its modern twin read by docbatch. "
        "A file whose content is OOXML under a legacy name (detected docx/pptx) needs no conversion.",
        "",
        "| file | detected | outcome | s per file (median) | elements | twin | text similarity | same types |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        sim = f"{r.similarity:.3f}" if r.similarity is not None else "–"
        same = {True: "yes", False: "no", None: "–"}[r.same_types]
        cells = [r.file, r.file_type, r.status, f"{r.seconds:.2f}", str(r.elements), r.twin or "–", sim, same]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def as_json(first: float | None, rows: list[LegacyRow]) -> dict:
    return {"first_conversion_s": first, "rows": [asdict(r) for r in rows]}


def main() -> int:
    files = legacy_files()
    if not files:
        print(f"no legacy files under {CORPUS_DIR}", file=sys.stderr)
        return 1
    first, rows = bench_legacy(files)
    print(markdown(first, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
