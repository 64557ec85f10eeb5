"""Reassign, close, claim and label corrections: each one transaction in the store (counters and audit).

The transactions live in :mod:`siu_core.store.lifecycle` and :mod:`siu_core.store.corrections`;
this module checks who may do it and what state allows it, then maps the store's answer to HTTP.
A refused request (401/403/404/409/422) never reaches the store, so it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from siu_core.inbox import authz, views
from siu_core.inbox.bodies import LabelsBody, ReassignBody
from siu_core.inbox.errors import ApiError, conflict, invalid, not_found
from siu_core.store import corrections, lifecycle, roster, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

T = TypeVar("T")


def _thread(thread_id: str) -> dict[str, Any]:
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    return thread


def _store(call: Callable[[], T], thread_id: str) -> T:
    """Run a store transaction, mapping its typed failures to answers."""
    try:
        return call()
    except lifecycle.ThreadNotFound:
        raise not_found("thread", thread_id) from None
    except lifecycle.StateConflict:
        raise ApiError(503, "busy", "the thread kept changing while this was saved; try again",
                       headers={"Retry-After": "1"}) from None


def _after(services: InboxServices, thread_id: str, changed: bool) -> dict[str, Any]:
    thread = threads.get(thread_id) or {}
    return {"changed": changed, "thread": views.thread_summary(thread, now=services.clock(), spec=services.config.sla,
                                                               account_name=services.account_name(thread))}


#: The helpers other thread actions (``relabel``) share.
thread_or_404 = _thread
run_store = _store
after = _after


def close(services: InboxServices, actor: Actor, thread_id: str) -> dict[str, Any]:
    """Close an open thread: its row ends and its assignee's counter drops, exactly once."""
    thread = _thread(thread_id)
    authz.require_act(actor, thread)
    authz.require_open(thread)
    closed = _store(lambda: lifecycle.close_thread(thread_id, by=actor.by, at=services.clock()), thread_id)
    if not closed:  # someone closed it between our read and the transaction
        raise conflict("thread_closed", "the thread was closed meanwhile")
    return _after(services, thread_id, True)


def reassign(services: InboxServices, actor: Actor, thread_id: str, body: ReassignBody) -> dict[str, Any]:
    """Give an open thread to another teammate (both counters move); the target must be able to take it."""
    thread = _thread(thread_id)
    authz.require_act(actor, thread)
    authz.require_open(thread)
    authz.check_reassign_target(actor, thread, roster.get(body.to), body.to)

    def run() -> bool:
        try:
            return lifecycle.reassign_thread(thread_id, body.to, by=actor.by, at=services.clock())
        except ValueError:  # closed between our read and the transaction
            raise conflict("thread_closed", "the thread was closed meanwhile") from None

    changed = _store(run, thread_id)
    if changed:
        _tell_assigned(services, actor, thread_id, body.to)
    return _after(services, thread_id, changed)


def _tell_assigned(services: InboxServices, actor: Actor, thread_id: str, to: str) -> None:
    """Notify the new holder (after the commit: a failure is logged, never turned into a failed reassign)."""
    from siu_core import obs
    from siu_core.notification_events import raise_once
    from siu_core.notification_rules import on_assignment

    thread = threads.get(thread_id) or {}
    notice = on_assignment(thread_id, to, seq=int(thread.get("assignment_seq") or 0), by=actor.id)
    if notice is None:
        return
    try:
        raise_once(notice, services.clock(), entry=roster.get(to), notifier=services.slack())
    except Exception as exc:
        obs.metric("NotificationFailures", kind="assigned")
        obs.get_logger("inbox").error("assignment notification not written",
                                      extra={"thread_id": thread_id, "error": type(exc).__name__})


def claim(services: InboxServices, actor: Actor, thread_id: str) -> dict[str, Any]:
    """Take an unassigned thread of one of my teams (admins: any unassigned thread, if on the roster)."""
    thread = _thread(thread_id)
    authz.require_view(actor, thread)
    if thread.get("assignee"):
        if thread.get("assignee") == actor.id:
            return _after(services, thread_id, False)
        raise conflict("already_assigned", f"the thread is assigned to {thread['assignee']}")
    authz.require_act(actor, thread)
    authz.require_open(thread)
    if actor.entry is None:
        raise conflict("ineligible_target", "only a teammate on the roster can take a thread")
    if actor.entry.status == "off":
        raise conflict("ineligible_target", "you are off; set your status to available first")
    claimed = _store(lambda: lifecycle.claim_thread(thread_id, actor.id, at=services.clock()), thread_id)
    if not claimed:
        raise conflict("already_assigned", "someone took the thread first")
    return _after(services, thread_id, True)


def correct_labels(services: InboxServices, actor: Actor, thread_id: str, body: LabelsBody) -> dict[str, Any]:
    """A teammate corrects topic or urgency: audited as a correction and kept for the taxonomy review."""
    thread = _thread(thread_id)
    authz.require_act(actor, thread)
    if body.topic is not None and body.topic not in services.config.topics:
        raise invalid(f"unknown topic {body.topic!r}", topics=services.config.topics)
    result = _store(lambda: corrections.correct_labels(thread_id, topic=body.topic, urgency=body.urgency,
                                                       by=actor.by, at=services.clock()), thread_id)
    out = _after(services, thread_id, result is not None)
    if result is not None:
        out["before"], out["after"] = result
    return out
