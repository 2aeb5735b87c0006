"""Corpus content share: of the corpus files that hold text, the share where docbatch gives content.

``python -m benchmarks.content_share [--out DIR] [--timeout S] [--procs N]``; ``python -m benchmarks``
adds the same section to its report when the corpus is present.

The figure is the one an outside reviewer measured: a file *holds text* when an independent
extractor (kreuzberg's ``extract_file_sync``) finds at least 20 letters in it, and docbatch *gives
content* when its elements' texts hold at least 20 letters too. Letters are Unicode letters
(``str.isalpha``), so that digits, punctuation, table rules and whitespace, which every reader
renders differently, do not decide anything, and scripts other than Latin count alike.

docbatch runs exactly as a user runs it: one ``docbatch local CORPUS --structured-output-dir TMP
--num-processes 2`` over the whole corpus (every file, every format, subfolders included); the
statuses and reasons come from ``docbatch report --format json TMP`` and the letters from the JSON
files it wrote. kreuzberg runs in a pebble process pool with a per-file timeout: on some files it
fails (formats it does not read) or could hang, and such a file counts as "no independent text".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import CORPUS_DIR, REPO_DIR, RESULTS_DIR
from benchmarks.measure import bench_env, python
from benchmarks.offline import DEAD_PROXY_ENV

__all__ = [
    "MIN_LETTERS",
    "FileOutcome",
    "ShareResult",
    "as_json",
    "compute",
    "element_letters",
    "letters",
    "markdown",
    "measure",
    "section",
]

#: The reviewer's threshold: fewer letters than this is "no text" for either tool.
MIN_LETTERS = 20
#: docbatch's outcomes, in the order the tables show them.
STATUSES = ("ok", "partial", "skipped", "failed")
NO_EXTENSION = "(none)"


def letters(text: str) -> int:
    """Unicode letters in ``text``."""
    return sum(1 for ch in text if ch.isalpha())


def element_letters(elements: Iterable[Mapping[str, Any]]) -> int:
    """Letters over the ``text`` of every element of one docbatch output."""
    return sum(letters(e.get("text") or "") for e in elements if isinstance(e, Mapping))


@dataclass(slots=True)
class FileOutcome:
    """One corpus file as both tools saw it."""

    path: str  # relative to the corpus, as docbatch's record keys it
    ext: str
    kreuzberg_letters: int = 0
    #: Why kreuzberg gave no text at all (its error, a timeout); None when it returned text.
    kreuzberg_error: str | None = None
    status: str = "not seen"  # docbatch's outcome (ok, partial, skipped, failed)
    reason: str = ""
    docbatch_letters: int = 0

    @property
    def text_bearing(self) -> bool:
        return self.kreuzberg_letters >= MIN_LETTERS

    @property
    def docbatch_content(self) -> bool:
        return self.docbatch_letters >= MIN_LETTERS


@dataclass(slots=True)
class ShareResult:
    """The outcomes of one measurement and how it was run."""

    files: list[FileOutcome]
    docbatch_seconds: float = 0.0
    kreuzberg_seconds: float = 0.0
    kreuzberg_timeout: float = 0.0
    docbatch_command: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def text_bearing(self) -> list[FileOutcome]:
        return [f for f in self.files if f.text_bearing]

    @property
    def hits(self) -> list[FileOutcome]:
        return [f for f in self.files if f.text_bearing and f.docbatch_content]

    @property
    def misses(self) -> list[FileOutcome]:
        return [f for f in self.files if f.text_bearing and not f.docbatch_content]

    @property
    def docbatch_only(self) -> list[FileOutcome]:
        """Files docbatch gives content from where kreuzberg gives none (fewer than 20 letters)."""
        return [f for f in self.files if f.docbatch_content and not f.text_bearing]

    @property
    def kreuzberg_failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.kreuzberg_error is not None]

    @property
    def share(self) -> float | None:
        bearing = len(self.text_bearing)
        return len(self.hits) / bearing if bearing else None


def ext_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return suffix[1:] if suffix else NO_EXTENSION


def compute(
    paths: Iterable[str],
    kreuzberg: Mapping[str, tuple[int, str | None]],
    rows: Iterable[Mapping[str, Any]],
    docbatch_letters: Mapping[str, int],
) -> list[FileOutcome]:
    """Join the two tools' views of each corpus file.

    ``kreuzberg``: path -> (letters, error or None); ``rows``: docbatch's record rows (``key``,
    ``status``, ``reason``); ``docbatch_letters``: path -> letters of its output. A file the
    record does not name keeps the status "not seen": the walk, not docbatch, defines the corpus.
    """
    by_key = {row["key"]: row for row in rows}
    out = []
    for path in sorted(paths):
        k_letters, k_error = kreuzberg.get(path, (0, "not run"))
        row = by_key.get(path, {})
        out.append(
            FileOutcome(
                path=path,
                ext=ext_of(path),
                kreuzberg_letters=k_letters,
                kreuzberg_error=k_error,
                status=str(row.get("status") or "not seen"),
                reason=str(row.get("reason") or ""),
                docbatch_letters=docbatch_letters.get(path, 0),
            )
        )
    return out


# --- kreuzberg --------------------------------------------------------------------------------


def _kreuzberg_letters(path: str) -> int:
    """In a pool worker: kreuzberg's letters for one file (imported here: the worker's own runtime)."""
    from kreuzberg import ExtractionConfig, extract_file_sync

    # no cache: a rerun must extract again rather than read ~/.cache/kreuzberg from an earlier run
    try:
        config = ExtractionConfig(use_cache=False)
    except TypeError:  # a kreuzberg without the option (the bench extra allows 3.x)
        config = ExtractionConfig()
    return letters(extract_file_sync(path, config=config).content)


def run_kreuzberg(
    root: Path, paths: list[str], *, procs: int, timeout: float, log: Callable[[str], None]
) -> dict[str, tuple[int, str | None]]:
    """kreuzberg over every file, ``procs`` at a time; a failure or a timeout is recorded, not raised.

    pebble kills and replaces a worker at the timeout, so one hanging file costs ``timeout``
    seconds and no more. The workers are spawned, not forked: in ``python -m benchmarks`` this
    process has run kreuzberg already, and a child forked from its Rust runtime panics joining
    threads ("Resource deadlock avoided") and hangs to the timeout on every file. Each worker
    installs the loopback-only socket guard itself (``block_native_network``).
    """
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessExpired, ProcessPool

    from benchmarks.offline import block_native_network

    results: dict[str, tuple[int, str | None]] = {}
    # a fresh worker every 20 files: OCR and PDF libraries keep memory between files. Each worker
    # blocks native downloads too: kreuzberg's Rust core fetches tree-sitter grammars by itself.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPool(max_workers=procs, max_tasks=20, initializer=block_native_network, context=spawn) as pool:
        futures = {p: pool.schedule(_kreuzberg_letters, args=(str(root / p),), timeout=timeout) for p in paths}
        for n, (path, future) in enumerate(futures.items(), 1):
            try:
                results[path] = (future.result(), None)
            except FutureTimeout:
                results[path] = (0, f"timeout after {timeout:g} s")
            except ProcessExpired as e:
                results[path] = (0, f"worker died (exit code {e.exitcode})")
            except Exception as e:  # kreuzberg's own error (unsupported type, damaged file): no text
                # relative, as the report names files: the corpus's place on this machine is no reason
                results[path] = (0, _error_line(e).replace(f"{root}/", ""))
            if n % 50 == 0:
                log(f"kreuzberg: {n}/{len(paths)} files")
    return results


def _error_line(e: BaseException) -> str:
    """The first line of an error, led by its type once (kreuzberg's messages already start with it)."""
    first = (str(e).strip().splitlines() or [""])[0]
    name = type(e).__name__
    return (first if first.startswith(name) else f"{name}: {first}".rstrip(": "))[:240]


# --- docbatch ---------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    """The harness's offline environment, with this checkout's ``src`` first on the path (an
    installed docbatch may point at another checkout, and the one measured is this one) and no
    way out through a proxy-honouring HTTP client."""
    env = bench_env(**DEAD_PROXY_ENV)  # a download would fail, and show as a miss, not pass unseen
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR / "src"), env.get("PYTHONPATH", "")]))
    return env


def run_docbatch(root: Path, out: Path, *, procs: int) -> tuple[str, list[dict[str, Any]], dict[str, int], float]:
    """One ``docbatch local`` over the whole corpus, then its run report; returns the command,
    the report's rows, letters per document key and the run's wall seconds."""
    cmd = [python(), "-m", "docbatch", "local", str(root), "--structured-output-dir", str(out)]
    cmd += ["--num-processes", str(procs)]
    env = _env()
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO_DIR, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    # a run with failed documents exits non-zero by design; only a missing record is an error
    report = subprocess.run(
        [python(), "-m", "docbatch", "report", "--format", "json", str(out)],
        cwd=REPO_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if report.returncode != 0:
        tail = (done.stderr.strip() or report.stderr.strip()).splitlines()[-3:]
        raise RuntimeError(f"docbatch run gave no readable record (exit {done.returncode}): {' | '.join(tail)}")
    rows = json.loads(report.stdout)["documents"]
    found: dict[str, int] = {}
    for row in rows:
        output = row.get("output")
        if row["status"] in ("ok", "partial") and output and Path(output).is_file():
            found[row["key"]] = element_letters(json.loads(Path(output).read_text(encoding="utf-8")))
    shown = ["docbatch", "local", "<corpus>", "--structured-output-dir", "<tmp>", "--num-processes", str(procs)]
    return " ".join(shown), rows, found, seconds


def corpus_paths(root: Path) -> list[str]:
    """Every file under the corpus, relative and with / separators (how docbatch keys them)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def measure(
    root: Path = CORPUS_DIR, *, procs: int = 2, timeout: float = 120.0, log: Callable[[str], None] = print
) -> ShareResult:
    """Both tools over every file of ``root``, one after the other (not side by side: each gets
    the machine's cores to itself, and kreuzberg's timeout is not eaten by docbatch's work)."""
    root = root.resolve()
    paths = corpus_paths(root)
    log(f"content share: docbatch local over {len(paths)} corpus files")
    with tempfile.TemporaryDirectory(prefix="docbatch-share-") as tmp:
        command, rows, found, d_seconds = run_docbatch(root, Path(tmp) / "out", procs=procs)
    log(f"content share: kreuzberg over {len(paths)} files (timeout {timeout:g} s each)")
    started = time.perf_counter()
    kreuzberg = run_kreuzberg(root, paths, procs=procs, timeout=timeout, log=log)
    k_seconds = time.perf_counter() - started
    result = ShareResult(
        compute(paths, kreuzberg, rows, found),
        docbatch_seconds=d_seconds,
        kreuzberg_seconds=k_seconds,
        kreuzberg_timeout=timeout,
        docbatch_command=command,
    )
    fetched = [f.path for f in result.files if "download" in (f.kreuzberg_error or "").lower()]
    if fetched:
        result.notes.append(
            f"kreuzberg tried to download something at run time (tree-sitter grammars from GitHub) for "
            f"{', '.join(fetched)}; the benchmark blocks every download (benchmarks/offline.py), so such a file "
            "counts as no independent text."
        )
    unseen = [f.path for f in result.files if f.status == "not seen"]
    if unseen:
        result.notes.append(f"{len(unseen)} files absent from docbatch's run record: {', '.join(unseen[:10])}")
    return result


