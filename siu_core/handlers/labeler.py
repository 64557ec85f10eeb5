"""The labeler Lambda: an SQS batch of intake events in, a partial batch response out.

Thin shell: parse and order the batch, then let :mod:`siu_core.pipeline.ingest` apply each event
exactly once (dedupe, fingerprint, thread, label, route, reopen, snapshot, audit). Powertools'
``BatchProcessor`` reports the records that failed so only those are redelivered. Config, labeler,
channel plugins and secrets are loaded once per cold start, on the first invocation, never at import.

A record whose body is a pointer (:class:`~siu_core.models.QueuePointerMessage`: the connector stored
an event too big for the queue) is resolved here, before ingest sees it: the object is read from the
snapshot bucket and checked against the pointer's size and sha256. A missing, altered or malformed
one fails its record with a clear error (redelivered, then the DLQ), never a silent drop.

Every failed record is logged when it fails, from its first receive on (``record failed``, WARNING,
metric ``RecordFailures``), with the SQS message id, receive count, channel, channel message id and
the error's type and message (never customer text); its last receive also logs ``record goes to the
DLQ after this failure`` (ERROR, metric ``DlqBound``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from siu_core import obs
from siu_core.event_data import CHANNEL_NAME_PATTERN
from siu_core.models import Event
from siu_core.pipeline.ingest import SERVICE, Batch, Entry, Services, parse_entry

#: The queue's maxReceiveCount (infra/template.yaml): a record failing its 5th receive goes to the DLQ.
MAX_RECEIVES = 5
#: A pointer body is a few hundred bytes; a body longer than this is never taken for one.
POINTER_BODY_MAX = 4096
#: How much of an error's message a failure log keeps.
REASON_CHARS = 300

_lock = threading.Lock()
_services: Services | None = None

#: The clock the pipeline reads once per batch (working hours, audit times); tests may replace it.
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def load_services() -> Services:
    """Build the cold-start services from the deployment: SSM config, labeler, plugins, secrets."""
    from siu_core.config import load_config
    from siu_core.labeling import build_labeler
    from siu_core.plugins import load_channels
    from siu_core.secrets import SecretStore

    config = load_config()
    return Services(config=config, labeler=build_labeler(config), channels_loader=load_channels,
                    secrets=SecretStore())


def services() -> Services:
    """The cold-start services (built on first use, then cached for the life of the process)."""
    global _services
    with _lock:
        if _services is None:
            _services = load_services()
        return _services


def set_services(value: Services | None) -> None:
    """Install services built elsewhere (``siu dev``, tests), or None to load them again lazily."""
    global _services
    with _lock:
        _services = value


@dataclass(frozen=True)
class Decoded:
    """One queue record ready for ingest, and what the logs say about it should it fail."""

    entry: Entry
    channel: str | None = None
    ref: str | None = None
    pointer_key: str | None = None
    #: The customer a pointer names: held back in the batch when the pointer cannot be resolved.
    customer_key: str | None = None


def _pointer_data(body: str) -> dict[str, Any] | None:
    """The body's JSON object when it is shaped like a pointer message, else None."""
    if len(body) > POINTER_BODY_MAX or '"pointer"' not in body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "pointer" in data else None


def decode_record(record_id: str, index: int, body: str, receive_count: int = 1) -> Decoded:
    """An ingest entry for one queue record, a pointer resolved to the event it stores.

    A pointer that cannot be resolved keeps its error on the entry, so ingest fails the record and
    the queue delivers it again (then to the DLQ): nothing is dropped for being stored elsewhere.
    """
    data = _pointer_data(body)
    if data is None:
        return Decoded(parse_entry(record_id, index, body, receive_count))
    from siu_core.models import QueuePointerMessage
    from siu_core.store import keys, snapshots

    given = data.get("channel")
    channel = given if isinstance(given, str) and re.fullmatch(CHANNEL_NAME_PATTERN, given) else None
    try:
        pointer = QueuePointerMessage.model_validate(data)
    except ValueError as exc:
        return Decoded(Entry(record_id, index, error=f"malformed queue pointer: {reason(exc)}",
                             receive_count=receive_count), channel=channel)
    customer = (keys.customer_key(pointer.channel, pointer.account_id, pointer.customer_id)
                if pointer.account_id and pointer.customer_id else None)
    where = Decoded(Entry(record_id, index, receive_count=receive_count), pointer.channel, pointer.ref,
                    pointer.pointer.key, customer)
    try:
        stored = json.loads(snapshots.get_pointed(pointer.pointer).decode("utf-8"))
    except snapshots.PointerError as exc:
        where.entry.error = str(exc)
        return where
    except ValueError:
        where.entry.error = f"queue pointer {pointer.pointer.key}: the object is not JSON"
        return where
    full = {"schema_version": pointer.schema_version, "event": stored,
            "received_at": pointer.model_dump(mode="json")["received_at"]}
    entry = parse_entry(record_id, index, json.dumps(full, ensure_ascii=True), receive_count)
    return Decoded(entry, pointer.channel, pointer.ref, pointer.pointer.key, customer)


