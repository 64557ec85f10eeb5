"""Several accounts per channel at the connector (real plugins, under moto): which account signed a
webhook, the handshake per account, and webhooks for accounts that are not configured."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

import siu_core.handlers.connector as conn_mod
from siu_core import obs
from siu_core.models import QueueMessage, SimulatedMessage
from siu_core.plugins import load_channels

pytestmark = pytest.mark.functional

SALES, SUPPORT, FORGOTTEN = "106540352242922", "106540352242933", "999999999999999"
WHATSAPP = {
    "app_secret": "shared-app-secret-for-tests", "verify_token": "shared-verify-token",
    "accounts": [
        {"id": SALES, "name": "Sales", "access_token": "EAAG-sales"},
        {"id": SUPPORT, "name": "Support", "access_token": "EAAG-support",
         "app_secret": "support-app-secret", "verify_token": "support-verify-token"},
    ],
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="siu-intake-queue")["QueueUrl"]
        sm = boto3.client("ssm")
        monkeypatch.setenv("SIU_QUEUE_URL", url)
        conn_mod.reset()
        obs.discard_metrics()
        yield {"sqs": sqs, "url": url, "sm": sm}
        obs.discard_metrics()
        conn_mod.reset()


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The connector's JSON log lines (the logger holds the stream it was created with)."""
    stream = io.StringIO()
    monkeypatch.setattr(obs.get_logger("connector").registered_handler, "stream", stream)
    return stream


