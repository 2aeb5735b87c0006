"""The run record: one row per document per run, in SQLite beside the outputs.

Workers return a :class:`DocResult`; only the main process writes the record, committing every
quarter second, so a run killed at any moment leaves a readable record (SQLite's journal sees
to that) holding all but the last instant's rows. The same folder holds the lock that keeps two
runs off one output dir.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from docbatch.errors import ConfigError
from docbatch.paths import printable

__all__ = ["RECORD_DIRNAME", "DocResult", "RunLock", "RunRecord"]

#: Folder inside the output dir that holds the record and the lock.
RECORD_DIRNAME = ".docbatch"

OK, SKIPPED, FAILED = "ok", "skipped", "failed"
#: An output whose document is gone from a complete listing of the source (kept, or removed
#: with --delete-orphans); not a document of the run, so not counted in its total.
DELETED = "deleted"


@dataclass(slots=True)
class DocResult:
    """What happened to one document: the one thing a worker returns."""

    uri: str
    key: str
    status: str  # ok | skipped | failed | deleted
    reason: str = ""
    version: str | None = None
    elements: int = 0
    seconds: float = 0.0
    file_type: str | None = None
    output: str | None = None
    #: Traceback text, shown only with --verbose and never stored.
    detail: str | None = None

    @classmethod
    def of(cls, doc: Any, status: str, reason: str = "") -> DocResult:
        """A result for ``doc`` (anything with uri, key and version, e.g. a DocumentMeta)."""
        return cls(uri=doc.uri, key=doc.key, status=status, reason=reason, version=doc.version)


#: The DocResult fields stored per document (the traceback in ``detail`` is for -v only).
_ROW_FIELDS = tuple(f.name for f in fields(DocResult) if f.name != "detail")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, source TEXT, destination TEXT,
    started REAL, finished REAL, ok INTEGER, skipped INTEGER, failed INTEGER
);
CREATE TABLE IF NOT EXISTS documents (
    run_id TEXT, uri TEXT, key TEXT, status TEXT, reason TEXT, version TEXT,
    elements INTEGER, seconds REAL, file_type TEXT, output TEXT, finished REAL
);
CREATE INDEX IF NOT EXISTS documents_run ON documents(run_id, status);
"""


class RunRecord:
    """Appends this run's rows to ``<output_dir>/.docbatch/record.sqlite``."""

    #: Seconds between commits of document rows.
    COMMIT_EVERY = 0.25

    def __init__(self, output_dir: Path, *, source: str, destination: str) -> None:
        folder = Path(output_dir) / RECORD_DIRNAME
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "record.sqlite"
        self.run_id = uuid.uuid4().hex[:12]
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        _add_missing_columns(self.db)
        self._last_commit = 0.0
        with self.db:
            self.db.execute(
                "INSERT INTO runs (run_id, source, destination, started) VALUES (?, ?, ?, ?)",
                (self.run_id, source, destination, time.time()),
            )

    def add(self, result: DocResult) -> None:
        """Store one row; rows are committed together at most ``COMMIT_EVERY`` seconds apart.

        One transaction per row costs more than the document it records when documents are
        small or skipped. A kill loses at most the last fraction of a second of rows, and those
        documents' outputs (written atomically) still tell a rerun they are done.
        """
        values = (getattr(result, k) for k in _ROW_FIELDS)  # not asdict(): it deep-copies every field
        row = {k: printable(v) if isinstance(v, str) else v for k, v in zip(_ROW_FIELDS, values, strict=True)}
        now = time.time()
        self.db.execute(
            "INSERT INTO documents VALUES (:run_id, :uri, :key, :status, :reason, :version,"
            " :elements, :seconds, :file_type, :output, :finished)",
            {**row, "run_id": self.run_id, "finished": now},
        )
        if now - self._last_commit >= self.COMMIT_EVERY:
            self.db.commit()
            self._last_commit = now

    def finish(self, ok: int, skipped: int, failed: int, deleted: int = 0) -> None:
        with self.db:
            self.db.execute(
                "UPDATE runs SET finished=?, ok=?, skipped=?, failed=?, deleted=? WHERE run_id=?",
                (time.time(), ok, skipped, failed, deleted, self.run_id),
            )

    def close(self) -> None:
        self.db.close()


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Records written before a column existed get it, so old output dirs keep working."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
    if "deleted" not in columns:
        with db:
            db.execute("ALTER TABLE runs ADD COLUMN deleted INTEGER")


class RunLock:
    """An exclusive lock on an output dir: a second run on it refuses to start.

    ``flock`` is released by the kernel when the holder dies, so a killed run never leaves a
    stale lock behind.
    """

    def __init__(self, output_dir: Path) -> None:
        folder = Path(output_dir) / RECORD_DIRNAME
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "lock"
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"Another docbatch run is writing to {self.path.parent.parent}; "
                "wait for it to finish or choose another --structured-output-dir."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
