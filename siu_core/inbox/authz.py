"""Who may do what. Pure functions over the caller and a thread item; they raise ApiError or return.

- Admins read and act on every thread.
- An agent reads threads of their teams (assigned to anyone on the team, or waiting in its queue)
  and threads whose notes @mention them, and acts only on threads assigned to them, or unassigned in
  one of their teams.
- Acting on a closed thread is a 409 (except correcting labels, which reviews the past).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from siu_core.inbox.errors import conflict, forbidden

if TYPE_CHECKING:
    from siu_core.config import RosterEntry


@dataclass(frozen=True)
class Actor:
    """The verified caller with the rights their roster entry gives them now (see :mod:`siu_core.inbox.identity`)."""

    id: str
    role: str
    teams: frozenset[str]
    entry: RosterEntry | None = None

    @property
    def is_admin(self) -> bool:
        """Admins act on all threads and edit the roster."""
        return self.role == "admin"

    @property
    def by(self) -> str:
        """How the audit trail names this caller."""
        return f"user:{self.id}"


def thread_team(thread: Mapping[str, Any]) -> str | None:
    """The team a thread belongs to (its assignment's team, or the queue it waits in)."""
    team = thread.get("team") or thread.get("queued_team")
    return str(team) if team else None


def is_unassigned(thread: Mapping[str, Any]) -> bool:
    """Nobody has the thread: it waits in its team's queue."""
    return not thread.get("assignee")


def is_mentioned(actor: Actor, thread: Mapping[str, Any]) -> bool:
    """A teammate @mentioned in one of the thread's notes may read it (a grant, not a right to act)."""
    return actor.id in (thread.get("mentioned") or ())


def can_view(actor: Actor, thread: Mapping[str, Any]) -> bool:
    """Admins see everything; agents their own threads, their teams' threads and threads they are mentioned in."""
    if actor.is_admin or thread.get("assignee") == actor.id or is_mentioned(actor, thread):
        return True
    return thread_team(thread) in actor.teams


def can_act(actor: Actor, thread: Mapping[str, Any]) -> bool:
    """Admins act on everything; agents on their own threads and their teams' unassigned ones."""
    if actor.is_admin or thread.get("assignee") == actor.id:
        return True
    return is_unassigned(thread) and thread_team(thread) in actor.teams


def require_view(actor: Actor, thread: Mapping[str, Any]) -> None:
    """403 unless the caller may read the thread."""
    if not can_view(actor, thread):
        raise forbidden("this thread belongs to another team")


def require_act(actor: Actor, thread: Mapping[str, Any]) -> None:
    """403 unless the caller may act on the thread, saying why not."""
    if can_act(actor, thread):
        return
    if thread.get("assignee"):
        raise forbidden(f"the thread is assigned to {thread['assignee']}; ask them or an admin to reassign it")
    raise forbidden("the thread waits in another team's queue")


def require_open(thread: Mapping[str, Any]) -> None:
    """409 for a closed thread (it reopens when the customer writes again)."""
    if thread.get("status") != "open":
        raise conflict("thread_closed", "the thread is closed; it reopens when the customer writes again")


def require_admin(actor: Actor) -> None:
    """403 unless the caller is an admin."""
    if not actor.is_admin:
        raise forbidden("only an admin may do this")


def check_reassign_target(actor: Actor, thread: Mapping[str, Any], target: RosterEntry | None, to: str) -> None:
    """409 when ``to`` cannot take the thread: not on the roster, off, or (for agents) not on its team."""
    if target is None:
        raise conflict("ineligible_target", f"{to!r} is not on the roster")
    if target.status == "off" or not target.active:
        raise conflict("ineligible_target", f"{to} is {'off' if target.active else 'deactivated'}")
    team = thread_team(thread)
    if not actor.is_admin and team is not None and team not in target.teams:
        raise conflict("ineligible_target", f"{to} is not on team {team}; an admin can assign across teams")
