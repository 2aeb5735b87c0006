"""Snapshot docbatch's output for every Word file it can find, to prove a rewrite changes nothing.

    PYTHONPATH=<checkout>/src python -m benchmarks.docx_snapshot OUT_DIR [--legacy] [EXTRA ...]
    PYTHONPATH=<checkout>/src python -m benchmarks.docx_snapshot NEW_DIR --compare OLD_DIR

Files: the .docx/.docm/.dotx/.dotm under tests/ and (recursively) the shared corpus, the generated
batch the speed figures use (``/tmp/prof/gen/v*/docx``), and variants of the test fixture and one
corpus file built here: the macro/template content types, each member removed in turn, and each
XML member truncated in turn (so the lost-part and damaged-file paths are compared too). With
``--legacy``, the corpus's .doc files as well (LibreOffice converts them, then the DOCX reader
runs; slow). Each file gets one JSON: its elements as ``docbatch.partition`` returns them (minus
``date_processed``), the lost parts and remarks, or the DocumentError message.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

from benchmarks import CORPUS_DIR, REPO_DIR

_WORD_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")
_GENERATED = Path("/tmp/prof/gen")
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MAIN_TYPES = {
    "docm": b"application/vnd.ms-word.document.macroEnabled.main+xml",
    "dotx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "dotm": b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
#: Where variants are written (the same path every run: a file's path is part of its output), and their mtime.
_VARIANTS_DIR = Path("/tmp/docx-snapshot-variants")
_VARIANT_MTIME = 1_700_000_000
#: Files the variants are made of: the shipped fixture, and corpus files with headers, charts, notes.
_VARIANT_SOURCES = ("docx-hdrftr.docx", "contains-pictures.docx", "handbook-1p.docx")


def _found(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in suffixes and p.is_file()) if root.is_dir() else []


def _rewrite(src: Path, dst: Path, *, drop: str | None = None, replace: dict[str, bytes] | None = None) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != drop:
                zout.writestr(info, replace.get(info.filename, zin.read(info.filename)))
    os.utime(dst, (_VARIANT_MTIME, _VARIANT_MTIME))  # last_modified is part of the output
    return dst


def _variants(src: Path, folder: Path) -> list[Path]:
    """Macro/template twins of ``src``, and one copy per member missing and per XML member truncated."""
    out: list[Path] = []
    with zipfile.ZipFile(src) as zf:
        members = {info.filename: zf.read(info.filename) for info in zf.infolist()}
    types = members["[Content_Types].xml"]
    for ext, main_type in _MAIN_TYPES.items():
        twin = folder / f"{src.stem}.{ext}"
        out.append(_rewrite(src, twin, replace={"[Content_Types].xml": types.replace(_DOCX_MAIN, main_type)}))
    for i, (name, data) in enumerate(sorted(members.items())):
        out.append(_rewrite(src, folder / f"{src.stem}-drop{i:02d}.docx", drop=name))
        if name.endswith((".xml", ".rels")):
            cut = data[: max(1, len(data) // 2)]
            out.append(_rewrite(src, folder / f"{src.stem}-cut{i:02d}.docx", replace={name: cut}))
    return out


def _snapshot(path: Path) -> dict[str, Any]:
    from docbatch.document import partition_document
    from docbatch.elements import elements_to_dicts
    from docbatch.errors import DocumentError
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.sources.local import LocalSource

    doc = next(LocalSource(path).list())
    try:
        result = partition_document(path, doc, PartitionOptions())
    except DocumentError as e:
        return {"error": f"{type(e).__name__}: {e}"}
    elements = elements_to_dicts(result.elements)
    for el in elements:  # the time of the run, wherever it is kept
        meta = el.get("metadata", {})
        meta.pop("date_processed", None)
        meta.get("data_source", {}).pop("date_processed", None)
    return {"lost": result.notes.lost, "remarks": result.notes.remarks, "elements": elements}


def _name(path: Path) -> str:
    """A stable file name for ``path``, unique over all sources."""
    roots = ((_VARIANTS_DIR, "variant"), (REPO_DIR / "tests", "tests"), (CORPUS_DIR, "corpus"), (_GENERATED, "gen"))
    for root, tag in roots:
        if path.is_relative_to(root):
            return tag + "__" + "__".join(path.relative_to(root).parts) + ".json"
    return "extra__" + path.name + ".json"


def write(out: Path, extra: list[Path], *, legacy: bool) -> int:
    out.mkdir(parents=True, exist_ok=True)
    files = _found(REPO_DIR / "tests", _WORD_SUFFIXES) + _found(CORPUS_DIR, _WORD_SUFFIXES)
    files += sorted(_GENERATED.glob("v*/docx/*.docx"))
    files += _all_variants()
    if legacy and shutil.which("soffice"):
        files += _found(CORPUS_DIR, (".doc",))
    files += extra
    for path in files:
        data = _snapshot(path)
        (out / _name(path)).write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(files)} Word files written to {out}")
    return 0


def _all_variants() -> list[Path]:
    shutil.rmtree(_VARIANTS_DIR, ignore_errors=True)
    files: list[Path] = []
    for src in [REPO_DIR / "tests/fixtures/docx/report.docx"] + [CORPUS_DIR / n for n in _VARIANT_SOURCES]:
        if src.is_file():
            folder = _VARIANTS_DIR / src.stem
            folder.mkdir(parents=True)
            files += _variants(src, folder)
    return files


def compare(new: Path, old: Path) -> int:
    """Print every difference between two snapshots; exit 1 if there is any."""
    differences = 0
    names = sorted({p.name for p in new.glob("*.json")} | {p.name for p in old.glob("*.json")})
    for name in names:
        a, b = old / name, new / name
        if not a.exists() or not b.exists():
            print(f"{name}: only in {'new' if b.exists() else 'old'}")
            differences += 1
            continue
        before, after = json.loads(a.read_text("utf-8")), json.loads(b.read_text("utf-8"))
        if before != after:
            differences += 1
            print(f"{name}: differs")
            _print_diff(before, after)
    print(f"{len(names)} files compared, {differences} differ")
    return 1 if differences else 0


def _print_diff(before: dict[str, Any], after: dict[str, Any]) -> None:
    for key in sorted(set(before) | set(after)):
        if key != "elements" and before.get(key) != after.get(key):
            print(f"  {key}: {before.get(key)!r} -> {after.get(key)!r}")
    old_els, new_els = before.get("elements", []), after.get("elements", [])
    if len(old_els) != len(new_els):
        print(f"  element count: {len(old_els)} -> {len(new_els)}")
    for i, (x, y) in enumerate(zip(old_els, new_els, strict=False)):
        if x != y:
            print(f"  element {i}:")
            print(f"    old {json.dumps(x, ensure_ascii=False)[:400]}")
            print(f"    new {json.dumps(y, ensure_ascii=False)[:400]}")


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[1] == "--compare":
        return compare(Path(argv[0]), Path(argv[2]))
    legacy = "--legacy" in argv
    args = [a for a in argv if a != "--legacy"]
    return write(Path(args[0]), [Path(a) for a in args[1:]], legacy=legacy)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
