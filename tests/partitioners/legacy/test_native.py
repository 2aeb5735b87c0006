"""The pure-Python readers (msdoc2docx, ppt2pptx) taking over from LibreOffice: when it is not
installed, when a file crashes it twice, and when it reads no text from a file they read."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from pathlib import Path

import docx
import pytest

from docbatch.errors import DocumentError
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting
from docbatch.partitioners.legacy import legacy

OPTIONS = PartitionOptions(detect_languages=False)


def _texts(path: Path) -> list[str]:
    return [el.text for el in partition_file(path, OPTIONS)[1]]


@pytest.fixture
def no_office(tmp_path, monkeypatch):
    """LibreOffice is not on PATH, and this process has no converter yet."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(legacy, "_converter", None)


@pytest.fixture
def crashing(monkeypatch):
    """Every office a conversion of a file named `crasher.*` is sent to dies, as a file that
    crashes LibreOffice kills it (the real office process is killed, the bridge notices)."""
    real_convert = legacy._UnoOffice.convert

    def convert(office, source: Path, out: Path, filter_name: str) -> None:
        if source.resolve().stem == "crasher":
            os.killpg(office.process.pid, signal.SIGKILL)
        real_convert(office, source, out, filter_name)

    monkeypatch.setattr(legacy._UnoOffice, "convert", convert)


def test_without_libreoffice_a_doc_is_read_natively_with_a_remark(made, no_office):
    with collecting() as notes:
        file_type, elements = partition_file(made["doc"], OPTIONS)
    assert file_type.name == "doc"
    summary = [(el.type, el.text) for el in elements]
    assert summary == [(el.type, el.text) for el in partition_file(made["docx"], OPTIONS)[1]]
    assert notes.remarks == ["read by msdoc2docx; LibreOffice is not installed"]
    assert not notes.lost


def test_without_libreoffice_a_ppt_is_read_natively_with_a_remark(made, no_office):
    with collecting() as notes:
        file_type, elements = partition_file(made["ppt"], OPTIONS)
    assert file_type.mime == "application/vnd.ms-powerpoint"
    # ppt2pptx keeps the text and the slides, not the title placeholders' role
    assert [el.text for el in elements] == _texts(made["pptx"])
    assert [el.metadata.get("page_number") for el in elements] == [1, 1, 1, 2]
    assert notes.remarks == ["read by ppt2pptx; LibreOffice is not installed"]


def test_without_libreoffice_a_file_the_native_reader_cannot_read_still_says_what_to_install(
    tmp_path, no_office
):
    from _ole import write_ole

    path = write_ole(tmp_path / "memo.doc", {"WordDocument": b"\x00" * 64})
    with pytest.raises(DocumentError, match=r"needs LibreOffice.*apt-get install"):
        partition_file(path, OPTIONS)


@pytest.mark.skipif(legacy._uno_python() is None, reason="needs LibreOffice's Python bridge (python3-uno)")
@pytest.mark.parametrize("kind", ["doc", "ppt"])
def test_a_file_that_crashes_every_office_is_read_natively_and_ends_partial(made, crashing, tmp_path, kind):
    crasher = Path(shutil.copy(made[kind], tmp_path / f"crasher.{kind}"))
    with collecting() as notes:
        elements = partition_file(crasher, OPTIONS)[1]
    assert [el.text for el in elements] == _texts(made[f"{kind}x"])
    reader = "msdoc2docx" if kind == "doc" else "ppt2pptx"
    assert notes.lost == [
        f"formatting: LibreOffice crashed on this file, so {reader} read its text instead; the file is likely "
        "damaged (open and save it again to repair)"
    ]
    with collecting() as after:  # the next document gets a fresh office, not the fallback
        assert _texts(made[kind]) == _texts(made[f"{kind}x"])
    assert not after.lost and not after.remarks


