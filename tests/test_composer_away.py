"""Away replies' decision (pure): outside the team's hours or on a holiday, recent messages only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from siu_core.composer import away
from siu_core.config import AwaySpec, WorkingHours

ZONE = "Asia/Singapore"
HOURS = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="18:00")
SPEC = AwaySpec(message="We're closed, back at 9.", holidays=[date(2026, 3, 5)], gap_hours=6)
WED_10 = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Singapore


def test_inside_the_hours_nothing_is_due() -> None:
    assert away.due("care", SPEC, HOURS, ZONE, written=WED_10, now=WED_10) is None


def test_outside_the_hours_the_teams_words_are_due_with_the_gap() -> None:
    evening = WED_10 + timedelta(hours=10)
    reply = away.due("care", SPEC, HOURS, ZONE, written=evening, now=evening + timedelta(minutes=1))
    assert reply == away.AwayReply(team="care", message="We're closed, back at 9.", gap=timedelta(hours=6))


def test_a_holiday_is_closed_all_day_in_the_hours_zone() -> None:
    thursday_10 = WED_10 + timedelta(days=1)
    assert away.due("care", SPEC, HOURS, ZONE, written=thursday_10, now=thursday_10) is not None
    berlin = SPEC.model_copy(update={"working_hours": HOURS.model_copy(update={"time_zone": "Europe/Berlin"})})
    # Thursday 02:00 UTC is 03:00 Thursday in Berlin: the holiday there too.
    assert away.is_closed(berlin, berlin.working_hours or HOURS, thursday_10, ZONE)
    wednesday_late_utc = datetime(2026, 3, 4, 22, 30, tzinfo=UTC)  # Thursday 06:30 in Singapore, 23:30 Wed Berlin
    assert away.is_closed(SPEC, HOURS, wednesday_late_utc, ZONE)  # Singapore: the holiday
    assert away.is_closed(berlin, berlin.working_hours or HOURS, wednesday_late_utc, ZONE)  # Berlin: after hours


def test_a_late_message_or_a_team_without_away_gets_nothing() -> None:
    evening = WED_10 + timedelta(hours=10)
    assert away.due("care", SPEC, HOURS, ZONE, written=evening, now=evening + timedelta(hours=1)) is None
    assert away.due("care", None, HOURS, ZONE, written=evening, now=evening) is None
    assert away.due(None, SPEC, HOURS, ZONE, written=evening, now=evening) is None


def test_the_away_message_must_say_something() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        AwaySpec(message="")
    with pytest.raises(ValidationError):
        AwaySpec(message="closed", gap_hours=0)
