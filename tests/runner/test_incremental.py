"""Reruns follow the source: changed documents are redone, unchanged ones skipped, deleted ones
reported, permanent failures remembered, and another source refused (local folder -> local JSON)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from docbatch.destinations.local import LocalJSONDestination
from docbatch.errors import ConfigError
from docbatch.model import DocumentMeta
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.pipeline import FAILED_BEFORE, UNCHANGED, RunOptions, RunSummary, run
from docbatch.sources.local import LocalSource
from support import cli_env, kill_mid_run, load_outputs, run_cli, touch_later, write_files


def _run(src: Path, out: Path, source: LocalSource | None = None, **kw) -> RunSummary:
    options = RunOptions(download_dir=out.parent / "dl", num_processes=1, **kw)
    return run(source or LocalSource(src), LocalJSONDestination(out), options)


def _statuses(out: Path, run_id: str) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        rows = db.execute("SELECT key, status, reason FROM documents WHERE run_id = ?", (run_id,)).fetchall()
    return {key: (status, reason) for key, status, reason in rows}


def _text(out: Path, name: str) -> str:
    return " ".join(e["text"] for e in load_outputs(out)[name])


def test_changed_documents_are_redone_unchanged_skipped_new_processed(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nOld text.", "b.txt": "Beta\n\nSame text."})
    out = tmp_path / "out"
    assert _run(src, out).ok == 2
    touch_later(src / "a.txt", "Alpha\n\nNew text.")
    write_files(src, {"c.txt": "Gamma\n\nNew document."})
    second = _run(src, out)
    assert _statuses(out, second.run_id) == {
        "a.txt": ("ok", ""),
        "b.txt": ("skipped", UNCHANGED),
        "c.txt": ("ok", ""),
    }
    assert "New text." in _text(out, "a.txt.json")
    # one stamp per output, the old one gone
    assert len(list((out / ".docbatch/done").glob("a.txt.json.*"))) == 1


def test_same_content_new_mtime_is_redone_and_reprocess_redoes_all(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    touch_later(src / "a.txt", "Alpha\n\nText.")
    assert _run(src, out).ok == 1  # a local file's version is its mtime_ns and size
    assert _run(src, out).skipped == 1
    assert _run(src, out, reprocess=True).ok == 1


def test_changed_processing_options_redo_every_document(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText.", "b.txt": "Beta\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    changed = _run(src, out, partition=PartitionOptions(detect_languages=False))
    assert changed.ok == 2
    assert _run(src, out, partition=PartitionOptions(detect_languages=False)).skipped == 2


def test_the_stamps_survive_a_lost_run_record(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    for path in (out / ".docbatch").glob("record.sqlite*"):
        path.unlink()
    assert _run(src, out).skipped == 1


def test_deleted_documents_are_reported_and_removed_only_when_asked(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText.", "sub/b.txt": "Beta\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    (src / "sub/b.txt").unlink()
    kept = _run(src, out)
    assert (kept.ok, kept.skipped, kept.deleted) == (0, 1, 1)
    status, reason = _statuses(out, kept.run_id)["sub/b.txt.json"]
    assert status == "deleted" and "--delete-orphans" in reason
    assert (out / "sub/b.txt.json").exists()
    removed = _run(src, out, delete_orphans=True)
    assert removed.deleted == 1
    assert sorted(load_outputs(out)) == ["a.txt.json"]
    assert not list((out / ".docbatch/done").rglob("b.txt.json.*"))
    assert _run(src, out, delete_orphans=True).deleted == 0
    with sqlite3.connect(out / ".docbatch/record.sqlite") as db:
        assert db.execute("SELECT deleted FROM runs WHERE run_id = ?", (removed.run_id,)).fetchone() == (1,)


class _CutShort(LocalSource):
    """A folder whose listing fails after its first document, as a network listing can."""

    def list(self) -> Iterator[DocumentMeta]:
        yield next(iter(super().list()))
        raise OSError("listing interrupted")


def test_a_listing_cut_short_never_deletes(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText.", "b.txt": "Beta\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    with pytest.raises(OSError):
        _run(src, out, source=_CutShort(src), delete_orphans=True)
    assert sorted(load_outputs(out)) == ["a.txt.json", "b.txt.json"]


def test_another_source_is_refused_before_any_work_unless_allowed(tmp_path):
    one = write_files(tmp_path / "one", {"a.txt": "Alpha\n\nText."})
    two = write_files(tmp_path / "two", {"b.txt": "Beta\n\nText."})
    out = tmp_path / "out"
    _run(one, out)
    with pytest.raises(ConfigError, match="--allow-other-source"):
        _run(two, out)
    assert sorted(load_outputs(out)) == ["a.txt.json"]
    mixed = _run(two, out, allow_other_source=True, delete_orphans=True)
    assert (mixed.ok, mixed.deleted) == (1, 0)  # the first source's outputs are not orphans of the second
    assert sorted(load_outputs(out)) == ["a.txt.json", "b.txt.json"]


def test_permanent_failures_are_retried_once_when_the_readers_change(tmp_path, monkeypatch):
    """An upgrade that reads more (READERS_VERSION raised) tries the documents remembered as
    failed or skipped for good once more, and leaves every written output alone."""
    from docbatch.runner import worker

    src = write_files(tmp_path / "src", {"empty.txt": "", "blob.bin": "\x00\x01\x02 binary", "a.txt": "Alpha\n\nText."})
    out = tmp_path / "out"
    first = _run(src, out)
    assert (first.ok, first.skipped, first.failed) == (1, 1, 1)
    assert _run(src, out).skip_reasons[FAILED_BEFORE] == 2
    monkeypatch.setattr(worker, "READERS_VERSION", worker.READERS_VERSION + "-next")
    upgraded = _run(src, out)
    assert (upgraded.ok, upgraded.skipped, upgraded.failed) == (0, 2, 1)  # blob.bin skipped as unsupported again
    assert upgraded.skip_reasons == {UNCHANGED: 1, "unsupported file type unknown": 1}
    after = _run(src, out)
    assert after.skip_reasons == {UNCHANGED: 1, FAILED_BEFORE: 2}


def test_permanent_failures_are_not_retried_until_changed_or_asked(tmp_path):
    src = write_files(tmp_path / "src", {"empty.txt": "", "blob.bin": "\x00\x01\x02 binary", "a.txt": "Alpha\n\nText."})
    out = tmp_path / "out"
    first = _run(src, out)
    assert (first.ok, first.skipped, first.failed) == (1, 1, 1)
    second = _run(src, out)
    assert (second.skipped, second.failed) == (3, 0)
    assert second.skip_reasons[FAILED_BEFORE] == 2
    assert _run(src, out, retry_failed=True).failed == 1
    touch_later(src / "empty.txt", "Now\n\nIt has text.")
    fixed = _run(src, out)
    assert _statuses(out, fixed.run_id)["empty.txt"] == ("ok", "")


def test_a_changed_document_that_now_fails_loses_its_old_output(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    touch_later(src / "a.txt", "")
    assert _run(src, out).failed == 1
    assert load_outputs(out) == {}  # no stale output left standing for a document that changed


def test_transient_failures_are_retried_on_the_next_run(tmp_path, misbehaving_txt):
    src = write_files(tmp_path / "src", {"crash.txt": "ABORT now"})
    out = tmp_path / "out"
    assert _run(src, out).failed == 1  # the worker died: nothing says the document is bad
    assert _run(src, out).failed == 1  # so it is tried again


def test_a_document_waiting_for_a_tool_is_tried_again_on_the_next_run(tmp_path, misbehaving_txt):
    """A scan without Tesseract, a .doc without LibreOffice: once the tool is installed, the next
    run must try again, not skip it as failed for good."""
    src = write_files(tmp_path / "src", {"scan.txt": "NEEDSTOOL here"})
    out = tmp_path / "out"
    assert _run(src, out).failed == 1
    again = _run(src, out)
    assert (again.failed, again.skipped) == (1, 0)
    assert "install it and rerun" in again.failures[0].reason


def test_kill_9_while_redoing_changed_documents_leaves_nothing_stale(tmp_path):
    src = tmp_path / "src"
    write_files(src, {f"d{i // 50}/doc{i:03d}.txt": f"Title {i} v1\n\n" + "Body text. " * 200 for i in range(150)})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "docbatch", "local", str(src), "--structured-output-dir", str(out)]
    assert subprocess.run(cmd, cwd=tmp_path, env=cli_env(), capture_output=True, timeout=300).returncode == 0
    old = {p.name for p in (out / ".docbatch/done").rglob("*")}
    for path in sorted(src.rglob("*.txt")):
        touch_later(path, path.read_text().replace(" v1\n", " v2\n"))

    def redone_20() -> bool:
        return len({p.name for p in (out / ".docbatch/done").rglob("*")} - old) >= 20

    kill_mid_run(cmd, redone_20, cwd=tmp_path, env=cli_env())
    rerun = subprocess.run(cmd, cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    outputs = load_outputs(out)
    assert len(outputs) == 150
    assert all(elements[0]["text"].endswith("v2") for elements in outputs.values())
    markers = [p.name for p in (out / ".docbatch/done").rglob("*") if p.is_file()]
    assert len(markers) == 150 and not set(markers) & old


# --- what --delete-orphans may delete: only docbatch's own outputs, of this source ---


def test_delete_orphans_never_touches_json_files_docbatch_did_not_write(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    out = write_files(tmp_path / "out", {"notes.json": '{"mine": true}', "other-run/x.pdf.json": "[]"})
    first = _run(src, out, delete_orphans=True)
    assert (first.ok, first.deleted) == (1, 0)
    second = _run(src, out, delete_orphans=True)
    assert (second.skipped, second.deleted) == (1, 0)
    assert (out / "notes.json").read_text() == '{"mine": true}'
    assert (out / "other-run/x.pdf.json").read_text() == "[]"


@pytest.mark.parametrize("where", ["same", "parent"])
def test_an_output_that_holds_the_source_is_refused_before_any_work(tmp_path, where):
    src = write_files(tmp_path / "data/docs", {"a.txt": "Alpha\n\nText.", "keep.json": '{"user": 1}'})
    out = src if where == "same" else src.parent
    with pytest.raises(ConfigError, match="contains the source"):
        _run(src, out, delete_orphans=True)
    assert sorted(p.name for p in src.iterdir() if p.name != ".docbatch") == ["a.txt", "keep.json"]
    assert (src / "keep.json").read_text() == '{"user": 1}'


def test_an_output_inside_a_local_source_is_left_out_of_its_listing(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    out = src / "out"
    assert _run(src, out).ok == 1
    assert (_run(src, out).skipped, sorted(load_outputs(out))) == (1, ["a.txt.json"])


def test_each_source_of_a_shared_output_removes_only_its_own_outputs(tmp_path):
    one = write_files(tmp_path / "one", {"a.txt": "Alpha\n\nText."})
    two = write_files(tmp_path / "two", {"b.txt": "Beta\n\nText.", "c.txt": "Gamma\n\nText."})
    out = tmp_path / "out"
    _run(one, out)
    _run(two, out, allow_other_source=True)
    again = _run(one, out, delete_orphans=True)  # the first source: b and c are not its orphans
    assert (again.skipped, again.deleted) == (1, 0)
    assert sorted(load_outputs(out)) == ["a.txt.json", "b.txt.json", "c.txt.json"]
    (two / "c.txt").unlink()
    (one / "a.txt").unlink()
    write_files(one, {"z.txt": "Zeta\n\nText."})
    second = _run(two, out, allow_other_source=True, delete_orphans=True)
    assert (second.skipped, second.deleted) == (1, 1)  # c only; a is the first source's
    assert sorted(load_outputs(out)) == ["a.txt.json", "b.txt.json"]
    first = _run(one, out, delete_orphans=True)
    assert (first.ok, first.deleted) == (1, 1)  # a only; b is the second source's
    assert sorted(load_outputs(out)) == ["b.txt.json", "z.txt.json"]


def test_an_empty_listing_deletes_nothing_and_stops_with_a_config_error(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText.", "b.txt": "Beta\n\nText."})
    out = tmp_path / "out"
    _run(src, out)
    for path in src.iterdir():
        path.unlink()  # an unmounted share lists as an empty folder
    with pytest.raises(ConfigError, match="lists no documents"):
        _run(src, out, delete_orphans=True)
    assert sorted(load_outputs(out)) == ["a.txt.json", "b.txt.json"]


def test_an_empty_listing_exits_2_with_or_without_delete_orphans(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText."})
    out = tmp_path / "out"
    args = ["local", str(src), "--structured-output-dir", str(out)]
    assert run_cli(args, cwd=tmp_path).returncode == 0
    (src / "a.txt").unlink()
    for extra in ([], ["--delete-orphans"]):
        result = run_cli([*args, *extra], cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "lists no documents" in result.stderr
    assert sorted(load_outputs(out)) == ["a.txt.json"]


class _Unversioned(LocalSource):
    """A source that gives no version (always redone), as some fsspec stores do."""

    def list(self) -> Iterator[DocumentMeta]:
        for doc in super().list():
            yield replace(doc, version=None)


def test_an_unversioned_output_is_still_docbatchs_own_and_removed_when_gone(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nText.", "b.txt": "Beta\n\nText."})
    out = tmp_path / "out"
    assert _run(src, out, source=_Unversioned(src)).ok == 2
    assert _run(src, out, source=_Unversioned(src)).ok == 2  # no version: nothing tells it is unchanged
    (src / "b.txt").unlink()
    removed = _run(src, out, source=_Unversioned(src), delete_orphans=True)
    assert (removed.ok, removed.deleted) == (1, 1)
    assert sorted(load_outputs(out)) == ["a.txt.json"]


@pytest.mark.parametrize("length", [229, 230, 240, 250])
def test_a_name_near_the_file_name_limit_is_done_once_and_then_skipped(tmp_path, length):
    """The output ``<name>.json`` fits in 255 bytes; its marker (``.<stamp>`` more) must too."""
    name = "n" * (length - 4) + ".txt"
    src = write_files(tmp_path / "src", {name: "Alpha\n\nText."})
    out = tmp_path / "out"
    first = _run(src, out)
    assert (first.ok, first.failed) == (1, 0), first.failures
    again = _run(src, out)
    assert (again.skipped, again.failed) == (1, 0), again.failures
    (src / name).unlink()
    write_files(src, {"other.txt": "Other\n\nText."})
    assert _run(src, out, delete_orphans=True).deleted == 1
    assert sorted(load_outputs(out)) == ["other.txt.json"]
