"""The connector's cold start: what a fresh process importing the handler does and does not do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent

# The handler first, then the models (what loading a plugin builds): pydantic must not have scanned.
_CHILD = """
import siu_core.handlers.connector
from siu_core.models import ChannelInfo
ChannelInfo(name="x", display_name="X", version="1", contract_version="1.4", secret_fields=[])
import pydantic.plugin._loader as loader
print(loader._plugins is None)
"""


@pytest.mark.functional
def test_a_cold_connector_does_not_scan_for_pydantic_plugins() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, env=env, cwd=REPO,
                         check=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr


# Every part of the connector (siu_core.connector.*): none needs the models to import or to queue a mapping.
_PARTS = """
import sys
from datetime import UTC, datetime
from siu_core.connector import bodies, inbound, pointer, queue, request, settings, signature, unreadable
event = {"type": "message", "channel": "x", "account_id": "a", "customer": {"id": "c"},
         "timestamp": "2026-03-02T09:00:00Z", "message_id": "m1", "kind": "text", "text": "hi"}
now = datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)
found = unreadable.set_aside_unreadable("x", [event], now)
pointer.queue_bodies("x", found, now)
bodies.event_ids(found)
print("pydantic" in sys.modules)
"""


@pytest.mark.functional
def test_the_connector_parts_queue_an_event_mapping_without_pydantic() -> None:
    out = subprocess.run([sys.executable, "-c", _PARTS], capture_output=True, text=True, cwd=REPO, check=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr


# A connector as deployed: built from $SIU_CHANNEL in a fresh process, with SQS and SSM stubbed, answering
# each signed webhook body of BODIES (JSON, defined before this runs); it prints how many events each
# enqueued and whether pydantic or the models were ever imported.
_RUN_CONNECTOR = """
import hashlib, hmac, io, json, os, sys
os.environ.update(SIU_CHANNEL=CHANNEL, AWS_DEFAULT_REGION="ap-southeast-1", AWS_ACCESS_KEY_ID="x",
                  AWS_SECRET_ACCESS_KEY="x", POWERTOOLS_METRICS_DISABLED="true", SIU_QUEUE_URL="q")
import siu_core.handlers.connector as c
class Sqs:
    def send_message_batch(self, QueueUrl, Entries):
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}
class Ssm:
    def get_parameter(self, Name, WithDecryption):
        return {"Parameter": {"Value": json.dumps(SECRET)}}
conn = c.connector()
conn.sqs_client, conn.secrets._client = Sqs(), Ssm()
c.log.registered_handler.stream = io.StringIO()
enqueued = []
for data in BODIES:
    body = json.dumps(data)
    sig = "sha256=" + hmac.new(SECRET["app_secret"].encode(), body.encode(), hashlib.sha256).hexdigest()
    event = {"version": "2.0", "rawPath": "/", "rawQueryString": "", "body": body, "isBase64Encoded": False,
             "headers": {"content-type": "application/json", "x-hub-signature-256": sig},
             "requestContext": {"requestId": "r", "http": {"method": "POST", "path": "/"}}}
    answer = c.handler(event, None)
    assert answer["statusCode"] == 200, answer
    enqueued.append(answer["headers"]["x-siu-enqueued"])
loaded = {"pydantic": "pydantic" in sys.modules, "models": "siu_core.models" in sys.modules}
print(json.dumps({"enqueued": enqueued, **loaded}))
"""


def _run_connector(channel: str, secret: dict[str, str], bodies: list[dict[str, Any]]) -> dict[str, Any]:
    code = f"CHANNEL, SECRET, BODIES = {channel!r}, {secret!r}, {bodies!r}\n" + _RUN_CONNECTOR
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                         timeout=60)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


_SECRET = {"app_secret": "cold-app-secret-0123456789", "verify_token": "t", "access_token": "a"}


@pytest.mark.functional
def test_a_whatsapp_connector_answers_messages_and_statuses_without_pydantic() -> None:
    """Neither its cold start nor its requests import pydantic or the models (contract 1.4 plain data throughout)."""
    meta = {"display_phone_number": "6512345678", "phone_number_id": "106540352242922"}
    values = [
        {"messaging_product": "whatsapp", "metadata": meta,
         "contacts": [{"profile": {"name": "Mei"}, "wa_id": "6591234567"}],
         "messages": [{"from": "6591234567", "id": "wamid.A1", "timestamp": "1772442000", "type": "text",
                       "text": {"body": "hi"}}]},
        {"messaging_product": "whatsapp", "metadata": meta,
         "statuses": [{"id": "wamid.OUT1", "status": "delivered", "timestamp": "1772442001",
                       "recipient_id": "6591234567"}]},
    ]
    bodies = [{"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": value}]}]} for value in values]
    result = _run_connector("whatsapp", {**_SECRET, "phone_number_id": meta["phone_number_id"]}, bodies)
    assert result == {"enqueued": ["1", "1"], "pydantic": False, "models": False}


@pytest.mark.functional
@pytest.mark.parametrize(("channel", "webhook_object", "account_field"), [
    ("facebook", "page", "page_id"),
    ("instagram", "instagram", "ig_account_id"),
])
def test_a_meta_connector_answers_messages_echoes_reactions_and_reads_without_pydantic(
    channel: str, webhook_object: str, account_field: str
) -> None:
    """A customer message, an echo of a reply, a reaction and a read receipt: no pydantic, no models."""
    account, customer = "17841400000000001", {"id": "7392015648120394"}
    business = {"id": account}
    items = [
        {"sender": customer, "recipient": business, "timestamp": 1772442000000,
         "message": {"mid": "m_cold_1", "text": "hi"}},
        {"sender": business, "recipient": customer, "timestamp": 1772442000500,
         "message": {"mid": "m_cold_2", "text": "hello!", "is_echo": True, "app_id": 1517776481860111}},
        {"sender": customer, "recipient": business, "timestamp": 1772442001000,
         "reaction": {"mid": "m_cold_2", "action": "react", "reaction": "love", "emoji": "\u2764"}},
        {"sender": customer, "recipient": business, "timestamp": 1772442002000,
         "read": {"mid": "m_cold_2", "watermark": 1772442000500}},
    ]
    bodies = [{"object": webhook_object, "entry": [{"id": account, "time": item["timestamp"] + 211,
                                                    "messaging": [item]}]} for item in items]
    result = _run_connector(channel, {**_SECRET, account_field: account}, bodies)
    assert result == {"enqueued": ["1", "1", "1", "1"], "pydantic": False, "models": False}
