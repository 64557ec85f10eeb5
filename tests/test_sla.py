"""Pure SLA arithmetic: targets, due times in wall-clock and working time, breach state, breach targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siu_core import routing, sla
from siu_core.config import SlaSpec, WorkingHours

SGT = ZoneInfo("Asia/Singapore")
WEEKDAYS = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="18:00")
SHOP = [(WEEKDAYS, "Asia/Singapore")]
HOURS_ONLY = SlaSpec(urgent_minutes=15, normal_hours=4, working_hours_only=True)
WALL = SlaSpec(urgent_minutes=15, normal_hours=4, working_hours_only=False)


def sgt(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in March 2026 in Singapore (the 6th is a Friday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SGT).astimezone(UTC)


def test_targets_per_urgency() -> None:
    assert sla.target("urgent", WALL) == timedelta(minutes=15)
    assert sla.target("normal", WALL) == sla.target(None, WALL) == timedelta(hours=4)


def test_wall_clock_due_ignores_hours() -> None:
    assert sla.first_response_due("normal", sgt(6, 17, 30), WALL, SHOP) == sgt(6, 21, 30)


@pytest.mark.parametrize(("start", "urgency", "due"), [
    (sgt(6, 17, 30), "normal", sgt(9, 12, 30)),   # Fri 30 min + Mon 3h30
    (sgt(6, 17, 55), "urgent", sgt(9, 9, 10)),    # Fri 5 min + Mon 10 min
    (sgt(7, 11, 0), "urgent", sgt(9, 9, 15)),     # Saturday: the clock starts Monday 09:00
    (sgt(9, 8, 0), "normal", sgt(9, 13, 0)),      # before opening
    (sgt(9, 10, 0), "urgent", sgt(9, 10, 15)),    # inside hours: plain addition
    (sgt(9, 17, 45), "urgent", sgt(9, 18, 0)),    # exactly used up at closing
])
def test_working_hours_stop_the_clock(start: datetime, urgency: str, due: datetime) -> None:
    assert sla.first_response_due(urgency, start, HOURS_ONLY, SHOP) == due


def test_a_team_is_reachable_while_any_teammate_works() -> None:
    berlin = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="17:00",
                          time_zone="Europe/Berlin")
    team = [*SHOP, (berlin, "Asia/Singapore")]
    # Friday 17:30 SGT: Singapore closes at 18:00, Berlin (UTC+1) works until 17:00 CET = 00:00 SGT.
    assert sla.first_response_due("normal", sgt(6, 17, 30), HOURS_ONLY, team) == sgt(6, 21, 30)
    assert sla.working_time_between(team, sgt(6, 17, 0), sgt(7, 2, 0)) == timedelta(hours=7)


def test_overnight_and_all_day_shifts() -> None:
    night = [(WorkingHours(days=["mon"], start="22:00", end="06:00"), "Asia/Singapore")]
    assert sla.first_response_due("normal", sgt(9, 12, 0), HOURS_ONLY, night) == sgt(10, 2, 0)
    all_day = [(WorkingHours(days=["sat"], start="00:00", end="24:00"), "Asia/Singapore")]
    assert sla.first_response_due("normal", sgt(6, 22, 0), HOURS_ONLY, all_day) == sgt(7, 4, 0)
    assert sla.working_time_between(all_day, sgt(7, 0), sgt(8, 0)) == timedelta(hours=24)


def test_a_dst_change_counts_real_hours() -> None:
    berlin = [(WorkingHours(days=["sun"], start="00:00", end="24:00", time_zone="Europe/Berlin"), "UTC")]
    start = datetime(2026, 3, 29, 0, 0, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    assert sla.working_time_between(berlin, start, end) == timedelta(hours=23)


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
       st.sampled_from(["urgent", "normal"]))
def test_working_time_added_is_working_time_counted(start: datetime, urgency: str) -> None:
    start = start.replace(tzinfo=UTC)
    due = sla.first_response_due(urgency, start, HOURS_ONLY, SHOP)
    assert sla.working_time_between(SHOP, start, due) == sla.target(urgency, HOURS_ONLY)
    assert due >= start + sla.target(urgency, HOURS_ONLY)


def thread(**fields):
    base = {"status": "open", "urgency": "normal", "opened_at": "2026-03-09T02:00:00.000000Z",
            "waiting_since": "2026-03-09T02:00:00.000000Z", "assignee": "ana", "team": "care"}
    base.update(fields)
    return base


def test_sla_state_breach_answer_and_handled_once() -> None:
    start = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    due = start + timedelta(hours=4)
    assert sla.sla_state(thread(), due - timedelta(seconds=1), WALL).breached is False
    state = sla.sla_state(thread(), due, WALL)
    assert state.breached and state.needs_action and state.due == due and state.start == start
    answered = sla.sla_state(thread(last_outbound_at="2026-03-09T03:00:00.000000Z"), due, WALL)
    assert answered.answered and not answered.breached and not answered.needs_action
    handled = sla.sla_state(thread(sla_breached_at="2026-03-09T06:05:00.000000Z"), due, WALL)
    assert handled.handled and not handled.needs_action
    assert sla.sla_state(thread(status="closed"), due, WALL) is None


def test_a_reopened_thread_starts_a_new_clock() -> None:
    reopened = thread(waiting_since="2026-03-10T02:00:00.000000Z", last_outbound_at="2026-03-09T03:00:00.000000Z",
                      sla_breached_at="2026-03-09T06:05:00.000000Z")
    state = sla.sla_state(reopened, datetime(2026, 3, 10, 6, 0, tzinfo=UTC), WALL)
    assert state.needs_action and not state.answered and not state.handled
    legacy = {"status": "open", "opened_at": "2026-03-09T02:00:00.000000Z", "reopened_at": "2026-03-10T02:00:00Z"}
    assert sla.clock_start(legacy) == datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def cand(id_: str, teams=("care",), status="available", load=0, capacity=5, hours=WEEKDAYS) -> routing.Candidate:
    return routing.Candidate(id=id_, teams=frozenset(teams), status=status, hours=hours, time_zone="Asia/Singapore",
                             capacity=capacity, open_threads=load)


MONDAY_10 = sgt(9, 10)


def test_breach_target_prefers_the_assignees_backup_then_the_teams_then_the_least_loaded() -> None:
    pool = [cand("ana", load=3), cand("ben", load=2), cand("dee", load=1), cand("mei", teams=("accounts",))]
    t = thread()
    assert sla.breach_target(t, pool, MONDAY_10, assignee_backup="ben", team_backup="mei") == ("ben", "backup")
    pool[1] = cand("ben", status="off")
    assert sla.breach_target(t, pool, MONDAY_10, assignee_backup="ben", team_backup="mei") == ("mei", "team_backup")
    pool[3] = cand("mei", teams=("accounts",), load=5, capacity=5)
    assert sla.breach_target(t, pool, MONDAY_10, assignee_backup="ben", team_backup="mei") == ("dee", "least_loaded")
    pool[2] = cand("dee", status="away")
    assert sla.breach_target(t, pool, MONDAY_10, assignee_backup="ben", team_backup="mei") == (None, "nobody_eligible")


def test_breach_target_never_picks_the_current_assignee_and_respects_hours() -> None:
    pool = [cand("ana"), cand("ben")]
    assert sla.breach_target(thread(), pool, MONDAY_10, assignee_backup="ana", team_backup=None) == \
        ("ben", "least_loaded")
    saturday = sgt(7, 10)
    assert sla.breach_target(thread(), pool, saturday, assignee_backup=None, team_backup=None) == \
        (None, "nobody_eligible")
    queued = thread(assignee=None, queued_team="care", team=None)
    assert sla.breach_target(queued, pool, MONDAY_10, assignee_backup=None, team_backup="ben") == \
        ("ben", "team_backup")
