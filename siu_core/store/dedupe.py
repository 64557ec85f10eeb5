"""The dedupe table: content fingerprints -> the thread and message that first carried the content.

A fingerprint counts as seen until ``window_ends`` (first sighting + the dedupe window), compared on
the *event's* timestamp so a redelivery days later decides exactly as the first delivery did.
``expires_at`` (epoch seconds) is the table's TTL, set a day past the window: DynamoDB deletes lazily
(and moto never does), so readers never rely on deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from siu_core.aws.names import resource_names
from siu_core.store import ddb, keys

TTL_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Fingerprint:
    """A stored fingerprint."""

    fingerprint: str
    thread_id: str
    message_key: str
    first_seen: str
    window_ends: str
    expires_at: int

    def live_at(self, when: datetime) -> bool:
        """Whether a message at ``when`` still falls inside this fingerprint's window."""
        return keys.ts(when) < self.window_ends


def table() -> str:
    """The table's physical name."""
    return resource_names().dedupe


def key(fingerprint: str) -> ddb.Key:
    """The item key of a fingerprint."""
    return {"fingerprint": fingerprint}


def from_item(data: dict[str, Any] | None) -> Fingerprint | None:
    """A fingerprint from a stored item."""
    if data is None:
        return None
    return Fingerprint(**{k: data[k] for k in Fingerprint.__dataclass_fields__})


def get(fingerprint: str) -> Fingerprint | None:
    """The stored fingerprint, strongly consistent (expired ones included: check ``live_at``)."""
    return from_item(ddb.get(table(), key(fingerprint)))


def claim_op(fingerprint: str, *, thread_id: str, message_key: str, seen: datetime,
             window: timedelta) -> ddb.TxItem:
    """Record the first sighting; fails while another message owns a live entry for this content."""
    ends = seen + window
    data = {
        "fingerprint": fingerprint,
        "thread_id": thread_id,
        "message_key": message_key,
        "first_seen": keys.ts(seen),
        "window_ends": keys.ts(ends),
        "expires_at": int((ends + TTL_MARGIN).timestamp()),
    }
    condition = (
        ddb.Cond.missing("fingerprint")
        | ddb.Cond.le("window_ends", keys.ts(seen))
        | ddb.Cond.eq("message_key", message_key)
    )
    return ddb.put_op(table(), data, condition)
