"""The snapshot bucket: the raw normalized event and inbound media, written once per key.

Keys are derived from the event (the platform message id, or a hash of the event itself), and
writes use ``If-None-Match: *``: a redelivered event finds its snapshot there and adds no version.

Under ``queue/`` the connector keeps the events too big for one queue message (the SQS extended-
client pattern): the object is the event's JSON, its key is ``queue/<channel>/<sha256>.json``, and
the queue carries a :class:`~siu_core.models.SnapshotPointer` (key, sha256, size) instead. The
labeler reads it back with :func:`get_pointed`, which checks size and hash. Those objects expire
after :data:`POINTER_RETENTION_DAYS` (the bucket's lifecycle rule), past any queue message's life.
Items of a webhook the plugin could not read go under ``queue/<channel>/unreadable/`` the same way
(:func:`put_unreadable`), for an operator to inspect within that time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.errors import SiuError
from siu_core.models import POINTER_PREFIX, Event, MessageEvent, SnapshotPointer, dump_event
from siu_core.store import keys

#: The lifecycle rule on ``queue/`` (infra/template.yaml): longer than the intake queue's and the
#: DLQ's 14-day retentions together, so the object outlives every message that points at it.
POINTER_RETENTION_DAYS = 30


class PointerError(SiuError):
    """A queue pointer's object is missing, unreadable, or not the bytes the pointer promised."""


def bucket() -> str:
    """The bucket's physical name."""
    return resource_names().bucket


def event_key(event: Event) -> str:
    """Where an event's snapshot lives: by channel, account, day and a stable name."""
    day = event.timestamp.strftime("%Y/%m/%d")
    if isinstance(event, MessageEvent):
        name = f"{event.type}-{keys.short_hash(event.message_id)}"
    else:
        body = json.dumps(dump_event(event), sort_keys=True, separators=(",", ":"))
        name = f"{event.type}-{keys.short_hash(body)}"
    return f"events/{event.channel}/{keys.short_hash(event.account_id, 16)}/{day}/{name}.json"


def media_key(event: MessageEvent, index: int) -> str:
    """Where the ``index``-th attachment of a message is kept."""
    day = event.timestamp.strftime("%Y/%m/%d")
    return (f"media/{event.channel}/{keys.short_hash(event.account_id, 16)}/{day}/"
            f"{keys.short_hash(event.message_id)}/{index}")


def _put_once(key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None) -> bool:
    s3 = clients.s3()
    request: dict[str, Any] = {
        "Bucket": bucket(), "Key": key, "Body": body, "ContentType": content_type, "IfNoneMatch": "*",
    }
    if metadata:
        request["Metadata"] = metadata
    try:
        s3.put_object(**request)
    except s3.exceptions.ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            return False  # already there: a redelivery
        raise
    return True


def put_event(event: Event, received_at: datetime) -> str:
    """Keep the normalized event as received; returns its key (idempotent)."""
    key = event_key(event)
    body = json.dumps(
        {"received_at": keys.ts(received_at), "event": dump_event(event)}, ensure_ascii=False, sort_keys=True
    ).encode("utf-8")
    _put_once(key, body, "application/json")
    return key


def put_media(key: str, content: bytes, mime_type: str | None) -> str:
    """Keep an attachment's bytes under ``key`` (idempotent)."""
    _put_once(key, content, mime_type or "application/octet-stream")
    return key


def get(key: str) -> bytes:
    """A snapshot's bytes (the inbox shows media from here)."""
    body: bytes = clients.s3().get_object(Bucket=bucket(), Key=key)["Body"].read()
    return body


def pointer_key(channel: str, digest: str) -> str:
    """Where an oversized event of ``channel`` whose JSON hashes to ``digest`` is kept."""
    return f"{POINTER_PREFIX}{channel}/{digest}.json"


def put_pointed(channel: str, data: bytes) -> SnapshotPointer:
    """Store an event too big for one queue message; returns the pointer the queue carries instead.

    Content-addressed and written with ``If-None-Match: *``: the same event delivered again writes
    the same key and adds no version.
    """
    digest = hashlib.sha256(data).hexdigest()
    key = pointer_key(channel, digest)
    _put_once(key, data, "application/json")
    return SnapshotPointer(key=key, sha256=digest, size=len(data))


def unreadable_key(channel: str, digest: str) -> str:
    """Where an unreadable webhook item is kept: under the connector's ``queue/<channel>/`` prefix."""
    return f"{POINTER_PREFIX}{channel}/unreadable/{digest}.json"


def put_unreadable(channel: str, data: bytes) -> str:
    """Keep one unreadable webhook item as received; content-addressed, so a redelivery adds nothing."""
    key = unreadable_key(channel, hashlib.sha256(data).hexdigest())
    _put_once(key, data, "application/json")
    return key


def get_pointed(pointer: SnapshotPointer) -> bytes:
    """The bytes a queue pointer names, verified against its size and sha256 (else PointerError)."""
    s3 = clients.s3()
    try:
        found = s3.get_object(Bucket=bucket(), Key=pointer.key)
        data: bytes = found["Body"].read(pointer.size + 1)
    except s3.exceptions.ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "")) or "error"
        raise PointerError(f"queue pointer {pointer.key}: cannot read the object ({code})") from None
    if len(data) != pointer.size:
        raise PointerError(f"queue pointer {pointer.key}: object has {len(data)}"
                           f"{'+' if len(data) > pointer.size else ''} bytes, the pointer says {pointer.size}")
    if hashlib.sha256(data).hexdigest() != pointer.sha256:
        raise PointerError(f"queue pointer {pointer.key}: object does not match the pointer's sha256")
    return data
