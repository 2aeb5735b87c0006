"""Kill-and-rerun of legacy Office documents: no document is ever failed as another's collateral.

    python -m benchmarks.legacy_kill --docs 300 --kills 3 [--crasher FILE ...]

Writes ``--docs`` .doc and .ppt files (LibreOffice itself writes them from generated DOCX and
PPTX, each with its own text) beside the crashing files given with ``--crasher`` (by default the
real LibreOffice crasher in the legacy tests' fixtures, when it is there). Then it runs
``docbatch local`` over them with two workers and, while each run is converting:

- kills every ``soffice.bin`` once at a random moment (an office dying under a normal document,
  as the OOM killer or a crash elsewhere ends it), and
- kills the whole run with SIGKILL (``--kills`` times), then runs once more to the end.

It then reads every run's rows from the run record. Printed at the end, and all 0 when the check
passes:

- collateral failures: a row of any run, killed ones included, that fails a generated
  document (they are all well-formed: any failure of theirs is another document's or the
  office's fault);
- missing: a generated document without an output after the last run;
- crashers not contained: a crashing file that ended other than failed alone with
  LibreOffice's crash sentence or partial with the fallback reader's;
- orphan offices: a run's ``soffice.bin`` still alive 10 s after its run was killed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

CACHE = Path(__file__).resolve().parent / ".cache" / "legacy-kill"
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "partitioners" / "legacy" / "fixtures"


def generate(folder: Path, count: int, seed: int) -> list[str]:
    """``count`` .doc and .ppt files (about two .doc per .ppt) under ``folder``; their keys."""
    import docx
    import pptx

    from docbatch.partitioners.legacy import legacy

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    modern = folder.parent / "modern"
    modern.mkdir(exist_ok=True)
    converter = legacy.converter("doc")
    keys = []
    for i in range(count):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 200)))
        if i % 3 == 2:
            deck = pptx.Presentation()
            slide = deck.slides.add_slide(deck.slide_layouts[1])
            slide.shapes.title.text = f"Deck {i}"
            slide.placeholders[1].text_frame.text = words
            source, kind = modern / f"deck-{i:04d}.pptx", "ppt"
            deck.save(source)
        else:
            document = docx.Document()
            document.add_heading(f"Report {i}", level=1)
            for _ in range(rng.randint(1, 6)):
                document.add_paragraph(words)
            source, kind = modern / f"report-{i:04d}.docx", "doc"
            document.save(source)
        with converter.converted(source, source.suffix, kind) as out:
            shutil.copy(out, folder / f"{source.stem}.{kind}")
        keys.append(f"{source.stem}.{kind}")
    converter.close()
    return keys


_WORDS = "annual revenue grew across regions while costs fell and the board approved new hiring plans".split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--crasher", type=Path, action="append", help="a file that crashes LibreOffice (repeatable)")
    args = parser.parse_args(argv)
    crashers = args.crasher or sorted(FIXTURES.glob("crashes-libreoffice*"))
    work = CACHE / f"{args.docs}-{args.seed}"
    src, out = work / "src", work / "out"
    if not src.exists():
        generate(src, args.docs, args.seed)
    keys = sorted(p.name for p in src.iterdir() if not p.name.startswith("crashes-"))
    for crasher in crashers:
        shutil.copy(crasher, src / crasher.name)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "docbatch", "local", str(src), "--output", str(out), "--num-processes", "2"]
    rng = random.Random(args.seed)
    office_kills = orphans = 0
    seen: set[tuple] = set()  # every run's rows, read before a later run compacts the record
    for k in range(args.kills):
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, **quiet)
        office_kills += _kill_offices_once(proc, rng.uniform(2.0, 5.0))
        time.sleep(rng.uniform(0.5, 3.0))
        offices = _offices(proc)
        with contextlib.suppress(ProcessLookupError):  # a run that ended first is no failure
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _, alive = psutil.wait_procs(offices, timeout=10)  # each office must die with its worker
        orphans += len(alive)
        for office in alive:
            office.kill()
        seen |= _rows(out)
        print(f"kill -9 #{k + 1}: {_outputs(out)} outputs so far", flush=True)
    started = time.perf_counter()
    final = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    office_kills += _kill_offices_once(final, rng.uniform(2.0, 5.0))
    _, stderr = final.communicate()
    print(f"final run: {time.perf_counter() - started:.1f} s, exit {final.returncode}")
    seen |= _rows(out)
    result = _count(keys, [c.name for c in crashers], out, seen)
    result["offices killed during runs"] = office_kills
    result["orphan offices"] = orphans
    print(json.dumps(result, indent=2))
    bad = ("collateral failures", "missing", "crashers not contained", "orphan offices")
    if any(result[k] for k in bad):
        print(stderr.decode(errors="replace")[-2000:], file=sys.stderr)
        return 1
    return 0


def _kill_offices_once(proc: subprocess.Popen, after: float) -> int:
    """After ``after`` seconds (if the run is still going), SIGKILL every office of the run."""
    deadline = time.monotonic() + after
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    if proc.poll() is not None:
        return 0
    offices = _offices(proc)
    for office in offices:
        office.kill()
    return len(offices)


def _offices(proc: subprocess.Popen) -> list[psutil.Process]:
    """The run's ``soffice.bin`` processes (children of its workers' UNO bridges)."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [child for child in children if _name(child) == "soffice.bin"]


def _name(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.Error:
        return ""


def _rows(out: Path) -> set[tuple]:
    """(run, started, key, status, reason) of every document row in the run record so far."""
    record = out / ".docbatch" / "record.sqlite"
    if not record.exists():
        return set()
    with sqlite3.connect(record) as db:
        return set(
            db.execute(
                "SELECT d.run_id, r.started, d.key, d.status, d.reason FROM documents d JOIN runs r USING (run_id)"
            ).fetchall()
        )


def _count(keys: list[str], crashers: list[str], out: Path, rows: set[tuple]) -> dict[str, object]:
    runs = sorted({(started, run) for run, started, *_ in rows})
    collateral = sorted({(key, reason) for _, _, key, status, reason in rows if key in keys and status == "failed"})
    outputs = {p.name[: -len(".json")] for p in out.glob("*.json")}
    # a document done in a killed run is skipped by the later ones: its outcome is the last one met
    done = {
        key: (status, reason)
        for _, _, key, status, reason in sorted(rows, key=lambda row: row[1])
        if status != "skipped"
    }
    contained = 0
    for name in crashers:
        status, reason = done.get(name, ("missing", ""))
        if (status == "failed" and reason.startswith("LibreOffice crashed")) or (
            status == "partial" and "LibreOffice crashed on this file" in reason
        ):
            contained += 1
        print(f"crasher {name}: {status}: {reason}")
    return {
        "documents": len(keys),
        "crashers": len(crashers),
        "runs": len(runs),
        "rows read": len(rows),
        "collateral failures": len(collateral),
        "collateral examples": collateral[:5],
        "missing": len(set(keys) - outputs),
        "crashers not contained": len(crashers) - contained,
    }


def _outputs(out: Path) -> int:
    return sum(1 for _ in out.glob("*.json")) if out.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
