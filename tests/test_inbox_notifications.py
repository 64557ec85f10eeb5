"""Notifications through the inbox API under moto: assigned, customer answered, mention, SLA about to breach;
read state, preferences, queue counts and the landing queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
from inbox_support import SlackStub, call, deliver, slack_server, thread_of, token_for
from pipeline_support import NOW, inbound

from siu_core.store import inbox_version


@pytest.fixture
def slack() -> Iterator[SlackStub]:
    """A Slack stand-in on loopback."""
    yield from slack_server()


def _kinds(token: str) -> list[tuple[str, str]]:
    return [(n["kind"], n["thread_id"]) for n in call("GET", "/api/notifications", token=token).body["notifications"]]


def _opened(inbox) -> tuple[str, str]:
    """A thread of team accounts, routed to a teammate: (thread id, its assignee)."""
    deliver([inbound("m1", "I was charged twice, refund please")], inbox.config)
    thread = thread_of()
    return str(thread["thread_id"]), str(thread["assignee"])


def test_assignment_and_answer_notify_the_holder_once(inbox) -> None:
    tid, holder = _opened(inbox)
    me = token_for(holder)
    assert _kinds(me) == [("assigned", tid)]
    deliver([inbound("m2", "any news?", at=NOW + timedelta(minutes=1))], inbox.config)
    deliver([inbound("m2", "any news?", at=NOW + timedelta(minutes=1))], inbox.config)  # redelivered
    assert _kinds(me) == [("answered", tid), ("assigned", tid)]
    listed = call("GET", "/api/notifications", token=me).body
    assert listed["unread"] == 2 and listed["unread_by_thread"] == {tid: 2}
    assert all(n["read"] is False for n in listed["notifications"])
    other = "mei" if holder == "cho" else "cho"
    assert _kinds(token_for(other)) == []  # nobody else is told


def test_marking_read_by_id_by_thread_and_up_to_a_time(inbox) -> None:
    tid, holder = _opened(inbox)
    me = token_for(holder)
    deliver([inbound("m2", "any news?", at=NOW + timedelta(minutes=1))], inbox.config)
    first, second = call("GET", "/api/notifications", token=me).body["notifications"]
    done = call("POST", "/api/notifications/read", token=me, body={"ids": [first["id"]]})
    assert done.status == 200 and done.body["marked"] == [first["id"]] and done.body["unread"] == 1
    again = call("POST", "/api/notifications/read", token=me, body={"ids": [first["id"]]})
    assert again.body["marked"] == [] and again.body["unread"] == 1  # a retry changes nothing
    by_thread = call("POST", "/api/notifications/read", token=me, body={"thread_id": tid})
    assert by_thread.body["marked"] == [second["id"]] and by_thread.body["unread_by_thread"] == {}
    inbox.clock.advance(minutes=5)
    deliver([inbound("m3", "hello?", at=NOW + timedelta(minutes=2))], inbox.config, now=inbox.clock())
    assert call("GET", "/api/notifications", token=me).body["unread"] == 1
    upto = call("POST", "/api/notifications/read", token=me, body={"until": inbox.clock().isoformat()})
    assert upto.status == 200 and upto.body["unread"] == 0
    assert all(n["read"] for n in call("GET", "/api/notifications", token=me).body["notifications"])


def test_bad_read_requests_are_422_and_change_nothing(inbox) -> None:
    _opened(inbox)
    me = token_for("cho")
    for body in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": ["a"] * 201}, {"until": "2026-01-01T00:00:00"},
                 {"ids": ["2026-12-04T10:00:00.000000Z#" + "0" * 20], "thread_id": "t"}, {"all": True}):
        answer = call("POST", "/api/notifications/read", token=me, body=body)
        assert (answer.status, answer.code) == (422, "invalid_body"), body
    assert call("GET", "/api/notifications", token=me, query="before=nope").code == "invalid_cursor"
    assert call("GET", "/api/notifications", token=me, query="limit=0").status == 422
    assert call("POST", "/api/notifications/read", body={"until": NOW.isoformat()}).status == 401


def test_paging_newest_first(inbox) -> None:
    _tid, holder = _opened(inbox)
    me = token_for(holder)
    for i in range(3):
        deliver([inbound(f"f{i}", f"news {i}?", at=NOW + timedelta(minutes=i + 1))], inbox.config)
    page = call("GET", "/api/notifications", token=me, query="limit=2").body
    rest = call("GET", "/api/notifications", token=me, query=f"limit=2&before={quote(page['next_before'])}").body
    ids = [n["id"] for n in page["notifications"] + rest["notifications"]]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True) and rest["next_before"] is None


def test_preferences_filter_kinds_and_slack_needs_an_id(inbox) -> None:
    _tid, holder = _opened(inbox)
    me = token_for(holder)
    prefs = call("GET", "/api/me/preferences", token=me).body
    assert prefs["preferences"]["slack"] is False and prefs["slack_available"] is False
    off = {"events": {"assigned": False, "answered": True, "mention": True, "sla_soon": True}, "browser": True,
           "sound": True, "slack": False}
    assert call("PUT", "/api/me/preferences", token=me, body=off).status == 200
    listed = call("GET", "/api/notifications", token=me).body
    assert listed["notifications"] == [] and listed["unread"] == 0
    assert call("PUT", "/api/me/preferences", token=me, body={**off, "slack": True}).code == "no_slack_id"
    assert call("PUT", "/api/me/preferences", token=me, body={**off, "sound": "yes"}).status == 422
    assert call("PUT", "/api/me/preferences", token=me, body={**off, "push": True}).status == 422
    assert call("GET", "/api/me/preferences", token=me).body["preferences"] == off


def test_manual_reassign_notifies_the_target_and_slack_only_when_opted_in(inbox, slack) -> None:
    from siu_core.notify import Notifier

    tid, holder = _opened(inbox)
    inbox.services.notifier = Notifier(token="xoxb-test", base_url=slack.url)
    admin = token_for("boss", "admin")
    target = "mei" if holder == "cho" else "cho"
    assert call("PUT", f"/api/roster/{target}", token=admin, body={"slack_user": "U012ABCDEF"}).status == 200
    them = token_for(target)
    prefs = call("GET", "/api/me/preferences", token=them).body["preferences"]
    assert call("PUT", "/api/me/preferences", token=them, body={**prefs, "slack": True}).status == 200
    moved = call("POST", f"/api/threads/{tid}/reassign", token=admin, body={"to": target})
    assert moved.status == 200, moved.body
    assert _kinds(them) == [("assigned", tid)]
    (post,) = slack.posts
    assert post["body"]["channel"] == "U012ABCDEF" and "refund" not in post["body"]["text"]
    assert call("POST", f"/api/threads/{tid}/reassign", token=admin, body={"to": target}).status == 200
    assert _kinds(them) == [("assigned", tid)] and len(slack.posts) == 1  # no change, nobody told again


def test_sla_warning_once_per_due_time(inbox) -> None:
    from siu_core.sla_sweep import sweep

    tid, holder = _opened(inbox)
    due = NOW - timedelta(minutes=5) + timedelta(hours=inbox.config.sla.normal_hours)
    assert sweep(inbox.config, due - timedelta(minutes=30)).warned == 0  # not yet
    assert sweep(inbox.config, due - timedelta(minutes=5)).warned == 1
    assert sweep(inbox.config, due - timedelta(minutes=1)).warned == 0  # the same due time: once
    kinds = _kinds(token_for(holder))
    assert kinds[0] == ("sla_soon", tid)
    (warned,) = [n for n in call("GET", "/api/notifications", token=token_for(holder)).body["notifications"]
                 if n["kind"] == "sla_soon"]
    assert warned["due_at"].startswith(due.isoformat()[:16])


def test_the_etag_moves_when_notifications_change(inbox) -> None:
    tid, holder = _opened(inbox)
    me = token_for(holder)
    first = call("GET", "/api/notifications", token=me)
    tag = first.headers["etag"]
    assert call("GET", "/api/notifications", token=me, headers={"If-None-Match": tag}).status == 304
    before = inbox_version.current()
    call("POST", "/api/notifications/read", token=me, body={"thread_id": tid})
    assert inbox_version.current() > before
    assert call("GET", "/api/notifications", token=me, headers={"If-None-Match": tag}).status == 200


def test_queue_counts_and_landing(inbox) -> None:
    for i in range(3):
        deliver([inbound(f"w{i}", "where is my parcel?", customer=f"c{i}")], inbox.config)  # care: ana, ben, ana
    admin = call("GET", "/api/queues", token=token_for("boss", "admin")).body
    assert {(q["queue"], q["team"], q["assignee"]): q["count"] for q in admin["queues"]} == {
        ("mine", None, None): 0, ("team", "accounts", None): 0, ("team", "care", None): 0,
        ("teammate", None, "ana"): 2, ("teammate", None, "ben"): 1}
    assert admin["landing"] == {"queue": "teammate", "count": 2, "team": None, "assignee": "ana", "view": "all"}
    ana = call("GET", "/api/queues", token=token_for("ana")).body
    assert [(q["queue"], q["team"], q["count"]) for q in ana["queues"]] == [("mine", None, 2), ("team", "care", 0)]
    assert ana["landing"]["queue"] == "mine" and ana["unread"] == 2 and len(ana["unread_by_thread"]) == 2
    cho = call("GET", "/api/queues", token=token_for("cho")).body
    assert cho["landing"] is None  # nothing anywhere they may see


def test_a_customer_answer_reaches_slack_only_for_an_opted_in_holder(inbox, slack, monkeypatch) -> None:
    from siu_core.notify import Notifier
    from siu_core.pipeline import ingest

    notifier = Notifier(token="xoxb-test", base_url=slack.url)
    monkeypatch.setattr(ingest.Services, "notifier", lambda self: notifier)
    tid, holder = _opened(inbox)
    admin = token_for("boss", "admin")
    assert call("PUT", f"/api/roster/{holder}", token=admin, body={"slack_user": "U0HOLDER1"}).status == 200
    deliver([inbound("m2", "my card number is 4111 1111", at=NOW + timedelta(minutes=1))], inbox.config)
    assert slack.posts == []  # a Slack id alone is not an opt-in
    me = token_for(holder)
    prefs = call("GET", "/api/me/preferences", token=me).body["preferences"]
    assert call("PUT", "/api/me/preferences", token=me, body={**prefs, "slack": True}).status == 200
    deliver([inbound("m3", "my card number is 4111 1111 again", at=NOW + timedelta(minutes=2))], inbox.config)
    deliver([inbound("m3", "my card number is 4111 1111 again", at=NOW + timedelta(minutes=2))], inbox.config)
    (post,) = slack.posts  # the redelivery tells nobody again
    assert post["body"]["channel"] == "U0HOLDER1" and tid in post["body"]["text"]
    assert "4111" not in post["body"]["text"]  # the customer's words stay in the inbox


def test_a_breach_reroute_notifies_the_new_holder_once(inbox) -> None:
    from siu_core.sla_sweep import sweep

    tid, holder = _opened(inbox)
    due = NOW - timedelta(minutes=5) + timedelta(hours=inbox.config.sla.normal_hours)
    report = sweep(inbox.config, due + timedelta(minutes=1))
    (breach,) = report.breaches
    assert breach.target and breach.target != holder
    sweep(inbox.config, due + timedelta(minutes=6))  # handled once: nothing new
    notices = call("GET", "/api/notifications", token=token_for(breach.target)).body["notifications"]
    assert [(n["kind"], n["thread_id"], n["by"]) for n in notices] == [("assigned", tid, "function:sla-sweeper")]
