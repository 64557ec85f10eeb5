"""The monthly AWS bill of the deployed shape, from measured figures and a dated price table.

Every AWS call the code makes per event is measured on the real handlers under moto and kept in
:data:`MEASURED` (:mod:`siu_core.deploy.measure` for the connector and labeler,
:mod:`siu_core.deploy.measure_inbox` for an inbox poll, index writes and stored bytes);
``tests/test_cost_measured.py`` re-measures and fails when the code's calls drift from them, and
``make bench`` prints them. What cannot be measured offline is an explicit, documented assumption in
:data:`ASSUMPTIONS` (Lambda durations, messages per thread, replies, how long a teammate's tab is open,
log bytes). Prices: :mod:`siu_core.deploy.prices`. Pure arithmetic: no AWS call.

Labeling: the model is called for a message that opens or reopens a thread (and for a relabel a
teammate asks for), not for follow-ups: labels = threads. Its tokens per label are
:data:`LABEL_INPUT_TOKENS` and :data:`LABEL_OUTPUT_TOKENS`, the one place the labeler's prompt size
enters the bill (the labeler's own measurement, ``make bench``, keeps them current).

The inbox: each teammate's open tab polls the queue (and the open thread) every :data:`POLL_FAST_SECONDS`
after a change or the teammate's click or key, each poll that finds nothing new waiting
:data:`POLL_GROWTH` times longer, up to :data:`POLL_IDLE_SECONDS` (siu_core/ui/live.js); a poll that
finds nothing changed is answered 304 after one small read (:mod:`siu_core.inbox.freshness`), a full
read happens after a change and at least every five minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from siu_core.config import DEFAULT_MODEL_ID
from siu_core.deploy.prices import AS_OF, PRICES, REGION
from siu_core.labeling.prompt import CHARS_PER_TOKEN, FORCED_TOOL_OVERHEAD_TOKENS, output_mode

#: Measured (warm path: cold-start reads of config and secrets excluded). Re-measured by the tests.
MEASURED: dict[str, float] = {
    # connector, per webhook carrying one message: one SendMessageBatch.
    "connector_sqs_requests": 1,
    # labeler, per new message: 1 TransactWriteItems (24 WRU: the thread's opening fact for the
    # reports, the assignee's "assigned" notification and the new conversation's customer record
    # included), the inbox change counter (1 WRU),
    # 1 BatchGetItem (3 keys), 2 Scans (roster, loadcount: the router's pool), 1 S3 PutObject (the
    # snapshot), 1 Converse.
    "message_dynamodb_write_units": 25,
    "message_dynamodb_read_units": 5,
    "message_s3_puts": 1,
    "message_model_calls": 1,
    # ... and the index writes it causes (one per index of each table an item lands in), the bytes it
    # leaves in DynamoDB (items + index copies + 100 B overhead each) and S3.
    "message_index_write_units": 3,
    "message_dynamodb_bytes": 8331,
    "message_s3_bytes": 484,
    # labeler, per delivery status (sent / delivered / read of a reply).
    "status_dynamodb_write_units": 5,
    "status_dynamodb_read_units": 2,
    "status_s3_puts": 1,
    # inbox, per poll of an open tab (queue and thread together, as the UI sends them): read in full
    # (the thread's internal notes and presence included), and a poll round answered 304 by its first
    # queue section (the change counter and the caller's roster entry, strongly consistent).
    "poll_full_read_units": 10.0,
    "poll_unchanged_read_units": 2,
    # characters the model reads for a typical message alone in its call (system prompt, the answer
    # schema, the tagged message), and of the labels it answers.
    "prompt_chars": 974,
    "answer_chars": 144,
}

#: What cannot be measured without an AWS account: stated, so an estimate can be argued with.
ASSUMPTIONS: dict[str, float] = {
    "messages_per_thread": 3.0,  # customer messages a thread gets before it is closed; labels = threads
    "replies_per_message": 1.0,  # every customer message gets one teammate reply
    "statuses_per_reply": 3.0,  # sent, delivered, read
    "teammate_hours_per_month": 176.0,  # each teammate's inbox tab is open and visible 8 h x 22 days
    # times an hour a teammate clicks or types in the inbox after a quiet spell, besides the changes a
    # message or a reply brings (each puts the tab back at the fast pace)
    "teammate_actions_per_hour": 10.0,
    "thread_open_share": 0.5,  # share of that time a thread is open beside the queue (a second poll)
    # Presence heartbeats (POST /api/threads/{id}/presence) go out only while a thread is open: a teammate
    # has a thread open about this long per thread they work (read, reply, close), typing this share of it.
    "thread_minutes_per_thread": 6.0,
    "thread_typing_share": 0.2,
    "thread_company_share": 0.1,  # share of that time a colleague has the same thread open

    # A poll asks for each section of "My queue" (siu_core/ui/queue.js): "Assigned to me" and the
    # unassigned queue of each of the teammate's teams (one, typically), and for the mentions menu.
    "queue_team_sections": 1.0,
    # GET /api/notifications is not conditional: the page asks it only after a poll some read of which
    # was answered in full (a note, hence a mention, moves the change counter), or every five minutes;
    # a query of the caller's few newest mentions (not measured: one read unit, a full read's duration).
    "notification_read_units": 1.0,
    "working_hours_per_month": 220.0,  # when messages and replies happen: 10 h x 22 days
    "inbox_reply_write_units": 13.0,  # reply transaction (message, thread, audit, key) + change counter
    "inbox_reply_index_write_units": 3.0,
    "status_index_write_units": 1.0,  # the message item's by-thread index copy
    "sweeper_read_units_per_holder": 0.5,  # one open-rows query per teammate and team queue
    "teams": 3.0,
    "connector_seconds": 0.05,  # a warm webhook: verify, normalize, one SendMessageBatch
    "labeler_seconds_per_label": 1.2,  # Bedrock's ~0.75 s plus DynamoDB and S3
    "labeler_seconds_per_followup": 0.2,  # no model call
    "labeler_seconds_per_status": 0.1,
    "inbox_seconds_unchanged": 0.02,  # token check, two small reads, 304
    "inbox_seconds_full": 0.15,
    "inbox_seconds_reply": 0.6,  # the platform's send API
    "sweeper_seconds": 0.4,
    "digest_seconds": 2.0,
    # Logs: every function logs JSON with system logs at WARN, so Lambda's START/END/REPORT lines (about
    # 350 B an invocation) are not ingested; what is left is the code's own lines and EMF.
    "log_bytes_per_event": 1800,  # connector + labeler JSON lines and EMF (was 2,500 with 2 x 350 B platform lines)
    "log_bytes_per_poll": 0,  # an inbox read logs nothing at INFO, and the platform lines are dropped
    "log_bytes_per_reply": 400,  # the inbox's reply line and its EMF
    "log_bytes_per_sweep": 250,
    "dynamodb_months_kept": 12.0,  # messages and threads have no TTL yet: a year of them is stored
    "snapshot_months_kept": 24.0,  # the bucket expires snapshots after 730 days
    "sqs_requests_per_event": 3.0,  # send (amortized), receive (amortized), delete
    "idle_sqs_polls_per_month": 5 * 30 * 24 * 3600 / 20,  # the event-source mapping's 5 long-polling pollers
    # CloudWatch metrics are only what an alarm reads (siu_core/obs.py METRIC_DIMENSIONS): FallbackLabels,
    # SignatureFailures, UnknownAccount and SendFailures, each published only when that fault happens ($0.30
    # per channel and metric in such a month: an incident's cost, not counted here). Every other count
    # (MessagesIn included) is a property of the EMF log line (no per-metric charge).
    "active_custom_metrics_per_channel": 0.0,
    "active_custom_metrics_fixed": 0.0,
    # Alarms: one standard alarm (the DLQ's depth) and four Metrics Insights alarms (signature failures,
    # unknown accounts, send failures, fallback labels), each billed per metric it analyzes: counted as
    # one each (they analyze nothing while nothing fails; one per failing channel while one does).
    "alarm_metrics": 5.0,
}

#: Tokens one label call sends and receives: the measured request of a message alone in its call
#: (974 characters at 3.5 a token: the system prompt 495, the answer schema 381, the tagged message
#: 98; the default model, Claude Haiku 4.5, answers through native structured output, so no forced
#: tool adds its hidden system prompt; what Bedrock may add around the schema is not published, so
#: not counted). A batch shares the prompt, so busy hours cost less than this. ``make bench``
#: (bench/labeler.py) keeps the figure current.
LABEL_INPUT_TOKENS = 279
LABEL_OUTPUT_TOKENS = 42
#: An open tab's polling schedule (siu_core/ui/live.js, the same names): seconds after a change, growth
#: per poll that finds nothing new, the longest wait.
POLL_FAST_SECONDS = 4
POLL_GROWTH = 1.5
POLL_IDLE_SECONDS = 30
#: A full read at least this often even when nothing changed (siu_core/inbox/freshness.FRESH_SECONDS).
FRESH_SECONDS = 300
SECONDS_PER_MONTH = 30 * 24 * 3600
SWEEPS_PER_MONTH = SECONDS_PER_MONTH // 300
DIGESTS_PER_MONTH = 30
MEMORY_GB = {"connector": 0.25, "labeler": 0.5, "inbox": 0.25, "sla-sweeper": 0.25, "digest": 0.25}


def tokens_per_label() -> tuple[int, int]:
    """(input, output) tokens of one label call."""
    return LABEL_INPUT_TOKENS, LABEL_OUTPUT_TOKENS


def measured_tokens_per_label(prompt_chars: float = MEASURED["prompt_chars"],
                              answer_chars: float = MEASURED["answer_chars"],
                              model_id: str = DEFAULT_MODEL_ID) -> tuple[int, int]:
    """(input, output) tokens the measured request works out to for a model (what LABEL_*_TOKENS state)."""
    hidden = FORCED_TOOL_OVERHEAD_TOKENS if output_mode(model_id) == "tool" and "anthropic." in model_id else 0
    return math.ceil(prompt_chars / CHARS_PER_TOKEN) + hidden, math.ceil(answer_chars / CHARS_PER_TOKEN)


def polls_between(gap_seconds: float) -> int:
    """Polls a tab makes in a quiet spell of this length after a change (the slowing schedule of live.js)."""
    polls, elapsed, wait = 0, 0.0, float(POLL_FAST_SECONDS)
    while elapsed + wait <= gap_seconds:
        elapsed += wait
        polls += 1
        wait = min(POLL_IDLE_SECONDS, wait * POLL_GROWTH)
    return polls


def polls_per_hour(changes_per_hour: float) -> float:
    """Polls a visible tab makes in an hour when changes (or the teammate's actions) come this often."""
    if changes_per_hour <= 0:
        return 3600 / POLL_IDLE_SECONDS
    gap = 3600 / changes_per_hour
    per_gap = polls_between(gap) if gap >= POLL_FAST_SECONDS else gap / POLL_FAST_SECONDS
    return min(3600 / POLL_FAST_SECONDS, changes_per_hour * per_gap)


def polls_per_teammate_hour(events_per_working_hour: float,
                            assume: Mapping[str, float] = ASSUMPTIONS) -> tuple[float, float]:
    """(full reads, unchanged 304s) an open tab makes in an hour: a full read per change, and per time bucket.

    A poll asks for its first queue section alone: a 304 proves the rest unchanged (siu_core/ui/api.js),
    so an unchanged poll is one read, and a poll after a change reads every section and the thread.
    """
    changes = events_per_working_hour + assume["teammate_actions_per_hour"]
    reads = 1 + assume["queue_team_sections"] + assume["thread_open_share"]  # conditional reads of a full poll
    polls = polls_per_hour(changes)
    full_polls = min(polls, 3600 / FRESH_SECONDS + events_per_working_hour)
    return full_polls * reads, polls - full_polls


def presence_beats_per_hour(typing_share: float, company_share: float) -> float:
    """Heartbeats an open thread sends in an hour: alone, one every 30 s (typing or not); with a colleague
    there, "viewing" every 15 s and "typing" every 5 s while typing: siu_core/inbox/presence.py, ui/thread.js."""
    from siu_core.inbox.presence import ALONE_HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TYPING_THROTTLE_SECONDS

    together = (1 - typing_share) / HEARTBEAT_SECONDS + typing_share / TYPING_THROTTLE_SECONDS
    return 3600 * ((1 - company_share) / ALONE_HEARTBEAT_SECONDS + company_share * together)


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
    teammates: int = 5
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
            "teammates": self.teammates,
            "channels": self.channels,
            "region": REGION,
            "prices_as_of": AS_OF,
            "total_usd": self.total,
            "by_service": self.by_service(),
            "lines": [line.__dict__ for line in self.lines],
            "tokens_per_label": dict(zip(("input", "output"), tokens_per_label(), strict=True)),
            "measured": dict(MEASURED),
            "assumptions": dict(ASSUMPTIONS),
        }


