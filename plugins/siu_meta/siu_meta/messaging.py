"""Messenger Platform mechanics shared by the Instagram and Facebook Messenger plugins.

Both channels deliver ``{"object": ..., "entry": [{"messaging": [...], "standby": [...],
"changes": [...]}]}`` webhooks with the same item shapes (``message``, ``postback``, ``reaction``,
``delivery``, ``read``, ``message_edit``), and both send through ``POST /{id}/messages``. This module
parses those items into siu events, builds and sends Send API requests, downloads attachments and
builds signed sample webhooks, once, for both plugins, and :class:`MessagingChannel` implements
the hooks on top of that for both. Channel differences (names, hosts, limits, error codes) come in
through :class:`MessagingProfile` (and, for hosts and the Send API node, a subclass). Signatures,
the hub handshake, timestamps and Graph error mapping live in :mod:`siu_meta.graph`; nothing here
re-implements them.

The connector's path imports and builds no model (contract 1.4, the connector's cold start): every
event normalize returns is a plain mapping equal to its event model's JSON dump, a channel's
description, window and file rules are plain data, and the model classes are imported only inside
the functions that build one (send, media, profiles, samples, stand-in, handshake) or for typing.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from urllib.parse import unquote, urlsplit

from siu_core.plugin import (
    ConfigError,
    InvalidReply,
    MalformedPayload,
    MessageEventData,
    PermanentSendError,
    TransientSendError,
    WindowClosed,
    hookimpl,
    utc_text,
)
from siu_meta import profiles
from siu_meta.graph import (
    DEFAULT_GRAPH_BASE_URL,
    DEFAULT_GRAPH_VERSION,
    GraphErrorPolicy,
    classify_graph_error,
    graph_post,
    hub_handshake,
    load_json_body,
    parse_graph_error,
    parse_timestamp,
    sign_body,
    valid_unicode,
    verify_hub_signature,
)

if TYPE_CHECKING:
    # Models only for typing: the connector's path (normalize, signature) builds and imports none; the
    # hooks that need one (send, media, profiles, simulate, stand-in) import it when called.
    from siu_core.plugin import (
        Attachment,
        AttachmentType,
        CustomerProfile,
        HandshakeResponse,
        MediaContent,
        MessageKind,
        ReplyRequest,
        SendResult,
        SimulatedMessage,
        StandInResponse,
        Unreadable,
        WebhookRequest,
        WindowState,
    )

#: One event in the event schema's JSON shape: what its event model's ``model_dump(mode="json",
#: exclude_none=True)`` gives (contract 1.4), so the connector queues it with no model built.
EventData: TypeAlias = dict[str, Any]
#: What normalize returns per item: an event mapping, or an Unreadable in the place of an item it cannot read.
Found: TypeAlias = "EventData | MessageEventData | Unreadable"
#: The event schema's version, which every event model dumps.
SCHEMA_VERSION = "1"

#: Every reply siu sends carries ``metadata = OWN_MARKER + idempotency key`` (Messenger echoes it
#: back), so the echo of siu's own reply is recognised and never shown twice in the thread.
OWN_MARKER = "siu:"
#: Meta's limit on the Send API ``metadata`` string.
MAX_METADATA_CHARS = 1000
#: Messenger and Instagram attachments are at most 25 MB; a little headroom, then refuse.
MAX_MEDIA_BYTES = 32 * 1024 * 1024
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

#: Platform attachment type -> siu attachment type. Anything else becomes ``fallback``.
ATTACHMENT_TYPES: Mapping[str, AttachmentType] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "file": "file",
    "sticker": "sticker",
    "reel": "reel",
    "ig_reel": "reel",
    "share": "share",
    "post": "post",
    "ig_post": "post",
    "story_mention": "story_mention",
    "ig_story": "story_mention",
    "fallback": "fallback",
}
#: A shared place: read into the message's ``location`` (coordinates, title, map URL), not an attachment.
LOCATION_TYPE = "location"
#: Attachment types that carry the story the customer mentioned the business in.
STORY_MENTION_TYPES = frozenset({"story_mention", "ig_story"})
#: siu attachment type -> the message kind of a message whose first attachment it is.
_KIND_OF_ATTACHMENT: Mapping[str, MessageKind] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "file": "file",
    "sticker": "sticker",
    "reel": "share",
    "post": "share",
    "share": "share",
    "fallback": "share",
    "story_mention": "story_mention",
}


@dataclass(frozen=True)
class MessagingProfile:
    """What differs between the Messenger-Platform channels; everything else is shared."""

    channel: str
    webhook_object: str
    display_name: str
    error_policy: GraphErrorPolicy
    max_text: int
    text_unit: Literal["characters", "bytes"]
    #: Send siu's marker as ``message.metadata`` (documented for Messenger's Send API only).
    send_metadata: bool = True
    #: The files the Send API takes by URL (contract 1.4), as ``AttachmentSupport`` fields in plain data (the
    #: connector's cold start builds no model); None: the channel sends none.
    attachments: Mapping[str, Any] | None = None
    #: The fields this channel's user-profile API is asked for (:mod:`siu_meta.profiles`).
    profile_fields: tuple[str, ...] = ()


def setting_flag(settings: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """Read a boolean setting that may arrive as text from Parameter Store or the environment."""
    value = settings.get(key, default)
    if isinstance(value, bool):
        return value
    if value is None:
        return default
    word = str(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ConfigError(f"setting {key!r} must be true or false, not {value!r}")


def own_marker(idempotency_key: str) -> str:
    """The metadata siu puts on a send, so the platform's echo of it is known to be siu's own."""
    return (OWN_MARKER + idempotency_key)[:MAX_METADATA_CHARS]


# =================================================================================================
# Webhook parsing
# =================================================================================================


def normalize_body(body: bytes, settings: Mapping[str, Any], profile: MessagingProfile) -> list[Found]:
    """Every event of every entry of a Messenger-Platform webhook, in order, an Unreadable in place of an
    item that cannot read; MalformedPayload for a body that is not such a webhook at all.

    Each event is a plain mapping equal to its event model's JSON dump (contract 1.4): the connector queues
    it as it is, and neither pydantic nor the models are imported unless an item has to be set aside.
    """
    try:
        data = load_json_body(body, profile.webhook_object)
    except RecursionError:
        raise MalformedPayload("body is nested too deeply") from None
    own_app_id = _text_setting(settings, "app_id")
    parser = _Parser(profile.channel, own_app_id)
    events: list[Found] = []
    for index, entry in enumerate(data["entry"]):
        events.extend(parser.entry(entry, f"entry[{index}]"))
    return events


def _text_setting(settings: Mapping[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class _ItemLocation:
    """Where in the body an item sits: for error messages and for its entry's fallbacks."""

    path: str
    entry_id: str | None
    entry_time: Any
    standby: bool


