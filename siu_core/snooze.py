"""Snooze rules: when a snoozed thread comes back, to whom, and how long its SLA clock stood still. Pure: no I/O.

A teammate snoozes an open thread until a time, or until the customer writes (:data:`CUSTOMER_REPLY`). The
thread leaves the queues; it comes back (:func:`wake_reason`) when the time comes or the customer writes,
whichever is first. It comes back to its assignee while they are on the roster, active and not ``off``
(:func:`return_to`), else to its team's unassigned queue. The first-response clock stands still while a
thread is snoozed: its due time moves later by the snoozed time of the current opening (:func:`paused`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

#: ``until`` of a snooze that lasts until the customer's next message.
CUSTOMER_REPLY = "customer_reply"
#: The longest snooze accepted.
MAX_SNOOZE = timedelta(days=90)

WakeReason = Literal["customer_replied", "time_came"]


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def check_until(until: datetime | None, now: datetime) -> str | None:
    """Why a snooze time is refused (in the past, or more than :data:`MAX_SNOOZE` ahead), or None when it is fine."""
    if until is None:
        return None
    if until.tzinfo is None:
        return "give the time with its offset (e.g. 2026-03-05T09:00:00+08:00)"
    if until <= now:
        return "the snooze time has passed already"
    if until - now > MAX_SNOOZE:
        return f"snooze at most {MAX_SNOOZE.days} days ahead"
    return None


def wake_reason(thread: Mapping[str, Any], now: datetime) -> WakeReason | None:
    """Whether a snoozed thread comes back now: the customer wrote since it was snoozed, or its time came.

    Judged on the thread as stored (not on one event), so a retried or redelivered message, or the next
    sweep, reaches the same answer.
    """
    since = _time(thread.get("snoozed_at"))
    if since is None:
        return None
    last_in = _time(thread.get("last_inbound_at"))
    # Platforms stamp messages to the second: one stamped in the snooze's own second may have been written
    # after it, and a customer left unanswered costs more than a thread back a moment early.
    if last_in is not None and last_in >= since.replace(microsecond=0):
        return "customer_replied"
    until = thread.get("snoozed_until")
    due = _time(until) if until != CUSTOMER_REPLY else None
    if due is not None and due <= now:
        return "time_came"
    return None


@dataclass(frozen=True)
class Return:
    """Where a thread goes when it comes back: its assignee (``to``), or ``team``'s queue when ``to`` is None."""

    to: str | None
    team: str | None
    reason: str


def return_to(assignee: str | None, team: str | None, *, on_roster: bool, active: bool, status: str | None) -> Return:
    """Back to the assignee while they can take it; to the team's queue when they are off or gone."""
    if assignee is None:
        return Return(None, team, "queued")
    if not on_roster or not active:
        return Return(None, team, "assignee_gone")
    if status == "off":
        return Return(None, team, "assignee_off")
    return Return(assignee, team, "assignee")


def paused(spans: Iterable[Mapping[str, Any]], active_since: Any, start: datetime, now: datetime) -> timedelta:
    """How long the thread was snoozed since its clock started (ended spans and a snooze still running)."""
    pieces = [(_time(s.get("from")), _time(s.get("to"))) for s in spans]
    if _time(active_since) is not None:
        pieces.append((_time(active_since), now))
    total = timedelta(0)
    for lo, hi in pieces:
        if lo is None or hi is None:
            continue
        lo, hi = max(lo, start), min(hi, now)
        if hi > lo:
            total += hi - lo
    return total
