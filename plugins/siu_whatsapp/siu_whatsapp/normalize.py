"""Turn a WhatsApp Cloud API webhook body into siu events. Pure logic: no I/O, no pydantic.

Every event is a plain mapping in the event schema's JSON shape (contract 1.4): exactly what
``model_dump(mode="json", exclude_none=True)`` of its event model gives (timestamps as RFC 3339 in UTC
with ``Z``, nested parts as plain objects, absent optional parts left out, the defaults the model dumps
included). The connector queues it as it is and the contract suite validates and parses each one, so
the connector's hot path imports and builds no model. Only an :class:`~siu_core.models.Unreadable` is
a model (rare: the models are imported when the first one is built).

Shape rules (see the README for the reasoning):

- The envelope and every container Meta always sends as a list or an object (``entry``,
  ``changes``, the ``value`` of a ``messages`` / ``smb_message_echoes`` change, its ``metadata``,
  ``messages``, ``statuses``, ``errors``, ``contacts``, ``message_echoes``) must have that shape,
  else the whole body is :class:`~siu_core.errors.MalformedPayload`. A key that is absent is empty.
- Inside one message or status, optional parts that are absent, null or mistyped are ignored; an
  item that is not an object, or has no id or customer, is an :class:`~siu_core.models.Unreadable`
  in its place (the core keeps it raw, logs and counts it; the rest of the batch is queued); so is a
  reaction, edit, revoke, status or error report whose ids the event model refuses (a lone UTF-16
  surrogate); an unknown message type, status or ``field`` yields nothing.
- A known message type whose body cannot be read becomes a ``kind: unsupported`` message, so the
  thread still shows that the customer sent something; so do ``unsupported`` and ``unknown``
  messages, with the platform's error (code, title, details) kept on the event.
- A message ``edit`` becomes an ``edit`` event of the original message (the edited message's
  text, or its media caption); a ``revoke`` (the customer deleted it for everyone) an ``unsend`` event.
- A WhatsApp Flow answer (``interactive.nfm_reply``) keeps the answers of its ``response_json``
  as the interaction's ``fields`` (without the ``flow_token``, an opaque value of the business's).
- The customer id is the business-scoped user id (BSUID) whenever the payload gives one for that
  person (on the item or through ``contacts``), else the phone number (``wa_id``): one person gets
  one id across every event of a payload, and keeps it when they later hide their number.

The hot path (text messages and statuses) is written for speed: the connector's time over its floor
(HMAC and ``json.loads``) is what ``make bench`` holds to a target. A body is walked twice: once for
its envelope and everyone it names, once for the events; a text message or a status costs one
mapping, a participant and a timestamp, with no object or closure built per item.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from siu_meta.graph import load_json_body, parse_timestamp, valid_unicode

from siu_core.plugin import MalformedPayload, utc_text
from siu_whatsapp._fields import nonempty, number, obj, objects, text

if TYPE_CHECKING:
    from siu_core.plugin import ParticipantData, Unreadable

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
OBJECT = "whatsapp_business_account"
FIELD_MESSAGES = "messages"
FIELD_ECHOES = "smb_message_echoes"
STATUSES = frozenset({"sent", "delivered", "read", "played", "failed"})
#: The event schema's version, which every event model dumps.
SCHEMA_VERSION = "1"

#: WhatsApp media message types -> the contract's attachment type (and message kind).
MEDIA_TYPES: dict[str, Literal["image", "audio", "video", "file", "sticker"]] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "file",
    "sticker": "sticker",
}

#: One event in the event schema's JSON shape (what the event model would dump).
EventData: TypeAlias = dict[str, Any]
#: What normalize yields per item: an event mapping, or an Unreadable in the place of an item it cannot read.
Found: TypeAlias = "EventData | Unreadable"

_UNUSABLE = "no id, customer or readable body"


def normalize_body(body: Any, *, now: Callable[[], datetime] | None = None) -> list[Found]:
    """Read a raw webhook body into events; the only exception it raises is MalformedPayload."""
    if type(body) is not bytes:
        if not isinstance(body, bytes | bytearray | memoryview):
            raise MalformedPayload(f"body must be bytes, not {type(body).__name__}")
        body = bytes(body)
    try:
        data = load_json_body(body, OBJECT)
    except RecursionError:
        raise MalformedPayload("body is not JSON: nested too deeply") from None
    return normalize_payload(data, now=now)


def normalize_payload(data: dict[str, Any], *, now: Callable[[], datetime] | None = None) -> list[Found]:
    """Normalize a parsed ``whatsapp_business_account`` payload (every entry, change and item)."""
    payload = _Payload(data, now)
    return _events(payload) if payload.changes else []


# --- the payload: envelope, who is who -----------------------------------------------------------

#: One ``messages`` or ``smb_message_echoes`` change whose envelope is sound: its field, the indexes of
#: its entry and of itself, the entry (for its ``time``), ``metadata.phone_number_id``, and its lists
#: (an absent one empty): ``contacts``, the messages (``messages``, or ``message_echoes`` for echoes),
#: ``statuses`` (none for echoes), ``errors``. A tuple: a batch has one change per message.
_Change: TypeAlias = tuple[str, int, int, dict[str, Any], str, list[Any], list[Any], list[Any], list[Any]]

#: What an absent list reads as (shared: nothing appends to an item list).
_NONE: list[Any] = []

_LIST_KEYS = {
    FIELD_MESSAGES: ("contacts", "messages", "statuses", "errors"),
    FIELD_ECHOES: ("contacts", "message_echoes", "errors"),
}


class _Payload:
    """A payload read once, before any event is made: its conversation changes (the envelope checked,
    MalformedPayload when it is not sound), everyone it names, and the items that are not even objects.

    Everyone: BSUID <-> phone and each person's profile name and username, from ``contacts`` and from the
    ids on the items (a later item may name the BSUID of an earlier one's phone).
    """

    __slots__ = ("_latest", "_now", "aside", "bsuid_by_phone", "changes", "names", "phone_by_bsuid", "usernames")

    def __init__(self, data: dict[str, Any], now: Callable[[], datetime] | None) -> None:
        self._now = now
        self._latest: datetime | None = None
        self.changes: list[_Change] = []
        #: Change index -> the Unreadables of its items that are not objects (yielded before its events).
        self.aside: dict[int, list[Unreadable]] = {}
        self.bsuid_by_phone: dict[str, str] = {}
        self.phone_by_bsuid: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.usernames: dict[str, str] = {}
        link, names, usernames = self.link, self.names, self.usernames
        for i, entry in enumerate(data["entry"]):
            if type(entry) is not dict:
                raise MalformedPayload(f"entry[{i}] is {_json_type(entry)}, expected an object")
            changes = entry.get("changes", _NONE)
            if type(changes) is not list:
                raise MalformedPayload(f"entry[{i}].changes is {_json_type(changes)}, expected a list")
            for j, change in enumerate(changes):
                if type(change) is not dict:
                    raise MalformedPayload(f"entry[{i}].changes[{j}] is {_json_type(change)}, expected an object")
                field = change.get("field")
                if field == FIELD_MESSAGES:
                    item_key, phone_key, bsuid_key = "messages", "from", "from_user_id"
                elif field == FIELD_ECHOES:
                    item_key, phone_key, bsuid_key = "message_echoes", "to", "to_user_id"
                else:
                    continue  # account_update, templates, history...: not conversation events
                value = change.get("value")
                if type(value) is not dict:
                    raise MalformedPayload(f"entry[{i}].changes[{j}].value is {_json_type(value)}, expected an object")
                metadata = value.get("metadata")
                if type(metadata) is not dict:
                    raise MalformedPayload(
                        f"entry[{i}].changes[{j}].value.metadata is {_json_type(metadata)}, expected an object")
                account_id = metadata.get("phone_number_id")
                if not account_id or type(account_id) is not str:
                    raise MalformedPayload(
                        f"entry[{i}].changes[{j}].value.metadata.phone_number_id is missing or not a string")
                contacts = value.get("contacts", _NONE)
                items = value.get(item_key, _NONE)
                statuses = value.get("statuses", _NONE) if field == FIELD_MESSAGES else _NONE
                errors = value.get("errors", _NONE)
                if type(contacts) is not list or type(items) is not list or type(statuses) is not list \
                        or type(errors) is not list:
                    _refuse_lists(value, field, i, j)
                found = (field, i, j, entry, account_id, contacts, items, statuses, errors)
                # Who the change names; an item that is not an object, in any list, is looked for again in
                # _not_objects (rare).
                odd = False
                for contact in contacts:
                    if type(contact) is not dict:
                        odd = True
                        continue
                    phone, bsuid = contact.get("wa_id"), contact.get("user_id")
                    if not phone or type(phone) is not str:
                        phone = None
                    if not bsuid or type(bsuid) is not str:
                        bsuid = None
                    elif phone is not None:
                        link(phone, bsuid)
                    if type(profile := contact.get("profile")) is dict:
                        if (name := profile.get("name")) and type(name) is str:
                            if bsuid is not None:
                                names.setdefault(bsuid, name)
                            if phone is not None:
                                names.setdefault(phone, name)
                        if (username := profile.get("username")) and type(username) is str:
                            if bsuid is not None:
                                usernames.setdefault(bsuid, username)
                            if phone is not None:
                                usernames.setdefault(phone, username)
                # Items name the person too (message from + from_user_id, echo to + to_user_id, status recipient ids).
                for item in items:
                    if type(item) is not dict:
                        odd = True
                    elif (bsuid := item.get(bsuid_key)) and type(bsuid) is str \
                            and (phone := item.get(phone_key)) and type(phone) is str:
                        link(phone, bsuid)
                for item in statuses:
                    if type(item) is not dict:
                        odd = True
                    elif (bsuid := item.get("recipient_user_id")) and type(bsuid) is str \
                            and (phone := item.get("recipient_id")) and type(phone) is str:
                        link(phone, bsuid)
                if odd or (errors and not all(type(error) is dict for error in errors)):
                    self.aside[len(self.changes)] = _not_objects(found)
                self.changes.append(found)

    def link(self, phone: str, bsuid: str) -> None:
        """Remember that this phone number and this BSUID are the same person (first pairing wins)."""
        self.bsuid_by_phone.setdefault(phone, bsuid)
        self.phone_by_bsuid.setdefault(bsuid, phone)

    def participant(self, phone: Any, bsuid: Any) -> ParticipantData | None:
        """The customer (as a Participant dumps) keyed on BSUID when known, else phone; None when the item names nobody.

        Takes the item's raw values: anything but a non-empty string is no id.
        """
        if not phone or type(phone) is not str:
            phone = None
        if not bsuid or type(bsuid) is not str:
            if phone is None:
                return None
            bsuid = self.bsuid_by_phone.get(phone) if self.bsuid_by_phone else None
        elif phone is None and self.phone_by_bsuid:
            phone = self.phone_by_bsuid.get(bsuid)
        key = bsuid or phone
        who: ParticipantData = {"id": key}
        if self.names and (name := self.names.get(key) or (self.names.get(phone) if phone else None)) is not None:
            who["name"] = name
        if self.usernames and (username := self.usernames.get(key) or (self.usernames.get(phone) if phone else None)):
            who["username"] = username
        if phone is not None:
            who["phone"] = phone
        return who

    def single_person(self, change: _Change) -> ParticipantData | None:
        """When a change names exactly one contact, an item without sender ids is theirs."""
        contacts = change[5]
        if len(contacts) != 1 or type(contact := contacts[0]) is not dict:
            return None
        return self.participant(contact.get("wa_id"), contact.get("user_id"))

    def fallback_time(self, change: _Change) -> str:
        """The time to stamp on an event Meta sent without a readable timestamp (value.errors), as text.

        The entry's ``time`` when present, else the latest timestamp in the payload, else now: never
        earlier than what the payload itself says, and deterministic whenever the payload has a time.
        """
        entry_time = parse_timestamp(change[3].get("time"))
        if entry_time is not None:
            return utc_text(entry_time)
        if self._latest is None:
            self._latest = max(
                (ts for ch in self.changes for items in (ch[6], ch[7]) for item in items
                 if type(item) is dict and (ts := parse_timestamp(item.get("timestamp"))) is not None),
                default=None,
            )
        if self._latest is not None:
            return utc_text(self._latest)
        return utc_text(self._now() if self._now is not None else datetime.now(UTC))


def _refuse_lists(value: dict[str, Any], field: str, i: int, j: int) -> None:
    """Raise MalformedPayload for the first of a change's lists (in Meta's order) that is not a list."""
    for key in _LIST_KEYS[field]:
        found = value.get(key, _NONE)
        if type(found) is not list:
            raise MalformedPayload(f"entry[{i}].changes[{j}].value.{key} is {_json_type(found)}, expected a list")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _path(change: _Change, key: str, k: int | None = None) -> str:
    """Where an item (or, with no index, a whole list) of a change sits in the body, for an Unreadable."""
    where = f"entry[{change[1]}].changes[{change[2]}].value.{key}"
    return where if k is None else f"{where}[{k}]"


def _item_key(change: _Change) -> str:
    """The name of a change's list of messages."""
    return "messages" if change[0] == FIELD_MESSAGES else "message_echoes"


