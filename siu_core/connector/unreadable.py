"""Items a plugin could not read inside a readable webhook: kept raw, logged, counted, never queued.

A batched POST with one bad item must still answer 200 (a non-200 makes the platform resend the
whole batch for days), so a plugin returns an :class:`~siu_core.models.Unreadable` in the item's
place and the connector sets it aside here before queueing the rest: the raw item goes to the
snapshot bucket (``queue/<channel>/unreadable/<sha256>.json``, content-addressed, so a redelivery
writes nothing new), a warning names where it was and why (never its content) and the
``UnreadableItems`` metric counts it. The snapshot store (and the models) are imported only when there is
one: a delivery of event mappings (contract 1.4) has nothing to set aside.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.connector.queue import EnqueueError
from siu_core.event_data import utc_text

if TYPE_CHECKING:
    from siu_core.models import Event


def set_aside_unreadable(channel: str, found: Sequence[Any], received_at: datetime) -> list[Event]:
    """The events to queue; every :class:`Unreadable` among them is stored raw, logged and counted first."""
    if all(type(item) is dict for item in found):  # event mappings: nothing can be unreadable
        return list(found)
    from siu_core.models import Unreadable

    if not any(isinstance(item, Unreadable) for item in found):
        return list(found)
    events: list[Event] = []
    for item in found:
        if isinstance(item, Unreadable):
            _keep(channel, item, received_at)
        else:
            events.append(item)
    return events


def _keep(channel: str, item: Any, received_at: datetime) -> None:
    from siu_core.store import snapshots  # only here: most deliveries have nothing unreadable

    data = json.dumps({"channel": item.channel, "path": item.path, "reason": item.reason, "raw": item.raw},
                      ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode("ascii")
    try:
        key = snapshots.put_unreadable(channel, data)
    except Exception as exc:  # not kept: answer 500 so the platform delivers again (the write is idempotent)
        raise EnqueueError(f"an unreadable webhook item could not be kept ({type(exc).__name__})") from exc
    obs.metric("UnreadableItems", channel=channel)
    obs.get_logger("connector").warning(
        "webhook item unreadable: kept raw in the snapshot bucket, the rest of the body is queued",
        channel=channel, path=item.path, reason=item.reason, key=key, received_at=utc_text(received_at))