def estimate(messages: int, channels: int = 3, *, teammates: int = 5, prices: Mapping[str, float] = PRICES,
             measured: Mapping[str, float] = MEASURED, assume: Mapping[str, float] = ASSUMPTIONS) -> Estimate:
    """The monthly bill for ``messages`` customer messages a month, ``teammates`` using the inbox, ``channels``."""
    if messages < 0 or channels < 1 or teammates < 0:
        raise ValueError("messages and teammates must be >= 0, channels >= 1")
    p, m, a = prices, measured, assume
    n = float(messages)
    labels = n / a["messages_per_thread"]  # a label for each message that opens or reopens a thread
    followups = n - labels
    replies = n * a["replies_per_message"]
    statuses = replies * a["statuses_per_reply"]
    events = n + statuses
    per_hour = (events + replies) / a["working_hours_per_month"]
    full_per_hour, unchanged_per_hour = polls_per_teammate_hour(per_hour, a)
    tab_hours = teammates * a["teammate_hours_per_month"]
    polls_full, polls_unchanged = tab_hours * full_per_hour, tab_hours * unchanged_per_hour
    mention_reads = tab_hours * min(polls_per_hour(per_hour + a["teammate_actions_per_hour"]),
                                    3600 / FRESH_SECONDS + per_hour)
    holders = teammates + a["teams"]
    # Presence: no thread open, no heartbeat (a month with no messages has none); at most the polls' share.
    open_hours = min(tab_hours * a["thread_open_share"], labels * a["thread_minutes_per_thread"] / 60)
    beats = open_hours * presence_beats_per_hour(a["thread_typing_share"], a["thread_company_share"])
    est = Estimate(messages, channels, teammates)

    def add(service: str, item: str, quantity: float, unit: str, price: float) -> None:
        est.lines.append(Line(service, item, round(quantity, 3), unit, round(quantity * price, 4)))

    sweeps, digests = SWEEPS_PER_MONTH, DIGESTS_PER_MONTH
    add("Lambda", "requests: webhooks and labeler batches", events * 2, "requests", p["lambda_request"])
    add("Lambda", "requests: inbox polls (open tabs: queue sections, thread, mentions) and replies",
        polls_full + polls_unchanged + mention_reads + replies, "requests", p["lambda_request"])
    add("Lambda", "requests: presence heartbeats of open threads", beats, "requests", p["lambda_request"])
    add("Lambda", "requests: SLA sweeps and digests", sweeps + digests, "requests", p["lambda_request"])
    pipeline_s = (events * a["connector_seconds"] * MEMORY_GB["connector"]
                  + (labels * a["labeler_seconds_per_label"] + followups * a["labeler_seconds_per_followup"]
                     + statuses * a["labeler_seconds_per_status"]) * MEMORY_GB["labeler"])
    inbox_s = ((polls_full + mention_reads) * a["inbox_seconds_full"] + polls_unchanged * a["inbox_seconds_unchanged"]
               + replies * a["inbox_seconds_reply"]) * MEMORY_GB["inbox"]
    schedule_s = (sweeps * a["sweeper_seconds"] * MEMORY_GB["sla-sweeper"]
                  + digests * a["digest_seconds"] * MEMORY_GB["digest"])
    add("Lambda", "compute, arm64: connector and labeler", pipeline_s, "GB-s", p["lambda_gb_second_arm64"])
    add("Lambda", "compute, arm64: inbox", inbox_s, "GB-s", p["lambda_gb_second_arm64"])
    add("Lambda", "compute, arm64: presence heartbeats", beats * a["inbox_seconds_unchanged"] * MEMORY_GB["inbox"],
        "GB-s", p["lambda_gb_second_arm64"])
    add("Lambda", "compute, arm64: sweeper and digest", schedule_s, "GB-s", p["lambda_gb_second_arm64"])
    add("SQS", "FIFO intake queue requests", events * a["sqs_requests_per_event"], "requests", p["sqs_fifo_request"])
    add("SQS", "event-source mapping idle polling", a["idle_sqs_polls_per_month"], "requests", p["sqs_fifo_request"])
    wru = n * m["message_dynamodb_write_units"] + statuses * m["status_dynamodb_write_units"] \
        + replies * a["inbox_reply_write_units"]
    index_wru = n * m["message_index_write_units"] + statuses * a["status_index_write_units"] \
        + replies * a["inbox_reply_index_write_units"]
    add("DynamoDB", "write request units (tables)", wru, "WRU", p["dynamodb_write_unit"])
    add("DynamoDB", "write request units (global secondary indexes)", index_wru, "WRU", p["dynamodb_write_unit"])
    add("DynamoDB", "read request units: pipeline", n * m["message_dynamodb_read_units"]
        + statuses * m["status_dynamodb_read_units"], "RRU", p["dynamodb_read_unit"])
    add("DynamoDB", "read request units: inbox polls", polls_full * m["poll_full_read_units"] / 2
        + polls_unchanged * m["poll_unchanged_read_units"] / 2 + mention_reads * a["notification_read_units"],
        "RRU", p["dynamodb_read_unit"])
    # A heartbeat reads the thread (may the caller see it?) and updates the thread's presence item.
    add("DynamoDB", "presence heartbeats: the presence item's update", beats, "WRU", p["dynamodb_write_unit"])
    add("DynamoDB", "presence heartbeats: the thread read", beats, "RRU", p["dynamodb_read_unit"])
    add("DynamoDB", "read request units: SLA sweeps", sweeps * holders * a["sweeper_read_units_per_holder"], "RRU",
        p["dynamodb_read_unit"])
    add("DynamoDB", f"storage ({a['dynamodb_months_kept']:g} months of messages, indexes included)",
        n * m["message_dynamodb_bytes"] * a["dynamodb_months_kept"] / 1e9, "GB-month", p["dynamodb_gb_month"])
    add("S3", "snapshot PUTs", n * m["message_s3_puts"] + statuses * m["status_s3_puts"], "requests", p["s3_put"])
    add("S3", f"snapshot storage ({a['snapshot_months_kept']:g} months kept)",
        events * m["message_s3_bytes"] * a["snapshot_months_kept"] / 1e9, "GB-month", p["s3_gb_month"])
    add("SSM Parameter Store", f"{channels} channel secrets + inbox key + Slack token (standard SecureStrings)",
        channels + 2, "secrets", p["ssm_standard_parameter_month"])
    secret_reads = (4 + channels) * 2 * 24 * 30  # each function (connectors too) reads its secret once per container
    add("SSM Parameter Store", "secret reads at cold starts (about 2 an hour per function)", secret_reads, "calls",
        p["ssm_standard_api_call"])
    add("KMS", "decrypts of those reads (aws/ssm key: no key charge)", secret_reads, "requests", p["kms_request"])
    add("EventBridge Scheduler", "SLA sweeps and digests", sweeps + digests, "invocations", p["scheduler_invocation"])
    log_gb = (events * a["log_bytes_per_event"] + (polls_full + polls_unchanged) * a["log_bytes_per_poll"]
              + replies * a["log_bytes_per_reply"] + sweeps * a["log_bytes_per_sweep"]) / 1e9
    add("CloudWatch", "log ingestion (JSON, system logs at WARN: no START/END/REPORT lines)", log_gb, "GB",
        p["logs_ingest_gb"])
    add("CloudWatch", "log storage (7 days kept)", log_gb * 7 / 30, "GB-month", p["logs_store_gb_month"])
    metrics = (a["active_custom_metrics_per_channel"] * channels + a["active_custom_metrics_fixed"]) if n else 0.0
    add("CloudWatch", "custom metrics (EMF; billed only in months they publish)", metrics, "metrics",
        p["custom_metric_month"])
    add("CloudWatch", "alarms: DLQ depth + 4 Metrics Insights (signatures, unknown accounts, sends, fallbacks)",
        a["alarm_metrics"], "alarm metrics", p["alarm_metric_month"])
    tokens_in, tokens_out = tokens_per_label()
    add("Bedrock", f"Haiku 4.5 input ({tokens_in} tokens a label, a label per new or reopened thread)",
        labels * tokens_in, "tokens", p["bedrock_haiku45_input_token"])
    add("Bedrock", f"Haiku 4.5 output ({tokens_out} tokens a label)", labels * tokens_out, "tokens",
        p["bedrock_haiku45_output_token"])
    add_search_lines(add, n, replies, teammates, p, statuses=statuses)
    return est


