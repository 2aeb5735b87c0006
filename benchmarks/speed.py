"""Throughput, memory and quality per format: docbatch, unstructured and kreuzberg on the same files.

For each format the same files are hard-linked into one folder and every tool processes that
folder as a whole subprocess with the same number of worker processes and the same per-file
timeout. Repetitions are interleaved (d, u, k; then u, k, d; ...) so that a slow moment of the
shared machine does not land on one tool only; the median wall time is reported. A tool that is
not installed, or that fails on a file, shows up as such in the table rather than stopping the run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import GeneratedDoc, load_expected
from benchmarks.measure import Measured, python, run_measured
from benchmarks.quality import Score, read_elements, score, text_similarity, type_accuracy

__all__ = ["TOOLS", "FormatResult", "ToolRun", "bench_format", "tool_missing"]

TOOLS = ("docbatch", "unstructured", "kreuzberg")


@dataclass(slots=True)
class ToolRun:
    """One tool over one folder, once."""

    tool: str
    measured: Measured
    out: Path
    failed: dict[str, str] = field(default_factory=dict)  # staged file name -> reason
    #: Seconds each successful file took inside its worker (no start-up, no waiting).
    per_file: list[float] = field(default_factory=list)


@dataclass(slots=True)
class FormatResult:
    """Every run of every tool on one format, and the quality of the last run's output."""

    format: str
    files: int
    generated: int
    runs: dict[str, list[ToolRun]] = field(default_factory=dict)
    quality: dict[str, Score | None] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # tool -> why it did not run
    #: (text similarity, type agreement) of docbatch's output against unstructured's, averaged over
    #: the corpus files both handled: no ground truth there, so agreement is what can be measured.
    agreement: tuple[float, float] | None = None

    def seconds(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        return statistics.median(r.measured.seconds for r in runs) if runs else None

    def files_per_s(self, tool: str) -> float | None:
        s = self.seconds(tool)
        return self.files / s if s else None

    def peak_rss(self, tool: str) -> int | None:
        runs = self.runs.get(tool)
        return max(r.measured.peak_rss for r in runs) if runs else None

    def median_ms(self, tool: str) -> float | None:
        """Median milliseconds per file inside a worker: the steady-state cost, start-up excluded."""
        runs = self.runs.get(tool)
        return 1000 * statistics.median(runs[-1].per_file) if runs and runs[-1].per_file else None

    def failures(self, tool: str) -> dict[str, str]:
        runs = self.runs.get(tool)
        return runs[-1].failed if runs else {}


def tool_missing(tool: str) -> str | None:
    """Why ``tool`` cannot run here, or None."""
    if tool == "docbatch":
        return None
    if importlib.util.find_spec(tool) is None:
        return f"{tool} not installed (pip install -e '.[bench]')"
    return None


def stage(files: list[Path], folder: Path) -> list[Path]:
    """Hard-link (or copy) ``files`` into ``folder`` under unique names; return the new paths."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    staged = []
    for i, src in enumerate(files):
        dst = folder / f"{i:04d}-{src.name}"
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
        staged.append(dst)
    return staged


def _docbatch_record(out: Path) -> tuple[dict[str, str], list[float]]:
    """Failures (key -> reason) and per-document seconds of the run, from docbatch's run record."""
    record = out / ".docbatch" / "record.sqlite"
    if not record.is_file():
        return {}, []
    with sqlite3.connect(record) as db:
        rows = db.execute("SELECT key, status, reason, seconds FROM documents").fetchall()
    failed = {key: reason for key, status, reason, _ in rows if status == "failed"}
    return failed, [sec for _, status, _, sec in rows if status == "ok" and sec is not None]


def run_tool(tool: str, folder: Path, staged: list[Path], out: Path, *, procs: int, timeout: float) -> ToolRun:
    """Run one tool over the staged folder into ``out`` and collect what failed."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    limit = timeout * len(staged) / procs + 300
    log = out.parent / f"{out.name}.log"
    if tool == "docbatch":
        cmd = [python(), "-m", "docbatch", "local", str(folder), "--structured-output-dir", str(out)]
        cmd += ["--num-processes", str(procs), "--timeout", str(timeout), "--reprocess"]
    else:
        listing = out.parent / f"{out.name}.files"
        listing.write_text("\n".join(str(p) for p in staged) + "\n", encoding="utf-8")
        cmd = [python(), "-m", "benchmarks.runners", tool, "--list", str(listing), "--out", str(out)]
        cmd += ["--procs", str(procs), "--timeout", str(timeout)]
    measured = run_measured(cmd, log=log, limit=limit)
    run = ToolRun(tool, measured, out)
    if tool == "docbatch":
        run.failed, run.per_file = _docbatch_record(out)
    else:
        summary = out / "_summary.json"
        if summary.is_file():
            files = json.loads(summary.read_text(encoding="utf-8"))["files"]
            run.failed = {Path(p).name: r["error"] for p, r in files.items() if r["status"] != "ok"}
            run.per_file = [r["seconds"] for r in files.values() if r["status"] == "ok"]
    for p in staged:  # anything without output failed, whatever the tool said
        if not (out / f"{p.name}.json").is_file() and p.name not in run.failed:
            tail = measured.log.strip().splitlines()[-1:] or ["no output"]
            run.failed[p.name] = f"no output (exit {measured.returncode}): {tail[0][:200]}"
    return run


def _quality(
    run: ToolRun, staged: list[Path], sources: list[Path], generated: dict[Path, GeneratedDoc]
) -> Score | None:
    scores = []
    for dst, src in zip(staged, sources, strict=True):
        g = generated.get(src)
        if g is None:
            continue
        expected = load_expected(g.expected_path)
        output = run.out / f"{dst.name}.json"
        if not output.is_file():
            scores.append(Score(0.0, 0.0, 0.0, max(1, len(expected))))
            continue
        try:
            produced = read_elements(output)
        except (ValueError, OSError):
            produced = []
        scores.append(score(expected, produced, types=run.tool != "kreuzberg"))
    return Score.combine(scores)


def bench_format(
    fmt: str,
    files: list[Path],
    generated: dict[Path, GeneratedDoc],
    work: Path,
    *,
    tools: tuple[str, ...] = TOOLS,
    procs: int = 2,
    reps: int = 3,
    timeout: float = 300.0,
    log=print,
) -> FormatResult:
    """Benchmark every available tool on ``files`` (``generated`` maps those with expectations)."""
    result = FormatResult(fmt, len(files), sum(1 for f in files if f in generated))
    folder = work / fmt / "input"
    staged = stage(files, folder)
    available = []
    for tool in tools:
        why = tool_missing(tool)
        if why:
            result.missing[tool] = why
        else:
            available.append(tool)
            result.runs[tool] = []
    for rep in range(reps):
        order = available[rep % len(available) :] + available[: rep % len(available)] if available else []
        for tool in order:
            run = run_tool(tool, folder, staged, work / fmt / f"{tool}-{rep}", procs=procs, timeout=timeout)
            result.runs[tool].append(run)
            fps = len(files) / run.measured.seconds
            log(
                f"  {fmt:<11} {tool:<12} rep {rep + 1}/{reps}: {run.measured.seconds:7.2f}s {fps:8.2f} files/s "
                f"{run.measured.peak_rss / 2**20:7.0f} MiB  failed {len(run.failed)}"
            )
            if rep:  # keep only the last run's outputs on disk
                shutil.rmtree(work / fmt / f"{tool}-{rep - 1}", ignore_errors=True)
    for tool in available:
        result.quality[tool] = _quality(result.runs[tool][-1], staged, files, generated)
    if "docbatch" in available and "unstructured" in available:
        corpus = [dst for dst, src in zip(staged, files, strict=True) if src not in generated]
        result.agreement = _agreement(result.runs["docbatch"][-1], result.runs["unstructured"][-1], corpus)
    return result


def _agreement(ours: ToolRun, theirs: ToolRun, staged: list[Path], limit: int = 300_000) -> tuple[float, float] | None:
    """Mean text similarity and type agreement of two tools' outputs over files both produced
    (skipping huge texts, whose edit distance would take minutes)."""
    sims, types = [], []
    for dst in staged:
        a, b = ours.out / f"{dst.name}.json", theirs.out / f"{dst.name}.json"
        if not (a.is_file() and b.is_file()):
            continue
        try:
            ea, eb = read_elements(a), read_elements(b)
        except (ValueError, OSError):
            continue
        ta, tb = "\n".join(e.text for e in ea), "\n".join(e.text for e in eb)
        if max(len(ta), len(tb)) <= limit:
            sims.append(text_similarity(ta, tb))
            types.append(type_accuracy(eb, ea)[0])
    return (sum(sims) / len(sims), sum(types) / len(types)) if sims else None
