"""Embeddings and vector outputs: how fast the local provider embeds, and how fast vectors go in.

    python -m benchmarks.embed [--docs 200] [--rows-docs 200]

1. Local provider: a static embedding model of a real model's shape (30,522 tokens x 256
   dims, as model2vec's potion-base-8M; seeded weights, since nothing may be downloaded) built
   as ``model.onnx`` + ``tokenizer.json``. Measured twice: ``docbatch.embed`` alone (texts/s),
   and ``docbatch local`` over ``--docs`` generated text documents, chunked, into JSON, with and
   without ``--embedding-provider local`` (docs/s). model2vec's own runtime over the same table
   is timed beside it when installed, as the alternative the provider was chosen against.
2. Vector write rate: ``--rows-docs`` documents of 20 chunks with 256-dim vectors written through
   the PostgreSQL destination into pgserver's PostgreSQL with pgvector (with and without
   ``?index=hnsw``) and through the LanceDB destination (rows/s, a top-10 query, LanceDB's size
   on disk after compaction, once the versions a finished run keeps for 10 minutes are gone);
   Chroma's persistent client is timed on the same rows when installed, as the store LanceDB was
   chosen against.

Writes ``benchmarks/results/embed.md``. Talks to loopback only; also run by ``python -m benchmarks --embed``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import REPO_DIR, RESULTS_DIR

__all__ = ["EmbedResult", "measure", "write_markdown"]

VOCAB, DIM, CHUNKS_PER_DOC = 30522, 256, 20
_WORDS = [f"w{i}" for i in range(VOCAB - 2)]


@dataclass
class EmbedResult:
    texts_per_s: float = 0.0
    model2vec_texts_per_s: float | None = None
    docs: int = 0
    docs_per_s_plain: float = 0.0
    docs_per_s_embedded: float = 0.0
    chunks: int = 0
    #: store -> (rows/s, top-10 ms, MB on disk or None)
    stores: dict[str, tuple[float, float, float | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def make_model(folder: Path) -> Path:
    """A seeded static embedding model of potion-base-8M's shape, as the local provider reads it."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(_WORDS)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    table = np.random.default_rng(0).standard_normal((VOCAB, DIM)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)],
        "static",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", DIM])],
        initializer=[numpy_helper.from_array(table, "table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(folder / "model.onnx"))
    return folder


def _text(seed: int, words: int = 80) -> str:
    return " ".join(_WORDS[(seed * 7919 + i * 104729) % len(_WORDS)] for i in range(words))


def provider_rate(model: Path, result: EmbedResult, count: int = 2000) -> None:
    from docbatch import Element, EmbeddingOptions, embed

    options = EmbeddingOptions(provider="local", model_name=str(model))
    texts = [_text(i) for i in range(count)]
    embed([Element("NarrativeText", "warm up")], options)
    start = time.perf_counter()
    embed([Element("NarrativeText", t) for t in texts], options)
    result.texts_per_s = count / (time.perf_counter() - start)
    try:
        import numpy as np
        from model2vec import StaticModel
        from tokenizers import Tokenizer
    except ImportError:
        result.notes.append("model2vec not installed: its runtime was not timed")
        return
    table = np.random.default_rng(0).standard_normal((VOCAB, DIM)).astype(np.float32)
    static = StaticModel(vectors=table, tokenizer=Tokenizer.from_file(str(model / "tokenizer.json")), normalize=True)
    start = time.perf_counter()
    static.encode(texts, batch_size=64)
    result.model2vec_texts_per_s = count / (time.perf_counter() - start)


def cli_rate(model: Path, docs: int, work: Path, result: EmbedResult) -> None:
    """``docbatch local`` over ``docs`` text documents, chunked, with and without embeddings."""
    src = work / "docs"
    src.mkdir()
    for d in range(docs):
        paragraphs = [_text(d * 100 + p, 60) for p in range(CHUNKS_PER_DOC // 4)]
        (src / f"doc{d:05d}.txt").write_text("\n\n".join(paragraphs))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_DIR / "src"), os.environ.get("PYTHONPATH", "")])}
    base = [sys.executable, "-m", "docbatch", "local", str(src), "--chunking-strategy", "basic", "--num-processes", "2"]
    for label, extra in (
        ("plain", []),
        ("embedded", ["--embedding-provider", "local", "--embedding-model-name", str(model)]),
    ):
        out = work / f"out-{label}"
        start = time.perf_counter()
        done = subprocess.run(
            [*base, "--structured-output-dir", str(out), *extra], env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"docbatch exited {done.returncode}: {done.stderr[-500:]}")
        setattr(result, f"docs_per_s_{label}", docs / seconds)
    import json

    result.docs = docs
    result.chunks = sum(len(json.loads(p.read_text())) for p in (work / "out-embedded").glob("*.json"))