def _unreadable(path: str, reason: str, raw: Any) -> Unreadable:
    """An item the plugin cannot read, for the core to keep raw (its path and reason carry no content)."""
    from siu_core.plugin import Unreadable  # the only model normalize builds: rare, so imported here

    return Unreadable(channel=CHANNEL, path=path, reason=reason, raw=raw)


def _not_objects(change: _Change) -> list[Unreadable]:
    """The items of a change's lists that are not objects, as the Unreadables it yields before its events."""
    lists = (("contacts", change[5]), (_item_key(change), change[6]), ("statuses", change[7]), ("errors", change[8]))
    return [
        _unreadable(_path(change, key, k), f"is {_json_type(item)}, expected an object", item)
        for key, items in lists
        for k, item in enumerate(items)
        if type(item) is not dict
    ]


#: A seconds timestamp without its last digit -> its text without the seconds' last digit and the ``Z``
#: (ten seconds never straddle a minute): ``"1749416383"`` is ``_TEN_SECONDS["174941638"] + "3Z"``.
#: Bounded (see _stamp); a webhook's items, and a warm Lambda's webhooks, come seconds apart.
_TEN_SECONDS: dict[str, str] = {}


def _stamp(value: Any) -> str | None:
    """An item's timestamp as the event schema writes it (UTC, ``Z``), or None when it cannot be read.

    Meta sends whole seconds as a string of digits: those read the text of their ten seconds (kept),
    the same text as ``utc_text(parse_timestamp(value))`` at a tenth of the cost; anything else goes the
    general way.
    """
    if type(value) is str:
        head = _TEN_SECONDS.get(value[:-1])
        if head is not None and "0" <= (last := value[-1]) <= "9":
            return head + last + "Z"
        # At most 11 digits is at most 1e11: seconds (parse_timestamp reads a larger number as milliseconds).
        if 1 < len(value) <= 11 and value.isdigit() and value.isascii():
            if len(_TEN_SECONDS) >= 4096:  # never grows past this, whatever the timestamps
                _TEN_SECONDS.clear()
            stamp = utc_text(datetime.fromtimestamp(int(value), UTC))
            _TEN_SECONDS[value[:-1]] = stamp[:-2]
            return stamp
    when = parse_timestamp(value)
    return None if when is None else utc_text(when)


