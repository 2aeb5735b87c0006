"""Archives (zip, tar, tar.gz, .gz) and iWork packages: members partitioned as documents of their
own, bounded against bombs; fixtures made here with the standard library."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import docx
import pytest

import docbatch
from docbatch.errors import DocumentError, UnsupportedFileType
from docbatch.partitioners.kit import attachments
from ocr_fixtures import text_pdf

OPTIONS = {"detect_languages": False}


def _docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


MEMBERS = {
    "notes/minutes.txt": b"Minutes of the board meeting held in March.",
    "report.docx": _docx_bytes("The annual report of the cooperative."),
    "tool.bin": b"\x7fELF" + b"\x00" * 60,  # a program: nothing to read, nothing lost
    "__MACOSX/._report.docx": b"\x00\x05\x16\x07",
}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tar(path: Path, members: dict[str, bytes], mode: str = "w") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _summary(elements) -> list[tuple[str, str, str | None, str]]:
    out = []
    for el in elements:
        meta = el.to_dict()["metadata"]
        out.append((el.text, meta["filename"], meta.get("file_directory"), meta["attached_to_filename"]))
    return out


EXPECTED = [
    ("Minutes of the board meeting held in March.", "minutes.txt", "notes", "bundle"),
    ("The annual report of the cooperative.", "report.docx", None, "bundle"),
]


@pytest.mark.parametrize(
    "name, make",
    [
        ("bundle.zip", lambda p: _zip(p, MEMBERS)),
        ("bundle.tar", lambda p: _tar(p, MEMBERS)),
        ("bundle.tar.gz", lambda p: _tar(p, MEMBERS, "w:gz")),
        ("bundle.tgz", lambda p: _tar(p, MEMBERS, "w:gz")),
    ],
)
def test_every_member_is_a_document_of_its_own_without_any_flag(tmp_path, name, make):
    path = make(tmp_path / name)
    expected = [(text, base, folder, name) for text, base, folder, _ in EXPECTED]
    assert _summary(docbatch.partition(path, **OPTIONS)) == expected


def test_a_lone_gz_is_the_file_it_compresses(tmp_path):
    path = tmp_path / "minutes.txt.gz"
    path.write_bytes(gzip.compress(b"Minutes of the board meeting held in March."))
    (element,) = docbatch.partition(path, **OPTIONS)
    assert element.to_dict()["metadata"]["filename"] == "minutes.txt"


def test_archives_nest_up_to_the_depth_bound(tmp_path):
    inner = _zip(tmp_path / "inner.zip", {"a.txt": b"Deep inside the nested archives."})
    data = inner.read_bytes()
    for level in range(attachments.MAX_DEPTH):
        data = _zip(tmp_path / f"level{level}.zip", {f"level{level}.zip": data}).read_bytes()
    path = tmp_path / "outer.zip"
    path.write_bytes(data)
    with pytest.warns(docbatch.PartialDocumentWarning, match="nested deeper than 3 levels"):
        assert docbatch.partition(path, **OPTIONS) == []
    ok = _zip(tmp_path / "two.zip", {"inner.zip": inner.read_bytes()})
    (element,) = docbatch.partition(ok, **OPTIONS)
    assert element.to_dict()["metadata"]["attached_to_filename"] == "inner.zip"  # the nearest container


def test_a_damaged_member_is_named_and_the_rest_is_read(tmp_path):
    path = _zip(tmp_path / "bundle.zip", {"broken.docx": b"PK\x03\x04not really", "ok.txt": b"Still readable text."})
    with pytest.warns(docbatch.PartialDocumentWarning, match="attachment broken.docx: damaged DOCX"):
        elements = docbatch.partition(path, **OPTIONS)
    assert [el.text for el in elements] == ["Still readable text."]


def test_too_many_members_stop_at_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_ATTACHMENTS", 3)
    path = _zip(tmp_path / "many.zip", {f"{i}.txt": f"Member number {i} of many.".encode() for i in range(5)})
    with pytest.warns(docbatch.PartialDocumentWarning, match="after the first 3: too many"):
        assert len(docbatch.partition(path, **OPTIONS)) == 3


def test_a_tar_declaring_more_than_the_limit_is_refused_before_reading(tmp_path):
    path = _tar(tmp_path / "big.tar", {"a.txt": b"x" * 2000})
    with pytest.raises(DocumentError, match="bomb guard"):
        docbatch.partition(path, max_uncompressed_bytes=1000, **OPTIONS)


def test_a_zip_bomb_is_refused_by_the_shared_guard(tmp_path):
    path = _zip(tmp_path / "bomb.zip", {"zeros.txt": b"\x00" * 5000})
    with pytest.raises(DocumentError, match="zip bomb guard"):
        docbatch.partition(path, max_uncompressed_bytes=1000, **OPTIONS)


# -- Apple iWork ----------------------------------------------------------------------------------


def test_an_iwork_package_is_read_through_its_preview_pdf(tmp_path):
    preview = text_pdf(tmp_path / "preview.pdf").read_bytes()
    path = _zip(tmp_path / "plan.pages", {"Index/Document.iwa": b"\x00" * 64, "preview.pdf": preview})
    elements = docbatch.partition(path, **OPTIONS)
    assert elements[0].text == "Quarterly Warehouse Review"
    assert elements[0].to_dict()["metadata"]["filetype"] == "application/vnd.apple.pages"


def test_an_iwork_package_without_a_preview_is_skipped_saying_so(tmp_path):
    path = _zip(tmp_path / "sums.numbers", {"Index/Document.iwa": b"\x00" * 64})
    with pytest.raises(UnsupportedFileType, match=r"unsupported iWork file \(numbers\) without a preview PDF"):
        docbatch.partition(path, **OPTIONS)
