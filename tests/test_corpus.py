"""Every file of the shared real-world corpus ends ok, skipped or failed with a one-line reason.

Runs the real CLI over ``../shared/corpus/unstructured-example-docs`` (skipped when absent):
no document may crash the run, hang, or fail with an internal error (a bug of ours).
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from docbatch.partitioners.legacy.legacy import soffice_path
from support import CORPUS, run_cli

pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")]

# Kinds docbatch does not partition (audio needs another stack).
EXPECTED_UNSUPPORTED = {
    "wav",
    "unknown",
    "zip",
    "xsl",
}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("corpus")
    result = run_cli(
        ["local", str(CORPUS), "--structured-output-dir", str(work / "out"), "--timeout", "120"], cwd=work, timeout=900
    )
    with sqlite3.connect(work / "out/.docbatch/record.sqlite") as db:
        rows = db.execute("SELECT key, status, reason, file_type, elements FROM documents").fetchall()
    return result, rows, work / "out"


def test_every_corpus_file_has_one_clean_outcome(corpus_run):
    result, rows, _ = corpus_run
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    assert len(rows) == len(files)
    bugs = [(k, r) for k, s, r, _, _ in rows if r.startswith(("internal error", "worker crashed", "timeout"))]
    assert bugs == []
    assert all("\n" not in r and len(r) <= 300 for _, _, r, _, _ in rows)


def test_supported_formats_mostly_succeed(corpus_run):
    _, rows, _ = corpus_run
    skipped = {(k, r) for k, s, r, _, _ in rows if s == "skipped"}
    unexpected = [(k, r) for k, r in skipped if not any(f"file type {t}" in r for t in EXPECTED_UNSUPPORTED)]
    assert unexpected == []
    ok = sum(1 for row in rows if row[1] == "ok")
    assert ok >= 0.75 * len(rows)


def test_images_end_ok_with_text_or_fail_with_one_reason(corpus_run):
    """Every image is OCR'd into elements (a photo of a flower into none, with a remark); without the
    OCR engine each fails with the install sentence."""
    _, rows, _ = corpus_run
    images = [(k, s, r, n) for k, s, r, _, n in rows if k.startswith("img/")]
    assert images
    for key, status, reason, count in images:
        read = status == "ok" and (count > 0 or reason == "no text found in the image")
        assert read or (status == "failed" and "OCR needs Tesseract" in reason), (
            key,
            status,
            reason,
        )


def test_outputs_are_element_json(corpus_run):
    _, rows, out = corpus_run
    for key, status, _, _, count in rows:
        if status != "ok":
            continue
        data = json.loads((out / f"{key}.json").read_text())
        assert len(data) == count
        for element in data:
            assert set(element) == {"type", "element_id", "text", "metadata"}
            assert element["metadata"]["filename"]


def test_the_unsupported_sample_is_reported_unsupported(corpus_run):
    _, rows, _ = corpus_run
    outcome = {k: (s, r) for k, s, r, _, _ in rows}
    assert outcome["unsupported/factbook.xsl"] == ("skipped", "unsupported file type xsl")


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_every_legacy_office_file_ends_ok_with_text(corpus_run):
    _, rows, _ = corpus_run
    legacy = {k: (s, r, n) for k, s, r, t, n in rows if k.lower().endswith((".doc", ".ppt", ".xls"))}
    assert legacy
    assert {k: v for k, v in legacy.items() if v[0] != "ok" or not v[2]} == {}