# --- events --------------------------------------------------------------------------------------


def _events(payload: _Payload) -> list[Found]:
    """Every change's events in order, each item's (or its Unreadable) in the item's place."""
    out: list[Found] = []
    participant, aside, names = payload.participant, payload.aside, payload.names
    by_phone = not payload.bsuid_by_phone and not payload.usernames
    for n, change in enumerate(payload.changes):
        field, _i, _j, _entry, account_id, _contacts, items, statuses, errors = change
        if aside and n in aside:
            out += aside[n]
        if items:
            direction: Literal["message", "echo"]
            if field == FIELD_MESSAGES:
                direction, phone_key, bsuid_key = "message", "from", "from_user_id"
            else:
                direction, phone_key, bsuid_key = "echo", "to", "to_user_id"
            for k, msg in enumerate(items):
                if type(msg) is not dict:
                    continue  # set aside already
                kind = msg.get("type")
                if kind != "text" and (type(kind) is not str or kind not in _KNOWN_TYPES):
                    log.debug("whatsapp: ignored %s: message type %r is not a conversation message",
                              _path(change, _item_key(change), k), (kind if type(kind) is str else "")[:40])
                    continue
                phone = msg.get(phone_key)
                who: ParticipantData | None
                if by_phone and phone and type(phone) is str and bsuid_key not in msg:
                    # Known by phone only, and nobody in the payload has a BSUID or a username: participant()'s answer.
                    who = {"id": phone, "name": name, "phone": phone} if (name := names.get(phone)) is not None \
                        else {"id": phone, "phone": phone}
                else:
                    who = participant(phone, msg.get(bsuid_key)) or payload.single_person(change)
                message_id = msg.get("id")
                if who is None or not message_id or type(message_id) is not str:
                    out.append(_unreadable(_path(change, _item_key(change), k), _UNUSABLE, msg))
                    continue
                stamp = _stamp(msg.get("timestamp")) or payload.fallback_time(change)
                if kind == "text" and type(body := msg.get("text")) is dict \
                        and type(words := body.get("body")) is str:
                    # The usual message, read right here: a MessageEvent's dump.
                    event: EventData = {
                        "schema_version": SCHEMA_VERSION, "channel": CHANNEL, "account_id": account_id,
                        "customer": who, "timestamp": stamp, "type": direction, "message_id": message_id,
                        "kind": "text", "text": words, "attachments": [], "contacts": [], "forwarded": False,
                        "standby": False, "own_app": False, "errors": [],
                    }
                    if "context" in msg or "referral" in msg or "errors" in msg:
                        _message_parts(event, msg)
                    out.append(event)
                    continue
                found = _message(change, msg, who, stamp, direction, kind)
                if found is None or isinstance(found, str):
                    out.append(_unreadable(_path(change, _item_key(change), k), found or _UNUSABLE, msg))
                else:
                    out.append(found)
        if statuses:
            account_ascii = account_id.isascii()
            for k, status in enumerate(statuses):
                if type(status) is not dict:
                    continue
                value = status.get("status")
                if type(value) is not str or value not in STATUSES:
                    log.debug("whatsapp: ignored %s: not a delivery status", _path(change, "statuses", k))
                    continue
                message_id = status.get("id")
                phone = status.get("recipient_id")
                if by_phone and phone and type(phone) is str and "recipient_user_id" not in status:
                    who = {"id": phone, "name": name, "phone": phone} if (name := names.get(phone)) is not None \
                        else {"id": phone, "phone": phone}  # participant()'s answer, as for messages above
                else:
                    who = participant(phone, status.get("recipient_user_id"))
                if who is None or not message_id or type(message_id) is not str:
                    out.append(_unreadable(_path(change, "statuses", k), "no message id or recipient", status))
                    continue
                if not (account_ascii and who["id"].isascii()) and (refused := _refused_ids(account_id, who)):
                    out.append(_unreadable(_path(change, "statuses", k), refused, status))
                    continue
                event = {
                    "schema_version": SCHEMA_VERSION, "channel": CHANNEL, "account_id": account_id,
                    "customer": who, "timestamp": _stamp(status.get("timestamp")) or payload.fallback_time(change),
                    "type": "status", "status": value, "message_ids": [message_id],
                }
                if "errors" in status and (found_errors := _errors(status["errors"])):
                    event["error"] = found_errors[0]
                out.append(event)
        if errors:
            out.append(_platform_errors(change, payload))
    return out


