"""The core's connector with the LINE plugin, loaded by its entry point, under moto: a signed batch is
queued under the body's bot, a wrongly signed one is refused with nothing queued."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from line_testkit import channel, fixture_bytes  # type: ignore[import-not-found, unused-ignore]
from moto import mock_aws
from siu_line.auth import sign

import siu_core.handlers.connector as conn_mod
from siu_core.models import QueueMessage, SimulatedMessage

SECRETS = {"channel_secret": "connector-test-channel-secret", "channel_access_token": "connector+test/token=",
           "bot_user_id": "U00000000000000000000000000000b07"}
HEADER = "x-line-signature"


@pytest.fixture
def line(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for key, value in {"AWS_DEFAULT_REGION": "ap-northeast-1", "AWS_REGION": "ap-northeast-1",
                       "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="ap-northeast-1")
        url = sqs.create_queue(QueueName="siu-intake-queue")["QueueUrl"]
        boto3.client("ssm", region_name="ap-northeast-1").put_parameter(Type="SecureString", Name="/siu/secrets/line",
                                                                        Value=json.dumps(SECRETS))
        monkeypatch.setenv("SIU_QUEUE_URL", url)
        monkeypatch.setenv("SIU_CHANNEL", "line")
        conn_mod.reset()
        yield {"sqs": sqs, "url": url}
        conn_mod.reset()


def event(method: str, body: bytes = b"", headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "version": "2.0", "rawPath": "/webhooks/line", "rawQueryString": "",
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "requestContext": {"requestId": "r-1", "http": {"method": method, "path": "/webhooks/line"}},
        "body": body.decode(), "isBase64Encoded": False,
    }


def queued(line: dict[str, Any]) -> list[QueueMessage]:
    out: list[QueueMessage] = []
    while msgs := line["sqs"].receive_message(QueueUrl=line["url"], MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            out.append(QueueMessage.model_validate_json(m["Body"]))
            line["sqs"].delete_message(QueueUrl=line["url"], ReceiptHandle=m["ReceiptHandle"])
    return out


def test_a_simulated_batch_is_enqueued_under_the_bot_account(line: dict[str, Any]) -> None:
    messages = [SimulatedMessage(sender_id=f"U{i:032x}", text=f"question {i}", message_id=f"59000000000000{i}",
                                 timestamp=datetime(2026, 2, 10, 9, i, tzinfo=UTC)) for i in range(2)]
    (post,) = channel().simulate_webhooks(messages, SECRETS["bot_user_id"], SECRETS, {})
    resp = conn_mod.handler(event("POST", post.body, post.headers), None)
    assert resp["statusCode"] == 200
    got = queued(line)
    assert sorted(getattr(q.event, "message_id", "") for q in got) == ["590000000000000", "590000000000001"]
    assert {(q.event.channel, q.event.account_id) for q in got} == {("line", SECRETS["bot_user_id"])}


def test_refusals_enqueue_nothing(line: dict[str, Any]) -> None:
    body = fixture_bytes("webhooks/text.json")
    assert conn_mod.handler(event("POST", body, {}), None)["statusCode"] == 401
    wrong = sign(body, "another-channel-secret")
    assert conn_mod.handler(event("POST", body, {HEADER: wrong}), None)["statusCode"] == 403
    bad = b'{"destination":1,"events":[]}'
    assert conn_mod.handler(event("POST", bad, {HEADER: sign(bad, SECRETS["channel_secret"])}), None)[
        "statusCode"] == 400
    assert conn_mod.handler(event("GET"), None)["statusCode"] == 405
    assert queued(line) == []


def test_the_consoles_verify_post_and_ignored_events_are_answered_200(line: dict[str, Any]) -> None:
    for relative in ("unknown/verify.json", "unknown/follow.json"):
        body = fixture_bytes(relative)
        resp = conn_mod.handler(event("POST", body, {HEADER: sign(body, SECRETS["channel_secret"])}), None)
        assert resp["statusCode"] == 200
    assert queued(line) == []
