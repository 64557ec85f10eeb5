"""The reply path under moto on a fixed clock, against a platform stand-in on 127.0.0.1.

Every outcome of a send (sent, window closed, rate limited, permanent, transient, no answer), the
Idempotency-Key guarantee (sequential, racing, after a crash), and that refusals change nothing.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from inbox_support import (
    Answer,
    Clock,
    atomic_dynamodb,
    audit_actions,
    build_services,
    call,
    concurrently,
    deliver,
    emitted_metrics,
    graph_error,
    inbox_config,
    put_secrets,
    reply_directly,
    thread_of,
    token_for,
)
from pipeline_support import NOW, dump_state, inbound, status

from siu_core import obs
from siu_core.store import replies


@pytest.fixture
def inbox(inbox):
    """The shared inbox fixture with one customer message delivered five minutes ago."""
    obs.discard_metrics()
    deliver([inbound("m1", "Where is my order?", at=NOW - timedelta(minutes=5))], inbox.config)
    thread = thread_of()
    inbox.tid, inbox.assignee = thread["thread_id"], thread["assignee"]
    inbox.token = token_for(thread["assignee"])
    yield inbox
    obs.discard_metrics()


def without_request_id(body):
    """A 5xx body as stored and replayed: the request id is the answering request's own."""
    return {"error": {k: v for k, v in body["error"].items() if k != "request_id"}}


def send(inbox, body, key: str = "key-1", token: str | None = None):
    return call("POST", f"/api/threads/{inbox.tid}/reply", token=token or inbox.token, body=body,
                headers={"Idempotency-Key": key} if key else {})


def test_a_reply_goes_out_once_and_is_stored_with_the_platforms_id(inbox, capsys) -> None:
    capsys.readouterr()
    sent = send(inbox, {"text": "Your order ships today."})
    assert sent.status == 200, sent.body
    assert sent.body["message"]["id"] == "wamid.REPLY1" and sent.body["message"]["direction"] == "out"
    assert sent.body["message"]["delivery"]["status"] == "accepted" and sent.body["window"] == "open"
    assert len(inbox.stub.calls) == 1
    call_ = inbox.stub.calls[0]
    assert call_["path"] == "/v25.0/acct-1/messages" and call_["auth"] == "Bearer wa-access-token"
    assert call_["body"]["text"] == {"body": "Your order ships today."} and call_["body"]["to"] == "cust-1"
    thread = thread_of()
    assert thread["last_outbound_at"] == "2026-03-04T02:00:00.000000Z" and thread["outbound_count"] == 1
    assert "replied" in audit_actions(inbox.tid)
    shown = call("GET", f"/api/threads/{inbox.tid}", token=inbox.token).body
    assert [m["text"] for m in shown["messages"]] == ["Where is my order?", "Your order ships today."]
    assert shown["sla"]["answered"] is True and shown["messages"][1]["sent_by"] == f"user:{inbox.assignee}"
    out = capsys.readouterr().out
    assert emitted_metrics(out).get("RepliesSent") == 1
    assert "Your order ships today." not in out and "Where is my order?" not in out
    assert "wa-access-token" not in out and inbox.token not in out


def test_later_delivery_statuses_update_the_message(inbox) -> None:
    assert send(inbox, {"text": "On its way"}).status == 200
    deliver([status(["wamid.REPLY1"], "delivered", at=NOW + timedelta(minutes=1)),
             status(["wamid.REPLY1"], "read", at=NOW + timedelta(minutes=2))], inbox.config,
            now=NOW + timedelta(minutes=3))
    shown = call("GET", f"/api/threads/{inbox.tid}", token=inbox.token).body["messages"][-1]
    assert shown["delivery"]["status"] == "read"


def test_the_same_key_twice_sends_once_and_returns_the_first_result(inbox) -> None:
    first = send(inbox, {"text": "Hello!"})
    inbox.clock.advance(seconds=40)
    second = send(inbox, {"text": "Hello!"})
    assert len(inbox.stub.calls) == 1
    assert second.status == first.status == 200 and second.body == first.body
    assert second.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    reused = send(inbox, {"text": "Something else"})
    assert (reused.status, reused.code) == (422, "idempotency_key_reused")
    other_key = send(inbox, {"text": "Hello!"}, key="key-2")
    assert other_key.status == 200 and len(inbox.stub.calls) == 2


def test_two_racing_requests_with_one_key_send_once(inbox, monkeypatch) -> None:
    import time

    atomic_dynamodb(monkeypatch)
    polling = threading.Event()

    def sleep_while_polling(seconds: float) -> None:
        polling.set()  # only a request that found the key pending waits (and then polls the record)
        time.sleep(seconds)

    inbox.services.sleep = sleep_while_polling
    inbox.stub.gate = threading.Event()

    def hold_then_release() -> None:
        # The first send stays in flight until the second request is seen waiting on its pending record.
        if inbox.stub.arrived.wait(10):
            polling.wait(10)
        inbox.stub.gate.set()

    releaser = threading.Thread(target=hold_then_release)
    releaser.start()
    results = concurrently(2, lambda i: reply_directly(inbox.assignee, inbox.tid, {"text": "Only once"},
                                                       "race-key"))
    releaser.join()
    assert inbox.stub.arrived.is_set() and polling.is_set(), "the requests did not overlap"
    assert [r.status for r in results] == [200, 200], [getattr(r, "body", r) for r in results]
    assert results[0].body == results[1].body
    assert len(inbox.stub.calls) == 1
    assert sorted("Idempotent-Replayed" in r.headers for r in results) == [False, True]
    assert audit_actions(inbox.tid).count("replied") == 1
    # and through HTTP afterwards: the same first result
    again = send(inbox, {"text": "Only once"}, key="race-key")
    assert again.body == results[0].body and len(inbox.stub.calls) == 1