def _refused_ids(account_id: str, who: ParticipantData | None, target: str = "") -> str | None:
    """Why the event model would refuse the ids of a non-message event, or None (the usual case).

    The models hold ``account_id``, ``customer.id`` and ``target_message_id`` to valid Unicode: an id
    with a lone UTF-16 surrogate (an escape cut in half) is refused there, so the item is set aside here,
    with the reason the model's error gives.
    """
    ids = (("account_id", account_id), ("customer.id", who["id"] if who else ""), ("target_message_id", target))
    bad = [name for name, value in ids if not valid_unicode(value)]
    return f"invalid {', '.join(bad)}" if bad else None


def _message(
    change: _Change,
    msg: dict[str, Any],
    who: ParticipantData,
    stamp: str,
    direction: Literal["message", "echo"],
    kind: str,
) -> EventData | str | None:
    """A message item's event (a ``MessageEvent``'s dump, or the reaction, edit or unsend it is); else why
    it is set aside (None: no readable body)."""
    if kind in _ANNOTATIONS:
        return _annotation(change, msg, who, stamp, direction, kind)
    event: EventData = {
        "schema_version": SCHEMA_VERSION, "channel": CHANNEL, "account_id": change[4], "customer": who,
        "timestamp": stamp, "type": direction, "message_id": msg["id"], "kind": "unsupported", "attachments": [],
        "contacts": [], "forwarded": False, "standby": False, "own_app": False, "errors": [],
    }
    body = _BODY_READERS[kind](msg)
    if body is not None:
        event.update(body)
    _message_parts(event, msg)
    return event


