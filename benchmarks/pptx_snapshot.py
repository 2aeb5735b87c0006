"""Snapshot docbatch's PowerPoint output on every deck we have, to prove a rewrite changes nothing.

    PYTHONPATH=<checkout>/src python -m benchmarks.pptx_snapshot OUT_DIR [--legacy] [--generated DIR]
    PYTHONPATH=<checkout>/src python -m benchmarks.pptx_snapshot OUT_DIR --compare BEFORE_DIR

Every PowerPoint package found under tests/ and samples/, recursively under the shared corpus,
the generated decks (``--generated``, default /tmp/prof/gen/v*/pptx) and a set of variants built
here (charts, SmartArt, slide shows and templates, packages with a lost, damaged or missing part,
refused packages) goes through ``docbatch.partition``'s own path with default options. Each file
gives one JSON: its status (ok / partial / failed), the lost parts and remarks, or the error
message, and its elements without ``metadata.date_processed`` (the one field that changes per
run). ``--legacy`` adds the corpus .ppt files (through LibreOffice, so slow). ``--compare`` diffs
the new snapshot against an old one and prints every difference; it exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import CORPUS_DIR, REPO_DIR

_EXTENSIONS = (".pptx", ".pptm", ".ppsx", ".ppsm", ".potx", ".potm")
#: The variants are rebuilt here on every run, always with the same mtime, so their data_source agrees.
_VARIANTS_DIR = Path("/tmp/pptx-snapshot-variants")
_FIXED_MTIME = 1_700_000_000


def _found(root: Path, extensions: tuple[str, ...]) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in extensions and p.is_file())


def snapshot(path: Path) -> dict[str, Any]:
    """What ``docbatch.partition(path)`` gives for one file, as JSON-ready data."""
    from docbatch.document import partition_document
    from docbatch.elements import elements_to_dicts
    from docbatch.errors import DocumentError
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.sources.local import LocalSource

    doc = next(LocalSource(path.absolute()).list())  # what docbatch.partition(path) does
    try:
        result = partition_document(path.absolute(), doc, PartitionOptions())
    except DocumentError as e:
        return {"status": "failed", "error": f"{type(e).__name__}: {e}"}
    except Exception as e:  # a bug: the run would record an internal error
        return {"status": "failed", "error": f"internal error: {type(e).__name__}"}
    dicts = elements_to_dicts(result.elements)
    for d in dicts:
        d["metadata"].get("data_source", {}).pop("date_processed", None)
    return {
        "status": "partial" if result.notes.lost else "ok",
        "lost": result.notes.lost,
        "warning": f"parts lost: {result.notes.lost_reason()}" if result.notes.lost else None,
        "remarks": result.notes.remarks,
        "elements": dicts,
    }


# -- variants: decks python-pptx builds, then edited at the zip level ----------------------------


def _png() -> io.BytesIO:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(buf, format="PNG")
    buf.seek(0)
    return buf


def _rich_deck(path: Path) -> Path:
    """Titles, subtitles, bullets, links, notes, groups, pictures, a merged table, footers."""
    import pptx
    from pptx.util import Inches, Pt

    prs = pptx.Presentation()
    cover = prs.slides.add_slide(prs.slide_layouts[0])
    cover.shapes.title.text = "Quarterly Review"
    cover.placeholders[1].text = "Results and outlook for the year, with a sentence that is long."
    for index in (1, 2, 3, 4, 5, 6, 8):
        layout = prs.slide_layouts[index]
        slide = prs.slides.add_slide(layout)
        if slide.shapes.title is not None:
            slide.shapes.title.text = f"Layout {index}: {layout.name}"
        for ph in slide.placeholders:
            if ph.placeholder_format.idx == 0 or not ph.has_text_frame:
                continue
            frame = ph.text_frame
            frame.text = f"Body of {ph.name}"
            for text, level in (("SECOND LEVEL", 1), ("third, a sentence.", 2), ("12 345", 0), ("a@b.com", 0)):
                paragraph = frame.add_paragraph()
                paragraph.text = text
                paragraph.level = level
            run = frame.add_paragraph().add_run()
            run.text = "linked"
            run.hyperlink.address = f"https://example.com/{index}"
            run.font.bold = True
        slide.notes_slide.notes_text_frame.text = f"Notes {index}\nsecond line"
    free = prs.slides.add_slide(prs.slide_layouts[6])
    box = free.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1))
    box.text_frame.text = "Lower"
    outer = free.shapes.add_group_shape()
    inner = outer.shapes.add_group_shape()
    for i, top in enumerate((3, 1, 2)):
        inner.shapes.add_textbox(Inches(2), Inches(top), Inches(1), Inches(1)).text_frame.text = f"g{i}"
    outer.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(1), Inches(1)).text_frame.text = "Outer"
    pic = free.shapes.add_picture(_png(), Inches(6), Inches(1), Inches(1), Inches(1))
    pic._element.nvPicPr.cNvPr.set("title", "A title only")
    free.shapes.add_picture(_png(), Inches(6), Inches(3))
    shape = free.shapes.add_shape(1, Inches(4), Inches(4), Inches(1), Inches(1))
    shape.text_frame.text = "AUTO SHAPE"
    free.shapes.add_connector(1, Inches(0), Inches(0), Inches(1), Inches(1))
    table = free.shapes.add_table(4, 3, Inches(1), Inches(6), Inches(6), Inches(2)).table
    for r in range(4):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c}" if (r + c) % 3 else ""
    table.cell(0, 0).merge(table.cell(1, 1))
    table.cell(2, 2).merge(table.cell(3, 2))
    link = table.cell(3, 0).text_frame.paragraphs[0].add_run()
    link.text = " cell link"
    link.hyperlink.address = "https://example.com/cell"
    link.font.size = Pt(8)
    table.first_row = False
    footer = prs.slides.add_slide(prs.slide_layouts[1])
    footer.shapes.title.text = "With footers"
    prs.save(path)
    _copy_footer_placeholders(path)
    return path


def _copy_footer_placeholders(path: Path) -> None:
    """Give the last slide the layout's date, footer and slide-number placeholders, with text."""
    import pptx

    prs = pptx.Presentation(str(path))
    slide = prs.slides[-1]
    for ph in slide.slide_layout.placeholders:
        if ph.placeholder_format.type in (16, 15, 13):  # DATE, FOOTER, SLIDE_NUMBER
            slide.shapes.clone_placeholder(ph)
    for ph in slide.placeholders:
        if ph.placeholder_format.idx:
            ph.text_frame.text = f"ph {ph.placeholder_format.type}"
    prs.save(str(path))


