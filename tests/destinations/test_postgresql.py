"""A local folder into PostgreSQL through the CLI, against a real server on a loopback port.

Each document's rows are replaced in one transaction: reruns add nothing, changed documents keep
no old rows, deleted ones are reported (and removed when asked), and kill -9 leaves no half.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support import cli_env, kill_mid_run, log_lines, run_cli, touch_later, write_files

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'docbatch[postgresql]'")


@pytest.fixture
def table_url(pg_server) -> tuple[str, str]:
    table = f"t_{uuid.uuid4().hex[:8]}"
    return f"{pg_server.url}?table={table}", table


def _run(src: Path, url: str, *extra: str, cwd: Path) -> subprocess.CompletedProcess:
    env = cli_env(XDG_CACHE_HOME=str(cwd / "cache"))
    return run_cli(["local", str(src), "--output", url, *extra], cwd=cwd, env=env)


def _rows(pg_server, table: str) -> dict[str, list[tuple]]:
    """Each document's (seq, type, text) rows, in order."""
    with psycopg.connect(pg_server.url) as conn:
        rows = conn.execute(f"SELECT doc_key, seq, type, text FROM {table} ORDER BY doc_key, seq").fetchall()
    found: dict[str, list[tuple]] = {}
    for key, seq, kind, text in rows:
        found.setdefault(key, []).append((seq, kind, text))
    return found


