"""Nothing secret and no terminal escape reaches what docbatch prints or stores."""

from __future__ import annotations

import io
import sqlite3

import fsspec
import pytest

from docbatch.destinations.fsspec import FsspecDestination
from docbatch.destinations.local import LocalJSONDestination
from docbatch.model import FAILED, DocResult
from docbatch.runner.pipeline import RunOptions, run
from docbatch.runner.report import Reporter
from docbatch.sanitize import redact_url, safe_line
from docbatch.sources.fsspec import FsspecSource
from support import run_cli


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://user:s3cret@host/dir", "ftp://user:***@host/dir"),
        ("sftp://:s3cret@host:22/dir", "sftp://:***@host:22/dir"),
        (
            "https://host/f?sig=s3cret&X-Amz-Security-Token=s3cret&page=2",
            "https://host/f?sig=***&X-Amz-Security-Token=***&page=2",
        ),
        ("s3://bucket/prefix/", "s3://bucket/prefix/"),
        ("gcs://user@bucket/x", "gcs://user@bucket/x"),
        # raw characters a URL must percent-encode, as users write passwords anyway
        ("postgresql://u:pa/ss#w@host:5432/db", "postgresql://u:***@host:5432/db"),
        ("postgresql://u:p@ss%@host/db?table=t", "postgresql://u:***@host/db?table=t"),
        ("ftp://u:12/34@host/dir", "ftp://u:***@host/dir"),
    ],
)
def test_urls_lose_their_secrets(url, shown):
    assert redact_url(url) == shown


def test_a_password_in_an_fsspec_url_is_neither_printed_nor_stored(tmp_path):
    assert "s3cret" not in FsspecSource("ftp://user:s3cret@127.0.0.1:1/dir").describe()
    result = run_cli(["fsspec", "ftp://user:s3cret@127.0.0.1:1/dir", "--structured-output-dir", "out"], cwd=tmp_path)
    assert result.returncode == 2
    assert "ftp://user:***@127.0.0.1:1/dir" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


def test_the_run_record_stores_the_source_redacted(tmp_path):
    memory = fsspec.filesystem("memory")
    memory.pipe("/sanitize-test/a.txt", b"Title\n\nBody.")
    source = FsspecSource("memory://sanitize-test?token=s3cret")
    source._fs, source._root = memory, "/sanitize-test"  # memory:// itself takes no credentials
    summary = run(source, LocalJSONDestination(tmp_path / "out"), RunOptions(download_dir=tmp_path / "dl"))
    assert summary.ok == 1
    with sqlite3.connect(summary.record_path) as db:
        (stored,) = db.execute("SELECT source FROM runs").fetchone()
    assert stored == "fsspec memory://sanitize-test?token=***"


def test_a_password_in_an_output_url_never_reaches_stderr(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Title\n\nBody.")
    result = run_cli(["local", "in", "--structured-output-dir", "ftp://user:s3cret@127.0.0.1:1/out"], cwd=tmp_path)
    assert result.returncode == 2
    assert "ftp://user:***@127.0.0.1:1/out" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


def test_the_run_record_stores_the_destination_redacted(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Title\n\nBody.")
    destination = FsspecDestination("memory://user:s3cret@host/sanitize-out")
    destination._fs, destination._root = fsspec.filesystem("memory"), "/sanitize-out"
    source = FsspecSource(str(tmp_path / "in"))
    summary = run(source, destination, RunOptions(download_dir=tmp_path / "dl"))
    assert summary.ok == 1
    assert b"s3cret" not in summary.record_path.read_bytes()
    with sqlite3.connect(summary.record_path) as db:
        (stored,) = db.execute("SELECT destination FROM runs").fetchone()
    assert stored == "fsspec memory://user:***@host/sanitize-out"


@pytest.mark.parametrize("password", ["pass%word", "pass#word", "pass/word", "pass@word"])
def test_a_postgresql_password_needing_escapes_is_one_sentence_without_it(tmp_path, password):
    pytest.importorskip("psycopg")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Title\n\nBody.")
    url = f"postgresql://user:{password}@127.0.0.1:1/db"
    result = run_cli(["local", "in", "--structured-output-dir", url], cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "percent-encode" in result.stderr and "postgresql://user:***@127.0.0.1:1/db" in result.stderr
    assert "word" not in result.stderr.replace("password", "")
    assert len([line for line in result.stderr.splitlines() if "Error" in line]) == 1


def test_escape_sequences_in_reasons_and_keys_are_shown_escaped():
    out = io.StringIO()
    with Reporter(stream=out) as reporter:
        reporter(DocResult("file:///x", "bad\x1b]0;title\x07.zip", FAILED, "member \x1b[2J\u009b31m evil.txt: damaged"))
        reporter.line("Error: in \x1b[2Jline one\nline \x07two")
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\u009b" not in text
    assert [line[len("2026-01-01 00:00:00 ") :] for line in text.splitlines()] == [
        "failed  bad\\x1b]0;title\\x07.zip: member \\x1b[2J\\x9b31m evil.txt: damaged",
        "Error: in \\x1b[2Jline one",
        "line \\x07two",
    ]
    assert safe_line("plain ü text") == "plain ü text"
