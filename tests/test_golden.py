"""Golden outputs per format: every input under tests/golden/inputs/<format>/ gives exactly its
checked-in JSON under tests/golden/expected/<format>/<name>.json.

The output is what the CLI writes for the file (``docbatch.partition(path)``, each element's
``to_dict()``; :func:`test_the_cli_writes_the_goldens` checks that the CLI agrees). Each input is
copied into a fresh folder with a fixed mtime before it is read, so everything derived from the
file's location and mtime (``last_modified``, ``data_source.version``/``date_modified``) is
checked too; the only normalisation is:

- ``data_source.date_processed`` (the wall clock at partitioning) becomes ``"<date_processed>"``;
- the temporary folder's path, wherever it appears (``data_source.url``/``record_locator``, an
  error message), becomes ``<dir>``.

Element ids hash the key (here the file name), index, page and text: they are kept. A document
that fails has ``{"error": "<exception type>: <reason>"}`` as its golden; one with lost parts
``{"elements": [...], "warnings": [...]}``.

After an intended change of output, rewrite the goldens and review the diff:

    PYTHONPATH=src python -m pytest tests/test_golden.py --regen-golden     # or DOCBATCH_REGEN_GOLDEN=1

New input: put it under inputs/<format>/ (generated ones: add to tests/golden/make_inputs.py and
run it), then regenerate. Inputs whose stack is absent (Tesseract for OCR, LibreOffice for .doc
and .ppt) skip with the reason, as the other tests of those features do.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import docbatch
from support import cli_env, load_outputs, run_cli

GOLDEN = Path(__file__).resolve().parent / "golden"
INPUTS = GOLDEN / "inputs"
EXPECTED = GOLDEN / "expected"
#: Every input is read with this mtime (2023-11-14T22:13:20Z), so mtime-derived metadata is fixed.
MTIME_NS = 1_700_000_000 * 10**9

#: Formats docbatch partitions that have no golden input, each with the reason.
#: (Add a format here only with a reason a reviewer accepts, e.g. "no way to make a small file".)
_NO_FILE = "no file of it can be made here: only its own program writes it, and LibreOffice only imports it"
EXCLUDED: dict[str, str] = {
    **dict.fromkeys(("wps", "wdb", "sdw", "sdc", "sdd", "sda", "qpw", "quattro", "hwp", "cwk", "mcw"), _NO_FILE),
    "vsd": _NO_FILE + " (Visio's binary drawing)",
    "pub": _NO_FILE + " (Publisher's binary layout)",
    "sti": "the minimal package tests/_office_files.py writes is not opened by LibreOffice as an Impress template",
    "std": "the minimal package tests/_office_files.py writes is not opened by LibreOffice as a Draw template",
}

#: Formats whose elements are read back from element JSON, so they keep the original's filetype.
_READ_BACK = {"json", "ndjson"}


def partitioned_formats() -> dict[str, str]:
    """{format name: MIME type} of every declared format docbatch partitions (not only names).

    The one place that reads the format table: update this import when the table moves.
    """
    from docbatch.partitioners.formats import FORMATS

    return {t.name: t.mime for t in FORMATS if t.partitioner}


# -- what each input needs ------------------------------------------------------------------------

#: Where Tesseract's language data usually is (besides /usr/share/tesseract-ocr/<version>/tessdata).
_TESSDATA = [Path("/usr/share/tessdata"), Path("/usr/local/share/tessdata"), Path("/opt/homebrew/share/tessdata")]


def _ocr_missing() -> str | None:
    """Why OCR cannot run here (tesserocr, or Tesseract's English data, absent), or None."""
    if importlib.util.find_spec("tesserocr") is None:
        return "OCR needs tesserocr: pip install 'docbatch[ocr]'"
    prefix = os.environ.get("TESSDATA_PREFIX")
    folders = [Path(prefix)] if prefix else [*Path("/usr/share/tesseract-ocr").glob("*/tessdata"), *_TESSDATA]
    if not any((folder / "eng.traineddata").is_file() for folder in folders):
        return "OCR engine absent: apt-get install tesseract-ocr tesseract-ocr-eng"
    return None


def _soffice_missing() -> str | None:
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return None
    return "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui libreoffice-impress-nogui"


def _heif_missing() -> str | None:
    if importlib.util.find_spec("pillow_heif") is None:
        return "HEIC needs pillow-heif: pip install 'docbatch[ocr]'"
    return _ocr_missing()


_IMAGES = ("png", "jpg", "tiff", "gif", "bmp", "webp")
#: input (its format folder, or its path under inputs/) -> the check that says what is missing
NEEDS = {
    **dict.fromkeys(_IMAGES, _ocr_missing),
    "heic": _heif_missing,
    "pdf/scanned.pdf": _ocr_missing,  # no text layer: read by OCR
    "doc": _soffice_missing,
    "ppt": _soffice_missing,
    **dict.fromkeys(
        ("wpd", "wri", "abw", "lotus", "wks", "sxw", "stw", "sxg", "sxc", "stc", "sxi", "sxd"), _soffice_missing
    ),
    **dict.fromkeys(("odg", "otg"), _soffice_missing),
}


def _missing(name: str) -> str | None:
    check = NEEDS.get(name) or NEEDS.get(name.split("/")[0])
    return check() if check else None


def _inputs() -> list[str]:
    return sorted(p.relative_to(INPUTS).as_posix() for p in INPUTS.rglob("*") if p.is_file())


# -- producing and comparing ----------------------------------------------------------------------


def _normalised(data: Any, folder: Path) -> Any:
    """``data`` with the temporary folder's path as ``<dir>`` and date_processed blanked."""
    text = json.dumps(data, ensure_ascii=False)
    for form in (str(folder), quote(str(folder))):
        text = text.replace(json.dumps(form)[1:-1], "<dir>")
    out = json.loads(text)
    elements = out if isinstance(out, list) else out.get("elements", [])
    for el in elements:
        source = el.get("metadata", {}).get("data_source")
        if isinstance(source, dict) and "date_processed" in source:
            source["date_processed"] = "<date_processed>"
    return out


def _staged(name: str, folder: Path) -> Path:
    """A copy of input ``name`` in ``folder``, with the fixed mtime."""
    path = folder / Path(name).name
    shutil.copyfile(INPUTS / name, path)
    os.utime(path, ns=(MTIME_NS, MTIME_NS))
    return path


def produce(name: str, folder: Path) -> Any:
    """The normalised output for input ``name`` (see the module's docstring), read from ``folder``."""
    path = _staged(name, folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            data: Any = [el.to_dict() for el in docbatch.partition(path)]
        except docbatch.DocumentError as e:
            data = {"error": f"{type(e).__name__}: {e}"}
    lost = [str(w.message) for w in caught if issubclass(w.category, docbatch.PartialDocumentWarning)]
    if lost:
        data = {"elements": data, "warnings": lost}
    return _normalised(data, folder)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _regen(config: pytest.Config) -> bool:
    return config.getoption("--regen-golden") or os.environ.get("DOCBATCH_REGEN_GOLDEN", "") not in ("", "0")


def _difference(name: str, produced: Any, expected_path: Path, what: str = "output") -> str | None:
    """None when ``produced`` is the golden at ``expected_path``; else what differs, as a unified diff."""
    if not expected_path.is_file():
        return f"{name}: no golden {expected_path.relative_to(GOLDEN)}; write it with --regen-golden"
    expected = expected_path.read_text(encoding="utf-8")
    actual = _dumps(produced)
    if actual == expected:
        return None
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"golden/{expected_path.relative_to(GOLDEN)}",
            f"{what} now",
            n=3,
        )
    )
    return f"{name}: the {what} differs from its golden (--regen-golden if intended):\n{diff}"