def _decoded(records: list[dict[str, Any]]) -> list[Decoded]:
    out = []
    for index, record in enumerate(records):
        count = int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1) or 1)
        out.append(decode_record(str(record["messageId"]), index, str(record.get("body") or ""), count))
    return out


def event_ref(event: Event) -> str:
    """The channel message id a log line names for an event (or its kind and target)."""
    message_id = getattr(event, "message_id", None)
    if message_id:
        return str(message_id)
    target = getattr(event, "target_message_id", None)
    if target:
        return f"{event.type}:{target}"
    ids = getattr(event, "message_ids", None)
    return f"{event.type}:{','.join(ids[:3])}" if ids else event.type


def reason(exc: BaseException) -> str:
    """An error's message fit for the logs: validation errors name only where they are, never the input."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        where = sorted({".".join(str(p) for p in e["loc"]) or "(root)" for e in exc.errors()})
        return f"{exc.error_count()} validation error(s) at {', '.join(where[:5])}"
    return str(exc)[:REASON_CHARS]


def failure_fields(decoded: Decoded, exc: BaseException) -> dict[str, Any]:
    """What a failed record's log line carries: ids, receive count, the error (no customer text)."""
    entry = decoded.entry
    channel, ref = decoded.channel, decoded.ref
    if entry.message is not None:
        channel, ref = entry.event.channel, event_ref(entry.event)
    fields: dict[str, Any] = {
        "record_id": entry.record_id, "receive_count": entry.receive_count, "channel": channel,
        "channel_message_id": ref, "error": type(exc).__name__, "reason": reason(exc),
    }
    if decoded.pointer_key:
        fields["pointer_key"] = decoded.pointer_key
    return fields


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply a batch of intake events; answer which records failed (``batchItemFailures``)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    records: list[dict[str, Any]] = list(event.get("Records") or [])
    if not records:  # Lambda never sends one; a local poller might
        return {"batchItemFailures": []}
    decoded = {d.entry.record_id: d for d in _decoded(records)}
    batch = Batch([d.entry for d in decoded.values()], services(), now=clock())
    # A pointer that could not be resolved fails like an event of its customer: the customer's other
    # events in the batch wait for the redelivery, so they are still applied in order.
    batch.failed_customers.update(d.customer_key for d in decoded.values()
                                  if d.customer_key and d.entry.message is None)
    batch.prefetch()
    batch.label_all()
    raw_by_id = {str(r["messageId"]): r for r in records}
    log = obs.get_logger(SERVICE)

    def record_handler(record: SQSRecord) -> str:
        found = decoded[record.message_id]
        try:
            return batch.apply(found.entry)
        except Exception as exc:
            fields = failure_fields(found, exc)
            obs.metric("RecordFailures")
            if found.entry.receive_count >= MAX_RECEIVES:
                obs.metric("DlqBound")
                log.error("record goes to the DLQ after this failure", extra=fields)
            else:
                log.warning("record failed; the queue will deliver it again", extra=fields)
            raise

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    ordered = {"Records": [raw_by_id[e.record_id] for e in batch.entries]}
    result: dict[str, Any] = dict(
        process_partial_response(event=ordered, record_handler=record_handler, processor=processor,
                                 context=context)
    )
    return result
