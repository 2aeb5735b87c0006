"""Every format LibreOffice reads and docbatch does not: legacy Office (.doc .ppt, and .xls no
reader can open), WordPerfect, Works, Write, StarOffice, Lotus 1-2-3, Quattro Pro, AbiWord,
Hangul 97, Mac word processors, Visio, Publisher and ODF drawings.

LibreOffice headless converts the file, by the family its format declares
(:attr:`~docbatch.partitioners.formats.FileType.office`), to a format docbatch reads, in a private
temporary folder: a text document to DOCX, a spreadsheet to XLSX, a presentation to PPTX, a
drawing or page layout to PDF (nothing else keeps its pages and text boxes). That file's own
reader partitions it; the document keeps its own file type (``application/msword``,
``application/vnd.wordperfect``, …) because :mod:`docbatch.runner.worker` reports the detected one.

One :class:`Converter` lives in each worker process, with its own LibreOffice profile
(``-env:UserInstallation``): two workers sharing a profile would hand their conversions to each
other's instance, or block on its lock. Start-up is paid once per worker: the converter starts
one ``soffice.bin`` listening on a pipe and keeps it, driving it over UNO through
:mod:`docbatch.partitioners.legacy.uno_bridge` (run by the Python LibreOffice's ``uno`` module was built
for, so docbatch's interpreter never loads pyuno). Measured on this 2-core machine, shared with
other jobs, so noisy:

==============================================  ==========================================
one ``soffice.bin --convert-to`` per document   ~1–4 s each (a whole office start each time)
one office kept, driven over UNO                ~2.7 s once per worker, then ~0.05–0.3 s each
==============================================  ==========================================

Without a UNO-capable Python (``python3-uno`` not installed) each conversion falls back to its
own ``soffice.bin --convert-to`` run on the same profile. Either way LibreOffice runs as
``soffice.bin`` itself (not the ``soffice`` script, whose ``oosplash`` would outlive a killed
worker), in its own session, with the kernel told to kill it when its parent dies
(``PR_SET_PDEATHSIG``): a document past ``--timeout`` takes its conversion down with it when the
pool stops the worker. ``TMPDIR`` points into the converter's private folder, removed when the
worker exits; a worker killed before it could clean up has its folder removed by the next
converter made on the machine.

An office that dies (a file crashes it, something kills it) is noticed by the bridge, which then
exits; the converter starts a fresh one and converts that document once more. A file that
crashes the fresh office too fails alone with :data:`CRASHED`; the documents after it get yet
another office, so one crash never fails the rest of a worker's legacy documents.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from multiprocessing import util as mp_util
from pathlib import Path

from docbatch.elements import Element
from docbatch.errors import DocbatchError, DocumentError, EncryptedDocument, NeedsInstall, OutOfMemory, TransientError
from docbatch.partitioners.formats import by_name
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import part_lost, remark
from docbatch.partitioners.legacy import native
from docbatch.partitioners.registry import get_partitioner

__all__ = [
    "CRASHED",
    "Converter",
    "OfficeCrashed",
    "converter",
    "partition_office",
    "partition_xls",
    "partition_xlsb",
    "soffice_path",
]

#: Longest one conversion may take when no pool timeout stops it first (a library call, a test).
CONVERT_TIMEOUT = 600.0
#: Longest LibreOffice may take to start (a fresh profile on a busy machine takes ~10 s).
START_TIMEOUT = 180.0
#: soffice.bin's exit status after it made a fresh profile: "start me again".
_RESTART_REQUESTED = 81
_PR_SET_PDEATHSIG = 1
_PROFILE_PREFIX = "docbatch-soffice-profile-"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def soffice_path() -> Path | None:
    """LibreOffice's ``soffice.bin`` (or, failing that, its ``soffice`` launcher), if installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        return None
    real = Path(found).resolve()
    binary = real.with_name("soffice.bin")
    return binary if binary.is_file() else real


#: What each LibreOffice family converts its documents to: a format docbatch reads.
_TARGETS = {"writer": "docx", "calc": "xlsx", "impress": "pptx", "draw": "pdf"}

