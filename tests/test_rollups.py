"""Day roll-ups on moto: one item per fact however often it is written, read back by day queries only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from siu_core.aws import clients
from siu_core.figures import Fact
from siu_core.store import ddb, keys, lifecycle, rollups, threads

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


def _thread(**extra: Any) -> dict[str, Any]:
    return {"thread_id": "whatsapp#acct#cust#1", "channel": "whatsapp", "account_id": "acct", "topic": "orders",
            "urgency": "normal", "language": "en", "team": "sales", "assignee": "ana", "status": "open",
            "waiting_since": keys.ts(T0), **extra}


def test_a_redelivered_fact_is_one_item(aws: Any) -> None:
    fact = Fact(kind="opened", thread_id="t1", at=T0, start=T0, channel="whatsapp", team="sales")
    ddb.transact([rollups.fact_op(fact)])
    ddb.transact([rollups.fact_op(fact)])
    assert list(rollups.day_facts(T0.date())) == [fact]


def test_the_first_response_of_an_opening_wins(aws: Any) -> None:
    thread = _thread()
    assert rollups.record_first_response(thread, at=T0 + timedelta(minutes=5), by="user:ana")
    assert not rollups.record_first_response(thread, at=T0 + timedelta(minutes=9), by="user:bob")
    assert not rollups.record_first_response(thread, at=T0 + timedelta(minutes=5), by="user:ana")  # redelivery
    (fact,) = rollups.day_facts(T0.date())
    assert (fact.kind, fact.teammate, fact.at) == ("first_response", "ana", T0 + timedelta(minutes=5))
    # a new opening (reopened later) gets its own first response
    later = _thread(waiting_since=keys.ts(T0 + timedelta(hours=3)))
    assert rollups.record_first_response(later, at=T0 + timedelta(hours=4), by="business_app")
    # a message sent before the customer started waiting answers nothing
    assert not rollups.record_first_response(_thread(waiting_since=keys.ts(T0 + timedelta(days=1))), at=T0,
                                             by="user:ana")


def test_a_range_reads_each_utc_day_it_touches_and_never_scans(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    times = [T0 - timedelta(hours=3), T0, T0 + timedelta(hours=23), T0 + timedelta(days=2)]
    ddb.transact([rollups.fact_op(Fact(kind="opened", thread_id=f"t{n}", at=at, start=at))
                  for n, at in enumerate(times)])
    client = clients.dynamodb()

    def no_scan(**_: Any) -> Any:
        raise AssertionError("reports must not scan")

    monkeypatch.setattr(client, "scan", no_scan)
    found = rollups.facts_between(T0 - timedelta(hours=1), T0 + timedelta(days=1))
    assert sorted(f.thread_id for f in found) == ["t1", "t2"]
    midnight = datetime(2026, 3, 9, tzinfo=UTC)
    assert rollups.utc_days(midnight, midnight + timedelta(days=1)) == [midnight.date()]
    assert len(rollups.utc_days(T0, T0 + timedelta(days=1))) == 2


def test_closing_a_thread_records_its_resolution_in_the_same_transaction(aws: Any) -> None:
    thread = _thread(customer_key="whatsapp#acct#cust", assignment_seq=0, assignee=None)
    ddb.run(ddb.put_op(threads.table(), thread))
    assert lifecycle.close_thread(thread["thread_id"], by="user:ana", at=T0 + timedelta(hours=2))
    assert not lifecycle.close_thread(thread["thread_id"], by="user:ana", at=T0 + timedelta(hours=3))
    (fact,) = rollups.day_facts(T0.date())
    assert (fact.kind, fact.start, fact.at, fact.team) == ("closed", T0, T0 + timedelta(hours=2), "sales")


def test_unreadable_items_are_not_facts() -> None:
    assert rollups.from_item({"kind": "opened", "at": "nope", "start": keys.ts(T0), "fact_thread": "t"}) is None
    assert rollups.from_item({"kind": "message_in", "at": keys.ts(T0), "start": keys.ts(T0)}) is None
