"""The assignments table: one row per (re)assignment of a thread, and each teammate's open queue.

Row key: ``thread_id`` + ``seq`` (the thread's n-th assignment, so a retried write hits the same row).
``status`` is ``open`` while the row is the thread's current assignment and the thread is open,
``closed`` when the thread closed, ``superseded`` when someone else took it. A team's unassigned
queue is rows whose assignee is ``queue#<team>`` (see :func:`siu_core.store.keys.queue_assignee`).
The ``by-assignee-status`` index lists a teammate's (or a queue's) open rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from siu_core.aws.names import ASSIGNMENTS_BY_ASSIGNEE, resource_names
from siu_core.store import ddb, keys

RowStatus = Literal["open", "closed", "superseded"]


def table() -> str:
    """The table's physical name."""
    return resource_names().assignments


def key(thread_id: str, seq: int) -> ddb.Key:
    """The item key of one assignment row."""
    return {"thread_id": thread_id, "seq": seq}


def open_op(
    thread_id: str, seq: int, *, assignee: str, team: str, reason: str, at: datetime,
    urgency: str | None, sla_due: datetime | None, by: str, waiting_since: datetime | None = None,
) -> ddb.TxItem:
    """Create the thread's ``seq``-th assignment row, open (fails if that row exists)."""
    data = {
        "thread_id": thread_id,
        "seq": seq,
        "assignee": assignee,
        "team": team,
        "status": "open",
        "reason": reason,
        "assigned_at": keys.ts(at),
        "urgency": urgency,
        "sla_due": keys.ts(sla_due) if sla_due else None,
        "waiting_since": keys.ts(waiting_since) if waiting_since else None,
        "by": by,
    }
    return ddb.put_op(table(), data, ddb.Cond.missing("thread_id"))


def end_op(thread_id: str, seq: int, *, status: RowStatus, at: datetime) -> ddb.TxItem:
    """End the current row (thread closed, or someone else took it); it must still be open."""
    return ddb.update_op(
        table(), key(thread_id, seq), set_={"status": status, "ended_at": keys.ts(at)},
        condition=ddb.Cond.eq("status", "open"),
    )


def open_rows(assignee: str) -> list[dict[str, Any]]:
    """A teammate's (or queue's) open rows, longest-waiting customer first (eventually consistent index)."""
    rows = list(
        ddb.query_all(
            table(),
            index=ASSIGNMENTS_BY_ASSIGNEE,
            key_condition="#a = :a AND #s = :s",
            names={"#a": "assignee", "#s": "status"},
            vals=ddb.values(a=assignee, s="open"),
        )
    )
    return sorted(rows, key=lambda r: (str(r.get("waiting_since") or r.get("assigned_at", "")),
                                       str(r.get("assigned_at", "")), str(r["thread_id"])))


def awake(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose thread is not snoozed (a snoozed thread's row carries ``snoozed``): what a queue shows."""
    return [r for r in rows if not r.get("snoozed")]


def unassigned(team: str) -> list[dict[str, Any]]:
    """The team's unassigned queue, oldest first."""
    return open_rows(keys.queue_assignee(team))


def history(thread_id: str) -> list[dict[str, Any]]:
    """Every assignment row of a thread, in order."""
    return list(
        ddb.query_all(
            table(), key_condition="#t = :t", names={"#t": "thread_id"}, vals=ddb.values(t=thread_id)
        )
    )
