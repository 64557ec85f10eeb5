"""An attachment's bytes from the snapshot bucket, for the inbox UI (never from a platform's CDN, whose links expire).

Customers choose what they send, so the bytes are served defensively: only common raster images
keep their type (the UI shows them inline); anything else is ``application/octet-stream`` as a
download, with ``nosniff`` and a sandboxing policy, so a file can never run as a page of the inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from siu_core.inbox import authz
from siu_core.inbox.errors import ApiError, invalid, not_found
from siu_core.store import keys, messages, snapshots, threads

if TYPE_CHECKING:
    from siu_core.inbox.authz import Actor
    from siu_core.inbox.services import InboxServices

#: Types a browser shows in an <img> without running anything.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: A Function URL answers at most 6 MB, base64 included: the largest attachment it can carry.
MAX_BYTES = 4 * 1024 * 1024


def safe_headers(mime_type: str | None, filename: str | None) -> dict[str, str]:
    """Content type and disposition that keep a customer's file from acting as part of the inbox."""
    mime = (mime_type or "").split(";")[0].strip().lower()
    inline = mime in INLINE_TYPES
    name = quote((filename or "attachment").replace("/", "_")[:120], safe="")
    return {
        "Content-Type": mime if inline else "application/octet-stream",
        "Content-Disposition": f"inline; filename*=UTF-8''{name}" if inline else f"attachment; filename*=UTF-8''{name}",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",  # a customer's file never lingers in a shared browser cache
    }


def attachment(services: InboxServices, actor: Actor, thread_id: str,
               params: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
    """The bytes of ``?message=ID&index=N`` of a thread the caller may read, and the headers to send them with."""
    thread = threads.get(thread_id)
    if thread is None:
        raise not_found("thread", thread_id)
    authz.require_view(actor, thread)
    message_id, raw_index = params.get("message"), params.get("index", "0")
    if not message_id:
        raise invalid("name the message: ?message=ID&index=N")
    try:
        index = int(raw_index)
    except ValueError:
        raise invalid("index must be a whole number") from None
    item = messages.get(keys.message_key(str(thread["channel"]), str(thread["account_id"]), message_id))
    if item is None or item.get("thread_id") != thread_id:
        raise not_found("message", message_id)
    found: list[Any] = item.get("attachments") or []
    if not 0 <= index < len(found) or not isinstance(found[index], Mapping):
        raise not_found("attachment", f"{message_id}#{index}")
    att = found[index]
    if not att.get("media_key"):
        raise ApiError(404, "media_not_stored", "siu did not store this attachment's file (see media_error)")
    if int(att.get("media_size") or 0) > MAX_BYTES:
        raise ApiError(413, "media_too_large", f"the file is larger than {MAX_BYTES} bytes; find it in the snapshot "
                       f"bucket under {att['media_key']}")
    body = snapshots.get(str(att["media_key"]))
    return body, safe_headers(att.get("mime_type"), att.get("filename"))
