"""Hostile and odd input: each document gets a one-line outcome and nothing escapes the output dir."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest

from docbatch.paths import safe_join
from support import cli_env, load_outputs, run_cli


@pytest.mark.parametrize(
    "key",
    ["../x.txt", "a/../../x.txt", "/etc/passwd", "\\\\server\\share.txt", "a\x00b.txt", "", "C:/x.txt", ".", "a/.."],
)
def test_hostile_keys_stay_inside(tmp_path, key):
    path = safe_join(tmp_path, key, ".json")
    assert path.is_relative_to(tmp_path) and ".." not in path.relative_to(tmp_path).parts


def _record(out: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        return {k: (s, r) for k, s, r in db.execute("SELECT key, status, reason FROM documents")}


def test_odd_inputs_each_get_a_one_line_outcome(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "fine.txt").write_text("Fine\n\nA normal document.")
    # a file name that is not valid UTF-8
    with open(os.path.join(os.fsencode(src), b"caf\xe9-latin1.txt"), "wb") as f:
        f.write(b"Caf\xe9\n\nLatin-1 text in a latin-1 name.")
    # a 2 GB sparse file: must not be read whole
    with open(src / "sparse.txt", "wb") as f:
        f.truncate(2 * 1024**3)
    # a zip bomb dressed as a docx: a small file that expands to gigabytes
    with zipfile.ZipFile(src / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\x00" * (16 * 1024**2)
            for _ in range(64):
                member.write(chunk)
    # a PDF that is only a header, a PNG that is text, a text file with a NUL in the middle
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 1 0 R >>\nendobj\n")
    (src / "fake.png").write_text("this is not an image")
    (src / "mixed.txt").write_bytes(b"Title\n\nSome text\x00 with a NUL byte.")
    out = tmp_path / "out"
    result = run_cli(["local", str(src), "--structured-output-dir", str(out), "--timeout", "60"], cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    record = _record(out)
    assert len(record) == 7
    for key, (status, reason) in record.items():
        assert status in ("ok", "skipped", "failed")
        assert "\n" not in reason and len(reason) < 400, key
        if status == "failed":
            assert not reason.startswith("internal error"), (key, reason)
    assert record["fine.txt"][0] == "ok"
    assert record["sparse.txt"][0] in ("skipped", "failed")
    assert record["bomb.docx"][0] == "failed"
    assert record["broken.pdf"][0] == "failed"
    latin = next(k for k in record if k.startswith("caf"))
    assert record[latin][0] == "ok"
    outputs = load_outputs(out)
    assert "fine.txt.json" in outputs
    # nothing was written outside the output dir
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


def test_secrets_never_reach_logs_outputs_or_record(s3_server, tmp_path):
    s3_server.bucket("secrets", {"s/doc.txt": b"Doc\n\nText.", "s/empty.txt": b""})
    env = cli_env(AWS_SECRET_ACCESS_KEY="sEcReT-VaLuE-1234567890", AWS_SESSION_TOKEN="ToKeN-VaLuE-0987654321")
    out = tmp_path / "out"
    args = [
        "s3",
        "--s3-url",
        "s3://secrets/s/",
        "--endpoint-url",
        s3_server.url,
        "--structured-output-dir",
        str(out),
        "-v",
    ]
    result = run_cli(args, cwd=tmp_path, env=env)
    assert result.returncode == 1
    seen = result.stdout + result.stderr
    for path in out.rglob("*"):
        if path.is_file():
            seen += path.read_bytes().decode("utf-8", "replace")
    for secret in ("sEcReT-VaLuE-1234567890", "ToKeN-VaLuE-0987654321", env["AWS_ACCESS_KEY_ID"], "X-Amz-Signature"):
        assert secret not in seen


def test_a_large_run_record_stays_readable_json_outputs(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(50):
        (src / f"{i}.txt").write_text(f"Doc {i}\n\nBody {i}.")
    out = tmp_path / "out"
    result = run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path)
    assert result.returncode == 0
    for path in out.glob("*.json"):
        assert isinstance(json.loads(path.read_text()), list)
    assert sys.getsizeof(_record(out)) > 0
