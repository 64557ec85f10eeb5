"""Deterministic keys: the same event always maps to the same items, which is what makes retries safe.

Pure functions, no I/O. Timestamps are stored as fixed-width UTC strings so they sort as text.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

SEP = "#"
#: Assignee value of an assignment row that waits in a team's unassigned queue.
QUEUE_PREFIX = "queue#"


def ts(value: datetime) -> str:
    """A timestamp as fixed-width UTC text (microseconds, ``Z``): lexical order equals time order."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str) -> datetime:
    """The inverse of :func:`ts` (accepts any RFC 3339 UTC text)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def customer_key(channel: str, account_id: str, customer_id: str) -> str:
    """One customer's conversation with one business account on one channel."""
    return SEP.join((channel, account_id, customer_id))


def message_key(channel: str, account_id: str, message_id: str) -> str:
    """A message by the platform's own id (redeliveries carry the same id)."""
    return SEP.join((channel, account_id, message_id))


def thread_id(customer: str, seq: int) -> str:
    """The ``seq``-th thread of a customer: deterministic, so a retried creation hits the same item."""
    digest = hashlib.sha256(f"{customer}{SEP}{seq}".encode()).hexdigest()[:20]
    return f"th_{digest}_{seq}"


def sort_key(timestamp: datetime, message_id: str) -> str:
    """A message's place in its thread: platform time, then id for messages of the same instant."""
    return f"{ts(timestamp)}{SEP}{message_id}"


def queue_assignee(team: str) -> str:
    """The pseudo-assignee of a team's unassigned queue (never a roster id: it holds a ``#``)."""
    return f"{QUEUE_PREFIX}{team}"


def is_queue(assignee: str | None) -> bool:
    """Whether an assignee value is a team's unassigned queue rather than a teammate."""
    return bool(assignee) and str(assignee).startswith(QUEUE_PREFIX)


def short_hash(text: str, length: int = 32) -> str:
    """A stable, filesystem- and key-safe name for arbitrary text (platform ids, event bodies)."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]
