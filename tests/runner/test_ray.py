"""The Ray executor on a local Ray (skipped unless the ray extra is installed)."""

from __future__ import annotations

import pytest

from support import load_outputs, run_cli

pytest.importorskip("ray")


def test_ray_executor_processes_and_records_failures(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        (src / f"doc{i}.txt").write_text(f"Document {i}\n\nThe body of document {i}.")
    (src / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    args = ["local", str(src), "--structured-output-dir", str(out), "--executor", "ray", "--num-processes", "2"]
    result = run_cli(args, cwd=tmp_path, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "6 ok, 0 skipped, 1 failed" in result.stderr
    assert "empty.txt: empty file (0 bytes)" in result.stderr
    outputs = load_outputs(out)
    assert len(outputs) == 6
    assert outputs["doc3.txt.json"][1]["text"] == "The body of document 3."
