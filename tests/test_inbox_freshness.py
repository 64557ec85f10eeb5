"""Polling costs one small read when nothing changed: ETag, 304, and bounded, paged queue reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from inbox_support import call, deliver, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.inbox import freshness


def test_the_etag_names_the_count_who_asks_what_and_the_time_bucket() -> None:
    at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    base: dict[str, Any] = {"who": "ana", "role": "agent", "teams": ["care"], "what": "queue", "params": {}, "now": at}
    tag = freshness.etag(7, **base)
    assert tag.startswith('W/"7-') and tag == freshness.etag(7, **base)
    assert tag != freshness.etag(8, **base)
    assert tag != freshness.etag(7, **{**base, "who": "ben"})
    assert tag != freshness.etag(7, **{**base, "role": "admin"})
    assert tag != freshness.etag(7, **{**base, "params": {"team": "care"}})
    assert tag != freshness.etag(7, **{**base, "now": at + timedelta(seconds=freshness.FRESH_SECONDS)})
    assert freshness.matches(tag, tag) and freshness.matches(tag.removeprefix("W/"), tag)
    assert freshness.matches(f'"x", {tag}', tag) and freshness.matches("*", tag)
    assert not freshness.matches(None, tag) and not freshness.matches('W/"7-other"', tag)


def _reads(calls: list[str]) -> Any:
    from siu_core.aws import clients

    client = clients.dynamodb()
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return client


def test_an_unchanged_queue_answers_304_after_one_small_read(inbox) -> None:
    deliver([inbound("m1", "Where is my order?", customer="c1", at=NOW - timedelta(minutes=5))], inbox.config)
    token = token_for("ana")
    first = call("GET", "/api/queue", token=token)
    tag = first.headers["etag"]
    assert first.status == 200 and first.body["count"] == 1
    calls: list[str] = []
    _reads(calls)
    again = call("GET", "/api/queue", token=token, headers={"If-None-Match": tag})
    assert again.status == 304 and again.body is None and again.headers["etag"] == tag
    assert "Query" not in calls and "BatchGetItem" not in calls  # the queue itself was not read
    # A new message changes the count: the next poll reads and answers the new queue.
    deliver([inbound("m2", "And the tracking number?", customer="c2", at=NOW - timedelta(minutes=1))], inbox.config)
    changed = call("GET", "/api/queue", token=token, headers={"If-None-Match": tag})
    assert changed.status == 200 and changed.headers["etag"] != tag


def test_a_thread_poll_is_conditional_too_and_an_action_moves_it(inbox) -> None:
    deliver([inbound("m1", "Where is my order?", customer="c1", at=NOW - timedelta(minutes=5))], inbox.config)
    tid = thread_of("c1")["thread_id"]
    token = token_for("ana")
    first = call("GET", f"/api/threads/{tid}", token=token)
    tag = first.headers["etag"]
    assert call("GET", f"/api/threads/{tid}", token=token, headers={"If-None-Match": tag}).status == 304
    assert call("GET", f"/api/threads/{tid}", token=token_for("ben"),
                headers={"If-None-Match": tag}).status != 304  # another caller never gets my tag's 304
    assert call("POST", f"/api/threads/{tid}/close", token=token).status == 200
    after = call("GET", f"/api/threads/{tid}", token=token, headers={"If-None-Match": tag})
    assert after.status == 200 and after.body["status"] == "closed"


def test_the_queue_is_bounded_and_pages(inbox) -> None:
    deliver([inbound(f"m{i}", "Where is my order?", customer=f"c{i}", at=NOW - timedelta(minutes=30 - i))
             for i in range(5)], inbox.config)
    token = token_for("boss", "admin")
    holder = thread_of("c0")["assignee"]
    whole = call("GET", "/api/queue", token=token, query=f"assignee={holder}").body
    first = call("GET", "/api/queue", token=token, query=f"assignee={holder}&limit=1").body
    assert first["count"] == 1 and first["total"] == whole["total"] == whole["count"]
    assert (first["next_offset"] == 1) == (whole["total"] > 1) and whole["next_offset"] is None
    seen = []
    offset: int | None = 0
    while offset is not None:
        page = call("GET", "/api/queue", token=token, query=f"assignee={holder}&limit=1&offset={offset}").body
        seen += [t["id"] for t in page["threads"]]
        offset = page["next_offset"]
    assert sorted(seen) == sorted(t["id"] for t in whole["threads"])
    bad = call("GET", "/api/queue", token=token, query="limit=5000")
    assert bad.status == 422
