"""The snapshot bucket: the raw normalized event and inbound media, written once per key.

Keys are derived from the event (the platform message id, or a hash of the event itself), and
writes use ``If-None-Match: *``: a redelivered event finds its snapshot there and adds no version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.models import Event, MessageEvent, dump_event
from siu_core.store import keys


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
