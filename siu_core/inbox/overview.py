"""``GET /api/queues``: the open-thread count of every queue the caller may see, their unread
notifications, and where to land (:mod:`siu_core.inbox.landing`).

One index query per queue (the caller's own and each team queue they may see: their teams, or every
team for an admin), for admins the other teammates' open-thread counters (the small load-counter
table, one item per teammate), and one read of the caller's notifications, answered under the inbox's ETag
(:func:`siu_core.inbox.routes.conditional`), so an unchanged poll costs one small read. Counts come
from the eventually consistent assignment index: a thread taken a moment ago may still count. Snoozed
threads are left out (their assignment row is marked), except from other teammates' counters: those
count every open thread a teammate holds, as their capacity does.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from siu_core.inbox import landing
from siu_core.inbox.notifications import unread_counts
from siu_core.store import assignments, keys, loadcount

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices


def counts(services: InboxServices, actor: Actor) -> list[landing.QueueCount]:
    """Every queue the caller may see with its open threads: theirs, then their teams', then (admins) the rest."""
    found = [landing.QueueCount("mine", len(assignments.awake(assignments.open_rows(actor.id))))] if actor.entry else []
    own = sorted(t for t in actor.teams if t in services.config.teams)
    others = sorted(set(services.config.teams) - set(own)) if actor.is_admin else []
    for team, view in [(t, "queue") for t in own] + [(t, "all") for t in others]:
        waiting = assignments.awake(assignments.open_rows(keys.queue_assignee(team)))
        found.append(landing.QueueCount("team", len(waiting), team=team, view=view))
    if actor.is_admin:
        loads = loadcount.all_loads()
        found += [landing.QueueCount("teammate", loads[who].open_threads, assignee=who, view="all")
                  for who in sorted(loads) if who != actor.id and loads[who].open_threads > 0]
    return found


def overview(services: InboxServices, actor: Actor) -> dict[str, Any]:
    """The queues' counts, the caller's unread notifications, and the queue to land on."""
    queues = counts(services, actor)
    target = landing.landing(queues)
    unread, per_thread = unread_counts(actor.id)
    return {"queues": [asdict(q) for q in queues], "landing": asdict(target) if target else None,
            "unread": unread, "unread_by_thread": per_thread}