def _chart_deck(path: Path) -> Path:
    import pptx
    from pptx.chart.data import CategoryChartData, XyChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Charts"
    data = CategoryChartData()
    data.categories = ["Q1", "Q2", "Q3"]
    data.add_series("North", (10.0, 12.5, None))
    data.add_series("South", (7, 8, 9))
    column = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(2), Inches(4), Inches(3), data)
    column.chart.has_title = True
    column.chart.chart_title.text_frame.text = "Revenue  by\tquarter"
    slide.shapes.add_chart(XL_CHART_TYPE.PIE, Inches(5), Inches(2), Inches(4), Inches(3), data)
    xy = XyChartData()
    series = xy.add_series("Points")
    for x, y in ((1, 2), (3, 4)):
        series.add_data_point(x, y)
    slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, Inches(1), Inches(5), Inches(4), Inches(2), xy)
    big = CategoryChartData()
    big.categories = [str(i) for i in range(1100)]
    big.add_series("a", range(1100))
    big.add_series("b", range(1100))
    slide.shapes.add_chart(XL_CHART_TYPE.LINE, Inches(5), Inches(5), Inches(4), Inches(2), big)
    prs.save(path)
    return path


_DIAGRAM_FRAME = """<p:graphicFrame xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"
    xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
    xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <p:nvGraphicFramePr><p:cNvPr id="20" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>
  <p:xfrm><a:off x="914400" y="1828800"/><a:ext cx="5486400" cy="3200400"/></p:xfrm>
  <a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">
    <dgm:relIds xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="{rid}"/>
  </a:graphicData></a:graphic>
</p:graphicFrame>"""


def _smartart_deck(path: Path) -> Path:
    import pptx
    from lxml import etree
    from pptx.opc.constants import CONTENT_TYPE as CT
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI

    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Process"
    data = (REPO_DIR / "tests/fixtures/pptx/diagram-data.xml").read_bytes()
    part = Part(PackURI("/ppt/diagrams/data1.xml"), CT.DML_DIAGRAM_DATA, slide.part.package, data)
    rid = slide.part.relate_to(part, RT.DIAGRAM_DATA)
    slide.shapes._spTree.append(etree.fromstring(_DIAGRAM_FRAME.format(rid=rid)))
    slide.shapes._spTree.append(etree.fromstring(_DIAGRAM_FRAME.format(rid="rId99")))  # a lost data part
    prs.save(path)
    return path