def test_rows_are_written_once_and_follow_changes_and_deletions(pg_server, table_url, tmp_path):
    url, table = table_url
    src = write_files(
        tmp_path / "src", {"a.txt": "Alpha\n\nOld text.", "b.txt": "Beta\n\nSame.", "c.txt": "Gamma\n\nGone."}
    )
    first = _run(src, url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    rows = _rows(pg_server, table)
    assert rows["a.txt"] == [(0, "Title", "Alpha"), (1, "NarrativeText", "Old text.")]
    with psycopg.connect(pg_server.url) as conn:
        metadata = conn.execute(f"SELECT metadata->>'filename' FROM {table} WHERE doc_key = 'a.txt'").fetchone()
    assert metadata == ("a.txt",)  # metadata is JSONB, queryable

    again = _run(src, url, cwd=tmp_path)
    assert "0 ok, 3 skipped, 0 failed" in again.stderr
    assert _rows(pg_server, table) == rows  # nothing added

    touch_later(src / "a.txt", "Alpha\n\nNew text.\n\nAnd more.")
    (src / "c.txt").unlink()
    changed = _run(src, url, cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert "1 ok, 1 skipped, 0 failed" in changed.stderr and "Deleted from the source: 1" in changed.stderr
    rows = _rows(pg_server, table)
    assert [text for _, _, text in rows["a.txt"]] == ["Alpha", "New text.", "And more."]  # no old row left
    assert "c.txt" in rows
    removed = _run(src, url, "--delete-orphans", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert sorted(_rows(pg_server, table)) == ["a.txt", "b.txt"]


def test_a_second_source_is_refused_with_exit_2(pg_server, table_url, tmp_path):
    url, table = table_url
    one = write_files(tmp_path / "one", {"a.txt": "Alpha\n\nText."})
    two = write_files(tmp_path / "two", {"b.txt": "Beta\n\nText."})
    assert _run(one, url, cwd=tmp_path).returncode == 0
    refused = _run(two, url, cwd=tmp_path)
    assert refused.returncode == 2
    assert "--allow-other-source" in refused.stderr and "Traceback" not in refused.stderr
    assert sorted(_rows(pg_server, table)) == ["a.txt"]


def test_bad_credentials_and_unreachable_server_are_one_sentence(pg_server, tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha"})
    wrong = pg_server.url.replace(":secret@", ":wrong@")
    for url in (wrong, "postgresql://docbatch@127.0.0.1:1/docbatch"):
        result = _run(src, url, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        lines = log_lines(result.stderr)
        assert len(lines) == 1 and lines[0].startswith("Error: Cannot use PostgreSQL at 127.0.0.1:")
        assert "secret" not in result.stderr and "wrong" not in result.stderr


def test_kill_9_mid_run_then_rerun_leaves_nothing_missing_duplicated_or_stale(pg_server, table_url, tmp_path):
    url, table = table_url
    src = tmp_path / "src"
    for i in range(150):
        write_files(src, {f"d{i // 50}/doc{i:03d}.txt": f"Title {i} v1\n\n" + "Some body text here. " * 100})
    assert _run(src, url, cwd=tmp_path).returncode == 0
    for path in sorted(src.rglob("*.txt")):
        touch_later(path, path.read_text().replace(" v1\n", " v2\n"))
    cmd = [sys.executable, "-m", "docbatch", "local", str(src), "--output", url]
    env = cli_env(XDG_CACHE_HOME=str(tmp_path / "cache"))

    def redone_20() -> bool:
        titles = [rows[0][2] for rows in _rows(pg_server, table).values()]
        return sum(t.endswith("v2") for t in titles) >= 20

    kill_mid_run(cmd, redone_20, cwd=tmp_path, env=env)
    rerun = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    rows = _rows(pg_server, table)
    assert len(rows) == 150
    for key, elements in rows.items():
        assert [seq for seq, _, _ in elements] == [0, 1], key  # whole, and nothing duplicated
        assert elements[0][2].endswith("v2"), key  # nothing stale


def test_each_source_of_a_shared_table_removes_only_its_own_rows(pg_server, table_url, tmp_path):
    url, table = table_url
    one = write_files(tmp_path / "one", {"a.txt": "Alpha\n\nText."})
    two = write_files(tmp_path / "two", {"b.txt": "Beta\n\nText.", "c.txt": "Gamma\n\nText."})
    assert _run(one, url, cwd=tmp_path).returncode == 0
    assert _run(two, url, "--allow-other-source", cwd=tmp_path).returncode == 0
    first = _run(one, url, "--delete-orphans", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Deleted from the source" not in first.stderr
    assert sorted(_rows(pg_server, table)) == ["a.txt", "b.txt", "c.txt"]
    (two / "c.txt").unlink()
    second = _run(two, url, "--allow-other-source", "--delete-orphans", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Deleted from the source: 1" in second.stderr
    assert sorted(_rows(pg_server, table)) == ["a.txt", "b.txt"]


@pytest.mark.skipif(sys.platform != "linux", reason="file names that are not UTF-8 need a byte-name file system")
def test_undecodable_file_names_and_literal_escapes_are_written_once_and_then_skipped(pg_server, table_url, tmp_path):
    url, table = table_url
    src = tmp_path / "src"
    src.mkdir()
    (Path(os.fsdecode(bytes(src) + b"/caf\xe9.txt"))).write_text("Latin-1 name\n\nText.")
    (src / "literal \\u0000 name.txt").write_text("Literal escape\n\nText with \\u0000 in it.")
    first = _run(src, url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 ok, 0 skipped, 0 failed" in first.stderr
    rows = _rows(pg_server, table)
    assert sorted(rows) == ["caf\\xe9.txt", "literal \\u0000 name.txt"]
    assert rows["literal \\u0000 name.txt"][1][2] == "Text with \\u0000 in it."
    again = _run(src, url, cwd=tmp_path)
    assert "0 ok, 2 skipped, 0 failed" in again.stderr, again.stderr


def test_two_spellings_of_one_server_are_locked_against_each_other(pg_server, table_url, tmp_path):
    from docbatch.destinations.postgresql import PostgresDestination

    url, _ = table_url
    src = write_files(tmp_path / "src", {"a.txt": "Alpha"})
    assert _run(src, url, cwd=tmp_path).returncode == 0  # the table exists
    holder = PostgresDestination(url)  # 127.0.0.1, as a first run would hold it
    with holder.lock():
        other = url.replace("@127.0.0.1:", "@localhost:")
        result = _run(src, other, "--reprocess", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "Another docbatch run is writing to the table t_" in result.stderr
    assert _run(src, url.replace("@127.0.0.1:", "@localhost:"), "--reprocess", cwd=tmp_path).returncode == 0


def test_a_table_name_too_long_for_its_documents_table_is_refused(pg_server, tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha"})
    name = "t" + "x" * 58  # 59 bytes: <table>_documents would be cut at 63
    result = _run(src, f"{pg_server.url}?table={name}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"The table name '{name}' is 59 bytes" in lines[0] and "at most 53 bytes" in lines[0]
    ok = _run(src, f"{pg_server.url}?table={name[:53]}", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_schema_dot_table_writes_into_that_schema(pg_server, tmp_path):
    schema = f"s_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nThe body."})
    url = f"{pg_server.url}?table={schema}.elements"
    assert _run(src, url, cwd=tmp_path).returncode == 0
    with psycopg.connect(pg_server.url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", (schema,)
        ).fetchall()
        literal = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", (f"{schema}.%",)).fetchone()
        texts = conn.execute(f"SELECT text FROM {schema}.elements ORDER BY seq").fetchall()
    assert [t for (t,) in tables] == ["elements", "elements_docbatch", "elements_documents"]
    assert literal == (0,) and [t for (t,) in texts] == ["Alpha", "The body."]
    rerun = _run(src, url, cwd=tmp_path)
    assert rerun.returncode == 0 and "1 skipped" in rerun.stderr


def test_a_checkbox_keeps_its_state_in_a_column_of_its_own(pg_server, table_url, tmp_path):
    import json

    url, table = table_url
    boxes = [
        {"type": "Title", "element_id": "a", "text": "Consent", "metadata": {}},
        {"type": "CheckBox", "element_id": "b", "text": "", "checked": True, "metadata": {"page_number": 1}},
        {"type": "CheckBox", "element_id": "c", "text": "", "checked": False, "metadata": {"page_number": 1}},
    ]
    src = write_files(tmp_path / "src", {"form.json": json.dumps(boxes)})
    assert _run(src, url, cwd=tmp_path).returncode == 0
    with psycopg.connect(pg_server.url) as conn:
        rows = conn.execute(f"SELECT type, checked FROM {table} ORDER BY seq").fetchall()
    assert rows == [("Title", None), ("CheckBox", True), ("CheckBox", False)]
