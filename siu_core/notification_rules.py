"""Who is notified of what, under which id, and what a teammate's preferences let through. Pure: no I/O.

Four events notify a teammate (:data:`KINDS`): a thread assigned to them (by the router, the SLA
sweep's re-route or a colleague; never by themselves), a customer answering in a thread assigned to
them (a follow-up or a reopen that keeps its assignee), an @mention in a note, and an SLA about to
breach on their thread (the sweep, :data:`siu_core.config.SlaSpec.warn_minutes` before the due time).

A notification's id is derived from its event (:func:`notification_id`), so a retried ingest, sweep
or request writes the same item again instead of a second one. Preferences (:class:`Preferences`)
choose which events count (unread, browser notification, sound) and whether a Slack direct message
goes out too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["assigned", "answered", "mention", "sla_soon"]
#: Every notification kind, in the order the preferences screen lists them.
KINDS: tuple[Kind, ...] = ("assigned", "answered", "mention", "sla_soon")
#: The decisions of the pipeline (:mod:`siu_core.pipeline.decide`) under which a customer's message is news
#: to a thread's holder (a new thread is news through its assignment, a repeated message is not news).
ANSWER_DECISIONS = frozenset({"follow_up", "reopen"})
QUEUE_PREFIX = "queue#"


class Events(BaseModel):
    """Which events notify the teammate (all of them unless turned off)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    assigned: bool = True
    answered: bool = True
    mention: bool = True
    sla_soon: bool = True


class Preferences(BaseModel):
    """A teammate's notification preferences (``GET/PUT /api/me/preferences``)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    events: Events = Events()
    #: Browser notifications while the inbox is open (the browser asks for permission once, from a button).
    browser: bool = True
    #: A short beep with each new notification.
    sound: bool = False
    #: A Slack direct message for the same events (only for a teammate whose roster entry has a Slack id).
    slack: bool = False

    def wants(self, kind: str) -> bool:
        """Whether this kind of event notifies the teammate at all."""
        return bool(getattr(self.events, kind, False))


def preferences_of(stored: Mapping[str, object] | None) -> Preferences:
    """The stored preferences, or the defaults (a stored value this version cannot read falls back too)."""
    if not stored:
        return Preferences()
    try:
        return Preferences.model_validate(dict(stored))
    except ValueError:
        return Preferences()


@dataclass(frozen=True)
class Notice:
    """One notification to write: for whom, what, about which thread, and the event that makes it unique."""

    teammate: str
    kind: Kind
    thread_id: str
    ref: str
    by: str | None = None


def is_teammate(holder: str | None) -> bool:
    """Whether an assignee value is a person (not empty, not a team's unassigned queue)."""
    return bool(holder) and not str(holder).startswith(QUEUE_PREFIX)


def notification_id(kind: str, thread_id: str, ref: str) -> str:
    """The id of the notification of one event: the same event always gets the same id."""
    return hashlib.sha256(f"{kind}|{thread_id}|{ref}".encode()).hexdigest()[:20]


def on_assignment(thread_id: str, new_holder: str | None, *, seq: int, by: str | None,
                  previous: str | None = None) -> Notice | None:
    """An assignment notifies its new holder, unless they took it themselves or already held it."""
    if not is_teammate(new_holder) or new_holder in (by, previous):
        return None
    return Notice(str(new_holder), "assigned", thread_id, f"seq-{seq}", by)


def on_customer_message(thread_id: str, decision: str, holder: str | None, message_key: str) -> Notice | None:
    """A customer's message in a thread that stays with a teammate notifies them ("customer answered")."""
    if decision not in ANSWER_DECISIONS or not is_teammate(holder):
        return None
    return Notice(str(holder), "answered", thread_id, message_key)


def sla_warning(thread_id: str, holder: str | None, *, due: datetime, answered: bool, breached: bool,
                now: datetime, lead: timedelta) -> tuple[Notice, datetime] | None:
    """The "SLA about to breach" notice of a thread and the time it is dated (``due - lead``), or None.

    Once per thread per due time: the id names the due time, the date is fixed, so every sweep inside
    the lead window writes the same item.
    """
    if lead <= timedelta(0) or answered or breached or not is_teammate(holder):
        return None
    warn_at = due - lead
    if not warn_at <= now < due:
        return None
    return Notice(str(holder), "sla_soon", thread_id, f"due-{due.isoformat()}"), warn_at
