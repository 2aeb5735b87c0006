"""Per-worker memory caps: parse what a user writes (``2G``, ``auto``, ``none``) into bytes.

Shared by the CLI's ``--max-memory`` and :class:`~docbatch.pipeline.RunOptions`, so a run started
from Python gets the same default cap as one started from the command line.
"""

from __future__ import annotations

import os

__all__ = ["AUTO", "memory_cap"]

#: The default: an equal share of three quarters of this machine's memory, at most 4 GiB.
AUTO = "auto"
_AUTO_CEILING = 4 * 1024**3
_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def memory_cap(value: str | int | None, processes: int) -> int | None:
    """Bytes each of ``processes`` workers may use, from a size like ``2G``, ``none`` or ``auto``.

    "auto" gives each worker an equal share of three quarters of this machine's memory, at most
    4 GiB: enough for any sane document, and a runaway one fails alone instead of drawing the
    kernel's OOM killer onto the whole run overnight. Raises ValueError for text that is no size.
    """
    if value is None or isinstance(value, int):
        return value or None
    text = value.strip().lower()
    if text in ("none", "0", "off"):
        return None
    if text == AUTO:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return min(_AUTO_CEILING, int(total * 0.75 / max(processes, 1)))
    text = text.removesuffix("b").removesuffix("i")
    try:
        if text and text[-1] in _UNITS:
            return int(float(text[:-1]) * _UNITS[text[-1]])
        return int(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a size; write e.g. 2G, 512M, auto or none.") from None
