"""Lost parts make a document partial; remarks explain an ok one; both reach the record and the summary."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from docbatch.destinations.local import LocalJSONDestination
from docbatch.partitioners.kit.notes import Notes, collecting, part_lost, remark
from docbatch.runner.pipeline import RunOptions, run
from docbatch.runner.report import Reporter, print_summary
from docbatch.sources.local import LocalSource


def test_calls_outside_a_document_do_nothing() -> None:
    part_lost("slide 1", "picture unreadable")
    remark("no text found")


def test_notes_collect_in_order_and_name_at_most_five_parts() -> None:
    with collecting() as notes:
        for i in range(1, 8):
            part_lost(f"slide {i}", "picture unreadable")
        remark("no text on 2 blank pages")
        remark("no text on 2 blank pages")
    assert notes.lost_reason().startswith("slide 1: picture unreadable; slide 2:")
    assert notes.lost_reason().endswith("and 2 more parts lost")
    assert notes.remark_text() == "no text on 2 blank pages"
    assert Notes().lost_reason() == ""


def test_partial_and_remarked_documents_reach_record_and_summary(tmp_path: Path, misbehaving_txt, capsys) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "lossy.txt").write_text("LOSSY but the rest is here")
    (src / "blank.txt").write_text("BLANK")
    out = tmp_path / "out"
    options = RunOptions(download_dir=tmp_path / "dl", num_processes=1)
    summary = run(LocalSource(src), LocalJSONDestination(out), options)
    assert (summary.ok, summary.partial, summary.failed) == (1, 1, 0)
    db = sqlite3.connect(out / ".docbatch" / "record.sqlite")
    rows = dict(db.execute("SELECT key, status || ': ' || reason FROM documents"))
    assert rows == {"lossy.txt": "partial: page 2: unreadable", "blank.txt": "ok: no text on 1 blank page"}
    assert (out / "lossy.txt.json").exists()
    with Reporter(verbose=False) as reporter:
        print_summary(summary, reporter)
    err = capsys.readouterr().err
    assert "1 ok, 1 partial, 0 skipped, 0 failed" in err
    assert "lossy.txt: page 2: unreadable" in err
