"""Send a teammate's reply: the reply API while the customer's reply token is fresh, else the push API.

The reply API is free and single-use: its token comes with each customer message and is valid for
about a minute. ``normalize`` puts it in the event's ``reply_context``; the core keeps the newest
customer message's on the thread and hands it back as ``ReplyRequest.metadata``, a JSON object
``{"reply_token": "...", "issued_at": "<RFC 3339>"}`` (``issued_at`` optional: ``last_inbound_at``
is used instead). The token is used only while
``requested_at - issued_at <= reply_token_seconds``; a token LINE no longer accepts ("Invalid reply
token", nothing was sent) falls back to push. Any other reply-API failure is not retried blindly:
the reply API has no retry key, so a second attempt could deliver the reply twice.

The push API (POST /v2/bot/message/push) always works for a friend of the account and counts
against the plan's monthly quota. It carries ``X-Line-Retry-Key``: a UUID derived from the
reply's idempotency key, account, recipient and text, so the core's retry of the same reply is
answered 409 ("already accepted") by LINE and read as the success it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from siu_core.plugin import (
    InvalidReply,
    PermanentSendError,
    ReplyRequest,
    SendResult,
    TransientSendError,
)
from siu_line import api
from siu_line.config import MAX_TEXT_LENGTH, Settings, access_token, read_settings

PUSH_PATH = "/v2/bot/message/push"
REPLY_PATH = "/v2/bot/message/reply"
RETRY_KEY_HEADER = "X-Line-Retry-Key"
#: The namespace of retry keys: uuid5 over the reply's identity, stable across processes.
RETRY_KEY_NAMESPACE = uuid.UUID("5f1c7c1e-8f1a-4d59-9a4e-6c1f3b0c2a11")
#: What a LINE id looks like to the API path and body (``U`` + 32 hex for users; looser for stand-ins).
_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class ReplyToken:
    """A customer message's reply token and when it was issued."""

    token: str
    issued_at: datetime


def utf16_length(text: str) -> int:
    """How LINE counts a text's length: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def reply_messages(request: ReplyRequest) -> list[dict[str, Any]]:
    """The message objects for this reply: its images (by URL, each its own preview), then its text."""
    images = []
    for item in request.attachments:
        if item.kind != "image":
            raise InvalidReply(f"LINE sends images only, not a {item.kind}")
        images.append({"type": "image", "originalContentUrl": item.url, "previewImageUrl": item.url})
    if images and request.text is None:
        return images
    return [*images, *text_messages(request)]


def text_messages(request: ReplyRequest) -> list[dict[str, Any]]:
    """The message objects for this reply, or the typed refusal that needs no HTTP call."""
    if request.template is not None or request.text is None:
        raise InvalidReply("LINE has no message templates in siu: send text (there is no reply window to reopen)")
    text = request.text
    if not text.strip():
        raise InvalidReply("the reply text is empty")
    units = utf16_length(text)
    if units > MAX_TEXT_LENGTH:
        raise InvalidReply(f"LINE text is limited to {MAX_TEXT_LENGTH} characters (UTF-16 units); this one has {units}")
    return [{"type": "text", "text": text}]


def recipient(request: ReplyRequest) -> str:
    """The user id to push to: the customer id is the user's LINE id."""
    rid = request.recipient.id
    if not _ID_RE.match(rid):
        raise InvalidReply(f"recipient {rid!r} is not a LINE user id")
    return rid


def retry_key(request: ReplyRequest, to: str) -> str:
    """The same UUID for every attempt at this reply, and a different one for any other reply."""
    text_hash = hashlib.sha256((request.text or "").encode("utf-8")).hexdigest()
    parts = ["siu-line", request.account_id, to, request.idempotency_key, text_hash]
    # the files by what they are, not by their URL (a presigned URL differs on every attempt)
    parts += [f"{a.kind}:{a.content_type}:{a.size}:{a.filename}" for a in request.attachments]
    name = "\0".join(parts)
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, name))


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def reply_token(request: ReplyRequest) -> ReplyToken | None:
    """The reply token ``metadata`` carries, if any (any other metadata is not LINE's and is ignored)."""
    if not request.metadata:
        return None
    try:
        data = json.loads(request.metadata)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    token = data.get("reply_token")
    if not isinstance(token, str) or not _TOKEN_RE.match(token):
        return None
    issued = _time(data.get("issued_at")) or request.last_inbound_at
    return ReplyToken(token=token, issued_at=issued) if issued is not None else None


