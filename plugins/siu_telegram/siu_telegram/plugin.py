"""The siu channel plugin for the Telegram Bot API (entry point ``telegram`` in ``siu.channels``).

Built only on siu's public plugin API. Thin: each hook hands over to a small module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from siu_core.plugin import (
    Attachment,
    ChannelInfo,
    Event,
    HandshakeResponse,
    MediaContent,
    ReplyRequest,
    SendResult,
    SimulatedMessage,
    StandInResponse,
    WebhookRequest,
    hookimpl,
)
from siu_telegram import auth, config, media, send, simulate, standin
from siu_telegram import normalize as normalize_mod

NO_HANDSHAKE = (
    "Telegram sends no GET verification: the webhook is registered with setWebhook, "
    "and every POST carries the secret token in X-Telegram-Bot-Api-Secret-Token"
)


@hookimpl
def channel_info() -> ChannelInfo:
    """Tell the core what Telegram needs: bot token, secret token, bot id; no reply window."""
    return config.channel_info()


@hookimpl
def handshake() -> HandshakeResponse:
    """Say plainly that Telegram has no GET handshake, so a GET is never mistaken for one."""
    return HandshakeResponse.unsupported(NO_HANDSHAKE)


@hookimpl
def verify_signature(headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
    """Accept a POST only if it carries the secret token given to setWebhook (Telegram signs nothing)."""
    return auth.verify_secret_token(headers, secrets.get("secret_token"))


@hookimpl
def normalize(body: bytes, account_id: str | None) -> list[Event]:
    """Turn the one Update of a POST into siu events, addressed to this bot's account."""
    return normalize_mod.normalize_body(body, account_id)


@hookimpl
def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Deliver a teammate's reply with sendMessage, refusing early what Telegram would refuse anyway."""
    return send.send_reply(request, secrets, settings, session)


@hookimpl
def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch an inbound file by its file id so the thread keeps a copy."""
    return media.download_media(attachment, secrets, settings, session)


@hookimpl
def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
    settings: Mapping[str, Any],
) -> list[WebhookRequest]:
    """Produce the POSTs Telegram would send for these messages (demo, siu simulate, round-trip check)."""
    return simulate.simulate_webhook(messages, account_id, secrets, settings)


@hookimpl
def stand_in_response(method: str, path: str, query: Mapping[str, str], body: bytes) -> StandInResponse | None:
    """Answer like the Bot API so ``siu dev`` can send replies and fetch files with no Telegram bot."""
    return standin.stand_in_response(method, path, query, body)
