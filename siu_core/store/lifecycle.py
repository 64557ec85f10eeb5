"""Thread state changes that span tables, each one transaction: assignment + counter + thread + audit.

The counter invariant (each teammate's ``open_threads`` equals their open assigned threads) holds
because nothing changes an assignment without changing the counter in the same transaction, every
transaction is guarded by conditions on the state it read (the thread's status and assignment
sequence, the customer head's version), and a lost race re-reads and tries again. The pipeline
(new, appended and reopened threads) and the inbox API (close, reassign, claim) go through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from siu_core.store import assignments, audit, customers, ddb, keys, loadcount, rollups, threads

MAX_ATTEMPTS = 5


class ThreadNotFound(KeyError):
    """No thread with that id."""


class StateConflict(ddb.TransactionConflict):
    """Still conflicting after every retry (heavy contention): the caller may try again later."""


@dataclass
class AssignmentChange:
    """What moving a thread to a new assignee (or queue) writes, split by item.

    ``thread_fields``/``head_fields`` merge into the caller's single thread and head write (a
    transaction may touch an item only once); ``ops`` are the other items.
    """

    thread_fields: dict[str, Any] = field(default_factory=dict)
    head_fields: dict[str, Any] = field(default_factory=dict)
    ops: list[ddb.TxItem] = field(default_factory=list)
    new_assignee: str | None = None


def change_assignment(
    thread_id: str,
    *,
    current_seq: int,
    current_assignee: str | None,
    current_open: bool,
    assignee: str | None,
    team: str,
    reason: str,
    urgency: str | None,
    at: datetime,
    sla_due: datetime | None,
    by: str,
    capacity: int | None,
    end_status: assignments.RowStatus = "superseded",
    waiting_since: datetime | None = None,
) -> AssignmentChange:
    """The writes that give a thread to ``assignee`` (a teammate) or, if None, to ``team``'s queue.

    ``current_*`` describe the thread's current row: if it is still open it is ended and, for a
    teammate, their counter goes down; the new row is ``current_seq + 1`` and a teammate's counter
    goes up (refused at ``capacity`` when given).
    """
    change = AssignmentChange(new_assignee=assignee)
    if current_open and current_seq > 0:
        change.ops.append(assignments.end_op(thread_id, current_seq, status=end_status, at=at))
        if current_assignee and not keys.is_queue(current_assignee):
            change.ops.append(loadcount.decrement_op(current_assignee))
    seq = current_seq + 1
    holder = assignee if assignee is not None else keys.queue_assignee(team)
    change.ops.append(
        assignments.open_op(thread_id, seq, assignee=holder, team=team, reason=reason, at=at,
                            urgency=urgency, sla_due=sla_due, by=by, waiting_since=waiting_since)
    )
    if assignee is not None:
        change.ops.append(loadcount.increment_op(assignee, at=at, capacity=capacity))
    action = "assigned" if assignee is not None else "queued"
    change.ops.append(
        audit.row_op(thread_id, action, by=by, at=at, ref=str(seq),
                     before={"assignee": current_assignee} if current_assignee else None,
                     after={"assignee": holder, "team": team, "reason": reason})
    )
    change.thread_fields = {
        "assignee": assignee,
        "queued_team": None if assignee is not None else team,
        "team": team,
        "assignment_seq": seq,
        "assigned_at": keys.ts(at),
        "sla_due": keys.ts(sla_due) if sla_due else None,
        "waiting_since": keys.ts(waiting_since) if waiting_since else None,
    }
    change.head_fields = {"assignee": assignee, "team": team, "assignment_seq": seq}
    return change


def _load(thread_id: str) -> tuple[dict[str, Any], customers.CurrentThread | None]:
    thread = threads.get(thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    head = customers.get(str(thread["customer_key"]))
    return thread, head


def _head_op(head: customers.CurrentThread | None, thread_id: str, **changes: Any) -> list[ddb.TxItem]:
    if head is None or head.thread_id != thread_id:
        return []
    return [customers.put_op(head.evolve(**changes), head.version)]


def _guard(thread: dict[str, Any]) -> ddb.Cond:
    return ddb.Cond.eq("status", thread["status"]) & ddb.Cond.eq(
        "assignment_seq", int(thread.get("assignment_seq", 0))
    )


def _retrying(attempt_once: Any) -> Any:
    last: ddb.TransactionConflict | None = None
    for _ in range(MAX_ATTEMPTS):
        try:
            return attempt_once()
        except ddb.TransactionConflict as exc:
            last = exc
    assert last is not None
    raise StateConflict(last.failed, last.codes, last.old) from last


def close_thread(thread_id: str, *, by: str, at: datetime) -> bool:
    """Close an open thread: its row ends, its assignee's counter drops. False if already closed."""

    def once() -> bool:
        thread, head = _load(thread_id)
        if thread["status"] != "open":
            return False
        seq = int(thread.get("assignment_seq", 0))
        assignee = thread.get("assignee")
        ops = [threads.change_op(thread_id, set_={"status": "closed", "closed_at": keys.ts(at), "closed_by": by,
                                                         "queued_team": None},
                                 expect=_guard(thread))]
        ops += _head_op(head, thread_id, status="closed", closed_at=keys.ts(at))
        if seq > 0:
            ops.append(assignments.end_op(thread_id, seq, status="closed", at=at))
        if assignee:
            ops.append(loadcount.decrement_op(str(assignee)))
        ops.append(audit.row_op(thread_id, "closed", by=by, at=at, ref=str(seq),
                                before={"status": "open", "assignee": assignee}, after={"status": "closed"}))
        ops += rollups.thread_fact_ops("closed", thread, at=at)
        ddb.transact(ops)
        return True

    result: bool = _retrying(once)
    return result


