"""A teammate's relabel request: the labeler's fresh labels replace the thread's, audited, in one transaction.

Unlike a correction (:mod:`siu_core.store.corrections`: a teammate's own judgment, kept for the
taxonomy review), a relabel is the labeler's answer, so it is audited as ``relabeled`` on the
thread only. The transaction is conditional on the labels the caller read, so a concurrent
correction or relabel is never overwritten: the caller re-reads and decides again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core.store import audit, customers, ddb, keys, threads

if TYPE_CHECKING:
    from siu_core.models import Labels

ACTION = "relabeled"
MAX_ATTEMPTS = 5
#: The thread's label fields a relabel sets (the summary is for teammates, never a customer).
FIELDS = ("topic", "urgency", "language", "summary", "labeler", "fallback")
#: What the audit row keeps of them: never the summary (it paraphrases the customer's words).
AUDITED = ("topic", "urgency", "language", "labeler")


def _same(attr: str, value: Any) -> ddb.Cond:
    return ddb.Cond.missing(attr) if value is None else ddb.Cond.eq(attr, value)


def current(thread: Mapping[str, Any]) -> dict[str, Any]:
    """The thread's label fields as stored."""
    return {name: thread.get(name) for name in FIELDS}


def apply(thread_id: str, labels: Labels, *, by: str, at: datetime) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Give the thread these labels; (before, after) as audited, or None when nothing changes.

    Raises :class:`siu_core.store.lifecycle.ThreadNotFound` for an unknown thread and
    :class:`siu_core.store.lifecycle.StateConflict` when the labels keep changing under it.
    """
    from siu_core.store.lifecycle import StateConflict, ThreadNotFound

    after = {name: getattr(labels, name) for name in FIELDS}
    last: ddb.TransactionConflict | None = None
    for _ in range(MAX_ATTEMPTS):
        thread = threads.get(thread_id)
        if thread is None:
            raise ThreadNotFound(thread_id)
        before = current(thread)
        if before == after:
            return None
        when = keys.ts(at)
        guard = ddb.Cond.exists("thread_id")
        for name in ("topic", "urgency", "labeler"):
            guard = guard & _same(name, before[name])
        ops = [ddb.update_op(threads.table(), threads.key(thread_id),
                             set_={**after, "relabeled_at": when, "relabeled_by": by}, condition=guard)]
        head = customers.get(str(thread["customer_key"])) if thread.get("customer_key") else None
        if head is not None and head.thread_id == thread_id:
            ops.append(customers.put_op(head.evolve(topic=labels.topic, urgency=labels.urgency), head.version))
        audited_before = {k: before[k] for k in AUDITED}
        audited_after = {k: after[k] for k in AUDITED}
        ops.append(audit.row_op(thread_id, ACTION, by=by, at=at, ref=keys.short_hash(f"{when}{audited_after}", 12),
                                before=audited_before, after=audited_after))
        try:
            ddb.transact(ops)
        except ddb.TransactionConflict as exc:
            last = exc
            continue
        return audited_before, audited_after
    assert last is not None
    raise StateConflict(last.failed, last.codes, last.old) from last
