"""Test support: a moto S3 server wrapper, the CLI as a subprocess, output loading."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# moto's request recorder writes to a file in the working directory unless told otherwise.
os.environ.setdefault("MOTO_RECORDER_FILEPATH", os.path.join(tempfile.mkdtemp(prefix="moto-"), "recording"))

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "unstructured-example-docs"

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing-key-id",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class S3Server:
    """A moto server in this test session, with helpers to fill buckets and read its request log."""

    def __init__(self, url: str) -> None:
        import boto3

        self.url = url
        self.client = boto3.client("s3", endpoint_url=url, **_boto_kwargs())

    def bucket(self, name: str, files: dict[str, bytes], *, public: bool = False) -> None:
        acl = {"ACL": "public-read"} if public else {}
        self.client.create_bucket(Bucket=name, **acl)
        for key, body in files.items():
            self.client.put_object(Bucket=name, Key=key, Body=body, **acl)

    def start_recording(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/recorder/reset-recording", method="POST"))
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/recorder/start-recording", method="POST"))

    def recorded_gets(self) -> list[str]:
        """Paths of object GETs since start_recording (listing calls excluded)."""
        import urllib.request

        body = urllib.request.urlopen(f"{self.url}/moto-api/recorder/download-recording").read().decode()
        paths = []
        for line in body.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get("method") == "GET" and not entry.get("querystring", {}) and "?" not in entry.get("url", ""):
                paths.append(entry.get("url", ""))
        return paths


def _boto_kwargs() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
    }


def cli_env(**extra: str) -> dict[str, str]:
    """An environment for the CLI subprocess: fake credentials, no real AWS config files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_CREDENTIALS)
    env["AWS_CONFIG_FILE"] = "/nonexistent"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    env.update(extra)
    return env


def without_root_override() -> list[str] | None:
    """A command prefix under which file permissions bind even for root, or None if there is none.

    Root reads any folder, so a test of an unreadable one runs the CLI without the capabilities
    that let it (``setpriv`` from util-linux); as another user nothing is needed.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def run_cli(
    args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120, prefix: list[str] = ()
):
    """Run ``docbatch ARGS`` as a real subprocess (after ``prefix``); return the CompletedProcess."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "docbatch", *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_outputs(root: Path) -> dict[str, list[dict]]:
    """Every output JSON under root, keyed by its path relative to root; each must parse."""
    out = {}
    for path in sorted(root.rglob("*.json")):
        if ".docbatch" in path.parts:
            continue
        out[path.relative_to(root).as_posix()] = json.loads(path.read_text())
    return out


def write_files(folder: Path, files: dict[str, str]) -> Path:
    """Write ``{relative name: text}`` under ``folder`` (subfolders made as needed); return it."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def touch_later(path: Path, text: str) -> None:
    """Rewrite a file with an mtime a second later (a fast rewrite could land on the same timestamp,
    and a rerun would take the document for unchanged)."""
    st = path.stat()
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


#: The timestamp that starts every line docbatch writes to a log (stderr that is no terminal).
LOG_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def log_lines(text: str) -> list[str]:
    """The non-blank lines of a run's stderr, each checked for and stripped of its timestamp."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert all(LOG_STAMP.match(line) for line in lines), lines
    return [LOG_STAMP.sub("", line) for line in lines]


def kill_mid_run(cmd: list[str], ready: Callable[[], bool], *, cwd: Path, env: dict[str, str]) -> None:
    """Start the CLI ``cmd`` in its own process group and SIGKILL the whole group as soon as
    ``ready()`` says the run is mid-way; fail if the run ended first (the kill would prove nothing)."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and not ready():
        assert time.monotonic() < deadline, "the run never reached the point to kill it at"
        time.sleep(0.02)
    killed = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert killed, "the run ended before the kill: the test proves nothing"
