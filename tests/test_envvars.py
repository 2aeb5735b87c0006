"""Every option can come from a DOCBATCH_* environment variable; workers can be recycled."""

from __future__ import annotations

import json

from support import cli_env, load_outputs, run_cli


def test_options_come_from_docbatch_environment_variables(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(5):
        (src / f"d{i}.txt").write_text(f"Doc {i}\n\nBody {i}.")
    env = cli_env(
        DOCBATCH_STRUCTURED_OUTPUT_DIR=str(tmp_path / "from-env"),
        DOCBATCH_NUM_PROCESSES="1",
        DOCBATCH_MAX_TASKS_PER_WORKER="2",  # three workers in turn for five documents
        DOCBATCH_VERBOSE="1",
    )
    result = run_cli(["local", str(src)], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert len(load_outputs(tmp_path / "from-env")) == 5
    assert result.stderr.count("ok      d") == 5  # --verbose came from the environment too
    assert json.loads((tmp_path / "from-env/d4.txt.json").read_text())[1]["text"] == "Body 4."
