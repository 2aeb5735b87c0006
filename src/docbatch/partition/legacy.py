"""Legacy Office (.doc .dot .ppt .pps .pot, and .xls no reader can open) through LibreOffice.

LibreOffice headless converts the binary file to its OOXML twin (docx, pptx, xlsx) in a private
temporary folder, and the OOXML partitioner reads that; the document keeps its own file type
(``application/msword``, …) because :mod:`docbatch.worker` reports the detected one.

One :class:`Converter` lives in each worker process, with its own LibreOffice profile
(``-env:UserInstallation``): two workers sharing a profile would hand their conversions to each
other's instance, or block on its lock. The profile is made once per worker — the first start
of LibreOffice on an empty profile costs several seconds and exits asking to be restarted — and
reused for every later document; measured on this 2-core machine (noisy, shared):

==========================================  ==========================
one conversion, fresh profile (first doc)   ~3–5 s
one conversion, warm profile (next docs)    ~1–2 s (``soffice.bin --convert-to``)
one conversion through a running UNO office ~0.06–0.3 s, after a ~2.7 s start
==========================================  ==========================

A long-lived office driven over UNO would be faster still, but it needs LibreOffice's Python
bridge importable in docbatch's interpreter, which Debian ships only for its own Python; the
per-document process is chosen for now. It runs ``soffice.bin`` directly (not the ``soffice``
script, whose ``oosplash`` would outlive a killed worker), in its own session, with the kernel
told to kill it when the worker dies (``PR_SET_PDEATHSIG``): a document past ``--timeout`` takes
its conversion down with it. ``TMPDIR`` points into the private folder, so LibreOffice's scratch
files go where the folder's removal takes them.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from multiprocessing import util as mp_util
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.formats import by_name
from docbatch.partition.base import PartitionOptions

__all__ = ["Converter", "converter", "partition_doc", "partition_ppt", "partition_xls", "soffice_path"]

#: Longest one conversion may take when no pool timeout stops it first (a library call, a test).
CONVERT_TIMEOUT = 600.0
#: soffice.bin's exit status after it made a fresh profile: "start me again".
_RESTART_REQUESTED = 81
_PR_SET_PDEATHSIG = 1
_PROFILE_PREFIX = "docbatch-soffice-profile-"


def soffice_path() -> Path | None:
    """LibreOffice's ``soffice.bin`` (or, failing that, its ``soffice`` launcher), if installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        return None
    real = Path(found).resolve()
    binary = real.with_name("soffice.bin")
    return binary if binary.is_file() else real


