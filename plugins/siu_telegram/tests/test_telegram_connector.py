"""The core's connector with the Telegram plugin, loaded by its entry point, under moto.

Proves the framework gap is closed end to end: the connector passes the ``bot_id`` secret to
``normalize`` as the account id, since Telegram's bodies never name the bot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tg_testkit import channel, fixture_bytes  # type: ignore[import-not-found, unused-ignore]

import siu_core.handlers.connector as conn_mod
from siu_core.models import QueueMessage, SimulatedMessage

SECRETS = {"bot_token": "6123456789:AAE-connector-test-token-0123456789", "secret_token": "conn-secret_1",
           "bot_id": "6123456789"}
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def tg(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for key, value in {"AWS_DEFAULT_REGION": "ap-southeast-1", "AWS_REGION": "ap-southeast-1",
                       "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="ap-southeast-1")
        url = sqs.create_queue(QueueName="siu-intake-queue")["QueueUrl"]
        boto3.client("ssm", region_name="ap-southeast-1").put_parameter(
            Type="SecureString", Name="/siu/secrets/telegram", Value=json.dumps(SECRETS))
        monkeypatch.setenv("SIU_QUEUE_URL", url)
        monkeypatch.setenv("SIU_CHANNEL", "telegram")
        conn_mod.reset()
        yield {"sqs": sqs, "url": url}
        conn_mod.reset()


def event(method: str, body: bytes = b"", headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "version": "2.0", "rawPath": "/", "rawQueryString": "",
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "requestContext": {"requestId": "r-1", "http": {"method": method, "path": "/"}},
        "body": body.decode(), "isBase64Encoded": False,
    }


def queued(tg: dict[str, Any]) -> list[QueueMessage]:
    out: list[QueueMessage] = []
    while msgs := tg["sqs"].receive_message(QueueUrl=tg["url"], MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            out.append(QueueMessage.model_validate_json(m["Body"]))
            tg["sqs"].delete_message(QueueUrl=tg["url"], ReceiptHandle=m["ReceiptHandle"])
    return out


def test_a_simulated_update_is_enqueued_under_the_bot_account(tg: dict[str, Any]) -> None:
    msg = SimulatedMessage(sender_id="523041977", sender_name="Mira Okafor", text="Do you ship to Abuja?",
                           message_id="523041977:1201", timestamp=datetime(2026, 2, 10, 9, tzinfo=UTC))
    post = channel().simulate_webhook([msg], SECRETS["bot_id"], SECRETS)
    resp = conn_mod.handler(event("POST", post.body, post.headers), None)
    assert resp["statusCode"] == 200
    (queued_msg,) = queued(tg)
    assert (queued_msg.event.channel, queued_msg.event.account_id) == ("telegram", "6123456789")
    assert getattr(queued_msg.event, "message_id", None) == "523041977:1201"


def test_refusals_enqueue_nothing(tg: dict[str, Any]) -> None:
    body = fixture_bytes("webhooks/text.json")
    assert conn_mod.handler(event("POST", body, {}), None)["statusCode"] == 401
    assert conn_mod.handler(event("POST", body, {HEADER: "conn-secret_2"}), None)["statusCode"] == 403
    assert conn_mod.handler(event("POST", b'{"update_id":"x"}', {HEADER: "conn-secret_1"}), None)["statusCode"] == 400
    assert conn_mod.handler(event("GET"), None)["statusCode"] == 405
    assert queued(tg) == []


def test_an_update_siu_ignores_is_answered_200_so_telegram_does_not_retry(tg: dict[str, Any]) -> None:
    body = fixture_bytes("unknown/callback_query.json")
    assert conn_mod.handler(event("POST", body, {HEADER: "conn-secret_1"}), None)["statusCode"] == 200
    assert queued(tg) == []
