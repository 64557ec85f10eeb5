"""Bringing snoozed threads back: after a customer message (ingest) and when their time comes (the SLA sweep).

The rule is :func:`siu_core.snooze.wake_reason` on the thread as stored, and where it goes is
:func:`siu_core.snooze.return_to` on the live roster; :func:`siu_core.store.snoozes.wake` applies it in one
guarded transaction. A lost race re-reads; a thread someone else woke already is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from siu_core import obs, snooze
from siu_core.store import ddb, roster, snoozes, threads

MAX_ATTEMPTS = 3


def wake_if_due(thread_id: str, now: datetime, *, by: str) -> snooze.WakeReason | None:
    """Wake one thread if the customer wrote since it was snoozed or its time came; the reason, or None."""
    for _ in range(MAX_ATTEMPTS):
        thread = threads.get(thread_id)
        if thread is None or not thread.get("snoozed_at"):
            return None
        reason = snooze.wake_reason(thread, now)
        if reason is None:
            return None
        back = return_for(thread)
        try:
            snoozes.wake(thread, reason=reason, back=back, by=by, at=now)
        except ddb.TransactionConflict:
            continue
        obs.metric("SnoozesEnded", reason=reason)
        obs.get_logger("snooze").info("snoozed thread back", extra={"thread_id": thread_id, "reason": reason,
                                                                   "to": back.to, "team": back.team})
        return reason
    return None


def wake_due(now: datetime, *, by: str) -> list[str]:
    """Wake every thread whose snooze time has come (found through the due-time index); their ids."""
    woken = []
    for item in snoozes.due(now):
        thread_id = str(item["thread_id"])
        if wake_if_due(thread_id, now, by=by) is not None:
            woken.append(thread_id)
            continue
        thread = threads.get(thread_id)
        if thread is None or not thread.get("snoozed_at"):  # woken otherwise meanwhile: a leftover index item
            ddb.transact([ddb.delete_op(snoozes.table(), {"pk": item["pk"], "sk": item["sk"]})])
    return woken


def return_for(thread: Mapping[str, Any]) -> snooze.Return:
    """Where a snoozed thread goes when it comes back, by its assignee's roster entry (:func:`snooze.return_to`)."""
    assignee = thread.get("assignee")
    entry = roster.get(str(assignee)) if assignee else None
    team = thread.get("team") or thread.get("queued_team")
    return snooze.return_to(str(assignee) if assignee else None, str(team) if team else None,
                            on_roster=entry is not None, active=bool(entry and entry.active),
                            status=entry.status if entry else None)
