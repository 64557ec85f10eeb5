"""A reply written against an older view of the thread: held with 409 ``thread_changed`` until confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound


@pytest.fixture
def inbox(inbox):
    """The shared inbox fixture with one customer message (``m1``) delivered five minutes ago."""
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of()
    inbox.tid, inbox.token = thread["thread_id"], token_for(thread["assignee"])
    return inbox


def send(inbox, body, key: str = "key-1"):
    return call("POST", f"/api/threads/{inbox.tid}/reply", token=inbox.token, body=body,
                headers={"Idempotency-Key": key})


def test_a_reply_written_before_the_customers_newer_message_is_held_then_sent_once_confirmed(inbox) -> None:
    deliver([inbound("m2", "Actually, cancel it", at=NOW - timedelta(minutes=1))], inbox.config)
    held = send(inbox, {"text": "It ships today.", "based_on": "m1"})
    assert held.status == 409, held.body
    error = held.body["error"]
    assert error["code"] == "thread_changed" and error["based_on"] == "m1"
    assert [(m["id"], m["text"]) for m in error["new"]] == [("m2", "Actually, cancel it")]
    assert inbox.stub.calls == []  # nothing went out
    sent = send(inbox, {"text": "It ships today.", "based_on": "m1", "confirm": True})
    assert sent.status == 200, sent.body
    again = send(inbox, {"text": "It ships today.", "based_on": "m1", "confirm": True})
    assert again.status == 200 and again.headers.get("idempotent-replayed") == "true"
    assert len(inbox.stub.calls) == 1  # the same key never sends twice


def test_a_reply_on_what_is_newest_goes_out_and_my_own_replies_do_not_hold_the_next(inbox) -> None:
    first = send(inbox, {"text": "Let me check.", "based_on": "m1"})
    assert first.status == 200, first.body
    second = send(inbox, {"text": "It ships today.", "based_on": "m1"}, key="key-2")
    assert second.status == 200, second.body
    assert len(inbox.stub.calls) == 2


def test_a_colleagues_reply_since_holds_mine(inbox) -> None:
    admin = token_for("admin-1", "admin")
    theirs = call("POST", f"/api/threads/{inbox.tid}/reply", token=admin, body={"text": "On it."},
                  headers={"Idempotency-Key": "k-admin"})
    assert theirs.status == 200, theirs.body
    held = send(inbox, {"text": "It ships today.", "based_on": "m1"})
    assert held.status == 409 and [m["text"] for m in held.body["error"]["new"]] == ["On it."]
    assert held.body["error"]["new"][0]["sent_by"] == "user:admin-1"


def test_a_reply_without_based_on_is_not_checked(inbox) -> None:
    deliver([inbound("m2", "Hello?", at=NOW - timedelta(minutes=1))], inbox.config)
    assert send(inbox, {"text": "Hi!"}).status == 200


@pytest.mark.parametrize("body", [{"text": "x", "based_on": ""}, {"text": "x", "confirm": "yes please"},
                                  {"text": "x", "based_on": "m" * 513}])
def test_a_malformed_based_on_or_confirm_is_a_422(inbox, body) -> None:
    answer = send(inbox, body)
    assert answer.status == 422 and answer.body["error"]["code"] == "invalid_body"
