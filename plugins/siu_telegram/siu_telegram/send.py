"""Send a teammate's reply with ``sendMessage``, or a file by URL with ``sendPhoto`` / ``sendDocument`` /
``sendVideo`` / ``sendAudio`` (the text as its caption).

:func:`build_payload` is pure (every refusal that needs no HTTP call happens there);
:func:`send_reply` does the one HTTP call and reads the sent message back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from siu_core.plugin import InvalidReply, PermanentSendError, ReplyRequest, SendResult, require_secret
from siu_telegram import api
from siu_telegram.config import CHANNEL, MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, bot_token, read_settings

_CHAT_ID_RE = re.compile(r"^-?\d{1,16}$")
_MESSAGE_ID_RE = re.compile(r"^(-?\d{1,16}):(\d{1,16})$")
#: The Bot API method and its file parameter for each kind of file.
FILE_METHODS: dict[str, tuple[str, str]] = {
    "image": ("sendPhoto", "photo"), "document": ("sendDocument", "document"),
    "video": ("sendVideo", "video"), "audio": ("sendAudio", "audio"),
}


def chat_id(request: ReplyRequest) -> int:
    """The chat to send to: the customer id is the private chat's id."""
    rid = request.recipient.id
    if not _CHAT_ID_RE.match(rid):
        raise InvalidReply(f"recipient {rid!r} is not a Telegram chat id")
    return int(rid)


def reply_parameters(reply_to: str, chat: int) -> dict[str, Any]:
    """Thread the reply on the customer's message; still delivered if that message was deleted."""
    match = _MESSAGE_ID_RE.match(reply_to)
    if match is None or int(match.group(1)) != chat:
        raise InvalidReply(f"reply_to {reply_to!r} is not a message of chat {chat}")
    return {"message_id": int(match.group(2)), "allow_sending_without_reply": True}


def build_call(request: ReplyRequest) -> tuple[str, dict[str, Any]]:
    """The Bot API method and its parameters for this reply: a file by URL with its caption, or text."""
    if not request.attachments:
        return "sendMessage", build_payload(request)
    if len(request.attachments) != 1:
        raise InvalidReply("Telegram sends one file per message")
    item = request.attachments[0]
    method, field = FILE_METHODS[item.kind]
    chat = chat_id(request)
    payload: dict[str, Any] = {"chat_id": chat, field: item.url}
    if request.text is not None:
        if len(request.text) > MAX_CAPTION_LENGTH:
            raise InvalidReply(f"a Telegram caption is limited to {MAX_CAPTION_LENGTH} characters; "
                               f"this one has {len(request.text)}")
        payload["caption"] = request.text
    if request.reply_to:
        payload["reply_parameters"] = reply_parameters(request.reply_to, chat)
    return method, payload


def build_payload(request: ReplyRequest) -> dict[str, Any]:
    """The sendMessage parameters for this reply, or the typed refusal that needs no HTTP call."""
    if request.template is not None or request.text is None:
        raise InvalidReply("Telegram has no message templates: send text (there is no reply window to reopen)")
    text = request.text
    if not text.strip():
        raise InvalidReply("the reply text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidReply(f"Telegram text is limited to {MAX_TEXT_LENGTH} characters; this one has {len(text)}")
    chat = chat_id(request)
    payload: dict[str, Any] = {"chat_id": chat, "text": text}
    if request.reply_to:
        payload["reply_parameters"] = reply_parameters(request.reply_to, chat)
    return payload


def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Send one reply; return ``"{chat_id}:{message_id}"`` of the sent message or raise a typed SendError."""
    config = read_settings(settings)
    bot_id = require_secret(secrets, "bot_id", CHANNEL)
    if request.account_id != bot_id:
        raise InvalidReply(f"the thread belongs to bot {request.account_id}, but this deployment is bot {bot_id}")
    method, payload = build_call(request)
    token = bot_token(secrets)
    result = api.call(session, config, token, method, payload)
    return parse_sent(result)


def parse_sent(result: Any) -> SendResult:
    """Read the sent Message: its chat and per-chat number make siu's message id."""
    chat = result.get("chat") if isinstance(result, dict) else None
    number = result.get("message_id") if isinstance(result, dict) else None
    chat_number = chat.get("id") if isinstance(chat, dict) else None
    if not isinstance(number, int) or isinstance(number, bool) or not isinstance(chat_number, int):
        raise PermanentSendError("Telegram answered without the sent message's id; check the chat before resending")
    return SendResult(message_id=f"{chat_number}:{number}", recipient_id=str(chat_number), status="sent")