# --- report -----------------------------------------------------------------------------------


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "—"


def _cell(text: str) -> str:
    """Text for a Markdown table cell or list item: one line, no column breaks."""
    return " ".join(text.split()).replace("|", "\\|")[:200]


def _kreuzberg_side(f: FileOutcome) -> str:
    return f"kreuzberg {f.kreuzberg_error}" if f.kreuzberg_error else f"kreuzberg {f.kreuzberg_letters} letters"


def _docbatch_side(f: FileOutcome) -> str:
    reason = f": {_cell(f.reason)}" if f.reason else ""
    return f"docbatch {f.status}{reason}, {f.docbatch_letters} letters"


def per_format(result: ShareResult) -> list[dict[str, Any]]:
    """One row per extension: docbatch's outcomes over all its files, and the share among the
    text-bearing ones."""
    exts = sorted({f.ext for f in result.files})
    rows = []
    for ext in exts:
        files = [f for f in result.files if f.ext == ext]
        bearing = [f for f in files if f.text_bearing]
        counts = Counter(f.status for f in files)
        rows.append(
            {
                "format": ext,
                "files": len(files),
                **{s: counts.get(s, 0) for s in STATUSES},
                "text_bearing": len(bearing),
                "docbatch_content": sum(f.docbatch_content for f in bearing),
                "docbatch_only": sum(f.docbatch_content and not f.text_bearing for f in files),
            }
        )
    return rows


