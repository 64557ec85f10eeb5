"""The Facebook Messenger channel: hook implementations (entry point ``facebook``).

Webhook parsing, sending and media download are shared with Instagram in
:mod:`siu_core.meta_messaging`; this module holds only what is Messenger's own: the channel's
description, its Send API node (the Page), its text limit and its error codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import version
from typing import Any

from siu_core import (
    CONTRACT_VERSION,
    Attachment,
    ChannelInfo,
    Event,
    HandshakeResponse,
    MediaContent,
    ReplyRequest,
    ReplyWindowPolicy,
    SendResult,
    SimulatedMessage,
    WebhookRequest,
    hookimpl,
)
from siu_core import meta_messaging as mm
from siu_core.errors import InvalidReply
from siu_core.graph import (
    DEFAULT_GRAPH_BASE_URL,
    DEFAULT_GRAPH_VERSION,
    GraphErrorPolicy,
    hub_handshake,
    verify_hub_signature,
)
from siu_core.models import StandInResponse

CHANNEL = "facebook"
DISTRIBUTION = "siu-facebook"
MAX_TEXT_CHARACTERS = 2000
REPLY_WINDOW = ReplyWindowPolicy(standard_hours=24, human_agent_days=7, template_when_closed=False)
DEFAULT_SETTINGS: dict[str, Any] = {
    "api_base_url": "",
    "graph_version": DEFAULT_GRAPH_VERSION,
    "human_agent_enabled": False,
    "app_id": "",
}
ERROR_POLICY = GraphErrorPolicy(
    window_closed=frozenset({(10, 2018278)}),
    window_closed_hint=(
        "Messenger refused: the message is outside the allowed window (24 hours, or 7 days with the "
        "HUMAN_AGENT tag); wait for the customer to write again"
    ),
    permanent=frozenset({551}),
)
PROFILE = mm.MessagingProfile(
    channel=CHANNEL,
    webhook_object="page",
    display_name="Messenger",
    error_policy=ERROR_POLICY,
    max_text=MAX_TEXT_CHARACTERS,
    text_unit="characters",
    send_metadata=True,
)


def base_url(settings: Mapping[str, Any]) -> str:
    """The Graph host to call: graph.facebook.com unless ``api_base_url`` points elsewhere (dev stand-in)."""
    configured = str(settings.get("api_base_url") or "").strip()
    return configured or DEFAULT_GRAPH_BASE_URL


@hookimpl
def channel_info() -> ChannelInfo:
    """Tell the core how to load, configure and gate Messenger replies."""
    return ChannelInfo(
        name=CHANNEL,
        display_name="Facebook Messenger",
        version=version(DISTRIBUTION),
        contract_version=CONTRACT_VERSION,
        secret_fields=["app_secret", "verify_token", "access_token", "page_id"],
        signing_secret_fields=["app_secret"],
        account_secret_field="page_id",  # noqa: S106 - a field name, not a secret
        settings=dict(DEFAULT_SETTINGS),
        reply_window=REPLY_WINDOW,
        max_text_length=MAX_TEXT_CHARACTERS,
        text_length_unit="characters",
        supports_templates=False,
    )


@hookimpl
def handshake(query: Mapping[str, str], secrets: Mapping[str, str]) -> HandshakeResponse:
    """Let Meta verify the callback URL only with our verify token."""
    return hub_handshake(query, secrets.get("verify_token"))


@hookimpl
def verify_signature(body: bytes, headers: Mapping[str, str], secrets: Mapping[str, str]) -> bool:
    """Accept only POSTs Meta signed with the app secret, checked on the raw bytes."""
    return verify_hub_signature(body, headers, secrets.get("app_secret"))


@hookimpl
def normalize(body: bytes, settings: Mapping[str, Any]) -> list[Event]:
    """Turn every entry and item of a Messenger webhook into inbox events."""
    return mm.normalize_body(body, settings, PROFILE)


@hookimpl
def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Deliver a teammate's reply through the Send API, or say why it cannot go."""
    page_id = mm.require_secret(secrets, "page_id", CHANNEL)
    if request.account_id != page_id:
        raise InvalidReply(
            f"the reply is addressed from Page {request.account_id}, but this deployment sends as Page {page_id}"
        )
    mm.check_reply(request, PROFILE, REPLY_WINDOW, settings)  # refuse before touching secrets or network
    url = mm.send_url(base_url(settings), mm.graph_version(settings), page_id)
    return mm.send_text(
        request,
        profile=PROFILE,
        window_policy=REPLY_WINDOW,
        url=url,
        access_token=mm.require_secret(secrets, "access_token", CHANNEL),
        settings=settings,
        session=session,
    )


@hookimpl
def download_media(
    attachment: Attachment, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> MediaContent | None:
    """Keep a copy of an inbound attachment before Meta's CDN URL expires."""
    return mm.download_attachment(
        attachment,
        session=session,
        access_token=secrets.get("access_token"),
        token_origins=[base_url(settings)],
        policy=ERROR_POLICY,
    )


@hookimpl
def simulate_webhook(
    messages: Sequence[SimulatedMessage], account_id: str, secrets: Mapping[str, str]
) -> WebhookRequest:
    """Build the signed Messenger webhook that ``siu demo`` and the contract round-trip replay."""
    return mm.simulate_webhook(messages, account_id, mm.require_secret(secrets, "app_secret", CHANNEL), PROFILE)


@hookimpl
def stand_in_response(method: str, path: str, body: bytes) -> StandInResponse | None:
    """Answer like Messenger's Send API so ``siu dev`` can reply with no Meta account."""
    return mm.stand_in_answer(method, path, body, PROFILE)
