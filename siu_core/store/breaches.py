"""SLA breaches: one transaction per breach, so a breach is acted on exactly once per opening.

The thread's ``sla_breached_at`` is set under the condition that the thread is still open, still on
the same assignment, and not yet marked for this opening (clock start). With a target, the same
transaction moves the assignment (rows, both counters, customer head) and writes the
``sla_breached`` and ``rerouted`` audit rows; without one, the thread stays and is flagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from siu_core.store import audit, customers, ddb, keys, lifecycle, rollups, threads


def record_breach(thread: Mapping[str, Any], *, target: str | None, reason: str, start: datetime, due: datetime,
                  at: datetime, by: str, capacity: int | None) -> None:
    """Mark the breach and, with a target, re-route the thread; TransactionConflict when it changed."""
    thread_id = str(thread["thread_id"])
    seq = int(thread.get("assignment_seq", 0))
    current = thread.get("assignee")
    team = str(thread.get("team") or thread.get("queued_team") or "")
    start_ts = keys.ts(start)
    guard = (ddb.Cond.eq("status", "open") & ddb.Cond.eq("assignment_seq", seq)
             & (ddb.Cond.missing("sla_breached_at") | ddb.Cond.lt("sla_breached_at", start_ts)))
    breach = {"sla_breached_at": keys.ts(at), "sla_due_missed": keys.ts(due)}
    facts = {"due": keys.ts(due), "started": start_ts, "assignee": current, "team": team}
    ops: list[ddb.TxItem] = []
    if target is None:
        ops.append(threads.change_op(thread_id, set_={**breach, "sla_flagged": True}, expect=guard))
        ops.append(audit.row_op(thread_id, "sla_breached", by=by, at=at, ref=start_ts, before=facts,
                                after={"rerouted": False, "flagged": True, "reason": reason}))
        ops += rollups.thread_fact_ops("breached", thread, at=at, start=start)
        ddb.transact(ops)
        return
    holder = current or (keys.queue_assignee(team) if seq > 0 else None)
    change = lifecycle.change_assignment(
        thread_id, current_seq=seq, current_assignee=holder, current_open=seq > 0, assignee=target, team=team,
        reason=f"sla_breach:{reason}", urgency=thread.get("urgency"), at=at,
        sla_due=keys.parse_ts(thread["sla_due"]) if thread.get("sla_due") else None, by=by, capacity=capacity,
        waiting_since=keys.parse_ts(thread["waiting_since"]) if thread.get("waiting_since") else None,
    )
    ops.append(threads.change_op(thread_id, set_={**change.thread_fields, **breach, "sla_flagged": None},
                                 expect=guard))
    head = customers.get(str(thread["customer_key"])) if thread.get("customer_key") else None
    if head is not None and head.thread_id == thread_id:
        ops.append(customers.put_op(head.evolve(**change.head_fields), head.version))
    ops += change.ops
    ops.append(audit.row_op(thread_id, "sla_breached", by=by, at=at, ref=start_ts, before=facts,
                            after={"rerouted": True, "to": target, "reason": reason}))
    ops.append(audit.row_op(thread_id, "rerouted", by=by, at=at, ref=str(seq + 1),
                            before={"assignee": current}, after={"assignee": target, "reason": reason}))
    ops += rollups.thread_fact_ops("breached", thread, at=at, start=start)
    ddb.transact(ops)
