"""Internal notes and the notifications they raise, in the composer table; one transaction per note.

A note (``note#<thread>`` / note id) never goes to a platform. Adding one writes, atomically: the
note, its audit row, the mentioned teammates added to the thread's ``mentioned`` set (which lets them
read it) and its note count, and one notification per mentioned teammate (``notify#<teammate>`` / ``<at>#<note id>``,
kept :data:`NOTIFICATION_DAYS` days). The note id comes from the request's idempotency key, so a
retried request finds its note instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from siu_core.store import audit, ddb, keys, threads
from siu_core.store.saved_replies import table

#: How long a notification is kept (the table's TTL deletes it afterwards).
NOTIFICATION_DAYS = 90


class ThreadGone(Exception):
    """The thread does not exist (any more)."""


class AlreadyAdded(Exception):
    """A note with this id exists: the request was a retry."""


def note_partition(thread_id: str) -> str:
    """The partition of a thread's notes."""
    return f"note#{thread_id}"


def notify_partition(teammate: str) -> str:
    """The partition of a teammate's notifications."""
    return f"notify#{teammate}"


def get(thread_id: str, note_id: str) -> dict[str, Any] | None:
    """One note, or None."""
    return ddb.get(table(), {"pk": note_partition(thread_id), "sk": note_id})


def for_thread(thread_id: str) -> list[dict[str, Any]]:
    """Every note of a thread, oldest first."""
    items = ddb.query_all(table(), key_condition="#p = :p", names={"#p": "pk"},
                          vals=ddb.values(p=note_partition(thread_id)))
    return sorted(items, key=lambda n: (str(n.get("at")), str(n.get("sk"))))


def _thread_op(thread_id: str, teammates: Sequence[str]) -> ddb.TxItem:
    """The thread counts the note and (with mentions) lets the mentioned teammates read it."""
    expr = ddb.Expr()
    adds = [f"{expr.name('note_count')} :one"]
    values: dict[str, Any] = {":one": ddb.to_ddb(1)}
    if teammates:
        adds.append(f"{expr.name('mentioned')} :who")
        values[":who"] = {"SS": sorted(set(teammates))}
    body: dict[str, Any] = {
        "TableName": threads.table(),
        "Key": {k: ddb.to_ddb(v) for k, v in threads.key(thread_id).items()},
        "UpdateExpression": "ADD " + ", ".join(adds),
        "ConditionExpression": f"attribute_exists({expr.name('thread_id')})",
        "ExpressionAttributeNames": expr.names,
        "ExpressionAttributeValues": values,
    }
    return {"Update": body}


def add(thread_id: str, note_id: str, text: str, mentions: Sequence[str], *, by: str, author: str,
        at: datetime) -> dict[str, Any]:
    """Store a note with its audit row, grants and notifications; AlreadyAdded on a retry, ThreadGone."""
    stamp = keys.ts(at)
    note = {"pk": note_partition(thread_id), "sk": note_id, "thread_id": thread_id, "text": text, "by": author,
            "at": stamp, "mentions": list(mentions)}
    expires = int((at + timedelta(days=NOTIFICATION_DAYS)).timestamp())
    ops = [
        ddb.put_op(table(), note, ddb.Cond.missing("sk")),
        audit.row_op(thread_id, "note_added", by=by, at=at, ref=note_id,
                     after={"note_id": note_id, "mentions": list(mentions), "chars": len(text)}),
        _thread_op(thread_id, mentions),
    ]
    ops += [ddb.put_op(table(), {"pk": notify_partition(who), "sk": f"{stamp}#{note_id}", "kind": "mention",
                                 "thread_id": thread_id, "note_id": note_id, "by": author, "at": stamp,
                                 "expires_at": expires})
            for who in mentions]
    try:
        ddb.transact(ops)
    except ddb.TransactionConflict as exc:
        if 0 in exc.failed:
            raise AlreadyAdded(note_id) from None
        raise ThreadGone(thread_id) from None
    return note