class _Parser:
    """Turns ``entry`` objects into events; raises MalformedPayload naming the offending path."""

    def __init__(self, channel: str, own_app_id: str | None) -> None:
        self.channel = channel
        self.own_app_id = own_app_id

    # --- envelope ---------------------------------------------------------------------------

    def entry(self, entry: Any, path: str) -> Iterator[Found]:
        entry = _obj(entry, path)
        entry_id = _opt_id(entry.get("id"), f"{path}.id")
        time = entry.get("time")
        for key, standby in (("messaging", False), ("standby", True)):
            items = entry.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                raise MalformedPayload(f"{path}.{key} is not a list")
            for i, item in enumerate(items):
                yield from self.readable(item, _ItemLocation(f"{path}.{key}[{i}]", entry_id, time, standby))
        changes = entry.get("changes")
        if changes is None:
            return
        if not isinstance(changes, list):
            raise MalformedPayload(f"{path}.changes is not a list")
        for i, change in enumerate(changes):
            cpath = f"{path}.changes[{i}]"
            value = _obj(change, cpath).get("value")
            # Only the Messenger-shaped fields (the dashboard's test button for ``messages`` and
            # friends) carry a sender; comments, mentions and insights do not and are not messages.
            if isinstance(value, dict) and "sender" in value:
                yield from self.readable(value, _ItemLocation(f"{cpath}.value", entry_id, time, False))

    def readable(self, item: Any, where: _ItemLocation) -> list[Found]:
        """One item's events; an item that cannot be read costs only itself (an Unreadable in its place)."""
        try:
            return list(self.item(_obj(item, where.path), where))
        except MalformedPayload as exc:
            from siu_core.plugin import Unreadable  # only for an item set aside: the usual webhook builds no model

            return [Unreadable(channel=self.channel, path=where.path[:200], reason=exc.reason[:300], raw=item)]

    def item(self, item: dict[str, Any], where: _ItemLocation) -> Iterator[EventData | MessageEventData]:
        if "message" in item:
            yield self.message(item, where)
        elif "postback" in item:
            yield self.postback(item, where)
        elif "reaction" in item:
            yield from self.reaction(item, where)
        elif "message_edit" in item:
            yield self.edit(item, where)
        elif "delivery" in item:
            yield from self.status(item, where, "delivery", "delivered")
        elif "read" in item:
            yield from self.status(item, where, "read", "read")
        # Typing, referrals without a message, opt-ins, handover control, account linking,
        # policy enforcement and anything newer: nothing for the inbox.

    # --- shared pieces ----------------------------------------------------------------------

    def _parties(self, item: dict[str, Any], where: _ItemLocation) -> tuple[str, str | None]:
        sender = _participant(item.get("sender"), f"{where.path}.sender")
        recipient = _opt_participant(item.get("recipient"), f"{where.path}.recipient")
        return sender, recipient

    def _timestamp(self, item: dict[str, Any], where: _ItemLocation, *fallbacks: Any) -> datetime:
        for value in (item.get("timestamp"), where.entry_time, *fallbacks):
            ts = _parse_ts(value)
            if ts is not None:
                return ts
        raise MalformedPayload(f"{where.path}: no readable timestamp")

    @staticmethod
    def _account(business: str | None, where: _ItemLocation) -> str:
        account = business or where.entry_id
        if not account:
            raise MalformedPayload(f"{where.path}: no business account id")
        return account

    def _event(self, kind: str, account: str, customer: str, timestamp: datetime, where: _ItemLocation,
               **ids: str) -> EventData:
        """The fields every event starts with, in the models' order, once its ids are ones the models accept.

        The models hold ``account_id``, ``customer.id`` and the message ids to valid Unicode: an id with a
        lone UTF-16 surrogate (an escape cut in half) is refused there, so the item is set aside here with
        the reason the model's error gave before events were mappings (the customer was a model of its own,
        checked first and alone).
        """
        bad = 1 if not valid_unicode(customer) else sum(not valid_unicode(v) for v in (account, *ids.values()))
        if bad:
            raise MalformedPayload(f"{where.path}: {bad} invalid field(s)")
        return {"schema_version": SCHEMA_VERSION, "channel": self.channel, "account_id": account,
                "customer": {"id": customer}, "timestamp": utc_text(timestamp), "type": kind, **ids}

    # --- item kinds -------------------------------------------------------------------------

    def message(self, item: dict[str, Any], where: _ItemLocation) -> EventData | MessageEventData:
        msg = _obj(item["message"], f"{where.path}.message")
        path = f"{where.path}.message"
        mid = _req_str(msg.get("mid"), f"{path}.mid")
        sender, recipient = self._parties(item, where)
        echo = msg.get("is_echo") is True
        business: str | None
        if echo:
            if recipient is None:
                raise MalformedPayload(f"{where.path}.recipient is missing on an echo")
            customer, business = recipient, sender
        else:
            customer, business = sender, recipient
        account = self._account(business, where)
        timestamp = self._timestamp(item, where)
        if msg.get("is_deleted") is True:
            return self._event("unsend", account, customer, timestamp, where, target_message_id=mid)
        text = _opt_str(msg.get("text"), f"{path}.text")
        attachments = _attachments(msg.get("attachments"), f"{path}.attachments")
        story = _story(msg, attachments, path)
        location = _location(msg.get("attachments"), f"{path}.attachments")
        interaction = None
        quick = msg.get("quick_reply")
        if quick is not None:
            quick = _obj(quick, f"{path}.quick_reply")
            payload = _opt_str(quick.get("payload"), f"{path}.quick_reply.payload")
            interaction = _interaction("quick_reply", text, payload)
        reply_to = None
        reply = msg.get("reply_to")
        if reply is not None:
            reply_to = _opt_str(_obj(reply, f"{path}.reply_to").get("mid"), f"{path}.reply_to.mid")
        referral = _referral(msg.get("referral"), f"{path}.referral")
        if referral is None and "referral" in item:
            referral = _referral(item.get("referral"), f"{where.path}.referral")
        own = False
        if echo:
            app_id = msg.get("app_id")
            metadata = msg.get("metadata")
            own = (
                self.own_app_id is not None
                and app_id is not None
                and not isinstance(app_id, bool | dict | list)
                and str(app_id) == self.own_app_id
            ) or (isinstance(metadata, str) and metadata.startswith(OWN_MARKER))
        kind = "location" if location is not None and story is None else _kind(
            text, attachments, story, interaction, _unsupported(msg))
        # Every id in it was checked non-empty above; a message's ids are queued as they came (the
        # connector scrubs a lone surrogate), as they were before every event was a mapping.
        return _message_event("echo" if echo else "message", self.channel, account, customer, timestamp, mid, kind,
                              text=text, attachments=attachments, reply_to=reply_to, story=story,
                              interaction=interaction, location=location, referral=referral,
                              standby=where.standby, own_app=own)

    def postback(self, item: dict[str, Any], where: _ItemLocation) -> MessageEventData:
        path = f"{where.path}.postback"
        postback = _obj(item["postback"], path)
        sender, recipient = self._parties(item, where)
        timestamp = self._timestamp(item, where)
        mid = _opt_str(postback.get("mid"), f"{path}.mid")
        if not mid:
            # Postbacks before Graph v11.0 carry no mid: derive a stable one so re-deliveries dedupe.
            mid = f"postback:{sender}:{_raw_ts(item.get('timestamp'), timestamp)}"
        title = _opt_str(postback.get("title"), f"{path}.title")
        account = self._account(recipient, where)
        interaction = _interaction("postback", title, _opt_str(postback.get("payload"), f"{path}.payload"))
        referral = _referral(postback.get("referral"), f"{path}.referral")
        self._event("message", account, sender, timestamp, where, message_id=mid)  # the ids a model would refuse
        return _message_event("message", self.channel, account, sender, timestamp, mid, "interactive", text=title,
                              interaction=interaction, referral=referral, standby=where.standby)

    def reaction(self, item: dict[str, Any], where: _ItemLocation) -> Iterator[EventData]:
        path = f"{where.path}.reaction"
        reaction = _obj(item["reaction"], path)
        action = reaction.get("action")
        if action not in ("react", "unreact"):
            return  # a reaction action this version does not know: nothing to annotate
        target = _req_str(reaction.get("mid"), f"{path}.mid")
        sender, recipient = self._parties(item, where)
        customer, business, by_business = sender, recipient, False
        if recipient is not None and sender == where.entry_id:
            customer, business, by_business = recipient, sender, True
        account, timestamp = self._account(business, where), self._timestamp(item, where)
        emoji = _opt_str(reaction.get("emoji"), f"{path}.emoji")
        name = _opt_str(reaction.get("reaction"), f"{path}.reaction")
        event = self._event("reaction", account, customer, timestamp, where, target_message_id=target)
        event["action"] = action
        if emoji:
            event["emoji"] = emoji
        if name:
            event["reaction"] = name
        event["by"] = "business" if by_business else "customer"
        yield event

    def edit(self, item: dict[str, Any], where: _ItemLocation) -> EventData:
        path = f"{where.path}.message_edit"
        edit = _obj(item["message_edit"], path)
        target = _req_str(edit.get("mid"), f"{path}.mid")
        text = edit.get("text")
        if not isinstance(text, str):
            raise MalformedPayload(f"{path}.text is not a string")
        sender, recipient = self._parties(item, where)
        event = self._event("edit", self._account(recipient, where), sender, self._timestamp(item, where), where,
                            target_message_id=target)
        event["text"] = text
        return event

    def status(
        self, item: dict[str, Any], where: _ItemLocation, key: str, status: Literal["delivered", "read"]
    ) -> Iterator[EventData]:
        path = f"{where.path}.{key}"
        obj = _obj(item[key], path)
        sender, recipient = self._parties(item, where)
        if where.entry_id is not None and sender == where.entry_id:
            return  # the business itself read a customer's message: not a status of a reply
        ids: list[str] = []
        mids = obj.get("mids")
        if mids is not None:
            if not isinstance(mids, list):
                raise MalformedPayload(f"{path}.mids is not a list")
            ids = [_req_str(m, f"{path}.mids[{i}]") for i, m in enumerate(mids)]
        if "mid" in obj:
            ids.append(_req_str(obj.get("mid"), f"{path}.mid"))
        watermark = None
        if obj.get("watermark") is not None:
            watermark = _parse_ts(obj.get("watermark"))
            if watermark is None:
                raise MalformedPayload(f"{path}.watermark is not a timestamp")
        if not ids and watermark is None:
            return  # says nothing about any message
        event = self._event("status", self._account(recipient, where), sender,
                            self._timestamp(item, where, obj.get("watermark")), where)
        event["status"] = status
        event["message_ids"] = ids
        if watermark is not None:
            event["watermark"] = utc_text(watermark)
        yield event