@pytest.mark.parametrize("name", _inputs())
def test_golden(name, tmp_path, request):
    reason = _missing(name)
    if reason:
        pytest.skip(reason)
    produced = produce(name, tmp_path)
    expected_path = EXPECTED / f"{name}.json"
    if _regen(request.config):
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(_dumps(produced), encoding="utf-8")
        return
    difference = _difference(name, produced, expected_path)
    if difference:
        pytest.fail(difference, pytrace=False)


def test_the_cli_writes_the_goldens(tmp_path):
    """One ``docbatch local`` run over every input (flat, same names and mtime) writes the goldens."""
    names = [n for n in _inputs() if not _missing(n)]
    base_names = [Path(n).name for n in names]
    assert len(set(base_names)) == len(base_names), "inputs need distinct file names to share one folder"
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for name in names:
        _staged(name, src)
    result = run_cli(["local", str(src), "--structured-output-dir", str(out)], cwd=tmp_path, env=cli_env(), timeout=600)
    written = load_outputs(out)
    differences, outputs = [], set()
    for name in names:
        expected_path = EXPECTED / f"{name}.json"
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        if isinstance(expected, dict) and "error" in expected:  # failed: no output, the reason in the log
            reason = expected["error"].split(": ", 1)[1].replace("<dir>", str(src))
            if f"{Path(name).name}: {reason}" not in result.stderr:
                differences.append(f"{name}: the CLI did not report its failure as {reason!r}")
            continue
        key = f"{Path(name).name}.json"
        outputs.add(key)
        if key not in written:
            differences.append(f"{name}: the CLI wrote no output")
            continue
        produced = _normalised(written[key], src)
        if isinstance(expected, dict):  # lost parts: the CLI writes the elements and logs what was lost
            produced = {**expected, "elements": produced}
            for warning in expected["warnings"]:
                lost = warning.removeprefix("parts lost: ")
                if f"partial {Path(name).name}: {lost}" not in result.stderr:
                    differences.append(f"{name}: the CLI did not report it partial with {lost!r}")
        differences.append(_difference(name, produced, expected_path, "CLI output"))
    if extra := written.keys() - outputs:
        differences.append(f"the CLI wrote outputs no golden expects: {sorted(extra)}")
    if any(differences):
        pytest.fail("\n".join(filter(None, differences)) + f"\n\nCLI stderr:\n{result.stderr[-2000:]}", False)


