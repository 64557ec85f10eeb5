"""The siu channel plugin for Twilio Programmable Messaging (entry point ``twilio`` in ``siu.channels``).

SMS, MMS and WhatsApp through Twilio. Built only on siu's public plugin API (contract 1.3: the
signature covers the public URL, so the hooks read the whole request). Thin: each hook hands over
to a small module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from siu_core.plugin import (
    Acknowledgement,
    Attachment,
    ChannelInfo,
    Event,
    HandshakeResponse,
    InboundRequest,
    MediaContent,
    ReplyRequest,
    SendResult,
    SimulatedMessage,
    StandInResponse,
    WebhookRequest,
    hookimpl,
)
from siu_twilio import config, media, send, signature, simulate, standin, templates
from siu_twilio import normalize as normalize_mod

NO_HANDSHAKE = (
    "Twilio sends no GET verification: the webhook URL is set on the number or Messaging Service, "
    "and every POST carries X-Twilio-Signature"
)
#: What Twilio expects back from a messaging webhook that should send nothing: an empty TwiML document.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@hookimpl
def channel_info() -> ChannelInfo:
    """Tell the core what Twilio needs: account SID and auth token, the business number, Content SID templates."""
    return config.channel_info()


@hookimpl
def handshake() -> HandshakeResponse:
    """Say plainly that Twilio has no GET handshake, so a GET is never mistaken for one."""
    return HandshakeResponse.unsupported(NO_HANDSHAKE)


@hookimpl
def verify_signature(secrets: Mapping[str, str], request: InboundRequest | None) -> bool:
    """Accept a POST only when X-Twilio-Signature is Twilio's HMAC of this public URL and these parameters."""
    return signature.verify(request, secrets)


@hookimpl
def normalize(body: bytes, headers: Mapping[str, str]) -> list[Event]:
    """Turn the one message or status callback of a POST into siu events."""
    return normalize_mod.normalize_body(body, headers, datetime.now(UTC))


@hookimpl(optionalhook=True)
def acknowledge() -> Acknowledgement:
    """Answer Twilio with an empty TwiML document, so it sends no automatic reply and logs no 12300 error."""
    return Acknowledgement(status=200, body=EMPTY_TWIML, content_type="text/xml")


@hookimpl
def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Deliver a teammate's reply with the Messages API, refusing early what Twilio would refuse anyway."""
    return send.send_reply(request, secrets, settings, session)


@hookimpl
def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Fetch an inbound MMS or WhatsApp media file so the thread keeps a copy."""
    return media.download_media(attachment, secrets, settings, session)


@hookimpl
def simulate_webhook(
    messages: Sequence[SimulatedMessage],
    account_id: str,
    secrets: Mapping[str, str],
    url: str | None,
) -> list[WebhookRequest]:
    """Produce the signed POSTs Twilio would send to ``url`` for these messages (demo, simulate, round trip)."""
    return simulate.simulate_webhook(messages, account_id, secrets, url)


@hookimpl
def stand_in_response(method: str, path: str, body: bytes) -> StandInResponse | None:
    """Answer like the Messages API so ``siu dev`` can send replies and fetch media with no Twilio account."""
    return standin.stand_in_response(method, path, body)


@hookimpl(optionalhook=True)
def message_templates(secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any) -> list[dict[str, Any]]:
    """List the account's Content templates with WhatsApp's review, so the inbox offers only approved ones."""
    return templates.list_templates(secrets, settings, session)
