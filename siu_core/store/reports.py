"""Reads for the daily digest: the threads that were active in a period or are open, and their messages.

No table scan: the active threads come from the threads table's ``by-day`` index
(:func:`siu_core.store.threads.active_between`), the open ones from the assignments' open rows
(:mod:`siu_core.store.open_threads`), both paged. Message counts come from the messages table's
per-thread index, ranged on the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from siu_core.aws.names import MESSAGES_BY_THREAD
from siu_core.digest import ThreadDay
from siu_core.store import ddb, keys, messages, threads


def messages_between(thread_id: str, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """A thread's messages with platform time in ``[start, end)``."""
    # sort_key is "<ts>#<message id>": every key of an instant before ``end`` sorts below ts(end).
    yield from ddb.query_all(
        messages.table(), index=MESSAGES_BY_THREAD,
        key_condition="#t = :t AND #s BETWEEN :a AND :b",
        names={"#t": "thread_id", "#s": "sort_key"},
        vals=ddb.values(t=thread_id, a=keys.ts(start), b=keys.ts(end)),
    )


def _within(value: Any, start: str, end: str) -> bool:
    return isinstance(value, str) and start <= value < end


def day_threads(start: datetime, end: datetime, open_now: Iterable[Mapping[str, Any]] = ()) -> list[ThreadDay]:
    """Each thread's part in ``[start, end)``: messages in and out, open now, breached in the period.

    ``open_now`` are the open threads (:func:`siu_core.store.open_threads.read`); the threads active in
    the period come from the ``by-day`` index.
    """
    lo, hi = keys.ts(start), keys.ts(end)
    found: dict[str, Mapping[str, Any]] = {str(t["thread_id"]): t for t in threads.active_between(start, end)}
    found.update({str(t["thread_id"]): t for t in open_now})
    out = []
    for thread in found.values():
        messages_in = messages_out = 0
        if any(_within(thread.get(a), lo, "9999") for a in ("last_inbound_at", "last_outbound_at",
                                                            "last_message_at")):
            for message in messages_between(str(thread["thread_id"]), start, end):
                if message.get("direction") == "in":
                    messages_in += 1
                elif message.get("direction") == "out":
                    messages_out += 1
        out.append(ThreadDay(
            thread_id=str(thread["thread_id"]),
            team=str(thread.get("team") or thread.get("queued_team") or "unrouted"),
            topic=str(thread.get("topic") or "other"),
            messages_in=messages_in,
            messages_out=messages_out,
            open_now=thread.get("status") == "open",
            breached=_within(thread.get("sla_breached_at"), lo, hi),
        ))
    return out
