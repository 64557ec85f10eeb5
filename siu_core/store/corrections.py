"""Label corrections: a teammate fixes the labeler's topic or urgency; kept for the taxonomy review.

One transaction per correction: the thread's labels (its first labels are kept once as
``original_labels``), the customer head's copy, an audit row on the thread (``labels_corrected``)
and a row in the audit table's ``label-corrections`` scope, which :func:`since` queries by time, so
``siu taxonomy review --since D`` reads only corrections, never scans threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from siu_core.store import audit, customers, ddb, keys, threads

SCOPE = "label-corrections"
ACTION = "labels_corrected"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Correction:
    """One correction as the taxonomy review reads it."""

    thread_id: str
    at: str
    by: str
    before: dict[str, Any]
    after: dict[str, Any]
    original: dict[str, Any]


def _labels(thread: Mapping[str, Any]) -> dict[str, Any]:
    return {"topic": thread.get("topic"), "urgency": thread.get("urgency")}


def _same(attr: str, value: Any) -> ddb.Cond:
    return ddb.Cond.missing(attr) if value is None else ddb.Cond.eq(attr, value)


def _review_row(thread_id: str, *, by: str, at: datetime, before: Mapping[str, Any], after: Mapping[str, Any],
                original: Mapping[str, Any]) -> ddb.TxItem:
    """The review's copy of a correction: an audit-table row in the corrections scope, sorted by time."""
    when = keys.ts(at)
    return ddb.put_op(audit.table(), {
        "thread_id": SCOPE, "ts": f"{when}#{ACTION}#{thread_id}#{keys.short_hash(repr(sorted(after.items())), 8)}",
        "action": ACTION, "by": by, "at": when,
        "ref": thread_id, "before": dict(before), "after": dict(after), "original": dict(original),
    })


def correct_labels(thread_id: str, *, topic: str | None, urgency: str | None, by: str,
                   at: datetime) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Apply a correction; (before, after) labels, or None when it changes nothing.

    Raises :class:`siu_core.store.lifecycle.ThreadNotFound` for an unknown thread.
    """
    from siu_core.store.lifecycle import StateConflict, ThreadNotFound

    last: ddb.TransactionConflict | None = None
    for _ in range(MAX_ATTEMPTS):
        thread = threads.get(thread_id)
        if thread is None:
            raise ThreadNotFound(thread_id)
        before = _labels(thread)
        after = dict(before)
        if topic is not None:
            after["topic"] = topic
        if urgency is not None:
            after["urgency"] = urgency
        if after == before:
            return None
        original = dict(thread.get("original_labels") or {**before, "labeler": thread.get("labeler")})
        when = keys.ts(at)
        changes = {k: v for k, v in after.items() if v != before[k]}
        thread_op = ddb.update_op(
            threads.table(), threads.key(thread_id),
            set_={**changes, "labels_corrected_at": when, "labels_corrected_by": by},
            set_if_missing={"original_labels": original},
            condition=(ddb.Cond.exists("thread_id") & _same("topic", before["topic"])
                       & _same("urgency", before["urgency"])),
        )
        ops = [thread_op]
        head = customers.get(str(thread["customer_key"])) if thread.get("customer_key") else None
        if head is not None and head.thread_id == thread_id:
            ops.append(customers.put_op(head.evolve(**changes), head.version))
        ops.append(audit.row_op(thread_id, ACTION, by=by, at=at, ref=keys.short_hash(f"{when}{after}", 12),
                                before=before, after=after))
        ops.append(_review_row(thread_id, by=by, at=at, before=before, after=after, original=original))
        try:
            ddb.transact(ops)
        except ddb.TransactionConflict as exc:
            last = exc
            continue
        return before, after
    assert last is not None
    raise StateConflict(last.failed, last.codes, last.old) from last


def since(when: datetime, *, limit: int | None = None) -> list[Correction]:
    """Corrections made at or after ``when``, oldest first."""
    out: list[Correction] = []
    for row in ddb.query_all(audit.table(), key_condition="#t = :t AND #s >= :s",
                             names={"#t": "thread_id", "#s": "ts"}, vals=ddb.values(t=SCOPE, s=keys.ts(when))):
        out.append(Correction(thread_id=str(row.get("ref")), at=str(row.get("at")), by=str(row.get("by")),
                              before=dict(row.get("before") or {}), after=dict(row.get("after") or {}),
                              original=dict(row.get("original") or {})))
        if limit is not None and len(out) >= limit:
            break
    return out
