"""Seeding a deployed index: stored items as the stream records the Indexer function already applies.

A stack whose tables held messages before their streams were read has an index that only knows
later changes. ``siu search reindex --function NAME`` reads the tables (tooling, never a runtime
path) and invokes the Indexer with these records: the one writer stays the one writer, and the
records are the same idempotent upserts a retried stream batch is. Pure: no AWS call here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from siu_core.store import ddb

#: Well under Lambda's 6 MB synchronous payload, with room for the JSON envelope.
MAX_BATCH_BYTES = 4_000_000
#: Records per Indexer invocation (one index transaction each).
MAX_BATCH_RECORDS = 500
#: The pseudo stream label of seeded records (the Indexer reads only the table name from the ARN).
STREAM_LABEL = "reindex"


def record(table_arn: str, key: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """One stored item as a stream INSERT record of its table."""
    return {"eventName": "INSERT", "eventSource": "aws:dynamodb",
            "eventSourceARN": f"{table_arn}/stream/{STREAM_LABEL}",
            "dynamodb": {"Keys": ddb.item({key: item[key]}), "NewImage": ddb.item(item),
                         "StreamViewType": "NEW_IMAGE"}}


def records(threads_arn: str, threads: Iterable[Mapping[str, Any]], messages_arn: str,
            messages: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Threads first, then messages by time (the index's "newest first" follows arrival order)."""
    for thread in threads:
        if thread.get("thread_id"):
            yield record(threads_arn, "thread_id", thread)
    ordered = sorted((m for m in messages if m.get("thread_id") and m.get("message_key")),
                     key=lambda m: (str(m.get("timestamp") or ""), str(m["message_key"])))
    for message in ordered:
        yield record(messages_arn, "message_key", message)


def batches(stream: Iterable[dict[str, Any]], *, max_bytes: int = MAX_BATCH_BYTES,
            max_records: int = MAX_BATCH_RECORDS) -> Iterator[list[dict[str, Any]]]:
    """Group records into Indexer invocations under the payload and size limits (order kept)."""
    import json

    batch: list[dict[str, Any]] = []
    size = 0
    for rec in stream:
        length = len(json.dumps(rec, separators=(",", ":"), default=str))
        if batch and (size + length > max_bytes or len(batch) >= max_records):
            yield batch
            batch, size = [], 0
        batch.append(rec)
        size += length + 1
    if batch:
        yield batch
