"""Turn a WhatsApp Cloud API webhook body into siu events. Pure logic: no I/O.

Shape rules (see the README for the reasoning):

- The envelope and every container Meta always sends as a list or an object (``entry``,
  ``changes``, the ``value`` of a ``messages`` / ``smb_message_echoes`` change, its ``metadata``,
  ``messages``, ``statuses``, ``errors``, ``contacts``, ``message_echoes``) must have that shape,
  else the whole body is :class:`~siu_core.errors.MalformedPayload`. A key that is absent is empty.
- Inside one message or status, optional parts that are absent, null or mistyped are ignored; an
  item that is not an object, or has no id or customer, is an :class:`~siu_core.models.Unreadable`
  in its place (the core keeps it raw, logs and counts it; the rest of the batch is queued); an
  unknown message type, status or ``field`` yields nothing.
- A known message type whose body cannot be read becomes a ``kind: unsupported`` message, so the
  thread still shows that the customer sent something; so do ``unsupported`` and ``unknown``
  messages, with the platform's error (code, title, details) kept on the event.
- A message ``edit`` becomes an :class:`EditEvent` of the original message (the edited message's
  text, or its media caption); a ``revoke`` (the customer deleted it for everyone) an
  :class:`UnsendEvent`.
- A WhatsApp Flow answer (``interactive.nfm_reply``) keeps the answers of its ``response_json``
  as the interaction's ``fields`` (without the ``flow_token``, an opaque value of the business's).
- The customer id is the business-scoped user id (BSUID) whenever the payload gives one for that
  person (on the item or through ``contacts``), else the phone number (``wa_id``): one person gets
  one id across every event of a payload, and keeps it when they later hide their number.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError
from siu_meta.graph import json_part, load_json_body, parse_timestamp

from siu_core.plugin import (
    Attachment,
    ContactCard,
    EditEvent,
    Event,
    Interaction,
    Location,
    MalformedPayload,
    MessageEventData,
    Order,
    OrderItem,
    ParticipantData,
    PlatformError,
    PlatformErrorEvent,
    ReactionEvent,
    Referral,
    StatusEvent,
    Unreadable,
    UnsendEvent,
    utc_text,
)
from siu_whatsapp._fields import flag, nonempty, number, obj, objects, text

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
OBJECT = "whatsapp_business_account"
FIELD_MESSAGES = "messages"
FIELD_ECHOES = "smb_message_echoes"
STATUSES = frozenset({"sent", "delivered", "read", "played", "failed"})

#: WhatsApp media message types -> the contract's attachment type (and message kind).
MEDIA_TYPES: dict[str, Literal["image", "audio", "video", "file", "sticker"]] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "file",
    "sticker": "sticker",
}

_MISSING = object()
#: What normalize yields per item: an event model, a message as a plain mapping (contract 1.4), or an Unreadable.
Found = Event | MessageEventData | Unreadable


def normalize_body(body: Any, *, now: Callable[[], datetime] | None = None) -> list[Found]:
    """Read a raw webhook body into events; the only exception it raises is MalformedPayload."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise MalformedPayload(f"body must be bytes, not {type(body).__name__}")
    try:
        data = load_json_body(bytes(body), OBJECT)
    except RecursionError:
        raise MalformedPayload("body is not JSON: nested too deeply") from None
    return normalize_payload(data, now=now)


def normalize_payload(
    data: dict[str, Any], *, now: Callable[[], datetime] | None = None
) -> list[Found]:
    """Normalize a parsed ``whatsapp_business_account`` payload (every entry, change and item)."""
    changes = list(_message_changes(data))
    people = _Directory.build(changes)
    clock = _FallbackClock(changes, now or (lambda: datetime.now(UTC)))
    events: list[Found] = []
    for change in changes:
        events.extend(change.unreadable)
        events.extend(_change_events(change, people, clock))
    return events


# --- envelope ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    path: str
    field: str
    account_id: str
    entry_time: datetime | None
    lists: dict[str, list[dict[str, Any]]]
    #: Items of the change's lists that are not even objects.
    unreadable: tuple[Unreadable, ...] = ()