def _message_parts(event: EventData, msg: dict[str, Any]) -> None:
    """What any message may carry besides its body: the message it replies to, forwarding, the ad, errors."""
    context = msg.get("context")
    if type(context) is dict:
        if (reply_to := nonempty(context.get("id"))) is not None:
            event["reply_to"] = reply_to
        if context.get("forwarded") is True or context.get("frequently_forwarded") is True:
            event["forwarded"] = True
    if type(referral := msg.get("referral")) is dict:
        event["referral"] = _referral(referral)
    if "errors" in msg:
        event["errors"] = _errors(msg["errors"])


def _annotation(
    change: _Change,
    msg: dict[str, Any],
    who: ParticipantData,
    stamp: str,
    direction: Literal["message", "echo"],
    kind: str,
) -> EventData | str | None:
    """A reaction, edit or revoke: an event about an earlier message (None when it names none)."""
    part = obj(msg.get(kind)) or {}
    extra: dict[str, Any] = {}
    if kind == "reaction":
        target = nonempty(part.get("message_id"))
        emoji = nonempty(part.get("emoji"))  # removed: emoji absent or ""
        extra = {"action": "react", "emoji": emoji} if emoji else {"action": "unreact"}
        extra["by"] = "customer" if direction == "message" else "business"
    elif kind == "edit":
        # The customer edited an earlier message: its new text (or new caption) replaces the old one.
        target = nonempty(part.get("original_message_id"))
        edited = obj(part.get("message")) or {}
        reader = _BODY_READERS.get(edited_type) if isinstance(edited_type := edited.get("type"), str) else None
        new_text = text((reader(edited) or {}).get("text")) if reader is not None else None
        if new_text is None:
            return None
        extra["text"] = new_text
    else:  # revoke: the customer deleted an earlier message for everyone, the thread shows it deleted
        target = nonempty(part.get("original_message_id"))
    if target is None:
        return None
    account_id = change[4]
    if not (account_id.isascii() and who["id"].isascii() and target.isascii()) \
            and (refused := _refused_ids(account_id, who, target)):
        return refused
    return {
        "schema_version": SCHEMA_VERSION, "channel": CHANNEL, "account_id": account_id,
        "customer": who, "timestamp": stamp, "type": _ANNOTATIONS[kind], "target_message_id": target, **extra,
    }


