"""A pathological cell range or field must not make a reader allocate hundreds of GB.

Each document runs through the pipeline under a 1 GiB memory cap, in a worker, so a reader
that tries to allocate a dense grid fails (or aborts) there instead of taking pytest down.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import openpyxl

from docbatch.destinations.local import LocalJSONDestination
from docbatch.runner.pipeline import RunOptions, run
from docbatch.sources.local import LocalSource
from support import load_outputs

_CAP = 1024**3
_ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
    ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Wide">'
    '<table:table-column table:number-columns-repeated="16384"/>'
    '<table:table-row><table:table-cell office:value-type="string"><text:p>first</text:p></table:table-cell>'
    '<table:table-cell table:number-columns-repeated="16383"/></table:table-row>'
    '<table:table-row table:number-rows-repeated="1048574">'
    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
    '<table:table-cell office:value-type="string"><text:p>last</text:p></table:table-cell></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest'
    ' xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _run(src: Path, out: Path):
    options = RunOptions(download_dir=out.parent / "dl", num_processes=1, max_memory=_CAP, timeout=60)
    return run(LocalSource(src), LocalJSONDestination(out), options)


def _texts(out: Path) -> list[str]:
    return [el["text"] for elements in load_outputs(out).values() for el in elements]


def test_a_sheet_with_cells_at_a1_and_xfd1048576_reads_both_cells_fast(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["XFD1048576"] = "first", "last"
    wb.save(src / "corner.xlsx")
    started = time.monotonic()
    summary = _run(src, tmp_path / "out")
    assert summary.ok == 1, [r.reason for r in summary.failures]
    assert time.monotonic() - started < 30
    assert _texts(tmp_path / "out") == ["first", "last"]


def test_an_ods_sheet_spread_over_the_whole_grid_fails_with_a_reason(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    with zipfile.ZipFile(src / "corner.ods", "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", _ODS_CONTENT, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", _ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
    summary = _run(src, tmp_path / "out")
    assert [r.reason for r in summary.failures] == [
        "a sheet's cells spread over a range too large to read; delete stray cells far from the data and save it again"
    ]


def test_a_csv_field_larger_than_the_limit_fails_with_a_reason(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    with (src / "huge.csv").open("w") as f:
        f.write('a,b\n1,"')
        chunk = "x" * (1024 * 1024)
        for _ in range(17):
            f.write(chunk)
        f.write('"\n2,3\n')
    summary = _run(src, tmp_path / "out")
    assert [r.reason for r in summary.failures] == [
        "a field on line 2 is larger than 16 MiB; not a delimited text file a reader can hold"
    ]


def test_a_crash_at_the_cap_while_writing_a_huge_output_reads_out_of_memory_and_is_retried(tmp_path):
    # 25M fields: the table's JSON is encoded by orjson, whose buffer grows by doubling from about
    # half the cap to past it and crashes the worker with SIGSEGV instead of raising MemoryError.
    src = tmp_path / "src"
    src.mkdir()
    row = ",".join(["1"] * 1000) + "\n"
    with (src / "wide.csv").open("w") as f:
        for _ in range(25_000):
            f.write(row)
    for _ in range(2):  # a resource failure is not remembered: the rerun tries it again
        summary = _run(src, tmp_path / "out")
        assert [r.reason.split(" (")[0] for r in summary.failures] == ["out of memory"]
    assert not (tmp_path / "out" / ".docbatch" / "failed").exists()


def _legacy_doc(folder: Path) -> Path:
    import docx

    from docbatch.partitioners.legacy import legacy

    document = docx.Document()
    document.add_paragraph("A short letter.")
    document.save(folder / "letter.docx")
    with legacy.converter("doc").converted(folder / "letter.docx", ".docx", "doc") as out:
        (folder / "letter.doc").write_bytes(out.read_bytes())
    (folder / "letter.docx").unlink()
    return folder / "letter.doc"


def test_libreoffice_dying_at_the_cap_reads_out_of_memory_and_is_retried(tmp_path):
    import subprocess
    import sys

    import pytest

    from docbatch.partitioners.legacy.legacy import soffice_path

    if soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    src = tmp_path / "src"
    src.mkdir()
    _legacy_doc(src)
    # The CLI in a process of its own: the office inherits the worker's cap counted from a small
    # main process (a worker forked from pytest would give it gigabytes), and 100M is too little.
    command = [sys.executable, "-m", "docbatch", "local", str(src), "--structured-output-dir", str(tmp_path / "out")]
    command += ["--max-memory", "100M", "--num-processes", "1"]
    for _ in range(2):  # not remembered as the document's fault: the rerun tries it again
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "letter.doc: out of memory (over the --max-memory cap of 100M)" in done.stdout + done.stderr
    assert not (tmp_path / "out" / ".docbatch" / "failed").exists()
