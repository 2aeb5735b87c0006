"""``docbatch report``: the run record as a table, CSV or JSON, all or only the failures."""

from __future__ import annotations

import csv
import io
import json

from support import run_cli


def _run_twice(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("Good\n\nA fine document.")
    (src / "empty.txt").write_bytes(b"")
    (src / "bad\x1b[2J.pdf").write_bytes(b"%PDF-1.7\nnot really")
    out = tmp_path / "out"
    first = run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    (src / "more.txt").write_text("More\n\nAnother one.")
    second = run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path)
    assert second.returncode == 0, second.stderr  # the unchanged failures are not retried: nothing failed
    return out, first.stderr.split("(run ")[1].split(")")[0]


def test_report_shows_the_latest_run_or_a_chosen_one_in_three_formats(tmp_path):
    out, first_run = _run_twice(tmp_path)
    table = run_cli(["report", str(out)], cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("run ") and "finished: 1 ok, 3 skipped, 0 failed" in lines[0]
    assert "ok      more.txt" in lines and "skipped good.txt: output exists" in lines
    assert "\x1b" not in table.stdout and "bad\\x1b[2J.pdf" in table.stdout

    failed = run_cli(["report", str(out), "--failed", "--run", first_run, "--format", "csv"], cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(failed.stdout)))
    assert sorted(r["key"] for r in rows) == ["bad\\x1b[2J.pdf", "empty.txt"] and {r["status"] for r in rows} == {
        "failed"
    }
    assert "\x1b" not in failed.stdout

    chosen = json.loads(run_cli(["report", str(out), "--run", first_run, "--format", "json"], cwd=tmp_path).stdout)
    assert chosen["run"]["run_id"] == first_run
    assert sorted(d["key"] for d in chosen["documents"]) == ["bad\x1b[2J.pdf", "empty.txt", "good.txt"]


def test_report_without_a_record_is_one_sentence_and_exit_2(tmp_path):
    result = run_cli(["report", str(tmp_path / "nowhere")], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: No run record at ") and "Traceback" not in result.stderr


def test_report_takes_a_relative_output_dir(tmp_path):
    out, _ = _run_twice(tmp_path)
    table = run_cli(["report", out.name], cwd=out.parent)  # as a user types it: docbatch report out
    assert table.returncode == 0, table.stderr
    assert "ok      more.txt" in table.stdout.splitlines()


def test_report_csv_escapes_terminal_sequences_and_cells_a_spreadsheet_would_run(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("=HYPERLINK(1).txt", "+1.txt", "-2.txt", "@SUM(1).txt", "bell\x07.txt", "plain.txt"):
        (src / name).write_bytes(b"")  # empty: failed, with the name in the key and the uri
    out = tmp_path / "out"
    run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path)
    report = run_cli(["report", str(out), "--format", "csv"], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "\x07" not in report.stdout and "\x1b" not in report.stdout
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert sorted(r["key"] for r in rows) == [
        "'+1.txt",
        "'-2.txt",
        "'=HYPERLINK(1).txt",
        "'@SUM(1).txt",
        "bell\\x07.txt",
        "plain.txt",
    ]
    for row in rows:  # no cell of any column starts as a formula
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row.values()), row
