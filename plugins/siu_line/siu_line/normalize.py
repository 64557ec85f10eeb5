"""Turn one LINE webhook body into siu events. Pure: bytes in, events out.

Decisions (see the README):

- The account id is the body's ``destination`` (the bot's user id): LINE names it in every POST.
- Only one-to-one chats (``source.type == "user"``) are customer conversations; group and room
  events yield nothing. The customer id is ``source.userId``, what the push API addresses.
- ``message`` events map by content type; ``postback`` taps become ``interactive`` messages whose id
  is the event's ``webhookEventId`` (a postback has no message id); ``unsend`` becomes an
  ``UnsendEvent``. ``follow`` / ``unfollow`` (friend added, or blocked) yield nothing: the contract
  has no event for them, and a thread opened for every new friend would hold nothing to answer.
  Every other event type (join, beacon, account link, membership...) yields nothing too.
- An event that cannot be read (not an object, a wrong type in a field siu uses) is a
  :class:`~siu_core.plugin.Unreadable` in its place (path ``events[i]``, the failing fields, the raw
  event): the core keeps it raw and queues the others. Only an unreadable envelope is ``MalformedPayload``.
- A redelivered event (``deliveryContext.isRedelivery``) normalizes exactly as the first delivery,
  with the same ids, so the core's de-duplication drops it.
- The reply token is not part of any siu event (see :mod:`siu_line.send` for how it can reach a reply).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from siu_core.plugin import (
    Attachment,
    AttachmentType,
    Event,
    Interaction,
    Location,
    MalformedPayload,
    MessageEvent,
    MessageKind,
    Participant,
    Unreadable,
    UnsendEvent,
)
from siu_line import events as line
from siu_line.config import CHANNEL

log = logging.getLogger("siu.line")

#: LINE's webhook bodies are small (a few events); anything larger is not LINE's.
MAX_BODY_BYTES = 1024 * 1024
#: Message types whose bytes live on LINE's content server (or an external provider's URL).
MEDIA_TYPES: dict[str, tuple[MessageKind, AttachmentType]] = {
    "image": ("image", "image"), "video": ("video", "video"), "audio": ("audio", "audio"), "file": ("file", "file"),
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_envelope(body: bytes) -> line.Envelope:
    """Parse and check the envelope; anything LINE would not send is MalformedPayload, never a crash."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedPayload(f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}")
    try:
        raw = json.loads(body, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedPayload(f"body is not JSON: {type(exc).__name__}") from None
    if not isinstance(raw, dict):
        raise MalformedPayload("body is not a JSON object")
    try:
        return line.Envelope.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise MalformedPayload(f"not a LINE webhook body: {where}: {first['msg']}") from None


def normalize_body(body: bytes) -> list[Event | Unreadable]:
    """Every event of one POST, in order; an unreadable one is an Unreadable in its place, so it costs only itself."""
    envelope = load_envelope(body)
    out: list[Event | Unreadable] = []
    for index, raw in enumerate(envelope.events):
        path = f"events[{index}]"
        try:
            event = to_event(line.Event.model_validate(raw), envelope.destination)
        except (ValidationError, RecursionError) as exc:
            reason = unreadable_reason(raw, exc)
            # Path and reason name LINE's fields and pydantic's error codes only, never a value.
            log.debug("line: set aside %s: %s", path, reason)
            out.append(Unreadable(channel=CHANNEL, path=path, reason=reason, raw=raw))
            continue
        if event is not None:
            out.append(event)
    return out


def unreadable_reason(raw: Any, exc: Exception) -> str:
    """Why an event cannot be read, in field names and error codes an operator can act on (never a value)."""
    if not isinstance(raw, dict):
        return f"event is a JSON {_json_type(raw)}, not an object"
    if not isinstance(exc, ValidationError):
        return "event is nested too deeply"
    fields = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "<event>"
        fields.append(f"{where} ({error['type']})")
    return f"invalid {', '.join(dict.fromkeys(fields))}"[:300]


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type (a reason names the type, not the value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "value"


def at_millis(value: int) -> datetime:
    """LINE's millisecond time, exactly (no float rounding of the milliseconds)."""
    return datetime.fromtimestamp(value // 1000, tz=UTC) + timedelta(milliseconds=value % 1000)


def to_event(item: line.Event, account_id: str) -> Event | None:
    """The siu event for one LINE event, or None for what siu does not show (groups, follows, beacons...)."""
    source = item.source
    if source is None or source.type != "user" or source.user_id is None:
        return None
    customer = Participant(id=source.user_id)
    at = at_millis(item.timestamp)
    if item.type == "message" and item.message is not None:
        return message_event(item, item.message, customer, at, account_id)
    if item.type == "postback" and item.postback is not None:
        return postback_event(item, item.postback, customer, at, account_id)
    if item.type == "unsend" and item.unsend is not None:
        return UnsendEvent(type="unsend", channel=CHANNEL, account_id=account_id, customer=customer, timestamp=at,
                           target_message_id=item.unsend.message_id)
    return None


def _media(content: line.Content, kind: AttachmentType) -> Attachment:
    """A media attachment: LINE-held bytes by message id, an external provider's by URL."""
    provider = content.content_provider
    if provider is not None and provider.type == "external" and provider.original_content_url:
        return Attachment(type=kind, url=provider.original_content_url, filename=content.file_name)
    return Attachment(type=kind, media_id=content.id, filename=content.file_name)


def content_of(content: line.Content) -> tuple[MessageKind, str | None, list[Attachment], Location | None]:
    """(kind, text, attachments, location) of a message; an unknown type is ``unsupported``, never dropped."""
    if content.type == "text":
        return "text", content.text, [], None
    if content.type in MEDIA_TYPES:
        kind, attachment_type = MEDIA_TYPES[content.type]
        return kind, None, [_media(content, attachment_type)], None
    if content.type == "sticker":
        sticker = Attachment(type="sticker", sticker_id=f"{content.package_id}:{content.sticker_id}"
                             if content.package_id and content.sticker_id else None)
        return "sticker", content.text, [sticker], None
    if content.type == "location" and content.latitude is not None and content.longitude is not None:
        place = Location(latitude=content.latitude, longitude=content.longitude, name=content.title,
                         address=content.address)
        return "location", None, [], place
    return "unsupported", content.text, [], None


def reply_context(item: line.Event, at: datetime) -> str | None:
    """The reply token and when LINE issued it: the core keeps it on the thread and hands it to send_reply.

    A stale or spent token costs nothing: send_reply uses it only while young, and LINE's "Invalid
    reply token" (nothing sent) falls back to push.
    """
    if not item.reply_token:
        return None
    issued = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"reply_token": item.reply_token, "issued_at": issued}, separators=(",", ":"))


def message_event(item: line.Event, content: line.Content, customer: Participant, at: datetime,
                  account_id: str) -> MessageEvent:
    """A customer's message in a one-to-one chat."""
    kind, text, attachments, location = content_of(content)
    return MessageEvent(
        type="message",
        channel=CHANNEL,
        account_id=account_id,
        customer=customer,
        timestamp=at,
        message_id=content.id,
        kind=kind,
        text=text,
        attachments=attachments,
        reply_to=content.quoted_message_id,
        location=location,
        standby=item.mode == "standby",
        reply_context=reply_context(item, at),
    )


def postback_id(item: line.Event, postback: line.Postback) -> str:
    """A postback has no message id: its webhook event id (stable across redeliveries), else a content hash."""
    if item.webhook_event_id:
        return f"postback.{item.webhook_event_id}"
    user = item.source.user_id if item.source is not None else ""
    digest = hashlib.sha256(f"{user}\0{item.timestamp}\0{postback.data}".encode()).hexdigest()
    return f"postback.{digest[:26]}"


def _picked(params: dict[str, Any] | None) -> str | None:
    """What a date/time picker picked ("2026-02-10T09:30"), the only text a postback carries."""
    for key in ("datetime", "date", "time"):
        value = (params or {}).get(key)
        if isinstance(value, str) and value:
            return value
    return None


def postback_event(item: line.Event, postback: line.Postback, customer: Participant, at: datetime,
                   account_id: str) -> MessageEvent:
    """A tap on a postback button (rich menu, template, quick reply): an interactive message."""
    return MessageEvent(
        type="message",
        channel=CHANNEL,
        account_id=account_id,
        customer=customer,
        timestamp=at,
        message_id=postback_id(item, postback),
        kind="interactive",
        text=_picked(postback.params),
        interaction=Interaction(kind="postback", payload=postback.data),
        standby=item.mode == "standby",
        reply_context=reply_context(item, at),
    )
