"""CLI parsing that has logic of its own: memory caps, the choice of destination."""

from __future__ import annotations

import click
import pytest

from docbatch.cli import _memory_cap


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2G", 2 * 1024**3),
        ("512M", 512 * 1024**2),
        ("1.5GiB", 1536 * 1024**2),
        ("none", None),
        ("0", None),
        ("4096", 4096),
    ],
)
def test_memory_cap_sizes(value, expected):
    assert _memory_cap(value, 2) == expected


def test_auto_cap_is_a_share_of_memory_and_at_most_4g():
    one, many = _memory_cap("auto", 1), _memory_cap("auto", 64)
    assert 0 < many <= one <= 4 * 1024**3


def test_bad_size_is_a_usage_error():
    with pytest.raises(click.BadParameter, match="not a size"):
        _memory_cap("lots", 2)


def test_two_destinations_at_once_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from docbatch.cli import main

    (tmp_path / "a.txt").write_text("Alpha")
    args = ["local", str(tmp_path / "a.txt"), "--structured-output-dir", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "--output", "postgresql://u@127.0.0.1:1/db"])
    assert result.exit_code == 2
    assert "not both" in result.output
    assert not (tmp_path / "out").exists()  # refused before anything was made


def test_ocr_flags_reach_the_partitioners(tmp_path):
    """--ocr never skips an image with the reason; a bad --ocr-languages is a usage error (exit 2)."""
    from PIL import Image

    from support import load_outputs, run_cli

    src = tmp_path / "in"
    src.mkdir()
    Image.new("L", (64, 64), 255).save(src / "scan.png")
    (src / "note.txt").write_text("A note that needs no OCR at all.\n")
    out = tmp_path / "out"
    result = run_cli(["local", str(src), "--structured-output-dir", str(out), "--ocr", "never"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1 ok, 1 skipped, 0 failed" in result.stderr
    assert list(load_outputs(out)) == ["note.txt.json"]
    bad = run_cli(["local", str(src), "--ocr-languages", "eng; rm"], cwd=tmp_path)
    assert bad.returncode == 2 and "--ocr-languages" in bad.stderr


def test_log_format_json_writes_one_object_per_line_for_log_shippers(tmp_path):
    import json

    from support import run_cli

    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("Good\n\nA fine document.")
    (src / "bad\x1b[2J.pdf").write_bytes(b"%PDF-1.7\nnot really")
    result = run_cli(
        ["local", str(src), "--structured-output-dir", str(tmp_path / "out"), "--log-format", "json", "-v"],
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "\x1b" not in result.stderr
    records = [json.loads(line) for line in lines]  # every line is one object
    assert all({"time", "level", "message"} <= set(r) for r in records)
    docs = {r["document"]: r for r in records if "document" in r and r["message"].startswith(("ok", "failed"))}
    assert docs["good.txt"]["status"] == "ok" and docs["good.txt"]["level"] == "info"
    bad = docs["bad\x1b[2J.pdf"]
    assert bad["status"] == "failed" and bad["level"] == "error" and "PDF" in bad["reason"]


def test_quiet_prints_only_the_summary_and_failures(tmp_path):
    from support import run_cli

    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        (src / f"good{i}.txt").write_text(f"Good {i}\n\nA fine document.")
    (src / "empty.txt").write_bytes(b"")
    result = run_cli(["local", str(src), "--structured-output-dir", str(tmp_path / "out"), "-q"], cwd=tmp_path)
    assert result.returncode == 1
    lines = [line.split(" ", 2)[2] for line in result.stderr.strip().splitlines()]
    assert lines == ["4 documents" + lines[0][len("4 documents") :], "Failed:", "  empty.txt: empty file (0 bytes)"]
    both = run_cli(["local", str(src), "-q", "-v"], cwd=tmp_path)
    assert both.returncode == 2 and "Give -q or -v, not both." in both.stderr
