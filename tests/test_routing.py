"""The pure routing policy: no AWS, no clock (placement and reopening: test_decide.py)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from pipeline_support import make_config

from siu_core import routing
from siu_core.config import WorkingHours
from siu_core.store import keys

WED_10_SGT = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
ALWAYS = WorkingHours(days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start="00:00", end="24:00")


def cand(id: str, *, teams: tuple[str, ...] = ("care",), status: str = "available", load: int = 0,
         last: str | None = None, capacity: int = 5, hours: WorkingHours = ALWAYS,
         tz: str = "Asia/Singapore") -> routing.Candidate:
    return routing.Candidate(id=id, teams=frozenset(teams), status=status, hours=hours, time_zone=tz,
                             capacity=capacity, open_threads=load, last_assigned_at=last)


def test_team_comes_from_the_topic_and_other_goes_to_the_default() -> None:
    cfg = make_config()
    assert cfg.team_for_topic("billing") == "accounts"
    assert cfg.team_for_topic("other") == "care"
    assert cfg.team_for_topic("never-heard-of") == "care"


def test_eligibility_needs_team_status_hours_and_room() -> None:
    assert routing.is_eligible(cand("a"), "care", WED_10_SGT)
    assert not routing.is_eligible(cand("a"), "accounts", WED_10_SGT)
    assert not routing.is_eligible(cand("a", status="away"), "care", WED_10_SGT)
    assert not routing.is_eligible(cand("a", status="off"), "care", WED_10_SGT)
    assert not routing.is_eligible(cand("a", load=5, capacity=5), "care", WED_10_SGT)
    office = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="18:00")
    assert routing.is_eligible(cand("a", hours=office), "care", WED_10_SGT)
    # 10:00 in Singapore is 03:00 in London: outside a London teammate's own hours.
    assert not routing.is_eligible(cand("a", hours=office, tz="Europe/London"), "care", WED_10_SGT)


def test_overnight_shifts_belong_to_the_day_they_start() -> None:
    night = WorkingHours(days=["tue"], start="22:00", end="06:00")
    tue_23 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # Tue 23:00 SGT
    wed_05 = datetime(2026, 3, 3, 21, 0, tzinfo=UTC)  # Wed 05:00 SGT, still Tuesday's shift
    wed_23 = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # Wed 23:00 SGT: no Wednesday shift
    assert routing.is_eligible(cand("n", hours=night), "care", tue_23)
    assert routing.is_eligible(cand("n", hours=night), "care", wed_05)
    assert not routing.is_eligible(cand("n", hours=night), "care", wed_23)


def test_normal_threads_go_round_robin_among_the_least_loaded() -> None:
    pool = [cand("ana"), cand("ben"), cand("cho")]
    got = []
    for i in range(9):
        decision = routing.choose("care", "normal", pool, WED_10_SGT)
        assert decision.reason == "round_robin"
        got.append(decision.assignee)
        pool = routing.with_assignment(pool, decision.assignee, keys.ts(WED_10_SGT + timedelta(seconds=i)))  # type: ignore[arg-type]
    assert got == ["ana", "ben", "cho"] * 3


def test_round_robin_takes_turns_among_equals_by_last_assignment() -> None:
    pool = [cand("ana", load=1, last="2026-03-04T01:00:00.000000Z"),
            cand("ben", load=1, last="2026-03-04T00:00:00.000000Z"),
            cand("cho", load=2)]
    assert routing.choose("care", "normal", pool, WED_10_SGT).assignee == "ben"


def test_urgent_goes_straight_to_the_fewest_open_threads() -> None:
    pool = [cand("ana", load=2), cand("ben", load=0, last="2026-03-04T01:59:00.000000Z"), cand("cho", load=1)]
    decision = routing.choose("care", "urgent", pool, WED_10_SGT)
    assert decision == routing.Decision("care", "ben", "least_loaded")


def test_previous_assignee_is_preferred_while_eligible() -> None:
    pool = [cand("ana", load=0), cand("ben", load=3)]
    assert routing.choose("care", "normal", pool, WED_10_SGT, previous="ben") == routing.Decision(
        "care", "ben", "previous")
    # ...but not when away, and an urgent thread does not wait behind a busier previous assignee.
    away = [cand("ana"), cand("ben", status="away")]
    assert routing.choose("care", "normal", away, WED_10_SGT, previous="ben").assignee == "ana"
    assert routing.choose("care", "urgent", pool, WED_10_SGT, previous="ben").assignee == "ana"
    equal = [cand("ana", load=1), cand("ben", load=1)]
    assert routing.choose("care", "urgent", equal, WED_10_SGT, previous="ben").reason == "previous"


def test_nobody_eligible_goes_to_the_backup_then_the_queue() -> None:
    pool = [cand("ana", status="away"), cand("mei", teams=("accounts",))]
    assert routing.choose("care", "normal", pool, WED_10_SGT, backup="mei") == routing.Decision(
        "care", "mei", "backup")
    full = [cand("ana", status="away"), cand("mei", teams=("accounts",), load=5, capacity=5)]
    assert routing.choose("care", "normal", full, WED_10_SGT, backup="mei") == routing.Decision(
        "care", None, "unassigned")
    assert routing.choose("care", "normal", [], WED_10_SGT).reason == "unassigned"


def test_load_spreads_evenly_over_many_threads() -> None:
    pool = [cand(n, capacity=100) for n in ("ana", "ben", "cho", "dee")]
    counts: Counter[str] = Counter()
    for i in range(40):
        decision = routing.choose("care", "urgent" if i % 3 == 0 else "normal", pool, WED_10_SGT)
        assert decision.assignee is not None
        counts[decision.assignee] += 1
        pool = routing.with_assignment(pool, decision.assignee, keys.ts(WED_10_SGT + timedelta(seconds=i)))
    assert set(counts.values()) == {10}


def test_candidates_use_own_hours_or_the_defaults() -> None:
    cfg = make_config()
    pool = routing.candidates(cfg.roster, cfg, {"ana": (2, "2026-03-04T00:00:00.000000Z")})
    ana = next(c for c in pool if c.id == "ana")
    mei = next(c for c in pool if c.id == "mei")
    assert ana.open_threads == 2 and ana.hours == cfg.working_hours
    assert mei.hours.start == "00:00" and mei.open_threads == 0
    saturday = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
    assert not routing.is_eligible(ana, "care", saturday)
    assert routing.is_eligible(mei, "accounts", saturday)
