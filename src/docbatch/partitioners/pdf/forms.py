"""Filled-in AcroForm values as text of their page, beside their labels.

A form field's value lives in its widget annotation, not in the page's content, so pdfium's text
page (which reads the content only) gives the labels of a filled form without its values. pdfium's
form API reads each widget's value; it becomes a line at the widget's place, joined to the label
on its left (or right, for a box set before its label), so "First name: Lucía" reads as one line.

Only what was filled in is kept: an empty text field, an unchecked box and a choice with nothing
selected add nothing. A checked box or radio button reads as ``☑``.
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docbatch.partitioners.layout.blocks import Line, union
from docbatch.partitioners.pdf.text import Frame

__all__ = ["CHECKED", "form_lines", "open_forms", "with_form_values"]

CHECKED = "\u2611"  # ☑: a checked box or the chosen radio button
_MAX_VALUE = 4000  # characters of one field kept: a pasted essay is text, a megabyte is an attack
_TEXT = pdfium_c.FPDF_FORMFIELD_TEXTFIELD
_COMBO, _LIST = pdfium_c.FPDF_FORMFIELD_COMBOBOX, pdfium_c.FPDF_FORMFIELD_LISTBOX
_BOXES = (pdfium_c.FPDF_FORMFIELD_CHECKBOX, pdfium_c.FPDF_FORMFIELD_RADIOBUTTON)
_BESIDE = 3.0  # font sizes: how far right of a box its label may start


def open_forms(doc: pdfium.PdfDocument) -> bool:
    """Start pdfium's form environment when the document has an AcroForm; must come before any page is loaded.

    Documents without a form skip it: with an environment pdfium does form work on every page load.
    """
    if pdfium_c.FPDF_GetFormType(doc.raw) == pdfium_c.FORMTYPE_NONE:
        return False
    doc.init_forms()
    return doc.formenv is not None


def form_lines(doc: pdfium.PdfDocument, page: pdfium.PdfPage, frame: Frame) -> list[Line]:
    """One line per filled-in widget of ``page``, in ``frame`` coordinates; [] without a form environment."""
    env = doc.formenv
    if env is None:
        return []
    out = []
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        if not annot:
            continue
        try:
            line = _widget_line(env.raw, annot, frame)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
        if line is not None:
            out.append(line)
    return out


def _widget_line(env, annot, frame: Frame) -> Line | None:
    if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_WIDGET:
        return None
    if pdfium_c.FPDFAnnot_GetFlags(annot) & (pdfium_c.FPDF_ANNOT_FLAG_HIDDEN | pdfium_c.FPDF_ANNOT_FLAG_NOVIEW):
        return None
    text = _value(env, annot)
    rect = pdfium_c.FS_RECTF()
    if not text or not pdfium_c.FPDFAnnot_GetRect(annot, rect):
        return None
    left, bottom = min(rect.left, rect.right), min(rect.bottom, rect.top)
    right, top = max(rect.left, rect.right), max(rect.bottom, rect.top)
    size = _font_size(env, annot) or min(max(0.6 * (top - bottom), 6.0), 12.0)
    # the value's own line inside the widget box: a field is drawn taller and wider than its text
    mid = (bottom + top) / 2
    width = min(right - left, 0.5 * size * len(text) + 2.0)
    pdf_box = (left, mid - size / 2, left + width, mid + size / 2)
    x0, y0, x1, y1 = frame.box(pdf_box)
    return Line(x0, y0, x1, y1, text, round(size * 2) / 2, False, pdf_box)


def _value(env, annot) -> str:
    """What the field shows as filled in: a text, the chosen options, ☑; "" for nothing."""
    kind = pdfium_c.FPDFAnnot_GetFormFieldType(env, annot)
    if kind in _BOXES:
        return CHECKED if pdfium_c.FPDFAnnot_IsChecked(env, annot) else ""
    if kind in (_COMBO, _LIST):
        chosen = [
            _string(lambda buf, n, k=k: pdfium_c.FPDFAnnot_GetOptionLabel(env, annot, k, buf, n))
            for k in range(max(pdfium_c.FPDFAnnot_GetOptionCount(env, annot), 0))
            if pdfium_c.FPDFAnnot_IsOptionSelected(env, annot, k)
        ]
        if chosen:
            return ", ".join(c for c in chosen if c)
    if kind in (_TEXT, _COMBO, _LIST):  # a combo box may hold a typed value that is no option
        return _string(lambda buf, n: pdfium_c.FPDFAnnot_GetFormFieldValue(env, annot, buf, n))
    return ""


def _string(call) -> str:
    """A UTF-16 string from one of pdfium's two-call getters (length first, then the bytes)."""
    n = call(None, 0)
    if n <= 2:
        return ""
    n = min(n, 2 * _MAX_VALUE + 2)
    buf = ctypes.create_string_buffer(n)
    call(ctypes.cast(buf, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), n)
    return " ".join(buf.raw.decode("utf-16-le", errors="replace").rstrip("\x00").split())


def _font_size(env, annot) -> float:
    size = ctypes.c_float()
    if pdfium_c.FPDFAnnot_GetFontSize(env, annot, ctypes.byref(size)) and size.value > 0:
        return min(size.value, 24.0)
    return 0.0  # auto-sized


def with_form_values(lines: list[Line], values: list[Line]) -> list[Line]:
    """``lines`` with each value joined to the label beside it on its row, or added as a line of its own."""
    out = list(lines)
    for value in values:
        at = _label_of(out, value)
        if at is None:
            out.append(value)
            continue
        label = out[at]
        first, second = (label, value) if label.x0 <= value.x0 else (value, label)
        out[at] = Line(
            min(label.x0, value.x0),
            min(label.y0, value.y0),
            max(label.x1, value.x1),
            max(label.y1, value.y1),
            f"{first.text} {second.text}",
            label.size,
            label.bold,
            union(label.pdf_box, value.pdf_box),
            label.span,
        )
    return out


def _label_of(lines: list[Line], value: Line) -> int | None:
    """Index of the line on ``value``'s row nearest on its left, or just right of it (a box before its label)."""
    mid = (value.y0 + value.y1) / 2
    best, best_gap = None, float("inf")
    for i, ln in enumerate(lines):
        if not ln.y0 <= mid <= ln.y1:
            continue
        if ln.x1 <= value.x0 + 1.0:
            gap = value.x0 - ln.x1
        elif ln.x0 >= value.x1 - 1.0 and ln.x0 - value.x1 <= _BESIDE * ln.size:
            gap = ln.x0 - value.x1
        else:
            continue
        if gap < best_gap:
            best, best_gap = i, gap
    return best