def fresh_token(request: ReplyRequest, config: Settings) -> str | None:
    """The reply token when it is young enough to try; None means push."""
    found = reply_token(request)
    if found is None or config.reply_token_seconds == 0:
        return None
    now = request.requested_at or datetime.now(UTC)
    age = (now - found.issued_at).total_seconds()
    return found.token if 0 <= age <= config.reply_token_seconds else None


def sent_id(payload: Any) -> str | None:
    """The first ``sentMessages[].id`` of an answer (push, reply, or a 409 for an accepted retry key)."""
    sent = payload.get("sentMessages") if isinstance(payload, dict) else None
    first = sent[0] if isinstance(sent, list) and sent else None
    value = first.get("id") if isinstance(first, dict) else None
    return value if isinstance(value, str) and value else None


def _reply(session: Any, config: Settings, token: str, to: str, reply: str,
           messages: list[dict[str, Any]]) -> SendResult | None:
    """Try the reply API; None when LINE refused the token (nothing sent, so push may follow)."""
    resp = api.post(session, config.url(REPLY_PATH), token, {"replyToken": reply, "messages": messages},
                    config.timeout)
    body = api.json_of(resp)
    if resp.status_code == 200:
        message_id = sent_id(body)
        if message_id is None:
            raise PermanentSendError("LINE answered the reply without the sent message's id; check the chat "
                                     "before resending")
        return SendResult(message_id=message_id, recipient_id=to, status="sent")
    error = api.parse_error(resp.status_code, body)
    if resp.status_code == 400 and "reply token" in error.message.lower():
        return None
    if resp.status_code >= 500:
        # No retry key on the reply API: the reply may be out, so this must not be retried blindly.
        raise TransientSendError(f"{error.text()}; the reply may have been delivered: check the chat")
    raise api.classify(error, resp.headers.get("Retry-After"))


def _push(session: Any, config: Settings, token: str, to: str, key: str,
          messages: list[dict[str, Any]]) -> SendResult:
    """Push with the retry key; a 409 for that key is the earlier attempt's success."""
    resp = api.post(session, config.url(PUSH_PATH), token, {"to": to, "messages": messages}, config.timeout,
                    headers={RETRY_KEY_HEADER: key})
    body = api.json_of(resp)
    if resp.status_code == 200:
        message_id = sent_id(body)
        if message_id is None:
            raise PermanentSendError("LINE answered the push without the sent message's id; check the chat "
                                     "before resending")
        return SendResult(message_id=message_id, recipient_id=to, status="sent")
    if resp.status_code == 409:
        accepted = sent_id(body) or resp.headers.get("x-line-accepted-request-id")
        if accepted:
            return SendResult(message_id=accepted, recipient_id=to, status="sent")
    raise api.classify(api.parse_error(resp.status_code, body), resp.headers.get("Retry-After"))


def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Send one reply; return the sent message's LINE id or raise a typed SendError."""
    config = read_settings(settings)
    bot = secrets.get("bot_user_id")
    if bot and request.account_id != bot:
        raise InvalidReply(f"the thread belongs to LINE bot {request.account_id}, but this deployment is bot {bot}")
    messages = reply_messages(request)
    to = recipient(request)
    token = access_token(secrets)
    reply = fresh_token(request, config)
    if reply is not None:
        result = _reply(session, config, token, to, reply, messages)
        if result is not None:
            return result
    return _push(session, config, token, to, retry_key(request, to), messages)
