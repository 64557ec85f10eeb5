"""Away replies (pure): is a customer's message outside its team's hours, and which claim window is it in?

The words are the team's own (``teams.<team>.away.message`` in the config): no model writes them.
A message gets the away reply when it was written outside the team's working hours or on one of its
holidays (a local date in the hours' time zone), and it is recent (a backlog drained later never
answers "we're closed" to a message from hours ago). Whether this thread already had one within the
gap is the store's conditional claim (:mod:`siu_core.store.away`), not decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from siu_core.config import AwaySpec, WorkingHours

#: A message older than this when the pipeline applies it gets no away reply (it is late, not the team).
MAX_AGE = timedelta(minutes=30)


@dataclass(frozen=True)
class AwayReply:
    """The away reply a message is due: the team's words and how long the thread then stays quiet."""

    team: str
    message: str
    gap: timedelta


def is_closed(spec: AwaySpec, hours: WorkingHours, at: datetime, zone: str) -> bool:
    """Whether ``at`` is outside ``hours`` or on one of the spec's holidays (local date)."""
    local = at.astimezone(ZoneInfo(hours.time_zone or zone))
    return local.date() in spec.holidays or not hours.contains(at, zone)


def due(team: str | None, spec: AwaySpec | None, default_hours: WorkingHours, zone: str, *, written: datetime,
        now: datetime) -> AwayReply | None:
    """The away reply a customer message written at ``written`` is due now, or None."""
    if team is None or spec is None:
        return None
    if now - written > MAX_AGE:
        return None
    if not is_closed(spec, spec.working_hours or default_hours, written, zone):
        return None
    return AwayReply(team=team, message=spec.message, gap=timedelta(hours=spec.gap_hours))