class Converter:
    """Converts files with LibreOffice headless, reusing one profile for this process's life."""

    def __init__(self, soffice: Path) -> None:
        self.soffice = soffice
        _remove_stale_profiles()
        self.profile = Path(tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-"))
        # Pool workers leave through multiprocessing's exit path, which runs these, not atexit's.
        self._finalizer = mp_util.Finalize(self, shutil.rmtree, args=(self.profile, True), exitpriority=10)

    def close(self) -> None:
        """Remove the profile (also done when the worker process exits normally)."""
        self._finalizer()

    @contextlib.contextmanager
    def converted(self, path: Path, source_ext: str, target: str) -> Iterator[Path]:
        """``path`` converted to ``target`` (an extension: docx, pptx, xlsx) in a private folder
        that is removed, with everything LibreOffice left in it, when the block ends."""
        with tempfile.TemporaryDirectory(prefix="docbatch-convert-") as tmp:
            work = Path(tmp)
            source = work / f"document{source_ext}"  # a plain name: the original may hold anything
            os.symlink(path.resolve(), source)
            self._run(source, target, work)
            out = work / "out" / f"document.{target}"
            if not out.is_file():
                raise DocumentError(
                    f"LibreOffice could not convert {path.name} to {target.upper()}; the file is damaged or not "
                    f"a {source_ext.lstrip('.').upper()} file"
                )
            yield out

    def _run(self, source: Path, target: str, work: Path) -> None:
        for _ in range(2):  # the first run on a fresh profile exits asking to be started again
            code, output = _run_soffice(self._command(source, target, work), work)
            if code != _RESTART_REQUESTED:
                break
        if code != 0:
            last = output.strip().splitlines()[-1:] or [f"exit status {code}"]
            raise DocumentError(f"LibreOffice failed converting {source.suffix} to {target}: {last[0][:200]}")

    def _command(self, source: Path, target: str, work: Path) -> list[str]:
        return [
            str(self.soffice),
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(work / "out"),
            str(source),
        ]


def _remove_stale_profiles() -> None:
    """Remove profiles of workers that died without cleaning up (a timeout or crash kills them)."""
    for profile in Path(tempfile.gettempdir()).glob(f"{_PROFILE_PREFIX}*"):
        pid = profile.name[len(_PROFILE_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(profile, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _run_soffice(command: list[str], work: Path) -> tuple[int, str]:
    """Run one LibreOffice process to its end; on any way out of here it is dead."""
    env = {**os.environ, "TMPDIR": str(work), "SAL_USE_VCLPLUGIN": "svp", "HOME": str(work)}
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=work,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    try:
        output, _ = process.communicate(timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise DocumentError(f"LibreOffice took longer than {CONVERT_TIMEOUT:g} s converting the file") from e
    finally:
        if process.poll() is None:  # a timeout, or an alarm or kill of this task: take the office down
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, output.decode("utf-8", "replace") if output else ""


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the worker that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_converter: tuple[int, Converter] | None = None


def converter(file_type: str) -> Converter:
    """This process's converter, made on first use; a forked child makes its own."""
    global _converter
    if _converter is not None and _converter[0] == os.getpid():
        return _converter[1]
    soffice = soffice_path()
    if soffice is None:
        hint = by_name(file_type).install_hint
        raise DocumentError(f"reading {file_type.upper()} files needs LibreOffice, which is not installed; {hint}")
    _converter = (os.getpid(), Converter(soffice))
    return _converter[1]


def _through(
    path: Path, options: PartitionOptions, file_type: str, target: str, read: Callable[..., list[Element]]
) -> list[Element]:
    _check_not_encrypted(path, file_type)
    with converter(file_type).converted(path, f".{file_type}", target) as modern:
        return read(modern, options)


def partition_doc(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a Word 97-2003 document or template (.doc, .dot) as the DOCX LibreOffice makes of it."""
    from docbatch.partition.docx import partition_docx

    return _through(path, options, "doc", "docx", partition_docx)


def partition_ppt(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a PowerPoint 97-2003 file (.ppt, .pps, .pot) as the PPTX LibreOffice makes of it."""
    from docbatch.partition.pptx import partition_pptx

    return _through(path, options, "ppt", "pptx", partition_pptx)


def partition_xls(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Excel 97-2003 workbook: xlrd, then python-calamine, then LibreOffice to XLSX.

    xlrd reads most BIFF files; calamine reads some it rejects (both in spreadsheet.py); LibreOffice
    opens nearly all the rest. The first reader's reason is the one reported when every one fails.
    """
    from docbatch.partition import spreadsheet

    try:
        return spreadsheet.partition_xls(path, options)
    except EncryptedDocument:
        raise
    except DocumentError as first:
        if soffice_path() is None:
            raise
        try:
            return _through(path, options, "xls", "xlsx", spreadsheet.partition_xlsx)
        except DocumentError:
            raise first from None


def _check_not_encrypted(path: Path, file_type: str) -> None:
    """A password-protected legacy file makes LibreOffice fail silently: say what it is instead."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s).lower() for s in ole.listdir(streams=True, storages=True)}
            encrypted = "encryptedsummary" in streams or _fib_encrypted(ole, streams)
    except OSError as e:  # olefile's damaged-header error
        raise DocumentError(f"damaged {file_type.upper()} file: {e}") from e
    if encrypted:
        raise EncryptedDocument(f"password-protected {file_type.upper()} file; remove the password and retry")


def _fib_encrypted(ole: object, streams: set[str]) -> bool:
    """Word's File Information Block says fEncrypted (bit 8 of the flags at offset 0x0A)."""
    if "worddocument" not in streams:
        return False
    fib = ole.openstream("WordDocument").read(12)  # type: ignore[attr-defined]
    return len(fib) >= 12 and bool(int.from_bytes(fib[10:12], "little") & 0x0100)
