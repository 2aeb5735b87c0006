"""A long-lived LibreOffice, driven over UNO: run as a script by a Python that has ``uno``.

Not imported by docbatch: :mod:`docbatch.partitioners.legacy.legacy` runs this file with the Python that
LibreOffice's bridge was built for (Debian's ``/usr/bin/python3`` with ``python3-uno``), so the
worker's own interpreter never loads pyuno (which replaces ``builtins.__import__``).

Usage: ``python3 uno_bridge.py SOFFICE_BIN PROFILE_DIR PIPE_NAME``. It starts ``soffice.bin``
listening on the named pipe, prints ``{"ready": true, "office": PID}``, then reads one JSON request per line
(``{"src": path, "dst": path, "filter": name}``) and answers each with one JSON line
(``{"ok": true}`` or ``{"ok": false, "error": "..."}``). It ends when its input closes, taking the
office with it; the kernel kills both if the worker above them dies (``PR_SET_PDEATHSIG``).

When the office is gone (it crashed on a document, or something killed it) the bridge answers
``{"ok": false, "crashed": true}`` and exits: every later call on its disposed UNO bridge would
fail ("Binary URP bridge already disposed"), so the worker starts a fresh bridge and office and
tries that document again, instead of failing the next documents as collateral.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
import subprocess
import sys
import time
from typing import Any

_PR_SET_PDEATHSIG = 1
_RESTART_REQUESTED = 81  # soffice.bin's exit status after making a fresh profile
_CONNECT_SECONDS = 120.0


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _start_office(soffice: str, profile: str, pipe: str) -> subprocess.Popen:
    command = [
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        "--norestore",
        f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
    ]
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )


def _connect(soffice: str, profile: str, pipe: str) -> tuple[subprocess.Popen, Any]:
    """Start the office and return it with its component context; a fresh profile's restart is done here."""
    import uno

    office = _start_office(soffice, profile, pipe)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + _CONNECT_SECONDS
    while time.monotonic() < deadline:
        try:
            return office, resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # NoConnectException until the office listens
            if office.poll() is not None:
                if office.returncode != _RESTART_REQUESTED:
                    raise RuntimeError(f"LibreOffice exited with status {office.returncode} on start") from None
                office = _start_office(soffice, profile, pipe)
            time.sleep(0.05)
    office.kill()
    raise RuntimeError(f"LibreOffice did not answer within {_CONNECT_SECONDS:g} s")


def _props(**values: Any) -> tuple:
    from com.sun.star.beans import PropertyValue

    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def _convert(ctx: Any, src: str, dst: str, filter_name: str) -> None:
    """Load ``src`` as a bare document model and store it as ``dst`` through ``filter_name``.

    The model is made from its service and loaded through ``XLoadable``, never through the
    Desktop: a document the Desktop loads gets a (hidden) window, and the office then builds that
    window's parts from its event loop between our calls — a Writer comment's sidebar among them,
    which aborts an office installed without its UI files (Debian's ``-nogui`` packages), so a
    plain .doc with one comment crashed LibreOffice. A model has no window and no events to run.
    """
    import uno

    url = uno.systemPathToFileUrl(src)
    import_filter, service = _detect(ctx, url)
    if not import_filter or not service:
        raise RuntimeError("LibreOffice could not open the file")
    # A file no filter recognises is typed as text (a damaged WordPerfect file, random bytes
    # named .wri). docbatch sends only binary files and packages its sniffing did not take for
    # text, so their bytes as text are noise.
    if import_filter.startswith("Text"):
        raise RuntimeError("LibreOffice could not open the file, only show its bytes as text")
    document = ctx.ServiceManager.createInstanceWithContext(service, ctx)
    try:
        # Never run macros, never update links, never ask (a password prompt fails the load instead).
        load = _props(URL=url, FilterName=import_filter, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
        try:
            document.load(load)
        except Exception as e:  # the filter refused the file (IOException, IllegalArgumentException, …)
            raise RuntimeError("LibreOffice could not open the file") from e
        document.storeToURL(uno.systemPathToFileUrl(dst), _props(FilterName=filter_name, Overwrite=True))
    finally:
        with contextlib.suppress(Exception):
            document.close(True)


def _detect(ctx: Any, url: str) -> tuple[str, str]:
    """The import filter LibreOffice's type detection picks for ``url`` (reading its bytes, not
    trusting its name) and the document service that filter loads into; empty when none."""
    smgr = ctx.ServiceManager
    detection = smgr.createInstanceWithContext("com.sun.star.document.TypeDetection", ctx)
    type_name, descriptor = detection.queryTypeByDescriptor(_props(URL=url), True)
    if not type_name:
        return "", ""
    found = {prop.Name: prop.Value for prop in descriptor}
    type_info = {prop.Name: prop.Value for prop in detection.getByName(type_name)}
    import_filter = str(found.get("FilterName") or type_info.get("PreferredFilter") or "")
    if not import_filter:
        return "", ""
    filters = smgr.createInstanceWithContext("com.sun.star.document.FilterFactory", ctx)
    filter_info = {prop.Name: prop.Value for prop in filters.getByName(import_filter)}
    return import_filter, str(filter_info.get("DocumentService") or "")


def _reply(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def _office_gone(office: subprocess.Popen, desktop: Any) -> bool:
    """Whether the office died (or its bridge was disposed), as opposed to refusing one file.

    A killed office's pipe closes a moment before its process is reaped, so a cheap call over
    the bridge is the quicker test: on a dead office it raises DisposedException at once."""
    if office.poll() is not None:
        return True
    try:
        desktop.getFrames()
    except Exception:
        return True
    return False


def main(argv: list[str]) -> int:
    soffice, profile, pipe = argv
    office, ctx = _connect(soffice, profile, pipe)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    _reply(ready=True, office=office.pid)  # the worker watches its memory
    try:
        for line in sys.stdin:
            request = json.loads(line)
            if _office_gone(office, desktop):  # died while idle (killed, out of memory): nothing tried
                _reply(ok=False, crashed=True)
                return 1
            try:
                _convert(ctx, request["src"], request["dst"], request["filter"])
                _reply(ok=True)
            except Exception as e:  # reported to the worker, which fails that one document
                if _office_gone(office, desktop):
                    _reply(ok=False, crashed=True)
                    return 1  # the office crashed on that document: the worker starts a new bridge
                message = getattr(e, "Message", "") or str(e)
                _reply(ok=False, error=f"{type(e).__name__}: {' '.join(message.split())[:200]}")
    finally:
        with contextlib.suppress(Exception):
            desktop.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            office.wait(timeout=10)
        if office.poll() is None:
            office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
