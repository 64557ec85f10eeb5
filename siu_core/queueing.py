"""Which FIFO message group and deduplication id an intake event travels with. Pure: no I/O.

The intake queue is FIFO (infra/template.yaml). Its message group is the customer conversation
(channel + business account + customer: the labeler's ``customer_key``), so one customer's events
reach one labeler at a time and in order, while different customers are processed in parallel. Its
deduplication id is the event's identity (the channel's message id for a message; the event's own
content, without the time it was received, for the rest), so a webhook the platform retries within
SQS's 5-minute window is enqueued once. Both are sha256 hex digests: SQS allows 128 characters from
a fixed alphabet, and platform ids may hold anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

#: The group of an event that names no customer (an account-level platform error): the account's own.
NO_CUSTOMER = "(account)"


@dataclass(frozen=True)
class QueueIds:
    """The FIFO attributes of one queue message."""

    group: str
    dedup: str

    def entry(self) -> dict[str, str]:
        """The SendMessage(Batch) parameters these ids become."""
        return {"MessageGroupId": self.group, "MessageDeduplicationId": self.dedup}


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _field(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, dict) else getattr(event, name, None)


def group_id(event: Any) -> str:
    """The message group: one per customer conversation (per account when no customer is named)."""
    channel = str(_field(event, "channel") or "")
    account = str(_field(event, "account_id") or "")
    customer = _field(event, "customer")
    customer_id = _field(customer, "id") if customer is not None else None
    return _digest(channel, account, str(customer_id) if customer_id else NO_CUSTOMER)


def dedup_id(event: Any) -> str:
    """The deduplication id: the channel's message id for a message, else the event's own content."""
    kind = str(_field(event, "type") or "")
    message_id = _field(event, "message_id")
    if message_id and kind in ("message", "echo"):
        return _digest(kind, str(_field(event, "channel") or ""), str(_field(event, "account_id") or ""),
                       str(message_id))
    dump = getattr(event, "model_dump", None)
    data = dump(mode="json", exclude_none=True) if callable(dump) else event
    return _digest("event", json.dumps(data, sort_keys=True, separators=(",", ":"), default=str))


def queue_ids(event: Any) -> QueueIds:
    """Both FIFO attributes of one event."""
    return QueueIds(group_id(event), dedup_id(event))
