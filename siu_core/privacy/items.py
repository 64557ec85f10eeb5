"""Deleting planned DynamoDB items: batched where unconditional, one by one where guarded.

Every delete is idempotent (deleting an item that is gone succeeds), so a run interrupted at any
point and started again ends in the same state.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from siu_core.aws import clients
from siu_core.errors import SiuError
from siu_core.privacy.plan import Delete, Release
from siu_core.store import ddb, loadcount

#: DynamoDB BatchWriteItem takes at most 25 requests.
BATCH = 25
MAX_ROUNDS = 8


def _batch(deletes: Sequence[Delete]) -> None:
    client = clients.dynamodb()
    for start in range(0, len(deletes), BATCH):
        request: dict[str, list[dict[str, Any]]] = {}
        for d in deletes[start:start + BATCH]:
            key = {k: ddb.to_ddb(v) for k, v in d.key.items()}
            request.setdefault(d.table, []).append({"DeleteRequest": {"Key": key}})
        for attempt in range(MAX_ROUNDS):
            left = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            if not left:
                break
            request = left
            time.sleep(min(1.0, 0.02 * 2 ** (attempt + 1)) * random.random())
        else:
            raise SiuError("DynamoDB kept returning unprocessed deletes (throttled); run the command again to finish")


def _guarded(delete: Delete) -> None:
    assert delete.only_if is not None
    attr, value = delete.only_if
    client = clients.dynamodb()
    # Gone already, or now another message's: not this person's to delete.
    with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
        client.delete_item(TableName=delete.table, Key={k: ddb.to_ddb(v) for k, v in delete.key.items()},
                           ConditionExpression="#a = :v", ExpressionAttributeNames={"#a": attr},
                           ExpressionAttributeValues={":v": ddb.to_ddb(value)})


def delete(deletes: Iterable[Delete]) -> None:
    """Delete the items (unique keys; guarded ones only while their condition holds)."""
    plain: list[Delete] = []
    seen: set[tuple[str, str]] = set()
    for d in deletes:
        marker = (d.table, repr(sorted(d.key.items())))
        if marker in seen:
            continue
        seen.add(marker)
        if d.only_if is None:
            plain.append(d)
        else:
            _guarded(d)
    _batch(plain)


def release(releases: Iterable[Release], assignments_table: str) -> None:
    """End each open assignment together with its teammate's counter (skipped if it changed meanwhile)."""
    for r in releases:
        ops = [
            ddb.delete_op(assignments_table, {"thread_id": r.thread_id, "seq": r.seq},
                          ddb.Cond.eq("status", "open") & ddb.Cond.eq("assignee", r.assignee)),
            loadcount.decrement_op(r.assignee),
        ]
        try:
            ddb.transact(ops)
        except ddb.TransactionConflict:
            continue  # closed or moved meanwhile: that change adjusted the counter itself