_LIST_KEYS = {
    FIELD_MESSAGES: ("contacts", "messages", "statuses", "errors"),
    FIELD_ECHOES: ("contacts", "message_echoes", "errors"),
}


def _list(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    """A container Meta always sends as a list: absent is empty, any other shape is malformed."""
    value = parent.get(key, _MISSING)
    if value is _MISSING:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"{path}.{key} is {_json_type(value)}, expected a list")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _message_changes(data: dict[str, Any]) -> Iterator[_Change]:
    for i, entry in enumerate(data["entry"]):
        path = f"entry[{i}]"
        if not isinstance(entry, dict):
            raise MalformedPayload(f"{path} is {_json_type(entry)}, expected an object")
        entry_time = parse_timestamp(entry.get("time"))
        for j, change in enumerate(_list(entry, "changes", path)):
            cpath = f"{path}.changes[{j}]"
            if not isinstance(change, dict):
                raise MalformedPayload(f"{cpath} is {_json_type(change)}, expected an object")
            name = text(change.get("field"))
            if name not in _LIST_KEYS:
                continue  # account_update, templates, history...: not conversation events
            value = change.get("value")
            if not isinstance(value, dict):
                raise MalformedPayload(f"{cpath}.value is {_json_type(value)}, expected an object")
            vpath = f"{cpath}.value"
            metadata = value.get("metadata")
            if not isinstance(metadata, dict):
                raise MalformedPayload(f"{vpath}.metadata is {_json_type(metadata)}, expected an object")
            account_id = nonempty(metadata.get("phone_number_id"))
            if account_id is None:
                raise MalformedPayload(f"{vpath}.metadata.phone_number_id is missing or not a string")
            lists: dict[str, list[dict[str, Any]]] = {}
            unreadable: list[Unreadable] = []
            for key in _LIST_KEYS[name]:
                items = _list(value, key, vpath)
                if not items or all(type(item) is dict for item in items):  # the usual case: nothing to set aside
                    lists[key] = items
                    continue
                # An item that is not an object keeps its place as {} (nothing reads it) so paths stay true.
                lists[key] = [item if isinstance(item, dict) else {} for item in items]
                unreadable += [
                    _unreadable(f"{vpath}.{key}[{k}]", f"is {_json_type(item)}, expected an object", item)
                    for k, item in enumerate(items)
                    if not isinstance(item, dict)
                ]
            yield _Change(cpath, name, account_id, entry_time, lists, tuple(unreadable))


# --- who is who ----------------------------------------------------------------------------------


@dataclass
class _Directory:
    """Every person the payload names: BSUID <-> phone, and their profile name and username."""

    bsuid_by_phone: dict[str, str] = field(default_factory=dict)
    phone_by_bsuid: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, changes: list[_Change]) -> _Directory:
        people = cls()
        for change in changes:
            for contact in change.lists["contacts"]:
                phone, bsuid = nonempty(contact.get("wa_id")), nonempty(contact.get("user_id"))
                people.link(phone, bsuid)
                profile = obj(contact.get("profile")) or {}
                name, username = nonempty(profile.get("name")), nonempty(profile.get("username"))
                for key in (bsuid, phone):
                    if key is not None:
                        if name is not None:
                            people.names.setdefault(key, name)
                        if username is not None:
                            people.usernames.setdefault(key, username)
            # Items name the person too (message from + from_user_id, status recipient ids).
            for msg in change.lists.get("messages", []):
                people.link(nonempty(msg.get("from")), nonempty(msg.get("from_user_id")))
            for status in change.lists.get("statuses", []):
                people.link(nonempty(status.get("recipient_id")), nonempty(status.get("recipient_user_id")))
            for echo in change.lists.get("message_echoes", []):
                people.link(nonempty(echo.get("to")), nonempty(echo.get("to_user_id")))
        return people

    def link(self, phone: str | None, bsuid: str | None) -> None:
        """Remember that this phone number and this BSUID are the same person (first pairing wins)."""
        if phone is not None and bsuid is not None:
            self.bsuid_by_phone.setdefault(phone, bsuid)
            self.phone_by_bsuid.setdefault(bsuid, phone)

    def participant(self, phone: str | None, bsuid: str | None) -> ParticipantData | None:
        """The customer keyed on BSUID when known, else phone; None when the item names nobody.

        A plain mapping (contract 1.4: the hot path builds no model); event models validate it as a Participant.
        """
        bsuid = bsuid or (self.bsuid_by_phone.get(phone) if phone else None)
        phone = phone or (self.phone_by_bsuid.get(bsuid) if bsuid else None)
        key = bsuid or phone
        if key is None:
            return None
        who: ParticipantData = {"id": key}
        name = self.names.get(key) or (self.names.get(phone) if phone else None)
        if name is not None:
            who["name"] = name
        username = self.usernames.get(key) or (self.usernames.get(phone) if phone else None)
        if username is not None:
            who["username"] = username
        if phone is not None:
            who["phone"] = phone
        return who


