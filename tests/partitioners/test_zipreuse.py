"""The zip the type sniff opens goes on to the format's reader, only for the same unchanged file."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from docbatch.errors import DocumentError
from docbatch.partitioners import zipreuse
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.filetype import detect
from docbatch.partitioners.kit.archive import open_zip
from docbatch.partitioners.kit.base import PartitionOptions

DECK = Path(__file__).resolve().parents[1] / "fixtures" / "pptx" / "deck.pptx"


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return Path(shutil.copy(DECK, tmp_path / "deck.pptx"))


def _count_directory_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every central-directory parse (zipfile's own method, wrapped, not replaced)."""
    reads: list[str] = []
    real = zipfile.ZipFile._RealGetContents  # type: ignore[attr-defined]

    def counting(self: zipfile.ZipFile) -> None:
        reads.append(str(self.filename))
        real(self)

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", counting)
    return reads


def test_a_deck_central_directory_is_read_once(deck: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_directory_reads(monkeypatch)
    ft, elements = partition_file(deck)
    assert ft.name == "pptx" and elements
    assert reads == [str(deck)]


def test_the_reader_takes_the_sniffed_zip_only_inside_a_scope(deck: Path) -> None:
    with zipreuse.scope():
        assert detect(deck).name == "pptx"
        taken = zipreuse.take(deck)
        assert taken is not None
        taken.close()
    detect(deck)  # outside a scope nothing is held: a bare detect keeps no file open
    assert zipreuse.take(deck) is None


def test_a_file_replaced_after_the_sniff_is_opened_afresh(deck: Path, tmp_path: Path) -> None:
    with zipreuse.scope():
        detect(deck)
        other = tmp_path / "other.pptx"
        with zipfile.ZipFile(other, "w") as zf:
            zf.writestr("a.txt", "x")
        os.replace(other, deck)
        assert zipreuse.take(deck) is None
        with open_zip(deck, PartitionOptions(), "PPTX") as zf:
            assert zf.namelist() == ["a.txt"]


def test_the_zip_bomb_guard_still_checks_a_taken_zip(deck: Path) -> None:
    with zipreuse.scope():
        detect(deck)
        with pytest.raises(DocumentError, match="zip bomb guard"):
            open_zip(deck, PartitionOptions(max_uncompressed_bytes=10), "PPTX")