def _rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a package member by member; ``edit`` returns the new bytes, or None to drop the member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _member(name: str, data: bytes | None) -> Callable[[str, bytes], bytes | None]:
    return lambda member, old: data if member == name else old


def _replace(name: str, old: bytes, new: bytes) -> Callable[[str, bytes], bytes | None]:
    return lambda member, data: data.replace(old, new) if member == name else data


def _variants(folder: Path) -> list[Path]:
    """Decks that exercise each path of the partitioner; rebuilt identically on every run."""
    import docx

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rich = _rich_deck(folder / "rich.pptx")
    made = [rich, _chart_deck(folder / "charts.pptx"), _smartart_deck(folder / "smartart.pptx")]
    ct = "[Content_Types].xml"
    main = b"presentationml.presentation.main+xml"
    edits: dict[str, Callable[[str, bytes], bytes | None]] = {
        "show.ppsx": _replace(ct, main, b"presentationml.slideshow.main+xml"),
        "template.potx": _replace(ct, main, b"presentationml.template.main+xml"),
        "macros.pptm": _replace(
            ct,
            b"application/vnd.openxmlformats-officedocument." + main,
            b"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
        ),
        "empty-slide.pptx": _member(
            "ppt/slides/slide2.xml", b'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'
        ),
        "malformed-slide.pptx": _member("ppt/slides/slide2.xml", b"<p:sld"),
        "missing-slide.pptx": _member("ppt/slides/slide3.xml", None),
        "other-notes.pptx": _member("ppt/notesSlides/notesSlide1.xml", b"<other/>"),
        "malformed-notes.pptx": _member("ppt/notesSlides/notesSlide1.xml", b"<p:notes"),
        "missing-notes.pptx": _member("ppt/notesSlides/notesSlide2.xml", None),
        "missing-layout.pptx": _member("ppt/slideLayouts/slideLayout2.xml", None),
        "malformed-layout.pptx": _member("ppt/slideLayouts/slideLayout2.xml", b"<x"),
        "unused-layout-malformed.pptx": _member("ppt/slideLayouts/slideLayout11.xml", b"<x"),
        "missing-master.pptx": _member("ppt/slideMasters/slideMaster1.xml", None),
        "missing-image.pptx": _member("ppt/media/image1.png", None),
        "missing-theme.pptx": _member("ppt/theme/theme1.xml", None),
        "malformed-core.pptx": _member("docProps/core.xml", b"<x"),
        "malformed-presentation.pptx": _member("ppt/presentation.xml", b"<p:presentation"),
        "missing-presentation.pptx": _member("ppt/presentation.xml", None),
        "no-content-type.pptx": _replace(ct, b'Extension="png"', b'Extension="nopng"'),
        "strict.pptx": _replace(
            "_rels/.rels",
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
        ),
        "reordered.pptx": _reorder_slides,
        "macro-show.ppsm": _replace(
            ct,
            b"application/vnd.openxmlformats-officedocument." + main,
            b"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
        ),
        "macro-template.potm": _replace(
            ct,
            b"application/vnd.openxmlformats-officedocument." + main,
            b"application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
        ),
        "garbage-image.pptx": _member("ppt/media/image1.png", b"not an image at all"),
        "jpeg-named-png.pptx": _member("ppt/media/image1.png", _jpeg()),
        "alternate-content.pptx": _alternate_content,
    }
    for name, edit in edits.items():
        made.append(_rewrite(rich, folder / name, edit))
    made.append(_rewrite(made[1], folder / "missing-chart.pptx", _member("ppt/charts/chart2.xml", None)))
    made.append(_rewrite(made[1], folder / "malformed-chart.pptx", _member("ppt/charts/chart1.xml", b"<c:")))
    made.append(_rewrite(made[2], folder / "malformed-diagram.pptx", _member("ppt/diagrams/data1.xml", b"<x")))
    made.append(_corrupt_member(rich, folder / "corrupt-slide.pptx", "ppt/slides/slide4.xml"))
    word = folder / "word.pptx"
    docx.Document().save(word)
    made.append(word)
    (folder / "garbage.pptx").write_bytes(b"\x00\x01 not a presentation at all")
    with zipfile.ZipFile(folder / "no-presentation.pptx", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    made += [folder / "garbage.pptx", folder / "no-presentation.pptx"]
    for path in made:
        os.utime(path, (_FIXED_MTIME, _FIXED_MTIME))
    return made


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="JPEG")
    return buf.getvalue()