class _FallbackClock:
    """The time to stamp on an event Meta sent without a readable timestamp (value.errors).

    The entry's ``time`` when present, else the latest timestamp in the payload, else now: never
    earlier than what the payload itself says, and deterministic whenever the payload has a time.
    """

    def __init__(self, changes: list[_Change], now: Callable[[], datetime]) -> None:
        self._changes = changes
        self._now = now
        self._latest: datetime | None = None
        self._computed = False

    def at(self, change: _Change) -> datetime:
        """The fallback time for one change of the payload."""
        if change.entry_time is not None:
            return change.entry_time
        if not self._computed:
            stamps = [
                ts
                for ch in self._changes
                for key in ("messages", "statuses", "message_echoes")
                for item in ch.lists.get(key, [])
                if (ts := parse_timestamp(item.get("timestamp"))) is not None
            ]
            self._latest = max(stamps, default=None)
            self._computed = True
        return self._latest if self._latest is not None else self._now()


# --- one change ----------------------------------------------------------------------------------


def _unreadable(path: str, reason: str, raw: Any) -> Unreadable:
    """An item the plugin cannot read, for the core to keep raw (its path and reason carry no content)."""
    return Unreadable(channel=CHANNEL, path=path, reason=reason, raw=raw)


def _change_events(change: _Change, people: _Directory, clock: _FallbackClock) -> Iterator[Found]:
    base = f"{change.path}.value"
    unusable = "no id, customer or readable body"
    if change.field == FIELD_MESSAGES:
        for k, msg in enumerate(change.lists["messages"]):
            if _known_message(msg, base, "messages", k):
                who = people.participant(nonempty(msg.get("from")), nonempty(msg.get("from_user_id"))) or \
                    _single_person(change, people)
                yield _guard(base, "messages", k, unusable, msg, _message, change, msg, who, clock, "message")
        for k, status in enumerate(change.lists["statuses"]):
            if text(status.get("status")) not in STATUSES:
                log.debug("whatsapp: ignored %s.statuses[%d]: not a delivery status", base, k)
                continue
            who = people.participant(nonempty(status.get("recipient_id")), nonempty(status.get("recipient_user_id")))
            yield _guard(base, "statuses", k, "no message id or recipient", status, _status, change, status, who, clock)
    else:
        for k, echo in enumerate(change.lists["message_echoes"]):
            if _known_message(echo, base, "message_echoes", k):
                who = people.participant(nonempty(echo.get("to")), nonempty(echo.get("to_user_id"))) or \
                    _single_person(change, people)
                yield _guard(base, "message_echoes", k, unusable, echo, _message, change, echo, who, clock, "echo")
    if change.lists["errors"]:
        errors = change.lists["errors"]
        yield _guard(base, "errors", None, "no error with a code", errors, _platform_errors, change, clock)


def _known_message(msg: dict[str, Any], base: str, key: str, k: int) -> bool:
    """Typing, system notices and future types yield nothing, quietly (they are normal traffic)."""
    kind = text(msg.get("type"))
    if kind in _ANNOTATIONS or kind in _BODY_READERS:
        return True
    log.debug("whatsapp: ignored %s.%s[%d]: message type %r is not a conversation message", base, key, k,
              (kind or "")[:40])
    return False


