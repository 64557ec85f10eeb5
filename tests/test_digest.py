"""The daily digest: pure rendering, then a whole day under moto posted to a Slack stand-in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from inbox_support import (
    Clock,
    build_services,
    call,
    deliver,
    inbox_config,
    put_secrets,
    slack_server,
    thread_of,
    token_for,
)
from pipeline_support import NOW, inbound

from siu_core import digest, figures
from siu_core.config import SlaSpec
from siu_core.figures import Fact

DAY = date(2026, 3, 4)
T0 = datetime(2026, 3, 4, 2, tzinfo=UTC)  # 10:00 in Singapore


def fact(kind: str, tid: str, team: str, topic: str, after: timedelta = timedelta(0)) -> Fact:
    return Fact(kind=kind, thread_id=tid, at=T0 + after, start=T0, team=team, topic=topic)  # type: ignore[arg-type]


def report_of(facts: list[Fact], first: date = DAY, last: date = DAY) -> figures.Report:
    return figures.build(facts, first=first, last=last, time_zone="Asia/Singapore", spec=SlaSpec(),
                         shifts_of=lambda team: [], with_threads=False)


def test_rows_subtotals_and_total_render_as_a_table() -> None:
    minutes, hours = timedelta(minutes=1), timedelta(hours=1)
    facts = [fact("opened", "t1", "care", "shipping"), fact("first_response", "t1", "care", "shipping", 12 * minutes),
             fact("breached", "t1", "care", "shipping", 2 * hours),
             fact("opened", "t2", "care", "shipping"), fact("first_response", "t2", "care", "shipping", 30 * minutes),
             fact("reopened", "t3", "care", "returns"),
             fact("opened", "t4", "accounts", "billing"),
             fact("first_response", "t4", "accounts", "billing", 3 * hours),
             fact("closed", "t4", "accounts", "billing", 4 * hours)]
    found = digest.build(report_of(facts), [("care", "shipping"), ("care", "returns")])
    assert found.totals.as_dict() == {"opened": 3, "reopened": 1, "answered": 3, "first_response_median_s": 1800.0,
                                      "breached": 1, "still_open": 2}
    assert digest.render_table(found) == "\n".join([
        "Daily digest — Wed 4 Mar 2026 (Asia/Singapore)",
        "",
        "team      topic     new  reopened  answered  1st reply  breached  open",
        "--------  --------  ---  --------  --------  ---------  --------  ----",
        "accounts  billing     1         0         1       3h00         0     0",
        "accounts  (all)       1         0         1       3h00         0     0",
        "care      returns     0         1         0          -         0     1",
        "care      shipping    2         0         2        21m         1     1",
        "care      (all)       2         1         2        21m         1     2",
        "TOTAL                 3         1         3        30m         1     2",
    ])
    only_care = digest.render_table(found, ["care"])
    assert "accounts" not in only_care
    assert only_care.splitlines()[-1].split() == ["TOTAL", "2", "1", "2", "21m", "1", "2"]


def test_a_day_of_open_threads_without_facts_still_shows_them() -> None:
    found = digest.build(report_of([]), [("sales", "(none)")])
    assert found.rows[("sales", "(none)")].as_dict() == {"opened": 0, "reopened": 0, "answered": 0,
                                                         "first_response_median_s": None, "breached": 0,
                                                         "still_open": 1}


def test_a_digest_covers_one_day() -> None:
    with pytest.raises(ValueError, match="one day"):
        digest.build(report_of([], DAY, DAY + timedelta(days=6)))


def test_durations_read_at_a_glance() -> None:
    assert [digest.duration(s) for s in (None, 0, 59.6, 61, 3599, 3600, 7500, 86400 + 3 * 3600)] == [
        "-", "0s", "1m", "1m", "59m", "1h00", "2h05", "1d3h"]


def test_an_empty_day_says_so() -> None:
    text = digest.render_table(digest.build(report_of([])))
    assert "(no conversations, no open threads)" in text
    assert text.splitlines()[-2].split() == ["TOTAL", "0", "0", "0", "-", "0", "0"]


def _opened(*pairs: tuple[str, str, int]) -> figures.Report:
    return report_of([fact("opened", f"{team}-{topic}-{n}", team, topic) for team, topic, count in pairs
                      for n in range(count)])


def test_each_channel_gets_its_teams_and_the_overall_channel_everything() -> None:
    found = digest.build(_opened(("care", "shipping", 1), ("sales", "bulk", 2), ("accounts", "billing", 1)))
    posts = digest.slack_messages(found, {"care": "#inbox", "sales": "#inbox", "accounts": None}, "#managers")
    assert [p.channel for p in posts] == ["#inbox", "#managers"]
    assert "sales" in posts[0].text and "care" in posts[0].text and "accounts" not in posts[0].text
    assert "accounts" in posts[1].text
    assert posts[0].blocks[0]["text"]["text"].startswith("*Daily digest")
    assert posts[0].blocks[1]["text"]["text"].startswith("```team")


def test_long_tables_are_split_into_slack_sized_blocks() -> None:
    found = digest.build(_opened(*((f"team{i:03d}", f"topic_with_a_long_name_{i:03d}", 1) for i in range(120))))
    posts = digest.slack_messages(found, {}, "#all")
    assert len(posts) > 1 and {p.channel for p in posts} == {"#all"}  # too long for one Slack message
    for i, post in enumerate(posts, 1):
        assert len(post.text) <= 4000 and len(post.blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in post.blocks)
        assert post.blocks[0]["text"]["text"].endswith(f"(part {i}/{len(posts)})*")
        assert "team  " in post.text  # every part repeats the column heads
    joined = "\n".join(b["text"]["text"].strip("`") for post in posts for b in post.blocks[1:])
    assert joined.count("team0") == 2 * 100 and joined.count("TOTAL") == 1


def test_a_short_table_is_one_post_without_part_numbers() -> None:
    (post,) = digest.slack_messages(digest.build(_opened(("care", "orders", 2))), {}, "#all")
    assert "part" not in post.blocks[0]["text"]["text"] and "care" in post.text


def test_day_bounds_follow_the_time_zone_and_dst() -> None:
    assert digest.day_bounds(DAY, "Asia/Singapore") == (datetime(2026, 3, 3, 16, tzinfo=UTC),
                                                        datetime(2026, 3, 4, 16, tzinfo=UTC))
    start, end = digest.day_bounds(date(2026, 3, 29), "Europe/Berlin")
    assert end - start == timedelta(hours=23)
    assert digest.local_day(datetime(2026, 3, 4, 17, tzinfo=UTC), "Asia/Singapore") == date(2026, 3, 5)


# --- a day under moto --------------------------------------------------------------------------



@pytest.fixture
def slack():
    yield from slack_server()


@pytest.fixture
def day(aws, stub, slack):
    """Four customers today (one replied to, one closed, one breached), one yesterday."""
    from siu_core.handlers import inbox as handler
    from siu_core.notify import Notifier
    from siu_core.sla_sweep import sweep

    config = inbox_config(stub.url, teams={"care": {"backup": "mei", "slack_channel": "#care"},
                                           "accounts": {"backup": "mei", "slack_channel": "#accounts"}})
    aws.push_config(config)
    put_secrets()
    clock = Clock()
    build_services(config, clock)
    yesterday = NOW - timedelta(days=1)
    deliver([inbound("y1", "Where is my order?", customer="old", at=yesterday)], config, now=yesterday)
    deliver([inbound("a1", "Where is my order?", customer="c1", at=NOW - timedelta(hours=1)),
             inbound("a2", "And the tracking number?", customer="c1", at=NOW - timedelta(minutes=50)),
             inbound("b1", "I was charged twice, refund please", customer="c2", at=NOW - timedelta(minutes=40)),
             inbound("c1", "My parcel is late", customer="c3", at=NOW - timedelta(minutes=30)),
             inbound("d1", "Invoice for my payment?", customer="c4", at=NOW - timedelta(minutes=20))], config)
    t1 = thread_of("c1")
    assert call("POST", f"/api/threads/{t1['thread_id']}/reply", token=token_for("boss", "admin"),
                body={"text": "It ships today"}, headers={"Idempotency-Key": "d1"}).status == 200
    t4 = thread_of("c4")
    assert call("POST", f"/api/threads/{t4['thread_id']}/close", token=token_for("boss", "admin")).status == 200
    sweep(config, NOW + timedelta(hours=4), Notifier(token="xoxb-t", base_url=slack.url))
    slack.posts.clear()
    yield SimpleNamespace(config=config, slack=slack)
    handler.set_services(None)


def test_a_days_digest_counts_new_answered_breached_and_open(day) -> None:
    from siu_core.handlers.digest import make_digest

    found = make_digest(day.config, DAY)
    assert found.totals.as_dict() == {"opened": 4, "reopened": 0, "answered": 1, "first_response_median_s": 3600.0,
                                      "breached": 3, "still_open": 4}
    assert found.teams["care"].as_dict() == {"opened": 2, "reopened": 0, "answered": 1,
                                             "first_response_median_s": 3600.0, "breached": 2, "still_open": 3}
    assert found.rows[("accounts", "billing")].as_dict() == {"opened": 2, "reopened": 0, "answered": 0,
                                                             "first_response_median_s": None, "breached": 1,
                                                             "still_open": 1}
    yesterday = make_digest(day.config, DAY - timedelta(days=1))
    assert yesterday.totals.as_dict()["opened"] == 1 and yesterday.totals.as_dict()["answered"] == 0


def test_the_digest_reads_the_same_figures_as_the_reports_api(day) -> None:
    from siu_core.handlers.digest import make_digest

    found = make_digest(day.config, DAY)
    api = call("GET", "/api/reports/teams", token=token_for("boss", "admin"), query="from=2026-03-04&to=2026-03-04")
    assert api.status == 200
    by_team = {r["team"]: r for r in api.body["rows"]}
    assert set(by_team) <= set(found.teams) and len(by_team) >= 2
    for team, counts in found.teams.items():
        numbers, row = counts.as_dict(), by_team.get(team)
        if row is None:  # only open threads from earlier days: no facts today
            assert numbers["opened"] == numbers["answered"] == numbers["breached"] == 0
            continue
        assert (numbers["opened"], numbers["reopened"], numbers["answered"], numbers["breached"]) == (
            row["opened"], row["reopened"], row["first_responses"], row["sla_breached"]), team
        assert numbers["first_response_median_s"] == row["first_response_median_s"], team


def _post_with(day, kind: str, at: datetime) -> dict:
    from siu_core.handlers import digest as handler
    from siu_core.handlers import sla_sweeper
    from siu_core.notify import Notifier

    sla_sweeper.set_notifier(Notifier(token="xoxb-t", base_url=day.slack.url))
    handler.clock = lambda: at
    try:
        return handler.handler({"kind": kind} if kind else {}, None)
    finally:
        sla_sweeper.set_notifier(None)
        handler.clock = lambda: datetime.now(UTC)


def test_the_digest_handler_posts_each_team_its_table_once(day) -> None:
    at = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # 18:00 in Singapore
    result = _post_with(day, "", at)
    assert result == {"kind": "daily", "date": "2026-03-04", "posted": 2, "failed": 0, "already_sent": 0,
                      "opened": 4, "reopened": 0, "answered": 1, "first_response_median_s": 3600.0, "breached": 3,
                      "still_open": 4}
    channels = {p["body"]["channel"]: p["body"]["text"] for p in day.slack.posts}
    assert set(channels) == {"#care", "#accounts"}
    assert "shipping" in channels["#care"] and "billing" not in channels["#care"]
    for text in channels.values():
        assert "Where is my order" not in text and "charged twice" not in text
    again = _post_with(day, "", at + timedelta(seconds=30))  # the schedule redelivered
    assert (again["posted"], again["already_sent"]) == (0, 2) and len(day.slack.posts) == 2


def test_the_weekly_summary_posts_last_week_once_and_retries_what_slack_refused(day) -> None:
    monday_9 = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # Monday 09:00 in Singapore: the week of 2-8 March
    day.slack.errors.append("ratelimited")
    first = _post_with(day, "weekly", monday_9)
    assert (first["kind"], first["from"], first["to"]) == ("weekly", "2026-03-02", "2026-03-08")
    assert (first["posted"], first["failed"], len(day.slack.posts)) == (1, 1, 2)  # one refused
    second = _post_with(day, "weekly", monday_9 + timedelta(minutes=1))
    third = _post_with(day, "weekly", monday_9 + timedelta(minutes=2))
    assert (second["posted"], second["already_sent"]) == (1, 1) and (third["posted"], third["already_sent"]) == (0, 2)
    sent = [p["body"] for p in day.slack.posts]
    assert len(sent) == 3 and sorted({b["channel"] for b in sent}) == ["#accounts", "#care"]
    care = next(b["text"] for b in sent if b["channel"] == "#care")
    assert care.startswith("Weekly summary — Mon 2 Mar to Sun 8 Mar 2026 (Asia/Singapore)")
    assert "billing" not in care and "Where is my order" not in care
    api = call("GET", "/api/reports/teams", token=token_for("boss", "admin"),
               query="from=2026-03-02&to=2026-03-08").body["rows"]
    assert first["volume"] == sum(r["opened"] + r["reopened"] for r in api) == 5
    care_row = next(r for r in api if r["team"] == "care")
    assert care.splitlines()[4].split()[:2] == ["care", str(care_row["opened"] + care_row["reopened"])]


def test_an_unknown_kind_is_refused_before_anything_is_read() -> None:
    from siu_core.handlers import digest as handler

    with pytest.raises(ValueError, match="unknown digest kind 'monthly'"):
        handler.handler({"kind": "monthly"}, None)


def test_a_post_claimed_by_a_run_that_died_is_free_again_after_the_lease(aws) -> None:
    from siu_core.store import digest_sends

    at = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert digest_sends.claim("weekly", "2026-03-02", "#care#1", at)
    assert not digest_sends.claim("weekly", "2026-03-02", "#care#1", at + timedelta(seconds=20))  # still sending
    assert digest_sends.claim("weekly", "2026-03-02", "#care#1", at + digest_sends.LEASE + timedelta(seconds=1))
    digest_sends.settle("weekly", "2026-03-02", "#care#1", at, sent=True)
    assert not digest_sends.claim("weekly", "2026-03-02", "#care#1", at + timedelta(days=7))  # sent: never again
    assert digest_sends.claim("weekly", "2026-03-09", "#care#1", at + timedelta(days=7))  # the next week is its own


def test_siu_digest_prints_a_day_without_sending(monkeypatch, tmp_path) -> None:
    from click.testing import CliRunner
    from inbox_support import emulation
    from pipeline_support import make_config

    from siu_core.cli import cli

    config = make_config()
    gen = emulation(monkeypatch, tmp_path, config)
    next(gen)
    try:
        deliver([inbound("a1", "Where is my order?", customer="c1", at=NOW - timedelta(hours=1)),
                 inbound("b1", "Invoice please", customer="c2", at=NOW - timedelta(minutes=30))], config)
        printed = CliRunner().invoke(cli, ["digest", "--date", "2026-03-04", "--print"])
        assert printed.exit_code == 0, printed.output
        assert printed.stdout.startswith("Daily digest — Wed 4 Mar 2026 (Asia/Singapore)")
        assert printed.stdout.strip().splitlines()[-1].split() == ["TOTAL", "2", "0", "0", "-", "0", "2"]
        data = json.loads(CliRunner().invoke(cli, ["digest", "--date", "2026-03-04", "--json"]).stdout)
        assert data["totals"] == {"opened": 2, "reopened": 0, "answered": 0, "first_response_median_s": None,
                                  "breached": 0, "still_open": 2}
        assert {r["topic"] for r in data["rows"]} == {"shipping", "billing"}
        week = CliRunner().invoke(cli, ["digest", "--weekly", "--date", "2026-03-06", "--print"])
        assert week.exit_code == 0, week.output
        assert week.stdout.startswith("Weekly summary — Mon 2 Mar to Sun 8 Mar 2026 (Asia/Singapore)")
        assert week.stdout.strip().splitlines()[-1].split()[:2] == ["TOTAL", "2"]
        weekly = json.loads(CliRunner().invoke(cli, ["digest", "--weekly", "--date", "2026-03-02", "--json"]).stdout)
        assert (weekly["from"], weekly["to"], weekly["teams"][-1]["team"]) == ("2026-03-02", "2026-03-08", "TOTAL")
        assert weekly["teams"][-1]["volume"] == 2
        swept = CliRunner().invoke(cli, ["sla", "sweep", "--now", "--at", "2026-03-04T18:00+08:00"])
        assert swept.exit_code == 0, swept.output
        assert json.loads(swept.stdout)["breached"] == 2
    finally:
        gen.close()
