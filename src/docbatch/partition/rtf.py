"""RTF: striprtf reduces the markup to text, which is split into paragraphs like plain text.

striprtf handles the code page (``\\ansicpg``), unicode escapes and skips picture and other
non-text destinations. The one structure it keeps is the table: each ``\\cell`` ends with ``|``
and each ``\\row`` with a line break, so runs of such lines become Table elements here.
unstructured converts RTF with pandoc; this reads the same text without a subprocess.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partition.base import PartitionOptions
from docbatch.partition.text import partition_text_string

__all__ = ["partition_rtf", "partition_rtf_string", "rtf_to_plain_text"]

# Pictures and embedded objects are stored as long runs of hex digits; no text looks like that.
# Dropping them first keeps striprtf's tokenizer from crawling through megabytes of image data.
_HEX_RUN = re.compile(r"[0-9a-fA-F\r\n\t ]{1024,}")


def partition_rtf(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an RTF file."""
    data = Path(path).read_bytes()
    if not data.lstrip()[:5] == b"{\\rtf":
        raise DocumentError("not an RTF document (no {\\rtf header)")
    # RTF is 7-bit markup; latin-1 maps every byte to one char, so nothing is lost before parsing.
    return partition_rtf_string(data.decode("latin-1"))


def partition_rtf_string(rtf: str) -> list[Element]:
    """Partition RTF source already read as text (also used for Outlook's RTF-only bodies)."""
    return _partition_lines(rtf_to_plain_text(rtf))


def rtf_to_plain_text(rtf: str) -> str:
    """The visible text of an RTF document; table cells end with ``|``."""
    from striprtf.striprtf import rtf_to_text

    rtf = _HEX_RUN.sub("", rtf)
    try:
        return rtf_to_text(rtf, errors="replace")
    except (ValueError, LookupError, IndexError) as e:
        raise DocumentError(f"unreadable RTF: {e}") from e


def _partition_lines(text: str) -> list[Element]:
    """Each RTF paragraph ends with one line break, so every line is a paragraph; rows become tables."""
    elements: list[Element] = []
    rows: list[list[str]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _is_table_row(line):
            rows.append([cell.strip() for cell in line.rstrip().split("|")[:-1]])
            continue
        if rows:
            elements.append(_table(rows))
            rows = []
        elements.extend(partition_text_string(line))
    if rows:
        elements.append(_table(rows))
    return elements


def _is_table_row(line: str) -> bool:
    stripped = line.rstrip()
    return stripped.endswith("|") and len(stripped) > 1


def _table(rows: list[list[str]]) -> Element:
    """A Table element with plain text (cells joined by spaces) and a simple HTML rendering."""
    html_rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell, quote=False)}</td>" for cell in row) + "</tr>" for row in rows
    )
    text = "\n".join(" ".join(cell for cell in row if cell) for row in rows)
    return Element("Table", text, {"text_as_html": f"<table>{html_rows}</table>"})
