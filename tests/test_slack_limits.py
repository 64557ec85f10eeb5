"""Long Slack notices are split under Slack's limits: SLA notices with hundreds of breaches stay readable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from siu_core.sla_sweep import Breach, notice_text, notice_texts
from siu_core.slack_limits import MAX_TEXT, split_lines, split_text

AT = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def test_lines_are_grouped_under_the_limit_and_kept_whole_and_in_order() -> None:
    lines = [f"line {i:03d} " + "x" * (i % 40) for i in range(300)]
    parts = split_lines(lines, 500)
    assert [line for part in parts for line in part] == lines
    assert all(len("\n".join(part)) <= 500 for part in parts)
    assert len(parts) > 1


def test_a_line_longer_than_a_part_is_cut_with_a_marker() -> None:
    (part,) = split_lines(["y" * 50], 20)
    assert len(part[0]) == 20 and part[0].endswith("…")
    with pytest.raises(ValueError):
        split_lines(["a"], 1)


def test_one_part_keeps_the_header_plain_and_several_are_numbered() -> None:
    assert split_text("head", ["a", "b"]) == ["head\na\nb"]
    many = split_text("head", ["z" * 100] * 100, limit=1000)
    assert len(many) > 1 and all(len(t) <= 1000 for t in many)
    assert many[0].startswith(f"head (part 1/{len(many)})\n")


def _breach(i: int) -> Breach:
    return Breach(thread_id=f"th_{i:020d}_1", team="care", topic="orders_shipping", urgency="normal",
                  due=AT - timedelta(minutes=5), waiting_since=AT - timedelta(hours=4), previous="mei",
                  target="arjun", reason="backup")


def test_an_sla_notice_of_300_breaches_goes_out_in_parts_slack_takes() -> None:
    found = [_breach(i) for i in range(300)]
    single = notice_text("care", found, "Asia/Singapore")
    assert len(single) > 40_000 // 2  # one post would near Slack's 40,000-character cut
    posts = notice_texts("care", found, "Asia/Singapore")
    assert len(posts) > 1 and all(len(p) <= MAX_TEXT for p in posts)
    assert sum(p.count("• `th_") for p in posts) == 300  # every breach named once
    assert all(p.startswith(":warning: 300 thread(s) of team *care*") for p in posts)


def test_a_few_breaches_are_one_notice_as_before() -> None:
    found = [_breach(i) for i in range(3)]
    assert notice_texts("care", found, "Asia/Singapore") == [notice_text("care", found, "Asia/Singapore")]