def _single_person(change: _Change, people: _Directory) -> ParticipantData | None:
    """When a change names exactly one contact, an item without sender ids is theirs."""
    contacts = change.lists["contacts"]
    if len(contacts) != 1:
        return None
    return people.participant(nonempty(contacts[0].get("wa_id")), nonempty(contacts[0].get("user_id")))


def _guard(
    base: str, key: str, k: int | None, empty_reason: str, raw: Any,
    build: Callable[..., Event | MessageEventData | None], *args: Any,
) -> Found:
    """Build one item's event; an item that cannot be read costs only itself (an Unreadable in its place).

    The item's path (``base.key[k]``, or ``base.key`` for a whole list) is written only for an Unreadable.
    """
    try:
        event = build(*args)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        return _unreadable(_path(base, key, k), f"invalid {', '.join(fields) or 'values'}"[:300], raw)
    if event is None:
        return _unreadable(_path(base, key, k), empty_reason, raw)
    return event


def _path(base: str, key: str, k: int | None) -> str:
    return f"{base}.{key}" if k is None else f"{base}.{key}[{k}]"


def _message(
    change: _Change,
    msg: dict[str, Any],
    who: ParticipantData | None,
    clock: _FallbackClock,
    direction: Literal["message", "echo"],
) -> Event | MessageEventData | None:
    message_id = nonempty(msg.get("id"))
    kind = text(msg.get("type"))
    if message_id is None or who is None or kind is None:
        return None
    timestamp = parse_timestamp(msg.get("timestamp")) or clock.at(change)
    if kind == "reaction":
        return _reaction(change, msg, who, timestamp, direction)
    if kind == "edit":
        return _edit(change, msg, who, timestamp)
    if kind == "revoke":
        return _revoke(change, msg, who, timestamp)
    reader = _BODY_READERS.get(kind)
    if reader is None:
        return None
    body = reader(msg) or {"kind": "unsupported"}
    context = obj(msg.get("context")) or {}
    # Contract 1.4: a message is a plain mapping in the event schema's JSON shape (no model on the hot
    # path); the core queues it as it is, the contract suite validates it against the schema.
    event: MessageEventData = {
        "type": direction,
        "channel": CHANNEL,
        "account_id": change.account_id,
        "customer": who,
        "timestamp": utc_text(timestamp),
        "message_id": message_id,
        "kind": body["kind"],
    }
    for key, value in body.items():
        if value is not None and key != "kind":
            event[key] = json_part(value)  # type: ignore[literal-required]
    if (reply_to := nonempty(context.get("id"))) is not None:
        event["reply_to"] = reply_to
    if flag(context.get("forwarded")) or flag(context.get("frequently_forwarded")):
        event["forwarded"] = True
    if (referral := _referral(obj(msg.get("referral")))) is not None:
        event["referral"] = json_part(referral)
    if errors := _errors(objects(msg.get("errors"))):
        event["errors"] = json_part(errors)
    return event



def _reaction(
    change: _Change,
    msg: dict[str, Any],
    who: ParticipantData,
    timestamp: datetime,
    direction: Literal["message", "echo"],
) -> Event | None:
    reaction = obj(msg.get("reaction")) or {}
    target = nonempty(reaction.get("message_id"))
    if target is None:
        return None
    emoji = nonempty(reaction.get("emoji"))  # removed: emoji absent or ""
    return ReactionEvent(
        type="reaction",
        channel=CHANNEL,
        account_id=change.account_id,
        customer=who,
        timestamp=timestamp,
        target_message_id=target,
        action="react" if emoji else "unreact",
        emoji=emoji,
        by="customer" if direction == "message" else "business",
    )


def _edit(change: _Change, msg: dict[str, Any], who: ParticipantData, timestamp: datetime) -> Event | None:
    """The customer edited an earlier message: its new text (or new caption) replaces the old one."""
    edit = obj(msg.get("edit")) or {}
    target = nonempty(edit.get("original_message_id"))
    edited = obj(edit.get("message")) or {}
    reader = _BODY_READERS.get(text(edited.get("type")) or "")
    body = reader(edited) if reader is not None else None
    new_text = text((body or {}).get("text"))
    if target is None or new_text is None:
        return None
    return EditEvent(
        type="edit",
        channel=CHANNEL,
        account_id=change.account_id,
        customer=who,
        timestamp=timestamp,
        target_message_id=target,
        text=new_text,
    )


