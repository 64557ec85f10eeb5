"""Where a resumable export stands, and which step comes next. Pure (the job item stores it).

An export goes: the opening (who, conversations, the list of threads), every thread (one step
each), every thread's messages (one step per page), then the assembly of the document. A step that
finds nothing to do moves on without writing anything, so the cursor always names real work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Phase = Literal["opening", "threads", "messages", "assemble"]


@dataclass(frozen=True)
class Cursor:
    """The next step: its phase, the thread it is at (an index into the job's thread list), the page key."""

    phase: Phase = "opening"
    thread: int = 0
    start: str | None = None

    def as_item(self) -> dict[str, Any]:
        """The job item's ``cursor`` attribute."""
        return {"phase": self.phase, "thread": self.thread, "start": self.start}


def from_item(item: Mapping[str, Any] | None) -> Cursor:
    """The cursor a job item holds (a new job starts at the opening)."""
    if not item:
        return Cursor()
    phase = str(item.get("phase") or "opening")
    if phase not in ("opening", "threads", "messages", "assemble"):
        raise ValueError(f"unknown export phase {phase!r}")
    start = item.get("start")
    return Cursor(phase=phase, thread=int(item.get("thread") or 0),  # type: ignore[arg-type]
                  start=None if start is None else str(start))


def _settle(cursor: Cursor, threads: int) -> Cursor:
    """Skip past phases with nothing left to read."""
    if cursor.phase == "threads" and cursor.thread >= threads:
        cursor = Cursor("messages", 0)
    if cursor.phase == "messages" and cursor.thread >= threads:
        cursor = Cursor("assemble")
    return cursor


def after_opening(threads: int) -> Cursor:
    """After the opening: the first thread (or straight to the assembly when there is none)."""
    return _settle(Cursor("threads", 0), threads)


def after_thread(cursor: Cursor, threads: int) -> Cursor:
    """After a thread's step: the next thread, then the first thread's messages."""
    return _settle(Cursor("threads", cursor.thread + 1), threads)


def after_page(cursor: Cursor, threads: int, next_start: str | None) -> Cursor:
    """After a page of messages: the next page of the same thread, or the next thread's first page."""
    if next_start is not None:
        return Cursor("messages", cursor.thread, next_start)
    return _settle(Cursor("messages", cursor.thread + 1), threads)