#: The search index (docs/search.md): stated, as the rest of :data:`ASSUMPTIONS`; bench/search.py measures
#: the bytes per message (294 at a million messages) and the query times.
SEARCH_ASSUMPTIONS: dict[str, float] = {
    "index_bytes_per_message": 300.0,  # the SQLite FTS5 file on EFS, both tokenizers
    "index_months_kept": 12.0,  # as the messages in DynamoDB
    # A message's item and its thread's come through two streams (two event source mappings), and at
    # a shop's volume a 1-second batching window rarely holds two records of one stream: one Indexer
    # invocation each. A reply's delivery statuses update its item: one more each (statuses_per_reply).
    "indexer_invocations_per_message": 2.0,
    "indexer_seconds": 0.05,  # a batch: a few SQLite writes on EFS
    "indexer_efs_bytes_written_per_invocation": 16_384.0,  # pages and rollback journal of one transaction
    "searches_per_teammate_day": 20.0,
    "search_seconds": 0.1,  # the Search function: one SQLite query (bench: p99 under 110 ms at 1M)
    "search_efs_bytes_read": 262_144.0,  # pages a query reads when the function's cache is cold
}
SEARCH_MEMORY_GB = 0.25
#: The smallest read the Elastic throughput meter counts (a query of a near-empty index).
EFS_MIN_READ_BYTES = 32_768.0


