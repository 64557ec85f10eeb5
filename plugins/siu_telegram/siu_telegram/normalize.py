"""Turn one Telegram ``Update`` into siu events. Pure: bytes and the account id in, events out.

Decisions (see the README): only private chats are customer conversations (groups, channels and
their posts yield nothing); a message id is ``"{chat_id}:{message_id}"`` because Telegram numbers
messages per chat; the customer id is the chat id (equal to the user id in a private chat); the
account id is the bot's id, which Telegram's bodies never carry, so it comes from the core
(``account_id``, the ``bot_id`` secret). ``callback_query`` taps yield nothing: siu never sends
inline keyboards, the update carries no time of its own, and answering it is the sending tool's job.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from siu_core.plugin import (
    Attachment,
    ConfigError,
    ContactCard,
    EditEvent,
    Event,
    Location,
    MalformedPayload,
    MessageEvent,
    MessageKind,
    Participant,
    ReactionEvent,
)
from siu_telegram import updates as tg
from siu_telegram.config import CHANNEL

#: Telegram's own limit on a webhook body is far below this; anything larger is not Telegram's.
MAX_BODY_BYTES = 1024 * 1024
#: Message fields that mark a service message (a chat event, not something the customer wrote).
SERVICE_FIELDS = frozenset(
    {
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo",
        "group_chat_created", "supergroup_chat_created", "channel_chat_created", "message_auto_delete_timer_changed",
        "migrate_to_chat_id", "migrate_from_chat_id", "pinned_message", "successful_payment", "refunded_payment",
        "users_shared", "chat_shared", "connected_website", "write_access_allowed", "passport_data",
        "proximity_alert_triggered", "boost_added", "chat_background_set", "forum_topic_created",
        "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened", "general_forum_topic_hidden",
        "general_forum_topic_unhidden", "giveaway_created", "giveaway_completed", "video_chat_scheduled",
        "video_chat_started", "video_chat_ended", "video_chat_participants_invited", "web_app_data",
        "gift", "unique_gift", "paid_message_price_changed", "checklist_tasks_done", "checklist_tasks_added",
    }
)
STICKER_MIME = {"webp": "image/webp", "tgs": "application/x-tgsticker", "webm": "video/webm"}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_update(body: bytes) -> tuple[tg.Update, dict[str, Any]]:
    """Parse and check the body; anything Telegram would not send is MalformedPayload, never a crash."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedPayload(f"body of {len(body)} bytes exceeds {MAX_BODY_BYTES}")
    try:
        raw = json.loads(body, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedPayload(f"body is not JSON: {type(exc).__name__}") from None
    if not isinstance(raw, dict):
        raise MalformedPayload("body is not a JSON object")
    try:
        update = tg.Update.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise MalformedPayload(f"not a Telegram Update: {where}: {first['msg']}") from None
    except RecursionError:
        raise MalformedPayload("not a Telegram Update: nested too deeply") from None
    return update, raw


def normalize_body(body: bytes, account_id: str | None) -> list[Event]:
    """Every event one webhook POST carries (zero, one, or several for a changed reaction)."""
    update, raw = load_update(body)
    events: list[Event] = []
    if update.message is not None:
        event = message_event(update.message, raw["message"], _account(account_id))
        if event is not None:
            events.append(event)
    elif update.edited_message is not None:
        edit = edit_event(update.edited_message, _account(account_id))
        if edit is not None:
            events.append(edit)
    elif update.message_reaction is not None:
        events.extend(reaction_events(update.message_reaction, _account(account_id)))
    return events


def _account(account_id: str | None) -> str:
    if not account_id:
        raise ConfigError(
            "the Telegram channel needs the bot's id (secret field 'bot_id'): Telegram's updates do not name the bot"
        )
    return account_id


def _time(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def message_id(chat: tg.Chat, number: int) -> str:
    """siu's id for a Telegram message: Telegram numbers messages per chat, so the chat is part of it."""
    return f"{chat.id}:{number}"


def _name(first: str | None, last: str | None) -> str | None:
    name = " ".join(part for part in (first, last) if part)
    return name or None


def customer(chat: tg.Chat, user: tg.User | None) -> Participant:
    """The customer of a private chat: keyed on the chat id (what sendMessage addresses)."""
    if user is not None and not user.is_bot:
        return Participant(id=str(chat.id), name=_name(user.first_name, user.last_name), username=user.username)
    return Participant(id=str(chat.id), name=_name(chat.first_name, chat.last_name), username=chat.username)


def _largest(photo: list[tg.PhotoSize]) -> tg.PhotoSize | None:
    if not photo:
        return None
    return max(photo, key=lambda size: (size.width * size.height, size.file_size or 0))


def _sticker_mime(sticker: tg.Sticker) -> str:
    return STICKER_MIME["tgs" if sticker.is_animated else "webm" if sticker.is_video else "webp"]


def content(msg: tg.Message) -> tuple[MessageKind, list[Attachment], Location | None, list[ContactCard]] | None:
    """(kind, attachments, location, contacts) of a message; None when it has no content siu knows."""
    caption = msg.caption
    photo = _largest(msg.photo or [])
    if msg.sticker is not None:
        st = msg.sticker
        return "sticker", [Attachment(type="sticker", media_id=st.file_id, sticker_id=st.file_unique_id,
                                      mime_type=_sticker_mime(st), title=st.emoji)], None, []
    if photo is not None:
        return "image", [Attachment(type="image", media_id=photo.file_id, caption=caption)], None, []
    for video in (msg.animation, msg.video, msg.video_note):
        if video is not None:
            return "video", [Attachment(type="video", media_id=video.file_id, mime_type=video.mime_type,
                                        filename=video.file_name, caption=caption)], None, []
    if msg.voice is not None:
        return "audio", [Attachment(type="audio", media_id=msg.voice.file_id, mime_type=msg.voice.mime_type,
                                    caption=caption, voice=True)], None, []
    if msg.audio is not None:
        au = msg.audio
        return "audio", [Attachment(type="audio", media_id=au.file_id, mime_type=au.mime_type,
                                    filename=au.file_name, title=_title(au), caption=caption)], None, []
    if msg.document is not None:
        doc = msg.document
        return "file", [Attachment(type="file", media_id=doc.file_id, mime_type=doc.mime_type,
                                   filename=doc.file_name, caption=caption)], None, []
    if msg.venue is not None:
        v = msg.venue
        place = Location(latitude=v.location.latitude, longitude=v.location.longitude, name=v.title,
                         address=v.address)
        return "location", [], place, []
    if msg.location is not None:
        return "location", [], Location(latitude=msg.location.latitude, longitude=msg.location.longitude), []
    if msg.contact is not None:
        c = msg.contact
        card = ContactCard(name=_name(c.first_name, c.last_name) or c.phone_number, phones=[c.phone_number])
        return "contact", [], None, [card]
    if msg.text is not None:
        return "text", [], None, []
    return None


def _title(audio: tg.Audio) -> str | None:
    if audio.performer and audio.title:
        return f"{audio.performer} - {audio.title}"
    return audio.title or audio.performer


def _forwarded(msg: tg.Message) -> bool:
    return msg.forward_origin is not None or msg.forward_date is not None


def message_event(msg: tg.Message, raw: dict[str, Any], account_id: str) -> MessageEvent | None:
    """A customer's message in a private chat; service messages and other chat types yield None."""
    if msg.chat.type != "private":
        return None
    found = content(msg)
    if found is None:
        if SERVICE_FIELDS.intersection(raw):
            return None
        kind: MessageKind = "unsupported"
        attachments: list[Attachment] = []
        location: Location | None = None
        contacts: list[ContactCard] = []
    else:
        kind, attachments, location, contacts = found
    text = msg.text if msg.text is not None else msg.caption
    return MessageEvent(
        type="message",
        channel=CHANNEL,
        account_id=account_id,
        customer=customer(msg.chat, msg.sender),
        timestamp=_time(msg.date),
        message_id=message_id(msg.chat, msg.message_id),
        kind=kind,
        text=text,
        attachments=attachments,
        reply_to=message_id(msg.chat, msg.reply_to_message.message_id) if msg.reply_to_message else None,
        location=location,
        contacts=contacts,
        forwarded=_forwarded(msg),
    )


def edit_event(msg: tg.Message, account_id: str) -> EditEvent | None:
    """A customer's edited text or caption; edits without text (live location moving) yield None."""
    if msg.chat.type != "private":
        return None
    text = msg.text if msg.text is not None else msg.caption
    if text is None:
        return None
    return EditEvent(
        type="edit",
        channel=CHANNEL,
        account_id=account_id,
        customer=customer(msg.chat, msg.sender),
        timestamp=_time(msg.edit_date if msg.edit_date is not None else msg.date),
        target_message_id=message_id(msg.chat, msg.message_id),
        text=text,
    )


def _reaction_key(reaction: tg.ReactionType) -> tuple[str, str | None, str | None] | None:
    """What makes two reactions the same; None for a kind siu cannot show (skipped)."""
    if reaction.type == "emoji" and reaction.emoji:
        return ("emoji", reaction.emoji, None)
    if reaction.type == "custom_emoji" and reaction.custom_emoji_id:
        return ("custom_emoji", None, f"custom_emoji:{reaction.custom_emoji_id}")
    if reaction.type == "paid":
        return ("paid", None, "paid")
    return None


def reaction_events(update: tg.MessageReactionUpdated, account_id: str) -> list[ReactionEvent]:
    """One unreact per reaction taken away, then one react per reaction added, in the lists' order."""
    if update.chat.type != "private":
        return []
    old = [k for k in (_reaction_key(r) for r in update.old_reaction) if k is not None]
    new = [k for k in (_reaction_key(r) for r in update.new_reaction) if k is not None]
    changes: list[tuple[Literal["react", "unreact"], tuple[str, str | None, str | None]]]
    changes = [("unreact", k) for k in dict.fromkeys(old) if k not in new]
    changes += [("react", k) for k in dict.fromkeys(new) if k not in old]
    who = customer(update.chat, update.user)
    target = message_id(update.chat, update.message_id)
    return [
        ReactionEvent(
            type="reaction",
            channel=CHANNEL,
            account_id=account_id,
            customer=who,
            timestamp=_time(update.date),
            target_message_id=target,
            action=action,
            emoji=key[1],
            reaction=key[2],
        )
        for action, key in changes
    ]
