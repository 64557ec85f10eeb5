"""The threads table: one small item per conversation thread (no message list: see ``messages``).

A thread holds its labels, team, assignee, status and counters. Messages are items of their own
table, so a thread with thousands of messages stays a few hundred bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from siu_core.aws.names import THREADS_BY_CUSTOMER, resource_names
from siu_core.store import ddb, keys


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



def create_op(data: Mapping[str, Any]) -> ddb.TxItem:
    """Create a thread; fails if a thread with this (deterministic) id exists already."""
    return ddb.put_op(table(), data, ddb.Cond.missing("thread_id"))


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
    return ddb.update_op(table(), key(thread_id), set_=set_, add=add, condition=condition)


def watermark_op(thread_id: str, status: str, watermark: datetime) -> ddb.TxItem:
    """Move a delivery watermark (everything sent before it is ``status``) forward, never back."""
    attr = f"watermark_{status}"
    value = keys.ts(watermark)
    return ddb.update_op(
        table(), key(thread_id), set_={attr: value},
        condition=ddb.Cond.exists("thread_id") & (ddb.Cond.missing(attr) | ddb.Cond.lt(attr, value)),
    )