def _revoke(change: _Change, msg: dict[str, Any], who: ParticipantData, timestamp: datetime) -> Event | None:
    """The customer deleted an earlier message for everyone: the thread shows it deleted."""
    target = nonempty((obj(msg.get("revoke")) or {}).get("original_message_id"))
    if target is None:
        return None
    return UnsendEvent(
        type="unsend",
        channel=CHANNEL,
        account_id=change.account_id,
        customer=who,
        timestamp=timestamp,
        target_message_id=target,
    )


def _platform_errors(change: _Change, clock: _FallbackClock) -> Event | None:
    errors = _errors(change.lists["errors"])
    if not errors:
        return None
    return PlatformErrorEvent(
        type="platform_error",
        channel=CHANNEL,
        account_id=change.account_id,
        timestamp=clock.at(change),
        errors=errors,
    )


def _status(
    change: _Change, status: dict[str, Any], who: ParticipantData | None, clock: _FallbackClock
) -> Event | None:
    message_id = nonempty(status.get("id"))
    value = text(status.get("status"))
    if message_id is None or who is None or value not in STATUSES:
        return None  # the caller already ignored unknown status values
    errors = _errors(objects(status.get("errors")))
    return StatusEvent(
        type="status",
        channel=CHANNEL,
        account_id=change.account_id,
        customer=who,
        timestamp=parse_timestamp(status.get("timestamp")) or clock.at(change),
        status=value,  # checked against STATUSES above
        message_ids=[message_id],
        error=errors[0] if errors else None,
    )


# --- message bodies ------------------------------------------------------------------------------

Body = dict[str, Any]


def _text_body(msg: dict[str, Any]) -> Body | None:
    body = text((obj(msg.get("text")) or {}).get("body"))
    return None if body is None else {"kind": "text", "text": body}


def _media_body(msg: dict[str, Any]) -> Body | None:
    wa_type = str(msg.get("type"))
    media = obj(msg.get(wa_type))
    if media is None:
        return None
    media_id, url = nonempty(media.get("id")), nonempty(media.get("url"))
    if media_id is None and url is None:
        return None
    caption = text(media.get("caption"))
    kind = MEDIA_TYPES[wa_type]
    attachment = Attachment(
        type=kind,
        media_id=media_id,
        url=url,
        mime_type=text(media.get("mime_type")),
        sha256=text(media.get("sha256")),
        caption=caption,
        filename=text(media.get("filename")),
        voice=flag(media.get("voice")),
    )
    return {"kind": kind, "text": caption, "attachments": [attachment]}


def _location_body(msg: dict[str, Any]) -> Body | None:
    loc = obj(msg.get("location")) or {}
    lat, lon = number(loc.get("latitude")), number(loc.get("longitude"))
    if lat is None or lon is None:
        return None
    return {
        "kind": "location",
        "location": Location(
            latitude=lat,
            longitude=lon,
            name=text(loc.get("name")),
            address=text(loc.get("address")),
            url=text(loc.get("url")),
        ),
    }


def _contacts_body(msg: dict[str, Any]) -> Body | None:
    cards = []
    for contact in objects(msg.get("contacts")):
        name = obj(contact.get("name")) or {}
        full = nonempty(name.get("formatted_name")) or " ".join(
            part for key in ("first_name", "middle_name", "last_name") if (part := nonempty(name.get(key))) is not None
        )
        phones = [
            p
            for item in objects(contact.get("phones"))
            if (p := nonempty(item.get("phone")) or nonempty(item.get("wa_id"))) is not None
        ]
        emails = [e for item in objects(contact.get("emails")) if (e := nonempty(item.get("email"))) is not None]
        cards.append(ContactCard(name=full, phones=phones, emails=emails))
    return {"kind": "contact", "contacts": cards} if cards else None


