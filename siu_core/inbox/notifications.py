"""The caller's notifications: the list (newest first, read state, paged), marking read, preferences.

Everything here reads and writes only the caller's own partition (:mod:`siu_core.store.notifications`):
nobody sees or marks another teammate's notifications, admins included. A kind the teammate turned
off in their preferences is neither listed nor counted. Marking read moves the inbox's change counter,
so every open tab of the teammate redraws its unread dots at its next poll.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from siu_core.inbox.errors import ApiError, invalid
from siu_core.notification_rules import Preferences, preferences_of
from siu_core.store import inbox_version
from siu_core.store import notifications as store

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

DEFAULT_PAGE = 50
MAX_PAGE = 100
#: Ids one ``POST /api/notifications/read`` may name.
MAX_IDS = 200
#: A notification id as the API hands it out (its sort key: a UTC timestamp, ``#``, 20 hex digits).
ID_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[0-9a-f]{20}$"
_ID = re.compile(ID_PATTERN)
NotificationId = Annotated[str, Field(pattern=ID_PATTERN)]


class ReadBody(BaseModel):
    """What to mark read: ``ids``, or everything up to ``until``, or everything about ``thread_id``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ids: Annotated[list[NotificationId], Field(min_length=1, max_length=MAX_IDS)] | None = None
    until: datetime | None = None
    thread_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _one(self) -> ReadBody:
        if sum(x is not None for x in (self.ids, self.until, self.thread_id)) != 1:
            raise ValueError("name exactly one of ids, until or thread_id")
        if self.until is not None and self.until.tzinfo is None:
            raise ValueError("until needs a time zone (e.g. 2026-12-04T10:00:00Z)")
        return self


def view(entry: Mapping[str, Any], read_through: str | None) -> dict[str, Any]:
    """One notification as the API shows it."""
    at = str(entry.get("at") or "")
    read = bool(entry.get("read_at")) or bool(read_through and at <= read_through)
    out = {"id": entry.get("sk"), "kind": entry.get("kind"), "thread_id": entry.get("thread_id"), "at": at,
           "by": entry.get("by"), "read": read}
    for extra in ("note_id", "due_at"):
        if entry.get(extra):
            out[extra] = entry[extra]
    return out


def _prefs(state: Mapping[str, Any]) -> Preferences:
    return preferences_of(state.get("prefs"))


def unread_counts(teammate: str) -> tuple[int, dict[str, int]]:
    """The teammate's unread notifications (kinds they turned off left out): in all, and per thread."""
    state = store.state(teammate)
    prefs = _prefs(state)
    per_thread: dict[str, int] = {}
    total = 0
    for entry in store.unread(teammate, state.get("read_through")):
        if not prefs.wants(str(entry.get("kind"))):
            continue
        total += 1
        thread = str(entry.get("thread_id") or "")
        per_thread[thread] = per_thread.get(thread, 0) + 1
    return total, per_thread


def listing(services: InboxServices, actor: Actor, params: Mapping[str, str]) -> dict[str, Any]:
    """The caller's notifications, newest first (``?limit=``, ``?before=`` the previous page's ``next_before``)."""
    try:
        limit = int(params.get("limit", DEFAULT_PAGE))
    except ValueError:
        raise invalid("limit must be a whole number") from None
    if not 1 <= limit <= MAX_PAGE:
        raise invalid(f"limit must be between 1 and {MAX_PAGE}")
    before = params.get("before") or None
    if before is not None and not _ID.fullmatch(before):
        raise ApiError(422, "invalid_cursor", "before must be a next_before this API returned")
    state = store.state(actor.id)
    prefs = _prefs(state)
    read_through = state.get("read_through")
    items, following = store.page(actor.id, limit=limit, before=before)
    unread, per_thread = unread_counts(actor.id)
    return {"notifications": [view(i, read_through) for i in items if prefs.wants(str(i.get("kind")))],
            "unread": unread, "unread_by_thread": per_thread, "read_through": read_through,
            "next_before": following, "preferences": prefs.model_dump()}


def mark_read(services: InboxServices, actor: Actor, body: ReadBody) -> dict[str, Any]:
    """Mark the caller's notifications read; the ids marked now and the unread count after."""
    now = services.clock()
    marked: list[str] = []
    read_through = None
    if body.until is not None:
        read_through = store.read_through(actor.id, min(body.until, now))
    else:
        state = store.state(actor.id)
        if body.ids is not None:
            wanted: list[str] = list(body.ids)
        else:
            wanted = [str(e["sk"]) for e in store.unread(actor.id, state.get("read_through"))
                      if e.get("thread_id") == body.thread_id]
        marked = store.mark_read(actor.id, wanted, now)
    if marked or read_through is not None:
        inbox_version.bump()  # the tabs' unread dots come from answers this counter guards
    unread, per_thread = unread_counts(actor.id)
    return {"marked": marked, "read_through": read_through or store.state(actor.id).get("read_through"),
            "unread": unread, "unread_by_thread": per_thread}


def preferences(services: InboxServices, actor: Actor) -> dict[str, Any]:
    """The caller's preferences, and whether a Slack direct message can reach them at all."""
    prefs = _prefs(store.state(actor.id))
    return {"preferences": prefs.model_dump(), "kinds": list(prefs.events.model_dump()),
            "slack_available": bool(actor.entry and actor.entry.slack_user)}


def put_preferences(services: InboxServices, actor: Actor, body: Preferences) -> dict[str, Any]:
    """Replace the caller's preferences (Slack only for a teammate with a Slack id on the roster)."""
    if body.slack and not (actor.entry and actor.entry.slack_user):
        raise ApiError(422, "no_slack_id", "your roster entry has no Slack id; ask an admin to add it first")
    store.save_preferences(actor.id, body.model_dump())
    inbox_version.bump()  # unread counts depend on which kinds count
    return preferences(services, actor)

