"""Pictures written as files beside the outputs (``--extract-image-block-types`` without
``--extract-image-block-to-payload``), through whole runs into a local folder and S3 (moto).

The documents are DOCX files made here with known pictures; each element's ``image_path`` must
name a file in the output holding that picture's bytes, and a document's pictures must come and
go with its output.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from PIL import Image

from docbatch.chunking.base import ChunkingOptions, decode_orig_elements
from docbatch.destinations.local import LocalJSONDestination
from docbatch.destinations.s3 import S3Destination
from docbatch.errors import ConfigError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.pipeline import RunOptions, run
from docbatch.sources.local import LocalSource
from support import S3Server, cli_env, run_cli

FILES = PartitionOptions(extract_image_block_types=("Image",))


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, format="PNG")
    return buf.getvalue()


RED, BLUE = _png((200, 20, 20)), _png((20, 20, 200))


def _docx(path: Path, *pictures: bytes) -> Path:
    import docx
    from docx.shared import Inches

    d = docx.Document()
    d.add_paragraph("The pictures of the season.")
    for picture in pictures:
        d.add_picture(io.BytesIO(picture), width=Inches(1))
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


def _run(src: Path, destination, **kw):
    options = RunOptions(download_dir=src.parent / "dl", num_processes=1, partition=FILES, **kw)
    return run(LocalSource(src), destination, options)


def _images(elements: list[dict]) -> list[dict]:
    return [e for e in elements if e["type"] == "Image"]


def _picture_files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.images/*")}


def test_each_picture_is_a_file_where_its_image_path_says(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    _docx(src / "a/d.docx", RED, BLUE)
    summary = _run(src, LocalJSONDestination(out))
    assert summary.ok == 1
    images = _images(json.loads((out / "a/d.docx.json").read_text()))
    assert [Path(e["metadata"]["image_path"]).read_bytes() for e in images] == [RED, BLUE]
    assert all(e["metadata"]["image_mime_type"] == "image/png" for e in images)
    assert not any("image_base64" in e["metadata"] for e in images)
    assert {Path(e["metadata"]["image_path"]).parent for e in images} == {out / "a/d.docx.images"}
    assert len(_picture_files(out)) == 2


def test_chunks_orig_elements_carry_the_image_path(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    _docx(src / "d.docx", RED)
    _run(src, LocalJSONDestination(out), chunking=ChunkingOptions(strategy="basic"))
    chunks = json.loads((out / "d.docx.json").read_text())
    originals = [o for c in chunks for o in decode_orig_elements(c["metadata"]["orig_elements"])]
    (image,) = [o for o in originals if o.type == "Image"]
    assert Path(image.metadata["image_path"]).read_bytes() == RED


def test_a_changed_document_with_fewer_pictures_leaves_none_stale_and_orphans_take_theirs(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    _docx(src / "d.docx", RED, BLUE)
    _docx(src / "gone.docx", BLUE)
    _run(src, LocalJSONDestination(out))
    assert len(_picture_files(out)) == 3
    _docx(src / "d.docx", BLUE)  # changed: one picture, another one
    (src / "gone.docx").unlink()
    summary = _run(src, LocalJSONDestination(out), delete_orphans=True)
    assert (summary.ok, summary.deleted) == (1, 1)
    (image,) = _images(json.loads((out / "d.docx.json").read_text()))
    assert Path(image["metadata"]["image_path"]).read_bytes() == BLUE
    assert _picture_files(out) == {Path(image["metadata"]["image_path"]).relative_to(out).as_posix()}
    assert not (out / "gone.docx.images").exists()


def test_a_document_that_fails_for_good_drops_its_pictures(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    _docx(src / "d.docx", RED)
    _run(src, LocalJSONDestination(out))
    (src / "d.docx").write_bytes(b"PK\x03\x04 no longer a package")
    summary = _run(src, LocalJSONDestination(out))
    assert summary.failed == 1
    assert not (out / "d.docx.json").exists() and _picture_files(out) == set()


def test_pictures_go_to_s3_beside_the_output(tmp_path, s3_server: S3Server, monkeypatch):
    bucket = f"out-{uuid.uuid4().hex[:8]}"
    s3_server.client.create_bucket(Bucket=bucket)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    src = tmp_path / "src"
    _docx(src / "d.docx", RED, BLUE)
    destination = S3Destination(f"s3://{bucket}/out/", endpoint_url=s3_server.url)
    assert _run(src, destination).ok == 1
    body = s3_server.client.get_object(Bucket=bucket, Key="out/d.docx.json")["Body"].read()
    paths = [e["metadata"]["image_path"] for e in _images(json.loads(body))]
    assert all(p.startswith(f"s3://{bucket}/out/d.docx.images/figure-1-") for p in paths)
    got = [s3_server.client.get_object(Bucket=bucket, Key=p.split("/", 3)[3])["Body"].read() for p in paths]
    assert got == [RED, BLUE]
    _docx(src / "d.docx", RED)
    assert _run(src, destination).ok == 1
    listed = s3_server.client.list_objects_v2(Bucket=bucket, Prefix="out/d.docx.images/").get("Contents", [])
    assert [o["Key"] for o in listed] == [paths[0].split("/", 3)[3]]


def test_a_database_output_refuses_picture_files_in_one_sentence(tmp_path):
    from docbatch.destinations.registry import open_destination

    src = tmp_path / "src"
    _docx(src / "d.docx", RED)
    pytest.importorskip("lancedb")
    with pytest.raises(ConfigError, match="extract-image-block-to-payload"):
        _run(src, open_destination(f"lancedb://{tmp_path}/db?table=t"))


def test_the_cli_writes_picture_files_without_the_payload_flag(tmp_path):
    src = tmp_path / "src"
    _docx(src / "d.docx", RED)
    result = run_cli(
        ["local", str(src), "--structured-output-dir", str(tmp_path / "out"), "--extract-image-block-types", "Image"],
        cwd=tmp_path,
        env=cli_env(),
    )
    assert result.returncode == 0, result.stderr
    (image,) = _images(json.loads((tmp_path / "out/d.docx.json").read_text()))
    assert Path(image["metadata"]["image_path"]).read_bytes() == RED


def test_pictures_of_a_document_inside_an_archive_go_beside_the_archives_output(tmp_path):
    import zipfile

    src, out = tmp_path / "src", tmp_path / "out"
    inner = _docx(tmp_path / "inner.docx", RED)
    src.mkdir()
    with zipfile.ZipFile(src / "a.zip", "w") as zf:
        zf.write(inner, "folder/inner.docx")
    assert _run(src, LocalJSONDestination(out)).ok == 1
    (image,) = _images(json.loads((out / "a.zip.json").read_text()))
    assert Path(image["metadata"]["image_path"]).read_bytes() == RED
    assert _picture_files(out) == {Path(image["metadata"]["image_path"]).relative_to(out).as_posix()}
