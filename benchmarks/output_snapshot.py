"""Write docbatch's output JSON for every test fixture and corpus file, to diff two checkouts.

    PYTHONPATH=<checkout>/src python -m benchmarks.output_snapshot OUT_DIR [EXTRA ...]

Speed work (on the per-document path, in a format's reader) must not change a byte of any output.
``tests/test_golden.py`` checks one small input per format; this covers the whole corpus and every
file under ``tests/`` besides, with no checked-in expectation: run it with the old and the new
``src`` and ``diff -r`` the two folders.
Each file's snapshot is ``docbatch.partition(...)`` encoded exactly as the local destination
writes it, with ``date_processed`` (the one field that differs between runs) blanked; a document
that fails gets its reason instead. The inputs: every non-Python file under ``tests/``, the PDF
fixtures ``tests/fixtures/pdf/make_fixtures.py`` builds, the shared corpus, and ``EXTRA`` files
or folders (the benchmark's generated documents, say).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from benchmarks import CACHE_DIR, CORPUS_DIR, REPO_DIR

__all__ = ["inputs", "pdf_fixtures", "snapshot"]

_FIXTURE_MTIME_NS = 1_700_000_000 * 10**9
_DATE_PROCESSED = re.compile(rb'"date_processed": "[^"]*"')


def pdf_fixtures(folder: Path) -> list[Path]:
    """The PDF fixtures ``tests/fixtures/pdf/make_fixtures.py`` builds, written into ``folder``."""
    spec = importlib.util.spec_from_file_location("pdf_make_fixtures", REPO_DIR / "tests/fixtures/pdf/make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [make(folder / name) for name, make in module.FIXTURES.items()]


def inputs(extra: list[Path]) -> Iterator[tuple[str, Path]]:
    """(stable snapshot name, path) of every input but the PDF fixtures, in a fixed order."""
    roots = [("tests", REPO_DIR / "tests"), ("corpus", CORPUS_DIR)] + [(p.name, p) for p in extra]
    for label, root in roots:
        if root.is_file():
            yield f"{label}", root
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
                yield f"{label}__{path.relative_to(root).as_posix().replace('/', '__')}", path


def snapshot(path: Path) -> bytes:
    """The bytes docbatch writes for ``path`` (date_processed blanked), or its failure and warnings."""
    import docbatch
    from docbatch.destinations.tree import encode_elements
    from docbatch.elements import elements_to_dicts

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data = encode_elements(elements_to_dicts(docbatch.partition(path)))
        except docbatch.DocumentError as e:
            data = f"error: {type(e).__name__}: {e}\n".encode()
    partial = [w for w in caught if issubclass(w.category, docbatch.PartialDocumentWarning)]
    notes = "".join(f"warning: {w.message}\n" for w in partial)
    return _DATE_PROCESSED.sub(b'"date_processed": "-"', data) + notes.encode()


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    # the PDF fixtures are built anew each time: a fixed folder and mtime keep their url and version
    fixtures = CACHE_DIR / "output-snapshot-fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    named = [(f"pdf-fixture__{p.name}", p) for p in pdf_fixtures(fixtures)]
    for _, path in named:
        os.utime(path, ns=(_FIXTURE_MTIME_NS, _FIXTURE_MTIME_NS))
    for name, path in named + list(inputs([Path(a) for a in argv[1:]])):
        (out / f"{name}.out").write_bytes(snapshot(path))
        count += 1
    print(f"{count} documents written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