def _interactive_body(msg: dict[str, Any]) -> Body | None:
    interactive = obj(msg.get("interactive")) or {}
    sub = text(interactive.get("type"))
    if sub == "nfm_reply":
        return _flow_body(obj(interactive.get("nfm_reply")) or {})
    if sub not in ("button_reply", "list_reply"):
        return None  # future kinds: shown as unsupported
    reply = obj(interactive.get(sub)) or {}
    title = text(reply.get("title"))
    return {
        "kind": "interactive",
        "text": title,
        "interaction": Interaction(kind=sub, id=text(reply.get("id")), title=title),
    }


#: A Flow's correlation token: the business's own opaque value, not an answer of the customer's.
FLOW_TOKEN_FIELD = "flow_token"  # noqa: S105 - a field name, not a secret


def _flow_body(reply: dict[str, Any]) -> Body:
    """A completed WhatsApp Flow: its answers by field name, read from the ``response_json`` string."""
    fields: dict[str, Any] | None = None
    raw = text(reply.get("response_json"))
    if raw is not None:
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            fields = {k: v for k, v in parsed.items() if k != FLOW_TOKEN_FIELD}
    title = text(reply.get("body"))
    return {
        "kind": "interactive",
        "text": title,
        "interaction": Interaction(kind="flow_reply", id=text(reply.get("name")), title=title, fields=fields),
    }


def _button_body(msg: dict[str, Any]) -> Body | None:
    button = obj(msg.get("button"))
    if button is None:
        return None
    title = text(button.get("text"))
    return {
        "kind": "interactive",
        "text": title,
        "interaction": Interaction(kind="template_button", title=title, payload=text(button.get("payload"))),
    }


def _order_body(msg: dict[str, Any]) -> Body | None:
    order = obj(msg.get("order"))
    if order is None:
        return None
    items = []
    for item in objects(order.get("product_items")):
        product, quantity = nonempty(item.get("product_retailer_id")), number(item.get("quantity"))
        if product is None or quantity is None:
            continue
        items.append(
            OrderItem(
                product_id=product,
                quantity=quantity,
                item_price=number(item.get("item_price")),
                currency=text(item.get("currency")),
            )
        )
    note = nonempty(order.get("text"))
    return {
        "kind": "order",
        "text": note,
        "order": Order(catalog_id=text(order.get("catalog_id")), text=note, items=items),
    }


def _unsupported_body(msg: dict[str, Any]) -> Body | None:
    return {"kind": "unsupported"}


_BODY_READERS: dict[str, Callable[[dict[str, Any]], Body | None]] = {
    "text": _text_body,
    **dict.fromkeys(MEDIA_TYPES, _media_body),
    "location": _location_body,
    "contacts": _contacts_body,
    "interactive": _interactive_body,
    "button": _button_body,
    "order": _order_body,
    "unsupported": _unsupported_body,
    "unknown": _unsupported_body,
}

#: Message types that change an earlier message rather than add one.
_ANNOTATIONS = frozenset({"reaction", "edit", "revoke"})


def _referral(ref: dict[str, Any] | None) -> Referral | None:
    """Click-to-WhatsApp ad / post context (source_type ad|post, the ad id, the click id)."""
    if ref is None:
        return None
    source = text(ref.get("source_type"))
    return Referral(
        source=source,
        type=text(ref.get("media_type")),
        ref=text(ref.get("ctwa_clid")),
        ad_id=text(ref.get("source_id")) if source == "ad" else None,
        url=text(ref.get("source_url")),
        headline=text(ref.get("headline")),
        body=text(ref.get("body")),
    )


def _errors(items: list[dict[str, Any]]) -> list[PlatformError]:
    out = []
    for item in items:
        code = item.get("code")
        if isinstance(code, bool) or not isinstance(code, int | str) or code == "":
            continue
        data = item.get("error_data")
        # Current payloads nest the details in error_data; the older "unknown" message has them inline.
        details = (text(data.get("details")) if isinstance(data, dict) else text(data)) or text(item.get("details"))
        out.append(
            PlatformError(code=code, title=text(item.get("title")), message=text(item.get("message")), details=details)
        )
    return out
