"""One contract every destination keeps, run against each backend on a real store: a local
folder, fsspec's memory filesystem, S3 (moto's server), PostgreSQL (a real server) and LanceDB
(a database folder on disk)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docbatch.destinations.base import Destination
from docbatch.destinations.registry import open_destination
from docbatch.errors import ConfigError
from docbatch.model import DocumentMeta, Picture
from support import cli_env, run_cli

DOC = DocumentMeta(uri="s3://src/docs/a/b.txt", key="a/b.txt", size=5, version="v1")
S1, S2 = "a1" * 10, "b2" * 10  # stamps as docbatch.model.stamp makes them
ELEMENTS = [
    {"type": "Title", "element_id": "e1", "text": "Hello", "metadata": {"filename": "b.txt"}},
    {"type": "NarrativeText", "element_id": "e2", "text": "World", "metadata": {"parent_id": "e1"}},
]


@pytest.fixture(params=["local", "memory", "s3", "postgresql", "lancedb"])
def destination(request, tmp_path, monkeypatch) -> Iterator[Destination]:
    name = uuid.uuid4().hex[:8]
    if request.param == "local":
        target = str(tmp_path / "out")
    elif request.param == "memory":
        target = f"memory://outputs-{name}/prefix"
    elif request.param == "s3":
        server = request.getfixturevalue("s3_server")
        server.client.create_bucket(Bucket=f"out-{name}")
        for key, value in {
            "AWS_ACCESS_KEY_ID": "k",
            "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        target = f"s3://out-{name}/prefix/"
    elif request.param == "lancedb":
        pytest.importorskip("lancedb", reason="lancedb is not installed: pip install '.[lancedb]'")
        target = f"lancedb://{tmp_path}/db?table=t_{name}"
    else:
        target = request.getfixturevalue("pg_server").url + f"?table=t_{name}"
    destination = open_destination(target)
    destination.check()
    yield destination


def test_a_new_destination_holds_nothing(destination):
    assert destination.state() == {}
    assert destination.recorded_source() is None


def test_a_written_output_is_listed_with_its_stamp(destination):
    destination.write(DOC, ELEMENTS, S1)
    state = destination.state()
    name = destination.name_for(DOC)
    assert list(state) == [name]
    assert state[name].output and state[name].done == {S1} and not state[name].failed
    assert destination.is_whole(name)


def test_forget_then_rewrite_leaves_only_the_new_stamp(destination):
    destination.write(DOC, ELEMENTS, S1)
    name = destination.name_for(DOC)
    destination.forget(name, destination.state()[name])
    destination.write(DOC, ELEMENTS[:1], S2)
    assert destination.state()[name].done == {S2}


def test_a_permanent_failure_replaces_the_output(destination):
    destination.write(DOC, ELEMENTS, S1)
    name = destination.name_for(DOC)
    destination.forget(name, destination.state()[name])
    destination.mark_failed(DOC, S2, "damaged file")
    entry = destination.state()[name]
    assert not entry.output and entry.failed == {S2} and not entry.done


def test_remove_deletes_output_and_stamps(destination):
    destination.write(DOC, ELEMENTS, S1)
    name = destination.name_for(DOC)
    destination.remove(name, destination.state()[name])
    assert destination.state() == {}


def test_the_source_is_remembered_and_the_record_kept(destination, tmp_path):
    destination.remember_source("s3 s3://src/docs")
    assert destination.recorded_source() == "s3 s3://src/docs"
    record = tmp_path / "record.sqlite"
    record.write_bytes(b"SQLite format 3\x00")
    destination.keep_record("run1", record)  # the record of a remote output is copied into it
    assert destination.state() == {}  # neither is taken for an output


def test_hostile_keys_stay_inside_file_trees_and_never_share_a_name(destination):
    keys = ["../../etc/passwd", "/abs/x", "c//d.txt", "c/./d.txt", "c/d.txt", "c\\d.txt"]
    names = [destination.name_for(DocumentMeta(uri="x", key=k)) for k in keys]
    assert len(set(names)) == len(keys)  # every key its own output
    if destination.name in ("postgresql", "lancedb"):
        assert names == keys  # a row's key is data, never a path
        return
    for name in names:
        assert not name.startswith("/") and ".." not in name.split("/")


def test_an_unknown_scheme_names_what_to_install():
    with pytest.raises(ConfigError, match="nosuchproto"):
        open_destination("nosuchproto://bucket/prefix").check()


def test_a_file_url_is_a_local_folder(tmp_path):
    destination = open_destination(f"file://{tmp_path}/out")
    assert destination.state_dir() == Path(f"{tmp_path}/out")


def test_a_temporary_file_left_by_a_killed_write_is_no_marker(tmp_path):
    destination = open_destination(str(tmp_path / "out"))
    destination.write(DOC, ELEMENTS, S1)
    (tmp_path / f"out/.docbatch/done/a/.b.txt.json.{S2}.tmp").write_bytes(b"")
    (tmp_path / "out/a/.b.txt.json.tmp").write_bytes(b"[")
    state = destination.state()
    assert list(state) == ["a/b.txt.json"] and state["a/b.txt.json"].done == {S1}


def test_a_store_without_implicit_folders_gets_its_parent_folders_made(tmp_path):
    """FTP, SFTP and fsspec's local:// make no folder on a write (S3-like stores have none): the
    parents of outputs, markers and the kept record are made first."""
    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "top.txt").write_text("Top\n\nAt the top.")
    (src / "sub" / "deeper" / "low.txt").write_text("Low\n\nDeep down.")
    out = tmp_path / "out"
    args = ["local", str(src), "--structured-output-dir", f"local://{out}"]
    result = run_cli(args, cwd=tmp_path, env=cli_env(XDG_CACHE_HOME=str(tmp_path / "cache")))
    assert result.returncode == 0, result.stderr
    assert (out / "sub" / "deeper" / "low.txt.json").is_file() and (out / "top.txt.json").is_file()
    assert any((out / ".docbatch" / "records").glob("*.sqlite"))
    again = run_cli(args, cwd=tmp_path, env=cli_env(XDG_CACHE_HOME=str(tmp_path / "cache")))
    assert again.returncode == 0 and "2 skipped" in again.stderr


# Pictures written as files beside the output (--extract-image-block-types without the payload flag).
PICTURES = [
    Picture("figure-1-1-" + "0" * 12 + ".png", b"\x89PNG first", "image/png"),
    Picture("table-2-1-" + "1" * 12 + ".png", b"\x89PNG second", "image/png"),
]


def _pictures(destination: Destination) -> set[str]:
    entry = destination.state().get(destination.name_for(DOC))
    return {rel.rpartition("/")[2] for rel in entry.pictures} if entry else set()


def _file_trees_only(destination: Destination) -> None:
    if not destination.writes_pictures:
        with pytest.raises(ConfigError, match="image_base64"):  # the run refuses the mode in one sentence
            destination.picture_location(DOC, PICTURES[0].name)
        pytest.skip("a database output takes pictures in the elements only")


def test_pictures_are_written_beside_the_output_where_image_path_says(destination):
    _file_trees_only(destination)
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    name = destination.name_for(DOC)
    entry = destination.state()[name]
    assert list(destination.state()) == [name]  # the pictures belong to the output, they are no outputs
    assert entry.output and entry.done == {S1}
    assert entry.pictures == {f"a/b.txt.images/{p.name}" for p in PICTURES}
    for picture in PICTURES:
        rel = f"a/b.txt.images/{picture.name}"
        assert destination._read(rel) == picture.data
        assert destination.picture_location(DOC, picture.name) == destination._where(rel)


def test_a_rewrite_with_fewer_pictures_leaves_none_stale(destination):
    _file_trees_only(destination)
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    name = destination.name_for(DOC)
    destination.forget(name, destination.state()[name])
    destination.write(DOC, ELEMENTS[:1], S2, PICTURES[:1])
    assert _pictures(destination) == {PICTURES[0].name}
    destination.write(DOC, ELEMENTS[:1], S2, [])
    assert _pictures(destination) == set()
    assert destination.state()[name].done == {S2}


def test_a_run_without_picture_files_leaves_the_pictures_alone(destination):
    _file_trees_only(destination)
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    destination.write(DOC, ELEMENTS, S1)
    assert _pictures(destination) == {p.name for p in PICTURES}


def test_pictures_go_before_the_output_and_stale_ones_before_the_marker(destination, monkeypatch):
    """So a kill at any moment leaves no output pointing at a missing picture, and no marker
    vouching for an output with stale pictures beside it."""
    _file_trees_only(destination)
    destination.write(DOC, ELEMENTS, S1, PICTURES[1:])
    steps: list[str] = []
    put, delete = destination._put, destination._delete
    monkeypatch.setattr(destination, "_put", lambda rel, data: (steps.append(f"put {rel}"), put(rel, data))[1])
    monkeypatch.setattr(destination, "_delete", lambda rel: (steps.append(f"delete {rel}"), delete(rel))[1])
    destination.write(DOC, ELEMENTS, S2, PICTURES[:1])
    assert steps == [
        f"put a/b.txt.images/{PICTURES[0].name}",
        "put a/b.txt.json",
        f"delete a/b.txt.images/{PICTURES[1].name}",
        f"put .docbatch/done/a/b.txt.json.{S2}",
    ]


def test_a_permanent_failure_and_a_removal_drop_the_pictures(destination):
    _file_trees_only(destination)
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    name = destination.name_for(DOC)
    destination.forget(name, destination.state()[name])
    destination.mark_failed(DOC, S2, "damaged file")
    assert _pictures(destination) == set()
    destination.forget(name, destination.state()[name])
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    destination.remove(name, destination.state()[name])
    assert destination.state() == {}


def test_pictures_a_killed_removal_left_are_removed_by_the_next(destination):
    _file_trees_only(destination)
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    name = destination.name_for(DOC)
    destination.forget(name, destination.state()[name])
    destination._delete(name)  # killed here: the pictures are left without their output
    entry = destination.state()[name]
    assert entry.ours and not entry.output
    destination.remove(name, entry)
    assert destination.state() == {}


def test_only_files_named_as_pictures_are_ever_removed(destination):
    """A document whose key lies in a pictures folder has its output there; it is no picture."""
    _file_trees_only(destination)
    inside = DocumentMeta(uri="s3://src/docs/a/b.txt.images/c.png", key="a/b.txt.images/c.png", version="v1")
    destination.write(inside, ELEMENTS, S1)
    destination.write(DOC, ELEMENTS, S1, PICTURES)
    destination.write(DOC, ELEMENTS, S1, [])
    destination.mark_failed(DOC, S2, "damaged file")
    state = destination.state()
    assert state[destination.name_for(inside)].output and _pictures(destination) == set()
