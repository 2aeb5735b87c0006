"""What a worker spends on a document besides its partitioner, stage by stage, in one process.

    PYTHONPATH=<checkout>/src python -m benchmarks.perdoc DIR [DIR ...] [--reps 5] [--profile tottime]

For each folder (one format's documents, say) every document is first partitioned once, warm;
then, per repetition and stage, the same work is timed over all documents, and the median
CPU milliseconds per document are printed: ``partitioner`` (type detection and the format's reader),
``info`` (the document-wide metadata, language detection above all), ``finalize`` (ids, parents, document metadata),
``encode`` (element dicts and JSON bytes), and ``whole`` (the worker's ``process_document``: the
above, the destination's atomic write, its incremental marker, and the result row).
``whole - partitioner`` is the per-document cost outside the partitioner. ``--profile`` prints a
cProfile of ``process_document`` over the first folder, sorted by that column. ``--out-root
/dev/shm`` writes outputs to memory: creating a file costs 0.05-0.5 ms of kernel time on some disks,
which otherwise hides what the Python code costs.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["STAGES", "measure_folder"]

STAGES = ("partitioner", "info", "finalize", "encode", "whole")


def _copy(elements: list) -> list:
    """Fresh elements to finalize again (finalize works in place on the top-level metadata)."""
    from docbatch.elements import Element

    return [Element(e.type, e.text, dict(e.metadata), e.parent) for e in elements]


def _ms_per_doc(fn: Callable[[int], object], count: int) -> float:
    """CPU milliseconds (user and system, this process) per call: on a shared machine wall time is
    mostly waiting for a core, and the file system's work is system CPU, so it still counts."""
    start = time.process_time()
    for i in range(count):
        fn(i)
    return 1000 * (time.process_time() - start) / count


def measure_folder(
    folder: Path, *, reps: int = 5, profile: str | None = None, out_root: Path | None = None
) -> dict[str, float]:
    """Median milliseconds per document of each of :data:`STAGES` over the files in ``folder``."""
    from docbatch.destinations.local import LocalJSONDestination
    from docbatch.destinations.tree import encode_elements
    from docbatch.document import _document_info
    from docbatch.elements import elements_to_dicts, finalize
    from docbatch.model import DocumentMeta
    from docbatch.partitioners.auto import partition_file
    from docbatch.partitioners.kit.base import PartitionOptions
    from docbatch.runner.worker import Job, process_document
    from docbatch.sources.local import LocalSource

    source = LocalSource(folder)
    docs = [d for d in source.list() if isinstance(d, DocumentMeta)]
    options = PartitionOptions()
    paths = [Path(d.record_locator["path"]) for d in docs]
    raw = [partition_file(p, options, name=d.key) for p, d in zip(paths, docs, strict=True)]
    infos = [_document_info(d, ft, els, options) for d, (ft, els) in zip(docs, raw, strict=True)]
    finished = [finalize(_copy(els), info) for (_, els), info in zip(raw, infos, strict=True)]
    copies: list[list] = []  # fresh elements for each timing of finalize
    # What this harness keeps (every document's elements, three times) is no worker's: out of the
    # collector's sight, as a worker's inherited modules are (executors.preload freezes them), so
    # collections cost what they cost in a worker rather than walking all of it.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="docbatch-perdoc-", dir=out_root) as tmp:
        out = Path(tmp) / "out"
        destination = LocalJSONDestination(out)
        destination.check()
        job = Job(source, destination, Path(tmp) / "downloads")

        def whole(i: int) -> object:
            return process_document(job, docs[i])

        stages: dict[str, Callable[[int], object]] = {
            "partitioner": lambda i: partition_file(paths[i], options, name=docs[i].key),
            "info": lambda i: _document_info(docs[i], raw[i][0], raw[i][1], options),
            "finalize": lambda i: finalize(copies[i], infos[i]),
            "encode": lambda i: encode_elements(elements_to_dicts(finished[i])),
            "whole": whole,
        }
        times: dict[str, list[float]] = {name: [] for name in STAGES}
        n = len(docs)
        for _ in range(reps):
            for name, fn in stages.items():
                copies[:] = [_copy(els) for _, els in raw]
                if name == "whole":
                    shutil.rmtree(out, ignore_errors=True)  # a first run writes new files, as a batch does
                times[name].append(_ms_per_doc(fn, n))
        if profile:
            shutil.rmtree(out, ignore_errors=True)
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [whole(i) for i in range(n)])
            pstats.Stats(profiler).sort_stats(profile).print_stats(40)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.perdoc", description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out-root", type=Path, default=None, help="where outputs go (/dev/shm: no disk)")
    parser.add_argument("--profile", default=None, help="cProfile sort column (tottime, ...) for folder 1")
    args = parser.parse_args(argv)
    print(f"| folder | docs | {' | '.join(STAGES)} | whole − partitioner |")
    print("|---|---|" + "---|" * (len(STAGES) + 1))
    for k, folder in enumerate(args.folders):
        ms = measure_folder(folder, reps=args.reps, profile=args.profile if k == 0 else None, out_root=args.out_root)
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        cells = " | ".join(f"{ms[s]:.3f}" for s in STAGES)
        print(f"| {folder.name} | {count} | {cells} | {ms['whole'] - ms['partitioner']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
