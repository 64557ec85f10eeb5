"""Helpers for the pipeline tests: a test config, events, queue records, and a state dump.

The ``aws`` fixture (conftest.py) builds an :class:`AwsEnv`: moto running, every resource of
``infra/template.yaml`` provisioned (once per session, restored before each test: ``moto_baseline``),
the config pushed to SSM, the roster seeded, ``SIU_*`` set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from siu_core.config import SiuConfig, config_to_parameters, parse_config
from siu_core.models import (
    EditEvent,
    Event,
    MessageEvent,
    Participant,
    QueueMessage,
    ReactionEvent,
    StatusEvent,
    UnsendEvent,
)

#: A Wednesday, 10:00 in Singapore: inside everyone's working hours in the test config.
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)

TEST_CONFIG: dict[str, Any] = {
    "time_zone": "Asia/Singapore",
    "taxonomy": {
        "billing": {"team": "accounts", "keywords": ["invoice", "charged", "refund", "payment"]},
        "shipping": {"team": "care", "keywords": ["order", "delivery", "tracking", "parcel"]},
    },
    "default_team": "care",
    "teams": {"care": {"backup": "mei"}, "accounts": {"backup": "mei"}},
    "working_hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"},
    "labeler": "rules",
    "urgent_keywords": ["urgent"],
    "roster": [
        {"id": "ana", "name": "Ana", "teams": ["care"], "capacity": 3},
        {"id": "ben", "name": "Ben", "teams": ["care"], "capacity": 3},
        {"id": "cho", "name": "Cho", "teams": ["accounts"], "capacity": 2},
        {"id": "mei", "name": "Mei", "teams": ["accounts"], "capacity": 5,
         "working_hours": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                           "start": "00:00", "end": "24:00"}},
    ],
}


def make_config(**overrides: Any) -> SiuConfig:
    """The pipeline tests' config (rules labeler, two teams, four teammates), with overrides."""
    return parse_config({**TEST_CONFIG, **overrides}, source="test config")


@dataclass
class AwsEnv:
    """What the ``aws`` fixture set up."""

    provisioned: Any
    config: SiuConfig
    env: dict[str, str] = field(default_factory=dict)
    #: The session's ``moto_baseline.SharedMoto`` (None outside the ``aws`` fixture).
    shared: Any = None

    def push_config(self, config: SiuConfig, *, changed_only: bool = False) -> None:
        """Replace the config in SSM (and the roster seed) and forget cached copies.

        ``changed_only`` writes only the parameters that differ from the config pushed last, and
        seeds the roster only when it differs: right for a fixture that runs before anything else
        wrote either (seeding the same roster again changes nothing, and costs a DynamoDB update
        per teammate).
        """
        from siu_core.aws import clients
        from siu_core.config import clear_config_cache
        from siu_core.store import roster

        before = config_to_parameters(self.config) if changed_only else {}
        ssm = clients.client("ssm")
        for name, value in config_to_parameters(config).items():
            if before.get(name) != value:
                ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
        if not changed_only or config.roster != self.config.roster:
            roster.seed(config.roster, overwrite=True)
        clear_config_cache()
        self.config = config


# --- events --------------------------------------------------------------------------------------


def inbound(mid: str, text: str | None, *, customer: str = "cust-1", at: datetime | None = None,
            channel: str = "whatsapp", account: str = "acct-1", **fields: Any) -> MessageEvent:
    """A customer's message."""
    return MessageEvent(type="message", channel=channel, account_id=account, customer=Participant(id=customer),
                        timestamp=at or NOW - timedelta(minutes=5), message_id=mid, kind=fields.pop("kind", "text"),
                        text=text, **fields)


def echo(mid: str, text: str, *, customer: str = "cust-1", at: datetime | None = None, own_app: bool = False,
         channel: str = "whatsapp", account: str = "acct-1") -> MessageEvent:
    """A message the business sent (from its phone app, or siu's own reply when ``own_app``)."""
    return MessageEvent(type="echo", channel=channel, account_id=account, customer=Participant(id=customer),
                        timestamp=at or NOW - timedelta(minutes=4), message_id=mid, kind="text", text=text,
                        own_app=own_app)


