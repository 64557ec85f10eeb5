"""Presence in the API: the heartbeat route, and the thread poll's one batched read of counter and presence."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core.inbox import authz, presence
from siu_core.inbox.errors import not_found
from siu_core.store import ddb, inbox_version, threads
from siu_core.store import presence as stored

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.bodies import PresenceBody
    from siu_core.inbox.services import InboxServices


def heartbeat(services: InboxServices, actor: Actor, thread_id: str, body: PresenceBody) -> dict[str, Any]:
    """Record that the caller is viewing or typing in a thread they may see; answer who else is there."""
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_view(actor, thread)
    now = services.clock()
    name = actor.entry.name if actor.entry else None
    stored.beat(thread_id, actor.id, body.state, name, until=presence.expires_at(body.state, now), now=now)
    _, seen = poll(thread_id, actor, now)
    return {"thread_id": thread_id, "state": body.state, "others": seen,
            "expires_in": presence.EXPIRES_SECONDS[body.state], "heartbeat_seconds": presence.HEARTBEAT_SECONDS}


def poll(thread_id: str, actor: Actor, now: datetime) -> tuple[int, list[dict[str, Any]]]:
    """The inbox's change counter and who else is on the thread, in one strongly consistent BatchGetItem."""
    found = ddb.batch_get([inbox_version.read_request(), ddb.GetRequest(stored.table(), [stored.key(thread_id)])])
    version = inbox_version.from_batch(found)
    item = next(iter(found.get(stored.table(), [])), None)
    return version, presence.others(stored.entries(item), actor.id, now)
