"""The threads table: one small item per conversation thread (no message list: see ``messages``).

A thread holds its labels, team, assignee, status and counters. Messages are items of their own
table, so a thread with thousands of messages stays a few hundred bytes.

Every write that sets an activity time (:data:`ACTIVITY`) also sets ``active_day`` (the UTC date of
the latest of them) and ``active_at``: the keys of the ``by-day`` index, from which the daily digest
reads a day's threads without scanning the table (:func:`active_between`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from siu_core.aws.names import THREADS_BY_CUSTOMER, THREADS_BY_DAY, resource_names
from siu_core.store import ddb, keys

#: Thread attributes that mark activity (all fixed-width UTC text, so they compare as time).
ACTIVITY = ("opened_at", "last_inbound_at", "last_outbound_at", "closed_at", "sla_breached_at", "reopened_at")
ACTIVE_DAY = "active_day"
ACTIVE_AT = "active_at"


def table() -> str:
    """The table's physical name."""
    return resource_names().threads


def key(thread_id: str) -> ddb.Key:
    """The item key of a thread."""
    return {"thread_id": thread_id}


def get(thread_id: str) -> dict[str, Any] | None:
    """A thread, strongly consistent."""
    return ddb.get(table(), key(thread_id))


def for_customer(customer_key: str, *, newest_first: bool = True) -> list[dict[str, Any]]:
    """Every thread of a customer's conversation (history for the inbox; eventually consistent)."""
    return list(
        ddb.query_all(
            table(),
            index=THREADS_BY_CUSTOMER,
            key_condition="#c = :c",
            names={"#c": "customer_key"},
            vals=ddb.values(c=customer_key),
            forward=not newest_first,
        )
    )


def activity_fields(values: Mapping[str, Any]) -> dict[str, str]:
    """The ``by-day`` index keys a write sets: the latest activity time it writes, and that time's UTC day."""
    times = [str(v) for k, v in values.items() if k in ACTIVITY and isinstance(v, str) and v]
    if not times:
        return {}
    latest = max(times)
    return {ACTIVE_DAY: latest[:10], ACTIVE_AT: latest}


def active_between(start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Threads whose latest activity falls in ``[start, end)``, from the ``by-day`` index, page by page."""
    lo, hi = keys.ts(start), keys.ts(end)
    day = start.astimezone(UTC).date()
    while day.isoformat() <= hi[:10]:
        for item in ddb.query_all(table(), index=THREADS_BY_DAY, key_condition="#d = :d AND #a BETWEEN :lo AND :hi",
                                  names={"#d": ACTIVE_DAY, "#a": ACTIVE_AT},
                                  vals=ddb.values(d=day.isoformat(), lo=lo, hi=hi)):
            if lo <= str(item.get(ACTIVE_AT, "")) < hi:
                yield item
        day += timedelta(days=1)


def create_op(data: Mapping[str, Any]) -> ddb.TxItem:
    """Create a thread; fails if a thread with this (deterministic) id exists already."""
    return ddb.put_op(table(), {**data, **activity_fields(data)}, ddb.Cond.missing("thread_id"))


def change_op(
    thread_id: str,
    *,
    set_: Mapping[str, Any] | None = None,
    add: Mapping[str, int] | None = None,
    expect: ddb.Cond | None = None,
) -> ddb.TxItem:
    """Change a thread that exists (and matches ``expect``): SET (None removes) and ADD counters."""
    condition = ddb.Cond.exists("thread_id")
    if expect is not None:
        condition = condition & expect
    if set_ and (active := activity_fields(set_)):
        set_ = {**set_, **active}
    return ddb.update_op(table(), key(thread_id), set_=set_, add=add, condition=condition)


def watermark_op(thread_id: str, status: str, watermark: datetime) -> ddb.TxItem:
    """Move a delivery watermark (everything sent before it is ``status``) forward, never back."""
    attr = f"watermark_{status}"
    value = keys.ts(watermark)
    return ddb.update_op(
        table(), key(thread_id), set_={attr: value},
        condition=ddb.Cond.exists("thread_id") & (ddb.Cond.missing(attr) | ddb.Cond.lt(attr, value)),
    )
