"""The contract every partitioner keeps, checked on every fixture and sample we ship and on
every file of the shared corpus (when present).

For each file: elements have known types and unstructured's metadata names, ids are the same on
a second run, the JSON serialises, a failure is a DocumentError with a one-line reason; and the
same fixture cut in half, or replaced by random bytes under its name, ends as elements or a
DocumentError — never another exception, and a truncated file of a type docbatch reads is never
taken for an unsupported one (failed, never skipped). For every multi-part format, a fixture with
one broken part still yields its other parts, and the broken one is named.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import orjson
import pytest

from docbatch.elements import ELEMENT_TYPES, METADATA_KEYS, DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError, UnsupportedFileType
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "unstructured-example-docs"
FILES = sorted(
    p
    for folder in (REPO / "tests" / "fixtures", REPO / "samples")
    for p in folder.rglob("*")
    if p.is_file() and p.suffix not in (".py",) and "billion" not in p.name and "xxe" not in p.name
)
OPTIONS = PartitionOptions()


def _ids(path: Path) -> list[dict]:
    file_type, elements = partition_file(path, OPTIONS, name=path.name)
    info = DocumentInfo(filename=path.name, filetype=file_type.mime, url=path.as_uri(), record_locator={})
    return elements_to_dicts(finalize(elements, info))


CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_schema_and_deterministic_ids(path: Path):
    _check_contract(path)


@pytest.mark.corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_corpus_files_keep_the_contract(path: Path):
    _check_contract(path)


def _check_contract(path: Path) -> None:
    try:
        first = _ids(path)
    except DocumentError as e:  # includes unsupported types
        assert str(e) and "\n" not in str(e) and len(str(e)) <= 300, path
        return
    assert first == _ids(path)
    for element in first:
        assert element["type"] in ELEMENT_TYPES
        assert set(element["metadata"]) <= METADATA_KEYS | {"data_source"}, path
    orjson.dumps(first)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_truncated_and_garbage_input_fail_cleanly(path: Path, tmp_path: Path):
    data = path.read_bytes()
    rng = random.Random(path.name)
    variants = {
        "half": data[: len(data) // 2],
        "garbage": bytes(rng.getrandbits(8) for _ in range(min(len(data), 4096))),
        "flipped": bytes(b ^ 0xFF if rng.random() < 0.01 else b for b in data),
    }
    supported = _supported(path)
    for label, content in variants.items():
        bad = tmp_path / label / path.name
        bad.parent.mkdir()
        bad.write_bytes(content)
        try:
            partition_file(bad, OPTIONS, name=path.name)
        except UnsupportedFileType as e:
            assert not (supported and label == "half"), f"truncated {path.name} was skipped: {e}"
        except DocumentError as e:
            assert "\n" not in str(e) and len(str(e)) <= 300, path


def _supported(path: Path) -> bool:
    """Whether the whole file is of a type docbatch reads."""
    try:
        partition_file(path, OPTIONS, name=path.name)
    except UnsupportedFileType:
        return False
    except DocumentError:
        pass
    return True


# -- a broken part leaves the rest ----------------------------------------------------------------

FIXTURES = REPO / "tests" / "fixtures"


def _zip_with(src: Path, dst: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of the zip ``src`` with members replaced (or dropped, for None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _corrupt_member(src: Path, dst: Path, member: str) -> Path:
    """A copy of ``src`` whose ``member`` fails its CRC check (its stored bytes flipped)."""
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(member)
    data = bytearray(src.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 64)):
        data[i] ^= 0x5A
    dst.write_bytes(bytes(data))
    return dst


def _broken_slide(tmp: Path) -> Path:
    empty = b'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'
    return _zip_with(FIXTURES / "pptx" / "deck.pptx", tmp / "deck.pptx", {"ppt/slides/slide2.xml": empty})


def _broken_sheet(tmp: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Kept"
    wb.active["A1"] = "Kept sheet text"
    wb.create_sheet("Broken")["A1"] = "lost"
    wb.save(tmp / "whole.xlsx")
    return _zip_with(tmp / "whole.xlsx", tmp / "book.xlsx", {"xl/worksheets/sheet2.xml": b"<worksheet><sheetData"})


def _broken_header(tmp: Path) -> Path:
    return _zip_with(FIXTURES / "docx" / "report.docx", tmp / "report.docx", {"word/header1.xml": b"not xml at all"})


def _broken_chapter(tmp: Path) -> Path:
    return _corrupt_member(FIXTURES / "epub" / "book.epub", tmp / "book.epub", "OEBPS/text/chapter2.xhtml")


def _broken_attachment(tmp: Path) -> Path:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "Figures"
    msg.set_content("The figures are attached.")
    docx = (REPO / "samples" / "office" / "quarterly-report.docx").read_bytes()
    msg.add_attachment(docx[: len(docx) // 2], maintype="application", subtype="octet-stream", filename="figures.docx")
    msg.add_attachment(b"Notes that came through whole.", maintype="text", subtype="plain", filename="notes.txt")
    path = tmp / "figures.eml"
    path.write_bytes(msg.as_bytes())
    return path


#: format -> (builder of a file with one broken part, the part's name, a text the rest still gives)
BROKEN_PARTS = {
    "pptx": (_broken_slide, "slide 2", None),
    "xlsx": (_broken_sheet, "sheet Broken", "Kept sheet text"),
    "docx": (_broken_header, "part word/header1.xml", None),
    "epub": (_broken_chapter, "chapter 1 (OEBPS/text/chapter2.xhtml)", None),
    "eml": (_broken_attachment, "attachment figures.docx", "Notes that came through whole."),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_PARTS))
def test_a_broken_part_is_named_and_the_rest_comes_out(kind: str, tmp_path: Path):
    build, part, kept_text = BROKEN_PARTS[kind]
    path = build(tmp_path)
    with collecting() as notes:
        _, elements = partition_file(path, PartitionOptions(process_attachments=True), name=path.name)
    assert [lost.split(": ")[0] for lost in notes.lost] == [part]
    assert all("\n" not in lost and "Error" not in lost for lost in notes.lost)
    assert elements
    if kept_text:
        assert kept_text in [el.text for el in elements]
