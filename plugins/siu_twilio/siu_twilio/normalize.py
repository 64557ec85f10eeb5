"""Turn one Twilio messaging webhook (a form) into siu events. Pure: the clock is passed in.

Twilio POSTs one message per request: an incoming message (``SmsStatus=received``) or a status
callback of a message the business sent (``MessageStatus`` sent, delivered, read, undelivered,
failed...). Neither carries a time, so an event's timestamp is the request's ``Date`` header when
it has one, else the moment siu received it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

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
    PlatformError,
    Referral,
    StatusEvent,
)
from siu_twilio import addresses
from siu_twilio.config import CHANNEL
from siu_twilio.form import optional, parse_form

#: A message SID: ``SM``/``MM`` (and other two-letter kinds) followed by 32 hex digits.
_SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
#: Twilio attaches at most 10 media to a message.
MAX_MEDIA = 10
#: Twilio's delivery states with a siu equivalent; the others (queued, accepted, scheduled, sending,
#: partially_delivered) are steps before one of these and yield nothing.
STATUS_MAP: dict[str, Literal["sent", "delivered", "read", "failed"]] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
PENDING_STATUSES = frozenset({"queued", "accepted", "scheduled", "sending", "partially_delivered"})
INBOUND_STATUSES = frozenset({"received", "receiving"})
_TRUE = {"true", "True", "1"}
#: How far ahead of siu's clock a request's Date header may be and still be believed.
MAX_CLOCK_SKEW = timedelta(minutes=5)


def received_at(headers: Mapping[str, str], now: datetime) -> datetime:
    """The request's ``Date`` header (a sender's clock, whole seconds), else ``now``; never in the future.

    The header is not signed: one more than :data:`MAX_CLOCK_SKEW` ahead of ``now`` is ignored, so a
    message can never sort after ones that arrive later or distort SLA clocks.
    """
    received = now.astimezone(UTC).replace(microsecond=0)
    value = next((v for k, v in headers.items() if k.lower() == "date"), None)
    if value:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None and parsed.tzinfo is not None and 1970 < parsed.year < 9999 \
                and parsed <= received + MAX_CLOCK_SKEW:
            return parsed.astimezone(UTC)
    return received


def normalize_body(body: bytes, headers: Mapping[str, str], now: datetime) -> list[Event]:
    """The event one webhook carries: a message, a delivery status, or nothing for what siu ignores."""
    fields = parse_form(body)
    sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or fields.get("SmsSid")
    if sid is None:
        return []  # a voice, conversations or other product's webhook: not a message
    if not _SID_RE.match(sid):
        raise MalformedPayload("MessageSid is not a Twilio message SID")
    status = (fields.get("MessageStatus") or fields.get("SmsStatus") or "received").lower()
    when = received_at(headers, now)
    if status in INBOUND_STATUSES:
        return [message_event(fields, sid, when)]
    if status in STATUS_MAP:
        return [status_event(fields, sid, STATUS_MAP[status], when)]
    return []  # queued, sending...: a step on the way, or a state siu does not know


def _party(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name)
    if not value:
        raise MalformedPayload(f"the {name} field is missing")
    siu_id = addresses.to_siu_id(value)
    if siu_id is None:
        raise MalformedPayload(f"the {name} field is not a Twilio address")
    return siu_id


def customer(fields: Mapping[str, str], field: str) -> Participant:
    """The customer of a message: their address as siu writes it, WhatsApp profile name, phone number."""
    siu_id = _party(fields, field)
    return Participant(id=siu_id, name=optional(fields, "ProfileName"), phone=addresses.phone(fields[field]))


def _media_type(mime: str | None) -> AttachmentType:
    major = (mime or "").split("/", 1)[0].lower()
    if major in ("image", "audio", "video"):
        return "image" if major == "image" else "audio" if major == "audio" else "video"
    return "file"


def attachments(fields: Mapping[str, str]) -> list[Attachment]:
    """``MediaUrl{N}`` / ``MediaContentType{N}`` for N below ``NumMedia``, in order."""
    raw = fields.get("NumMedia") or "0"
    if not raw.isdigit() or int(raw) > MAX_MEDIA:
        raise MalformedPayload(f"NumMedia must be a number from 0 to {MAX_MEDIA}")
    found: list[Attachment] = []
    for index in range(int(raw)):
        url = fields.get(f"MediaUrl{index}")
        if not url or not url.startswith(("https://", "http://")):
            raise MalformedPayload(f"MediaUrl{index} is missing or not a URL")
        mime = optional(fields, f"MediaContentType{index}")
        found.append(Attachment(type=_media_type(mime), url=url, mime_type=mime))
    return found


def _coordinate(fields: Mapping[str, str], name: str, limit: float) -> float:
    try:
        value = float(fields[name])
    except ValueError:
        raise MalformedPayload(f"{name} is not a number") from None
    if not -limit <= value <= limit:
        raise MalformedPayload(f"{name} is out of range")
    return value


def location(fields: Mapping[str, str]) -> Location | None:
    """A shared WhatsApp location (``Latitude``, ``Longitude``, optional ``Label`` and ``Address``)."""
    if "Latitude" not in fields and "Longitude" not in fields:
        return None
    if "Latitude" not in fields or "Longitude" not in fields:
        raise MalformedPayload("a location needs both Latitude and Longitude")
    return Location(latitude=_coordinate(fields, "Latitude", 90), longitude=_coordinate(fields, "Longitude", 180),
                    name=optional(fields, "Label"), address=optional(fields, "Address"))


def interaction(fields: Mapping[str, str]) -> Interaction | None:
    """A tapped WhatsApp button (quick reply of a template) or list item."""
    if optional(fields, "ButtonPayload") or optional(fields, "ButtonText"):
        return Interaction(kind="button_reply", title=optional(fields, "ButtonText"),
                           payload=optional(fields, "ButtonPayload"))
    if optional(fields, "ListId") or optional(fields, "ListTitle"):
        return Interaction(kind="list_reply", id=optional(fields, "ListId"), title=optional(fields, "ListTitle"))
    return None


def referral(fields: Mapping[str, str]) -> Referral | None:
    """The click-to-WhatsApp ad (or post) the customer came from, when Twilio says."""
    source_id = optional(fields, "ReferralSourceId")
    if source_id is None and optional(fields, "ReferralSourceUrl") is None:
        return None
    return Referral(source="ADS", type=optional(fields, "ReferralSourceType"), ad_id=source_id,
                    url=optional(fields, "ReferralSourceUrl"), headline=optional(fields, "ReferralHeadline"),
                    body=optional(fields, "ReferralBody"))


def _kind(media: list[Attachment], place: Location | None, tap: Interaction | None, text: str | None) -> MessageKind:
    if media:
        first = media[0].type
        return "image" if first == "image" else "audio" if first == "audio" else "video" if first == "video" else "file"
    if place is not None:
        return "location"
    if tap is not None:
        return "interactive"
    return "text" if text else "unsupported"


def message_event(fields: Mapping[str, str], sid: str, when: datetime) -> MessageEvent:
    """A customer's SMS, MMS or WhatsApp message to the business number in ``To``."""
    account = _party(fields, "To")
    media = attachments(fields)
    place = location(fields)
    tap = interaction(fields)
    text = optional(fields, "Body")
    return MessageEvent(
        type="message",
        channel=CHANNEL,
        account_id=addresses.number_of(account),
        customer=customer(fields, "From"),
        timestamp=when,
        message_id=sid,
        kind=_kind(media, place, tap, text),
        text=text,
        attachments=media,
        reply_to=optional(fields, "OriginalRepliedMessageSid"),
        location=place,
        interaction=tap,
        referral=referral(fields),
        forwarded=fields.get("Forwarded") in _TRUE or fields.get("FrequentlyForwarded") in _TRUE,
    )


def _error(fields: Mapping[str, str]) -> PlatformError | None:
    code = optional(fields, "ErrorCode")
    if code is None:
        return None
    return PlatformError(code=int(code) if code.isdigit() else code, message=optional(fields, "ErrorMessage"))


def _recipient(fields: Mapping[str, str]) -> Participant:
    siu_id = _party(fields, "To")
    return Participant(id=siu_id, phone=addresses.phone(fields["To"]))


def status_event(fields: Mapping[str, str], sid: str, status: Literal["sent", "delivered", "read", "failed"],
                 when: datetime) -> StatusEvent:
    """Delivery progress of a message the business sent: ``From`` is the business, ``To`` the customer."""
    account = _party(fields, "From")
    error = _error(fields)
    if status == "failed" and error is None:
        error = PlatformError(code=(fields.get("MessageStatus") or fields.get("SmsStatus") or "failed").lower())
    return StatusEvent(
        type="status",
        channel=CHANNEL,
        account_id=addresses.number_of(account),
        customer=_recipient(fields),
        timestamp=when,
        status=status,
        message_ids=[sid],
        error=error,
    )
