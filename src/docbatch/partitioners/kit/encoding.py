"""Decode text files whose encoding nobody wrote down.

Shared by every text-based partitioner (plain text, Markdown, CSV, HTML without a meta charset).
A BOM decides first; then UTF-16/32 without BOM, recognised by their NUL pattern; then UTF-8;
then charset-normalizer's detection (cp1252, ISO-8859-x, Shift-JIS, ...).

Two entry points differ in how far they trust the NUL pattern: :func:`decode_bytes` (CSV, mail
parts) decodes by it only if the bytes decode cleanly, while :func:`decode_text_bytes` (files
already known to be text: plain text, Markdown, reStructuredText, Org, HTML) trusts it and
replaces the odd bad unit, so a UTF-16 file with one broken character stays UTF-16.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from docbatch.errors import DocumentError
from docbatch.partitioners.filetype import nul_pattern_encoding

__all__ = ["decode_bytes", "decode_text_bytes", "read_text", "read_text_file"]

#: The BOMs that make :func:`decode_text_bytes` skip the NUL pattern (UTF-32 LE starts with UTF-16 LE's).
_TEXT_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def read_text(path: str | Path) -> str:
    """Read and decode a whole text file."""
    return decode_bytes(Path(path).read_bytes(), name=str(path))


def read_text_file(path: str | Path) -> str:
    """Read and decode a file known to be text (see :func:`decode_text_bytes`)."""
    return decode_text_bytes(Path(path).read_bytes())


def decode_text_bytes(data: bytes) -> str:
    """Decode text bytes; UTF-16/32 without a BOM is checked before UTF-8, which accepts NULs."""
    if b"\x00" in data[:4096] and not data.startswith(_TEXT_BOMS):
        guess = nul_pattern_encoding(data[:4096])
        if guess:
            return data.decode(guess, errors="replace")
    return decode_bytes(data)


def decode_bytes(data: bytes, *, name: str = "document") -> str:
    """Decode ``data`` to str, detecting its encoding; raise DocumentError if it is not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    # UTF-16/32 without a BOM is valid UTF-8 full of NULs: recognise it before trying UTF-8.
    guess = nul_pattern_encoding(data[:4096]) if b"\x00" in data[:4096] else None
    if guess:
        try:
            return data.decode(guess)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data[: 1024 * 1024])
    best = _prefer_cp1252(matches, matches.best())
    if best is None:
        raise DocumentError("not a text file (no text encoding fits its bytes)")
    return data.decode(best.encoding, errors="replace")


def _prefer_cp1252(matches: Any, best: Any) -> Any:
    """Among equally good guesses, take cp1252: short Western text ties with cp1250/cp1257,
    and cp1252 is by far the more common (it would turn "crème" into "crčme" otherwise)."""
    if best is None or best.encoding == "cp1252":
        return best
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos and match.coherence >= best.coherence:
            return match
    return best
