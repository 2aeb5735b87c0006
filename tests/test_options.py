"""Options are checked where they are made, and their defaults are the CLI's (written once)."""

from __future__ import annotations

import pytest

from docbatch.chunking.base import ChunkingOptions
from docbatch.cli import main
from docbatch.errors import ConfigError
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.runner.pipeline import RunOptions


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ocr": "sometimes"},
        {"email_body": "rtf"},
        {"ocr_languages": "eng++deu"},
        {"ocr_languages": "en"},
        {"max_uncompressed_bytes": 0},
        {"extract_image_block_types": ("Figure",)},
    ],
)
def test_partition_options_refuse_what_no_partitioner_knows(kwargs):
    with pytest.raises(ConfigError) as refused:
        PartitionOptions(**kwargs)
    assert "\n" not in str(refused.value) and str(refused.value).endswith(".")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_processes": 0},
        {"max_tasks_per_worker": -1},
        {"timeout": 0},
        {"executor": "threads"},
        {"max_memory": "lots"},
    ],
)
def test_run_options_refuse_what_a_run_cannot_use(kwargs):
    with pytest.raises(ConfigError):
        RunOptions(**kwargs)


def test_chunking_options_refuse_an_unknown_strategy():
    with pytest.raises(ConfigError):
        ChunkingOptions(strategy="by_sentence")


def _cli_defaults() -> dict[str, object]:
    """Every flag's default, over the commands (``--re-download`` is only on those that download)."""
    return {p.name: p.default for command in main.commands.values() for p in command.params if p.name}


def test_the_cli_defaults_are_the_options_defaults():
    cli = _cli_defaults()
    run, partition, chunking = RunOptions(), PartitionOptions(), ChunkingOptions()
    assert run.max_tasks_per_worker == cli["max_tasks_per_worker"] == 500
    for name in ("num_processes", "timeout", "max_memory", "executor", "re_download"):
        assert getattr(run, name) == cli[name], name
    for name in ("email_body", "ocr", "ocr_languages"):
        assert getattr(partition, name) == cli[name], name
    for name in ("max_characters", "overlap", "multipage_sections", "include_orig_elements"):
        assert getattr(chunking, name) == cli[name], name
