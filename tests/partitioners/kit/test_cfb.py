"""The compound-file writer: what it writes, olefile (the reader docbatch uses) reads back
stream for stream, across the mini-stream cutoff, nested storages and a FAT past the header."""

from __future__ import annotations

import io
import os
import uuid

import olefile
import pytest

from docbatch.partitioners.kit.cfb import compound_file


def _read(data: bytes) -> tuple[dict[tuple[str, ...], bytes], olefile.OleFileIO]:
    ole = olefile.OleFileIO(io.BytesIO(data))
    return {tuple(entry): ole.openstream(entry).read() for entry in ole.listdir(streams=True)}, ole


def test_streams_come_back_byte_for_byte_with_their_storages_and_class_ids():
    excel = uuid.UUID("00020820-0000-0000-c000-000000000046")
    streams = {
        ("Workbook",): os.urandom(20_000),  # regular sectors
        ("\x01CompObj",): b"\x01\x00\xfe\xff" + bytes(60),  # mini stream
        ("Below",): b"b" * 4095,  # the last size kept in the mini stream
        ("At",): b"a" * 4096,  # the first one in regular sectors
        ("Empty",): b"",
        ("ObjectPool", "_1", "Ole"): bytes(20),
        ("ObjectPool", "_1", "WordDocument"): os.urandom(5000),
        **{("Many", f"stream {i}"): bytes([i]) * (i * 37) for i in range(40)},  # a deep sibling tree
    }
    read, ole = _read(compound_file(streams, {(): excel.bytes_le, ("ObjectPool", "_1"): excel.bytes_le}))
    assert read == streams
    assert ole.getclsid([]) == ole.getclsid("ObjectPool/_1") == str(excel).upper()
    assert ole.get_type("ObjectPool") == olefile.STGTY_STORAGE


def test_a_file_whose_fat_outgrows_the_header_gets_difat_sectors():
    big = os.urandom(8_000_000)  # 15,625 sectors: 123 FAT sectors, past the header's 109
    read, ole = _read(compound_file({("Big",): big, ("Small",): b"s"}))
    assert read == {("Big",): big, ("Small",): b"s"}
    assert ole.num_difat_sectors == 1


def test_names_the_format_cannot_hold_are_refused():
    with pytest.raises(ValueError, match="stream name"):
        compound_file({("x" * 32,): b""})
    with pytest.raises(ValueError, match="stream name"):
        compound_file({(): b""})
