"""Partitioners a run will need are imported in the main process before its workers fork."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import cli_env

_SCRIPT = """
import sys
from docbatch.destinations.local import LocalJSONDestination
from docbatch.runner.pipeline import RunOptions, run
from docbatch.sources.local import LocalSource

from pathlib import Path
src, out = Path(sys.argv[1]), Path(sys.argv[2])
summary = run(LocalSource(src), LocalJSONDestination(out), RunOptions(num_processes=1, download_dir=out.parent / "dl"))
loaded = sys.modules
print(summary.ok, "docbatch.partitioners.markup.markdown" in loaded, "docbatch.partitioners.pdf.pdf" in loaded)
"""


def test_a_run_imports_the_partitioners_of_its_listed_types_before_forking(tmp_path: Path) -> None:
    # in a fresh interpreter: the test process may have imported every partitioner already
    src = tmp_path / "src"
    src.mkdir()
    (src / "notes.md").write_text("# Title\n\nA paragraph.\n")
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(src), str(tmp_path / "out")],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # the main process never partitions: markdown is there only because it was preloaded;
    # pdf, a type the listing does not hold, is not imported
    assert done.stdout.split() == ["1", "True", "False"]


def test_preload_imports_the_slow_libraries_a_format_declares_and_passes_over_unknown_types() -> None:
    code = (
        "import sys; from docbatch.partitioners.registry import preload; "
        "print(preload(['msg', 'no-such-type', 'vsdx']), 'extract_msg' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=cli_env(), capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "['msg'] True"
