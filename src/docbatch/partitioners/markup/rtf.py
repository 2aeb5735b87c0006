"""RTF: striprtf reduces the markup to text, which is split into paragraphs like plain text.

striprtf handles the code page (``\\ansicpg``), unicode escapes and skips picture and other
non-text destinations. The one structure it keeps is the table: each ``\\cell`` ends with ``|``
and each ``\\row`` with a line break, so runs of such lines become Table elements here.
Headers, footers and comments (``\\annotation``), which striprtf drops with the other
destinations, are taken out of the source first: headers and footers lead the document, each
comment follows the paragraph it stands in, as DOCX's do. Embedded objects (``\\objdata``, OLE 1.0
objects in hex) are documents of their own, read with ``--process-attachments`` (:func:`rtf_embedded`).
unstructured converts RTF with pandoc; this reads the same text without a subprocess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocumentError
from docbatch.partitioners.kit.attachments import Attachment
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged
from docbatch.partitioners.kit.notes import part_lost
from docbatch.partitioners.kit.oleobject import ole1_object
from docbatch.partitioners.kit.tables import table_html, table_text
from docbatch.partitioners.markup.text import partition_text_string

__all__ = ["is_rtf", "partition_rtf", "partition_rtf_string", "rtf_embedded", "rtf_to_plain_text"]

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
#: A comment's text group, and the author group Word and LibreOffice write before it.
_ANNOTATION = re.compile(r"\{\\\*\\annotation(?![a-z])")
_AUTHOR = re.compile(r"\{\\\*\\atnauthor(?![a-z])")
#: Where a comment stood, left in the text for the paragraph split: control characters no RTF
#: text run carries (striprtf passes ``\\'01`` through as U+0001), around the comment's index.
_MARK = re.compile("\x01(\\d+)\x01")
#: An embedded object's data group: an OLE 1.0 object written as hex digits.
_OBJDATA = re.compile(r"\{\\\*\\objdata(?![a-z])")
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")


def partition_rtf(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an RTF file, or an RTF fragment (``{\\pard ...}``, as clipboards and some
    exporters write it without the ``{\\rtf1`` header)."""
    data = Path(path).read_bytes()
    if not is_rtf(data):
        raise DocumentError("not an RTF document (no {\\rtf header)")
    # RTF is 7-bit markup; latin-1 maps every byte to one char, so nothing is lost before parsing.
    return partition_rtf_string(data.decode("latin-1"))


