"""The messages table: every message of every thread, keyed by the platform's own message id.

That key is the exactly-once guard: creating a message is conditional on it not being stored yet, so
a redelivered event changes nothing. Annotations (reactions, unsend, edits, delivery status) update
the target in place and move only forward (by event time, or by status rank), and may arrive
before their message: they then leave a stub (no ``thread_id``) that the message's creation fills in.
Listing a thread goes through the ``by-thread`` index in platform-time order, page by page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from siu_core.aws.names import MESSAGES_BY_THREAD, resource_names
from siu_core.models import STATUS_RANK
from siu_core.store import ddb, keys


def table() -> str:
    """The table's physical name."""
    return resource_names().messages


def key(message_key: str) -> ddb.Key:
    """The item key of a message."""
    return {"message_key": message_key}


def get(message_key: str) -> dict[str, Any] | None:
    """A message (or an annotation stub), strongly consistent."""
    return ddb.get(table(), key(message_key))


def is_stored(data: Mapping[str, Any] | None) -> bool:
    """Whether an item is a real message (a stub holds only annotations that came first)."""
    return bool(data) and "thread_id" in data  # type: ignore[operator]


def create_op(data: Mapping[str, Any], *, text: str | None) -> ddb.TxItem:
    """Store a message unless it is stored already; annotations of an earlier stub are kept.

    ``text`` is only set when no edit got there first (an edit that arrived before its message wins).
    """
    fields = {k: v for k, v in data.items() if k not in ("message_key", "text") and v is not None}
    return ddb.update_op(
        table(), key(str(data["message_key"])),
        set_=fields,
        set_if_missing={"text": text} if text is not None else None,
        condition=ddb.Cond.missing("thread_id"),
    )


def put_outbound_op(data: Mapping[str, Any]) -> ddb.TxItem:
    """Store a reply siu sent (by the platform's message id); an echo or status that came first stays.

    For the inbox API: status fields already recorded by an early status event are not overwritten.
    """
    fields = {k: v for k, v in data.items() if k not in ("message_key", "status", "status_rank", "status_at")}
    set_if_missing = {k: data[k] for k in ("status", "status_rank", "status_at") if data.get(k) is not None}
    return ddb.update_op(table(), key(str(data["message_key"])), set_=fields, set_if_missing=set_if_missing)


def reaction_op(message_key: str, *, by: str, emoji: str | None, removed: bool, at: datetime) -> ddb.TxItem:
    """Set (or clear) one side's reaction, unless a later reaction of that side is recorded."""
    attr = f"reaction_{by}"
    when = keys.ts(at)
    value = {"emoji": emoji, "at": when, "removed": removed}
    return ddb.update_op(
        table(), key(message_key), set_={attr: value},
        condition=ddb.Cond.missing(attr) | ddb.Cond.lt(f"{attr}.at", when),
    )


def unsend_op(message_key: str, *, at: datetime) -> ddb.TxItem:
    """Mark a message deleted by the customer and drop its text and earlier versions (the thread shows it deleted)."""
    return ddb.update_op(
        table(), key(message_key),
        set_={"deleted": True, "deleted_at": keys.ts(at)},
        remove=("text", "edits"),
        condition=ddb.Cond.missing("deleted"),
    )


def edit_op(message_key: str, *, text: str, at: datetime, previous: str | None = None) -> ddb.TxItem:
    """Replace a message's text with the customer's edit, unless a later edit is recorded.

    ``previous`` is the text the edit replaces, as read: it is kept in the message's ``edits`` history
    (``{"text", "until"}``, oldest first) so the thread can show what the customer first wrote, and the
    update holds only while the stored text is still that one (a concurrent edit makes it retry).
    """
    when = keys.ts(at)
    condition = (ddb.Cond.missing("edited_at") | ddb.Cond.lt("edited_at", when)) & ddb.Cond.missing("deleted")
    if previous is None:
        return ddb.update_op(table(), key(message_key), set_={"text": text, "edited_at": when}, condition=condition)
    return ddb.update_op(
        table(), key(message_key), set_={"text": text, "edited_at": when},
        append={"edits": [{"text": previous, "until": when}]},
        condition=condition & ddb.Cond.eq("text", previous),
    )


def status_op(message_key: str, *, status: str, at: datetime, error: Mapping[str, Any] | None) -> ddb.TxItem:
    """Move an outbound message's delivery status forward by rank (``failed`` is final, with its error)."""
    rank = STATUS_RANK[status]
    return ddb.update_op(
        table(), key(message_key),
        set_={"status": status, "status_rank": rank, "status_at": keys.ts(at),
              "status_error": dict(error) if error else None},
        condition=ddb.Cond.missing("status_rank") | ddb.Cond.lt("status_rank", rank),
    )


def list_thread(thread_id: str, *, page_size: int = 500) -> Iterator[dict[str, Any]]:
    """Every message of a thread in order, fetched page by page (any thread length)."""
    yield from ddb.query_all(
        table(),
        index=MESSAGES_BY_THREAD,
        key_condition="#t = :t",
        names={"#t": "thread_id"},
        vals=ddb.values(t=thread_id),
        limit=page_size,
    )


def page(thread_id: str, *, limit: int = 50, start: ddb.Key | None = None,
         newest_first: bool = True) -> tuple[list[dict[str, Any]], ddb.Key | None]:
    """One page of a thread (what the inbox renders), with the key to fetch the next page."""
    return ddb.query(
        table(),
        index=MESSAGES_BY_THREAD,
        key_condition="#t = :t",
        names={"#t": "thread_id"},
        vals=ddb.values(t=thread_id),
        forward=not newest_first,
        limit=limit,
        start=start,
    )
