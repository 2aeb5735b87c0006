"""The library's one call: ``docbatch.partition`` gives what the CLI writes for the same file."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import orjson
import pytest

import docbatch
from docbatch.elements import elements_to_dicts
from docbatch.errors import DocumentError, UnsupportedFileType

REPO = Path(__file__).resolve().parents[1]
#: One file of each family whose fixture needs no generator.
FILES = [
    REPO / "samples" / "office" / "quarterly-report.docx",
    REPO / "samples" / "office" / "quarterly-report.pptx",
    REPO / "samples" / "office" / "quarterly-report.xlsx",
    REPO / "samples" / "office" / "quarterly-report.pdf",
    REPO / "samples" / "quarterly-report.eml",
    REPO / "samples" / "report.html",
    REPO / "tests" / "fixtures" / "markdown" / "guide.md",
    REPO / "tests" / "fixtures" / "mail" / "fake-email.msg",
    REPO / "tests" / "fixtures" / "epub" / "book.epub",
    REPO / "tests" / "fixtures" / "spreadsheet" / "small.xls",
]


def _without_run_time(elements: list[dict]) -> list[dict]:
    """The elements with ``date_processed`` (the clock at processing time) taken out."""
    for el in elements:
        el["metadata"]["data_source"].pop("date_processed", None)
    return elements


@pytest.fixture(scope="module")
def cli_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CLI run over a folder holding copies of FILES; returns its output folder."""
    root = tmp_path_factory.mktemp("lib")
    docs, out = root / "docs", root / "out"
    docs.mkdir()
    for path in FILES:
        shutil.copy2(path, docs / path.name)
    command = [sys.executable, "-m", "docbatch", "local", str(docs), "--structured-output-dir", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "src")}, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_library_call_equals_cli_output(path: Path, cli_outputs: Path):
    written = orjson.loads((cli_outputs / f"{path.name}.json").read_bytes())
    copy = Path(written[0]["metadata"]["data_source"]["record_locator"]["path"])
    from_library = elements_to_dicts(docbatch.partition(copy))
    assert written and _without_run_time(from_library) == _without_run_time(written)


def test_bytes_and_file_objects_give_the_same_elements_as_each_other():
    path = REPO / "samples" / "office" / "quarterly-report.docx"
    from_bytes = docbatch.partition(path.read_bytes(), filename=path.name)
    with path.open("rb") as f:
        from_file = docbatch.partition(f)
    assert _without_run_time(elements_to_dicts(from_bytes)) == _without_run_time(elements_to_dicts(from_file))
    assert from_bytes[0].metadata["filename"] == path.name
    assert from_bytes[0].metadata["data_source"]["url"] == path.name
    assert all(el.element_id for el in from_bytes)


def test_bytes_with_a_misleading_name_are_typed_by_content():
    pdf = (REPO / "samples" / "office" / "quarterly-report.pdf").read_bytes()
    elements = docbatch.partition(io.BytesIO(pdf), filename="notes.txt")
    assert elements[0].metadata["filetype"] == "application/pdf"


def test_options_are_partition_options():
    path = REPO / "tests" / "fixtures" / "markdown" / "guide.md"
    assert all("languages" not in el.metadata for el in docbatch.partition(path, detect_languages=False))
    with pytest.raises(TypeError):
        docbatch.partition(path, no_such_option=True)


def test_bad_and_unsupported_documents_raise_document_errors():
    with pytest.raises(UnsupportedFileType, match="unsupported file type"):
        docbatch.partition(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64), filename="x.wav")
    with pytest.raises(DocumentError, match="empty"):
        docbatch.partition(b"", filename="x.docx")


def test_a_partial_document_warns_with_its_lost_parts(tmp_path: Path):
    from docbatch.partitioners.registry import PARTITIONERS, register

    register("txt", "_partitioners:misbehave")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            elements = docbatch.partition(b"LOSSY but the rest is here", filename="a.txt")
    finally:
        register("txt", "docbatch.partitioners.markup.text:partition_text")
    assert PARTITIONERS["txt"] == "docbatch.partitioners.markup.text:partition_text"
    assert elements[0].text == "LOSSY but the rest is here"
    assert [str(w.message) for w in caught if w.category is docbatch.PartialDocumentWarning] == [
        "parts lost: page 2: unreadable"
    ]


def test_run_works_without_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.sources.local import LocalSource

    monkeypatch.chdir(tmp_path)
    summary = docbatch.run(
        LocalSource(REPO / "samples"), LocalJSONDestination("structured-outputs"), docbatch.RunOptions()
    )
    assert summary.failed == 0 and summary.ok >= 5
    assert (tmp_path / "structured-outputs" / "guide.md.json").is_file()
    assert not list(tmp_path.glob("tmp-ingest-*"))  # a local run downloads nothing


def test_statuses_are_strings():
    assert docbatch.Status.PARTIAL == "partial" and f"{docbatch.Status.FAILED}" == "failed"


def test_a_path_that_is_no_file_is_file_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="not a file"):
        docbatch.partition(tmp_path / "missing.docx")
    with pytest.raises(FileNotFoundError):
        docbatch.partition(tmp_path)
