"""Routing policy: who gets a thread. Pure functions over plain data, no I/O, no clock.

- The team comes from the topic (config taxonomy); ``other`` and unknown topics go to the default team.
- Eligible = on that team, status ``available``, inside their working hours in their own time zone
  at ``now``, and below their capacity.
- Normal threads go round-robin among the eligible, fewest open threads first: ordered by
  (open threads, last time they got a thread, id), so equally loaded teammates take turns.
- Urgent threads go straight to the fewest open threads (the round-robin turn only breaks ties).
- A returning customer's previous assignee is preferred while eligible; for an urgent thread only
  if they are also among the least loaded (an urgent message must not wait behind a busy person).
- Nobody eligible: the team's backup if they can take it (available, in hours, below capacity),
  else the team's unassigned queue (drained oldest first when someone becomes eligible).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SiuConfig, WorkingHours

Reason = Literal["previous", "round_robin", "least_loaded", "backup", "unassigned"]


@dataclass(frozen=True)
class Candidate:
    """A teammate as routing sees them: roster facts plus their live load."""

    id: str
    teams: frozenset[str]
    status: str
    hours: WorkingHours
    time_zone: str
    capacity: int
    open_threads: int = 0
    last_assigned_at: str | None = None  # fixed-width UTC text (sorts as time), None = never


@dataclass(frozen=True)
class Decision:
    """Where a thread goes: a teammate (``assignee``) or the team's unassigned queue (None)."""

    team: str
    assignee: str | None
    reason: Reason


def candidates(
    roster: Iterable[RosterEntry],
    config: SiuConfig,
    loads: Mapping[str, tuple[int, str | None]],
) -> list[Candidate]:
    """Routing's view of the roster: each active entry with its hours (own or default) and live load."""
    out = []
    for entry in roster:
        if not entry.active:
            continue  # deactivated teammates keep their history but take no new threads
        open_threads, last = loads.get(entry.id, (0, None))
        out.append(
            Candidate(
                id=entry.id,
                teams=frozenset(entry.teams),
                status=entry.status,
                hours=config.hours_of(entry),
                time_zone=entry.time_zone,
                capacity=entry.capacity,
                open_threads=open_threads,
                last_assigned_at=last,
            )
        )
    return out


def can_work(c: Candidate, now: datetime) -> bool:
    """Available, inside their own working hours at ``now``, and below capacity (any team)."""
    return c.status == "available" and c.open_threads < c.capacity and c.hours.contains(now, c.time_zone)


def is_eligible(c: Candidate, team: str, now: datetime) -> bool:
    """On ``team`` and able to work now."""
    return team in c.teams and can_work(c, now)


def _turn(c: Candidate) -> tuple[int, str, str]:
    # "" sorts before any timestamp: someone who never had a thread goes first.
    return (c.open_threads, c.last_assigned_at or "", c.id)


def choose(
    team: str,
    urgency: str,
    pool: Sequence[Candidate],
    now: datetime,
    *,
    previous: str | None = None,
    backup: str | None = None,
) -> Decision:
    """Pick the assignee of a thread of ``team`` (see the module docstring for the policy)."""
    eligible = sorted((c for c in pool if is_eligible(c, team, now)), key=_turn)
    if eligible:
        least = eligible[0].open_threads
        prev = next((c for c in eligible if c.id == previous), None)
        if prev is not None and (urgency != "urgent" or prev.open_threads == least):
            return Decision(team, prev.id, "previous")
        return Decision(team, eligible[0].id, "least_loaded" if urgency == "urgent" else "round_robin")
    if backup is not None:
        fallback = next((c for c in pool if c.id == backup), None)
        if fallback is not None and can_work(fallback, now):
            return Decision(team, fallback.id, "backup")
    return Decision(team, None, "unassigned")


def with_assignment(pool: Sequence[Candidate], assignee: str, at: str, delta: int = 1) -> list[Candidate]:
    """The pool after ``assignee`` got (or, with ``delta=-1``, lost) a thread: later choices see it."""
    out = []
    for c in pool:
        if c.id == assignee:
            c = Candidate(c.id, c.teams, c.status, c.hours, c.time_zone, c.capacity,
                          c.open_threads + delta, at if delta > 0 else c.last_assigned_at)
        out.append(c)
    return out
