"""The contract every partitioner keeps, checked on every fixture and sample we ship.

For each file: elements have known types and unstructured's metadata names, ids are the same on
a second run, the JSON serialises; and the same file cut in half, or replaced by random bytes
under its name, ends as elements or a DocumentError — never another exception.
"""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import orjson
import pytest

from docbatch.elements import ELEMENT_TYPES, METADATA_KEYS, DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError
from docbatch.partition import PartitionOptions, partition_file

REPO = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for folder in (REPO / "tests" / "fixtures", REPO / "samples")
    for p in folder.rglob("*")
    if p.is_file() and p.suffix not in (".py",) and "billion" not in p.name and "xxe" not in p.name
)
OPTIONS = PartitionOptions()


def _ids(path: Path) -> list[dict]:
    file_type, elements = partition_file(path, OPTIONS, name=path.name)
    info = DocumentInfo(filename=path.name, filetype=file_type.mime, url=path.as_uri(), record_locator={})
    return elements_to_dicts(finalize(elements, info))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_schema_and_deterministic_ids(path: Path):
    try:
        first = _ids(path)
    except DocumentError:
        return  # a fixture of a bad file: its own test checks the reason
    assert first == _ids(path)
    for element in first:
        assert element["type"] in ELEMENT_TYPES
        assert set(element["metadata"]) <= METADATA_KEYS | {"data_source"}, path
    orjson.dumps(first)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_truncated_and_garbage_input_fail_cleanly(path: Path, tmp_path: Path):
    data = path.read_bytes()
    rng = random.Random(path.name)
    variants = {
        "half": data[: len(data) // 2],
        "garbage": bytes(rng.getrandbits(8) for _ in range(min(len(data), 4096))),
        "flipped": bytes(b ^ 0xFF if rng.random() < 0.01 else b for b in data),
    }
    for label, content in variants.items():
        bad = tmp_path / label / path.name
        bad.parent.mkdir()
        bad.write_bytes(content)
        with contextlib.suppress(DocumentError):
            partition_file(bad, OPTIONS, name=path.name)
