"""Presence through the API: heartbeats, who else shows in the thread, and the thread's ETag moving with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound


@pytest.fixture
def inbox(inbox):
    """One customer message on a care thread (ana and ben are on care; cho is not)."""
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))], inbox.config)
    inbox.tid = thread_of()["thread_id"]
    return inbox


def beat(inbox, user: str, state: str, role: str = "agent"):
    return call("POST", f"/api/threads/{inbox.tid}/presence", token=token_for(user, role), body={"state": state})


def test_a_colleague_sees_who_is_viewing_and_typing_and_it_expires(inbox) -> None:
    ana, ben = token_for("ana"), token_for("ben")
    first = call("GET", f"/api/threads/{inbox.tid}", token=ben)
    assert first.status == 200 and first.body["presence"] == []
    tag = first.headers["etag"]
    viewing = beat(inbox, "ana", "viewing")
    assert viewing.status == 200 and viewing.body["others"] == [] and viewing.body["expires_in"] == 60
    seen = call("GET", f"/api/threads/{inbox.tid}", token=ben, headers={"If-None-Match": tag})
    assert seen.status == 200 and seen.body["presence"] == [{"id": "ana", "name": "Ana", "state": "viewing"}]
    tag = seen.headers["etag"]
    # Another heartbeat only moves the expiry: the idle poll stays a 304.
    inbox.clock.advance(seconds=15)
    assert beat(inbox, "ana", "viewing").status == 200
    assert call("GET", f"/api/threads/{inbox.tid}", token=ben, headers={"If-None-Match": tag}).status == 304
    # Typing changes what ben sees; ben's own heartbeat answers with ana.
    assert beat(inbox, "ana", "typing").status == 200
    typing = call("GET", f"/api/threads/{inbox.tid}", token=ben, headers={"If-None-Match": tag})
    assert typing.status == 200 and typing.body["presence"][0]["state"] == "typing"
    assert beat(inbox, "ben", "viewing").body["others"] == [{"id": "ana", "name": "Ana", "state": "typing"}]
    assert call("GET", f"/api/threads/{inbox.tid}", token=ana).body["presence"] == [
        {"id": "ben", "name": "Ben", "state": "viewing"}]
    # Nobody says goodbye: 61 s later both heartbeats have expired.
    inbox.clock.advance(seconds=61)
    assert call("GET", f"/api/threads/{inbox.tid}", token=ben).body["presence"] == []


def test_presence_is_scoped_and_checked(inbox) -> None:
    assert beat(inbox, "cho", "viewing").status == 403  # not on the thread's team
    assert call("POST", "/api/threads/th_nope/presence", token=token_for("ana"),
                body={"state": "viewing"}).status == 404
    bad = call("POST", f"/api/threads/{inbox.tid}/presence", token=token_for("ana"), body={"state": "lurking"})
    assert bad.status == 422 and bad.body["error"]["code"] == "invalid_body"
    extra = call("POST", f"/api/threads/{inbox.tid}/presence", token=token_for("ana"),
                 body={"state": "viewing", "until": "forever"})
    assert extra.status == 422
    assert call("POST", f"/api/threads/{inbox.tid}/presence", body={"state": "viewing"}).status == 401
    assert call("GET", f"/api/threads/{inbox.tid}", token=token_for("ben")).body["presence"] == []
