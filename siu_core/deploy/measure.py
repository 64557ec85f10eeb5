"""Measure what one customer message costs in AWS calls and model tokens (dev and bench only: needs moto).

Runs the real connector and labeler handlers under moto, provisioned from ``infra/template.yaml`` with
the example config, Bedrock answered locally, and a :class:`~siu_core.deploy.iam.CallRecorder`
counting every call: one new text message on an installed channel (webhook -> queue -> labeler), then
one delivery status of it. Any channel that simulates webhooks will do: the figures are the pipeline's,
not the platform's (the first such channel by name unless one is named). :func:`units` turns the
calls into DynamoDB request units, S3 requests and SQS requests the way AWS bills them; the
Converse request the labeler built gives the prompt size in characters.
``siu_core.deploy.cost.MEASURED`` holds the result; ``tests/test_cost_measured.py`` re-measures.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from siu_core.deploy.iam import Call, CallRecorder, http_ok

#: A typical customer message (the labeler bench's).
TYPICAL_MESSAGE = "Hi, where is my order? I paid last week and the tracking has not moved since Monday."
TYPICAL_LABELS = {"topic": "orders_shipping", "urgency": "normal", "language": "en",
                  "summary": "Customer asks where a paid order is; tracking unchanged since Monday."}


#: The simulated customer (digits: every platform's ids take them).
CUSTOMER_ID = "6591234567"


def measured_channel(registry: Any, name: str | None) -> Any:
    """The named channel, else the first installed one (by name) that can simulate a webhook."""
    if name is not None:
        return registry.get(name)
    for candidate in registry.names():
        channel = registry.get(candidate)
        if channel.has_hook("simulate_webhook"):
            return channel
    raise RuntimeError("no installed channel plugin simulates webhooks: nothing to measure with")


@dataclass(frozen=True)
class Units:
    """Billable units of some calls."""

    dynamodb_write_units: float = 0.0
    dynamodb_read_units: float = 0.0
    s3_puts: int = 0
    s3_gets: int = 0
    sqs_requests: int = 0
    secret_calls: int = 0
    model_calls: int = 0
    calls: int = 0


def units(calls: Iterable[Call]) -> Units:
    """DynamoDB request units (items up to 1 KB / 4 KB), S3 and SQS requests of these calls."""
    wru = rru = 0.0
    ops: Counter[str] = Counter()
    total = 0
    for call in calls:
        total += 1
        key = f"{call.service}:{call.operation}"
        ops[key] += 1
        p = call.params
        strong = 1.0 if p.get("ConsistentRead") else 0.5
        if call.service == "dynamodb":
            if call.operation in ("PutItem", "UpdateItem", "DeleteItem"):
                wru += 1
            elif call.operation == "TransactWriteItems":
                wru += 2 * len(p.get("TransactItems", []))
            elif call.operation == "GetItem":
                rru += strong
            elif call.operation == "BatchGetItem":
                for spec in p.get("RequestItems", {}).values():
                    rru += len(spec.get("Keys", [])) * (1.0 if spec.get("ConsistentRead") else 0.5)
            elif call.operation in ("Query", "Scan"):
                rru += strong
            elif call.operation == "TransactGetItems":
                rru += 2 * len(p.get("TransactItems", []))
    return Units(
        dynamodb_write_units=wru,
        dynamodb_read_units=rru,
        s3_puts=ops["s3:PutObject"],
        s3_gets=ops["s3:GetObject"] + ops["s3:HeadObject"],
        sqs_requests=sum(n for k, n in ops.items() if k.startswith("sqs:")),
        secret_calls=ops["ssm:GetParameter"],  # the secrets are the only parameters read one by one
        model_calls=ops["bedrock:Converse"],
        calls=total,
    )


def prompt_chars(request: Mapping[str, Any]) -> int:
    """Characters the model reads from one Converse request: system text, tool spec or output schema, user text."""
    system = sum(len(str(block.get("text", ""))) for block in request.get("system", []))
    tools = sum(len(json.dumps(t.get("toolSpec", {}), separators=(",", ":")))
                for t in (request.get("toolConfig") or {}).get("tools", []))
    fmt = (request.get("outputConfig") or {}).get("textFormat") or {}
    tools += len(str(((fmt.get("structure") or {}).get("jsonSchema") or {}).get("schema", "")))
    messages = sum(len(str(c.get("text", ""))) for m in request.get("messages", []) for c in m.get("content", []))
    return system + tools + messages


def emulated_stack(env: Mapping[str, str]) -> tuple[Any, Any]:
    """Inside ``mock_aws``: the template provisioned, the example config published and its roster seeded.

    What every measurement starts from; ``env`` is added to the environment the handlers read.
    Returns the provisioned stack and the config.
    """
    import os

    from siu_core.aws import clients
    from siu_core.aws.provision import provision
    from siu_core.config import clear_config_cache, config_to_parameters, example_config
    from siu_core.store import roster

    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    clients.reset_clients()
    clear_config_cache()
    provisioned = provision()
    os.environ.update(provisioned.env())
    os.environ.update({"POWERTOOLS_METRICS_DISABLED": "true", **env})
    config = example_config()
    ssm = clients.client("ssm")
    for name, value in config_to_parameters(config).items():
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    roster.seed(config.roster, overwrite=True)
    return provisioned, config


def measure(channel_name: str | None = None) -> dict[str, Any]:
    """Run one message and one status through the handlers under moto; the per-event figures."""
    import os

    from moto import mock_aws

    from siu_core.auth import ensure_signing_key
    from siu_core.aws import clients
    from siu_core.config import clear_config_cache
    from siu_core.dev.lambda_events import function_url_event, sqs_record
    from siu_core.dev.stack import account_id_for, dev_secret_values
    from siu_core.handlers import connector, labeler
    from siu_core.models import Participant, QueueMessage, SimulatedMessage, StatusEvent
    from siu_core.plugins import load_channels
    from siu_core.queueing import queue_ids
    from siu_core.secrets import secret_id, write_parameter

    requests: list[Mapping[str, Any]] = []

    def converse(_op: str, request: Mapping[str, Any]) -> Any:
        requests.append(request)
        answer = {"labels": [{"id": "1", **TYPICAL_LABELS}]}  # the labeler sends one message, id "1"
        content: list[dict[str, Any]]
        if "toolConfig" in request:
            tool = request["toolConfig"]["toolChoice"]["tool"]["name"]
            content, stop = [{"toolUse": {"toolUseId": "t", "name": tool, "input": answer}}], "tool_use"
        else:  # native structured output: the JSON answer as text
            content, stop = [{"text": json.dumps(answer)}], "end_turn"
        return http_ok(), {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop, "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
        }

    recorder = CallRecorder({("bedrock", "Converse"): converse})
    channel = measured_channel(load_channels(), channel_name)
    secrets = dev_secret_values(channel)
    account = account_id_for(channel, secrets)
    with mock_aws(), recorder.active():
        saved = dict(os.environ)  # inside: moto's own credentials are put back for it to remove
        try:
            recorder.label = "setup"
            provisioned, _ = emulated_stack({"SIU_CHANNEL": channel.name})
            write_parameter(clients.client("ssm"), secret_id(channel.name), json.dumps(secrets), description="measure",
                            overwrite=True)
            ensure_signing_key()
            at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
            hook = channel.simulate_webhooks(
                [SimulatedMessage(sender_id=CUSTOMER_ID, text=TYPICAL_MESSAGE, message_id="measure-m1",
                                  timestamp=at - timedelta(minutes=1))],
                account, secrets, {})[0]
            # Warm both handlers first (cold-start reads are per container, not per message).
            connector.reset()
            labeler.set_services(None)
            labeler.clock = lambda: at
            recorder.label = "connector"
            answer = connector.handler(function_url_event("POST", "/", "", list(hook.headers.items()), hook.body), None)
            assert answer["statusCode"] == 200, answer
            recorder.label = "setup"
            sqs = clients.sqs()
            url = clients.queue_url()
            arn = provisioned.arns["IntakeQueue"]

            def drain() -> list[dict[str, Any]]:
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
                # Deleted at once, as the event source mapping does after a good batch: an undeleted
                # record would hold its customer's FIFO group and the next event would never come.
                for m in got.get("Messages", []):
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                return [sqs_record(m, arn, "ap-southeast-1") for m in got.get("Messages", [])]

            records = drain()
            recorder.label = "labeler-message"
            labeler.handler({"Records": records}, None)
            status = StatusEvent(type="status", channel=channel.name, account_id=account,
                                 customer=Participant(id=CUSTOMER_ID), timestamp=at, status="delivered",
                                 message_ids=["measure-reply-1"])
            recorder.label = "setup"
            sqs.send_message(QueueUrl=url, MessageBody=QueueMessage(event=status, received_at=at)
                             .model_dump_json(exclude_none=True), **queue_ids(status).entry())
            records = drain()
            recorder.label = "labeler-status"
            labeler.handler({"Records": records}, None)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            connector.reset()
            labeler.set_services(None)
            clients.reset_clients()
            clear_config_cache()
    by = recorder.by_label()
    # The warm-path figures: cold-start reads (config, secrets) happen once per container.
    warm = {label: [c for c in calls if c.service != "ssm"] for label, calls in by.items()}
    return {
        "connector": units(warm.get("connector", [])),
        "labeler_message": units(warm.get("labeler-message", [])),
        "labeler_status": units(warm.get("labeler-status", [])),
        "labeler_message_ops": sorted(Counter(f"{c.service}:{c.operation}" for c in warm.get("labeler-message", []))
                                      .items()),
        "prompt_chars": prompt_chars(requests[0]) if requests else 0,
        "summary_chars": len(json.dumps(TYPICAL_LABELS, separators=(",", ":"))),
    }