def test_many_racing_keys_of_one_teammate_each_send_once(inbox, monkeypatch) -> None:
    atomic_dynamodb(monkeypatch)
    import time

    inbox.services.sleep = time.sleep
    results = concurrently(8, lambda i: reply_directly(inbox.assignee, inbox.tid, {"text": f"reply {i % 4}"},
                                                       f"k{i % 4}"))
    assert all(r.status == 200 for r in results), [getattr(r, "body", r) for r in results]
    assert len(inbox.stub.calls) == 4
    assert len({r.body["message"]["id"] for r in results}) == 4


class Crash(BaseException):
    """The process dies (not an exception the handler could catch)."""


def test_a_crash_between_send_and_record_never_sends_twice(inbox, monkeypatch) -> None:
    def crash(**kwargs):
        raise Crash

    monkeypatch.setattr(replies, "commit_sent", crash)
    with pytest.raises(Crash):
        send(inbox, {"text": "Lost in the crash?"})
    assert len(inbox.stub.calls) == 1
    monkeypatch.undo()
    inbox.services.peer_wait = 0.3
    inbox.clock.advance(seconds=5)
    busy = send(inbox, {"text": "Lost in the crash?"})
    assert (busy.status, busy.code) == (409, "reply_in_progress") and busy.headers["retry-after"] == "1"
    inbox.clock.advance(seconds=30)
    unknown = send(inbox, {"text": "Lost in the crash?"})
    assert (unknown.status, unknown.code) == (409, "reply_outcome_unknown")
    assert len(inbox.stub.calls) == 1
    again = send(inbox, {"text": "Lost in the crash?"}, key="key-after-checking")
    assert again.status == 200 and len(inbox.stub.calls) == 2


def test_whatsapp_outside_24_hours_offers_templates_and_sends_nothing(inbox) -> None:
    inbox.token = token_for(inbox.assignee, ttl=timedelta(days=2))
    inbox.clock.now = NOW - timedelta(minutes=5) + timedelta(hours=23, minutes=59)
    assert send(inbox, {"text": "just in time"}, key="a").status == 200
    inbox.clock.now = NOW - timedelta(minutes=5) + timedelta(hours=24, minutes=1)
    before = dump_state(include_s3=False)
    late = send(inbox, {"text": "too late"}, key="b")
    assert (late.status, late.code) == (409, "window_closed")
    window = late.body["error"]["window"]
    assert window["state"] == "template_only" and window["allowed"] == ["template"]
    assert window["templates"][0]["name"] == "order_update"
    assert "template" in late.body["error"]["message"]
    assert len(inbox.stub.calls) == 1 and dump_state(include_s3=False) == before
    template = send(inbox, {"template": {"name": "order_update", "language": "en_US", "params": ["#1234"]}}, key="c")
    assert template.status == 200 and template.body["message"]["kind"] == "template"
    assert inbox.stub.calls[-1]["body"]["template"]["name"] == "order_update"
    unknown = send(inbox, {"template": {"name": "promo", "language": "en_US"}}, key="d")
    assert (unknown.status, unknown.code) == (422, "unknown_template")


def test_rate_limited_answers_429_with_retry_after_and_the_key_can_retry(inbox, capsys) -> None:
    inbox.stub.script.append(Answer(status=400, body=graph_error(130429, "Rate limit hit")))
    capsys.readouterr()
    limited = send(inbox, {"text": "busy?"})
    assert (limited.status, limited.code) == (429, "rate_limited") and limited.headers["retry-after"] == "60"
    assert emitted_metrics(capsys.readouterr().out).get("SendFailures") == 1
    retried = send(inbox, {"text": "busy?"})
    assert retried.status == 200 and len(inbox.stub.calls) == 2


def test_a_permanent_platform_error_is_502_with_its_message_and_replays(inbox) -> None:
    inbox.stub.script.append(Answer(status=400, body=graph_error(131026, "Message undeliverable")))
    refused = send(inbox, {"text": "hello?"})
    assert (refused.status, refused.code) == (502, "platform_error")
    assert "Message undeliverable" in refused.body["error"]["message"]
    assert refused.body["error"]["platform_code"] == 131026
    again = send(inbox, {"text": "hello?"})
    assert again.status == 502 and without_request_id(again.body) == without_request_id(refused.body)
    assert again.body["error"]["request_id"] != refused.body["error"]["request_id"]  # each request its own id
    assert len(inbox.stub.calls) == 1
    assert "reply_failed" in audit_actions(inbox.tid) and "replied" not in audit_actions(inbox.tid)
    assert thread_of().get("last_outbound_at") is None


