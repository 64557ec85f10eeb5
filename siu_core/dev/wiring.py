"""How ``siu dev`` reaches the pipeline: the same provisioning, store, handlers and clients as on AWS.

One module so the dev server's view of the product is in one place: everything here calls the
product's own code (no shortcuts around the handlers), against whatever endpoints the environment
points boto3 at.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from siu_core.config import SiuConfig

_connectors: dict[str, Any] = {}
_lock = threading.Lock()


def has_aws_credentials() -> bool:
    """Whether boto3 finds real credentials (needed only for ``--labeler bedrock``)."""
    import boto3

    return boto3.session.Session().get_credentials() is not None


def region() -> str:
    """The region boto3 uses (the template's default when nothing is configured)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-1"


def account_id() -> str:
    """The account the emulation files this process's requests under (where its data lives)."""
    from siu_core.aws import clients

    return str(clients.client("sts").get_caller_identity()["Account"])


def published_config() -> SiuConfig | None:
    """The config in SSM (restored from the state dir), or None when there is none or it is unusable."""
    from siu_core.aws import clients
    from siu_core.config import config_from_ssm
    from siu_core.errors import ConfigError

    try:
        return config_from_ssm(clients.client("ssm"))
    except (ConfigError, ValueError):
        return None


def provision() -> Any:
    """Create every resource of ``infra/template.yaml`` in the emulation and point this process at them."""
    from siu_core.aws.provision import provision as provision_template

    provisioned = provision_template()
    os.environ.update(provisioned.env())
    return _Resources(provisioned)


class _Resources:
    """Queue URLs and ARNs the poller and the dev views need."""

    def __init__(self, provisioned: Any) -> None:
        self.provisioned = provisioned
        self.queue_url: str = provisioned.queue_urls["IntakeQueue"]
        self.dlq_url: str = provisioned.queue_urls["IntakeDLQ"]
        self.queue_arn: str = provisioned.arns.get("IntakeQueue") or _queue_arn(self.queue_url)


def _queue_arn(url: str) -> str:
    attrs = sqs_client().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def sqs_client() -> Any:
    """The pipeline's own SQS client."""
    from siu_core.aws import clients

    return clients.sqs()


def push_config(parameters: dict[str, str]) -> None:
    """Write the config to SSM exactly as ``siu config push`` does on AWS."""
    from siu_core.aws import clients

    ssm = clients.client("ssm")
    for name, value in parameters.items():
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def seed_roster(config: SiuConfig) -> None:
    """Load the config's roster into the roster table (the live roster the router reads)."""
    from siu_core.store import roster

    roster.seed(config.roster, overwrite=True)


def put_channel_secret(channel: str, values: Mapping[str, Any]) -> None:
    """Store a channel's secret as one SecureString ``/siu/secrets/<channel>`` (one account's fields or its
    accounts), as an operator would with ``aws ssm put-parameter``."""
    import json

    from siu_core.aws import clients
    from siu_core.secrets import secret_id, write_parameter

    write_parameter(clients.client("ssm"), secret_id(channel), json.dumps(values),
                    description=f"siu {channel} channel secret", overwrite=True)


def ensure_inbox_key() -> None:
    """The inbox's session-token signing key in Parameter Store (``siu token issue`` signs with it)."""
    from siu_core.auth import ensure_signing_key

    ensure_signing_key()


def reset_caches() -> None:
    """Forget every cold-start cache so handlers re-read config, secrets and clients."""
    from siu_core.aws import clients
    from siu_core.config import clear_config_cache
    from siu_core.handlers import connector, inbox, labeler, sla_sweeper

    clients.reset_clients()
    clear_config_cache()
    labeler.set_services(None)
    inbox.set_services(None)
    sla_sweeper.set_notifier(None)
    connector.reset()
    with _lock:
        _connectors.clear()


def connector_call(channel: str, event: dict[str, Any]) -> Any:
    """Run the connector Lambda code for one channel (one connector per channel, as on AWS)."""
    from siu_core.config import load_config
    from siu_core.handlers import connector

    with _lock:
        conn = _connectors.get(channel)
        if conn is None:
            conn = connector.build_connector(channel, settings=load_config().channel_settings(channel))
            _connectors[channel] = conn
    return conn.handle(event)


def labeler_handler() -> Any:
    """The labeler Lambda's entry point."""
    from siu_core.handlers import labeler

    return labeler.handler


#: The weekday ``siu dev`` posts the weekly summary (the template parameter WeeklySummaryDay on AWS).
WEEKLY_DAY_ENV = "SIU_WEEKLY_SUMMARY_DAY"


def _optional(module: str, attr: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), attr)
    except (ModuleNotFoundError, AttributeError):
        return None


def inbox_mounts() -> dict[str, Any]:
    """The inbox API (and UI) Function-URL handler, mounted when that part of siu is installed."""
    handler = _optional("siu_core.handlers.inbox", "handler")
    return {"/api/": handler, "/inbox": handler} if handler is not None else {}