def _message_event(
    direction: Literal["message", "echo"], channel: str, account: str, customer: str, timestamp: datetime, mid: str,
    kind: str, *, text: str | None = None, attachments: list[dict[str, Any]] | None = None,
    reply_to: str | None = None, story: dict[str, Any] | None = None, interaction: dict[str, Any] | None = None,
    location: dict[str, Any] | None = None, referral: dict[str, Any] | None = None, standby: bool = False,
    own_app: bool = False,
) -> MessageEventData:
    """A message as ``MessageEvent.model_dump(mode="json", exclude_none=True)`` gives it: defaults included,
    absent parts left out, in the model's field order (so its queue body reads as the model's would)."""
    event: MessageEventData = {
        "schema_version": "1", "channel": channel, "account_id": account, "customer": {"id": customer},
        "timestamp": utc_text(timestamp), "type": direction, "message_id": mid, "kind": kind,
    }
    if text is not None:
        event["text"] = text
    event["attachments"] = attachments or []
    if reply_to is not None:
        event["reply_to"] = reply_to
    if story is not None:
        event["story"] = story
    if interaction is not None:
        event["interaction"] = interaction
    if location is not None:
        event["location"] = location
    event["contacts"] = []
    if referral is not None:
        event["referral"] = referral
    event["forwarded"] = False
    event["standby"] = standby
    event["own_app"] = own_app
    event["errors"] = []
    return event


