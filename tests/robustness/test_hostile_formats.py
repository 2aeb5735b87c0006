"""Hostile documents of every family, through the real CLI: each ends with a one-line outcome,
nothing is expanded, nothing is read from outside, and the run finishes."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from support import load_outputs, run_cli

PASSWD = Path("/etc/passwd")
XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>start &x; end</a></r>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]><lolz><a>&lol9;</a></lolz>"
)


def _zip_bomb(path: Path, members: dict[str, str], big_member: str) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
        with zf.open(big_member, "w", force_zip64=True) as member:
            chunk = b" " * (16 * 1024**2)
            for _ in range(200):  # 3.2 GB of spaces, a few MB on disk
                member.write(chunk)


def _docx_with_xxe(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("PLACEHOLDER")
    document.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts["word/document.xml"].decode()
    doctype = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    xml = xml.replace("?>", "?>" + doctype, 1).replace("PLACEHOLDER", "before &x; after")
    parts["word/document.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _pdf(objects: list[str]) -> bytes:
    """A PDF from object bodies (object i+1 = objects[i]) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    src = work / "src"
    src.mkdir()
    (src / "xxe.xml").write_text(XXE)
    (src / "laughs.xml").write_text(LAUGHS)
    (src / "laughs.html").write_text(
        LAUGHS.replace("<lolz>", "<html><body><p>").replace("</lolz>", "</p></body></html>")
    )
    _docx_with_xxe(src / "xxe.docx")
    _zip_bomb(
        src / "bomb.xlsx",
        {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"},
        "xl/worksheets/sheet1.xml",
    )
    _zip_bomb(
        src / "bomb.pptx", {"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"}, "ppt/slides/slide1.xml"
    )
    _zip_bomb(src / "bomb.epub", {"mimetype": "application/epub+zip"}, "OEBPS/chapter.xhtml")
    (src / "many-pages.pdf").write_bytes(
        _pdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            ]
        )
    )
    (src / "loop.pdf").write_bytes(
        _pdf(
            [
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                "<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 2 >>",
            ]
        )
    )
    out = work / "out"
    result = run_cli(
        ["local", str(src), "--structured-output-dir", str(out), "--timeout", "60", "--max-memory", "4G"],
        cwd=work,
        timeout=600,
    )
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        record = {k: (s, r) for k, s, r in db.execute("SELECT key, status, reason FROM documents")}
    return result, record, out, work


def test_every_hostile_file_gets_a_one_line_outcome(hostile_run):
    result, record, _, work = hostile_run
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert len(record) == 9
    for key, (_status, reason) in record.items():
        assert "\n" not in reason
        assert not reason.startswith(("internal error", "timeout", "worker crashed")), (key, reason)
    for bomb in ("bomb.xlsx", "bomb.pptx", "bomb.epub"):
        assert record[bomb][0] == "failed", (bomb, record[bomb])
    assert sorted(p.name for p in work.iterdir()) == ["out", "src"]


def test_no_entity_is_expanded_and_no_file_is_read(hostile_run):
    _, record, out, _ = hostile_run
    passwd_line = PASSWD.read_text().splitlines()[0] if PASSWD.exists() else "root:x:0:0"
    outputs = load_outputs(out)
    for name, elements in outputs.items():
        text = " ".join(e["text"] for e in elements)
        assert passwd_line not in text, name
        assert "lollollollol" not in text, name
        assert len(text) < 10_000, name
    if record["xxe.docx"][0] == "ok":
        assert "before" in " ".join(e["text"] for e in outputs["xxe.docx.json"])