def scheduled_jobs() -> list[Any]:
    """The template's schedules as local jobs: SLA sweep every 5 minutes, digest daily at 18:00, summary weekly,
    and the retention purge hourly (what TTL and lifecycle rules do on AWS).

    The summary goes out at 09:00 on ``$SIU_WEEKLY_SUMMARY_DAY`` (MON..SUN; the template's WeeklySummaryDay,
    default MON), with the event the template's schedule sends.
    """
    import os

    from siu_core.dev.lambda_events import LocalContext
    from siu_core.dev.schedule import Job

    def target(handler: Any, name: str, extra: dict[str, str]) -> Any:
        return lambda: handler({"source": "siu.dev", "job": name, **extra}, LocalContext(f"siu-{name}"))

    weekday = (os.environ.get(WEEKLY_DAY_ENV) or "MON").strip().upper()
    if weekday not in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"):
        raise ValueError(f"{WEEKLY_DAY_ENV} is a weekday as MON..SUN, not {weekday!r}")
    jobs = []
    for name, module, expression, extra in (
        ("sla-sweep", "siu_core.handlers.sla_sweeper", "rate(5 minutes)", {}),
        ("daily-digest", "siu_core.handlers.digest", "cron(0 18 * * ? *)", {}),
        ("weekly-summary", "siu_core.handlers.digest", f"cron(0 9 ? * {weekday} *)", {"kind": "weekly"}),
    ):
        handler = _optional(module, "handler")
        if handler is not None:
            jobs.append(Job(name, expression, target(handler, name, extra)))
    jobs.append(Job("retention-purge", "rate(1 hour)", retention_purge))
    return jobs


def retention_purge() -> Any:
    """What DynamoDB TTL and the bucket's lifecycle rules do on AWS, with the published config's periods."""
    from siu_core.dev.retention import purge

    config = published_config()  # read fresh: a `siu config push` changes the periods at once
    return purge(config.retention, datetime.now(UTC)) if config is not None else None


def queue_depths(resources: Any) -> dict[str, int]:
    """Messages waiting and in flight on the intake queue and the DLQ."""
    sqs = sqs_client()
    out: dict[str, int] = {}
    for label, url in (("intake", resources.queue_url), ("dlq", resources.dlq_url)):
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        out[f"{label}_visible"] = int(attrs.get("ApproximateNumberOfMessages", 0))
        out[f"{label}_in_flight"] = int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))
    return out


def _scan(table: str) -> list[dict[str, Any]]:
    from siu_core.store import ddb

    return list(ddb.scan_all(table))


def _labels(thread: dict[str, Any]) -> dict[str, Any] | None:
    if not thread.get("topic"):
        return None
    return {k: thread.get(k) for k in ("topic", "urgency", "language", "summary", "labeler", "fallback")}


def list_threads() -> list[dict[str, Any]]:
    """Every thread, newest activity first, in the shape ``GET /dev/threads`` documents."""
    from siu_core.store import keys, threads

    rows = []
    for t in _scan(threads.table()):
        assignee = t.get("assignee")
        rows.append(
            {
                "thread_id": t["thread_id"],
                "channel": t.get("channel"),
                "account_id": t.get("account_id"),
                "customer": {"id": t.get("customer_id"), "name": t.get("customer_name")},
                "status": t.get("status"),
                "labels": _labels(t),
                "team": t.get("team"),
                "assignee": None if keys.is_queue(assignee) else assignee,
                "message_count": int(t.get("message_count", 0)),
                "last_message_at": t.get("last_message_at"),
            }
        )
    return sorted(rows, key=lambda r: r["last_message_at"] or "", reverse=True)


def close_customer_thread(channel: str, account_id: str, customer_id: str, *, at: datetime | None = None) -> bool:
    """Close a customer's current thread the way a teammate would (the demo's reopen scenario)."""
    from siu_core.store import customers, keys, lifecycle

    head = customers.get(keys.customer_key(channel, account_id, customer_id))
    if head is None or head.status != "open":
        return False
    return lifecycle.close_thread(head.thread_id, by="siu-demo", at=at or datetime.now(UTC))


def pipeline_snapshot() -> dict[str, Any]:
    """Threads with their message ids, plus duplicate and reopen counts, read back from the tables."""
    from siu_core.store import audit, messages

    ids_by_thread: dict[str, list[str]] = {}
    duplicates = 0
    for m in _scan(messages.table()):
        if "thread_id" not in m or m.get("direction", "in") != "in":
            continue
        ids_by_thread.setdefault(m["thread_id"], []).append(str(m.get("message_id")))
        if m.get("duplicate_of"):
            duplicates += 1
    reopened = Counter(r.get("action") for r in _scan(audit.table()))["reopened"]
    threads = []
    for t in list_threads():
        threads.append({**t, "message_ids": ids_by_thread.get(t["thread_id"], [])})
    return {"threads": threads, "duplicates_dropped": duplicates, "reopened": reopened}
