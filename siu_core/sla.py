"""SLA arithmetic: first-response targets, due times, breach state. Pure: no I/O, no clock.

- The target is per urgency from config: ``urgent`` in minutes, anything else in hours.
- The clock starts when the customer started waiting in the thread's current opening (the
  pipeline's ``waiting_since``: the time of the message that opened or reopened the thread).
- A thread is answered once anything went out after the clock started (a reply from the inbox or
  an echo from the business's phone app: the customer heard back either way).
- With ``sla.working_hours_only`` the target is counted only inside the team's working hours: the
  union of the working hours of the team's teammates (each in their own time zone), or the
  deployment's default hours when the team has nobody. Outside them the clock stands still.
- A breach is handled once per opening: ``sla_breached_at`` at or after the clock's start.
- While a thread is snoozed the clock stands still: the due time moves later by the time the thread
  spent snoozed since the clock started (:func:`siu_core.snooze.paused`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from siu_core.config import RosterEntry, SiuConfig, SlaSpec, WorkingHours
    from siu_core.routing import Candidate

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead working time is searched before giving up (hours with no day would never end).
SEARCH_LIMIT = timedelta(days=400)
_CHUNK = timedelta(days=14)

#: One teammate's weekly hours and the zone they are read in when the hours name none.
Shift = tuple["WorkingHours", str]


def target(urgency: str | None, spec: SlaSpec) -> timedelta:
    """The first-response target of a thread of this urgency."""
    if urgency == "urgent":
        return timedelta(minutes=spec.urgent_minutes)
    return timedelta(hours=spec.normal_hours)


def parse_time(text: Any) -> datetime | None:
    """A stored timestamp (fixed-width UTC text) as an aware datetime; None for missing or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def team_shifts(config: SiuConfig, roster: Iterable[RosterEntry], team: str | None) -> list[Shift]:
    """The working hours the team is reachable in: every teammate's own (or the default) hours.

    A team with nobody on it works the deployment's default hours in the deployment's zone.
    """
    shifts: list[Shift] = [(config.hours_of(e), e.time_zone) for e in roster if team and team in e.teams]
    return shifts or [(config.working_hours, config.time_zone)]


def _clock(hhmm: str) -> tuple[time, int]:
    """A wall time and a day offset ("24:00" is midnight of the next day)."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    if hours == 24:
        return time(0, 0), 1
    return time(hours, minutes), 0


def _shift_intervals(shift: Shift, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    hours, default_zone = shift
    zone = ZoneInfo(hours.time_zone or default_zone)
    begin_t, begin_off = _clock(hours.start)
    end_t, end_off = _clock(hours.end)
    overnight = end_off == 0 and end_t <= begin_t
    out: list[tuple[datetime, datetime]] = []
    first: date = start.astimezone(zone).date() - timedelta(days=1)
    last: date = end.astimezone(zone).date() + timedelta(days=1)
    day = first
    while day <= last:
        if DAY_NAMES[day.weekday()] in hours.days:
            s = datetime.combine(day + timedelta(days=begin_off), begin_t, tzinfo=zone).astimezone(UTC)
            e_day = day + timedelta(days=end_off + (1 if overnight else 0))
            e = datetime.combine(e_day, end_t, tzinfo=zone).astimezone(UTC)
            lo, hi = max(s, start), min(e, end)
            if lo < hi:
                out.append((lo, hi))
        day += timedelta(days=1)
    return out


def working_intervals(shifts: Sequence[Shift], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The merged UTC intervals inside ``[start, end)`` when at least one shift is working."""
    pieces = sorted(p for shift in shifts for p in _shift_intervals(shift, start, end))
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in pieces:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def working_time_between(shifts: Sequence[Shift], start: datetime, end: datetime) -> timedelta:
    """How much of ``[start, end)`` falls inside the shifts."""
    if end <= start:
        return timedelta(0)
    return sum((hi - lo for lo, hi in working_intervals(shifts, start, end)), timedelta(0))


