"""File selection as unstructured-ingest users expect: --file-glob, --file-exclude,
--recursive/--no-recursive, --max-docs, and a quoted glob as the local PATH."""

from __future__ import annotations

from support import cli_env, load_outputs, run_cli, write_files

FILES = {
    "a.pdf": "",
    "b.txt": "B\n\nbee",
    "c.md": "# C\n\nsea",
    "sub/d.txt": "D\n\ndee",
    "sub/e.md": "# E\n\nee",
    "sub/deep/f.txt": "F\n\neff",
}


def _run(tmp_path, *args: str):
    out = tmp_path / "out"
    result = run_cli([*args, "--structured-output-dir", str(out)], cwd=tmp_path, env=cli_env())
    return result, sorted(load_outputs(out)) if out.exists() else []


def test_file_glob_exclude_and_no_recursive_choose_the_documents(tmp_path):
    src = write_files(tmp_path / "src", FILES)
    result, outputs = _run(tmp_path, "local", str(src), "--file-glob", "*.txt,*.md", "--file-exclude", "sub/deep/*")
    assert result.returncode == 0, result.stderr
    assert outputs == ["b.txt.json", "c.md.json", "sub/d.txt.json", "sub/e.md.json"]
    # a narrower rerun with --delete-orphans removes nothing it left out
    again, outputs = _run(tmp_path, "local", str(src), "--file-glob", ".md", "--no-recursive", "--delete-orphans")
    assert again.returncode == 0, again.stderr
    assert outputs == ["b.txt.json", "c.md.json", "sub/d.txt.json", "sub/e.md.json"]
    assert "1 skipped" in again.stderr and "deleted" not in again.stderr.lower()


def test_max_docs_is_a_trial_run_that_never_reports_deletions(tmp_path):
    src = write_files(tmp_path / "src", {f"doc{i}.txt": f"Doc {i}\n\nbody" for i in range(6)})
    first, outputs = _run(tmp_path, "local", str(src), "--max-docs", "2", "--num-processes", "1")
    assert first.returncode == 0, first.stderr
    assert len(outputs) == 2
    second, outputs = _run(tmp_path, "local", str(src), "--max-docs", "2", "--delete-orphans")
    assert second.returncode == 0 and len(outputs) == 4  # two more; the first two skipped, none deleted


def test_a_glob_as_the_local_path_is_taken_not_refused(tmp_path):
    write_files(tmp_path / "src", FILES)
    result, outputs = _run(tmp_path, "local", "src/sub/*.txt")
    assert result.returncode == 0, result.stderr
    assert outputs == ["d.txt.json"]


def test_a_selection_matching_nothing_is_one_sentence_and_exit_2(tmp_path):
    src = write_files(tmp_path / "src", FILES)
    result, _ = _run(tmp_path, "local", str(src), "--file-glob", "*.docx")
    assert result.returncode == 2
    assert "matches the selection (--file-glob, --file-exclude, --no-recursive)" in result.stderr
