"""The job item of a resumable export: which export, how far it got, what it counted so far.

Kept beside the erasure's job in the composer table, under ``export#<hash of the id>`` / ``job`` (the
key names nobody), with ``expires_at`` 7 days after the export started (the bucket keeps exports as
long: the ``exports-expire`` rule), so DynamoDB's TTL drops it with them. It holds ``export_id``,
``by``, ``started_at``, ``state`` (``in_progress`` or ``done``), ``step`` (parts recorded), ``parts``
(their names, in order), ``cursor`` (:mod:`siu_core.privacy.export_cursor`), ``threads`` (the thread
ids the opening found), ``counts`` and, when done, ``finished_at``.

Every step moves the job forward with one update conditioned on the step it read, so two calls
racing on the same export never both record a step, and a step retried after a crash (its part
written, its progress not) is recorded once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from siu_core.aws.names import ResourceNames
from siu_core.privacy import retention
from siu_core.privacy.export_cursor import Cursor
from siu_core.store import ddb, keys

IN_PROGRESS, DONE = "in_progress", "done"


def job_key(customer_id: str) -> ddb.Key:
    """The job item of a person's export: keyed by a hash, so the key itself names nobody."""
    return {"pk": f"export#{keys.short_hash(customer_id)}", "sk": "job"}


def load(names: ResourceNames, customer_id: str, now: datetime) -> dict[str, Any] | None:
    """The person's export job, unless its week is over (TTL deletion lags: the time is compared too)."""
    found = ddb.get(names.composer, job_key(customer_id))
    return None if found is None or retention.item_expired(found, now) else found


def begin(names: ResourceNames, customer_id: str, *, by: str, at: datetime,
          fresh: bool = False) -> tuple[dict[str, Any], bool]:
    """The job to go on with (resumed: True), or a new one (a first export, an expired one, or ``fresh``)."""
    key = job_key(customer_id)
    stored = ddb.get(names.composer, key)
    if stored is not None and not fresh and not retention.item_expired(stored, at):
        return stored, True
    job = {**key, "export_id": f"ex_{uuid.uuid4().hex[:20]}", "by": by, "started_at": keys.ts(at),
           "expires_at": retention.expires_at(at, retention.EXPORTS_DAYS), "state": IN_PROGRESS, "step": 0,
           "parts": [], "cursor": Cursor().as_item(), "threads": [], "counts": {}}
    replaces = (ddb.Cond.missing("pk") if stored is None
                else ddb.Cond.eq("export_id", str(stored["export_id"])))
    try:
        ddb.run(ddb.put_op(names.composer, job, replaces))
    except ddb.ConditionFailed:
        return ddb.get(names.composer, key) or job, True  # a concurrent call started one first
    return job, False


def advance(names: ResourceNames, customer_id: str, job: Mapping[str, Any], *, cursor: Cursor,
            counts: Mapping[str, int], part: str | None = None, threads: Sequence[str] | None = None) -> dict[str, Any]:
    """Record one step (its part, the next cursor, the counts so far); ConditionFailed if another call did."""
    changes: dict[str, Any] = {"step": int(job["step"]) + 1, "cursor": cursor.as_item(), "counts": dict(counts)}
    if threads is not None:
        changes["threads"] = list(threads)
    updated = ddb.run(ddb.update_op(
        names.composer, job_key(customer_id), set_=changes, append={"parts": [part]} if part else None,
        condition=ddb.Cond.eq("export_id", str(job["export_id"])) & ddb.Cond.eq("step", int(job["step"]))
        & ddb.Cond.eq("state", IN_PROGRESS)))
    assert updated is not None
    return updated


def finish_op(names: ResourceNames, customer_id: str, job: Mapping[str, Any], *, counts: Mapping[str, int],
              at: datetime) -> ddb.TxItem:
    """The update that marks the job done (for the transaction that writes the export's audit row)."""
    return ddb.update_op(
        names.composer, job_key(customer_id),
        set_={"state": DONE, "finished_at": keys.ts(at), "counts": dict(counts), "cursor": None},
        condition=ddb.Cond.eq("export_id", str(job["export_id"])) & ddb.Cond.eq("state", IN_PROGRESS))


def forget(names: ResourceNames, customer_id: str) -> None:
    """Drop the person's export job (erasure: the exports it points to are deleted with it)."""
    from siu_core.aws import clients

    clients.dynamodb().delete_item(TableName=names.composer,
                                   Key={k: ddb.to_ddb(v) for k, v in job_key(customer_id).items()})