def add_working_time(shifts: Sequence[Shift], start: datetime, amount: timedelta) -> datetime:
    """The moment ``amount`` of working time after ``start`` has passed (the clock stops off-hours)."""
    if amount <= timedelta(0):
        return start
    left = amount
    cursor = start
    while cursor - start < SEARCH_LIMIT:
        for lo, hi in working_intervals(shifts, cursor, cursor + _CHUNK):
            if hi - lo >= left:
                return lo + left
            left -= hi - lo
        cursor += _CHUNK
    raise ValueError(f"no {amount} of working time within {SEARCH_LIMIT.days} days of {start.isoformat()}")


def first_response_due(urgency: str | None, start: datetime, spec: SlaSpec,
                       shifts: Sequence[Shift] | None = None) -> datetime:
    """When the first response is due: the one rule the router stores and the sweeper and inbox enforce.

    Wall-clock time, or, with ``working_hours_only``, working time of ``shifts`` (the team's).
    """
    amount = target(urgency, spec)
    if spec.working_hours_only and shifts:
        return add_working_time(shifts, start, amount)
    return start + amount


@dataclass(frozen=True)
class SlaState:
    """Where a thread stands against its first-response target."""

    start: datetime
    due: datetime
    answered: bool
    breached: bool
    handled: bool
    breached_at: datetime | None

    @property
    def needs_action(self) -> bool:
        """Breached, unanswered, and not handled yet for this opening: the sweeper acts on it once."""
        return self.breached and not self.answered and not self.handled


def clock_start(thread: Mapping[str, Any]) -> datetime | None:
    """When the customer started waiting in the thread's current opening.

    ``waiting_since`` (the opening or reopening message's time, set by the pipeline with the
    assignment), else the reopening, else the opening.
    """
    for attr in ("waiting_since", "reopened_at", "opened_at"):
        found = parse_time(thread.get(attr))
        if found is not None:
            return found
    return None


def sla_state(thread: Mapping[str, Any], now: datetime, spec: SlaSpec,
              shifts: Sequence[Shift] | None = None) -> SlaState | None:
    """The thread's SLA at ``now``; None for a thread with no clock (closed, or never opened by a customer)."""
    if thread.get("status") != "open":
        return None
    start = clock_start(thread)
    if start is None:
        return None
    due = first_response_due(thread.get("urgency"), start, spec, shifts) + _snoozed(thread, start, now)
    last_out = parse_time(thread.get("last_outbound_at"))
    answered = last_out is not None and last_out >= start
    breached_at = parse_time(thread.get("sla_breached_at"))
    handled = breached_at is not None and breached_at >= start
    return SlaState(start=start, due=due, answered=answered, breached=not answered and now >= due,
                    handled=handled, breached_at=breached_at if handled else None)


def _snoozed(thread: Mapping[str, Any], start: datetime, now: datetime) -> timedelta:
    """The clock stands still while snoozed: the snoozed time of this opening (see :mod:`siu_core.snooze`)."""
    if not thread.get("snoozed_at") and not thread.get("snooze_spans"):
        return timedelta(0)
    from siu_core import snooze

    return snooze.paused(thread.get("snooze_spans") or [], thread.get("snoozed_at"), start, now)


def breach_target(thread: Mapping[str, Any], pool: Sequence[Candidate], now: datetime, *,
                  assignee_backup: str | None, team_backup: str | None) -> tuple[str | None, str]:
    """Who takes a breached thread: (teammate, why), or (None, why) when it must stay and be flagged.

    The assignee's own backup if they can work now; else the team's backup (also the choice for a
    thread waiting unassigned); else the least-loaded eligible teammate of the team; never the
    current assignee.
    """
    from siu_core import routing

    current = thread.get("assignee")
    team = thread.get("team") or thread.get("queued_team")
    by_id = {c.id: c for c in pool}
    for candidate, reason in ((assignee_backup, "backup"), (team_backup, "team_backup")):
        found = by_id.get(candidate) if candidate else None
        if found is not None and found.id != current and routing.can_work(found, now):
            return found.id, reason
    eligible = sorted((c for c in pool if c.id != current and team and routing.is_eligible(c, str(team), now)),
                      key=lambda c: (c.open_threads, c.last_assigned_at or "", c.id))
    if eligible:
        return eligible[0].id, "least_loaded"
    return None, "nobody_eligible"