def _platform_errors(change: _Change, payload: _Payload) -> Found:
    """A change's ``value.errors`` as one platform error event (an Unreadable when no error has a code)."""
    errors = _errors(change[8])
    refused = _refused_ids(change[4], None) if errors else "no error with a code"
    if refused is not None:
        # The list as read: an item that is not an object (set aside on its own) is {} here.
        raw = [item if type(item) is dict else {} for item in change[8]]
        return _unreadable(_path(change, "errors"), refused, raw)
    return {
        "schema_version": SCHEMA_VERSION, "type": "platform_error", "channel": CHANNEL,
        "account_id": change[4], "timestamp": payload.fallback_time(change), "errors": errors,
    }


# --- message bodies ------------------------------------------------------------------------------

#: What a body reader gives: the message's ``kind`` and the fields that body fills, as the model dumps them.
Body = dict[str, Any]
_UNSUPPORTED: Body = {"kind": "unsupported"}


def _text_body(msg: dict[str, Any]) -> Body | None:
    body = text((obj(msg.get("text")) or {}).get("body"))
    return None if body is None else {"kind": "text", "text": body}


def _media_body(msg: dict[str, Any]) -> Body | None:
    wa_type = msg["type"]
    media = obj(msg.get(wa_type))
    if media is None:
        return None
    media_id, url = nonempty(media.get("id")), nonempty(media.get("url"))
    if media_id is None and url is None:
        return None
    kind = MEDIA_TYPES[wa_type]
    attachment: dict[str, Any] = {"type": kind}
    if url is not None:
        attachment["url"] = url
    if media_id is not None:
        attachment["media_id"] = media_id
    caption = text(media.get("caption"))
    for key, value in (("mime_type", text(media.get("mime_type"))), ("caption", caption),
                       ("filename", text(media.get("filename"))), ("sha256", text(media.get("sha256")))):
        if value is not None:
            attachment[key] = value
    attachment["voice"] = media.get("voice") is True
    body: Body = {"kind": kind, "attachments": [attachment]}
    if caption is not None:
        body["text"] = caption
    return body


