"""What a workbook holds beside its cells, whatever the format: a sheet's print headers and
footers, its cell comments (notes) and charts, as elements placed around that sheet's cells.

The format readers (xlsx_parts for XLSX packages, xls_parts for BIFF workbooks) find the parts;
this module makes them elements the same way for both and puts them in place: a sheet's headers
before its cells, its comments, charts and footers after them, as DOCX places a section's headers
and footers around its body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from docbatch.elements import Element

__all__ = ["SheetParts", "comment_element", "header_footer_text", "headers_and_footers", "place_sheet_parts"]

#: One code of Excel's header/footer language (the ``&`` and what follows it): ``&&`` a literal
#: ampersand; ``&L``/``&C``/``&R`` a section; ``&"Font,Style"``, ``&12`` (size), ``&K`` + six
#: characters (an RGB or a theme colour) and the one-letter switches formatting; ``&P`` (with an
#: optional ``+n``/``-n`` offset, which Excel adds to the page number), ``&N``, ``&D``, ``&T``,
#: ``&F``, ``&Z``, ``&A`` and ``&G`` fields. A lone ``&`` before anything else matches alone and,
#: as in Excel, prints nothing.
_CODE = re.compile(r'&(&|[LCR]|"[^"]*"|\d+|K[0-9A-Fa-f+-]{6}|P(?:[+-]\d+)?|[NDTFZAGBIUESXYOH])?')
_SECTIONS = ("L", "C", "R")


def header_footer_text(code: str) -> str:
    """The text of a header or footer string in Excel's codes: its own words, without the fields
    and formatting, in its left, centre and right sections in that order, one line each (and a
    section's own line breaks kept), spaces collapsed, empty lines left out.

    Sections are lines, not joined by spaces: they stand apart on the page, and run together
    they would read as one phrase ("Acme Corp Confidential Page"). The page number and count,
    date, time, file name and path have no value until the sheet is printed (a file read here
    may be a temporary copy), so they are dropped. So is ``&A``, the sheet's name, though it is
    known: every element of the sheet has it as ``page_name``, and LibreOffice gives every sheet
    a ``&A`` header by default, which would add a Header repeating the name to each sheet of
    every workbook it saved (Tika's extractor drops it too). Text before any section code is
    centred, as Excel centres it.
    """
    sections: dict[str, list[str]] = {key: [] for key in _SECTIONS}
    current, position = "C", 0
    for match in _CODE.finditer(code):
        sections[current].append(code[position : match.start()])
        position = match.end()
        token = match.group(1)
        if token == "&":
            sections[current].append("&")
        elif token in _SECTIONS:
            current = token
    sections[current].append(code[position:])
    lines = (" ".join(line.split()) for key in _SECTIONS for line in "".join(sections[key]).splitlines())
    return "\n".join(line for line in lines if line)


#: (header_footer_type, the variant's name in ``oddHeader``/``firstFooter``..., whether it prints
#: only when the sheet asks for it): the odd-page one is on every page unless a switch says otherwise.
_VARIANTS = (("primary", "odd", False), ("first_page", "first", True), ("even_page", "even", True))


def headers_and_footers(
    codes: Mapping[str, str], *, different_first: bool, different_odd_even: bool
) -> tuple[list[Element], list[Element]]:
    """A sheet's Header and Footer elements from its header/footer strings by the names XLSX and
    BIFF give them (``oddHeader``, ``oddFooter``, ``evenHeader``, ``firstFooter``, ...).

    The first-page and even-page variants count only when the sheet turns them on (Excel keeps
    them, unprinted, when the switch is turned off). Each variant is one element with its
    ``header_footer_type`` (primary, first_page, even_page: DOCX's names, in DOCX's order), and
    one that prints the same text as a variant before it is not repeated.
    """
    on = {"first": different_first, "even": different_odd_even}
    out: dict[str, list[Element]] = {}
    for which in ("Header", "Footer"):
        elements = out[which] = []
        seen: set[str] = set()
        for variant, name, switched in _VARIANTS:
            if switched and not on[name]:
                continue
            text = header_footer_text(codes.get(name + which, ""))
            if text and text not in seen:
                seen.add(text)
                elements.append(Element(which, text, {"header_footer_type": variant}))
    return out["Header"], out["Footer"]


def comment_element(text: str, author: str, anchor: str) -> Element:
    """A cell comment: NarrativeText marked ``note_type: "comment"``, with its ``comment_author``
    and the cell it stands on (``comment_anchor``, as ``B2``)."""
    return Element(
        "NarrativeText",
        text,
        {"note_type": "comment", "comment_author": " ".join(author.split()), "comment_anchor": anchor},
    )


@dataclass
class SheetParts:
    """One sheet's parts: ``before`` its cells (headers), ``after`` them (comments, charts, footers)."""

    before: list[Element] = field(default_factory=list)
    after: list[Element] = field(default_factory=list)

    def stamp(self, sheet_name: str, page_number: int) -> SheetParts:
        """The parts with the sheet's ``page_name`` and ``page_number``, as its cells carry them."""
        for el in (*self.before, *self.after):
            el.metadata.update(page_name=sheet_name, page_number=page_number)
        return self

    def __bool__(self) -> bool:
        return bool(self.before or self.after)


def place_sheet_parts(cells: list[Element], parts: dict[int, SheetParts]) -> list[Element]:
    """``cells`` (a workbook's elements, sheet by sheet, with its ``page_number``) with each
    sheet's parts around its cells; the parts of a sheet with no cells come in sheet order."""
    if not parts:
        return cells
    pending = dict(sorted(parts.items()))
    out: list[Element] = []

    def flush_until(number: int | None) -> None:
        # Sheets before ``number`` (every sheet left for None) that had no cells.
        for earlier in [n for n in pending if number is None or n < number]:
            sheet = pending.pop(earlier)
            out.extend([*sheet.before, *sheet.after])

    current: int | None = None
    for el in cells:
        number = el.metadata.get("page_number")
        if number != current:
            if current in pending:
                out.extend(pending.pop(current).after)
            if isinstance(number, int):
                flush_until(number)
                if number in pending:
                    out.extend(pending[number].before)
                    pending[number].before = []
            current = number
        out.append(el)
    if current in pending:
        out.extend(pending.pop(current).after)
    flush_until(None)
    return out
