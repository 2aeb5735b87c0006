"""RTF: striprtf reduces the markup to text, which is split into paragraphs like plain text.

striprtf handles the code page (``\\ansicpg``), unicode escapes and skips picture and other
non-text destinations. The one structure it keeps is the table: each ``\\cell`` ends with ``|``
and each ``\\row`` with a line break, so runs of such lines become Table elements here.
unstructured converts RTF with pandoc; this reads the same text without a subprocess.
"""

from __future__ import annotations

import re
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged
from docbatch.partitioners.kit.tables import table_html, table_text
from docbatch.partitioners.markup.text import partition_text_string

__all__ = ["is_rtf", "partition_rtf", "partition_rtf_string", "rtf_to_plain_text"]

# Pictures and embedded objects are stored as long runs of hex digits; no text looks like that.
# Dropping them first keeps striprtf's tokenizer from crawling through megabytes of image data.
_HEX_RUN = re.compile(r"[0-9a-fA-F\r\n\t ]{1024,}")
_RTF_START = re.compile(rb"^\{\\[a-z*]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Header and footer groups (striprtf drops them with the other destinations).
_HEADER_FOOTER = re.compile(r"\{\\(header|footer)[lrf]?(?![a-z])")
#: A list item's marker group: {\pntext \'b7\tab} or {\listtext 1.\tab}, flat (no nested groups).
_LIST_TEXT = re.compile(r"\{\\(?:pntext|listtext)(?![a-z])([^{}]*)\}")
#: A row's end, and its first in-table paragraph: \par between them is a paragraph in a cell.
_ROW_END = re.compile(r"(\\row(?![a-z]))")
_IN_TABLE = re.compile(r"\\intbl(?![a-z])")
_PAR = re.compile(r"\\par(?![a-z])")


def partition_rtf(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an RTF file, or an RTF fragment (``{\\pard ...}``, as clipboards and some
    exporters write it without the ``{\\rtf1`` header)."""
    data = Path(path).read_bytes()
    if not is_rtf(data):
        raise DocumentError("not an RTF document (no {\\rtf header)")
    # RTF is 7-bit markup; latin-1 maps every byte to one char, so nothing is lost before parsing.
    return partition_rtf_string(data.decode("latin-1"))


def is_rtf(data: bytes) -> bool:
    """RTF, or an RTF fragment: a group opening with a control word (``{\\rtf1``, ``{\\pard``)."""
    return _RTF_START.match(data.lstrip()[:64]) is not None


def partition_rtf_string(rtf: str) -> list[Element]:
    """Partition RTF source already read as text (also used for Outlook's RTF-only bodies)."""
    rtf = _HEX_RUN.sub("", rtf)
    headers = [
        Element("Header" if kind == "header" else "Footer", text)
        for kind, group in _groups(rtf, _HEADER_FOOTER)
        if (text := rtf_to_plain_text("{\\rtf1 " + group + "}").strip())
    ]
    return headers + _partition_lines(rtf_to_plain_text(rtf))


def rtf_to_plain_text(rtf: str) -> str:
    """The visible text of an RTF document; table cells end with ``|``."""
    from striprtf.striprtf import rtf_to_text

    rtf = _cells_on_one_line(_list_markers_as_text(_HEX_RUN.sub("", rtf)))
    try:
        text = rtf_to_text(rtf, errors="replace")
    except (ValueError, LookupError, IndexError) as e:
        raise damaged("RTF", e) from e
    return _pair_surrogates(text)


def _pair_surrogates(text: str) -> str:
    """RTF writes a character outside the BMP as two ``\\u`` escapes, one per UTF-16 half; join
    each pair into its character (a lone half, which is no character, becomes U+FFFD)."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _groups(rtf: str, opening: re.Pattern[str]) -> list[tuple[str, str]]:
    """(kind, source) of each group whose opening matches ``opening`` (its first group is the kind)."""
    out = []
    for match in opening.finditer(rtf):
        depth, i = 0, match.start()
        while i < len(rtf):
            ch = rtf[i]
            if ch == "\\":
                i += 2
                continue
            depth += ch == "{"
            depth -= ch == "}"
            if depth == 0:
                break
            i += 1
        out.append((match[1], rtf[match.end() : i]))
    return out


def _list_markers_as_text(rtf: str) -> str:
    """Keep the bullet or number Word writes in ``{\\pntext ...}``/``{\\listtext ...}`` groups,
    which striprtf drops as a destination: without it a list item reads as a heading."""

    def marker(match: re.Match[str]) -> str:
        from striprtf.striprtf import rtf_to_text

        body = match[1].replace("\\'b7", "\\u8226?").replace("\\'a7", "\\u9642?")  # Symbol/Wingdings bullets
        text = " ".join(rtf_to_text("{\\rtf1 " + body + "}", errors="replace").split())
        # the leading space ends a control word the group followed ("\\par" + "2." is "\\par2")
        return " " + _escape(text) + " " if text else ""

    return _LIST_TEXT.sub(marker, rtf)


def _cells_on_one_line(rtf: str) -> str:
    """A table cell holding several paragraphs keeps them on its row's line (joined by a tab),
    so the row still reads as one row of cells rather than fragments around stray "|".

    Each piece before a ``\\row`` is a row from its first ``\\intbl`` on; one pass over the text
    (a regex from every ``\\intbl`` to the next ``\\row`` would rescan to the end for each
    ``\\intbl`` of a file that has no ``\\row``)."""
    pieces = _ROW_END.split(rtf)
    for i in range(0, len(pieces) - 1, 2):  # even pieces precede a \row; the last one does not
        start = _IN_TABLE.search(pieces[i])
        if start is not None:
            head, row = pieces[i][: start.start()], pieces[i][start.start() :]
            pieces[i] = head + _PAR.sub(r"\\tab ", row)
    return "".join(pieces)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")


def _partition_lines(text: str) -> list[Element]:
    """Each RTF paragraph ends with one line break, so every line is a paragraph; rows become tables."""
    elements: list[Element] = []
    rows: list[list[str]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _is_table_row(line):
            rows.append([" ".join(cell.split()) for cell in line.rstrip().split("|")[:-1]])
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
    return Element("Table", table_text(rows), {"text_as_html": table_html(rows)})
