"""``python -m benchmarks.chunking``: docbatch's chunkers against unstructured's, on the same elements.

For each document (the generated ones, and a sample of the corpus), docbatch partitions it once;
its elements, written as JSON and read back by unstructured's ``elements_from_json``, go to
unstructured's ``chunk_elements`` / ``chunk_by_title``, and the same elements to
``docbatch.chunk``, with the same options. Reported per option set:

- agreement: the share of chunks whose text is identical (aligned in order; the base is the
  larger of the two chunk counts, so a chunk either side lacks counts against it);
- chunking's share of the in-process work (partition + finalize + chunk) per document;
- docbatch's chunk sizes against ``max_characters`` (no chunk may exceed it).

Only ``unstructured`` itself is needed (its base install; its partitioners are not used).
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks import CACHE_DIR, CORPUS_DIR
from benchmarks.generate import FORMATS, generate

#: Option sets compared: the defaults of each strategy, and the options users change most.
CONFIGS: tuple[dict[str, Any], ...] = (
    {"strategy": "basic"},
    {"strategy": "by_title"},
    {"strategy": "basic", "max_characters": 1000, "new_after_n_chars": 600, "overlap": 50},
    {"strategy": "by_title", "max_characters": 1500, "combine_text_under_n_chars": 200, "multipage_sections": False},
    {"strategy": "by_title", "max_characters": 300, "overlap": 40, "overlap_all": True},
)

#: Corpus extensions sampled (each document is partitioned once; a few per format keep it short).
CORPUS_SUFFIXES = (".pdf", ".docx", ".pptx", ".html", ".md", ".txt", ".eml", ".xlsx", ".epub", ".odt", ".rtf")

_SIZE_BUCKETS = ((0.25, "<25%"), (0.5, "25-50%"), (0.75, "50-75%"), (1.0, "75-100%"), (float("inf"), ">100%"))


@dataclass(slots=True)
class Tally:
    """What one option set gave over all documents."""

    label: str
    same: int = 0
    total: int = 0
    ours: int = 0
    theirs: int = 0
    chunk_seconds: float = 0.0
    write_seconds: float = 0.0
    #: Chunking seconds per file extension.
    by_format: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    sizes: Counter[str] = field(default_factory=Counter)
    differences: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return self.same / self.total if self.total else 1.0


def label_of(config: dict[str, Any]) -> str:
    rest = ", ".join(f"{k}={v}" for k, v in config.items() if k != "strategy")
    return f"{config['strategy']}" + (f" ({rest})" if rest else "")


def documents(per_format: int, corpus_per_format: int) -> list[Path]:
    """Generated documents of every format, then a sample of the corpus."""
    paths = [g.path for g in generate(CACHE_DIR / "gen", FORMATS, count=per_format)]
    if corpus_per_format and CORPUS_DIR.is_dir():
        taken: Counter[str] = Counter()
        for path in sorted(CORPUS_DIR.rglob("*")):
            suffix = path.suffix.lower()
            if suffix in CORPUS_SUFFIXES and taken[suffix] < corpus_per_format and path.stat().st_size < 3_000_000:
                taken[suffix] += 1
                paths.append(path)
    return paths


def partitioned(path: Path) -> tuple[list[Any], float]:
    """docbatch's finished elements of one document (as a run writes them), and the seconds taken."""
    from docbatch.elements import DocumentInfo, finalize
    from docbatch.languages import detect_languages
    from docbatch.partitioners.auto import partition_file

    t0 = time.process_time()
    file_type, elements = partition_file(path, name=path.name)
    info = DocumentInfo(
        filename=path.name,
        filetype=file_type.mime,
        url=str(path),
        record_locator={"path": str(path)},
        languages=detect_languages(el.text for el in elements),
    )
    return finalize(elements, info), time.process_time() - t0


def unstructured_chunker(config: dict[str, Any]) -> Callable[[list[Any]], list[Any]]:
    from unstructured.chunking.basic import chunk_elements
    from unstructured.chunking.title import chunk_by_title

    kwargs = {k: v for k, v in config.items() if k != "strategy"}
    if config["strategy"] == "basic":
        return lambda els: chunk_elements(els, **kwargs)
    return lambda els: chunk_by_title(els, **kwargs)