#: Export filter for each target extension (LibreOffice's filter names).
_FILTERS = {
    "docx": "MS Word 2007 XML",
    "pptx": "Impress MS PowerPoint 2007 XML",
    "xlsx": "Calc MS Excel 2007 XML",
    "pdf": "draw_pdf_Export",
    "doc": "MS Word 97",
    "ppt": "MS PowerPoint 97",
    "xls": "MS Excel 97",
    "rtf": "Rich Text Format",
    # OpenDocument: not a target docbatch converts documents to, but how tests get files LibreOffice wrote
    "odt": "writer8",
    "ods": "calc8",
    "odp": "impress8",
}


class Converter:
    """Converts files with LibreOffice headless: one office, one profile, for this process's life.

    With a Python that has LibreOffice's UNO bridge, one office is started on first use and kept
    (:class:`_UnoOffice`); without it each conversion runs ``soffice.bin --convert-to`` on the
    same profile (:func:`_convert_once`).
    """

    def __init__(self, soffice: Path) -> None:
        self.soffice = soffice
        _remove_stale_profiles()
        self.home = Path(tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-"))
        self.profile = self.home / "profile"
        (self.home / "tmp").mkdir()
        self._office: _UnoOffice | None = None
        self._uno_python = _uno_python()
        # Pool workers leave through multiprocessing's exit path, which runs these, not atexit's.
        self._finalizer = mp_util.Finalize(None, _shutdown, args=(self,), exitpriority=10)

    def close(self) -> None:
        """Stop the office and remove the profile (also done when the worker process exits)."""
        self._finalizer()

    @contextlib.contextmanager
    def converted(self, path: Path, source_ext: str, target: str) -> Iterator[Path]:
        """``path`` converted to ``target`` (an extension: docx, pptx, xlsx) in a private folder
        that is removed, with everything LibreOffice left in it, when the block ends."""
        with tempfile.TemporaryDirectory(prefix="docbatch-convert-") as tmp:
            work = Path(tmp).absolute()
            source = work / f"document{source_ext}"  # a plain name: the original may hold anything
            os.symlink(path.resolve(), source)
            out = work / "out" / f"document.{target}"
            out.parent.mkdir()
            self._convert(source, out, target, work)
            if not out.is_file():
                raise DocumentError(
                    f"LibreOffice could not convert {path.name} to {target.upper()}; the file is damaged or not "
                    f"a {source_ext.lstrip('.').upper()} file"
                )
            yield out

    def _convert(self, source: Path, out: Path, target: str, work: Path) -> None:
        """Convert in the kept office; when the office dies on the way, once more in a fresh one.

        The office may have died on an earlier document (then this one is no collateral: the
        fresh office converts it) or on this one (then it crashes the fresh office too and fails
        alone, in a sentence; the next document gets yet another office). An office that dies
        while starting (killed from outside, say) is started once more; that costs the document
        none of its two tries."""
        if self._uno_python is None:
            _convert_once(self.soffice, self.profile, source, target, work)
            return
        tries = starts = 0
        while True:
            if self._office is None or not self._office.alive():
                try:
                    self._office = _UnoOffice(self._uno_python, self.soffice, self.home)
                except _OfficeDied:
                    starts += 1
                    if starts < 2:
                        continue
                    # the machine's fault, not the document's: tried again on the next run
                    raise _office_died("start", TransientError(NOT_STARTED)) from None
            try:
                self._office.convert(source, out, _FILTERS[target])
                return
            except _OfficeDied as died:
                self._office = None  # already stopped; the next attempt or document starts anew
                tries += 1
                if tries == 2:
                    raise _office_died("convert", OfficeCrashed(CRASHED), died.peak) from None

    def stop_office(self) -> None:
        if self._office is not None:
            self._office.stop()
            self._office = None


def _shutdown(converter: Converter) -> None:
    converter.stop_office()
    shutil.rmtree(converter.home, ignore_errors=True)


#: Why a document could not be converted when two offices in a row died starting.
NOT_STARTED = "LibreOffice did not start; check that soffice runs headless on this machine"
#: The reason of a document that took down a fresh office too: the file's fault, said plainly.
CRASHED = "LibreOffice crashed while converting this file; it is likely damaged (open and save it again to repair)"


class OfficeCrashed(DocumentError):
    """A file crashed a fresh office too: the document's own fault, and the cue for a reader that
    does not need LibreOffice (:mod:`docbatch.partitioners.legacy.native`)."""


class _OfficeDied(Exception):
    """The office died or its UNO bridge was disposed during a conversion: the office's fault
    until a fresh office dies on the same file, so never a document's reason by itself."""

    def __init__(self, peak: int | None = None) -> None:
        super().__init__()
        #: The office's largest address space seen during the conversion (None: not measured).
        self.peak = peak


class _UnoOffice:
    """One ``soffice.bin`` kept running, driven by :mod:`docbatch.partitioners.legacy.uno_bridge`.

    The bridge runs under the Python LibreOffice's ``uno`` module was built for, in its own
    session so one ``killpg`` stops it and its office; both die with this worker.
    """

    def __init__(self, python: str, soffice: Path, home: Path) -> None:
        bridge = Path(__file__).with_name("uno_bridge.py")
        pipe = f"docbatch-{os.getpid()}-{home.name[-8:]}"
        command = [python, str(bridge), str(soffice), (home / "profile").absolute().as_uri(), pipe]
        env = {**os.environ, "TMPDIR": str(home / "tmp"), "HOME": str(home), "SAL_USE_VCLPLUGIN": "svp"}
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        try:
            reply = self._read(START_TIMEOUT)
        except DocumentError:  # no answer in time: an office that hangs on start, no file's fault
            raise _OfficeDied from None
        if not reply or not reply.get("ready"):
            self.stop()
            raise _OfficeDied
        self.office_pid: int | None = reply.get("office")

    def alive(self) -> bool:
        return self.process.poll() is None

    def convert(self, source: Path, out: Path, filter_name: str) -> None:
        request = {"src": str(source), "dst": str(out), "filter": filter_name}
        with _PeakAddressSpace(self.office_pid) as watch:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()
                reply = self._read(CONVERT_TIMEOUT)
            except BrokenPipeError as e:  # the bridge itself is gone
                self.stop()
                raise _OfficeDied(watch.peak) from e
            except BaseException:  # a timeout, an alarm: the next document gets a new office
                self.stop()
                raise
        if reply is None or reply.get("crashed"):
            self.stop()
            raise _OfficeDied(watch.peak)
        if not reply.get("ok"):
            raise DocumentError(_refusal(reply.get("error", "")))

    def _read(self, timeout: float) -> dict | None:
        """One JSON line from the bridge, or None when it ended without one; DocumentError if
        none comes in ``timeout`` seconds."""
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        line = stdout.readline() if ready else b""
        if not ready:
            self.stop()
            raise DocumentError(f"LibreOffice took longer than {timeout:g} s converting the file")
        return json.loads(line) if line else None

    def stop(self) -> None:
        """Close the bridge's input (it then ends its office); kill both if they linger."""
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _refusal(error: str) -> str:
    """The reason for a file a live office would not open or save, without UNO's internals
    (``IOException: SfxBaseModel::impl_store … sfxbasemodel.cxx:3201``) that tell a user nothing."""
    if "could not open" in error or error.startswith(("IOException", "IllegalArgumentException")):
        return "LibreOffice could not open the file; it is damaged or not in a format LibreOffice reads"
    return "LibreOffice could not convert the file; it is likely damaged (open and save it again to repair)"


def _uno_python() -> str | None:
    """A Python that can import LibreOffice's ``uno`` (Debian's python3 with python3-uno), or None."""
    for candidate in ("/usr/bin/python3", "/usr/lib/libreoffice/program/python"):
        if not os.access(candidate, os.X_OK):
            continue
        probe = subprocess.run(
            [candidate, "-c", "import uno"], stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return candidate
    return None


def _convert_once(soffice: Path, profile: Path, source: Path, target: str, work: Path) -> None:
    """One ``soffice.bin --convert-to`` run on the worker's profile (no UNO bridge available)."""
    command = [
        str(soffice),
        f"-env:UserInstallation={profile.absolute().as_uri()}",
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
    for _ in range(2):  # the first run on a fresh profile exits asking to be started again
        code, output, peak = _run_soffice(command, work)
        if code != _RESTART_REQUESTED:
            break
    if code < 0 or code >= 128:  # killed by a signal: each run is its own office, so this file crashed it
        raise _office_died("convert", OfficeCrashed(CRASHED), peak)
    if code != 0:
        last = output.strip().splitlines()[-1:] or [f"exit status {code}"]
        raise _office_died(
            "convert", DocumentError(f"LibreOffice failed converting {source.suffix} to {target}: {last[0][:200]}")
        )


def _office_died(step: str, error: DocbatchError, peak: int | None = None) -> DocbatchError:
    """What a LibreOffice that died (or never started) means.

    Under a memory cap (``--max-memory``, inherited by the office as RLIMIT_AS) an office that
    failed an allocation aborts like one that crashed on a damaged file. It counts as out of
    memory, which the next run tries again, when its address space came near the cap while it
    worked (``peak``), or when that was not measured (it died starting). A file that crashes a
    fresh office far below the cap (LibreOffice idles at about 0.7 GB) is the file's fault:
    ``error`` as it is, also without a cap.
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or (peak is not None and peak < soft * _NEAR_CAP):
        return error
    return OutOfMemory(
        f"LibreOffice could not {step} under the memory cap of {soft // 1024**2} MiB its worker runs with ({error})"
    )


#: How near the cap an office must have come for its death to count as out of memory: an
#: allocation that doubles a buffer needs three times it at once, so it can fail at a third.
_NEAR_CAP = 0.3
#: How often a converting office's address space is sampled.
_SAMPLE_SECONDS = 0.02


class _PeakAddressSpace:
    """Samples process ``pid``'s address space from a thread while the block runs; ``peak`` is
    the largest seen (None without a pid or /proc, or once the process is gone unsampled)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak: int | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="docbatch-office-memory", daemon=True)

    def __enter__(self) -> _PeakAddressSpace:
        if self.pid is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while True:
            try:
                with open(f"/proc/{self.pid}/statm", "rb") as f:
                    size = int(f.read().split()[0]) * page
            except (OSError, ValueError, IndexError):
                return  # gone (or a zombie: statm reads 0 pages, below any peak)
            if size:
                self.peak = max(self.peak or 0, size)
            if self._done.wait(_SAMPLE_SECONDS):
                return


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


def _run_soffice(command: list[str], work: Path) -> tuple[int, str, int | None]:
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
        with _PeakAddressSpace(process.pid) as watch:
            output, _ = process.communicate(timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise DocumentError(f"LibreOffice took longer than {CONVERT_TIMEOUT:g} s converting the file") from e
    finally:
        if process.poll() is None:  # a timeout, or an alarm or kill of this task: take the office down
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, output.decode("utf-8", "replace") if output else "", watch.peak


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
        raise NeedsInstall(f"reading {file_type.upper()} files needs LibreOffice, which is not installed; {hint}")
    _converter = (os.getpid(), Converter(soffice))
    return _converter[1]


def _through(
    path: Path, options: PartitionOptions, file_type: str, read: Callable[..., list[Element]]
) -> list[Element]:
    """``path`` converted by its format's LibreOffice family and partitioned by ``read``; a .doc
    or .ppt the office crashes on, cannot be read by a missing office, or yields no text through
    it is read by :mod:`docbatch.partitioners.legacy.native` instead (see there for when and why)."""
    _check_not_encrypted(path, file_type)
    # LibreOffice's type detection tries the types of the extension first: the format's own.
    extension = by_name(file_type).extensions[0]
    try:
        with converter(file_type).converted(path, extension, _target(file_type)) as modern:
            elements = read(modern, options)
    except DocumentError as office_failed:
        # out of memory is the run's to retry, a password the user's to remove: no other reader helps
        if file_type not in native.READERS or isinstance(office_failed, OutOfMemory | EncryptedDocument):
            raise
        return _natively(path, options, file_type, read, office_failed)
    if file_type in native.READERS and not _has_text(elements):
        with contextlib.suppress(DocumentError):
            with native.converted(path, file_type) as modern:
                recovered = read(modern, options)
            if _has_text(recovered):
                remark(f"LibreOffice read no text from this file; {native.READERS[file_type][0]} read it")
                return recovered
    return elements


def _natively(
    path: Path,
    options: PartitionOptions,
    file_type: str,
    read: Callable[..., list[Element]],
    office_failed: DocumentError,
) -> list[Element]:
    """The file read by the pure-Python converter after LibreOffice failed on it with
    ``office_failed``: a crash or a refusal leaves the document partial (the file is likely
    damaged, and the converter keeps less than LibreOffice); a missing office only earns a
    remark. When the converter fails too, the office's reason stands, so a missing office is
    still said."""
    reader = native.READERS[file_type][0]
    try:
        with native.converted(path, file_type) as modern:
            elements = read(modern, options)
    except EncryptedDocument:
        raise
    except DocumentError:
        raise office_failed from None
    if isinstance(office_failed, NeedsInstall):
        remark(f"read by {reader}; LibreOffice is not installed")
    else:
        failed = "crashed on" if isinstance(office_failed, OfficeCrashed) else "could not read"
        part_lost(
            "formatting",
            f"LibreOffice {failed} this file, so {reader} read its text instead; the file is likely "
            "damaged (open and save it again to repair)",
        )
    return elements


def _has_text(elements: list[Element]) -> bool:
    return any(element.text.strip() for element in elements)


def partition_office(path: Path, options: PartitionOptions, *, file_type: str) -> list[Element]:
    """Partition a file of ``file_type`` (.doc, .ppt, .wpd, .sxw, .wk1, .vsd, …) as the file its
    LibreOffice family converts it to (DOCX, XLSX, PPTX or PDF), read by that format's reader."""
    return _through(path, options, file_type, get_partitioner(_target(file_type)))


def _target(file_type: str) -> str:
    """What LibreOffice converts a file of ``file_type`` to: its family's format (formats.py)."""
    family = by_name(file_type).office
    if family is None:  # a mistake in the format table, not the document's
        raise ValueError(f"format {file_type} names no LibreOffice family")
    return _TARGETS[family]


def partition_xls(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Excel 97-2003 workbook: xlrd, then python-calamine, then LibreOffice to XLSX.

    xlrd reads most BIFF files; calamine reads some it rejects (both in spreadsheet.py); LibreOffice
    opens nearly all the rest. The first reader's reason is the one reported when every one fails.
    """
    from docbatch.partitioners.spreadsheet import spreadsheet

    try:
        return spreadsheet.partition_xls(path, options)
    except EncryptedDocument:
        raise
    except DocumentError as first:
        if soffice_path() is None:
            raise
        try:
            return _through(path, options, "xls", spreadsheet.partition_xlsx)
        except DocumentError:
            raise first from None


def partition_xlsb(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Excel binary workbook: python-calamine, then LibreOffice to XLSX.

    calamine fails on some valid workbooks Excel writes (a record it does not expect); LibreOffice
    opens them. The zip-bomb guard and the encrypted check run first, in calamine's path, so a
    bomb or an encrypted file never reaches LibreOffice; calamine's reason is kept when both fail.
    """
    from docbatch.partitioners.spreadsheet import spreadsheet

    try:
        return spreadsheet.partition_xlsb(path, options)
    except EncryptedDocument:
        raise
    except DocumentError as first:
        if soffice_path() is None or not str(first).startswith("damaged XLSB"):
            raise
        try:
            with converter("xlsb").converted(path, ".xlsb", "xlsx") as modern:
                elements = spreadsheet.partition_xlsx(modern, options)
        except DocumentError:
            raise first from None
        # LibreOffice turns records it cannot read into an empty sheet (with its default page
        # style's footer, "Page &P"): no read
        if all(el.type in ("Header", "Footer") for el in elements):
            raise first from None
        return elements


def _check_not_encrypted(path: Path, file_type: str) -> None:
    """A password-protected legacy file makes LibreOffice fail silently: say what it is instead."""
    import olefile

    with open(path, "rb") as f:
        if f.read(8) != _OLE_MAGIC:
            # No OLE2 container to look into (WordPerfect, Write, Lotus, a zip of XML, Word for
            # DOS named .doc): LibreOffice reads them, and says so when it cannot.
            return
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