def markdown(result: ShareResult) -> str:
    """The section of the report."""
    bearing, hits = len(result.text_bearing), len(result.hits)
    lines = [
        "## Corpus content share (docbatch vs kreuzberg as independent extractor)",
        "",
        f"Every file of the corpus ({len(result.files)} files, all formats, subfolders included). A file is "
        f"**text-bearing** when kreuzberg (`extract_file_sync`, default settings, per-file timeout "
        f"{result.kreuzberg_timeout:g} s) finds ≥ {MIN_LETTERS} letters (Unicode, `str.isalpha`) in it; docbatch "
        f"**gives content** when its elements' texts hold ≥ {MIN_LETTERS} letters. docbatch ran as a user runs "
        f"it: `{result.docbatch_command}` ({result.docbatch_seconds:.1f} s), statuses from "
        f"`docbatch report --format json`; kreuzberg took {result.kreuzberg_seconds:.1f} s.",
        "",
        f"**docbatch gives content for {hits} of {bearing} text-bearing files ({_pct(hits, bearing)}).**  ",
        f"Misses: {len(result.misses)}. docbatch gives content where kreuzberg gives none: "
        f"{len(result.docbatch_only)}. kreuzberg failed or timed out (no independent text): "
        f"{len(result.kreuzberg_failed)}.",
        "",
        "| format | files | docbatch ok / partial / skipped / failed | text-bearing | docbatch content "
        "| share | docbatch content, kreuzberg none |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = per_format(result)
    for r in rows:
        outcomes = " / ".join(str(r[s]) for s in STATUSES)
        lines.append(
            f"| {r['format']} | {r['files']} | {outcomes} | {r['text_bearing']} | {r['docbatch_content']} "
            f"| {_pct(r['docbatch_content'], r['text_bearing'])} | {r['docbatch_only']} |"
        )
    total = {s: sum(r[s] for r in rows) for s in STATUSES}
    lines.append(
        f"| **all** | {len(result.files)} | {' / '.join(str(total[s]) for s in STATUSES)} | {bearing} | {hits} "
        f"| {_pct(hits, bearing)} | {len(result.docbatch_only)} |"
    )
    lines += ["", f"### Text-bearing files without docbatch content ({len(result.misses)})", ""]
    lines += [f"- `{f.path}`: {_docbatch_side(f)}; {_kreuzberg_side(f)}" for f in result.misses] or ["- none"]
    lines += ["", f"### docbatch content where kreuzberg gives none ({len(result.docbatch_only)})", ""]
    lines += [f"- `{f.path}`: {f.docbatch_letters} letters; {_kreuzberg_side(f)}" for f in result.docbatch_only] or [
        "- none"
    ]
    lines += ["", f"### No independent text: kreuzberg failed or timed out ({len(result.kreuzberg_failed)})", ""]
    lines += [
        f"- `{f.path}`: {_cell(f.kreuzberg_error or '')}; {_docbatch_side(f)}" for f in result.kreuzberg_failed
    ] or ["- none"]
    if result.notes:
        lines += ["", *(f"Note: {n}" for n in result.notes)]
    return "\n".join(lines)


def as_json(result: ShareResult) -> dict[str, Any]:
    bearing, hits = len(result.text_bearing), len(result.hits)
    return {
        "min_letters": MIN_LETTERS,
        "files": len(result.files),
        "text_bearing": bearing,
        "docbatch_content": hits,
        "share": result.share,
        "docbatch_only": len(result.docbatch_only),
        "kreuzberg_failed": len(result.kreuzberg_failed),
        "docbatch_seconds": result.docbatch_seconds,
        "kreuzberg_seconds": result.kreuzberg_seconds,
        "kreuzberg_timeout": result.kreuzberg_timeout,
        "docbatch_command": result.docbatch_command,
        "per_format": per_format(result),
        "outcomes": [asdict(f) for f in result.files],
        "notes": result.notes,
    }


def section(
    root: Path = CORPUS_DIR, *, procs: int = 2, timeout: float = 120.0, log: Callable[[str], None] = print
) -> tuple[str, dict[str, Any]]:
    """What ``python -m benchmarks`` adds to its report: markdown and its data."""
    result = measure(root, procs=procs, timeout=timeout, log=log)
    return markdown(result), as_json(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.content_share", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="the corpus folder (default: the shared one)")
    parser.add_argument("--procs", type=int, default=2, help="docbatch's --num-processes and kreuzberg's pool size")
    parser.add_argument("--timeout", type=float, default=120.0, help="kreuzberg's per-file timeout in seconds")
    parser.add_argument(
        "--out", type=Path, default=RESULTS_DIR, help="folder for content_share.md (default: benchmarks/results)"
    )
    args = parser.parse_args(argv)
    from benchmarks.offline import OFFLINE_ENV, guard_network
    from benchmarks.report import machine, versions

    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 1
    os.environ.update(OFFLINE_ENV)
    guard_network()
    started = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - started:6.0f}s] {msg}", flush=True)

    text, _ = section(args.corpus, procs=args.procs, timeout=args.timeout, log=log)
    v = versions()
    command = "python -m benchmarks.content_share " + " ".join(argv if argv is not None else sys.argv[1:])
    stamp = (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))} on {machine()}; `{command.strip()}`; "
        f"docbatch {v['docbatch']}, kreuzberg {v['kreuzberg']}, Python {v['python']}; "
        f"{time.time() - started:.0f} s in all."
    )
    out = args.out / "content_share.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"{text}\n\n{stamp}\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
