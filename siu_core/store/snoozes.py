"""Snoozed threads: the thread's own fields, and an index by due time in the composer table.

A snoozed thread holds ``snoozed_until`` (RFC 3339, or ``customer_reply``), ``snoozed_at``, ``snoozed_by``;
``snooze_spans`` keeps the ended snoozes (``{"from", "to"}``) the SLA clock skips. Every snoozed thread has
one index item ``snoozed`` / ``<due>#<thread>`` (``~customer_reply#<thread>`` when it waits for the customer:
``~`` sorts after every time, so a due-time Query never reaches it): the sweep finds the due ones with one
Query on a key range, the "Snoozed" view lists them all, and neither ever scans a table.

The thread's current assignment row carries ``snoozed`` while it sleeps, so the queues' pages and counts
(read from the assignments index) leave it out without reading the thread.

Snoozing and waking are each one transaction guarded by the ``snoozed_at`` that was read (and the thread's
status and assignment sequence), so a retry or a second waker changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from siu_core.snooze import CUSTOMER_REPLY, Return
from siu_core.store import assignments, audit, customers, ddb, keys, lifecycle, threads
from siu_core.store.saved_replies import table as composer_table

INDEX_PK = "snoozed"
WAITING = "~" + CUSTOMER_REPLY


def table() -> str:
    """The composer table's physical name (the due index lives there)."""
    return composer_table()


def index_key(until: str, thread_id: str) -> ddb.Key:
    """The index item of one snoozed thread (``until``: a stored time or ``customer_reply``)."""
    due = WAITING if until == CUSTOMER_REPLY else until
    return {"pk": INDEX_PK, "sk": f"{due}#{thread_id}"}


def _seen(thread: Mapping[str, Any]) -> ddb.Cond:
    """The thread is as read: same status, assignment and snooze."""
    cond = ddb.Cond.eq("status", thread["status"]) & ddb.Cond.eq("assignment_seq", int(thread.get("assignment_seq", 0)))
    at = thread.get("snoozed_at")
    return cond & (ddb.Cond.eq("snoozed_at", at) if at else ddb.Cond.missing("snoozed_at"))


def _mark(thread: Mapping[str, Any], *, snoozed: bool) -> list[ddb.TxItem]:
    """Mark (or unmark) the thread's current assignment row; none for a thread never assigned."""
    seq = int(thread.get("assignment_seq", 0))
    if not seq:
        return []
    return [ddb.update_op(assignments.table(), assignments.key(str(thread["thread_id"]), seq),
                          set_={"snoozed": True if snoozed else None}, condition=ddb.Cond.exists("thread_id"))]


def snooze(thread: Mapping[str, Any], until: str, *, by: str, at: datetime) -> None:
    """Snooze an open thread (or move the time of a snooze); ConditionFailed-style conflict if it changed."""
    thread_id = str(thread["thread_id"])
    before = thread.get("snoozed_until")
    # snoozed_at stays when a snooze is only moved: the clock has stood still since the first one.
    ops = [ddb.update_op(threads.table(), threads.key(thread_id), set_={"snoozed_until": until, "snoozed_by": by},
                         set_if_missing={"snoozed_at": keys.ts(at)},
                         condition=ddb.Cond.exists("thread_id") & _seen(thread) & ddb.Cond.eq("status", "open"))]
    if before and before != until:
        ops.append(ddb.delete_op(table(), index_key(str(before), thread_id)))
    ops.append(ddb.put_op(table(), {**index_key(until, thread_id), "thread_id": thread_id, "until": until,
                                    "by": by}))
    ops += _mark(thread, snoozed=True)
    ops.append(audit.row_op(thread_id, "snoozed", by=by, at=at, ref=until,
                            before={"snoozed_until": before} if before else None, after={"snoozed_until": until}))
    ddb.transact(ops)


def wake(thread: Mapping[str, Any], *, reason: str, back: Return, by: str, at: datetime) -> None:
    """End a thread's snooze: the span kept for the SLA, the index item gone, back to ``back``; audited."""
    thread_id = str(thread["thread_id"])
    since = str(thread["snoozed_at"])
    until = str(thread.get("snoozed_until") or CUSTOMER_REPLY)
    sets: dict[str, Any] = {"snoozed_until": None, "snoozed_at": None, "snoozed_by": None}
    ops: list[ddb.TxItem] = []
    current = thread.get("assignee")
    if thread.get("status") == "open" and current and back.to is None and back.team:
        change = lifecycle.change_assignment(
            thread_id, current_seq=int(thread.get("assignment_seq", 0)), current_assignee=str(current),
            current_open=True, assignee=None, team=back.team, reason=f"snooze_{back.reason}",
            urgency=thread.get("urgency"), at=at,
            sla_due=keys.parse_ts(thread["sla_due"]) if thread.get("sla_due") else None, by=by, capacity=None,
            waiting_since=keys.parse_ts(thread["waiting_since"]) if thread.get("waiting_since") else None)
        sets.update(change.thread_fields)
        head = customers.get(str(thread["customer_key"])) if thread.get("customer_key") else None
        if head is not None and head.thread_id == thread_id:
            ops.append(customers.put_op(head.evolve(**change.head_fields), head.version))
        ops += change.ops  # the row that carried the mark is superseded by the queue's new one
    else:
        ops += _mark(thread, snoozed=False)
    update = ddb.update_op(threads.table(), threads.key(thread_id), set_=sets,
                           append={"snooze_spans": [{"from": since, "to": keys.ts(at)}]},
                           condition=ddb.Cond.exists("thread_id") & _seen(thread))
    ops = [update, ddb.delete_op(table(), index_key(until, thread_id)), *ops,
           audit.row_op(thread_id, "unsnoozed", by=by, at=at, ref=since,
                        before={"snoozed_until": until},
                        after={"reason": reason, "back_to": back.to or (f"queue:{back.team}" if back.team else None)})]
    ddb.transact(ops)


def due(now: datetime, *, limit: int = 100) -> list[dict[str, Any]]:
    """Index items of snoozes whose time has come (oldest first; one Query on the due-time range)."""
    items, _ = ddb.query(table(), key_condition="#p = :p AND #s <= :s", names={"#p": "pk", "#s": "sk"},
                         vals=ddb.values(p=INDEX_PK, s=f"{keys.ts(now)}#~"), limit=limit)
    return items


def listing() -> list[dict[str, Any]]:
    """Every snoozed thread's index item, soonest first (those waiting for the customer last)."""
    return list(ddb.query_all(table(), key_condition="#p = :p", names={"#p": "pk"}, vals=ddb.values(p=INDEX_PK)))
