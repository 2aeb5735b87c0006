"""Embedding providers against real parts: the fake OpenAI-compatible server on a loopback port
and a tiny ONNX model built in code; the flags through the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from docbatch import Element, EmbeddingOptions, ShapingOptions, embed
from docbatch.errors import ConfigError, EmbeddingUnavailable
from docbatch.runner.worker import Job
from embedding_support import DIM, fake_vector
from support import cli_env, load_outputs, run_cli, write_files

pytest.importorskip("httpx", reason="httpx is not installed: pip install '.[embed]'")
KEY = "sk-test-0123456789abcdef"


def _elements(*texts: str) -> list[Element]:
    return [Element("NarrativeText", text) for text in texts]


def _openai(fake, **changes) -> EmbeddingOptions:
    return EmbeddingOptions(provider="openai", base_url=fake.url, api_key=KEY, **changes)


def test_openai_batches_and_waits_out_429_with_retry_after(fake_openai):
    fake_openai.throttle, fake_openai.retry_after = 2, "0.3"
    texts = ["one", "two", "three", "four", "five"]
    started = time.monotonic()
    done = embed(_elements(*texts, ""), _openai(fake_openai, batch_size=2, max_concurrency=1))
    assert time.monotonic() - started >= 0.6  # both 429s were waited out as the server asked
    assert [e.embeddings for e in done] == [fake_vector(t) for t in texts] + [None]  # no empty input sent
    assert sorted(len(r["input"]) for r in fake_openai.requests) == [1, 2, 2]
    assert fake_openai.calls == 5


def test_requests_in_flight_are_capped(fake_openai):
    fake_openai.delay = 0.1
    embed(_elements(*(f"text {i}" for i in range(8))), _openai(fake_openai, batch_size=1, max_concurrency=2))
    assert fake_openai.max_in_flight == 2
    fake_openai.reset()
    shared = _openai(fake_openai, batch_size=1, max_concurrency=4, processes=4)  # the run's cap, shared
    embed(_elements(*(f"text {i}" for i in range(4))), shared)
    assert fake_openai.max_in_flight == 1


def test_an_outage_is_one_line_without_the_key(fake_openai):
    fake_openai.down = True
    with pytest.raises(EmbeddingUnavailable) as caught:
        embed(_elements("one"), _openai(fake_openai, max_attempts=3))
    assert fake_openai.calls == 3 and "HTTP 503 after 3 attempts (overloaded)" in str(caught.value)
    assert "\n" not in str(caught.value)

    fake_openai.down, fake_openai.key = False, "the-right-key"
    fake_openai.reset()
    with pytest.raises(EmbeddingUnavailable) as caught:
        embed(_elements("one"), _openai(fake_openai))
    assert fake_openai.calls == 1  # a refused key is not retried
    assert "HTTP 401" in str(caught.value) and "--embedding-api-key" in str(caught.value)
    assert KEY not in str(caught.value)  # the server echoed it; the message does not


def test_the_local_model_embeds_without_a_download(local_model):
    done = embed(_elements("alpha beta", "gamma", "alpha beta"), provider="local", model_name=local_model)
    vectors = [e.embeddings for e in done]
    assert len(vectors[0]) == DIM and vectors[0] == vectors[2] and vectors[0] != vectors[1]
    assert abs(sum(x * x for x in vectors[0]) - 1) < 1e-5  # normalised


def test_options_are_checked_and_the_key_stays_out_of_sight(tmp_path):
    with pytest.raises(ConfigError, match=r"model\.onnx"):
        EmbeddingOptions(provider="local", model_name=str(tmp_path))
    with pytest.raises(ConfigError, match="unknown embedding provider"):
        EmbeddingOptions(provider="bedrock")
    options = EmbeddingOptions(provider="openai", api_key=KEY, base_url="https://user:pw@host:8080/v1?x=1")
    for text in (options.fingerprint(), options.describe(), repr(options)):
        assert KEY not in text and "pw" not in text
    assert options.fingerprint() == "embedding=openai;model=text-embedding-3-small;base_url=https://host:8080/v1"


def test_the_fingerprint_names_embedding_and_shaping_only_when_on(tmp_path):
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.sources.local import LocalSource

    job = Job(source=LocalSource(tmp_path), destination=LocalJSONDestination(tmp_path / "o"), download_dir=tmp_path)
    assert "embedding" not in job.fingerprint and "shaping" not in job.fingerprint
    on = Job(
        source=job.source,
        destination=job.destination,
        download_dir=tmp_path,
        embedding=EmbeddingOptions(provider="openai", api_key=KEY),
        shaping=ShapingOptions(flatten_metadata=True),
    )
    assert "embedding=openai" in on.fingerprint and "flatten_metadata=1" in on.fingerprint
    assert KEY not in on.fingerprint


def _cli(src: Path, out: Path, *extra: str, cwd: Path):
    return run_cli(["local", str(src), "--structured-output-dir", str(out), *extra], cwd=cwd, env=cli_env())


def test_cli_embeddings_in_json_skipped_when_unchanged_redone_for_another_model(fake_openai, local_model, tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha\n\nBeta gamma.", "b.txt": "Delta\n\nText."})
    flags = ["--embedding-provider", "local", "--embedding-model-name", local_model]
    first = _cli(src, tmp_path / "out", *flags, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    outputs = load_outputs(tmp_path / "out")
    assert all(len(e["embeddings"]) == DIM for elements in outputs.values() for e in elements)
    again = _cli(src, tmp_path / "out", *flags, cwd=tmp_path)
    assert "0 ok, 2 skipped" in again.stderr, again.stderr
    other = ["--embedding-provider", "openai", "--embedding-base-url", fake_openai.url]
    redone = _cli(src, tmp_path / "out", *other, cwd=tmp_path)
    assert "2 ok, 0 skipped" in redone.stderr, redone.stderr
    assert load_outputs(tmp_path / "out")["a.txt.json"][0]["embeddings"] == fake_vector("Alpha")


def test_cli_an_outage_fails_the_documents_and_the_next_run_does_them(fake_openai, tmp_path):
    src = write_files(tmp_path / "src", {f"d{i}.txt": f"Title {i}\n\nText {i}." for i in range(3)})
    flags = ["--embedding-provider", "openai", "--embedding-base-url", fake_openai.url]
    fake_openai.down = True
    failed = _cli(src, tmp_path / "out", *flags, cwd=tmp_path)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.count("HTTP 503 after 6 attempts (overloaded)") >= 3
    assert load_outputs(tmp_path / "out") == {}
    fake_openai.down = False
    again = _cli(src, tmp_path / "out", *flags, cwd=tmp_path)
    assert "3 ok, 0 skipped, 0 failed" in again.stderr, again.stderr


def test_cli_ten_outages_in_a_row_stop_the_run(fake_openai, tmp_path):
    src = write_files(tmp_path / "src", {f"d{i:02}.txt": f"Title {i}\n\nText {i}." for i in range(14)})
    fake_openai.down = True
    flags = ["--embedding-provider", "openai", "--embedding-base-url", fake_openai.url, "--num-processes", "1"]
    stopped = _cli(src, tmp_path / "out", *flags, cwd=tmp_path)
    assert stopped.returncode == 2, stopped.stderr
    assert "Stopped: embedding failed for 10 documents in a row" in stopped.stderr


def test_cli_rejects_a_local_model_folder_without_a_model(tmp_path):
    src = write_files(tmp_path / "src", {"a.txt": "Alpha"})
    done = _cli(src, tmp_path / "out", "--embedding-provider", "local", "--embedding-model-name", "nope", cwd=tmp_path)
    assert done.returncode == 2 and "never downloads" in done.stderr
