"""Reads for the daily digest: the threads that were active in a period, and their messages in it.

No index orders threads by time, so the digest scans the threads table once with a filter (open,
or any activity since the period began): one daily scan of small items, paid once a day. Message
counts come from the messages table's per-thread index, ranged on the period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from siu_core.aws import clients
from siu_core.aws.names import MESSAGES_BY_THREAD
from siu_core.digest import ThreadDay
from siu_core.store import ddb, keys, messages, threads

#: Thread attributes that mark activity (all fixed-width UTC text, so >= compares as time).
ACTIVITY = ("opened_at", "last_inbound_at", "last_outbound_at", "closed_at", "sla_breached_at", "reopened_at")


def active_threads(since: datetime) -> Iterator[dict[str, Any]]:
    """Every thread that is open now or had any activity at or after ``since``."""
    cond = ddb.Cond.eq("status", "open")
    for attr in ACTIVITY:
        cond = cond | ddb.Cond.ge(attr, keys.ts(since))
    expr = ddb.Expr()
    request: dict[str, Any] = {"TableName": threads.table(), "FilterExpression": cond.render(expr),
                               "ExpressionAttributeNames": expr.names, "ExpressionAttributeValues": expr.vals}
    client = clients.dynamodb()
    while True:
        response = client.scan(**request)
        for raw in response.get("Items", []):
            yield ddb.from_ddb(raw) or {}
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


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


def day_threads(start: datetime, end: datetime) -> list[ThreadDay]:
    """Each thread's part in ``[start, end)``: messages in and out, open now, breached in the period."""
    lo, hi = keys.ts(start), keys.ts(end)
    out = []
    for thread in active_threads(start):
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
