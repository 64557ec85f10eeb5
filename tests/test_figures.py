"""Report figures against one hand-computed day (Monday 9 March 2026, Singapore, hours 09:00-18:00).

The day's events, and what each one contributes (working time counts only Mon-Fri 09:00-18:00):

- A: opened Fri 6th 17:59 by a customer on WhatsApp; ana answers Mon 09:01 (wall 63h02m = 226920 s,
  working 1 min Fri + 1 min Mon = 120 s, due Mon 12:59: met) and closes it Mon 09:30 (wall 228660 s,
  working 31 min = 1860 s).
- B: urgent, opened Saturday 11:00 (the clock starts Monday 09:00, due 09:15); the sweeper records
  the breach against ana at 09:15; bob answers 09:30 (wall 46h30m = 167400 s, working 1800 s, not met).
- C: opened Mon 10:00 on Instagram (orders, en), ana answers 10:20 (1200 s both), closes 11:00 (3600 s).
- D: a closed Messenger thread reopened Mon 17:00 (returns, ms); bob answers 17:10 (600 s), closes
  19:00 (wall 7200 s, working 3600 s: the clock stops at 18:00).
- E: opened Mon 20:00 (after hours) for team support; nobody answers today.
- F: opened Tue 00:30 local, which is still Monday in UTC: not part of Monday's report.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from siu_core import figures
from siu_core.config import SlaSpec, WorkingHours
from siu_core.figures import Fact, Filters

SGT = ZoneInfo("Asia/Singapore")
SHOP = [(WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], start="09:00", end="18:00"), "Asia/Singapore")]
SPEC = SlaSpec(urgent_minutes=15, normal_hours=4, working_hours_only=True)
MONDAY = date(2026, 3, 9)


def sgt(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in March 2026 in Singapore (the 6th is a Friday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SGT).astimezone(UTC)


def _fact(kind: figures.FactKind, thread: str, at: datetime, start: datetime, **labels: str) -> Fact:
    base = {"channel": "whatsapp", "account": "acct-1", "topic": "orders", "urgency": "normal", "language": "en",
            "team": "sales", "teammate": "ana"}
    return Fact(kind=kind, thread_id=thread, at=at, start=start, **{**base, **labels})  # type: ignore[arg-type]


A, B, C = sgt(6, 17, 59), sgt(7, 11), sgt(9, 10)
D, E, F = sgt(9, 17), sgt(9, 20), sgt(10, 0, 30)
DAY = [
    _fact("opened", "t-a", A, A),
    _fact("first_response", "t-a", sgt(9, 9, 1), A),
    _fact("closed", "t-a", sgt(9, 9, 30), A),
    _fact("opened", "t-b", B, B, urgency="urgent"),
    _fact("breached", "t-b", sgt(9, 9, 15), B, urgency="urgent"),
    _fact("first_response", "t-b", sgt(9, 9, 30), B, urgency="urgent", teammate="bob"),
    _fact("opened", "t-c", C, C, channel="instagram"),
    _fact("first_response", "t-c", sgt(9, 10, 20), C, channel="instagram"),
    _fact("closed", "t-c", sgt(9, 11), C, channel="instagram"),
    _fact("reopened", "t-d", D, D, channel="messenger", topic="returns", language="ms", teammate="bob"),
    _fact("first_response", "t-d", sgt(9, 17, 10), D, channel="messenger", topic="returns", teammate="bob"),
    _fact("closed", "t-d", sgt(9, 19), D, channel="messenger", topic="returns", teammate="bob"),
    _fact("opened", "t-e", E, E, team="support", teammate="carl", topic="billing"),
    _fact("opened", "t-f", F, F),
]


def _monday(filters: Filters | None = None) -> figures.Report:
    return figures.build(DAY, first=MONDAY, last=MONDAY, time_zone="Asia/Singapore", spec=SPEC,
                         shifts_of=lambda team: SHOP, filters=filters)


def test_every_figure_of_the_hand_computed_day() -> None:
    row = _monday().total.row()
    assert row == {
        "opened": 2, "reopened": 1, "closed": 3, "first_responses": 4,
        # wall samples 600, 1200, 167400, 226920: the median between the middle two, p90 the 4th of 4
        "first_response_median_s": 84300.0, "first_response_p90_s": 226920.0,
        "first_response_working_median_s": 900.0, "first_response_working_p90_s": 1800.0,
        "resolution_median_s": 7200.0, "resolution_p90_s": 228660.0,
        "resolution_working_median_s": 3600.0, "resolution_working_p90_s": 3600.0,
        "sla_met": 3, "sla_breached": 1, "sla_attainment": 0.75, "reopen_rate": 0.3333,
    }


def test_working_hours_edges_one_thread_at_a_time() -> None:
    threads = {r["thread_id"]: r for r in figures.table(_monday(), "threads")[1]}
    # 17:59 Friday answered 09:01 Monday: two working minutes over a weekend
    assert threads["t-a"]["first_response_s"] == 226920.0
    assert threads["t-a"]["first_response_working_s"] == 120.0
    assert threads["t-a"]["sla_met"] is True
    # opened on a Saturday: the clock starts Monday 09:00, and 09:30 misses the 15-minute target
    assert threads["t-b"]["first_response_working_s"] == 1800.0
    assert threads["t-b"]["sla_met"] is False
    assert threads["t-b"]["breached_at"] == "2026-03-09T09:15:00+08:00"
    # closed after hours: only the hour until 18:00 is working time
    assert (threads["t-d"]["resolution_s"], threads["t-d"]["resolution_working_s"]) == (7200.0, 3600.0)
    assert threads["t-d"]["reopened"] is True
    assert "t-f" not in threads  # Tuesday local time, though Monday in UTC


def test_volume_by_each_dimension() -> None:
    volume = _monday().volume
    assert volume["channel"] == {"instagram": 1, "messenger": 1, "whatsapp": 1}
    assert volume["topic"] == {"orders": 1, "returns": 1, "billing": 1}
    assert volume["language"] == {"en": 2, "ms": 1}
    assert volume["urgency"] == {"normal": 3}
    assert volume["account"] == {"acct-1": 3}


def test_per_team_and_teammate() -> None:
    report = _monday()
    assert report.by_team["support"].row()["opened"] == 1
    assert report.by_team["sales"].row()["first_responses"] == 4
    bob = report.by_teammate["bob"].row()
    assert (bob["first_responses"], bob["closed"], bob["reopened"], bob["sla_met"]) == (2, 1, 1, 1)
    assert bob["first_response_working_median_s"] == 1200.0  # 600 and 1800
    ana = report.by_teammate["ana"].row()
    assert (ana["first_responses"], ana["closed"], ana["sla_breached"]) == (2, 2, 1)


def test_filters_keep_only_their_facts() -> None:
    only_bob = _monday(Filters(teammate="bob")).total.row()
    assert (only_bob["first_responses"], only_bob["opened"], only_bob["reopened"]) == (2, 0, 1)
    instagram = _monday(Filters(channel="instagram")).total.row()
    assert (instagram["opened"], instagram["first_responses"], instagram["closed"]) == (1, 1, 1)
    assert _monday(Filters(team="support")).total.row()["first_responses"] == 0


def test_wall_time_when_the_sla_counts_every_hour() -> None:
    wall = SlaSpec(urgent_minutes=15, normal_hours=4, working_hours_only=False)
    report = figures.build(DAY, first=MONDAY, last=MONDAY, time_zone="Asia/Singapore", spec=wall,
                           shifts_of=lambda team: SHOP)
    # A waited 63 hours of wall time: past a 4-hour wall-clock target; C and D met it, B did not.
    assert report.total.sla_met == 2


def test_days_of_a_range_and_empty_figures() -> None:
    report = figures.build(DAY, first=date(2026, 3, 6), last=date(2026, 3, 10), time_zone="Asia/Singapore",
                           spec=SPEC, shifts_of=lambda team: SHOP)
    daily = figures.table(report, "daily")[1]
    assert [r["day"] for r in daily] == ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]
    assert [r["opened"] for r in daily] == [1, 1, 0, 2, 1]
    assert daily[2]["first_response_median_s"] is None and daily[2]["sla_attainment"] is None


@pytest.mark.parametrize(("samples", "median", "p90"), [
    ([], None, None), ([5.0], 5.0, 5.0), ([1.0, 2.0, 3.0], 2.0, 3.0),
    ([float(n) for n in range(1, 11)], 5.5, 9.0), ([float(n) for n in range(1, 12)], 6.0, 10.0),
])
def test_median_and_nearest_rank_p90(samples: list[float], median: float | None, p90: float | None) -> None:
    assert figures.median(samples) == median
    assert figures.p90(samples) == p90


def test_every_report_has_columns_for_its_rows() -> None:
    report = _monday()
    for name in figures.REPORT_NAMES:
        columns, rows = figures.table(report, name)
        assert rows and all(set(r) == set(columns) for r in rows), name
    with pytest.raises(KeyError):
        figures.table(report, "nope")


def test_csv_quotes_what_needs_it_and_never_lets_a_label_run_as_a_formula() -> None:
    text = figures.to_csv(("name", "value", "flag"), [
        {"name": "=HYPERLINK(\"x\")", "value": -5, "flag": True},
        {"name": "a, \"b\"", "value": None, "flag": False},
        {"name": "@team", "value": 1.5},
    ])
    assert text.splitlines() == ["name,value,flag", "\"'=HYPERLINK(\"\"x\"\")\",-5,true", "\"a, \"\"b\"\"\",,false",
                                 "'@team,1.5,"]
    assert text.endswith("\r\n")


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2026-03-09", "2026-03-01", "after"), ("09/03/2026", None, "YYYY-MM-DD"), ("2024-01-01", "2026-03-09", "at most"),
])
def test_bad_ranges_say_what_is_wrong(first: str | None, last: str | None, message: str) -> None:
    with pytest.raises(figures.RangeError, match=message):
        figures.parse_range(first, last, MONDAY)


def test_the_default_range_is_the_last_seven_days() -> None:
    assert figures.parse_range(None, None, MONDAY) == (date(2026, 3, 3), MONDAY)
    assert figures.parse_range("2026-03-09", "2026-03-09", MONDAY) == (MONDAY, MONDAY)


@pytest.mark.parametrize(("answered", "met"), [
    (sgt(9, 17, 59), True),   # 14 working minutes of 15
    (sgt(9, 18, 0), True),    # exactly at the due time
    (sgt(9, 18, 30), False),  # still 15 working minutes (the clock stopped at 18:00), but after the due time
    (sgt(10, 9, 1), False),   # 16 working minutes
])
def test_sla_met_at_the_edges_of_working_time(answered: datetime, met: bool) -> None:
    start = sgt(9, 17, 45)
    fact = _fact("first_response", "t-x", answered, start, urgency="urgent")
    assert figures.timing(fact, SPEC, lambda team: SHOP).met is met