def printed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The JSON lines the handler printed: its log lines and its EMF metrics."""
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def metrics(lines: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in lines:
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", []):
            for m in directive["Metrics"]:
                out[m["Name"]] = out.get(m["Name"], 0) + sum(line[m["Name"]])
    return out


def serve(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, channel: str, secret: dict[str, Any]) -> None:
    aws["sm"].put_parameter(Type="SecureString", Name=f"/siu/secrets/{channel}", Value=json.dumps(secret))
    monkeypatch.setenv("SIU_CHANNEL", channel)


def post(channel: str, account_id: str, secrets: dict[str, str], message_id: str = "m-1") -> dict[str, Any]:
    plugin = load_channels([channel]).get(channel)
    msg = SimulatedMessage(sender_id="6591234567", sender_name="Ana", text="Is my order shipped?",
                           message_id=message_id, timestamp=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    req = plugin.simulate_webhook([msg], account_id, secrets)
    return conn_mod.handler(event("POST", req.body, req.headers), None)


def event(method: str, body: bytes = b"", headers: dict[str, str] | None = None, query: str = "") -> dict[str, Any]:
    return {"version": "2.0", "rawPath": "/", "rawQueryString": query,
            "headers": {k.lower(): v for k, v in (headers or {}).items()},
            "requestContext": {"requestId": "r-1", "http": {"method": method, "path": "/"}},
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def queued(aws: dict[str, Any]) -> list[QueueMessage]:
    out: list[QueueMessage] = []
    while msgs := aws["sqs"].receive_message(QueueUrl=aws["url"], MaxNumberOfMessages=10).get("Messages", []):
        for m in msgs:
            out.append(QueueMessage.model_validate_json(m["Body"]))
            aws["sqs"].delete_message(QueueUrl=aws["url"], ReceiptHandle=m["ReceiptHandle"])
    return out


def test_each_configured_number_is_verified_with_its_own_app_secret_and_queued(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    serve(aws, monkeypatch, "whatsapp", WHATSAPP)
    assert post("whatsapp", SALES, {"app_secret": "shared-app-secret-for-tests"}, "wamid.S")["statusCode"] == 200
    assert post("whatsapp", SUPPORT, {"app_secret": "support-app-secret"}, "wamid.T")["statusCode"] == 200
    got = {getattr(m.event, "message_id", ""): m.event.account_id for m in queued(aws)}
    assert got == {"wamid.S": SALES, "wamid.T": SUPPORT}


def test_a_body_signed_with_no_configured_secret_is_refused(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    serve(aws, monkeypatch, "whatsapp", WHATSAPP)
    capsys.readouterr()
    assert post("whatsapp", SALES, {"app_secret": "forged-secret"})["statusCode"] == 403
    assert queued(aws) == []
    assert metrics(printed(capsys)) == {"SignatureFailures": 1.0}


def test_a_webhook_for_an_unconfigured_number_is_answered_200_and_dropped_with_a_warning(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        logs: io.StringIO) -> None:
    serve(aws, monkeypatch, "whatsapp", WHATSAPP)
    capsys.readouterr()
    resp = post("whatsapp", FORGOTTEN, {"app_secret": "shared-app-secret-for-tests"})
    assert (resp["statusCode"], resp["headers"]["x-siu-enqueued"]) == (200, "0")
    assert queued(aws) == []
    logged = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert metrics(printed(capsys) + logged) == {"UnknownAccount": 1.0}  # EMF rides on the request's log line
    (warning,) = [line for line in logged if line["level"] == "WARNING"]
    assert warning["account_ids"] == [FORGOTTEN] and warning["channel"] == "whatsapp"
    assert "Is my order" not in logs.getvalue()


def test_todays_single_account_secret_now_drops_other_accounts_too(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    single = {"app_secret": "one-app-secret", "verify_token": "vt", "access_token": "EAAG", "phone_number_id": SALES}
    serve(aws, monkeypatch, "whatsapp", single)
    assert post("whatsapp", SALES, single, "wamid.OK")["statusCode"] == 200
    assert post("whatsapp", FORGOTTEN, single, "wamid.NO")["statusCode"] == 200
    assert [getattr(m.event, "message_id", "") for m in queued(aws)] == ["wamid.OK"]


def test_the_handshake_accepts_any_configured_accounts_verify_token(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    serve(aws, monkeypatch, "whatsapp", WHATSAPP)
    for token in ("shared-verify-token", "support-verify-token"):
        ok = conn_mod.handler(event("GET", query=f"hub.mode=subscribe&hub.verify_token={token}&hub.challenge=77"),
                              None)
        assert (ok["statusCode"], ok["body"]) == (200, "77")
    bad = conn_mod.handler(event("GET", query="hub.mode=subscribe&hub.verify_token=nope&hub.challenge=77"), None)
    assert bad["statusCode"] == 403 and "77" not in bad["body"]


def test_an_account_added_after_the_cold_start_is_picked_up_by_its_first_webhook(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    first = {**WHATSAPP, "accounts": WHATSAPP["accounts"][:1]}
    serve(aws, monkeypatch, "whatsapp", first)
    assert post("whatsapp", SALES, {"app_secret": "shared-app-secret-for-tests"}, "wamid.1")["statusCode"] == 200
    aws["sm"].put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp",
                            Value=json.dumps(WHATSAPP))
    conn_mod.connector().secrets._read_at["whatsapp"] = -1e9  # the cold-start read is long past
    assert post("whatsapp", SUPPORT, {"app_secret": "support-app-secret"}, "wamid.2")["statusCode"] == 200
    assert sorted(m.event.account_id for m in queued(aws)) == [SALES, SUPPORT]


def test_an_account_sharing_the_app_secret_added_after_the_cold_start_is_found_by_its_first_webhook(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    shared = {**WHATSAPP, "accounts": [WHATSAPP["accounts"][0]]}
    serve(aws, monkeypatch, "whatsapp", shared)
    assert post("whatsapp", SALES, {"app_secret": "shared-app-secret-for-tests"}, "wamid.1")["statusCode"] == 200
    added = {**shared, "accounts": [*shared["accounts"], {"id": FORGOTTEN, "name": "New", "access_token": "EAAG-n"}]}
    aws["sm"].put_parameter(Type="SecureString", Overwrite=True, Name="/siu/secrets/whatsapp", Value=json.dumps(added))
    assert post("whatsapp", FORGOTTEN, {"app_secret": "shared-app-secret-for-tests"}, "wamid.2")["statusCode"] == 200
    assert [m.event.account_id for m in queued(aws)] == [SALES]  # read moments ago: not read again yet
    conn_mod.connector().secrets._read_at["whatsapp"] = -1e9  # ten seconds later
    assert post("whatsapp", FORGOTTEN, {"app_secret": "shared-app-secret-for-tests"}, "wamid.3")["statusCode"] == 200
    assert [m.event.account_id for m in queued(aws)] == [FORGOTTEN]


def test_a_bot_platform_learns_the_account_from_the_secret_that_verified_it(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    if "telegram" not in load_channels(["telegram"]).channels:
        pytest.skip("siu-telegram not installed")
    bots = {"accounts": [
        {"id": "7001", "name": "Shop bot", "bot_token": "7001:AAA-shop", "secret_token": "shop-secret-token"},
        {"id": "7002", "name": "Help bot", "bot_token": "7002:AAA-help", "secret_token": "help-secret-token"},
    ]}
    serve(aws, monkeypatch, "telegram", bots)
    for bot in bots["accounts"]:
        secrets = {"bot_token": bot["bot_token"], "secret_token": bot["secret_token"], "bot_id": bot["id"]}
        assert post("telegram", bot["id"], secrets, f"tg-{bot['id']}")["statusCode"] == 200
    assert sorted(m.event.account_id for m in queued(aws)) == ["7001", "7002"]
