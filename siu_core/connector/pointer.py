"""An event too big for one queue message: stored in the snapshot bucket, the queue carries a pointer.

The SQS extended-client pattern: the event's JSON goes under ``queue/<channel>/<sha256>.json`` and the
queue body is a small :class:`~siu_core.models.QueuePointerMessage` (key, sha256, size) the labeler
resolves. The snapshot store and the S3 client are imported only here, on the first oversized event,
so an ordinary delivery pays nothing for them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.connector import queue
from siu_core.connector.bodies import event_body, event_ids, queue_message
from siu_core.connector.queue import EnqueueError
from siu_core.event_data import utc_text

if TYPE_CHECKING:
    from siu_core.models import QueueMessage

#: A queue body longer than this goes to the snapshot bucket and the queue carries a pointer to it.
#: The 32 KiB below the SQS limit leave room for message attributes and any framing SQS counts.
MAX_INLINE_BYTES = 224 * 1024


def too_big(body: str) -> bool:
    """Whether a queue body must travel as a pointer (cheap for the common short body)."""
    return len(body) > MAX_INLINE_BYTES // 4 and len(body.encode("utf-8")) > MAX_INLINE_BYTES


def pointer_body(channel: str, message: QueueMessage, body: str) -> str:
    """Store one oversized event in the snapshot bucket; the queue body that points at it."""
    from siu_core.models import QueuePointerMessage
    from siu_core.store import snapshots  # only here: most deliveries never need S3

    data = json.dumps(json.loads(body)["event"], ensure_ascii=True, separators=(",", ":")).encode("ascii")
    ref = event_ids([message.event])[0][:512]
    try:
        pointer = snapshots.put_pointed(channel, data)
    except Exception as exc:
        raise EnqueueError(f"an event too big for the queue could not be stored ({type(exc).__name__})") from exc
    obs.metric("QueuePointers", channel=channel)
    obs.get_logger("connector").info(
        "event too big for one queue message: stored, the queue carries a pointer",
        channel=channel, message_id=ref, size=len(data), key=pointer.key)
    customer = getattr(message.event, "customer", None)
    return QueuePointerMessage(
        channel=channel, ref=ref, pointer=pointer, received_at=message.received_at,
        account_id=message.event.account_id, customer_id=customer.id if customer is not None else None,
    ).model_dump_json(exclude_none=True)


def queue_bodies(channel: str, events: Sequence[Any], received_at: datetime) -> list[str]:
    """One queue body per event: the event itself when it fits, else a pointer to its stored copy."""
    stamp = utc_text(received_at)
    bodies = [event_body(e, received_at, stamp) for e in events]
    big = [i for i, body in enumerate(bodies) if too_big(body)]
    if len(big) == 1:  # stored on this thread: no pool for the usual single oversized event
        i = big[0]
        bodies[i] = pointer_body(channel, queue_message(events[i], received_at), bodies[i])
    elif big:
        stored = [queue.pool().submit(pointer_body, channel, queue_message(events[i], received_at),
                                      bodies[i]) for i in big]
        for i, done in zip(big, stored, strict=True):
            bodies[i] = done.result()
    return bodies
