"""What a partitioner has to say besides its elements: parts it lost, and remarks on an ok result.

A deck with one unreadable picture still yields its other slides; a PDF of blank pages yields no
elements and is still not a failure. Partitioners tell the run so through two calls, without
threading a result object through every helper of every format:

- :func:`part_lost` names a part (``"slide 5"``, ``"attachment report.xls"``) that was skipped
  and why; a document with lost parts ends ``partial`` with those names as its reason.
- :func:`remark` explains an ``ok`` result a reader would otherwise question
  (``"no text on 3 blank pages"``).

:func:`collecting` opens the notebook around one document (the partition path does this); the
calls are no-ops outside one, so a partitioner used on its own still works.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["Notes", "collecting", "part_lost", "remark"]

#: How many lost parts a reason names before it says "and N more".
_NAMED_PARTS = 5


@dataclass(slots=True)
class Notes:
    """Lost parts and remarks gathered while one document was partitioned."""

    lost: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    def lost_reason(self) -> str:
        """One line naming the lost parts, e.g. ``"slide 5: picture unreadable; slide 9: ..."``."""
        named = "; ".join(self.lost[:_NAMED_PARTS])
        more = len(self.lost) - _NAMED_PARTS
        return f"{named}; and {more} more parts lost" if more > 0 else named

    def remark_text(self) -> str:
        return "; ".join(dict.fromkeys(self.remarks))  # in order, each once


_current: ContextVar[Notes | None] = ContextVar("docbatch_partition_notes", default=None)


@contextmanager
def collecting() -> Iterator[Notes]:
    """Gather :func:`part_lost` and :func:`remark` calls made while the block runs."""
    notes = Notes()
    token = _current.set(notes)
    try:
        yield notes
    finally:
        _current.reset(token)


def part_lost(part: str, why: str) -> None:
    """Record that ``part`` of the current document was skipped because of ``why``."""
    notes = _current.get()
    if notes is not None:
        notes.lost.append(f"{part}: {why}" if why else part)


def remark(text: str) -> None:
    """Record a remark that explains an ok result (kept once per distinct text)."""
    notes = _current.get()
    if notes is not None:
        notes.remarks.append(text)
