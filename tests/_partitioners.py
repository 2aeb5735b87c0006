"""Test-only partitioners that misbehave on purpose: crash, hang, or eat memory.

Registered for a made-up file type in tests; the pool's workers are forked from the test
process, so they see the registration.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import NeedsInstall
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import part_lost, remark


def misbehave(path: Path, options: PartitionOptions) -> list[Element]:
    """Act on the file's first word: ABORT, HANG, TEMPHANG, SEGV, MEMORY, CMEMORY (a C library
    that aborts when an allocation fails), XMLMEMORY (libxml2 out of memory), RAISE, NEEDSTOOL (an
    optional tool is missing), LOSSY (a part lost), BLANK (nothing, with a remark), EMPTY (nothing,
    no remark), MISSING (a library not installed); anything else is fine."""
    text = path.read_text()
    word = text.split()[0] if text.split() else ""
    if word == "ABORT":
        import faulthandler

        faulthandler.disable()  # pytest's dump of every thread would only be noise here
        os.abort()
    if word == "HANG":
        while True:
            time.sleep(1)
    if word == "TEMPHANG":  # make a temporary folder (as attachments do), say where, then hang
        import tempfile

        (path.parent / f"{path.name}.tempdir").write_text(tempfile.mkdtemp(prefix="docbatch-test-"))
        while True:
            time.sleep(1)
    if word == "SEGV":
        import ctypes
        import faulthandler

        faulthandler.disable()  # pytest's dump of every thread would only be noise here

        ctypes.string_at(0)
    if word == "MEMORY":
        hog = []
        while True:
            hog.append(bytearray(64 * 1024 * 1024))
    if word == "CMEMORY":
        _c_library_runs_out_of_memory()
    if word == "XMLMEMORY":
        from lxml import etree

        from docbatch.partitioners.kit.boundary import library_errors

        with library_errors("XML", (etree.XMLSyntaxError,)):
            etree.fromstring(b"<r>" + b"<a>x</a>" * 12_000_000 + b"</r>", etree.XMLParser(huge_tree=True))
    if word == "RAISE":
        raise RuntimeError("partitioner bug\nwith a second line")
    if word == "NEEDSTOOL":
        raise NeedsInstall("this document needs a tool: install it and rerun")
    if word == "LOSSY":
        part_lost("page 2", "unreadable")
    if word == "BLANK":
        remark("no text on 1 blank page")
        return []
    if word == "EMPTY":
        return []
    if word == "MISSING":
        import docbatch_test_no_such_library  # noqa: F401 - the import is the point

    if word == "SLOW":
        time.sleep(float(text.split()[1]))
    return [Element("NarrativeText", text)]


def _c_library_runs_out_of_memory() -> None:
    """Grow a C heap in steps, as a decoder filling its buffers does, and abort when an
    allocation fails: what many C libraries do at the address-space cap."""
    import ctypes
    import faulthandler

    faulthandler.disable()  # pytest's dump of every thread would only be noise here
    libc = ctypes.CDLL(None)
    libc.calloc.restype = ctypes.c_void_p
    libc.calloc.argtypes = (ctypes.c_size_t, ctypes.c_size_t)
    while libc.calloc(1, 16 * 1024 * 1024):
        time.sleep(0.002)  # the work between allocations
    os.abort()


def route_txt_to_misbehave() -> None:
    """Ray's ``worker_process_setup_hook`` in tests: Ray's workers are not forked from the test
    process, so each routes .txt files to :func:`misbehave` itself (pool workers fork from it)."""
    from docbatch.partitioners import registry

    registry.register("txt", "_partitioners:misbehave")
