"""Measure what a teammate's open inbox tab and a stored message cost (dev and bench only: needs moto).

Runs the real labeler and inbox handlers under moto, provisioned from ``infra/template.yaml`` with the
example config, and a :class:`~siu_core.deploy.iam.CallRecorder` counting every call:

- one customer message through the labeler: the DynamoDB index writes it causes (one per global
  secondary index of each table an item is written to, as DynamoDB bills them) and the bytes it
  leaves in DynamoDB (items and their index copies) and S3 (its snapshot);
- the inbox's polls: ``GET /api/queue`` and ``GET /api/threads/{id}`` read in full (their first read,
  or after a change), then again with the ``If-None-Match`` the UI sends (answered 304: nothing
  changed). Log bytes are not measured here (Lambda's own START/END/REPORT lines are most of them):
  ``siu_core.deploy.cost.ASSUMPTIONS`` states them.

``siu_core.deploy.cost.MEASURED`` holds the result; ``tests/test_cost_measured.py`` re-measures.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from siu_core.deploy.iam import Call, CallRecorder
from siu_core.deploy.measure import TYPICAL_MESSAGE, emulated_stack, measured_channel, units

#: DynamoDB bills each item's size plus 100 bytes of overhead, in its table and in each index it is copied to.
ITEM_OVERHEAD_BYTES = 100


def gsi_counts(template: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """Physical table name -> how many global secondary indexes it has (from the template)."""
    resources = template["Resources"]
    out: dict[str, int] = {}
    for logical, physical in names.items():
        spec = resources.get(logical, {})
        if spec.get("Type") == "AWS::DynamoDB::Table":
            out[physical] = len(spec["Properties"].get("GlobalSecondaryIndexes") or [])
    return out


def index_write_units(calls: Iterable[Call], gsis: Mapping[str, int]) -> float:
    """Index writes these calls cause: one per index of each table an item is put or updated in (upper bound)."""
    total = 0.0
    for call in calls:
        if call.service != "dynamodb":
            continue
        if call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
            total += gsis.get(str(call.params.get("TableName")), 0)
        elif call.operation == "TransactWriteItems":
            for item in call.params.get("TransactItems", []):
                for kind, body in item.items():
                    if kind != "ConditionCheck":
                        total += gsis.get(str(body.get("TableName")), 0)
    return total


def _item_bytes(item: Mapping[str, Any]) -> int:
    return len(json.dumps(item, separators=(",", ":"), default=str).encode()) + ITEM_OVERHEAD_BYTES


def stored_bytes(tables: Mapping[str, int]) -> dict[str, int]:
    """Bytes now stored per table (items plus one copy per index, the overhead included) and in S3."""
    from siu_core.aws import clients
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb

    out: dict[str, int] = {}
    for table, indexes in tables.items():
        out[table] = sum(_item_bytes(i) * (1 + indexes) for i in ddb.scan_all(table))
    s3 = clients.s3()
    bucket = resource_names().bucket
    out["s3"] = sum(int(v["Size"]) for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
                    for v in page.get("Versions", []))
    return out


def measure_inbox() -> dict[str, Any]:
    """One message stored, then the inbox's full and unchanged polls, every call counted."""
    from moto import mock_aws

    from siu_core.auth import SigningKeys, ensure_signing_key, issue_token, read_signing_key
    from siu_core.aws import clients
    from siu_core.aws.template import load_template
    from siu_core.config import clear_config_cache
    from siu_core.dev.lambda_events import function_url_event, sqs_record
    from siu_core.handlers import inbox, labeler
    from siu_core.inbox.services import InboxServices
    from siu_core.labeling import build_labeler
    from siu_core.models import MessageEvent, Participant, QueueMessage
    from siu_core.pipeline.ingest import Services
    from siu_core.plugins import load_channels
    from siu_core.queueing import queue_ids
    from siu_core.secrets import SecretStore
    from siu_core.store import customers, keys, roster

    at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    recorder = CallRecorder()
    with mock_aws(), recorder.active():
        saved = dict(os.environ)  # inside: moto's own credentials are put back for it to remove
        try:
            recorder.label = "setup"
            provisioned, config = emulated_stack({})
            ensure_signing_key()
            tables = gsi_counts(load_template(), provisioned.physical)
            labeler.set_services(Services(config=config, labeler=build_labeler(config, kind="rules")))
            labeler.clock = lambda: at
            registry = load_channels()
            channel = measured_channel(registry, None).name  # any channel: the inbox's reads are the same
            event = MessageEvent(type="message", channel=channel, account_id="106540352242922",
                                 customer=Participant(id="6591234567", name="Sam"), timestamp=at - timedelta(minutes=1),
                                 message_id="measure.M1", kind="text", text=TYPICAL_MESSAGE)
            sqs, url = clients.sqs(), clients.queue_url()
            sqs.send_message(QueueUrl=url, MessageBody=QueueMessage(event=event, received_at=at).model_dump_json(),
                             **queue_ids(event).entry())
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
            records = [sqs_record(m, provisioned.arns["IntakeQueue"], "ap-southeast-1") for m in got]
            before = stored_bytes(tables)
            recorder.label = "labeler-message"
            labeler.handler({"Records": records}, None)
            recorder.label = "setup"
            after = stored_bytes(tables)
            stored = {k: after[k] - before.get(k, 0) for k in after}
            head = customers.get(keys.customer_key(channel, event.account_id, event.customer.id))
            assert head is not None and head.assignee, "the measured message was not routed"
            inbox.set_services(InboxServices(config=config, channels=registry,
                                             secrets=SecretStore(), keys=SigningKeys(), clock=lambda: at))
            member = roster.member(head.assignee)
            assert member is not None, "the measured message went to someone off the roster"
            token = issue_token(head.assignee, key=read_signing_key(), now=at, generation=member.generation)

            def get(label: str, path: str, etag: str | None = None) -> dict[str, Any]:
                headers = [("Authorization", f"Bearer {token}")] + ([("If-None-Match", etag)] if etag else [])
                recorder.label = label
                answer: dict[str, Any] = inbox.handler(function_url_event("GET", path, "", headers, b""), None)
                recorder.label = "setup"
                return answer

            # Warm first: the cold start (config, key, roster, channel secret) is per container, not per poll.
            get("warm", "/api/queue")
            get("warm", f"/api/threads/{head.thread_id}")
            queue = get("queue-full", "/api/queue")
            thread = get("thread-full", f"/api/threads/{head.thread_id}")
            queue_304 = get("queue-unchanged", "/api/queue", queue["headers"]["ETag"])
            thread_304 = get("thread-unchanged", f"/api/threads/{head.thread_id}", thread["headers"]["ETag"])
            assert (queue["statusCode"], queue_304["statusCode"], thread_304["statusCode"]) == (200, 304, 304)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            labeler.set_services(None)
            inbox.set_services(None)
            clients.reset_clients()
            clear_config_cache()
    by = recorder.by_label()
    names = provisioned.names
    dynamodb_bytes = sum(v for k, v in stored.items() if k != "s3")
    return {
        "message_index_write_units": index_write_units(by.get("labeler-message", []), tables),
        "message_dynamodb_bytes": dynamodb_bytes,
        "message_s3_bytes": stored["s3"],
        "stored_by_table": {k: v for k, v in stored.items() if k in (names.messages, names.threads, names.audit)},
        "poll_full": units([*by.get("queue-full", []), *by.get("thread-full", [])]),
        # A poll round asks only its first queue section while nothing changed: its 304 proves the thread's
        # kept answer current too (siu_core/ui/api.js), so the thread's own 304 is not part of it.
        "poll_unchanged": units(by.get("queue-unchanged", [])),
        "thread_unchanged": units(by.get("thread-unchanged", [])),
        "poll_unchanged_ops": sorted({f"{c.service}:{c.operation}" for c in by.get("queue-unchanged", [])}),
    }
