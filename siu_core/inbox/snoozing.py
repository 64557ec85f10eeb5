"""Snooze in the API: snooze a thread, wake it by hand, and the "Snoozed" view of what the caller may see."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core import snooze
from siu_core.inbox import authz, views
from siu_core.inbox.errors import ApiError, invalid, not_found
from siu_core.pipeline.snooze_wake import return_for
from siu_core.store import ddb, keys, snoozes, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.bodies import SnoozeBody
    from siu_core.inbox.services import InboxServices

MAX_ATTEMPTS = 3


def _thread(thread_id: str) -> dict[str, Any]:
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    return thread


def _busy() -> ApiError:
    return ApiError(503, "busy", "the thread kept changing while this was saved; try again",
                    headers={"Retry-After": "1"})


def _answer(services: InboxServices, thread_id: str, changed: bool) -> dict[str, Any]:
    thread = threads.get(thread_id) or {}
    return {"changed": changed, "snoozed_until": thread.get("snoozed_until"),
            "thread": views.thread_summary(thread, now=services.clock(), spec=services.config.sla,
                                           account_name=services.account_name(thread))}


def snooze_thread(services: InboxServices, actor: Actor, thread_id: str, body: SnoozeBody) -> dict[str, Any]:
    """Put an open thread aside until a time or the customer's next message (moving an existing snooze)."""
    now = services.clock()
    at: datetime | None = None if body.until == snooze.CUSTOMER_REPLY else body.until_time()
    problem = snooze.check_until(at, now)
    if problem:
        raise invalid(problem, field="until")
    until = snooze.CUSTOMER_REPLY if at is None else keys.ts(at)
    for _ in range(MAX_ATTEMPTS):
        thread = _thread(thread_id)
        authz.require_act(actor, thread)
        authz.require_open(thread)
        if thread.get("snoozed_until") == until:
            return _answer(services, thread_id, False)  # a retry of the same snooze
        try:
            snoozes.snooze(thread, until, by=actor.by, at=now)
        except ddb.TransactionConflict:
            continue
        return _answer(services, thread_id, True)
    raise _busy()


def unsnooze(services: InboxServices, actor: Actor, thread_id: str) -> dict[str, Any]:
    """Bring a snoozed thread back now (to its assignee; to the team's queue if they are off or gone)."""
    now = services.clock()
    for _ in range(MAX_ATTEMPTS):
        thread = _thread(thread_id)
        authz.require_act(actor, thread)
        if not thread.get("snoozed_at"):
            return _answer(services, thread_id, False)
        try:
            snoozes.wake(thread, reason="unsnoozed", back=return_for(thread), by=actor.by, at=now)
        except ddb.TransactionConflict:
            continue
        return _answer(services, thread_id, True)
    raise _busy()


def snoozed_view(services: InboxServices, actor: Actor) -> dict[str, Any]:
    """The snoozed threads the caller may see, soonest back first (those waiting for the customer last)."""
    items = snoozes.listing()
    ids = list(dict.fromkeys(str(i["thread_id"]) for i in items))
    found = ddb.batch_get([ddb.GetRequest(threads.table(), [threads.key(t) for t in ids])]) if ids else {}
    by_id = {str(t["thread_id"]): t for t in found.get(threads.table(), [])}
    now = services.clock()
    out = []
    for thread_id in ids:
        thread = by_id.get(thread_id)
        if thread is None or not thread.get("snoozed_at") or thread.get("status") != "open" \
                or not authz.can_view(actor, thread):
            continue
        summary = views.thread_summary(thread, now=now, spec=services.config.sla,
                                       account_name=services.account_name(thread))
        out.append({**summary, "snoozed_until": thread.get("snoozed_until"), "snoozed_at": thread.get("snoozed_at"),
                    "snoozed_by": thread.get("snoozed_by")})
    return {"threads": out, "count": len(out)}