def compare(texts_ours: Sequence[str], texts_theirs: Sequence[str], tally: Tally, name: str) -> None:
    matcher = difflib.SequenceMatcher(a=texts_ours, b=texts_theirs, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    tally.same += same
    tally.total += max(len(texts_ours), len(texts_theirs))
    tally.ours += len(texts_ours)
    tally.theirs += len(texts_theirs)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal" and len(tally.differences) < 200:
            ours = " | ".join(texts_ours[i1:i2])[:300]
            theirs = " | ".join(texts_theirs[j1:j2])[:300]
            tally.differences.append((name, ours, theirs))


def size_bucket(length: int, limit: int) -> str:
    return next(label for bound, label in _SIZE_BUCKETS if length <= bound * limit)


def run(paths: Sequence[Path], log: Callable[[str], None] = print) -> tuple[list[Tally], dict[str, float]]:
    """Compare every option set on every document; also return the timing totals.

    docbatch's chunking is timed in a pass of its own, before unstructured's chunkers run: their
    many objects would otherwise make the garbage collector's pauses land in docbatch's timings.
    """
    documents: list[tuple[str, list[Any]]] = []
    timing: dict[str, float] = defaultdict(float)
    for path in paths:
        try:
            elements, seconds = partitioned(path)
        except Exception as e:  # a document docbatch cannot partition has nothing to chunk
            log(f"  skipped {path.name}: {type(e).__name__}: {e}")
            continue
        timing["partition"] += seconds
        timing[f"partition{path.suffix.lower()}"] += seconds
        timing["documents"] += 1
        documents.append((path.name, elements))
    tallies = [Tally(label_of(c)) for c in CONFIGS]
    # A worker holds one document at a time; here all of them are held, and without freezing them
    # every garbage collection chunking triggers would scan them all (it doubled the timings).
    gc.collect()
    gc.freeze()
    try:
        ours = [_chunk_timed(documents, config, tally) for config, tally in zip(CONFIGS, tallies, strict=True)]
    finally:
        gc.unfreeze()
    _compare_with_unstructured(documents, ours, tallies)
    return tallies, timing


def _chunk_timed(documents: Sequence[tuple[str, list[Any]]], config: dict[str, Any], tally: Tally) -> list[list[str]]:
    """docbatch's chunk texts of every document under one option set, timing chunk and write."""
    from docbatch.chunking.strategies import chunk
    from docbatch.elements import elements_to_dicts

    scratch = Path(tempfile.mkdtemp(prefix="chunkbench-")) / "out.json"
    limit = config.get("max_characters", 500)
    texts = []
    for name, elements in documents:
        t0 = time.process_time()
        chunks = chunk(elements, **config)
        t1 = time.process_time()
        scratch.write_bytes(orjson.dumps(elements_to_dicts(chunks)))  # what the run then writes
        tally.chunk_seconds += t1 - t0
        tally.write_seconds += time.process_time() - t1
        tally.by_format[Path(name).suffix.lower()] += t1 - t0
        tally.sizes.update(size_bucket(len(c.text), limit) for c in chunks)
        texts.append([c.text for c in chunks])
    scratch.unlink(missing_ok=True)
    scratch.parent.rmdir()
    return texts


def _compare_with_unstructured(
    documents: Sequence[tuple[str, list[Any]]], ours: Sequence[list[list[str]]], tallies: Sequence[Tally]
) -> None:
    from unstructured.staging.base import elements_from_json

    from docbatch.elements import elements_to_dicts

    chunkers = [unstructured_chunker(c) for c in CONFIGS]
    for d, (name, elements) in enumerate(documents):
        as_json = json.dumps(elements_to_dicts(elements))
        for c, (chunker, tally) in enumerate(zip(chunkers, tallies, strict=True)):
            theirs = [t.text for t in chunker(elements_from_json(text=as_json))]
            compare(ours[c][d], theirs, tally, name)


def markdown(tallies: Sequence[Tally], timing: dict[str, float], n_docs: int) -> list[str]:
    """The results as Markdown lines (also what ``python -m benchmarks`` puts in latest.md)."""
    partition = timing.get("partition", 0.0)
    out = [
        f"Chunking: docbatch vs unstructured on the same elements ({n_docs} documents: generated + corpus sample). "
        "Agreement is the share of chunks with identical text; chunking share is docbatch's chunking time over "
        "a document's work in a worker (partition with language detection, chunk, write the JSON), in CPU "
        "seconds of one process (the machine's 2 cores were shared; CPU time is less noisy than wall time). "
        f"Partitioning took {partition:.1f} s of CPU in all.",
        "",
        "| options | chunks docbatch | chunks unstructured | identical text | chunking s | chunking share | "
        + " | ".join(label for _, label in _SIZE_BUCKETS)
        + " |",
        "|---|---|---|---|---|---|" + "---|" * len(_SIZE_BUCKETS),
    ]
    for t in tallies:
        work = partition + t.chunk_seconds + t.write_seconds
        share = t.chunk_seconds / work if work else 0.0
        sizes = " | ".join(str(t.sizes.get(label, 0)) for _, label in _SIZE_BUCKETS)
        counts = f"{t.ours} | {t.theirs} | {t.agreement:.1%}"
        out.append(f"| {t.label} | {counts} | {t.chunk_seconds:.2f} | {share:.1%} | {sizes} |")
    return [*out, "", *_shares_by_format(tallies[0], timing)]


def _shares_by_format(tally: Tally, timing: dict[str, float]) -> list[str]:
    """Chunking's share per format under the first option set: it is highest where partitioning
    is cheapest (text-like formats take a millisecond or two)."""
    out = [f"Chunking share by format ({tally.label}):", "", "| format | partition s | chunking s | share |"]
    out.append("|---|---|---|---|")
    for ext, seconds in sorted(tally.by_format.items()):
        part = timing.get(f"partition{ext}", 0.0)
        share = seconds / (part + seconds) if part + seconds else 0.0
        out.append(f"| {ext.lstrip('.')} | {part:.3f} | {seconds:.3f} | {share:.1%} |")
    return out


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.chunking", description=__doc__.splitlines()[0])
    p.add_argument("--per-format", type=int, default=10, help="generated documents per format (default 10)")
    p.add_argument("--corpus", type=int, default=3, help="corpus documents per extension (default 3; 0: none)")
    p.add_argument("--differences", type=int, default=15, help="differing chunks to print per option set")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    import os

    from benchmarks.offline import OFFLINE_ENV, guard_network

    os.environ.update(OFFLINE_ENV)
    guard_network()
    paths = documents(args.per_format, args.corpus)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    tallies, timing = run(paths)
    print(f"# Chunking agreement, {started}\n")
    print("\n".join(markdown(tallies, timing, int(timing.get("documents", 0)))))
    for t in tallies:
        if t.differences:
            print(f"\n## Differences: {t.label}")
            for name, ours, theirs in t.differences[: args.differences]:
                print(f"- {name}\n  docbatch:     {ours!r}\n  unstructured: {theirs!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
