"""Snooze through the API: the thread leaves the queue and comes back when the customer writes or its time comes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inbox_support import audit_actions, call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound, run_batch

from siu_core.sla_sweep import sweep
from siu_core.store import messages, roster, snoozes, threads


@pytest.fixture
def inbox(inbox):
    """One customer message on a care thread, assigned to its teammate."""
    deliver([inbound("m1", "I'll send the photo tomorrow", at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of()
    inbox.tid, inbox.assignee = thread["thread_id"], thread["assignee"]
    inbox.token = token_for(thread["assignee"])
    return inbox


def queue_ids(token: str, query: str = "") -> list[str]:
    return [t["id"] for t in call("GET", "/api/queue", token=token, query=query).body["threads"]]


def snooze(inbox, until):
    return call("POST", f"/api/threads/{inbox.tid}/snooze", token=inbox.token, body={"until": until})


def test_until_the_customer_replies_it_leaves_the_queue_and_comes_back_on_their_message(inbox) -> None:
    assert queue_ids(inbox.token) == [inbox.tid]
    done = snooze(inbox, "customer_reply")
    assert done.status == 200 and done.body["changed"] and done.body["snoozed_until"] == "customer_reply"
    assert queue_ids(inbox.token) == []
    listed = call("GET", "/api/snoozed", token=inbox.token).body
    assert [(t["id"], t["snoozed_until"]) for t in listed["threads"]] == [(inbox.tid, "customer_reply")]
    assert snooze(inbox, "customer_reply").body["changed"] is False  # a retry changes nothing
    # The time passing never wakes it; the sweep's due-time query does not reach it.
    inbox.clock.advance(days=3)
    assert sweep(inbox.config, inbox.clock.now).woken == []
    deliver([inbound("m2", "Here is the photo", at=inbox.clock.now)], inbox.config, now=inbox.clock.now)
    inbox.token = token_for(inbox.assignee, now=inbox.clock.now)
    assert queue_ids(inbox.token) == [inbox.tid]
    assert call("GET", "/api/snoozed", token=inbox.token).body["threads"] == []
    thread = thread_of()
    assert "snoozed_at" not in thread and thread["snooze_spans"][0]["from"] == "2026-03-04T02:00:00.000000Z"
    assert snoozes.listing() == []
    assert audit_actions(inbox.tid).count("snoozed") == 1 and "unsnoozed" in audit_actions(inbox.tid)


def queue_counts(token: str) -> dict[str, int]:
    return {q.get("team") or q["queue"]: q["count"] for q in call("GET", "/api/queues", token=token).body["queues"]}


def test_a_snoozed_thread_is_not_counted_in_its_queue_nor_in_its_pages(inbox) -> None:
    mine = call("GET", "/api/queue", token=inbox.token).body
    assert (mine["total"], queue_counts(inbox.token)["mine"]) == (1, 1)
    assert snooze(inbox, "customer_reply").status == 200
    mine = call("GET", "/api/queue", token=inbox.token).body
    assert (mine["total"], mine["threads"], queue_counts(inbox.token)["mine"]) == (0, [], 0)
    assert call("DELETE", f"/api/threads/{inbox.tid}/snooze", token=inbox.token).status == 200
    assert call("GET", "/api/queue", token=inbox.token).body["total"] == 1
    assert queue_counts(inbox.token)["mine"] == 1


def test_a_timed_snooze_comes_back_at_the_sweep_to_the_assignee_or_the_team_queue_when_they_are_off(inbox) -> None:
    until = (NOW + timedelta(hours=1)).isoformat()
    assert snooze(inbox, until).status == 200
    assert sweep(inbox.config, NOW + timedelta(minutes=59)).woken == []
    assert queue_ids(inbox.token) == []
    roster.set_status(inbox.assignee, "off", by="user:test", at=NOW)
    report = sweep(inbox.config, NOW + timedelta(hours=1, minutes=2))
    assert report.woken == [inbox.tid]
    # Back to care's queue (the assignee is off), which the same sweep then hands to someone who can work.
    thread = thread_of()
    assert thread.get("assignee") != inbox.assignee and thread["team"] == "care"
    assert audit_actions(inbox.tid).count("queued") == 1
    assert "snoozed_at" not in thread and snoozes.listing() == []
    assert sweep(inbox.config, NOW + timedelta(hours=1, minutes=7)).woken == []  # once


def test_the_sla_clock_stands_still_while_snoozed(inbox) -> None:
    assert snooze(inbox, "customer_reply").status == 200
    report = sweep(inbox.config, NOW + timedelta(days=2))  # far past the 4 h target: not breached while snoozed
    assert report.breaches == []
    assert call("DELETE", f"/api/threads/{inbox.tid}/snooze", token=inbox.token).body["changed"] is True
    thread = call("GET", f"/api/threads/{inbox.tid}", token=inbox.token).body
    assert thread["sla"]["breached"] is False  # the 4 h target moved by the time snoozed


def test_snooze_is_checked(inbox) -> None:
    assert snooze(inbox, (NOW - timedelta(minutes=1)).isoformat()).status == 422
    assert snooze(inbox, (NOW + timedelta(days=91)).isoformat()).status == 422
    assert snooze(inbox, "2026-03-05T09:00:00").status == 422  # no offset
    assert snooze(inbox, "tomorrow-ish").status == 422
    other = call("POST", f"/api/threads/{inbox.tid}/snooze", token=token_for("cho"), body={"until": "customer_reply"})
    assert other.status == 403
    gone = call("POST", "/api/threads/th_nope/snooze", token=inbox.token, body={"until": "customer_reply"})
    assert gone.status == 404
    assert call("DELETE", f"/api/threads/{inbox.tid}/snooze", token=inbox.token).body["changed"] is False
    assert call("POST", f"/api/threads/{inbox.tid}/close", token=inbox.token).status == 200
    assert snooze(inbox, "customer_reply").status == 409
    assert call("GET", "/api/snoozed", token=token_for("cho")).body["threads"] == []


def test_a_crash_between_the_store_and_the_wake_heals_on_redelivery(inbox, monkeypatch) -> None:
    assert snooze(inbox, "customer_reply").status == 200
    later = NOW + timedelta(hours=1)
    message = inbound("m2", "Here is the photo", at=later)

    def crash(*args, **kwargs):
        raise RuntimeError("the process died after the message was stored")

    with monkeypatch.context() as patched:
        patched.setattr(snoozes, "wake", crash)
        assert run_batch([message], now=later)["batchItemFailures"]
    stored = [m for m in messages.list_thread(inbox.tid) if m["message_id"] == "m2"]
    assert stored and thread_of().get("snoozed_at")  # stored, still snoozed
    deliver([message], inbox.config, now=later)  # the queue brings it back
    assert "snoozed_at" not in thread_of() and audit_actions(inbox.tid).count("unsnoozed") == 1


def test_a_duplicate_of_a_message_to_a_thread_that_was_not_snoozed_reads_no_thread(inbox, monkeypatch) -> None:
    def unexpected(thread_id):
        raise AssertionError(f"read thread {thread_id}")

    monkeypatch.setattr(threads, "get", unexpected)
    deliver([inbound("m1", "I'll send the photo tomorrow", at=NOW - timedelta(minutes=5))], inbox.config)