def _rows(doc: int, vectors: Any) -> list[dict[str, Any]]:
    return [
        {
            "type": "CompositeElement",
            "element_id": f"{doc:08x}{i:04x}",
            "text": _text(doc * 100 + i, 50),
            "metadata": {"filename": f"doc{doc}.txt", "page_number": 1 + i // 5},
            "embeddings": vectors[doc * CHUNKS_PER_DOC + i].tolist(),
        }
        for i in range(CHUNKS_PER_DOC)
    ]


def store_rates(docs: int, work: Path, result: EmbedResult) -> None:
    import numpy as np

    from docbatch.model import DocumentMeta

    vectors = np.random.default_rng(1).standard_normal((docs * CHUNKS_PER_DOC, DIM)).astype(np.float32)
    batches = [_rows(d, vectors) for d in range(docs)]
    metas = [DocumentMeta(uri=f"file:///d/doc{d}.txt", key=f"doc{d}.txt", version="v1") for d in range(docs)]

    def write_all(destination: Any) -> float:
        destination.check()
        start = time.perf_counter()
        for d in range(docs):
            destination.write(metas[d], batches[d], f"{d:020x}")
        return docs * CHUNKS_PER_DOC / (time.perf_counter() - start)

    _lancedb(work, write_all, vectors, result)
    _pgvector(work, write_all, vectors, result)
    _chroma(work, batches, vectors, result)


def _lancedb(work: Path, write_all: Any, vectors: Any, result: EmbedResult) -> None:
    try:
        from docbatch.destinations.lancedb import LanceDBDestination
    except ImportError:
        result.notes.append("lancedb not installed: pip install '.[lancedb]'")
        return
    destination = LanceDBDestination(f"lancedb://{work}/lance?table=bench")
    rate = write_all(destination)
    destination.finish()
    for name in ("bench", "bench_documents"):  # the size once the kept versions have aged out
        destination.db.open_table(name).optimize(cleanup_older_than=timedelta(0))
    table = destination.db.open_table("bench")
    start = time.perf_counter()
    for q in range(20):
        table.search(vectors[q]).limit(10).to_list()
    result.stores["LanceDB (docbatch destination)"] = (rate, (time.perf_counter() - start) * 50, _mb(work / "lance"))


def _pgvector(work: Path, write_all: Any, vectors: Any, result: EmbedResult) -> None:
    try:
        import pgserver
        import psycopg

        from docbatch.destinations.postgresql import PostgresDestination
    except ImportError as e:
        result.notes.append(f"pgvector skipped: {e.name} is not installed (pip install '.[test,postgresql]')")
        return
    server = pgserver.get_server(str(work / "pg"), cleanup_mode="delete")
    try:
        for label, index in (("", ""), (" + HNSW", "&index=hnsw")):
            table = f"bench{len(index)}"
            rate = write_all(PostgresDestination(f"{server.get_uri()}&table={table}{index}"))
            with psycopg.connect(server.get_uri()) as conn:
                start = time.perf_counter()
                for q in range(20):
                    literal = "[" + ",".join(f"{x:.6f}" for x in vectors[q]) + "]"
                    conn.execute(f"SELECT doc_key FROM {table} ORDER BY embeddings <=> %s::vector LIMIT 10", (literal,))
                query_ms = (time.perf_counter() - start) * 50
            result.stores[f"PostgreSQL + pgvector{label}"] = (rate, query_ms, None)
    finally:
        server.cleanup()


def _chroma(work: Path, batches: list[list[dict[str, Any]]], vectors: Any, result: EmbedResult) -> None:
    try:
        import chromadb
    except ImportError:
        result.notes.append("chromadb not installed: the comparison row is missing")
        return
    collection = chromadb.PersistentClient(path=str(work / "chroma")).create_collection("bench")
    start = time.perf_counter()
    for d, rows in enumerate(batches):  # the same per-document replace as the destinations do
        collection.delete(where={"doc_key": f"doc{d}.txt"})
        collection.add(
            ids=[r["element_id"] for r in rows],
            embeddings=[r["embeddings"] for r in rows],
            documents=[r["text"] for r in rows],
            metadatas=[{"doc_key": f"doc{d}.txt", "page_number": r["metadata"]["page_number"]} for r in rows],
        )
    rate = len(batches) * CHUNKS_PER_DOC / (time.perf_counter() - start)
    start = time.perf_counter()
    for q in range(20):
        collection.query(query_embeddings=[vectors[q].tolist()], n_results=10)
    result.stores["Chroma persistent client (compared, not a destination)"] = (
        rate,
        (time.perf_counter() - start) * 50,
        _mb(work / "chroma"),
    )


def _mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def measure(docs: int = 200, rows_docs: int = 200) -> EmbedResult:
    result = EmbedResult()
    work = Path(tempfile.mkdtemp(prefix="embed-bench-"))
    try:
        model = make_model(work / "model")
        provider_rate(model, result)
        cli_rate(model, docs, work, result)
        store_rates(rows_docs, work, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def write_markdown(result: EmbedResult, command: str, path: Path = RESULTS_DIR / "embed.md") -> Path:
    cores = os.cpu_count()
    lines = [
        "# Embeddings and vector outputs",
        "",
        f"`{command}` on {cores} cores. Static model of potion-base-8M's shape ({VOCAB} x {DIM}, seeded weights).",
        "",
        "## Local provider (onnxruntime + tokenizers)",
        "",
        "| what | rate |",
        "|---|---|",
        f"| `docbatch.embed`, one process, 80-word texts | {result.texts_per_s:,.0f} texts/s |",
    ]
    if result.model2vec_texts_per_s is not None:
        lines.append(f"| model2vec's runtime, same table and texts | {result.model2vec_texts_per_s:,.0f} texts/s |")
    lines += [
        f"| `docbatch local`, {result.docs} docs chunked, JSON, 2 processes | {result.docs_per_s_plain:,.1f} docs/s |",
        f"| the same with `--embedding-provider local` ({result.chunks} chunks) | "
        f"{result.docs_per_s_embedded:,.1f} docs/s |",
        "",
        f"## Vector write rate ({CHUNKS_PER_DOC} chunks of {DIM} dims per document, one write per document)",
        "",
        "| store | rows/s | top-10 query (ms) | MB on disk |",
        "|---|---|---|---|",
    ]
    for store, (rate, query_ms, mb) in result.stores.items():
        lines.append(f"| {store} | {rate:,.0f} | {query_ms:.1f} | {'' if mb is None else f'{mb:.1f}'} |")
    lines += ["", *(f"- {note}" for note in result.notes)]
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.embed", description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=200, help="documents for the docs/s run (default 200)")
    p.add_argument("--rows-docs", type=int, default=200, help="documents of 20 vectors per store (default 200)")
    args = p.parse_args(argv)
    result = measure(args.docs, args.rows_docs)
    command = "python -m benchmarks.embed" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v != p.get_default(k)
    )
    print(write_markdown(result, command).read_text())


if __name__ == "__main__":
    main()
