"""The connector with the real WhatsApp plugin, loaded by its entry point, under moto."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from siu_meta.graph import sign_body

import siu_core.handlers.connector as conn_mod
from siu_core.models import QueueMessage, SimulatedMessage
from siu_core.plugins import load_channels

SECRETS = {
    "app_secret": "wa-app-secret-for-tests",
    "verify_token": "wa-verify-token",
    "access_token": "EAAG-test-token",
    "phone_number_id": "106540352242922",
}

pytestmark = pytest.mark.skipif(
    "whatsapp" not in load_channels(["whatsapp"]).channels, reason="siu-whatsapp plugin not installed"
)


@pytest.fixture
def wa(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="siu-intake-queue")["QueueUrl"]
        boto3.client("ssm").put_parameter(Type="SecureString", Name="/siu/secrets/whatsapp", Value=json.dumps(SECRETS))
        monkeypatch.setenv("SIU_QUEUE_URL", url)
        monkeypatch.setenv("SIU_CHANNEL", "whatsapp")
        conn_mod.reset()
        yield {"sqs": sqs, "url": url}
        conn_mod.reset()


def function_url_event(method: str, body: bytes = b"", headers: dict[str, str] | None = None,
                       query: str = "", base64_encoded: bool = False) -> dict[str, Any]:
    return {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": query,
        "headers": {k.lower(): v for k, v in (headers or {}).items()},
        "requestContext": {"requestId": "r-1", "http": {"method": method, "path": "/"}},
        "body": base64.b64encode(body).decode() if base64_encoded else body.decode(),
        "isBase64Encoded": base64_encoded,
    }


def simulated(n: int) -> tuple[bytes, dict[str, str]]:
    channel = load_channels(["whatsapp"]).get("whatsapp")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    msgs = [
        SimulatedMessage(sender_id=f"6591234{i:03d}", sender_name=f"Customer {i}", text=f"Is order {i} shipped? 谢谢",
                         message_id=f"wamid.TEST{i:04d}", timestamp=start + timedelta(minutes=i))
        for i in range(n)
    ]
    req = channel.simulate_webhook(msgs, SECRETS["phone_number_id"], SECRETS)
    return req.body, req.headers


def queued(wa: dict[str, Any]) -> list[QueueMessage]:
    out: list[QueueMessage] = []
    while msgs := wa["sqs"].receive_message(QueueUrl=wa["url"], MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            out.append(QueueMessage.model_validate_json(m["Body"]))
            wa["sqs"].delete_message(QueueUrl=wa["url"], ReceiptHandle=m["ReceiptHandle"])
    return out


def test_whatsapp_handshake(wa: dict[str, Any]) -> None:
    ok = conn_mod.handler(function_url_event(
        "GET", query="hub.mode=subscribe&hub.verify_token=wa-verify-token&hub.challenge=CHALLENGE_ACCEPTED"), None)
    assert (ok["statusCode"], ok["body"]) == (200, "CHALLENGE_ACCEPTED")
    refused = function_url_event("GET", query="hub.mode=subscribe&hub.verify_token=x&hub.challenge=1")
    bad = conn_mod.handler(refused, None)
    assert bad["statusCode"] == 403


def test_whatsapp_batched_webhook_enqueues_every_message(wa: dict[str, Any]) -> None:
    body, headers = simulated(23)
    resp = conn_mod.handler(function_url_event("POST", body, headers), None)
    assert resp["statusCode"] == 200
    msgs = queued(wa)
    assert sorted(getattr(m.event, "message_id", "") for m in msgs) == sorted(f"wamid.TEST{i:04d}" for i in range(23))
    assert {m.event.channel for m in msgs} == {"whatsapp"}
    assert all(getattr(m.event, "text", "").endswith("谢谢") for m in msgs)


def test_whatsapp_base64_body(wa: dict[str, Any]) -> None:
    body, headers = simulated(2)
    assert conn_mod.handler(function_url_event("POST", body, headers, base64_encoded=True), None)["statusCode"] == 200
    assert len(queued(wa)) == 2


def test_whatsapp_refusals_enqueue_nothing(wa: dict[str, Any]) -> None:
    body, headers = simulated(1)
    tampered = body.replace(b"shipped", b"shippex")
    assert conn_mod.handler(function_url_event("POST", tampered, headers), None)["statusCode"] == 403
    unsigned = {k: v for k, v in headers.items() if k.lower() != "x-hub-signature-256"}
    assert conn_mod.handler(function_url_event("POST", body, unsigned), None)["statusCode"] == 401
    wrong = {**headers, "X-Hub-Signature-256": sign_body(body, "not-the-app-secret")}
    assert conn_mod.handler(function_url_event("POST", body, wrong), None)["statusCode"] == 403
    junk = b'{"object":"whatsapp_business_account","entry":"nope"}'
    signed = {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(junk, SECRETS["app_secret"])}
    assert conn_mod.handler(function_url_event("POST", junk, signed), None)["statusCode"] == 400
    assert queued(wa) == []
