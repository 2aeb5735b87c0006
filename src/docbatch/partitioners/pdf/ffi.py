"""pdfium functions for the hot loops of the PDF partitioner: plain addresses in, plain numbers out.

pypdfium2's raw bindings declare typed pointers for every handle, so each call checks and
converts its arguments (a quarter of the cost of a small call) and returns handles as new ctypes
objects. The loops that call pdfium per path segment, per line or per table cell use these bare
prototypes instead: handles and out-pointers pass as ints (``address``).
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2.raw as pdfium_c

__all__ = ["BoundedText", "address", "bare", "buffer_address"]


def address(handle: Any) -> int:
    """The plain address of a pdfium handle, a ctypes object or a ctypes function."""
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def buffer_address(buffer: bytearray) -> int:
    """Where a bytearray's bytes are, for pdfium to write into.

    A ctypes array of a size not seen before is a new ctypes *type* (``create_string_buffer``
    makes one per call, some 30 us), which per page adds up; a bytearray costs nothing to make.
    """
    return ctypes.addressof(_BYTE.from_buffer(buffer))


def bare(func: Any, *argtypes: Any) -> Any:
    """``func`` called with ``argtypes`` (``c_void_p`` for handles and out-pointers); handles return as ints."""
    restype = func.restype
    if isinstance(restype, type) and issubclass(restype, ctypes._Pointer):
        restype = ctypes.c_void_p
    return ctypes.CFUNCTYPE(restype, *argtypes)(address(func))


_BYTE = ctypes.c_char * 1
_P, _I, _D = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
_get_bounded_text = bare(pdfium_c.FPDFText_GetBoundedText, _P, _D, _D, _D, _D, _P, _I)


class BoundedText:
    """pypdfium2's ``get_text_bounded`` in one pdfium call instead of two.

    pypdfium2 asks pdfium once for the length and again for the text, and each call walks every
    character of the page. A buffer sized for the whole page (every character with a line break
    before it, in UTF-16) holds any answer, so one call does.
    """

    def __init__(self, textpage: Any) -> None:
        self.textpage = textpage
        self.tp = address(textpage.raw)
        self.size = 4 * max(pdfium_c.FPDFText_CountChars(textpage.raw), 0) + 16  # in UTF-16 units
        self.buffer = bytearray(2 * self.size)
        self.at = buffer_address(self.buffer)

    def __call__(self, left: float, bottom: float, right: float, top: float) -> str:
        # given room, pdfium copies the text and a NUL after it, and counts both
        n = _get_bounded_text(self.tp, left, top, right, bottom, self.at, self.size) - 1
        if n + 1 >= self.size:  # cannot happen by pdfium's rules; if it does, pypdfium2's way is exact
            return self.textpage.get_text_bounded(left, bottom, right, top)
        return ctypes.string_at(self.at, 2 * n).decode("utf-16-le", errors="ignore") if n > 0 else ""
