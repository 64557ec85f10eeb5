"""Who could take a thread now: the reassign picker's list, with the reason each teammate is or is not eligible.

Eligibility is routing's own rule (:func:`siu_core.routing.is_eligible`: on the team, available,
inside their working hours, below capacity); ``can_take`` is the reassign endpoint's rule (on the
roster, not ``off``, and for agents on the thread's team), so the picker never offers what the
API would refuse.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core import routing
from siu_core.inbox import authz
from siu_core.inbox.errors import not_found
from siu_core.store import loadcount, roster, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices


def describe(c: routing.Candidate, team: str | None, now: datetime, *, admin: bool, name: str) -> dict[str, Any]:
    """One teammate as the picker shows them: eligible now or why not, and whether the caller may choose them."""
    on_team = team is None or team in c.teams
    in_hours = c.hours.contains(now, c.time_zone)
    if c.status == "off":
        reason = "off"
    elif not on_team:
        reason = f"not on team {team}"
    elif c.status != "available":
        reason = c.status
    elif not in_hours:
        reason = "outside working hours"
    elif c.open_threads >= c.capacity:
        reason = "at capacity"
    else:
        reason = "eligible now"
    return {
        "id": c.id,
        "name": name,
        "status": c.status,
        "teams": sorted(c.teams),
        "open_threads": c.open_threads,
        "capacity": c.capacity,
        "in_hours": in_hours,
        "eligible": team is not None and routing.is_eligible(c, team, now),
        "can_take": c.status != "off" and (admin or on_team),
        "reason": reason,
    }


def for_thread(services: InboxServices, actor: Actor, thread_id: str) -> dict[str, Any]:
    """Everyone on the roster for a thread's reassign picker: eligible first, then least loaded."""
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_view(actor, thread)
    team = authz.thread_team(thread)
    entries = roster.all_entries()
    loads = {k: (v.open_threads, v.last_assigned_at) for k, v in loadcount.all_loads().items()}
    names = {e.id: e.name for e in entries}
    now = services.clock()
    people = [describe(c, team, now, admin=actor.is_admin, name=names[c.id])
              for c in routing.candidates(entries, services.config, loads)]
    people.sort(key=lambda p: (not p["eligible"], not p["can_take"], p["open_threads"], p["id"]))
    return {"thread_id": thread_id, "team": team, "assignee": thread.get("assignee"), "teammates": people}