def _some(**parts: Any) -> dict[str, Any]:
    """A part of an event as its model dumps it with ``exclude_none``: the fields that are not None, in order."""
    return {key: value for key, value in parts.items() if value is not None}


# --- small readers (each raises MalformedPayload naming the path) ---------------------------------


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{path} is not an object")
    return value


def _req_str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"{path} is missing or not a non-empty string")
    return value


def _opt_str(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedPayload(f"{path} is not a string")
    return value


def _opt_id(value: Any, path: str) -> str | None:
    """Graph ids are strings; tolerate numbers (some test tools send them), refuse anything else."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedPayload(f"{path} is not an id")
    text = str(value)
    return text or None


def _participant(value: Any, path: str) -> str:
    found = _opt_participant(value, path)
    if found is None:
        raise MalformedPayload(f"{path} is missing or has no id")
    return found


def _opt_participant(value: Any, path: str) -> str | None:
    if value is None:
        return None
    obj = _obj(value, path)
    # ``user_ref`` identifies a person who opted in through the checkbox plugin before any chat.
    return _opt_id(obj.get("id"), f"{path}.id") or _opt_id(obj.get("user_ref"), f"{path}.user_ref")


def _parse_ts(value: Any) -> datetime | None:
    try:
        return parse_timestamp(value)
    except (OverflowError, ValueError):  # an integer too large for a float
        return None


def _raw_ts(raw: Any, parsed: datetime) -> str:
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        return str(raw)
    return str((parsed - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))


def _attachments(value: Any, path: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(f"{path} is not a list")
    result: list[dict[str, Any]] = []
    for i, raw in enumerate(value):
        if isinstance(raw, dict) and raw.get("type") == LOCATION_TYPE:
            continue  # read by _location into the message's location
        att = _attachment(_obj(raw, f"{path}[{i}]"), f"{path}[{i}]")
        sticker_id = att.get("sticker_id")
        if att["type"] == "sticker" and sticker_id is not None:
            # During Meta's sticker transition the same sticker comes as ``image`` and ``sticker``.
            dup = next((j for j, a in enumerate(result) if a.get("sticker_id") == sticker_id), None)
            if dup is not None:
                if result[dup].get("url") is None and att.get("url") is not None:
                    result[dup] = att
                continue
        result.append(att)
    return result


def _attachment(raw: dict[str, Any], path: str) -> dict[str, Any]:
    """One attachment as ``Attachment`` dumps it (``voice`` is always there: the model's default)."""
    platform_type = raw.get("type")
    payload = raw.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    url = _opt_str(payload.get("url"), f"{path}.payload.url") or _opt_str(raw.get("url"), f"{path}.url")
    title = _opt_str(payload.get("title"), f"{path}.payload.title") or _opt_str(raw.get("title"), f"{path}.title")
    sticker = payload.get("sticker_id")
    sticker_id = None if sticker is None else _opt_id(sticker, f"{path}.payload.sticker_id")
    kind: AttachmentType = (
        ATTACHMENT_TYPES.get(platform_type, "fallback") if isinstance(platform_type, str) else "fallback"
    )
    if kind == "image" and sticker_id is not None:
        kind = "sticker"  # Messenger's classic sticker: an image with a sticker id
    return _some(type=kind, url=url, sticker_id=sticker_id, voice=False, title=title)


def _story(msg: dict[str, Any], attachments: list[dict[str, Any]], path: str) -> dict[str, Any] | None:
    """The story a message replies to or mentions, as ``Story`` dumps it."""
    reply = msg.get("reply_to")
    if isinstance(reply, dict) and reply.get("story") is not None:
        story = _obj(reply["story"], f"{path}.reply_to.story")
        return _some(
            kind="reply",
            id=_opt_id(story.get("id"), f"{path}.reply_to.story.id"),
            url=_opt_str(story.get("url"), f"{path}.reply_to.story.url"),
        )
    mention = next((a for a in attachments if a["type"] == "story_mention"), None)
    if mention is not None:
        return _some(kind="mention", id=_story_id(msg.get("attachments"), path), url=mention.get("url"))
    return None


def _story_id(raw: Any, path: str) -> str | None:
    """The mentioned story's id, when the mention attachment's payload names it."""
    for i, att in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(att, dict) and isinstance(att.get("type"), str) and att["type"] in STORY_MENTION_TYPES:
            payload = att.get("payload")
            if isinstance(payload, dict) and payload.get("id") is not None:
                return _opt_id(payload.get("id"), f"{path}.attachments[{i}].payload.id")
    return None


def _location(raw: Any, path: str) -> dict[str, Any] | None:
    """A shared place (Messenger's ``location`` attachment), as ``Location`` dumps it: coordinates, title, map link."""
    for i, att in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(att, dict) or att.get("type") != LOCATION_TYPE:
            continue
        apath = f"{path}[{i}]"
        payload = att.get("payload")
        payload = payload if isinstance(payload, dict) else {}
        coords = payload.get("coordinates")
        if not isinstance(coords, dict):
            raise MalformedPayload(f"{apath}.payload.coordinates is not an object")
        lat, lon = _coordinate(coords.get("lat"), f"{apath}.payload.coordinates.lat", 90.0), _coordinate(
            coords.get("long"), f"{apath}.payload.coordinates.long", 180.0)
        return _some(
            latitude=lat, longitude=lon,
            name=_opt_str(att.get("title"), f"{apath}.title"),
            url=_opt_str(att.get("url"), f"{apath}.url") or _opt_str(payload.get("url"), f"{apath}.payload.url"),
        )
    return None


def _coordinate(value: Any, path: str, bound: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
        raise MalformedPayload(f"{path} is not a coordinate")
    return float(value)


def _interaction(kind: Literal["quick_reply", "postback"], title: str | None, payload: str | None) -> dict[str, Any]:
    """A quick reply or postback, as ``Interaction`` dumps it."""
    return _some(kind=kind, title=title, payload=payload)


def _referral(value: Any, path: str) -> dict[str, Any] | None:
    """Where the conversation came from (an ad, a link), as ``Referral`` dumps it."""
    if value is None:
        return None
    ref = _obj(value, path)
    ads = ref.get("ads_context_data")
    ads = ads if isinstance(ads, dict) else {}
    return _some(
        source=_opt_str(ref.get("source"), f"{path}.source"),
        type=_opt_str(ref.get("type"), f"{path}.type"),
        ref=_opt_str(ref.get("ref"), f"{path}.ref"),
        ad_id=_opt_id(ref.get("ad_id"), f"{path}.ad_id"),
        url=_opt_str(ref.get("referer_uri"), f"{path}.referer_uri"),
        headline=_opt_str(ads.get("ad_title"), f"{path}.ads_context_data.ad_title"),
    )


def _unsupported(msg: dict[str, Any]) -> bool:
    """Meta flagged the message, or its first attachment is of a type siu does not know."""
    if msg.get("is_unsupported") is True:
        return True
    atts = msg.get("attachments")
    first = atts[0] if isinstance(atts, list) and atts else None
    if not isinstance(first, dict):
        return False
    platform_type = first.get("type")
    return not isinstance(platform_type, str) or platform_type not in {*ATTACHMENT_TYPES, LOCATION_TYPE}


def _kind(
    text: str | None,
    attachments: list[dict[str, Any]],
    story: dict[str, Any] | None,
    interaction: dict[str, Any] | None,
    unsupported: bool,
) -> MessageKind:
    if story is not None:
        return "story_mention" if story["kind"] == "mention" else "story_reply"
    if interaction is not None:
        return "interactive"
    if unsupported:
        return "unsupported"
    if attachments:
        return _KIND_OF_ATTACHMENT.get(attachments[0]["type"], "unsupported")
    return "text" if text is not None else "unsupported"


# =================================================================================================
# Sending
# =================================================================================================


def text_problem(text: str, limit: int, unit: Literal["characters", "bytes"], display_name: str) -> str | None:
    """Why this text cannot be sent on the channel (empty or too long), or None when it can."""
    if not text.strip():
        return "the reply is empty"
    size = len(text.encode("utf-8")) if unit == "bytes" else len(text)
    if size > limit:
        what = "bytes (UTF-8)" if unit == "bytes" else "characters"
        return (
            f"the reply is {size} {what}; {display_name} accepts at most {limit}. "
            "Shorten it or send it as several replies (siu never splits a reply)"
        )
    return None


def window_for(
    policy: Mapping[str, Any], request: ReplyRequest, settings: Mapping[str, Any], now: datetime | None = None
) -> WindowState:
    """Where this reply stands in the channel's window (``ReplyWindowPolicy`` fields), from the request's timestamps."""
    from siu_core.plugin import ReplyWindowPolicy, reply_window  # sending only: the connector never asks

    at = request.requested_at or now or datetime.now(UTC)
    return reply_window(
        ReplyWindowPolicy.model_validate(policy), request.last_inbound_at, at,
        human_agent_enabled=setting_flag(settings, "human_agent_enabled"),
    )


#: The Send API's attachment type for each kind of file.
SEND_ATTACHMENT_TYPES: Mapping[str, str] = {"image": "image", "video": "video", "audio": "audio", "document": "file"}


def build_send_payload(request: ReplyRequest, state: WindowState, profile: MessagingProfile) -> dict[str, Any]:
    """The Send API JSON body for a text reply, or a file by URL, in this window state (RESPONSE or HUMAN_AGENT tag)."""
    message: dict[str, Any]
    if request.attachments:
        item = request.attachments[0]
        message = {"attachment": {"type": SEND_ATTACHMENT_TYPES[item.kind],
                                  "payload": {"url": item.url, "is_reusable": False}}}
    else:
        message = {"text": request.text}
    if profile.send_metadata:
        message["metadata"] = own_marker(request.idempotency_key)
    payload: dict[str, Any] = {"recipient": {"id": request.recipient.id}}
    if state.needs_human_agent_tag:
        payload["messaging_type"] = "MESSAGE_TAG"
        payload["tag"] = "HUMAN_AGENT"
    else:
        payload["messaging_type"] = "RESPONSE"
    payload["message"] = message
    return payload


def check_reply(
    request: ReplyRequest,
    profile: MessagingProfile,
    window_policy: Mapping[str, Any],
    settings: Mapping[str, Any],
    now: datetime | None = None,
) -> WindowState:
    """Refuse, before any HTTP call, what the platform would refuse: templates, bad text, files, closed window."""
    if request.attachments:
        if profile.attachments is None:
            raise InvalidReply(f"{profile.display_name} replies cannot carry files")
        if len(request.attachments) != 1 or request.text is not None:
            raise InvalidReply(f"{profile.display_name} sends one file per message, without text: send the text "
                               "as its own reply")
    elif request.template is not None or request.text is None:
        raise InvalidReply(
            f"{profile.display_name} has no message templates: send a text reply inside the reply window"
        )
    else:
        problem = text_problem(request.text, profile.max_text, profile.text_unit, profile.display_name)
        if problem:
            raise InvalidReply(problem)
    state = window_for(window_policy, request, settings, now)
    if not state.can_send_text:
        note = "" if request.last_inbound_at else " (no customer message on record)"
        raise WindowClosed(f"{profile.display_name}: {state.explanation}{note}", allowed=state.allowed)
    return state


def send_text(
    request: ReplyRequest,
    *,
    profile: MessagingProfile,
    window_policy: Mapping[str, Any],
    url: str,
    access_token: str,
    settings: Mapping[str, Any],
    session: Any,
    timeout: float = 10.0,
) -> SendResult:
    """Check the reply, POST it to the Send API with a Bearer token, and return the platform's id."""
    from siu_core.plugin import SendResult  # sending only: the connector never builds one

    state = check_reply(request, profile, window_policy, settings)
    payload = build_send_payload(request, state, profile)
    body = graph_post(session, url, payload, access_token=access_token, policy=profile.error_policy,
                      timeout=timeout)
    mid = body.get("message_id")
    if not isinstance(mid, str) or not mid:
        # Accepted but unidentifiable: retrying could deliver it twice, so do not call it transient.
        raise PermanentSendError(f"{profile.display_name} accepted the reply but returned no message id")
    recipient = body.get("recipient_id")
    return SendResult(message_id=mid, recipient_id=recipient if isinstance(recipient, str) else None)


def graph_version(settings: Mapping[str, Any]) -> str:
    """The Graph API version to call; a deployment pins it so Meta's upgrades never surprise it."""
    value = settings.get("graph_version") or DEFAULT_GRAPH_VERSION
    if not isinstance(value, str):
        raise ConfigError(f"graph_version must be a string like 'v25.0', not {value!r}")
    return value.strip()


def send_url(base_url: str, version: str, node: str) -> str:
    """``{base}/{version}/{node}/messages``, checking the parts so a typo fails before any call."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"api base URL {base_url!r} is not an http(s) URL")
    if not version.startswith("v") or not version[1:].replace(".", "").isdigit():
        raise ConfigError(f"graph_version {version!r} is not like 'v25.0'")
    if not node or "/" in node:
        raise ConfigError(f"account id {node!r} is not a Graph node id")
    return f"{base_url.rstrip('/')}/{version}/{node}/messages"


# =================================================================================================
# Media
# =================================================================================================


def download_attachment(
    attachment: Attachment,
    *,
    session: Any,
    access_token: str | None,
    token_origins: Sequence[str],
    policy: GraphErrorPolicy,
    timeout: float = 30.0,
    max_bytes: int = MAX_MEDIA_BYTES,
) -> MediaContent | None:
    """Fetch an attachment URL: Meta CDN URLs need no token; Graph origins get the Bearer token.

    ``token_origins`` are the ``scheme://host[:port]`` the token may be sent to; plain http is only
    accepted for those (the local stand-in), never for an arbitrary host.
    """
    import requests

    from siu_core.plugin import MediaContent  # media only: the connector never builds one

    if not attachment.url:
        return None
    parts = urlsplit(attachment.url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    trusted = origin in {_origin(o) for o in token_origins}
    if not parts.netloc or (parts.scheme != "https" and not (parts.scheme == "http" and trusted)):
        raise PermanentSendError(f"refusing to download a non-https attachment URL ({parts.scheme or 'none'})")
    headers = {"Authorization": f"Bearer {access_token}"} if trusted and access_token else {}
    try:
        resp = session.get(attachment.url, headers=headers, timeout=timeout, stream=True)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientSendError(f"no answer from the media host: {type(exc).__name__}") from None
    try:
        if resp.status_code >= 400:
            try:
                payload = resp.json()
            except ValueError:
                payload = None
            raise classify_graph_error(
                parse_graph_error(resp.status_code, payload), policy, resp.headers.get("Retry-After")
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise PermanentSendError(f"attachment is larger than {max_bytes} bytes")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise TransientSendError(f"media download broke off: {type(exc).__name__}") from None
    finally:
        resp.close()
    content_type = resp.headers.get("Content-Type")
    mime = content_type.split(";")[0].strip().lower() if content_type else attachment.mime_type
    return MediaContent(content=b"".join(chunks), mime_type=mime or None,
                        filename=attachment.filename or _filename(parts.path))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _filename(path: str) -> str | None:
    name = unquote(path.rsplit("/", 1)[-1])
    return name if "." in name.strip(".") else None


# =================================================================================================
# Sample traffic
# =================================================================================================


def _epoch_ms(value: datetime) -> int:
    return (value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def meta_json(data: Any) -> bytes:
    """Serialize the way Meta does: compact, non-ASCII as lowercase ``\\uXXXX``, ``/`` as ``\\/``."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    # Structural JSON never contains "/", so this only touches string contents.
    return text.replace("/", "\\/").encode("ascii")


def simulate_webhook(
    messages: Sequence[SimulatedMessage], account_id: str, app_secret: str, profile: MessagingProfile
) -> WebhookRequest:
    """A signed webhook carrying these customer text messages, one entry each, as Meta batches them."""
    from siu_core.plugin import WebhookRequest  # demo and contract suite only, never the connector
    if not account_id:
        raise ConfigError(f"{profile.channel}: simulate_webhook needs the business account id")
    entries = []
    for m in messages:
        ms = _epoch_ms(m.timestamp)
        entries.append({
            "id": account_id,
            "time": ms + 211,  # Meta stamps the entry a little after the message
            "messaging": [{
                "sender": {"id": m.sender_id},
                "recipient": {"id": account_id},
                "timestamp": ms,
                "message": {"mid": m.message_id, "text": m.text},
            }],
        })
    body = meta_json({"object": profile.webhook_object, "entry": entries})
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body, app_secret)}
    return WebhookRequest(body=body, headers=headers)


def _stand_in_error(code: int, message: str, status: int = 400) -> StandInResponse:
    from siu_core.plugin import StandInResponse  # siu dev's stand-in only

    return StandInResponse(
        status=status,
        body={"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code,
                        "fbtrace_id": "SiuStandIn"}},
    )


