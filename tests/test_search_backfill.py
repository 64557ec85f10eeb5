"""Seeding a deployed index: stored items as stream records, batched under Lambda's payload limit (pure)."""

from __future__ import annotations

import json

import pytest

from siu_core.search import backfill

THREADS = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/siu-threads"
MESSAGES = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/siu-messages"


def test_records_are_inserts_of_their_table_threads_first_messages_by_time() -> None:
    out = list(backfill.records(
        THREADS, [{"thread_id": "t1", "status": "open"}, {"customer_key": "no-thread"}],
        MESSAGES, [{"message_key": "b", "thread_id": "t1", "timestamp": "2026-01-02", "text": "late"},
                   {"message_key": "a", "thread_id": "t1", "timestamp": "2026-01-01", "text": "early"},
                   {"message_key": "stub", "timestamp": "2026-01-03"}]))
    assert [(r["eventSourceARN"].rsplit("/", 3)[-3], r["dynamodb"]["Keys"]) for r in out] == [
        ("siu-threads", {"thread_id": {"S": "t1"}}),
        ("siu-messages", {"message_key": {"S": "a"}}),
        ("siu-messages", {"message_key": {"S": "b"}})]
    assert all(r["eventName"] == "INSERT" and r["eventSourceARN"].endswith("/stream/reindex") for r in out)
    assert out[1]["dynamodb"]["NewImage"]["text"] == {"S": "early"}


@pytest.mark.parametrize(("count", "max_records", "max_bytes", "sizes"), [
    (0, 500, backfill.MAX_BATCH_BYTES, []),
    (3, 500, backfill.MAX_BATCH_BYTES, [3]),
    (5, 2, backfill.MAX_BATCH_BYTES, [2, 2, 1]),
    (4, 500, 800, [2, 2]),  # each record ~340 bytes
    (2, 500, 10, [1, 1]),  # one record over the limit still goes alone, never dropped
])
def test_batches_keep_order_and_stay_under_both_limits(count: int, max_records: int, max_bytes: int,
                                                       sizes: list[int]) -> None:
    recs = [backfill.record(MESSAGES, "message_key", {"message_key": f"m{i}", "thread_id": "t", "text": "x" * 40})
            for i in range(count)]
    got = list(backfill.batches(recs, max_bytes=max_bytes, max_records=max_records))
    assert [len(b) for b in got] == sizes
    assert [r for b in got for r in b] == recs
    for b in got:
        assert len(b) == 1 or len(json.dumps(b, separators=(",", ":"))) <= max_bytes
