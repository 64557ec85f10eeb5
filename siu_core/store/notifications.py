"""Teammates' notifications and their read state, in the composer table (one partition per teammate).

Partition ``notify#<teammate>`` (:func:`siu_core.store.notes.notify_partition`) holds:

- one item per notification, sort key ``<at>#<id>`` (time first: a Query reads newest first), with
  ``kind``, ``thread_id``, ``at``, ``by`` and the kind's own fields (``note_id``, ``due_at``), an
  optional ``read_at``, and ``expires_at`` (the table's TTL, :data:`NOTIFICATION_DAYS` days);
- one state item, sort key :data:`STATE` (``#`` sorts before any timestamp, so reads of
  notifications never meet it): ``read_through`` (everything dated up to it is read) and ``prefs``.

The id (:func:`siu_core.notification_rules.notification_id`) and the date come from the event, so
writing a notification twice writes the same item. Inside an ingest or action transaction the item
rides along unconditionally (the transaction's own guards make it land once); written alone (the SLA
sweep), it is conditional and a second write is a no-op. Writes here do not touch what
:func:`siu_core.store.ddb._written` watches, so the writer moves the inbox's change counter itself
(:func:`siu_core.store.inbox_version.bump`) when a notification landed outside a thread transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from siu_core.notification_rules import Notice, notification_id
from siu_core.store import ddb, keys
from siu_core.store.notes import NOTIFICATION_DAYS, notify_partition
from siu_core.store.saved_replies import table

#: The sort key of a teammate's state item (read-through time, preferences).
STATE = "#state"
#: Unread notifications counted at most (older unread ones are still listed, not counted).
MAX_UNREAD = 500


def sort_key(at: datetime, notice_id: str) -> str:
    """A notification's sort key: its date, then its id."""
    return f"{keys.ts(at)}#{notice_id}"


def item(notice: Notice, at: datetime, **fields: Any) -> dict[str, Any]:
    """A notification as stored."""
    notice_id = notification_id(notice.kind, notice.thread_id, notice.ref)
    stamp = keys.ts(at)
    data = {"pk": notify_partition(notice.teammate), "sk": f"{stamp}#{notice_id}", "kind": notice.kind,
            "thread_id": notice.thread_id, "at": stamp, "by": notice.by,
            "expires_at": int((at + timedelta(days=NOTIFICATION_DAYS)).timestamp())}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def put_op(notice: Notice, at: datetime, *, once: bool = False, **fields: Any) -> ddb.TxItem:
    """The write of one notification (``once``: conditional, for a writer outside a guarded transaction)."""
    return ddb.put_op(table(), item(notice, at, **fields), ddb.Cond.missing("sk") if once else None)


def add_once(notice: Notice, at: datetime, **fields: Any) -> bool:
    """Write a notification unless it exists (True when this call wrote it)."""
    try:
        ddb.run(put_op(notice, at, once=True, **fields))
    except ddb.ConditionFailed:
        return False
    return True


def state(teammate: str) -> dict[str, Any]:
    """The teammate's state item (``read_through``, ``prefs``), empty when never written."""
    return ddb.get(table(), {"pk": notify_partition(teammate), "sk": STATE}) or {}


def page(teammate: str, *, limit: int, before: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of notifications, newest first, and the sort key to continue before (None at the end)."""
    condition, vals = "#p = :p AND #s > :floor", {"p": notify_partition(teammate), "floor": STATE}
    if before:  # BETWEEN includes the cursor itself: read one more and drop it
        condition, vals = "#p = :p AND #s BETWEEN :floor AND :before", {**vals, "before": before}
    items, _ = ddb.query(table(), key_condition=condition, names={"#p": "pk", "#s": "sk"},
                         vals=ddb.values(**vals), forward=False, limit=limit + (2 if before else 1))
    items = [i for i in items if i.get("sk") != before]
    more = len(items) > limit
    items = items[:limit]
    return items, (str(items[-1]["sk"]) if more else None)


def all_of(teammate: str) -> list[dict[str, Any]]:
    """Every notification a teammate holds (their state item aside): what an erasure looks through."""
    return [i for i in ddb.query_all(table(), key_condition="#p = :p", names={"#p": "pk"},
                                     vals=ddb.values(p=notify_partition(teammate))) if i.get("sk") != STATE]


def unread(teammate: str, read_through: str | None) -> list[dict[str, Any]]:
    """Notifications dated after ``read_through`` and not marked read (newest first, at most MAX_UNREAD)."""
    floor = f"{read_through}#~" if read_through else STATE
    found: list[dict[str, Any]] = []
    for entry in ddb.query_all(table(), key_condition="#p = :p AND #s > :floor", names={"#p": "pk", "#s": "sk"},
                               vals=ddb.values(p=notify_partition(teammate), floor=floor), forward=False):
        if not entry.get("read_at"):
            found.append(entry)
        if len(found) >= MAX_UNREAD:
            break
    return found


def mark_read(teammate: str, sort_keys: Iterable[str], at: datetime) -> list[str]:
    """Mark notifications read (those that exist and were unread); the sort keys marked now."""
    marked = []
    for sk in sorted(set(sort_keys)):
        try:
            ddb.run(ddb.update_op(table(), {"pk": notify_partition(teammate), "sk": sk}, set_={"read_at": keys.ts(at)},
                                  condition=ddb.Cond.exists("sk") & ddb.Cond.missing("read_at")))
        except ddb.ConditionFailed:
            continue
        marked.append(sk)
    return marked


def read_through(teammate: str, until: datetime) -> str:
    """Everything dated up to ``until`` is read (never moves back); the read-through time now."""
    stamp = keys.ts(until)
    try:
        ddb.run(ddb.update_op(table(), {"pk": notify_partition(teammate), "sk": STATE}, set_={"read_through": stamp},
                              condition=ddb.Cond.missing("read_through") | ddb.Cond.lt("read_through", stamp)))
    except ddb.ConditionFailed:
        return str(state(teammate).get("read_through") or stamp)
    return stamp


def save_preferences(teammate: str, prefs: Mapping[str, Any]) -> None:
    """Store the teammate's preferences (the state item's other fields stay)."""
    ddb.run(ddb.update_op(table(), {"pk": notify_partition(teammate), "sk": STATE}, set_={"prefs": dict(prefs)}))
