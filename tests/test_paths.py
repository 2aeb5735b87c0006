"""Keys to paths: every key gets its own path inside the root, ordinary keys keep their names."""

from __future__ import annotations

import itertools
import os

import pytest

from docbatch.paths import (
    MAX_PART_BYTES,
    atomic_write,
    key_to_parts,
    parts_to_key,
    safe_join,
    safe_name,
    temp_path,
)
from support import load_outputs, run_cli

ORDINARY = ["a.txt", "a/b/c.pdf", "dir with spaces/ü-名前.docx", "x.tar.gz", "-dash", "+plus", "a" * MAX_PART_BYTES]
ODD = [
    "",
    "/",
    "//",
    "c//d.txt",
    "c/./d.txt",
    "c/d.txt/",
    "/c/d.txt",
    "./c/d.txt",
    "c/../d.txt",
    "../../etc/passwd",
    "a\\b.txt",
    "\\\\server\\share.txt",
    "a\x00b.txt",
    "tab\there",
    "esc\x1b]0;title\x07",
    "%",
    "%25",
    "%2F",
    "100%.txt",
    "%a%",
    "C:/x.txt",
    ".",
    "..",
    "a/..",
    "b" * (MAX_PART_BYTES + 1),
    "é" * 400 + ".txt",
    "%" * 300,
    "d/" + "\\" * 200 + "/e",
    "caf\udce9.txt",  # a non-UTF-8 file name byte, as Python keeps it
]


@pytest.mark.parametrize("key", ORDINARY)
def test_ordinary_keys_keep_their_names(tmp_path, key):
    assert safe_join(tmp_path, key, ".json") == tmp_path / (key + ".json")


@pytest.mark.parametrize("key", ORDINARY + ODD)
def test_every_key_round_trips_to_plain_names_inside_the_root(tmp_path, key):
    parts = key_to_parts(key)
    assert parts_to_key(parts) == key
    for part in parts:
        assert part not in ("", ".", "..") and "/" not in part and "\\" not in part and "\x00" not in part
        assert len(os.fsencode(part)) <= MAX_PART_BYTES
    path = safe_join(tmp_path, key, ".json")
    assert path.is_relative_to(tmp_path) and ".." not in path.relative_to(tmp_path).parts
    assert safe_name(key, ".json") == path.relative_to(tmp_path).as_posix()  # the output's name, without Paths


def test_distinct_keys_never_share_a_path(tmp_path):
    keys = ORDINARY + ODD + ["".join(p) for p in itertools.product(["", "a", "/", "\\", ".", "%"], repeat=4)]
    paths = {key: safe_join(tmp_path, key, ".json") for key in set(keys)}
    assert len(set(paths.values())) == len(paths)


@pytest.mark.parametrize("length", [245, 246, 250, 251, 255])
def test_names_near_name_max_are_written(tmp_path, length):
    name = "n" * (length - 4) + ".txt"
    path = safe_join(tmp_path, name, ".json")
    atomic_write(path, b"[]\n")
    assert path.read_bytes() == b"[]\n"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [path.name]
    assert len(temp_path(path, ".part").name) < 30


def test_local_keys_with_backslashes_get_their_own_outputs(tmp_path):
    src = tmp_path / "src"
    (src / "a").mkdir(parents=True)
    (src / "a" / "b.txt").write_text("Slash\n\nThe document in folder a.")
    (src / "a\\b.txt").write_text("Backslash\n\nThe document whose name holds a backslash.")
    long_name = "L" * 251 + ".txt"  # 255 bytes: its temporary and output names once went past NAME_MAX
    (src / long_name).write_text("Long\n\nA document with the longest name a file can have.")
    out = tmp_path / "out"
    result = run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = load_outputs(out)
    texts = {name: doc[1]["text"] for name, doc in outputs.items()}
    assert texts.pop("a/b.txt.json") == "The document in folder a."
    assert texts.pop("%a%5Cb.txt.json") == "The document whose name holds a backslash."
    (long_text,) = texts.values()
    assert long_text == "A document with the longest name a file can have."
    assert "3 ok, 0 skipped, 0 failed" in result.stderr


def test_an_empty_file_is_created_in_place_and_its_folders_made(tmp_path):
    """A marker (empty) needs no temporary file and rename: nothing else is left beside it."""
    path = tmp_path / ".docbatch" / "done" / "a.txt.json.0123456789abcdef0123"
    atomic_write(path, b"")
    assert path.is_file() and path.read_bytes() == b""
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [path.name]
    atomic_write(path, b"")  # written again (a --reprocess run): still one empty file
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [path.name]


def test_an_empty_write_over_a_link_replaces_the_link_not_its_target(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_bytes(b"keep me")
    link = tmp_path / "marker"
    link.symlink_to(target)
    atomic_write(link, b"")
    assert not link.is_symlink() and link.read_bytes() == b""
    assert target.read_bytes() == b"keep me"