@pytest.mark.skipif(legacy._uno_python() is None, reason="needs LibreOffice's Python bridge (python3-uno)")
def test_a_file_that_crashes_every_office_and_the_native_reader_fails_in_one_plain_sentence(
    made, crashing, tmp_path
):
    from _ole import write_ole

    crasher = write_ole(tmp_path / "crasher.doc", {"WordDocument": b"\x00" * 64})
    with pytest.raises(legacy.OfficeCrashed) as caught:
        partition_file(crasher, OPTIONS)
    assert str(caught.value) == legacy.CRASHED
    assert _texts(made["doc"]) == _texts(made["docx"])  # the office after it works


def test_a_file_libreoffice_reads_no_text_from_is_read_natively(made, tmp_path, monkeypatch):
    """Some damaged or unusual files convert to an empty document; the native reader finds their text."""
    blank = tmp_path / "blank.docx"
    docx.Document().save(blank)

    @contextlib.contextmanager
    def converted_blank(self, path: Path, source_ext: str, target: str):
        yield blank

    monkeypatch.setattr(legacy.Converter, "converted", converted_blank)
    with collecting() as notes:
        texts = [el.text for el in partition_file(made["doc"], OPTIONS)[1]]
    assert texts == _texts(made["docx"])
    assert notes.remarks == ["LibreOffice read no text from this file; msdoc2docx read it"]
    assert not notes.lost


def test_a_run_reads_a_real_crasher_natively_and_fails_no_other_document(made, tmp_path):
    """The real file that aborts LibreOffice (fixtures/README.md), in a run with the default memory
    cap: it ends partial, read by ppt2pptx (before, the office's abort under the cap read "out of
    memory" and was retried on every run), and the documents beside it end ok."""
    import subprocess
    import sys

    crasher = Path(__file__).with_name("fixtures") / "crashes-libreoffice.ppt"
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(crasher, src / crasher.name)
    for kind in ("doc", "ppt"):
        shutil.copy(made[kind], src / f"before.{kind}")
        shutil.copy(made[kind], src / f"zafter.{kind}")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "docbatch", "local", str(src), "--output", str(out), "--num-processes", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "4 ok, 1 partial, 0 skipped, 0 failed" in said
    assert (
        "crashes-libreoffice.ppt: formatting: LibreOffice crashed on this file, so ppt2pptx read its text instead"
    ) in said
    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{p.name}.json" for p in src.iterdir())
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert "0 ok, 5 skipped" in rerun.stdout + rerun.stderr  # a partial document is done, not redone


def _with_broken_edit_chain(ppt: Path, to: Path) -> Path:
    """A copy of ``ppt`` whose last UserEditAtom names a document persist id that does not exist
    (999): LibreOffice refuses the file; the slides themselves are intact."""
    import struct

    import olefile

    shutil.copy(ppt, to)
    with olefile.OleFileIO(str(to), write_mode=True) as ole:
        current_user = ole.openstream("Current User").read()
        edit = struct.unpack_from("<I", current_user, 16)[0]  # CurrentUserAtom.offsetToCurrentEdit
        stream = bytearray(ole.openstream("PowerPoint Document").read())
        struct.pack_into("<I", stream, edit + 8 + 16, 999)  # UserEditAtom.docPersistIdRef
        ole.write_stream("PowerPoint Document", bytes(stream))
    return to


def test_a_ppt_libreoffice_refuses_is_read_natively_and_ends_partial(made, tmp_path):
    broken = _with_broken_edit_chain(made["ppt"], tmp_path / "edits.ppt")
    refused = pytest.raises(DocumentError, match="LibreOffice could not open the file")
    with refused, legacy.converter("ppt").converted(broken, ".ppt", "pptx"):
        pass
    with collecting() as notes:
        texts = [el.text for el in partition_file(broken, OPTIONS)[1]]
    assert texts == _texts(made["pptx"])
    assert notes.lost == [
        "formatting: LibreOffice could not read this file, so ppt2pptx read its text instead; the file is "
        "likely damaged (open and save it again to repair)"
    ]
