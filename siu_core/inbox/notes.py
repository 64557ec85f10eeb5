"""Internal notes on a thread and the @mentions in them: never sent, shown apart, audited.

Anyone who may read a thread may add a note (a closed thread too: notes review the past). Mentioned
teammates (:mod:`siu_core.composer.mentions` against the live roster) get a notification and may read
the thread from then on, whatever its team (:func:`siu_core.inbox.authz.can_view`); they may not act
on it. A mentioned teammate with a Slack id on the roster who opted in (their preferences,
:mod:`siu_core.inbox.notifications`) also gets a Slack direct message (a link, never the note's
words). The optional ``Idempotency-Key`` makes a retried request find its note instead of adding one
(and tells nobody twice).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.composer import mentions
from siu_core.inbox import authz
from siu_core.inbox.errors import Answer, ApiError, not_found
from siu_core.store import keys, notes, roster, threads

if TYPE_CHECKING:
    from siu_core.config import RosterEntry
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.bodies import NoteBody
    from siu_core.inbox.services import InboxServices

SERVICE = "inbox"


def view(note: Mapping[str, Any]) -> dict[str, Any]:
    """A note as the API shows it (``kind: note`` sets it apart from messages)."""
    return {"kind": "note", "id": note.get("sk"), "text": note.get("text"), "by": note.get("by"),
            "at": note.get("at"), "mentions": list(note.get("mentions") or [])}


def for_thread(thread_id: str) -> list[dict[str, Any]]:
    """The notes of a thread, oldest first, for the thread view."""
    return [view(n) for n in notes.for_thread(thread_id)]


def add(services: InboxServices, actor: Actor, thread_id: str, body: NoteBody, key: str | None,
        inbox_url: str | None = None) -> Answer:
    """Add a note (201), or find the one an earlier request with the same key added (200).

    ``inbox_url`` (the UI's address, from the request) makes the Slack message a link to the thread.
    """
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_view(actor, thread)
    entries = [e for e in roster.all_entries() if e.active]
    found = mentions.find(body.text, [(e.id, e.name) for e in entries])
    told = [who for who in found.teammates if who != actor.id][:mentions.MAX_MENTIONS]
    note_id = keys.short_hash(f"{actor.id}|{thread_id}|{key}", 20) if key else uuid.uuid4().hex[:20]
    try:
        note = notes.add(thread_id, note_id, body.text, told, by=actor.by, author=actor.id, at=services.clock())
        status = 201
    except notes.AlreadyAdded:
        note = notes.get(thread_id, note_id) or {}
        if note.get("text") != body.text:
            raise ApiError(422, "idempotency_key_reused",
                           "this Idempotency-Key added a different note; use a new key for a new note") from None
        status = 200
    except notes.ThreadGone:
        raise not_found("thread", thread_id) from None
    slack: list[str] = []
    if status == 201:
        obs.get_logger(SERVICE).info("note added", extra={"thread_id": thread_id, "mentions": len(told)})
        slack = _tell_on_slack(services, actor, [e for e in entries if e.id in told], thread_id, note_id, inbox_url)
    return Answer(status, {"note": view(note), "mentioned": list(note.get("mentions") or []),
                           "unknown_mentions": list(found.unknown), "slack": slack})


def _tell_on_slack(services: InboxServices, actor: Actor, mentioned: list[RosterEntry], thread_id: str,
                   note_id: str, inbox_url: str | None) -> list[str]:
    """A Slack direct message to each mentioned teammate who has a Slack id and opted in; the ids reached."""
    from siu_core.notification_events import tell_on_slack
    from siu_core.notification_rules import Notice

    reachable = [e for e in mentioned if e.slack_user]
    if not reachable:
        return []
    notifier = services.slack()
    return [e.id for e in reachable
            if tell_on_slack(Notice(e.id, "mention", thread_id, note_id, actor.id), e, notifier, inbox_url)]
