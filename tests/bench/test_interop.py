"""docbatch's output is unstructured's format: unstructured's own loader reads every file of it.

Runs the real CLI over the shared corpus, then loads each output JSON with
``unstructured.staging.base.elements_from_json`` and checks that types, ids and metadata keys
survive as unstructured knows them. Skipped without unstructured (the bench extra) or the corpus.
"""

from __future__ import annotations

import json
import os

import pytest

from support import CORPUS, cli_env, run_cli

pytestmark = [
    pytest.mark.bench,
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present"),
]

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("SCARF_NO_ANALYTICS", "true")
staging = pytest.importorskip("unstructured.staging.base", reason="unstructured (bench extra) not installed")

#: Metadata keys docbatch adds on purpose although unstructured has no field for them (documented
#: where they are written); unstructured must still keep them as ad-hoc metadata when loading.
EXTENSION_KEYS = {
    "attachment_filenames",  # email: names of the attachments (partitioners/mail/mail.py)
    "slide_notes",  # pptx: the element is a slide's speaker notes (partitioners/ooxml/pptx.py)
    "note_type",  # docx: "footnote" or "endnote" on the notes emitted after the body (partitioners/ooxml/docx.py)
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[dict]]:
    work = tmp_path_factory.mktemp("interop")
    out = work / "out"
    env = cli_env(DO_NOT_TRACK="1", SCARF_NO_ANALYTICS="true")
    result = run_cli(
        ["local", str(CORPUS), "--structured-output-dir", str(out), "--timeout", "120"], cwd=work, env=env, timeout=900
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    found = {}
    for path in sorted(out.rglob("*.json")):
        found[str(path)] = json.loads(path.read_text(encoding="utf-8"))
    assert found, "docbatch produced no output for the corpus"
    return found


def test_every_output_loads_with_unstructured(outputs: dict[str, list[dict]]) -> None:
    problems = []
    for path, items in outputs.items():
        try:
            elements = staging.elements_from_json(filename=path)
        except Exception as e:  # report every file that does not load, not only the first
            problems.append(f"{path}: {type(e).__name__}: {e}")
            continue
        if len(elements) != len(items):
            problems.append(f"{path}: {len(items)} elements in JSON, {len(elements)} loaded")
            continue
        for el, item in zip(elements, items, strict=True):
            if el.category != item["type"] or el.id != item["element_id"] or (el.text or "") != item["text"]:
                problems.append(f"{path}: {item['type']} {item['element_id']} changed when loaded")
                break
    assert not problems, "\n".join(problems[:20])


def test_types_and_metadata_keys_are_unstructureds(outputs: dict[str, list[dict]]) -> None:
    from unstructured.documents.elements import TYPE_TO_TEXT_ELEMENT_MAP, ElementMetadata

    known_types = set(TYPE_TO_TEXT_ELEMENT_MAP) | {"Image", "PageBreak", "Table", "Formula", "CodeSnippet"}
    known_keys = set(ElementMetadata.__annotations__)
    bad_types, bad_keys, lost = set(), set(), set()
    for path, items in outputs.items():
        extensions = {k for item in items for k in item.get("metadata", {}) if k in EXTENSION_KEYS}
        if extensions:  # ad-hoc keys must survive unstructured's loader
            loaded = staging.elements_from_json(filename=path)
            for el, item in zip(loaded, items, strict=True):
                kept = el.metadata.to_dict()
                lost |= {k for k in extensions if k in item["metadata"] and kept.get(k) != item["metadata"][k]}
        for item in items:
            if item["type"] not in known_types:
                bad_types.add(item["type"])
            bad_keys |= set(item.get("metadata", {})) - known_keys - EXTENSION_KEYS
    assert not bad_types, f"types unstructured does not know: {sorted(bad_types)}"
    assert not bad_keys, f"metadata keys unstructured does not know: {sorted(bad_keys)}"
    assert not lost, f"extension keys unstructured drops when loading: {sorted(lost)}"