def reaction(target: str, emoji: str | None, *, customer: str = "cust-1", at: datetime | None = None,
             action: str = "react") -> ReactionEvent:
    """A customer's reaction to a message."""
    return ReactionEvent(type="reaction", channel="whatsapp", account_id="acct-1",
                         customer=Participant(id=customer), timestamp=at or NOW - timedelta(minutes=3),
                         target_message_id=target, action=action, emoji=emoji)


def unsend(target: str, *, customer: str = "cust-1", at: datetime | None = None) -> UnsendEvent:
    """The customer deleted a message."""
    return UnsendEvent(type="unsend", channel="whatsapp", account_id="acct-1", customer=Participant(id=customer),
                       timestamp=at or NOW - timedelta(minutes=2), target_message_id=target)


def edit(target: str, text: str, *, customer: str = "cust-1", at: datetime | None = None) -> EditEvent:
    """The customer edited a message's text."""
    return EditEvent(type="edit", channel="whatsapp", account_id="acct-1", customer=Participant(id=customer),
                     timestamp=at or NOW - timedelta(minutes=2), target_message_id=target, text=text)


def status(ids: Sequence[str], value: str, *, customer: str = "cust-1", at: datetime | None = None,
           **fields: Any) -> StatusEvent:
    """A delivery status of outbound messages."""
    return StatusEvent(type="status", channel="whatsapp", account_id="acct-1", customer=Participant(id=customer),
                       timestamp=at or NOW - timedelta(minutes=1), status=value,
                       message_ids=list(ids), **fields)


def records(events: Iterable[Event], *, received_at: datetime | None = None, prefix: str = "rec",
            receive_count: int = 1) -> list[dict[str, Any]]:
    """SQS records carrying these events, as the event source mapping delivers them."""
    out = []
    for i, ev in enumerate(events):
        body = QueueMessage(event=ev, received_at=received_at or NOW).model_dump_json(exclude_none=True)
        out.append({
            "messageId": f"{prefix}-{i}",
            "receiptHandle": f"handle-{prefix}-{i}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": str(receive_count)},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:siu-intake-queue",
            "awsRegion": "ap-southeast-1",
        })
    return out


def sqs_event(events: Iterable[Event], **kwargs: Any) -> dict[str, Any]:
    """A Lambda SQS event."""
    return {"Records": records(events, **kwargs)}


def failed_ids(response: Mapping[str, Any]) -> set[str]:
    """Record ids the handler reported as failed."""
    return {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}


# --- state ---------------------------------------------------------------------------------------


#: Attributes that say who got a thread (and the counters that follow from it).
# "teammate": who a report fact counts for (the assignee at the time; docs/reports.md).
ROUTING_FIELDS = frozenset({"assignee", "reason", "last_assigned_at", "open_threads", "teammate"})


def _without(value: Any, drop: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, drop) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [_without(v, drop) for v in value]
    return value


def dump_state(*, include_s3: bool = True, ignore_routing: bool = False) -> dict[str, Any]:
    """Every item of every table (and every S3 object with its version count), canonically sorted.

    ``ignore_routing`` drops who-got-which-thread: a record retried later is legitimately routed
    against a later state, so only those choices may differ from a run without the failure.
    """
    from siu_core.aws import clients
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb, inbox_version

    names = resource_names()
    state: dict[str, Any] = {}
    for table in (names.dedupe, names.threads, names.messages, names.customers, names.assignments,
                  names.loadcount, names.roster, names.audit, names.composer):
        # The inbox change counter is a hint to pollers, not state: a crash may skip or repeat a bump.
        items = [i for i in ddb.scan_all(table) if i.get("customer_key") != inbox_version.KEY]
        if ignore_routing:
            # A notification goes to whoever the thread was routed to: its partition names them.
            items = [_without({**i, "pk": "notify#"} if str(i.get("pk", "")).startswith("notify#") else i,
                              ROUTING_FIELDS) for i in items]
        state[table] = sorted(json.dumps(i, sort_keys=True, default=str) for i in items)
    if include_s3:
        s3 = clients.s3()
        versions: dict[str, int] = {}
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=names.bucket):
            for v in page.get("Versions", []):
                versions[v["Key"]] = versions.get(v["Key"], 0) + 1
        state["s3"] = dict(sorted(versions.items()))
    return state