def _location_body(msg: dict[str, Any]) -> Body | None:
    loc = obj(msg.get("location")) or {}
    lat, lon = number(loc.get("latitude")), number(loc.get("longitude"))
    if lat is None or lon is None:
        return None
    return {"kind": "location", "location": _present(
        {"latitude": lat, "longitude": lon, "name": text(loc.get("name")), "address": text(loc.get("address")),
         "url": text(loc.get("url"))})}


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
        cards.append({"name": full, "phones": phones, "emails": emails})
    return {"kind": "contact", "contacts": cards} if cards else None


def _interactive_body(msg: dict[str, Any]) -> Body | None:
    interactive = obj(msg.get("interactive")) or {}
    sub = text(interactive.get("type"))
    if sub == "nfm_reply":
        return _flow_body(obj(interactive.get("nfm_reply")) or {})
    if sub != "button_reply" and sub != "list_reply":
        return None  # future kinds: shown as unsupported
    reply = obj(interactive.get(sub)) or {}
    title = text(reply.get("title"))
    return _present({"kind": "interactive", "text": title,
                     "interaction": _present({"kind": sub, "id": text(reply.get("id")), "title": title})})


#: A Flow's correlation token: the business's own opaque value, not an answer of the customer's.
FLOW_TOKEN_FIELD = "flow_token"  # noqa: S105 - a field name, not a secret


