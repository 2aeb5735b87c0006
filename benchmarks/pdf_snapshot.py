"""Write docbatch's PDF elements for every test fixture and corpus PDF, to diff two checkouts.

    PYTHONPATH=<checkout>/src python -m benchmarks.pdf_snapshot OUT_DIR [--floor] [EXTRA.pdf ...]

Speed work on the PDF path must not change its output; run this with the old and the new
``src`` and ``diff -r`` the two folders. Fixtures are rebuilt from tests/fixtures/pdf/make_fixtures.py.
``--floor`` adds the two files of :mod:`benchmarks.pdf_floor` (the large generated report and the
many-links page, generated into the benchmark cache if missing); generated reports with unruled
tables (``benchmarks.unruled``) are good extras.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

from benchmarks import CORPUS_DIR, REPO_DIR


def _fixtures(folder: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("pdf_make_fixtures", REPO_DIR / "tests/fixtures/pdf/make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [make(folder / name) for name, make in module.FIXTURES.items()]


def main(argv: list[str]) -> int:
    from docbatch.elements import elements_to_dicts
    from docbatch.errors import DocumentError
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.partitioners.pdf.pdf import partition_pdf

    if not argv or argv[0].startswith("-"):  # -h, --help, or no OUT_DIR: say how to run it
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    extra = [Path(a) for a in argv[1:] if a != "--floor"]
    if "--floor" in argv[1:]:
        from benchmarks import CACHE_DIR
        from benchmarks.pdf_floor import floor_files

        extra += list(floor_files(CACHE_DIR).values())
    with tempfile.TemporaryDirectory() as tmp:
        files = _fixtures(Path(tmp)) + sorted(CORPUS_DIR.rglob("*.pdf")) + extra
        for path in files:
            try:
                data: object = elements_to_dicts(partition_pdf(path, PartitionOptions()))
            except DocumentError as e:
                data = {"error": str(e)}
            folder = "fixtures" if path.parent == Path(tmp) else path.parent.name  # a stable name for the temp folder
            target = out / f"{folder}__{path.name}.json"
            target.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(files)} PDFs written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