def open_threads_by_assignee() -> dict[str, int]:
    """Ground truth for the counter invariant: open threads per assignee, from the threads table."""
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb

    counts: dict[str, int] = {}
    for t in ddb.scan_all(resource_names().threads):
        if t.get("status") == "open" and t.get("assignee"):
            counts[t["assignee"]] = counts.get(t["assignee"], 0) + 1
    return counts


def counters() -> dict[str, int]:
    """The load counters, zeroes dropped."""
    from siu_core.store import loadcount

    return {k: v.open_threads for k, v in loadcount.all_loads().items() if v.open_threads}


def open_rows_by_assignee() -> dict[str, int]:
    """Open assignment rows per teammate (queues excluded)."""
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb, keys

    counts: dict[str, int] = {}
    for r in ddb.scan_all(resource_names().assignments):
        if r.get("status") == "open" and not keys.is_queue(r.get("assignee")):
            counts[r["assignee"]] = counts.get(r["assignee"], 0) + 1
    return counts


# --- running the labeler handler -----------------------------------------------------------------


def install_services(config: SiuConfig, **kwargs: Any) -> Any:
    """Point the labeler handler at ``config`` with the rule-based labeler (no AWS model calls)."""
    from siu_core.handlers import labeler as handler_module
    from siu_core.labeling import build_labeler
    from siu_core.pipeline.ingest import Services

    services = Services(config=config, labeler=kwargs.pop("labeler", None) or build_labeler(config, kind="rules"),
                        **kwargs)
    handler_module.set_services(services)
    return services


def run_batch(events: Sequence[Event] | None = None, *, event: Mapping[str, Any] | None = None,
              now: datetime = NOW, **kwargs: Any) -> dict[str, Any]:
    """Invoke the labeler handler on these events at a fixed ``now``; returns its response."""
    from siu_core.handlers import labeler as handler_module

    handler_module.clock = lambda: now
    payload = dict(event) if event is not None else sqs_event(events or [], **kwargs)
    result: dict[str, Any] = handler_module.handler(payload, None)
    return result


_KEYS: dict[str, list[str]] = {}


def _key_names(table: str) -> list[str]:
    if table not in _KEYS:
        from siu_core.aws import clients

        schema = clients.dynamodb().describe_table(TableName=table)["Table"]["KeySchema"]
        _KEYS[table] = [k["AttributeName"] for k in schema]
    return _KEYS[table]


def wipe(config: SiuConfig) -> None:
    """Empty every table and the bucket (faster than a fresh moto), then seed the roster again."""
    from moto_baseline import active

    shared = active()
    if shared is not None and shared.empty_data(config.roster):
        return  # the tables are back to the provisioned baseline: empty but for this very roster
    from siu_core.aws import clients
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb, roster

    names = resource_names()
    client = clients.dynamodb()
    for table in (names.dedupe, names.threads, names.messages, names.customers, names.assignments,
                  names.loadcount, names.roster, names.audit, names.composer):
        key_names = _key_names(table)
        doomed = [{k: ddb.to_ddb(i[k]) for k in key_names} for i in ddb.scan_all(table)]
        for start in range(0, len(doomed), 25):
            client.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": k}} for k in
                                                          doomed[start:start + 25]]})
    s3 = clients.s3()
    versions = s3.list_object_versions(Bucket=names.bucket)
    doomed_objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])]
    if doomed_objects:
        s3.delete_objects(Bucket=names.bucket, Delete={"Objects": doomed_objects})
    roster.seed(config.roster, overwrite=True)
