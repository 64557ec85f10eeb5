"""The loadcount table: each teammate's open-thread counter.

The counter only ever changes inside a transaction that also changes the assignment it counts
(see :mod:`siu_core.store.lifecycle` and :mod:`siu_core.pipeline.apply`), so it cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from siu_core.aws.names import resource_names
from siu_core.store import ddb, keys


@dataclass(frozen=True)
class Load:
    """A teammate's open threads and when they last got one (round-robin order)."""

    assignee: str
    open_threads: int = 0
    last_assigned_at: str | None = None


def table() -> str:
    """The table's physical name."""
    return resource_names().loadcount


def key(assignee: str) -> ddb.Key:
    """The item key of a teammate's counter."""
    return {"assignee": assignee}


def all_loads() -> dict[str, Load]:
    """Every counter (one small scan; read once per batch)."""
    out: dict[str, Load] = {}
    for data in ddb.scan_all(table()):
        load = Load(str(data["assignee"]), int(data.get("open_threads", 0)), data.get("last_assigned_at"))
        out[load.assignee] = load
    return out


def get(assignee: str) -> Load:
    """One teammate's counter (zero when they never had a thread)."""
    data = ddb.get(table(), key(assignee))
    if data is None:
        return Load(assignee)
    return Load(assignee, int(data.get("open_threads", 0)), data.get("last_assigned_at"))


def increment_op(assignee: str, *, at: datetime, capacity: int | None) -> ddb.TxItem:
    """One more open thread (refused at ``capacity`` when given), stamping the round-robin time."""
    condition = None
    if capacity is not None:
        condition = ddb.Cond.missing("open_threads") | ddb.Cond.lt("open_threads", capacity)
    return ddb.update_op(
        table(), key(assignee), set_={"last_assigned_at": keys.ts(at)}, add={"open_threads": 1},
        condition=condition,
    )


def decrement_op(assignee: str) -> ddb.TxItem:
    """One open thread fewer; refused below zero (that would be drift, and must fail loudly)."""
    return ddb.update_op(
        table(), key(assignee), add={"open_threads": -1}, condition=ddb.Cond.ge("open_threads", 1)
    )
