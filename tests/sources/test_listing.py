"""What a listing must not do: skip a folder silently, or read the run's own output back in."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from support import load_outputs, run_cli, without_root_override


def _tree(root: Path) -> Path:
    for name, text in {
        "a.txt": "Alpha\n\nFirst.",
        "sub/b.txt": "Beta\n\nSecond.",
        "ok/c.txt": "Gamma\n\nThird.",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _rows(out: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        return {k: (s, r) for k, s, r in db.execute("SELECT key, status, reason FROM documents")}


@pytest.mark.parametrize("how", ["local", "fsspec"])
def test_an_unreadable_folder_is_a_recorded_failure(tmp_path, how):
    prefix = without_root_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: no folder can be made unreadable")
    src = _tree(tmp_path / "src")
    out = tmp_path / "out"
    (src / "sub").chmod(0)
    try:
        target = str(src) if how == "local" else src.as_uri()
        result = run_cli([how, target, "--structured-output-dir", str(out)], cwd=tmp_path, prefix=prefix)
    finally:
        (src / "sub").chmod(0o755)
    assert result.returncode == 1, result.stderr
    rows = _rows(out)
    assert rows["a.txt"][0] == rows["ok/c.txt"][0] == "ok"
    status, reason = rows["sub/"]
    assert status == "failed" and reason.startswith("folder not listed: Permission denied"), reason
    assert "2 ok, 0 skipped, 1 failed" in result.stderr


@pytest.mark.parametrize("how", ["local", "fsspec"])
def test_output_and_download_dirs_inside_the_input_are_not_read_back(tmp_path, how):
    src = _tree(tmp_path / "src")
    args = [how, "."] if how == "local" else [how, src.as_uri(), "--download-dir", "dl", "--preserve-downloads"]
    for _ in range(2):
        result = run_cli(args, cwd=src)
        assert result.returncode == 0, result.stderr
    assert "0 ok, 3 skipped, 0 failed" in result.stderr
    assert sorted(load_outputs(src / "structured-outputs")) == ["a.txt.json", "ok/c.txt.json", "sub/b.txt.json"]


def test_a_listing_that_matches_nothing_says_so_and_exits_2(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli(["local", str(tmp_path / "empty"), "--structured-output-dir", str(tmp_path / "out")], cwd=tmp_path)
    assert result.returncode == 2
    assert "Nothing to process" in result.stderr and "lists no documents" in result.stderr
