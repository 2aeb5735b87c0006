"""An 8-bit Outlook message is read in its own code page (issue 24: ``testMSG_chinese.msg``, a
Big5 message naming its code page only in PR_INTERNET_CPID, came out as ISO-8859-15 mojibake)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import docbatch
from _ole import write_ole

SUBJECT, BODY = "會議通知", "請於星期三下午三點到會議室開會。"
#: Streams under 4096 bytes would live in the mini stream, which tests/_ole.py does not write:
#: strings are padded with spaces (trimmed by the reader) and the property list with copies of its entry.
_STREAM = 4096


def _padded(data: bytes) -> bytes:
    return data.ljust(_STREAM, b" ")


def _message(path: Path, *, tag: int, body: dict[str, bytes]) -> Path:
    """A minimal non-Unicode message (8-bit ``001E`` strings) whose one code page property is ``tag``."""
    entry = struct.pack("<IIiI", tag, 6, 950, 0)  # PT_LONG property: tag, flags, value, padding
    properties = bytes(32) + entry * ((_STREAM - 32) // 16)
    streams = {
        "__properties_version1.0": properties,
        "__substg1.0_001A001E": _padded(b"IPM.Note"),
        "__substg1.0_0037001E": _padded(SUBJECT.encode("big5")),
        **body,
    }
    return write_ole(path, streams)


@pytest.mark.parametrize(
    "body",
    [
        {"__substg1.0_1000001E": _padded(BODY.encode("big5"))},  # the plain-text body
        {"__substg1.0_10130102": _padded(f"<html><body><p>{BODY}</p></body></html>".encode("big5"))},
    ],
    ids=["text", "html-without-charset"],
)
def test_a_big5_message_naming_its_code_page_in_internet_cpid_reads_as_big5(tmp_path, body):
    elements = docbatch.partition(_message(tmp_path / "chinese.msg", tag=0x3FDE0003, body=body), detect_languages=False)
    assert [el.text for el in elements] == [BODY]
    assert elements[0].metadata["subject"] == SUBJECT


def test_a_message_with_pr_message_codepage_is_read_as_before(tmp_path):
    """extract-msg already honours PR_MESSAGE_CODEPAGE: nothing is reopened or changed."""
    message = _message(tmp_path / "m.msg", tag=0x3FFD0003, body={"__substg1.0_1000001E": _padded(BODY.encode("big5"))})
    elements = docbatch.partition(message, detect_languages=False)
    assert [el.text for el in elements] == [BODY]
