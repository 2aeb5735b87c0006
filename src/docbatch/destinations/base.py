"""The destination interface: where a document's elements go, and what a rerun may skip.

A rerun decides from the destination alone, never from the run record (which may be lost with
the machine): each destination can say, in one listing, which outputs it holds and the *stamp*
each was made from (:func:`docbatch.model.stamp`: the document's version from the source
listing plus the processing fingerprint). Backends keep stamps however suits them (marker
objects beside the outputs, a table), but always so that a stamp is only ever present for an
output that is whole and made from that stamp's version.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docbatch.errors import ConfigError
from docbatch.model import UNVERSIONED, DocumentMeta, Picture

__all__ = ["Destination", "Known", "known_from_rows", "local_state_dir"]


@dataclass(slots=True)
class Known:
    """What a destination holds under one output name, as its listing tells it."""

    #: An output is there (perhaps of an older version, perhaps without a stamp).
    output: bool = False
    #: Stamps of the whole outputs written (normally one; two only after a kill between writes).
    done: set[str] = field(default_factory=set)
    #: Stamps of versions that failed for good (damaged, encrypted, unsupported).
    failed: set[str] = field(default_factory=set)
    #: The source that wrote it, when the store lists it (see :meth:`Destination.owner_of`).
    owner: str | None = None
    #: The picture files written beside the output (file trees only), as paths under the root.
    pictures: set[str] = field(default_factory=set)

    @property
    def ours(self) -> bool:
        """Whether docbatch wrote it: only an output with a stamp is docbatch's. A file that merely
        looks like an output (a user's ``notes.json``) has none, and is never reported or removed.
        Pictures named as docbatch names them, with no output beside them, are what a kill while
        removing an output left: docbatch's too."""
        return bool(self.done or self.failed or (self.pictures and not self.output))


class Destination(ABC):
    """Somewhere elements are written. Destinations are pickled into worker processes, and
    keep their clients (connections, sessions) out of the pickle."""

    name: str = "destination"
    #: The source this run writes for, when it is not the one the destination was first filled
    #: from (``--allow-other-source``); None for that first one. Stored with every stamp, so each
    #: source's ``--delete-orphans`` removes only its own outputs. Set by the run before workers start.
    owner: str | None = None
    #: Whether workers may be forked from a process that has used this destination; False starts
    #: them afresh (spawn), for a library whose state does not survive a fork.
    fork_safe: bool = True
    #: Whether pictures can be written as files beside the outputs (see :meth:`picture_location`).
    writes_pictures: bool = False

    def check(self) -> None:  # noqa: B027 - optional hook
        """Reach the destination and create what it needs; raise ConfigError (one sentence) if not."""

    def describe(self) -> str:
        return self.name

    @abstractmethod
    def name_for(self, doc: DocumentMeta) -> str:
        """The document's output name; raises UnsafePath for a key that cannot be one."""

    @abstractmethod
    def state(self) -> dict[str, Known]:
        """Everything the destination holds, by output name, from one listing."""

    def is_whole(self, name: str) -> bool:
        """Whether a listed output is whole; stores with atomic writes always say yes."""
        return True

    @abstractmethod
    def write(
        self,
        doc: DocumentMeta,
        elements: list[dict[str, Any]],
        stamp: str | None,
        pictures: Sequence[Picture] | None = None,
    ) -> str:
        """Store the elements, then their stamp, each atomically; return where they went.

        ``pictures`` (only where :attr:`writes_pictures`) are the document's picture files: written
        before the elements that point at them, and those of an earlier version not among them
        removed before the stamp. None: the run writes no picture files (nothing is removed).
        """

    def picture_location(self, doc: DocumentMeta, name: str) -> str:
        """Where the picture file ``name`` of ``doc`` goes: the ``metadata.image_path`` elements carry."""
        raise ConfigError(f"The output {self.describe()} takes pictures only in the elements (image_base64).")

    @abstractmethod
    def mark_failed(self, doc: DocumentMeta, stamp: str | None, reason: str) -> None:
        """Remember that this version failed for good, and drop any output of an older one."""

    @abstractmethod
    def forget(self, name: str, known: Known) -> None:
        """Drop the stamps of ``name`` before it is redone, so a kill mid-write never leaves an
        old stamp vouching for a new (or missing) output."""

    @abstractmethod
    def remove(self, name: str, known: Known) -> None:
        """Delete the output and stamps of a document gone from its source."""

    def owner_of(self, name: str, known: Known) -> str | None:
        """The source that wrote the output ``name`` (as :attr:`owner` was when it was written)."""
        return known.owner

    def location(self) -> str | None:
        """The tree the outputs go to, as :mod:`docbatch.locations` spells it (None for a database)."""
        return None

    @abstractmethod
    def recorded_source(self) -> str | None:
        """The source this destination was first filled from, or None when it is new."""

    @abstractmethod
    def remember_source(self, source: str) -> None:
        """Store the source's description for :meth:`recorded_source`."""

    @abstractmethod
    def state_dir(self) -> Path:
        """A local folder for this run's lock and record."""

    def local_root(self) -> Path | None:
        """The local folder outputs go to, if any: a source on the same disk must not list it."""
        return None

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold the destination against a second run for as long as the block lasts, where the
        destination itself can (a PostgreSQL advisory lock); raise ConfigError when another run
        holds it. The local lock in :meth:`state_dir` only guards one machine and one spelling."""
        return contextlib.nullcontext()

    def keep_record(self, run_id: str, path: Path) -> None:  # noqa: B027 - optional hook
        """Copy the finished run record into the destination when it lives elsewhere: as the
        copy of run ``run_id`` and as the latest (what :meth:`read_record` gives by default)."""

    def read_record(self, run_id: str | None = None) -> bytes | None:
        """The bytes of a run record :meth:`keep_record` kept: the latest, or the copy made at the
        end of run ``run_id`` (its full id); None when there is none."""
        return None

    def finish(self) -> None:  # noqa: B027 - optional hook
        """Tidy up once the workers are done (a store compacting a run's many small commits)."""


def known_from_rows(rows: Iterable[tuple[str, str | None, bool, str | None]]) -> dict[str, Known]:
    """What a table of documents holds, from its ``(key, stamp, ok, source)`` rows (PostgreSQL,
    LanceDB). Every row is docbatch's own: one without a version still gets a stamp, so it counts as ours."""
    known: dict[str, Known] = {}
    for key, stamp, ok, source in rows:
        entry = known.setdefault(key, Known(owner=source))
        entry.output = entry.output or ok
        (entry.done if ok else entry.failed).add(stamp or UNVERSIONED)
    return known


def local_state_dir(identity: str) -> Path:
    """Where a run into a remote destination keeps its lock and its record while it runs.

    The lock only has to stop two runs on this machine; the record is copied into the
    destination when the run ends (:meth:`Destination.keep_record`), so losing this folder with
    the machine loses nothing a rerun needs: what to skip is told by the destination itself.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "docbatch" / hashlib.sha256(identity.encode()).hexdigest()[:16]