def stand_in_answer(method: str, path: str, body: bytes, profile: MessagingProfile) -> StandInResponse | None:
    """Answer a Send API call the way Meta would, for ``siu dev`` (None for calls Meta would not know)."""
    from siu_core.plugin import StandInResponse  # siu dev's stand-in only
    segments = path.strip("/").split("/")
    if method.upper() != "POST" or len(segments) != 3 or segments[2] != "messages":
        return None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _stand_in_error(100, "Invalid JSON for postbody")
    if not isinstance(data, dict):
        return _stand_in_error(100, "Invalid JSON for postbody")
    recipient = data.get("recipient")
    rid = recipient.get("id") if isinstance(recipient, dict) else None
    if not isinstance(rid, str) or not rid:
        return _stand_in_error(100, "The parameter recipient is required")
    mtype = data.get("messaging_type", "RESPONSE")
    if mtype not in ("RESPONSE", "UPDATE", "MESSAGE_TAG") or (mtype == "MESSAGE_TAG") != ("tag" in data):
        return _stand_in_error(100, "Invalid messaging_type or tag")
    message = data.get("message")
    attachment = message.get("attachment") if isinstance(message, dict) else None
    if attachment is not None:
        problem = _stand_in_attachment_problem(attachment, profile)
        if problem:
            return _stand_in_error(100, problem)
        return StandInResponse(body={"recipient_id": rid, "message_id": "m_" + secrets.token_urlsafe(24)})
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str) or not text:
        return _stand_in_error(100, "The parameter message[text] is required")
    if text_problem(text, profile.max_text, profile.text_unit, profile.display_name):
        return _stand_in_error(100, f"Length of param message[text] must be at most {profile.max_text}")
    return StandInResponse(body={"recipient_id": rid, "message_id": "m_" + secrets.token_urlsafe(24)})


