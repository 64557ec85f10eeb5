"""The weekly summary's pure parts: which week, the per-team numbers, the table, Slack-sized posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from siu_core import figures, weekly
from siu_core.config import SlaSpec
from siu_core.digest import channel_posts
from siu_core.figures import Fact

MONDAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 3, 2, tzinfo=UTC)  # Tuesday 10:00 in Singapore


def fact(kind: str, tid: str, team: str, topic: str, after: timedelta = timedelta(0), day: int = 0) -> Fact:
    start = T0 + timedelta(days=day)
    return Fact(kind=kind, thread_id=tid, at=start + after, start=start, team=team, topic=topic)  # type: ignore[arg-type]


def week(facts: list[Fact]) -> figures.Report:
    return figures.build(facts, first=MONDAY, last=MONDAY + timedelta(days=6), time_zone="Asia/Singapore",
                         spec=SlaSpec(normal_hours=1), shifts_of=lambda team: [], with_threads=False)


def test_the_summary_covers_the_last_complete_monday_to_sunday_week() -> None:
    assert weekly.previous_week(date(2026, 3, 9)) == (date(2026, 3, 2), date(2026, 3, 8))  # a Monday
    assert weekly.previous_week(date(2026, 3, 11)) == (date(2026, 3, 2), date(2026, 3, 8))  # a Wednesday
    assert weekly.previous_week(date(2026, 3, 8)) == (date(2026, 2, 23), date(2026, 3, 1))  # Sunday: not done yet
    assert weekly.week_of(date(2026, 3, 8)) == (date(2026, 3, 2), date(2026, 3, 8))


def _care_week() -> figures.Report:
    minutes = timedelta(minutes=1)
    facts = []
    for n, wait in enumerate((5, 10, 20, 40, 90)):  # five shipping conversations, answered after these minutes
        facts += [fact("opened", f"s{n}", "care", "shipping", day=n % 5),
                  fact("first_response", f"s{n}", "care", "shipping", wait * minutes, day=n % 5)]
    facts += [fact("opened", "r1", "care", "returns"), fact("closed", "r1", "care", "returns", 60 * minutes),
              fact("closed", "s0", "care", "shipping", 60 * minutes),
              fact("reopened", "r1", "care", "returns", 120 * minutes, day=1)]
    facts += [fact("opened", "b1", "accounts", "billing"), fact("breached", "b1", "accounts", "billing", 45 * minutes)]
    return week(facts)


def test_each_team_gets_volume_first_response_sla_reopen_and_busiest_topic() -> None:
    rows = dict(weekly.rows(_care_week()))
    assert rows["care"] == {"volume": 7, "first_response_median_s": 1200.0, "first_response_p90_s": 5400.0,
                            "sla_attainment": 0.8, "reopen_rate": 0.5, "busiest_topic": "shipping",
                            "busiest_topic_conversations": 5}
    assert rows["accounts"] == {"volume": 1, "first_response_median_s": None, "first_response_p90_s": None,
                                "sla_attainment": None, "reopen_rate": None, "busiest_topic": "billing",
                                "busiest_topic_conversations": 1}
    assert rows["TOTAL"]["volume"] == 8 and rows["TOTAL"]["busiest_topic"] == "shipping"


def test_the_numbers_are_the_reports_figures() -> None:
    report = _care_week()
    care = report.by_team["care"].row()
    row = dict(weekly.rows(report))["care"]
    assert row["volume"] == care["opened"] + care["reopened"]
    for name in ("first_response_median_s", "first_response_p90_s", "sla_attainment", "reopen_rate"):
        assert row[name] == care[name], name


def test_the_table_reads_at_a_glance_and_a_team_channel_sees_its_team_only() -> None:
    text = weekly.render_table(_care_week())
    assert text.splitlines()[0] == "Weekly summary — Mon 2 Mar to Sun 8 Mar 2026 (Asia/Singapore)"
    assert text.splitlines()[2].split()[:4] == ["team", "volume", "1st", "reply"]
    assert text.splitlines()[5].split() == ["care", "7", "20m", "1h30", "80%", "50%", "shipping", "(5)"]
    assert text.splitlines()[-1].split() == ["TOTAL", "8", "20m", "1h30", "80%", "50%", "shipping", "(5)"]
    only = weekly.render_table(_care_week(), ["accounts"])
    assert "care" not in only and only.splitlines()[-1].split() == ["TOTAL", "1", "-", "-", "-", "-", "billing", "(1)"]


def test_a_quiet_week_says_so() -> None:
    text = weekly.render_table(week([]))
    assert text.endswith("(no conversations this week)")
    assert weekly.busiest(week([])) is None


def test_ties_for_busiest_topic_go_alphabetically() -> None:
    report = week([fact("opened", "a", "care", "returns"), fact("opened", "b", "care", "orders")])
    assert weekly.busiest(report) == weekly.Busiest("orders", 1)


def test_many_teams_split_under_slacks_limits() -> None:
    report = week([fact("opened", f"t{i}", f"team{i:03d}", f"topic_with_a_long_name_{i:03d}") for i in range(150)])
    posts = channel_posts(lambda teams: weekly.render_table(report, teams), {}, "#managers")
    assert len(posts) > 1
    for post in posts:
        assert len(post.text) <= 4000 and len(post.blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in post.blocks)
    joined = "\n".join(post.text for post in posts)
    assert sum(joined.count(f"team{i:03d} ") for i in range(150)) == 150 and joined.count("TOTAL") == 1
