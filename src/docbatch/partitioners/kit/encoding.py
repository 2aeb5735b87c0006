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
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from docbatch.errors import DocumentError
from docbatch.partitioners.filetype import nul_pattern_encoding

__all__ = ["decode_bytes", "decode_ebcdic", "decode_text_bytes", "read_text", "read_text_file"]

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


#: A charset an EBCDIC page declares (``charset=IBM420``), read from the page decoded as IBM037.
_DECLARED_CHARSET = re.compile(r"""(?:charset|encoding)\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
#: The EBCDIC code page assumed when a page declares none: IBM037 (US/Canada), the most common.
_EBCDIC_DEFAULT = "cp037"
_ICONV_TIMEOUT_S = 60


def decode_ebcdic(data: bytes) -> str:
    """Decode text in an EBCDIC code page: the one the text declares, else IBM037.

    Python has codecs for the Latin EBCDIC pages (037, 500, 1140, 273, 1026, ...) but not for
    the others (IBM420 Arabic, 424 Hebrew, 875 Greek, ...), which the system's ``iconv`` reads.
    Without it such a page is read as IBM037: its markup and Latin letters are right, its own
    script is lost.
    """
    found = _DECLARED_CHARSET.search(data[:4096].decode(_EBCDIC_DEFAULT))
    name = found.group(1) if found else _EBCDIC_DEFAULT
    try:
        return data.decode(name, errors="replace")
    except LookupError:
        pass
    decoded = _iconv(data, name)
    return decoded if decoded is not None else data.decode(_EBCDIC_DEFAULT, errors="replace")


def _iconv(data: bytes, charset: str) -> str | None:
    """``data`` decoded by the system's iconv, or None when it has no such charset (or no iconv)."""
    iconv = shutil.which("iconv")
    if iconv is None:
        return None
    try:
        done = subprocess.run(
            [iconv, "-c", "-f", charset, "-t", "UTF-8"],
            input=data,
            capture_output=True,
            timeout=_ICONV_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", errors="replace") if done.returncode in (0, 1) and done.stdout else None
