"""Build the webhook POSTs Telegram would send for customer text messages: one ``Update`` per POST.

Telegram does not batch, so several messages make several requests. Its message ids are integers
numbered per chat, so a simulated id that is not already ``"{chat_id}:{n}"`` (or a bare number) is
given a stable number, and the request's ``message_ids`` says which channel id it became.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from siu_core.plugin import ConfigError, SimulatedMessage, WebhookRequest, require_secret
from siu_telegram.auth import SECRET_HEADER
from siu_telegram.config import CHANNEL
from siu_telegram.normalize import message_id as channel_message_id
from siu_telegram.updates import Chat

_CHAT_RE = re.compile(r"^\d{1,15}$")
_NUMBERED_RE = re.compile(r"^(\d{1,15}):(\d{1,9})$")
_NUMBER_RE = re.compile(r"^\d{1,9}$")


def chat_id_of(sender_id: str) -> int:
    """A private chat's id is the user's id: a positive integer."""
    if not _CHAT_RE.match(sender_id):
        raise ConfigError(f"a Telegram customer id is a numeric chat id, not {sender_id!r}")
    return int(sender_id)


def message_number(simulated_id: str, chat: int) -> int:
    """Telegram's per-chat message number for a simulated id: kept when it is one, else a stable hash."""
    numbered = _NUMBERED_RE.match(simulated_id)
    if numbered is not None and int(numbered.group(1)) == chat:
        return int(numbered.group(2))
    if _NUMBER_RE.match(simulated_id):
        return int(simulated_id)
    digest = hashlib.sha256(simulated_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 2_000_000_000 + 1


def update_payload(msg: SimulatedMessage, update_id: int) -> tuple[dict[str, Any], str]:
    """The Update for one text message, and the channel message id it normalizes to."""
    chat = chat_id_of(msg.sender_id)
    first, _, last = (msg.sender_name or "").strip().partition(" ")
    person: dict[str, Any] = {"first_name": first or "Customer"}
    if last:
        person["last_name"] = last
    number = message_number(msg.message_id, chat)
    message = {
        "message_id": number,
        "from": {"id": chat, "is_bot": False, **person, "language_code": "en"},
        "chat": {"id": chat, **person, "type": "private"},
        "date": int(msg.timestamp.timestamp()),
        "text": msg.text,
    }
    return {"update_id": update_id, "message": message}, channel_message_id(Chat(id=chat, type="private"), number)


def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
    settings: Mapping[str, Any],
) -> list[WebhookRequest]:
    """One POST per message, each with the secret-token header; it verifies and normalizes back."""
    token = require_secret(secrets, "secret_token", CHANNEL)
    requests: list[WebhookRequest] = []
    for index, msg in enumerate(messages):
        update_id = (int(msg.timestamp.timestamp()) % 100_000_000) * 10 + index % 10
        payload, channel_id = update_payload(msg, update_id)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        renamed = {msg.message_id: channel_id} if channel_id != msg.message_id else {}
        requests.append(WebhookRequest(
            body=body,
            headers={"Content-Type": "application/json", SECRET_HEADER: token},
            message_ids=renamed,
        ))
    return requests