def _flow_body(reply: dict[str, Any]) -> Body:
    """A completed WhatsApp Flow: its answers by field name, read from the ``response_json`` string."""
    fields: dict[str, Any] | None = None
    raw = text(reply.get("response_json"))
    if raw is not None:
        try:
            # NaN and infinities are no JSON values: null, as the models write them.
            parsed = json.loads(raw, parse_constant=_null, parse_float=_finite)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            fields = {k: v for k, v in parsed.items() if k != FLOW_TOKEN_FIELD}
    title = text(reply.get("body"))
    return _present({"kind": "interactive", "text": title, "interaction": _present(
        {"kind": "flow_reply", "id": text(reply.get("name")), "title": title, "fields": fields})})


def _null(_: str) -> None:
    return None


def _finite(raw: str) -> float | None:
    value = float(raw)
    return value if math.isfinite(value) else None


def _button_body(msg: dict[str, Any]) -> Body | None:
    button = obj(msg.get("button"))
    if button is None:
        return None
    title = text(button.get("text"))
    return _present({"kind": "interactive", "text": title, "interaction": _present(
        {"kind": "template_button", "title": title, "payload": text(button.get("payload"))})})


def _order_body(msg: dict[str, Any]) -> Body | None:
    order = obj(msg.get("order"))
    if order is None:
        return None
    items = []
    for item in objects(order.get("product_items")):
        product, quantity = nonempty(item.get("product_retailer_id")), number(item.get("quantity"))
        if product is None or quantity is None:
            continue
        items.append(_present({"product_id": product, "quantity": quantity,
                               "item_price": number(item.get("item_price")), "currency": text(item.get("currency"))}))
    note = nonempty(order.get("text"))
    return _present({"kind": "order", "text": note,
                     "order": _present({"catalog_id": text(order.get("catalog_id")), "text": note, "items": items})})


def _unsupported_body(msg: dict[str, Any]) -> Body | None:
    return _UNSUPPORTED


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

#: Message types that change an earlier message rather than add one -> the event they become.
_ANNOTATIONS = {"reaction": "reaction", "edit": "edit", "revoke": "unsend"}
#: Every message type that yields an event; the others (typing, system notices, future types) yield nothing.
_KNOWN_TYPES = frozenset(_BODY_READERS) | frozenset(_ANNOTATIONS)


def _present(part: dict[str, Any]) -> dict[str, Any]:
    """A part without its absent (None) fields, as the models dump it."""
    return {k: v for k, v in part.items() if v is not None}


def _referral(ref: dict[str, Any]) -> dict[str, Any]:
    """Click-to-WhatsApp ad / post context (source_type ad|post, the ad id, the click id)."""
    source = text(ref.get("source_type"))
    return _present({
        "source": source,
        "type": text(ref.get("media_type")),
        "ref": text(ref.get("ctwa_clid")),
        "ad_id": text(ref.get("source_id")) if source == "ad" else None,
        "url": text(ref.get("source_url")),
        "headline": text(ref.get("headline")),
        "body": text(ref.get("body")),
    })


def _errors(items: Any) -> list[dict[str, Any]]:
    """The platform's errors that carry a code (the others say nothing one can act on), as PlatformError dumps."""
    out = []
    for item in objects(items):
        code = item.get("code")
        if isinstance(code, bool) or not isinstance(code, int | str) or code == "":
            continue
        data = item.get("error_data")
        # Current payloads nest the details in error_data; the older "unknown" message has them inline.
        details = (text(data.get("details")) if isinstance(data, dict) else text(data)) or text(item.get("details"))
        error: dict[str, Any] = {"code": code}
        for key, value in (("title", text(item.get("title"))), ("message", text(item.get("message"))),
                           ("details", details)):
            if value is not None:
                error[key] = value
        out.append(error)
    return out
