"""Snooze rules as tables: when a snoozed thread comes back, to whom, and how long its SLA clock stood still."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from siu_core import sla
from siu_core.config import SlaSpec
from siu_core.snooze import CUSTOMER_REPLY, check_until, paused, return_to, wake_reason

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def ts(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


WAKE = [
    ("not snoozed", {}, None),
    ("snoozed, nothing since", {"snoozed_at": ts(-30), "snoozed_until": ts(30), "last_inbound_at": ts(-40)}, None),
    ("the customer wrote since", {"snoozed_at": ts(-30), "snoozed_until": ts(30), "last_inbound_at": ts(-1)},
     "customer_replied"),
    ("its time came", {"snoozed_at": ts(-30), "snoozed_until": ts(0), "last_inbound_at": ts(-40)}, "time_came"),
    ("both: the customer wins", {"snoozed_at": ts(-30), "snoozed_until": ts(-5), "last_inbound_at": ts(-1)},
     "customer_replied"),
    ("until the customer replies: no time", {"snoozed_at": ts(-9000), "snoozed_until": CUSTOMER_REPLY,
                                              "last_inbound_at": ts(-9001)}, None),
    ("until the customer replies: they did", {"snoozed_at": ts(-30), "snoozed_until": CUSTOMER_REPLY,
                                               "last_inbound_at": ts(-29)}, "customer_replied"),
    ("a message from before the snooze", {"snoozed_at": ts(-30), "snoozed_until": CUSTOMER_REPLY,
                                           "last_inbound_at": ts(-30.05)}, None),
    # Platforms stamp to the second: a message stamped in the snooze's own second may have come after it.
    ("a message stamped in the snooze's second", {"snoozed_at": ts(-30 + 0.6 / 60), "snoozed_until": CUSTOMER_REPLY,
                                                  "last_inbound_at": ts(-30)}, "customer_replied"),
]


@pytest.mark.parametrize(("case", "thread", "expected"), WAKE, ids=[c[0] for c in WAKE])
def test_wake_reason(case: str, thread: dict[str, Any], expected: str | None) -> None:
    assert wake_reason(thread, NOW) == expected


RETURN = [
    ("the assignee can take it", ("ana", "care", True, True, "available"), ("ana", "assignee")),
    ("away still gets it back", ("ana", "care", True, True, "away"), ("ana", "assignee")),
    ("off: the team's queue", ("ana", "care", True, True, "off"), (None, "assignee_off")),
    ("deactivated: the team's queue", ("ana", "care", True, False, "available"), (None, "assignee_gone")),
    ("not on the roster any more", ("ana", "care", False, False, None), (None, "assignee_gone")),
    ("it was in the queue: back to the queue", (None, "care", False, False, None), (None, "queued")),
]


@pytest.mark.parametrize(("case", "facts", "expected"), RETURN, ids=[c[0] for c in RETURN])
def test_return_to(case: str, facts: tuple[Any, ...], expected: tuple[str | None, str]) -> None:
    assignee, team, on_roster, active, status = facts
    back = return_to(assignee, team, on_roster=on_roster, active=active, status=status)
    assert (back.to, back.reason) == expected and back.team == team


PAUSE = [
    ("never snoozed", [], None, -60, 0),
    ("snoozed now for 20 min", [], ts(-20), -60, 20),
    ("an ended 15 min snooze", [{"from": ts(-45), "to": ts(-30)}], None, -60, 15),
    ("a snooze of an earlier opening does not count", [{"from": ts(-200), "to": ts(-100)}], None, -60, 0),
    ("a snooze across the clock's start counts from the start", [{"from": ts(-90), "to": ts(-50)}], None, -60, 10),
    ("ended and running add up", [{"from": ts(-45), "to": ts(-30)}], ts(-10), -60, 25),
]


@pytest.mark.parametrize(("case", "spans", "active", "start", "minutes"), PAUSE, ids=[c[0] for c in PAUSE])
def test_paused(case: str, spans: list[dict[str, str]], active: str | None, start: int, minutes: int) -> None:
    assert paused(spans, active, NOW + timedelta(minutes=start), NOW) == timedelta(minutes=minutes)


def test_the_sla_due_time_moves_by_the_snoozed_span() -> None:
    spec = SlaSpec(urgent_minutes=30, normal_hours=4)
    thread = {"status": "open", "urgency": "urgent", "waiting_since": ts(-60)}
    plain = sla.sla_state(thread, NOW, spec)
    assert plain is not None and plain.due == NOW - timedelta(minutes=30) and plain.breached
    ended = sla.sla_state({**thread, "snooze_spans": [{"from": ts(-50), "to": ts(-10)}]}, NOW, spec)
    assert ended is not None and ended.due == NOW + timedelta(minutes=10) and not ended.breached
    running = sla.sla_state({**thread, "snoozed_at": ts(-40)}, NOW, spec)
    assert running is not None and running.due == NOW + timedelta(minutes=10) and not running.breached


CHECK = [
    ("customer reply", None, None),
    ("an hour ahead", timedelta(hours=1), None),
    ("in the past", timedelta(minutes=-1), "passed"),
    ("now", timedelta(0), "passed"),
    ("too far", timedelta(days=91), "at most 90 days"),
]


@pytest.mark.parametrize(("case", "ahead", "problem"), CHECK, ids=[c[0] for c in CHECK])
def test_check_until(case: str, ahead: timedelta | None, problem: str | None) -> None:
    found = check_until(NOW + ahead if ahead is not None else None, NOW)
    assert (found is None) if problem is None else (problem in str(found))