def test_every_partitioned_format_has_a_golden():
    """A new format cannot be added without a golden input (or an explicit, reasoned exclusion)."""
    formats = partitioned_formats()
    folders = {p.name for p in INPUTS.iterdir() if p.is_dir()}
    assert not folders - formats.keys(), f"input folders that name no partitioned format: {folders - formats.keys()}"
    assert not EXCLUDED.keys() - formats.keys(), "EXCLUDED names a format that is not declared"
    missing = formats.keys() - folders - EXCLUDED.keys()
    assert not missing, f"formats without a golden input under tests/golden/inputs/<format>/: {sorted(missing)}"


def test_every_input_has_its_golden_and_its_format():
    """Every input has a golden, no golden is stale, and each output's filetype is its folder's format."""
    formats = partitioned_formats()
    names = _inputs()
    goldens = sorted(p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*.json"))
    assert goldens == sorted(f"{n}.json" for n in names), "goldens without an input, or inputs without a golden"
    for name in names:
        folder = name.split("/")[0]
        data = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
        elements = data if isinstance(data, list) else data.get("elements", [])
        if folder in _READ_BACK:
            continue
        # a member of an archive (an attachment) carries its own type, as unstructured's attachments do
        types = {el["metadata"].get("filetype") for el in elements if "attached_to_filename" not in el["metadata"]}
        assert types <= {formats[folder]}, f"{name}: filetype {types}, but its folder says {formats[folder]}"
