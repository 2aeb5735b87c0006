"""The contract every partitioner keeps, checked on every fixture and sample we ship and on
every file of the shared corpus (when present).

For each file: elements have known types and unstructured's metadata names, ids are the same on
a second run, the JSON serialises, a failure is a DocumentError with a one-line reason; and the
same fixture cut in half, or replaced by random bytes under its name, ends as elements or a
DocumentError — never another exception.
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
CORPUS = REPO.parent / "shared" / "corpus" / "unstructured-example-docs"
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


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_schema_and_deterministic_ids(path: Path):
    _check_contract(path)


@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_corpus_files_keep_the_contract(path: Path):
    _check_contract(path)


def _check_contract(path: Path) -> None:
    try:
        first = _ids(path)
    except DocumentError as e:  # includes unsupported types
        assert str(e) and "\n" not in str(e) and len(str(e)) <= 300, path
        return
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