def test_transient_errors_are_retried_within_bounds_then_503(inbox) -> None:
    for _ in range(3):
        inbox.stub.script.append(Answer(status=500, body=graph_error(2, "Service temporarily unavailable",
                                                                     status=500)))
    failed = send(inbox, {"text": "anyone there?"})
    assert (failed.status, failed.code) == (503, "platform_unavailable") and failed.headers["retry-after"]
    assert len(inbox.stub.calls) == 3 and inbox.services.sleeps == [0.5, 1.0]
    recovered = send(inbox, {"text": "anyone there?"})
    assert recovered.status == 200 and len(inbox.stub.calls) == 4


def test_a_transient_error_then_success_sends_once(inbox) -> None:
    inbox.stub.script.append(Answer(status=503, body=None))
    sent = send(inbox, {"text": "second time lucky"})
    assert sent.status == 200 and len(inbox.stub.calls) == 2
    assert audit_actions(inbox.tid).count("replied") == 1


def test_no_answer_from_the_platform_is_never_retried(aws, stub) -> None:
    from siu_core.handlers import inbox as handler

    config = inbox_config(stub.url, channels={"whatsapp": {"api_base_url": stub.url, "timeout_seconds": 0.2}})
    aws.push_config(config)
    put_secrets()
    build_services(config, Clock())
    deliver([inbound("m1", "Where is my order?")], config)
    thread = thread_of()
    stub.script.append(Answer(delay=0.6, body={"messages": [{"id": "wamid.LATE"}]}))
    try:
        first = call("POST", f"/api/threads/{thread['thread_id']}/reply", token=token_for(thread["assignee"]),
                     body={"text": "slow"}, headers={"Idempotency-Key": "t"})
        assert (first.status, first.code) == (503, "reply_outcome_unknown")
        again = call("POST", f"/api/threads/{thread['thread_id']}/reply", token=token_for(thread["assignee"]),
                     body={"text": "slow"}, headers={"Idempotency-Key": "t"})
        assert without_request_id(again.body) == without_request_id(first.body) and len(stub.calls) == 1
        assert "reply_unknown" in audit_actions(thread["thread_id"])
    finally:
        handler.set_services(None)


def test_refusals_change_nothing_and_reach_no_platform(inbox) -> None:
    other = "ben" if inbox.assignee == "ana" else "ana"
    before = dump_state(include_s3=False)
    cases = [
        (send(inbox, {"text": "hi"}, key=""), 422, "idempotency_key_required"),
        (send(inbox, {"text": "hi"}, key="has space"), 422, "invalid_idempotency_key"),
        (send(inbox, {"text": "   "}), 422, "invalid_body"),
        (send(inbox, {"text": "\u200b\u200d\ufeff"}), 422, "invalid_body"),
        (send(inbox, {"text": " \u202e\u2066\u200f "}), 422, "invalid_body"),
        (send(inbox, {"template": {"name": "order_update", "language": "en_US", "params": ["\u2060"]}}), 422,
         "invalid_body"),
        (send(inbox, {"text": "hi", "template": {"name": "x", "language": "en"}}), 422, "invalid_body"),
        (send(inbox, {}), 422, "invalid_body"),
        (send(inbox, {"text": "x" * 4097}), 422, "text_too_long"),
        (send(inbox, {"text": "hi"}, token=token_for(other)), 403, "forbidden"),
        (send(inbox, {"text": "hi"}, token=token_for("cho")), 403, "forbidden"),
        (call("POST", "/api/threads/th_missing/reply", token=inbox.token, body={"text": "hi"},
              headers={"Idempotency-Key": "z"}), 404, "not_found"),
    ]
    for result, code, error in cases:
        assert (result.status, result.code) == (code, error), result.body
    assert dump_state(include_s3=False) == before and inbox.stub.calls == []


def test_a_closed_thread_refuses_replies(inbox) -> None:
    assert call("POST", f"/api/threads/{inbox.tid}/close", token=inbox.token).status == 200
    closed = send(inbox, {"text": "one more thing"})
    assert (closed.status, closed.code) == (409, "thread_closed") and inbox.stub.calls == []


def test_an_admin_may_reply_on_any_thread(inbox) -> None:
    sent = send(inbox, {"text": "Admin here"}, token=token_for("boss", "admin"))
    assert sent.status == 200 and sent.body["message"]["sent_by"] == "user:boss"


def test_retries_stop_when_another_attempt_would_overrun_the_budget(inbox) -> None:
    ticks = iter([0.0, 0.0, 7.0, 7.0])  # deadline set at 0; the first attempt takes 7 of the 8 seconds
    inbox.services.monotonic = lambda: next(ticks, 7.0)
    inbox.stub.script.append(Answer(status=500, body=graph_error(2, "Service temporarily unavailable", status=500)))
    failed = send(inbox, {"text": "slow platform"})
    assert (failed.status, failed.code) == (503, "platform_unavailable")
    assert len(inbox.stub.calls) == 1 and inbox.services.sleeps == []
