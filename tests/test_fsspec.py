"""The fsspec source, on fsspec's local filesystem through a file:// URL (downloads and all)."""

from __future__ import annotations

from support import load_outputs, run_cli


def test_fsspec_url_is_listed_downloaded_and_cleaned(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Alpha\n\nThe first document.")
    (src / "sub" / "b.txt").write_text("Beta\n\n- one\n- two")
    out, dl = tmp_path / "out", tmp_path / "dl"
    args = ["fsspec", f"file://{src}", "--structured-output-dir", str(out), "--download-dir", str(dl)]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = load_outputs(out)
    assert sorted(outputs) == ["a.txt.json", "sub/b.txt.json"]
    assert [e["type"] for e in outputs["sub/b.txt.json"]] == ["Title", "ListItem", "ListItem"]
    assert outputs["a.txt.json"][0]["metadata"]["data_source"]["url"] == f"file://{src}/a.txt"
    assert not dl.exists()
    again = run_cli(args, cwd=tmp_path)
    assert "0 ok, 2 skipped, 0 failed" in again.stderr


def test_missing_fsspec_path_is_one_sentence(tmp_path):
    result = run_cli(["fsspec", f"file://{tmp_path}/nope"], cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