def _corrupt_member(src: Path, dst: Path, member: str) -> Path:
    """Flip bytes of one member's compressed data (its CRC no longer matches; it may not inflate)."""
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo(member)
    data = bytearray(src.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start, start + min(info.compress_size, 64)):
        data[i] ^= 0x5A
    dst.write_bytes(bytes(data))
    return dst


def _reorder_slides(member: str, data: bytes) -> bytes:
    """presentation.xml lists the slides last-first: slide order must follow it, not the rels."""
    if member != "ppt/presentation.xml":
        return data
    from lxml import etree

    root = etree.fromstring(data)
    ns = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
    lst = root.find(ns + "sldIdLst")
    ids = list(lst)
    for el in ids:
        lst.remove(el)
    lst.extend(reversed(ids))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _alternate_content(member: str, data: bytes) -> bytes:
    """A shape wrapped in mc:AlternateContent (as Office writes for newer shape kinds)."""
    if member != "ppt/slides/slide9.xml":
        return data
    mc = b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    head, sep, tail = data.partition(b"</p:spTree>")
    wrapped = (
        b"<mc:AlternateContent " + mc + b'><mc:Choice Requires="p14">'
        b'<p:sp><p:nvSpPr><p:cNvPr id="90" name="Alt"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr/>'
        b"<p:txBody><a:bodyPr/><a:p><a:r><a:t>Inside alternate content</a:t></a:r></a:p></p:txBody></p:sp>"
        b"</mc:Choice></mc:AlternateContent>"
    )
    return head + wrapped + sep + tail


# -- compare ----------------------------------------------------------------------------------------


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    if type(old) is not type(new):
        return [f"{where}: {old!r} -> {new!r}"]
    if isinstance(old, dict):
        out = []
        for key in dict.fromkeys([*old, *new]):
            if key not in new or key not in old:
                out.append(f"{where}.{key}: {old.get(key, '<absent>')!r} -> {new.get(key, '<absent>')!r}")
            else:
                out.extend(_differences(old[key], new[key], f"{where}.{key}"))
        return out
    if isinstance(old, list):
        out = [f"{where}: {len(old)} items -> {len(new)}"] if len(old) != len(new) else []
        for i, (a, b) in enumerate(zip(old, new, strict=False)):
            out.extend(_differences(a, b, f"{where}[{i}]"))
        return out
    return [] if old == new else [f"{where}: {old!r} -> {new!r}"]


def compare(before: Path, after: Path) -> int:
    """Print every difference between two snapshot folders; the number of differing files."""
    differing = 0
    for name in sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")}):
        old, new = before / name, after / name
        if not old.exists() or not new.exists():
            print(f"{name}: only in {'after' if new.exists() else 'before'}")
            differing += 1
            continue
        diffs = _differences(json.loads(old.read_text()), json.loads(new.read_text()))
        if diffs:
            differing += 1
            print(f"{name}: {len(diffs)} differences")
            for line in diffs[:40]:
                print("   ", line[:400])
    return differing


def _files(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(group, path) of every file to snapshot; the group keeps same-named files apart."""
    files = [("tests", p) for p in _found(REPO_DIR / "tests", _EXTENSIONS)]
    files += [("samples", p) for p in _found(REPO_DIR / "samples", _EXTENSIONS)]
    corpus_ext = _EXTENSIONS + ((".ppt", ".pps", ".pot") if args.legacy and shutil.which("soffice") else ())
    files += [("corpus", p) for p in _found(CORPUS_DIR, corpus_ext)]
    for folder in args.generated:
        files += [("generated", p) for p in _found(folder, _EXTENSIONS)]
    files += [("variants", p) for p in _variants(_VARIANTS_DIR)]
    return files


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.pptx_snapshot", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="a snapshot folder to diff the new one against")
    parser.add_argument("--legacy", action="store_true", help="also the corpus .ppt files (LibreOffice)")
    parser.add_argument("--generated", type=Path, action="append", help="folders of generated decks")
    args = parser.parse_args(argv)
    if args.generated is None:
        args.generated = sorted(Path("/tmp/prof/gen").glob("v*/pptx"))
    args.out.mkdir(parents=True, exist_ok=True)
    files = _files(args)
    for group, path in files:
        base = path.relative_to(CORPUS_DIR) if group == "corpus" else Path(path.name)
        target = args.out / f"{group}__{str(base).replace('/', '__')}.json"
        target.write_text(json.dumps(snapshot(path), indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    print(f"{len(files)} files written to {args.out}")
    if args.compare is None:
        return 0
    differing = compare(args.compare, args.out)
    print(f"{differing} files differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
