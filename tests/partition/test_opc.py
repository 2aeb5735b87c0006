"""opc.Package.read: its one-piece read of plain members gives zipfile's bytes, and leaves every
unusual or damaged member to zipfile, so the errors a reader reports stay zipfile's."""

from __future__ import annotations

import io
import zipfile

import pytest

from docbatch.partition.opc import MissingPart, Package

_XML = b"<?xml version='1.0'?><root>" + b"<child>text</child>" * 200 + b"</root>"


def _package(method: int, blob: bytes = _XML, *, damage: bool = False) -> Package:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", method) as zf:
        zf.writestr("ppt/part.xml", blob)
    raw = bytearray(data.getvalue())
    if damage:  # flip one byte of the member's data: its CRC no longer matches
        start = 30 + len("ppt/part.xml")
        raw[start + 5] ^= 0xFF
    return Package(io.BytesIO(bytes(raw)))


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_a_member_reads_as_zipfile_reads_it(method: int) -> None:
    package = _package(method)
    assert package.read("/ppt/part.xml") == _XML == package._zip.read("ppt/part.xml")


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_damaged_member_fails_with_zipfiles_own_error(method: int) -> None:
    package = _package(method, damage=True)
    with pytest.raises(Exception) as ours:
        package.read("/ppt/part.xml")
    with pytest.raises(Exception) as zipfiles:
        package._zip.read("ppt/part.xml")
    assert type(ours.value) is type(zipfiles.value)
    assert str(ours.value) == str(zipfiles.value)


def test_a_missing_member_is_a_missing_part() -> None:
    with pytest.raises(MissingPart, match=r"ppt/other\.xml is missing"):
        _package(zipfile.ZIP_DEFLATED).read("/ppt/other.xml")
