"""The dev server's building blocks, without AWS: schedules, Lambda events, the platform stand-in, HTTP."""

from __future__ import annotations

import base64
import json
import socket
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from siu_core.dev.http import DevApp, PortBusy, serve
from siu_core.dev.lambda_events import function_url_event, http_response, sqs_record
from siu_core.dev.schedule import next_run
from siu_core.dev.standin import StandIn
from siu_core.models import StandInResponse
from siu_core.plugins import ChannelRegistry, new_plugin_manager


def test_rate_schedule() -> None:
    t = datetime(2026, 1, 1, 10, 2, tzinfo=UTC)
    assert next_run("rate(5 minutes)", t, "UTC") == datetime(2026, 1, 1, 10, 7, tzinfo=UTC)


def test_daily_cron_in_the_configured_time_zone() -> None:
    sgt_before = datetime(2026, 1, 1, 9, 59, tzinfo=UTC)  # 17:59 in Singapore
    assert next_run("cron(0 18 * * ? *)", sgt_before, "Asia/Singapore") == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    sgt_at = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)  # exactly 18:00: next is tomorrow
    assert next_run("cron(0 18 * * ? *)", sgt_at, "Asia/Singapore") == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)


def test_weekly_cron_fires_on_its_weekday_in_the_configured_time_zone() -> None:
    monday_8 = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # Monday 08:00 in Singapore
    assert next_run("cron(0 9 ? * MON *)", monday_8, "Asia/Singapore") == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    monday_9 = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # exactly 09:00: next is a week later
    assert next_run("cron(0 9 ? * MON *)", monday_9, "Asia/Singapore") == datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
    sunday_late = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # already Monday 07:30 in Singapore
    assert next_run("cron(0 9 ? * WED *)", sunday_late, "Asia/Singapore") == datetime(2026, 3, 11, 1, 0, tzinfo=UTC)


def test_dev_runs_the_weekly_summary_with_the_templates_event(monkeypatch: pytest.MonkeyPatch) -> None:
    from siu_core.dev import wiring
    from siu_core.handlers import digest

    seen: list[dict[str, object]] = []
    monkeypatch.setattr(digest, "handler", lambda event, context: seen.append(event))
    monkeypatch.setenv(wiring.WEEKLY_DAY_ENV, "fri")
    jobs = {job.name: job for job in wiring.scheduled_jobs()}
    assert jobs["weekly-summary"].expression == "cron(0 9 ? * FRI *)"
    jobs["weekly-summary"].run()
    jobs["daily-digest"].run()
    assert [event.get("kind") for event in seen] == ["weekly", None]
    monkeypatch.setenv(wiring.WEEKLY_DAY_ENV, "someday")
    with pytest.raises(ValueError, match=r"MON\.\.SUN"):
        wiring.scheduled_jobs()


def test_unknown_schedule_is_refused() -> None:
    with pytest.raises(ValueError):
        next_run("cron(0/5 * * * ? *)", datetime.now(UTC), "UTC")


def test_function_url_event_keeps_raw_bytes_and_joins_headers() -> None:
    body = '{"t":"\\u00e4 ä"}'.encode()
    ev = function_url_event("post", "/webhooks/x", "a=1&a=2&hub.mode=subscribe",
                            [("X-Hub-Signature-256", "s1"), ("x-hub-signature-256", "s2")], body)
    assert ev["body"].encode("utf-8") == body and ev["isBase64Encoded"] is False
    assert ev["headers"]["x-hub-signature-256"] == "s1,s2"
    assert ev["queryStringParameters"] == {"a": "1,2", "hub.mode": "subscribe"}
    assert ev["requestContext"]["http"]["method"] == "POST"
    binary = function_url_event("POST", "/", "", [], b"\xff\x00")
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\xff\x00"


def test_http_response_reads_lambda_results() -> None:
    assert http_response({"statusCode": 403, "body": "no"}) == (403, {}, b"no")
    assert http_response({"statusCode": 200, "body": base64.b64encode(b"\x00").decode(), "isBase64Encoded": True})[2] \
        == b"\x00"
    assert http_response({"ok": 1})[0] == 200


def test_sqs_record_shape() -> None:
    rec = sqs_record({"MessageId": "m", "ReceiptHandle": "r", "Body": "{}", "Attributes": {
        "ApproximateReceiveCount": "3"}}, "arn:aws:sqs:ap-southeast-1:1:q", "ap-southeast-1")
    assert rec["attributes"]["ApproximateReceiveCount"] == "3"
    assert rec["eventSource"] == "aws:sqs" and rec["messageId"] == "m"


