"""Partial batches: one unreadable item of a batched webhook costs only itself, on every channel.

On moto: the connector queues the readable items' events and answers 200 (a non-200 makes the
platform resend the whole batch for days); each item the plugin set aside as
:class:`~siu_core.models.Unreadable` is kept raw under ``queue/<channel>/unreadable/`` in the snapshot
bucket, logged by path and reason (never its words) and counted as ``UnreadableItems``. A body that
is not even an envelope is still a 400, and a store that fails is a 500 the platform retries.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import boto3
import pytest
from connector_support import url_event
from pipeline_support import NOW, install_services

from siu_core import obs
from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.handlers import connector as conn_mod
from siu_core.handlers.connector import Connector
from siu_core.models import QueueMessage
from siu_core.plugins import load_channels
from siu_core.secrets import SecretStore
from siu_core.store import snapshots

APP_SECRET = "fake-app-secret-for-partial-batches"


def fixture(channel: str, relative: str) -> bytes:
    """A shipped contract fixture of a channel plugin, byte for byte."""
    return resources.files(f"siu_{channel}").joinpath("contract", relative).read_bytes()


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The connector's metrics and log lines."""
    out: dict[str, Any] = {"metrics": [], "log": io.StringIO()}

    def record(name: str, value: float = 1, unit: str = "Count", **dims: str) -> None:
        out["metrics"].append((name, value, dims))

    monkeypatch.setattr(conn_mod, "metric", record)
    monkeypatch.setattr(obs, "metric", record)
    monkeypatch.setattr(obs.get_logger("connector").registered_handler, "stream", out["log"])
    return out


def connector(aws: Any, channel: str, secrets: dict[str, str]) -> Iterator[Connector]:
    install_services(aws.config)
    boto3.client("ssm").put_parameter(Type="SecureString", Name=f"/siu/secrets/{channel}", Value=json.dumps(secrets))
    yield Connector(channel=load_channels([channel]).get(channel), secrets=SecretStore(boto3.client("ssm")),
                    sqs_client=boto3.client("sqs"), queue_url=aws.provisioned.queue_urls["IntakeQueue"],
                    sleep=lambda _s: None, clock=lambda: NOW)


@pytest.fixture
def messenger(aws: Any) -> Iterator[Connector]:
    yield from connector(aws, "facebook", {"app_secret": APP_SECRET, "verify_token": "v", "access_token": "t",
                                           "page_id": "102938475610293"})


@pytest.fixture
def whatsapp(aws: Any) -> Iterator[Connector]:
    yield from connector(aws, "whatsapp", {"app_secret": APP_SECRET, "verify_token": "v", "access_token": "t",
                                           "phone_number_id": "106540352242922", "business_account_id": "1"})


def queued(conn: Connector) -> list[str]:
    """The message ids on the intake queue (received and deleted)."""
    sqs, ids = clients.sqs(), []
    while got := sqs.receive_message(QueueUrl=conn.queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            sqs.delete_message(QueueUrl=conn.queue_url, ReceiptHandle=m["ReceiptHandle"])
            ids.append(QueueMessage.model_validate_json(m["Body"]).event.message_id)  # type: ignore[union-attr]
    return ids


def kept(channel: str) -> dict[str, int]:
    """Versions of every object kept under the channel's unreadable prefix."""
    found: dict[str, int] = {}
    versions = clients.s3().list_object_versions(Bucket=resource_names().bucket,
                                                 Prefix=f"queue/{channel}/unreadable/").get("Versions", [])
    for v in versions:
        found[v["Key"]] = found.get(v["Key"], 0) + 1
    return found


def test_a_messenger_batch_with_unreadable_items_queues_the_good_ones_and_keeps_the_bad_raw(
    messenger: Connector, seen: dict[str, Any]
) -> None:
    body = fixture("facebook", "webhooks/partial_batch.json")
    answer = messenger.handle(url_event("POST", body, secret=APP_SECRET))
    assert answer["statusCode"] == 200 and answer["headers"][conn_mod.ENQUEUED_HEADER] == "2"
    assert sorted(queued(messenger)) == ["m_PartialBatchGoodOne-Aa1Bb2Cc3Dd4Ee5Ff6Gg7",
                                         "m_PartialBatchGoodTwo-Hh8Ii9Jj0Kk1Ll2Mm3Nn4"]
    keys = kept("facebook")
    assert len(keys) == 2 and set(keys.values()) == {1}
    stored = sorted((json.loads(snapshots.get(k)) for k in keys), key=lambda d: d["path"])
    assert (stored[0]["path"], stored[0]["raw"]) == ("entry[0].messaging[1]", "hello")
    assert stored[1]["raw"]["message"] == {"text": "a message without its id"}  # the item exactly as sent
    assert seen["metrics"].count(("UnreadableItems", 1, {"channel": "facebook"})) == 2
    log = seen["log"].getvalue()
    lines = [json.loads(x) for x in log.splitlines() if "unreadable" in x]
    assert sorted(x["path"] for x in lines) == ["entry[0].messaging[1]", "entry[0].messaging[2]"]
    assert all(x["level"] == "WARNING" and x["key"] in keys for x in lines)
    assert "a message without its id" not in log and "hello" not in log  # never the customer's words


def test_a_redelivered_partial_batch_keeps_each_bad_item_once(messenger: Connector, seen: dict[str, Any]) -> None:
    body = fixture("facebook", "webhooks/partial_batch.json")
    for _ in range(2):
        assert messenger.handle(url_event("POST", body, secret=APP_SECRET))["statusCode"] == 200
    assert set(kept("facebook").values()) == {1}


def test_a_whatsapp_batch_keeps_its_unreadable_items_too(whatsapp: Connector, seen: dict[str, Any]) -> None:
    answer = whatsapp.handle(url_event("POST", fixture("whatsapp", "webhooks/partial_batch.json"), secret=APP_SECRET))
    assert answer["statusCode"] == 200 and answer["headers"][conn_mod.ENQUEUED_HEADER] == "2"
    assert len(queued(whatsapp)) == 2 and len(kept("whatsapp")) == 2


def test_a_body_that_is_no_envelope_is_still_a_400_and_keeps_nothing(
    messenger: Connector, seen: dict[str, Any]
) -> None:
    body = b'{"object":"page","entry":{"messaging":[]}}'
    assert messenger.handle(url_event("POST", body, secret=APP_SECRET))["statusCode"] == 400
    assert kept("facebook") == {} and queued(messenger) == []


def test_when_the_bad_item_cannot_be_kept_nothing_is_queued_and_the_platform_retries(
    messenger: Connector, seen: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(channel: str, data: bytes) -> str:
        raise RuntimeError("S3 is down")

    monkeypatch.setattr(snapshots, "put_unreadable", refuse)
    body = fixture("facebook", "webhooks/partial_batch.json")
    assert messenger.handle(url_event("POST", body, secret=APP_SECRET))["statusCode"] == 500
    assert queued(messenger) == []
