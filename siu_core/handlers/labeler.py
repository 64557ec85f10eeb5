"""The labeler Lambda: an SQS batch of intake events in, a partial batch response out.

Thin shell: parse and order the batch, then let :mod:`siu_core.pipeline.ingest` apply each event
exactly once (dedupe, fingerprint, thread, label, route, reopen, snapshot, audit). Powertools'
``BatchProcessor`` reports the records that failed so only those are redelivered. Config, labeler,
channel plugins and secrets are loaded once per cold start, on the first invocation, never at import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from siu_core import obs
from siu_core.pipeline.ingest import SERVICE, Batch, Entry, Services, parse_entry

#: The queue's maxReceiveCount (infra/template.yaml): a record failing its 5th receive goes to the DLQ.
MAX_RECEIVES = 5

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


def _entries(records: list[dict[str, Any]]) -> list[Entry]:
    out = []
    for index, record in enumerate(records):
        count = int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1) or 1)
        out.append(parse_entry(str(record["messageId"]), index, str(record.get("body") or ""), count))
    return out


@obs.instrument(SERVICE)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply a batch of intake events; answer which records failed (``batchItemFailures``)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    records: list[dict[str, Any]] = list(event.get("Records") or [])
    if not records:  # Lambda never sends one; a local poller might
        return {"batchItemFailures": []}
    batch = Batch(_entries(records), services(), now=clock())
    batch.prefetch()
    batch.label_all()
    by_id = {e.record_id: e for e in batch.entries}
    raw_by_id = {str(r["messageId"]): r for r in records}
    log = obs.get_logger(SERVICE)

    def record_handler(record: SQSRecord) -> str:
        entry = by_id[record.message_id]
        try:
            return batch.apply(entry)
        except Exception as exc:
            if entry.receive_count >= MAX_RECEIVES:
                obs.metric("DlqBound")
                log.error("record goes to the DLQ after this failure",
                          extra={"record_id": entry.record_id, "error": type(exc).__name__})
            raise

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    ordered = {"Records": [raw_by_id[e.record_id] for e in batch.entries]}
    result: dict[str, Any] = dict(
        process_partial_response(event=ordered, record_handler=record_handler, processor=processor,
                                 context=context)
    )
    return result