class _Plugin:
    from siu_core import hookimpl

    @hookimpl
    def stand_in_response(self, method: str, path: str, body: bytes) -> StandInResponse | None:
        if method == "POST" and path.endswith("/messages"):
            return StandInResponse(body={"message_id": "sent-1", "echo": json.loads(body)})
        return None


def _registry() -> ChannelRegistry:
    reg = ChannelRegistry(pm=new_plugin_manager())
    from test_plugins import make_plugin

    plugin = make_plugin("demo")
    reg.register(plugin, "demo")
    reg.pm.register(_Plugin(), name="demo-standin")
    reg.channels["demo"]._callers = reg._callers_for("demo")
    reg.channels["demo"]._callers["stand_in_response"] = reg.pm.subset_hook_caller(
        "stand_in_response", remove_plugins=[])
    return reg


def test_standin_answers_through_the_plugin_records_and_injects_failures() -> None:
    s = StandIn(_registry())
    ok = s.handle("POST", "/platform/demo/v1/123/messages", {}, {"Authorization": "Bearer secret"}, b'{"x":1}')
    assert ok.status == 200 and ok.body["message_id"] == "sent-1"
    s.inject("demo", 400, {"error": {"code": 131047}})
    failed = s.handle("POST", "/platform/demo/v1/123/messages", {}, {}, b"{}")
    assert failed.status == 400
    assert s.handle("GET", "/platform/demo/unknown", {}, {}, b"").status == 404
    assert s.handle("GET", "/platform/nope/x", {}, {}, b"").status == 404
    s.secrets = {"demo": [{"bot_token": "123456:SECRET-token", "page_id": "12345678"}]}
    s.handle("POST", "/platform/demo/bot123456:SECRET-token/sendMessage", {}, {}, b"{}")
    calls = s.outbox()
    assert len(calls) == 5
    assert calls[-1]["path"] == "/bot<bot_token>/sendMessage"
    assert calls[0]["headers"]["Authorization"] == "<redacted>"
    assert calls[0]["body"] == {"x": 1} and calls[1]["status"] == 400


def test_the_outbox_redacts_any_credential_header_whatever_the_platform_calls_it() -> None:
    s = StandIn(_registry())
    headers = {"X-Platform-Api-Secret-Token": "s3cret", "X-Api-Key": "k3y", "Cookie": "c", "Content-Type": "a/b"}
    s.handle("POST", "/platform/demo/v1/123/messages", {}, headers, b"{}")
    (call,) = s.outbox()
    assert call["headers"] == {"X-Platform-Api-Secret-Token": "<redacted>", "X-Api-Key": "<redacted>",
                               "Cookie": "<redacted>", "Content-Type": "a/b"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_front_routes_webhooks_and_refuses_a_busy_port() -> None:
    seen: list[dict[str, Any]] = []

    def webhook(channel: str, event: dict[str, Any]) -> Any:
        seen.append(event)
        return {"statusCode": 200, "body": "ok"}

    app = DevApp(webhook=webhook, channels=lambda: ["demo"], standin=StandIn(_registry()), threads=lambda: [])
    port = _free_port()
    server, _ = serve(app, "127.0.0.1", port)
    try:
        base = f"http://127.0.0.1:{port}"
        req = urllib.request.Request(f"{base}/webhooks/demo?x=1", data=b'{"a":"\\u00e4"}', method="POST",
                                     headers={"X-Sig": "s"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200 and resp.read() == b"ok"
        assert seen[0]["body"] == '{"a":"\\u00e4"}' and seen[0]["headers"]["x-sig"] == "s"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as resp:
            assert json.loads(resp.read())["channels"] == ["demo"]
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{base}/webhooks/nope", timeout=5)
        assert err.value.code == 404
        with pytest.raises(PortBusy, match="another `siu dev`"):
            serve(app, "127.0.0.1", port)
    finally:
        server.shutdown()
        server.server_close()


def test_siu_devs_meta_stand_ins_answer_the_user_profile_call_with_the_same_person_for_the_same_id() -> None:
    from siu_core.plugins import load_channels

    s = StandIn(load_channels(["facebook", "instagram"]))
    asked = {"fields": "first_name,last_name,profile_pic"}
    one = s.handle("GET", "/platform/facebook/v25.0/24680135792468", asked, {}, b"")
    again = s.handle("GET", "/platform/facebook/v25.0/24680135792468", asked, {}, b"")
    assert one.status == 200 and one.body == again.body and one.body["first_name"] and one.body["last_name"]
    ig = s.handle("GET", "/platform/instagram/v25.0/17841400000000042", {"fields": "name,username,profile_pic"}, {},
                  b"")
    assert ig.status == 200 and set(ig.body) == {"name", "username", "profile_pic", "id"}
    assert s.handle("GET", "/platform/facebook/v25.0/me", {}, {}, b"").status == 404  # not a profile call