def add_search_lines(add: Any, messages: float, replies: float, teammates: int, p: Mapping[str, float], *,
                     statuses: float = 0.0) -> None:
    """The search index's lines (EFS storage and throughput, the Indexer and Search functions): a
    separate block so the index's cost can be argued with on its own. Stream reads by Lambda are free."""
    a = SEARCH_ASSUMPTIONS
    indexed = messages + replies
    searches = teammates * a["searches_per_teammate_day"] * 22
    invocations = indexed * a["indexer_invocations_per_message"] + statuses
    add("EFS", f"search index storage ({a['index_months_kept']:g} months of messages)",
        indexed * a["index_bytes_per_message"] * a["index_months_kept"] / 1e9, "GB-month", p["efs_standard_gb_month"])
    add("EFS", "search index writes (elastic throughput)",
        invocations * a["indexer_efs_bytes_written_per_invocation"] / 1e9, "GB", p["efs_elastic_write_gb"])
    # A query reads at most the whole index (a cold cache: every page once), metered in 32 KiB steps at least.
    index_bytes = indexed * a["index_bytes_per_message"] * a["index_months_kept"]
    read = min(a["search_efs_bytes_read"], max(EFS_MIN_READ_BYTES, index_bytes))
    add("EFS", "search reads (elastic throughput)", searches * read / 1e9, "GB", p["efs_elastic_read_gb"])
    add("Lambda", "requests: search indexer batches and searches", invocations + searches, "requests",
        p["lambda_request"])
    add("Lambda", "compute, arm64: search indexer and searches",
        (invocations * a["indexer_seconds"] + searches * a["search_seconds"]) * SEARCH_MEMORY_GB, "GB-s",
        p["lambda_gb_second_arm64"])