def _reassign(thread_id: str, to: str, *, by: str, at: datetime, reason: str, only_if_queued: bool) -> bool:
    def once() -> bool:
        thread, head = _load(thread_id)
        if thread["status"] != "open":
            raise ValueError(f"thread {thread_id} is closed; reopen it first")
        current = thread.get("assignee")
        if current == to or (only_if_queued and current is not None):
            return False
        change = change_assignment(
            thread_id,
            current_seq=int(thread.get("assignment_seq", 0)),
            current_assignee=current or (keys.queue_assignee(str(thread["queued_team"]))
                                         if thread.get("queued_team") else None),
            current_open=True,
            assignee=to,
            team=str(thread.get("team") or thread.get("queued_team")),
            reason=reason,
            urgency=thread.get("urgency"),
            at=at,
            sla_due=keys.parse_ts(thread["sla_due"]) if thread.get("sla_due") else None,
            by=by,
            capacity=None,  # a person's explicit choice may exceed the routing capacity
            waiting_since=keys.parse_ts(thread["waiting_since"]) if thread.get("waiting_since") else None,
        )
        expect = _guard(thread) & (ddb.Cond.missing("assignee") if current is None
                                   else ddb.Cond.eq("assignee", current))
        ops = [threads.change_op(thread_id, set_=change.thread_fields, expect=expect)]
        ops += _head_op(head, thread_id, **change.head_fields)
        ops += change.ops
        ddb.transact(ops)
        return True

    result: bool = _retrying(once)
    return result


def reassign_thread(thread_id: str, to: str, *, by: str, at: datetime, reason: str = "reassigned") -> bool:
    """Give an open thread to teammate ``to`` (counters of both move). False if ``to`` has it already."""
    return _reassign(thread_id, to, by=by, at=at, reason=reason, only_if_queued=False)


def claim_thread(thread_id: str, assignee: str, *, at: datetime) -> bool:
    """A teammate takes a thread from their team's unassigned queue. False if someone has it already."""
    return _reassign(thread_id, assignee, by=f"user:{assignee}", at=at, reason="claimed", only_if_queued=True)