def rtf_embedded(path: Path, options: PartitionOptions) -> Iterator[Attachment]:
    """The documents embedded in an RTF file (a workbook or a packaged file Word put in a
    ``\\object``), in the order they stand; one too large or not an OLE 1.0 object is named lost."""
    rtf = Path(path).read_bytes().decode("latin-1")
    for number, (match, end) in enumerate(_group_spans(rtf, _OBJDATA), start=1):
        name = f"object {number}"
        digits = _NOT_HEX.sub("", rtf[match.end() : end])
        if len(digits) // 2 > options.max_uncompressed_bytes:
            part_lost(f"embedded {name}", f"over the {options.max_uncompressed_bytes:,}-byte limit (bomb guard)")
            continue
        found = ole1_object(name, bytes.fromhex(digits[: len(digits) // 2 * 2]))
        if found is None:
            part_lost(f"embedded {name}", "damaged (not an OLE object)")
            continue
        yield found


def is_rtf(data: bytes) -> bool:
    """RTF, or an RTF fragment: a group opening with a control word (``{\\rtf1``, ``{\\pard``)."""
    return _RTF_START.match(data.lstrip()[:64]) is not None


def partition_rtf_string(rtf: str) -> list[Element]:
    """Partition RTF source already read as text (also used for Outlook's RTF-only bodies)."""
    rtf = _HEX_RUN.sub("", rtf)
    # A section's header is often written twice (\\header and \\headerr, for odd pages): once out.
    running = {
        ("Header" if kind == "header" else "Footer", text): None
        for kind, group in _groups(rtf, _HEADER_FOOTER)
        if (text := rtf_to_plain_text("{\\rtf1 " + group + "}").strip())
    }
    headers = [Element(kind, text) for kind, text in running]
    rtf, comments = _comments_marked(rtf)
    return headers + _partition_lines(rtf_to_plain_text(rtf), comments, start=len(headers))


def rtf_to_plain_text(rtf: str) -> str:
    """The visible text of an RTF document; table cells end with ``|``."""
    from striprtf.striprtf import rtf_to_text

    rtf = _cells_on_one_line(_list_markers_as_text(_ruby_as_base_text(_HEX_RUN.sub("", rtf))))
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
    return [(match[1], rtf[match.end() : end]) for match, end in _group_spans(rtf, opening)]


def _group_spans(rtf: str, opening: re.Pattern[str]) -> list[tuple[re.Match[str], int]]:
    """Each match of ``opening`` (a group's opening brace and control word) with the index of
    its group's closing brace (``len(rtf)`` for a group left open)."""
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
        out.append((match, i))
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


#: A field instruction's opening: the phonetic guide (ruby) is an ``EQ`` field in RTF.
_FIELD_INSTRUCTION = re.compile(r"\{\\\*\\fldinst(?![a-z])")
#: Tokens of an instruction: a literal backslash, a hex or Unicode escape, another control word
#: (formatting Word splits the instruction with), a brace, or text.
_INSTRUCTION_TOKEN = re.compile(r"\\\\|\\'[0-9a-fA-F]{2}|\\u-?\d+ ?|\\[a-zA-Z]+-?\d* ?|\\.|[{}]|[^\\{}]+")
#: ``EQ \o\ad(\s\up 10(reading),base)`` with the literal backslashes as NUL: the base text last.
_RUBY = re.compile(
    r"^\s*EQ\b.*?\x00o(?:\x00a[a-z])?\s*\(\s*\x00s\s*\x00up\s*-?\d+\s*\([^()]*\)\s*,(?P<base>[^()]*)\)", re.S
)


def _ruby_as_base_text(rtf: str) -> str:
    """Word and LibreOffice write a phonetic guide as an ``EQ \\o\\ad(\\s\\up N(reading),base)``
    field whose result is empty, and striprtf drops the instruction, so 首都は東京です read as
    首都はです. Put the base text (東京) where the instruction was; the reading is left out, as
    Word's plain-text export and the DOCX reader leave it."""
    if "EQ" not in rtf:
        return rtf
    pieces, last = [], 0
    for match, end in _group_spans(rtf, _FIELD_INSTRUCTION):
        body = rtf[match.end() : end]
        ruby = _RUBY.match("".join(_instruction_text(token) for token in _INSTRUCTION_TOKEN.findall(body)))
        if ruby is None or match.start() < last:
            continue
        # the space ends a control word the group followed; the base keeps its escapes for striprtf
        pieces += [rtf[last : match.start()], " ", ruby["base"]]
        last = end + 1
    return "".join(pieces) + rtf[last:] if pieces else rtf


def _instruction_text(token: str) -> str:
    """One token of a field instruction as plain instruction text, escapes kept for striprtf."""
    if token == "\\\\":
        return "\x00"
    if token in ("{", "}") or (token.startswith("\\") and not token.startswith(("\\'", "\\u"))):
        return ""
    return token


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


def _comments_marked(rtf: str) -> tuple[str, list[Element]]:
    """``rtf`` with each comment group replaced by a mark (``\\'01`` index ``\\'01``), and the
    comments: NarrativeText marked ``note_type: "comment"`` with the ``comment_author`` of the
    ``\\atnauthor`` group written before it (since the previous comment)."""
    spans = _group_spans(rtf, _ANNOTATION)
    if not spans:
        return rtf, []
    comments: list[Element] = []
    pieces: list[str] = []
    done = 0
    for match, end in spans:
        if match.start() < done:  # a comment inside a comment: read with its outer one
            continue
        before = rtf[done : match.start()]
        authors = [before[a.end() : e] for a, e in _group_spans(before, _AUTHOR)]
        author = " ".join(authors[-1].split()) if authors else ""
        text = rtf_to_plain_text("{\\rtf1 " + rtf[match.end() : end] + "}").strip()
        pieces.append(rtf[done : match.start()])
        if text:
            pieces.append(f"\\'01{len(comments)}\\'01")
            comments.append(Element("NarrativeText", text, {"note_type": "comment", "comment_author": author}))
        done = end + 1
    pieces.append(rtf[done:])
    return "".join(pieces), comments


def _partition_lines(text: str, comments: list[Element] | None = None, start: int = 0) -> list[Element]:
    """Each RTF paragraph ends with one line break, so every line is a paragraph; rows become
    tables. A comment's mark is taken out of its line, and the comment follows the paragraph (or
    table) it stood in, linked to it by ``parent`` (an index in the document's elements, whose
    first ``start`` come before these); one outside any kept line comes last."""
    comments = comments or []
    elements: list[Element] = []
    rows: list[list[str]] = []
    waiting: list[int] = []  # comments whose paragraph or table is not out yet

    def place(parent: int | None) -> None:
        for index in waiting:
            comment = comments[index]
            comment.parent = None if parent is None else start + parent
            elements.append(comment)
        waiting.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        marks = [int(m) for m in _MARK.findall(raw) if int(m) < len(comments)]
        line = _MARK.sub("", raw)
        if _is_table_row(line):
            rows.append([" ".join(cell.split()) for cell in line.rstrip().split("|")[:-1]])
            waiting.extend(marks)
            continue
        if rows:
            elements.append(_table(rows))
            rows = []
            place(len(elements) - 1)
        before = len(elements)
        elements.extend(partition_text_string(line))
        waiting.extend(marks)
        if len(elements) > before:
            place(len(elements) - 1)
    if rows:
        elements.append(_table(rows))
        place(len(elements) - 1)
    place(None)
    return elements


def _is_table_row(line: str) -> bool:
    stripped = line.rstrip()
    return stripped.endswith("|") and len(stripped) > 1


def _table(rows: list[list[str]]) -> Element:
    """A Table element with plain text (cells joined by spaces) and a simple HTML rendering."""
    return Element("Table", table_text(rows), {"text_as_html": table_html(rows)})