def _stand_in_attachment_problem(attachment: Any, profile: MessagingProfile) -> str | None:
    """What the Send API would say about ``message.attachment`` (a type it takes, an http(s) payload URL)."""
    if profile.attachments is None:
        return "Attachments are not supported on this channel"
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    url = payload.get("url") if isinstance(payload, dict) else None
    wanted = {SEND_ATTACHMENT_TYPES[kind] for kind in profile.attachments["kinds"]}
    if not isinstance(attachment, dict) or attachment.get("type") not in wanted:
        return f"message[attachment][type] must be one of {sorted(wanted)}"
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return "The parameter message[attachment][payload][url] is required"
    return None


# =================================================================================================
# Hook implementations
# =================================================================================================


class MessagingChannel:
    """The hooks Messenger and Instagram implement alike, bound to one channel's profile.

    A plugin module (the object its entry point names, which pluggy registers) creates one instance
    and binds the instance's hooks to module names, next to its own ``channel_info``. A subclass
    overrides :meth:`platform_base_url` and :meth:`send_node` where its hosts or Send API node differ.
    """

    def __init__(
        self, profile: MessagingProfile, reply_window: Mapping[str, Any], *, account_field: str, account_noun: str
    ) -> None:
        self.profile = profile
        #: The channel's ``ReplyWindowPolicy`` fields, as plain data (its ``channel_info`` is plain data too).
        self.reply_window = reply_window
        #: The secret naming the business account this deployment sends as (e.g. ``page_id``).
        self.account_field = account_field
        #: How an error message names that account to a teammate (e.g. ``Page``).
        self.account_noun = account_noun

    def describe(
        self,
        *,
        display_name: str,
        version: str,
        contract_version: str,
        secret_fields: Sequence[str],
        settings: Mapping[str, Any],
        optional_secret_fields: Sequence[str] = (),
        display: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The plugin's ``channel_info`` as plain data (contract 1.4: the connector's cold start builds no model),
        taking limits, window and account field from here so they never drift.

        A mapping of ``ChannelInfo`` fields, nested parts as plain objects (fresh copies: a caller may keep
        it); ``display`` holds the plugin's display fields (name, icon, colour, wording).
        """
        attachments = self.profile.attachments
        return {
            "name": self.profile.channel,
            "display_name": display_name,
            "version": version,
            "contract_version": contract_version,
            "secret_fields": list(secret_fields),
            "optional_secret_fields": list(optional_secret_fields),
            "signing_secret_fields": ["app_secret"],
            "account_secret_field": self.account_field,
            "settings": dict(settings),
            "reply_window": dict(self.reply_window),
            "max_text_length": self.profile.max_text,
            "text_length_unit": self.profile.text_unit,
            "supports_templates": False,
            "attachments": None if attachments is None else copy.deepcopy(dict(attachments)),
            **(display or {}),
        }

    def platform_base_url(self, settings: Mapping[str, Any]) -> str:
        """The platform's own Graph host, where sends go unless ``api_base_url`` points elsewhere."""
        return DEFAULT_GRAPH_BASE_URL

    def base_url(self, settings: Mapping[str, Any]) -> str:
        """The base URL to call: ``api_base_url`` when set (the ``siu dev`` stand-in), else the platform's."""
        configured = str(settings.get("api_base_url") or "").strip()
        return configured or self.platform_base_url(settings)

    def send_node(self, account: str, secrets: Mapping[str, str], settings: Mapping[str, Any]) -> str:
        """The Graph node whose ``/messages`` edge sends: by default the business account itself."""
        return account

    @hookimpl
    def handshake(self, query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
        """Let Meta verify the callback URL only with our verify token."""
        return hub_handshake(query, secrets.get("verify_token"))

    @hookimpl
    def verify_signature(self, body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
        """Accept only POSTs Meta signed with the app secret, checked on the raw bytes."""
        return verify_hub_signature(body, headers, secrets.get("app_secret"))

    @hookimpl
    def normalize(self, body: bytes, settings: Mapping[str, Any]) -> list[Found]:
        """Turn every entry and item of the channel's webhook into inbox events as plain mappings (contract 1.4:
        the connector queues them with no model built); a bad item costs only itself (an Unreadable)."""
        return normalize_body(body, settings, self.profile)

    @hookimpl
    def send_reply(
        self, request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> SendResult:
        """Deliver a teammate's reply through the Send API, or say why it cannot go."""
        from siu_core.plugin import require_secret  # with the other send-only names, imported when sending

        channel = self.profile.channel
        account = require_secret(secrets, self.account_field, channel)
        if request.account_id != account:
            noun = self.account_noun
            raise InvalidReply(
                f"the reply is addressed from {noun} {request.account_id}, "
                f"but this deployment sends as {noun} {account}"
            )
        check_reply(request, self.profile, self.reply_window, settings)  # refuse before touching secrets or network
        url = send_url(self.base_url(settings), graph_version(settings), self.send_node(account, secrets, settings))
        return send_text(
            request,
            profile=self.profile,
            window_policy=self.reply_window,
            url=url,
            access_token=require_secret(secrets, "access_token", channel),
            settings=settings,
            session=session,
        )

    @hookimpl
    def download_media(
        self, attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> MediaContent | None:
        """Keep a copy of an inbound attachment before Meta's CDN URL expires."""
        return download_attachment(
            attachment,
            session=session,
            access_token=secrets.get("access_token"),
            token_origins=[self.base_url(settings)],
            policy=self.profile.error_policy,
        )

    @hookimpl
    def simulate_webhook(
        self, messages: Sequence[SimulatedMessage], account_id: str, secrets: Mapping[str, str]
    ) -> WebhookRequest:
        """Build the signed webhook that ``siu demo`` and the contract round trip replay."""
        from siu_core.plugin import require_secret

        app_secret = require_secret(secrets, "app_secret", self.profile.channel)
        # The module-level builder of the same name (a method's name is not in scope in its body).
        return simulate_webhook(messages, account_id, app_secret, self.profile)

    @hookimpl(optionalhook=True)
    def fetch_profile(
        self, customer_id: str, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
    ) -> CustomerProfile | None:
        """Ask the user-profile API who a customer is (None on any failure: the inbox shows the id)."""
        try:
            url = profiles.profile_url(self.base_url(settings), graph_version(settings), customer_id,
                                       self.profile.profile_fields)
        except ConfigError:
            return None
        return profiles.fetch_user_profile(session, url, access_token=secrets.get("access_token"),
                                           policy=self.profile.error_policy, channel=self.profile.channel)

    @hookimpl
    def stand_in_response(
        self, method: str, path: str, query: Mapping[str, str], body: bytes
    ) -> StandInResponse | None:
        """Answer like the channel's Send and user-profile APIs so ``siu dev`` works with no Meta account."""
        segments = path.strip("/").split("/")
        if (method.upper() == "GET" and len(segments) == 2 and segments[1].isdigit() and query.get("fields")
                and self.profile.profile_fields):
            return profiles.stand_in_profile(segments[1], query.get("fields", ""), channel=self.profile.channel)
        return stand_in_answer(method, path, body, self.profile)
