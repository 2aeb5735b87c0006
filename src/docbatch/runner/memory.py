"""Per-worker memory caps: parse what a user writes (``2G``, ``auto``, ``none``) into bytes.

Shared by the CLI's ``--max-memory`` and :class:`~docbatch.runner.pipeline.RunOptions`, so a run started
from Python gets the same default cap as one started from the command line.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

__all__ = [
    "AUTO",
    "exhausted_memory",
    "memory_cap",
    "near_cap_marker",
    "out_of_memory",
    "watch_memory",
]

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


def out_of_memory(cap: int | None) -> str:
    """The one reason every way of running out of memory gets, naming the cap that was hit."""
    if not cap:
        return "out of memory"
    return f"out of memory (over the --max-memory cap of {_size(cap)}); raise --max-memory to process it"


def _size(n: int) -> str:
    for unit, factor in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n >= factor:
            return f"{n / factor:.3g}{unit}"
    return f"{n} bytes"


#: What libxml2 (through lxml) says when an allocation fails: lxml raises it as a syntax error
#: ("Memory allocation failed", or "unknown error" with ERR_NO_MEMORY in its log), which would
#: otherwise read as a damaged file.
_ALLOCATION_FAILED = "memory allocation failed"
_LIBXML2_NO_MEMORY = "ERR_NO_MEMORY"


def exhausted_memory(error: BaseException) -> bool:
    """Whether ``error``, or any error it was raised from, is a library out of memory."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError) or _ALLOCATION_FAILED in str(current).lower():
            return True
        log = getattr(current, "error_log", None) or ()
        if any(getattr(entry, "type_name", None) == _LIBXML2_NO_MEMORY for entry in log):
            return True
        current = current.__cause__ or current.__context__
    return False


def near_cap_marker(temp_dir: Path, pid: int) -> Path:
    """The file whose presence says worker ``pid`` was near its memory cap (see :func:`watch_memory`)."""
    return temp_dir / f"near-memory-cap-{pid}"


#: How close to its cap a worker's address space must come before a crash counts as out of
#: memory. Libraries grow buffers by doubling, and a buffer that cannot grow in place is copied:
#: growing one of S bytes needs S + 2S at once, so the request that fails can come when the
#: worker holds only a third of its cap (orjson encoding a 25M-cell table was last sampled at
#: 0.57 of the cap before it crashed with SIGSEGV, under the 0.6 this once was).
_NEAR_CAP = 0.3
#: How often the address space is sampled: rarely while it is far below the cap (each wake-up
#: takes the GIL from the partitioner), often once it is on its way up.
_SAMPLE_SECONDS_FAR = 0.05
_SAMPLE_SECONDS_NEAR = 0.01
_FAR = 0.15


def watch_memory(cap: int, temp_dir: Path, base: int = 0) -> None:
    """Keep a marker in ``temp_dir`` while this process's address space is near ``base + cap``
    (``base``: what the worker started with, which the cap counts from; see worker.limit_memory).

    A C library that fails an allocation at the RLIMIT_AS cap often aborts or crashes instead of
    reporting it, and the dead worker's exit signal alone reads "SIGABRT". The main process
    finds the marker of the dead pid and reports out of memory instead. Sampled from a thread,
    so an allocation made in one step from well below the cap is not seen; the caught
    MemoryError and libxml2's allocation failure cover the usual cases besides. Linux only.
    """
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return  # no /proc (macOS): crashes keep their signal name
    marker = near_cap_marker(temp_dir, os.getpid())
    page = os.sysconf("SC_PAGE_SIZE")
    threshold, far = base + int(cap * _NEAR_CAP), base + int(cap * _FAR)

    def sample() -> None:
        marked = False
        while True:
            size = int(os.pread(fd, 64, 0).split()[0]) * page
            if (size >= threshold) != marked:
                marked = not marked
                try:
                    if marked:
                        marker.touch()
                    else:
                        marker.unlink(missing_ok=True)
                except OSError:
                    marked = not marked  # try again on the next sample
            time.sleep(_SAMPLE_SECONDS_FAR if size < far else _SAMPLE_SECONDS_NEAR)

    threading.Thread(target=sample, name="docbatch-memory-watch", daemon=True).start()
