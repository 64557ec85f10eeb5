"""The siu channel plugin for the LINE Messaging API (entry point ``line`` in ``siu.channels``), contract 1.3.

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
    Unreadable,
    WebhookRequest,
    hookimpl,
)
from siu_line import auth, config, media, send, simulate, standin
from siu_line import normalize as normalize_mod

NO_HANDSHAKE = (
    "LINE sends no GET verification: the console's Verify button POSTs a signed body with no events, "
    "and every POST carries x-line-signature"
)


@hookimpl
def channel_info() -> ChannelInfo:
    """Tell the core what LINE needs: channel secret and access token (bot user id optional); no window."""
    return config.channel_info()


@hookimpl
def handshake() -> HandshakeResponse:
    """Say plainly that LINE has no GET handshake, so a GET is never mistaken for one."""
    return HandshakeResponse.unsupported(NO_HANDSHAKE)


@hookimpl
def verify_signature(body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
    """Accept a POST only if x-line-signature is the raw body's HMAC under the channel secret."""
    return auth.verify(body, headers, secrets.get("channel_secret"))


@hookimpl
def normalize(body: bytes) -> list[Event | Unreadable]:
    """Turn every event of a POST into siu events (an Unreadable in place of one it cannot read)."""
    return normalize_mod.normalize_body(body)


@hookimpl
def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Deliver a teammate's reply: the free reply API while the token is fresh, else push with a retry key."""
    return send.send_reply(request, secrets, settings, session)


@hookimpl
def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch an inbound image, video, audio or file so the thread keeps a copy (LINE deletes it later)."""
    return media.download_media(attachment, secrets, settings, session)


@hookimpl
def simulate_webhook(
    messages: Sequence[SimulatedMessage], account_id: str, secrets: Mapping[str, str]
) -> WebhookRequest:
    """Produce the signed POST LINE would send for these messages (demo, siu simulate, round-trip check)."""
    return simulate.simulate_webhook(messages, account_id, secrets)


@hookimpl
def stand_in_response(method: str, path: str, body: bytes) -> StandInResponse | None:
    """Answer like the Messaging API so ``siu dev`` can send replies and fetch content with no LINE channel."""
    return standin.stand_in_response(method, path, body)
