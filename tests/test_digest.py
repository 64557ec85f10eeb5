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

from siu_core import digest
from siu_core.digest import ThreadDay

DAY = date(2026, 3, 4)


def td(tid: str, team: str, topic: str, i: int = 0, o: int = 0, open_: bool = False, breached: bool = False):
    return ThreadDay(tid, team, topic, i, o, open_, breached)


def test_rows_subtotals_and_total_render_as_a_table() -> None:
    found = digest.build(DAY, "Asia/Singapore", [
        td("t1", "care", "shipping", i=3, o=1, open_=True, breached=True),
        td("t2", "care", "shipping", i=1, o=2),
        td("t3", "care", "returns", i=2, open_=True),
        td("t4", "accounts", "billing", i=1, o=1),
        td("t5", "accounts", "billing"),  # nothing happened: left out
    ])
    assert found.totals.as_dict() == {"messages_in": 7, "answered": 3, "still_open": 2, "breached": 1}
    assert digest.render_table(found) == "\n".join([
        "Daily digest — Wed 4 Mar 2026 (Asia/Singapore)",
        "",
        "team      topic     in  answered  open  breached",
        "--------  --------  --  --------  ----  --------",
        "accounts  billing    1         1     0         0",
        "accounts  (all)      1         1     0         0",
        "care      returns    2         0     1         0",
        "care      shipping   4         2     1         1",
        "care      (all)      6         2     2         1",
        "TOTAL                7         3     2         1",
    ])
    only_care = digest.render_table(found, ["care"])
    assert "accounts" not in only_care and only_care.splitlines()[-1].split() == ["TOTAL", "6", "2", "2", "1"]


def test_an_empty_day_says_so() -> None:
    text = digest.render_table(digest.build(DAY, "Asia/Singapore", []))
    assert "(no messages, no open threads)" in text and text.splitlines()[-2].split() == ["TOTAL", "0", "0", "0", "0"]


def test_each_channel_gets_its_teams_and_the_overall_channel_everything() -> None:
    found = digest.build(DAY, "Asia/Singapore", [td("t1", "care", "shipping", i=1), td("t2", "sales", "bulk", i=2),
                                                 td("t3", "accounts", "billing", i=1)])
    posts = digest.slack_messages(found, {"care": "#inbox", "sales": "#inbox", "accounts": None}, "#managers")
    assert [p.channel for p in posts] == ["#inbox", "#managers"]
    assert "sales" in posts[0].text and "care" in posts[0].text and "accounts" not in posts[0].text
    assert "accounts" in posts[1].text
    assert posts[0].blocks[0]["text"]["text"].startswith("*Daily digest")
    assert posts[0].blocks[1]["text"]["text"].startswith("```team")


def test_long_tables_are_split_into_slack_sized_blocks() -> None:
    items = [td(f"t{i}", f"team{i:03d}", f"topic_with_a_long_name_{i:03d}", i=1) for i in range(120)]
    found = digest.build(DAY, "Asia/Singapore", items)
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
    found = digest.build(DAY, "Asia/Singapore", [td("t1", "care", "orders", i=2)])
    (post,) = digest.slack_messages(found, {}, "#all")
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


def test_a_days_digest_counts_in_answered_open_breached(day) -> None:
    from siu_core.handlers.digest import make_digest

    found = make_digest(day.config, DAY)
    assert found.totals.as_dict() == {"messages_in": 5, "answered": 1, "still_open": 4, "breached": 3}
    assert found.teams["care"].as_dict() == {"messages_in": 3, "answered": 1, "still_open": 3, "breached": 2}
    assert found.rows[("accounts", "billing")].as_dict() == {"messages_in": 2, "answered": 0, "still_open": 1,
                                                             "breached": 1}
    yesterday = make_digest(day.config, DAY - timedelta(days=1))
    assert yesterday.totals.messages_in == 1 and yesterday.totals.answered == 0


def test_the_digest_handler_posts_each_team_its_table(day) -> None:
    from siu_core.handlers import digest as handler
    from siu_core.handlers import sla_sweeper
    from siu_core.notify import Notifier

    sla_sweeper.set_notifier(Notifier(token="xoxb-t", base_url=day.slack.url))
    handler.clock = lambda: datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # 18:00 in Singapore
    try:
        result = handler.handler({}, None)
    finally:
        sla_sweeper.set_notifier(None)
    assert result == {"date": "2026-03-04", "posted": 2, "messages_in": 5, "answered": 1, "still_open": 4,
                      "breached": 3}
    channels = {p["body"]["channel"]: p["body"]["text"] for p in day.slack.posts}
    assert set(channels) == {"#care", "#accounts"}
    assert "shipping" in channels["#care"] and "billing" not in channels["#care"]
    for text in channels.values():
        assert "Where is my order" not in text and "charged twice" not in text


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
        assert printed.stdout.strip().splitlines()[-1].split() == ["TOTAL", "2", "0", "2", "0"]
        data = json.loads(CliRunner().invoke(cli, ["digest", "--date", "2026-03-04", "--json"]).stdout)
        assert data["totals"] == {"messages_in": 2, "answered": 0, "still_open": 2, "breached": 0}
        assert {r["topic"] for r in data["rows"]} == {"shipping", "billing"}
        swept = CliRunner().invoke(cli, ["sla", "sweep", "--now", "--at", "2026-03-04T18:00+08:00"])
        assert swept.exit_code == 0, swept.output
        assert json.loads(swept.stdout)["breached"] == 2
    finally:
        gen.close()
