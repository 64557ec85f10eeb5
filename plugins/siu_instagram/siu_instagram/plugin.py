"""The Instagram channel: hook implementations (entry point ``instagram``).

Webhook parsing, sending and media download are shared with Messenger in
:mod:`siu_core.meta_messaging`; this module holds only what is Instagram's own: the two hosts
(a Page token on graph.facebook.com or an Instagram-login token on graph.instagram.com), the
1000-byte text limit and Instagram's error codes.
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
from siu_core.errors import ConfigError, InvalidReply
from siu_core.graph import (
    DEFAULT_GRAPH_BASE_URL,
    DEFAULT_GRAPH_VERSION,
    GraphErrorPolicy,
    hub_handshake,
    verify_hub_signature,
)
from siu_core.models import StandInResponse

CHANNEL = "instagram"
DISTRIBUTION = "siu-instagram"
MAX_TEXT_BYTES = 1000
#: ``host`` setting -> Graph base URL. ``facebook``: Instagram API with Facebook Login (Page token);
#: ``instagram``: Instagram API with Instagram Login (Instagram user token).
HOSTS: Mapping[str, str] = {
    "facebook": DEFAULT_GRAPH_BASE_URL,
    "instagram": "https://graph.instagram.com",
}
REPLY_WINDOW = ReplyWindowPolicy(standard_hours=24, human_agent_days=7, template_when_closed=False)
DEFAULT_SETTINGS: dict[str, Any] = {
    "api_base_url": "",
    "host": "facebook",
    "graph_version": DEFAULT_GRAPH_VERSION,
    "human_agent_enabled": False,
    "app_id": "",
}
ERROR_POLICY = GraphErrorPolicy(
    # 2534022 is Instagram's own subcode; through the Messenger Platform host the Messenger one
    # (2018278) has been seen for Instagram threads too.
    window_closed=frozenset({(10, 2534022), (10, 2018278)}),
    window_closed_hint=(
        "Instagram refused: the message is outside the allowed window (24 hours, or 7 days with the "
        "HUMAN_AGENT tag); wait for the customer to write again"
    ),
    permanent=frozenset({551}),
)
PROFILE = mm.MessagingProfile(
    channel=CHANNEL,
    webhook_object="instagram",
    display_name="Instagram",
    error_policy=ERROR_POLICY,
    max_text=MAX_TEXT_BYTES,
    text_unit="bytes",
    # Messenger documents ``message.metadata``; Instagram does not, so siu does not risk a refusal
    # and recognises its own echoes by ``app_id`` instead.
    send_metadata=False,
)


def host(settings: Mapping[str, Any]) -> str:
    """Which Graph host this deployment's token belongs to (``facebook`` or ``instagram``)."""
    value = str(settings.get("host") or "facebook").strip().lower()
    if value not in HOSTS:
        raise ConfigError(f"instagram setting 'host' must be one of {sorted(HOSTS)}, not {value!r}")
    return value


def base_url(settings: Mapping[str, Any]) -> str:
    """The base URL to call: ``api_base_url`` when set (dev stand-in), else the configured host's."""
    configured = str(settings.get("api_base_url") or "").strip()
    return configured or HOSTS[host(settings)]


def send_node(secrets: Mapping[str, str], settings: Mapping[str, Any]) -> str:
    """The Graph node whose ``/messages`` edge sends: the IG account, or the Page (``me``) on Facebook."""
    if host(settings) == "instagram":
        return mm.require_secret(secrets, "ig_account_id", CHANNEL)
    # With Facebook Login the Send API lives on the Page linked to the account; ``me`` is the Page
    # the Page access token belongs to, unless the Page id is configured explicitly.
    return secrets.get("page_id") or "me"


@hookimpl
def channel_info() -> ChannelInfo:
    """Tell the core how to load, configure and gate Instagram replies."""
    return ChannelInfo(
        name=CHANNEL,
        display_name="Instagram",
        version=version(DISTRIBUTION),
        contract_version=CONTRACT_VERSION,
        secret_fields=["app_secret", "verify_token", "access_token", "ig_account_id"],
        optional_secret_fields=["page_id"],
        signing_secret_fields=["app_secret"],
        account_secret_field="ig_account_id",  # noqa: S106 - a field name, not a secret
        settings=dict(DEFAULT_SETTINGS),
        reply_window=REPLY_WINDOW,
        max_text_length=MAX_TEXT_BYTES,
        text_length_unit="bytes",
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
    """Turn every entry and item of an Instagram webhook into inbox events."""
    return mm.normalize_body(body, settings, PROFILE)


@hookimpl
def send_reply(
    request: ReplyRequest, secrets: Mapping[str, str], settings: Mapping[str, Any], session: Any
) -> SendResult:
    """Deliver a teammate's reply through Instagram's Send API, or say why it cannot go."""
    account = mm.require_secret(secrets, "ig_account_id", CHANNEL)
    if request.account_id != account:
        raise InvalidReply(
            f"the reply is addressed from Instagram account {request.account_id}, "
            f"but this deployment sends as {account}"
        )
    mm.check_reply(request, PROFILE, REPLY_WINDOW, settings)  # refuse before touching secrets or network
    url = mm.send_url(base_url(settings), mm.graph_version(settings), send_node(secrets, settings))
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
    """Keep a copy of an inbound attachment before Instagram's CDN URL expires."""
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
    """Build the signed Instagram webhook that ``siu demo`` and the contract round-trip replay."""
    return mm.simulate_webhook(messages, account_id, mm.require_secret(secrets, "app_secret", CHANNEL), PROFILE)


@hookimpl
def stand_in_response(method: str, path: str, body: bytes) -> StandInResponse | None:
    """Answer like Instagram's Send API so ``siu dev`` can reply with no Meta account."""
    return mm.stand_in_answer(method, path, body, PROFILE)
