"""The run record: one row per document per run, in SQLite beside the outputs.

Workers return a :class:`DocResult`; only the main process writes the record, committing every
quarter second, so a run killed at any moment leaves a readable record (SQLite's journal sees
to that) holding all but the last instant's rows. The same folder holds the lock that keeps two
runs off one output dir.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
import uuid
from dataclasses import fields
from pathlib import Path

from docbatch.errors import ConfigError, RunStopped
from docbatch.model import FAILED_BEFORE, UNCHANGED, DocResult
from docbatch.paths import printable

__all__ = [
    "RECORD_DIRNAME",
    "REPORT_COLUMNS",
    "RunLock",
    "RunRecord",
    "compact",
    "read_record",
    "read_run",
]

#: Folder inside the output dir that holds the record and the lock.
RECORD_DIRNAME = ".docbatch"


#: The DocResult fields stored per document, in the documents table's column order (``fault``
#: and ``stops_run`` only steer the pipeline).
_ROW_FIELDS = tuple(f.name for f in fields(DocResult) if f.name not in ("stops_run", "fault"))

_INSERT_ROW = (
    f"INSERT INTO documents (run_id, {', '.join(_ROW_FIELDS)}, finished)"
    f" VALUES ({', '.join('?' * (len(_ROW_FIELDS) + 2))})"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, source TEXT, destination TEXT,
    started REAL, finished REAL, ok INTEGER, partial INTEGER, skipped INTEGER, failed INTEGER,
    deleted INTEGER
);
CREATE TABLE IF NOT EXISTS documents (
    run_id TEXT, uri TEXT, key TEXT, status TEXT, reason TEXT, version TEXT,
    elements INTEGER, seconds REAL, file_type TEXT, output TEXT, detail TEXT, finished REAL
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
        #: Where an unreadable earlier record was moved, when this run had to start a new one.
        self.set_aside: Path | None = None
        try:
            if self.path.exists() and not self.path.is_file():  # a folder (or worse) in its place
                raise sqlite3.DatabaseError(f"{self.path} is not a file")
            self.db = self._open()
        except sqlite3.OperationalError:  # locked or unwritable: a healthy record must not be moved
            raise
        except sqlite3.DatabaseError:  # "file is not a database", "database disk image is malformed"
            self.set_aside = _set_aside(self.path)
            self.db = self._open()
        self._last_commit = time.monotonic()
        self._rows: list[tuple] = []  # added, not yet written (see add)
        with self.db:
            self.db.execute(
                "INSERT INTO runs (run_id, source, destination, started) VALUES (?, ?, ?, ?)",
                (self.run_id, source, destination, time.time()),
            )

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            _add_missing_columns(db)
            # a whole header says little: garbage written into the middle of the file shows only
            # when a damaged page is read, which would fail the run mid-way instead of now
            (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"damaged: {verdict}")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def add(self, result: DocResult) -> None:
        """Store one row; rows are written and committed together at most ``COMMIT_EVERY``
        seconds apart.

        One transaction per row costs more than the document it records when documents are
        small or skipped, and so did one INSERT per row: rows wait in memory as tuples and go
        in with one ``executemany``. A kill loses at most the last fraction of a second of rows,
        and those documents' outputs (written atomically) still tell a rerun they are done.
        """
        values = [getattr(result, k) for k in _ROW_FIELDS]  # not asdict(): it deep-copies every field
        # a date, for people: wall clock
        self._rows.append((self.run_id, *[printable(v) if isinstance(v, str) else v for v in values], time.time()))
        now = time.monotonic()  # an interval: a wall-clock step back must not stop the commits
        if now - self._last_commit >= self.COMMIT_EVERY:
            self._last_commit = now
            self._flush()

    def _flush(self) -> None:
        rows, self._rows = self._rows, []
        try:
            self.db.executemany(_INSERT_ROW, rows)
            self.db.commit()
        except sqlite3.OperationalError as e:  # "database or disk is full", a read-only disk
            raise RunStopped(
                f"Stopped: the run record {self.path} cannot be written ({e}); free space or fix "
                "permissions, then rerun to resume."
            ) from e

    def finish(self, ok: int, partial: int, skipped: int, failed: int, deleted: int = 0) -> None:
        """Write the rows still waiting and close the run's row. On a full disk these writes fail
        too; the record then stays as of its last commit (SQLite's journal keeps it whole),
        which is what a rerun needs."""
        with contextlib.suppress(sqlite3.OperationalError, RunStopped):
            self._flush()
        with contextlib.suppress(sqlite3.OperationalError), self.db:
            self.db.execute(
                "UPDATE runs SET finished=?, ok=?, partial=?, skipped=?, failed=?, deleted=? WHERE run_id=?",
                (time.time(), ok, partial, skipped, failed, deleted, self.run_id),
            )
        with contextlib.suppress(sqlite3.Error):  # a record left uncompacted is only larger
            compact(self.db, self.run_id)

    def close(self) -> None:
        self.db.close()


#: Runs whose rows the record keeps in full (besides the rows that repeat an earlier outcome,
#: kept for the latest run only); an older run keeps its counts and the rows that are still
#: their document's latest outcome, which the "now" view (read_now) shows.
KEEP_RUNS = 10

#: A row that only repeats an earlier outcome: skipped because nothing changed.
_REPEAT = "(status = 'skipped' AND reason IN (?, ?))"
_REPEAT_ARGS = (UNCHANGED, FAILED_BEFORE)

#: Each document's latest row, preferring one that is an outcome over one that repeats it.
_LATEST = f"""
SELECT rowid AS id, ROW_NUMBER() OVER (
    PARTITION BY uri ORDER BY {_REPEAT} ASC, finished DESC, rowid DESC
) AS n FROM documents
"""


def compact(db: sqlite3.Connection, latest_run: str) -> None:
    """Keep what reruns and ``report`` need, drop the rest: rows repeating an earlier outcome
    (a skip-all rerun of 20,000 documents wrote 20,000 of them each night, 39 MB after ten)
    except the latest run's; rows of runs older than the last :data:`KEEP_RUNS` unless still
    their document's latest outcome. The file is rebuilt when most of it is free pages."""
    old = [r for (r,) in db.execute("SELECT run_id FROM runs ORDER BY started DESC LIMIT -1 OFFSET ?", (KEEP_RUNS,))]
    with db:
        db.execute(f"DELETE FROM documents WHERE run_id != ? AND {_REPEAT}", (latest_run, *_REPEAT_ARGS))
        if old:
            marks = ", ".join("?" * len(old))
            db.execute(
                f"DELETE FROM documents WHERE run_id IN ({marks}) "
                f"AND rowid NOT IN (SELECT id FROM ({_LATEST}) WHERE n = 1)",
                (*old, *_REPEAT_ARGS),
            )
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    (free,) = db.execute("PRAGMA freelist_count").fetchone()
    if pages > 256 and free * 2 > pages:
        db.execute("VACUUM")


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a record written by an older docbatch up to this schema (columns are only added)."""
    for table, column, kind in (
        ("runs", "partial", "INTEGER"),
        ("runs", "deleted", "INTEGER"),
        ("documents", "detail", "TEXT"),
    ):
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            with db:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


#: Lock file descriptors this process holds; a forked child closes its copies (see _drop_locks).
_held_locks: set[int] = set()


def _drop_locks() -> None:
    """In a forked child: close the inherited descriptors of the parent's run lock.

    An flock belongs to the open file, which a fork shares: a worker holding a copy kept the
    output dir locked after its main process was killed, and every rerun was refused. Python
    opens files non-inheritable, but that only takes effect on exec, and pool workers are
    forked without one. Closing (never unlocking: that would free the parent's lock too)
    drops the child's hold and leaves the parent's intact.
    """
    for fd in _held_locks:
        os.close(fd)
    _held_locks.clear()


os.register_at_fork(after_in_child=_drop_locks)


def _set_aside(path: Path) -> Path:
    """Move an unreadable record (and its WAL files) to ``<name>.corrupt-<time>``; return where.

    A record damaged by a full disk or a stray write once refused every later run with
    "unexpected DatabaseError". The outputs, not the record, say what is done, so a new record
    loses nothing a rerun needs, and the old one is kept for whoever wants to look.
    """
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


class RunLock:
    """An exclusive lock on an output dir: a second run on it refuses to start.

    ``flock`` is released by the kernel when the last process holding the open file dies or
    closes it. Only the main process holds it (forked workers close their copy), so a killed
    run never leaves a stale lock behind.
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
        _held_locks.add(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            _held_locks.discard(self._fd)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


#: Columns ``read_run`` returns per document, in order.
REPORT_COLUMNS = ("status", "key", "reason", "file_type", "elements", "seconds", "uri", "output")


def read_run(
    output_dir: Path, run_id: str | None = None, *, failed_only: bool = False, now: bool = False
) -> tuple[dict, list[dict]]:
    """One run of the record in ``output_dir`` (the latest unless ``run_id``): its row in
    ``runs`` and its document rows. Opened read-only, so a report never disturbs a run.

    With ``now``, the latest outcome of every document across all runs instead (what is broken
    now, not only in the last run): a run row summing them up (``run_id`` "now") and one row
    per document, the latest that is an outcome rather than a skip of an unchanged one."""
    path = Path(output_dir) / RECORD_DIRNAME / "record.sqlite"
    return read_record(path, run_id, failed_only=failed_only, now=now)


def read_record(
    path: Path, run_id: str | None = None, *, failed_only: bool = False, now: bool = False, shown: str | None = None
) -> tuple[dict, list[dict]]:
    """:func:`read_run` of the record file at ``path`` (``shown``: how to name it to the user)."""
    shown = shown or str(path)
    if not path.is_file():
        raise ConfigError(f"No run record at {shown}; give the output of a docbatch run.")
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as e:
        raise ConfigError(f"Cannot open the run record {shown} ({e}).") from e
    db.row_factory = sqlite3.Row
    failed = " AND status = 'failed'" if failed_only else ""
    try:
        if now:
            return _read_now(db, failed)
        query = "SELECT * FROM runs WHERE run_id LIKE ? ORDER BY started DESC LIMIT 1"
        run = db.execute(query, (f"{run_id}%" if run_id else "%",)).fetchone()
        if run is None:
            raise ConfigError(f"No run {run_id!r} in {shown}." if run_id else f"The run record {shown} holds no run.")
        rows = db.execute(
            f"SELECT {', '.join(REPORT_COLUMNS)} FROM documents WHERE run_id = ?{failed} ORDER BY rowid",
            (run["run_id"],),
        )
        return dict(run), [dict(row) for row in rows]
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"The run record {shown} is unreadable ({e}); the next run sets it aside.") from e
    finally:
        db.close()


def _read_now(db: sqlite3.Connection, failed: str) -> tuple[dict, list[dict]]:
    latest = f"SELECT id FROM ({_LATEST}) WHERE n = 1"
    rows = [
        dict(row)
        for row in db.execute(
            f"SELECT {', '.join(REPORT_COLUMNS)} FROM documents WHERE rowid IN ({latest}){failed} ORDER BY key",
            _REPEAT_ARGS,
        )
    ]
    runs = db.execute("SELECT count(*), min(started), max(started), max(source) FROM runs").fetchone()
    counts: dict[str, int] = {}
    for (status, n) in db.execute(
        f"SELECT status, count(*) FROM documents WHERE rowid IN ({latest}) GROUP BY status", _REPEAT_ARGS
    ):
        counts[status] = n
    run = {
        "run_id": "now",
        "runs": runs[0],
        "first_started": runs[1],
        "started": runs[2],
        "source": runs[3],
        **{status: counts.get(status, 0) for status in ("ok", "partial", "skipped", "failed", "deleted")},
    }
    return run, rows
