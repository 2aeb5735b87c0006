"""List markers at the start of a line of plain text: what makes a line a list item.

Plain text, and text that arrives as plain text (spreadsheet cells, DOCX paragraphs typed with a
bullet glyph instead of list numbering), mark list items with a glyph or a number. Readers of
laid-out pages (PDF, OCR) see more glyphs (Wingdings, arrows) and keep their own pattern in
:mod:`docbatch.partitioners.layout.blocks`.
"""

from __future__ import annotations

import re

__all__ = ["BULLET_GLYPH", "LIST_MARKER"]

#: The glyphs people type as bullets, as a regex character class body ("-" first: a literal).
_GLYPHS = "-*•●○▪◦‣⁃–"

#: A list marker opening a line, with the space after it: a glyph, ``1.``, ``(12)``, ``a)``. A
#: marker with nothing after it matches too (``"-"`` alone); callers decide what that means.
LIST_MARKER = re.compile(rf"^\s*(?:[{_GLYPHS}]|\(?\d{{1,3}}[.)]|\(?[a-zA-Z][.)])(?:\s+|$)")

#: A bullet glyph and the space after it, at the very start of a text (no numbers: in a
#: spreadsheet cell "1." is a value, not a list marker).
BULLET_GLYPH = re.compile(rf"^[{_GLYPHS}]\s+")
