"""The monthly AWS bill of the deployed shape, from measured per-message figures and a dated price table.

Per message figures come from :mod:`siu_core.deploy.measure` (the real handlers under moto, every AWS
call counted; ``tests/test_cost_measured.py`` re-measures and fails when they drift) and are kept in
:data:`MEASURED`. What cannot be measured offline is an explicit, documented assumption in
:data:`ASSUMPTIONS` (Lambda durations, replies per message, log bytes). Prices:
:mod:`siu_core.deploy.prices`. Pure arithmetic: no AWS call.

Tokens per label: the characters the model reads (system prompt, the label tool's schema, the
message; measured from the labeler's real Converse request for a typical message) at
:data:`CHARS_PER_TOKEN`, plus the tool-use system prompt Anthropic adds when a tool is forced
(:data:`TOOL_USE_OVERHEAD_TOKENS`, Anthropic's published figure for Claude Haiku 4.5); the answer is
the labels JSON plus the tool-call wrapper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from siu_core.deploy.prices import AS_OF, PRICES, REGION

#: Measured by siu_core.deploy.measure (warm path: cold-start reads of config and secrets excluded).
MEASURED: dict[str, float] = {
    # connector, per webhook carrying one message: one SendMessageBatch.
    "connector_sqs_requests": 1,
    # labeler, per new message: 1 TransactWriteItems of 9 items (18 WRU), 1 BatchGetItem (3 keys),
    # 2 Scans (roster, loadcount: the router's pool), 1 S3 PutObject (the snapshot), 1 Converse.
    "message_dynamodb_write_units": 18,
    "message_dynamodb_read_units": 5,
    "message_s3_puts": 1,
    "message_model_calls": 1,
    # labeler, per delivery status (sent / delivered / read of a reply).
    "status_dynamodb_write_units": 4,
    "status_dynamodb_read_units": 2,
    "status_s3_puts": 1,
    # characters the model reads for a typical message alone in its call (system prompt, the answer
    # schema, the tagged message), and of the labels it answers.
    "prompt_chars": 1088,
    "answer_chars": 144,
}

#: What cannot be measured without an AWS account: stated, so an estimate can be argued with.
ASSUMPTIONS: dict[str, float] = {
    "replies_per_message": 1.0,  # every customer message gets one teammate reply
    "statuses_per_reply": 3.0,  # sent, delivered, read
    "inbox_requests_per_message": 6.0,  # queue, thread, reply, refreshes
    "inbox_reply_write_units": 12.0,  # reply transaction (message, thread, audit, key: 2 WRU each) + key
    "inbox_read_units_per_request": 2.0,
    "connector_seconds": 0.05,  # a warm webhook: verify, normalize, one SendMessageBatch
    "labeler_seconds_per_message": 1.2,  # Bedrock's ~0.75 s plus DynamoDB and S3
    "labeler_seconds_per_status": 0.1,
    "inbox_seconds_per_request": 0.15,
    "sweeper_seconds": 0.4,
    "digest_seconds": 2.0,
    "log_bytes_per_event": 2500,  # JSON log lines + EMF + Lambda's START/END/REPORT
    "snapshot_bytes": 2500,
    "item_bytes_per_message": 3000,  # message, thread share, audit rows in DynamoDB
    "sqs_requests_per_event": 3.0,  # send (amortized), receive (amortized), delete
    "idle_sqs_polls_per_month": 5 * 30 * 24 * 3600 / 20,  # the event-source mapping's 5 long-polling pollers
    "active_custom_metrics_per_channel": 3.0,  # EventsEnqueued, MessagesIn, RepliesSent publish most hours
    "active_custom_metrics_fixed": 3.0,  # NotifySent (digest, sla), SlaBreaches
}
CHARS_PER_TOKEN = 3.5
TOOL_USE_OVERHEAD_TOKENS = 313
TOOL_CALL_OUTPUT_TOKENS = 20
SECONDS_PER_MONTH = 30 * 24 * 3600
SWEEPS_PER_MONTH = SECONDS_PER_MONTH // 300
DIGESTS_PER_MONTH = 30
MEMORY_GB = {"connector": 0.25, "labeler": 0.5, "inbox": 0.25, "sla-sweeper": 0.25, "digest": 0.25}


def tokens_per_label(prompt_chars: float = MEASURED["prompt_chars"],
                     answer_chars: float = MEASURED["answer_chars"]) -> tuple[int, int]:
    """(input, output) tokens of one label call."""
    return (math.ceil(prompt_chars / CHARS_PER_TOKEN) + TOOL_USE_OVERHEAD_TOKENS,
            math.ceil(answer_chars / CHARS_PER_TOKEN) + TOOL_CALL_OUTPUT_TOKENS)


@dataclass(frozen=True)
class Line:
    """One line of the bill: service, what, quantity and unit, monthly USD."""

    service: str
    item: str
    quantity: float
    unit: str
    usd: float


@dataclass
class Estimate:
    """A monthly estimate: its lines, the inputs, where the prices come from."""

    messages: int
    channels: int
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        """The monthly total in USD."""
        return round(sum(line.usd for line in self.lines), 2)

    def by_service(self) -> dict[str, float]:
        """Monthly USD per service."""
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.service] = round(out.get(line.service, 0.0) + line.usd, 4)
        return out

    def as_json(self) -> dict[str, object]:
        """What ``siu cost --json`` prints."""
        return {
            "messages_per_month": self.messages,
            "channels": self.channels,
            "region": REGION,
            "prices_as_of": AS_OF,
            "total_usd": self.total,
            "by_service": self.by_service(),
            "lines": [line.__dict__ for line in self.lines],
            "tokens_per_label": dict(zip(("input", "output"), tokens_per_label(), strict=True)),
        }


def estimate(messages: int, channels: int = 3, *, prices: Mapping[str, float] = PRICES,
             measured: Mapping[str, float] = MEASURED, assume: Mapping[str, float] = ASSUMPTIONS) -> Estimate:
    """The monthly bill for ``messages`` new customer messages a month over ``channels`` channels."""
    if messages < 0 or channels < 1:
        raise ValueError("messages must be >= 0 and channels >= 1")
    p, m, a = prices, measured, assume
    n = float(messages)
    replies = n * a["replies_per_message"]
    statuses = replies * a["statuses_per_reply"]
    events = n + statuses
    inbox_requests = n * a["inbox_requests_per_message"]
    est = Estimate(messages, channels)

    def add(service: str, item: str, quantity: float, unit: str, price: float) -> None:
        est.lines.append(Line(service, item, round(quantity, 3), unit, round(quantity * price, 4)))

    invocations = events + events + inbox_requests + SWEEPS_PER_MONTH + DIGESTS_PER_MONTH
    gb_seconds = (
        events * a["connector_seconds"] * MEMORY_GB["connector"]
        + (n * a["labeler_seconds_per_message"] + statuses * a["labeler_seconds_per_status"]) * MEMORY_GB["labeler"]
        + inbox_requests * a["inbox_seconds_per_request"] * MEMORY_GB["inbox"]
        + SWEEPS_PER_MONTH * a["sweeper_seconds"] * MEMORY_GB["sla-sweeper"]
        + DIGESTS_PER_MONTH * a["digest_seconds"] * MEMORY_GB["digest"]
    )
    add("Lambda", "requests (webhooks, labeler, inbox, sweeps, digests)", invocations, "requests", p["lambda_request"])
    add("Lambda", "compute, arm64", gb_seconds, "GB-s", p["lambda_gb_second_arm64"])
    add("SQS", "intake queue requests", events * a["sqs_requests_per_event"], "requests", p["sqs_request"])
    add("SQS", "event-source mapping idle polling", a["idle_sqs_polls_per_month"], "requests", p["sqs_request"])
    wru = n * m["message_dynamodb_write_units"] + statuses * m["status_dynamodb_write_units"] \
        + replies * a["inbox_reply_write_units"]
    rru = n * m["message_dynamodb_read_units"] + statuses * m["status_dynamodb_read_units"] \
        + inbox_requests * a["inbox_read_units_per_request"] + SWEEPS_PER_MONTH * 3
    add("DynamoDB", "write request units", wru, "WRU", p["dynamodb_write_unit"])
    add("DynamoDB", "read request units", rru, "RRU", p["dynamodb_read_unit"])
    add("DynamoDB", "storage (one month of messages)", n * a["item_bytes_per_message"] / 1e9, "GB-month",
        p["dynamodb_gb_month"])
    add("S3", "snapshot PUTs", n * m["message_s3_puts"] + statuses * m["status_s3_puts"], "requests", p["s3_put"])
    add("S3", "snapshot storage (one month)", events * a["snapshot_bytes"] / 1e9, "GB-month", p["s3_gb_month"])
    add("Secrets Manager", f"{channels} channel secrets + inbox key + Slack token", channels + 2, "secrets",
        p["secret_month"])
    add("Secrets Manager", "reads at cold starts (about 2 an hour per function)", 6 * 2 * 24 * 30, "calls",
        p["secret_api_call"])
    add("EventBridge Scheduler", "SLA sweeps and digests", SWEEPS_PER_MONTH + DIGESTS_PER_MONTH, "invocations",
        p["scheduler_invocation"])
    log_gb = (events * 2 + inbox_requests + SWEEPS_PER_MONTH) * a["log_bytes_per_event"] / 1e9
    add("CloudWatch", "log ingestion", log_gb, "GB", p["logs_ingest_gb"])
    add("CloudWatch", "log storage (7 days kept)", log_gb * 7 / 30, "GB-month", p["logs_store_gb_month"])
    metrics = a["active_custom_metrics_per_channel"] * channels + a["active_custom_metrics_fixed"]
    add("CloudWatch", "custom metrics (EMF) publishing most hours", metrics, "metrics", p["custom_metric_month"])
    alarm_metrics = 3 + 2 * channels  # DLQ, signatures, sends; fallbacks + messages per channel
    add("CloudWatch", "alarms", alarm_metrics, "alarm metrics", p["alarm_metric_month"])
    tokens_in, tokens_out = tokens_per_label(m["prompt_chars"], m["answer_chars"])
    calls = n * m["message_model_calls"]
    add("Bedrock", f"Haiku 4.5 input ({tokens_in} tokens a label)", calls * tokens_in, "tokens",
        p["bedrock_haiku45_input_token"])
    add("Bedrock", f"Haiku 4.5 output ({tokens_out} tokens a label)", calls * tokens_out, "tokens",
        p["bedrock_haiku45_output_token"])
    return est
