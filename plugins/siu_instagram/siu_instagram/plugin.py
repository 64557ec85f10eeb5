"""The Instagram channel: hook implementations (entry point ``instagram``).

Webhook parsing, sending, media download and the hooks on top of them are shared with Messenger in
:mod:`siu_meta.messaging`; this module holds only what is Instagram's own: the two hosts
(a Page token on graph.facebook.com or an Instagram-login token on graph.instagram.com), the
1000-byte text limit and Instagram's error codes.

The description, window and file rules are plain data (mappings of ``ChannelInfo``, ``ReplyWindowPolicy``
and ``AttachmentSupport`` fields, contract 1.4) and nothing here imports a model at module level: an
Instagram connector's cold start and its webhooks import no pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

from siu_meta import messaging, profiles
from siu_meta.graph import DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION, GraphErrorPolicy

from siu_core.plugin import CONTRACT_VERSION, ConfigError, hookimpl
from siu_instagram.display import DISPLAY

CHANNEL = "instagram"
DISTRIBUTION = "siu-instagram"
MAX_TEXT_BYTES = 1000
#: ``host`` setting -> Graph base URL. ``facebook``: Instagram API with Facebook Login (Page token);
#: ``instagram``: Instagram API with Instagram Login (Instagram user token).
HOSTS: Mapping[str, str] = {
    "facebook": DEFAULT_GRAPH_BASE_URL,
    "instagram": "https://graph.instagram.com",
}
#: ``ReplyWindowPolicy`` fields: 24 hours of free-form replies, 7 days with the HUMAN_AGENT tag, no templates.
REPLY_WINDOW: dict[str, Any] = {"standard_hours": 24, "human_agent_days": 7, "template_when_closed": False}
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
_MB = 1024 * 1024
#: What Instagram messaging takes by URL (developers.facebook.com/docs/instagram-platform/instagram-api-with-
#: instagram-login/messaging-api, "Send media"): images (PNG, JPEG) up to 8 MB, video and audio up to 25 MB;
#: no caption, so a reply is text or one file.
ATTACHMENTS: dict[str, Any] = {
    "kinds": {
        "image": {"content_types": ["image/jpeg", "image/png"], "max_bytes": 8 * _MB},
        "video": {"content_types": ["video/mp4", "video/quicktime", "video/webm"], "max_bytes": 25 * _MB},
        "audio": {"content_types": ["audio/aac", "audio/mp4", "audio/wav"], "max_bytes": 25 * _MB},
    },
    "caption": False,
}
PROFILE = messaging.MessagingProfile(
    channel=CHANNEL,
    webhook_object="instagram",
    display_name="Instagram",
    error_policy=ERROR_POLICY,
    max_text=MAX_TEXT_BYTES,
    text_unit="bytes",
    # Messenger documents ``message.metadata``; Instagram does not, so siu does not risk a refusal
    # and recognises its own echoes by ``app_id`` instead.
    send_metadata=False,
    attachments=ATTACHMENTS,
    profile_fields=profiles.INSTAGRAM_FIELDS,
)


def host(settings: Mapping[str, Any]) -> str:
    """Which Graph host this deployment's token belongs to (``facebook`` or ``instagram``)."""
    value = str(settings.get("host") or "facebook").strip().lower()
    if value not in HOSTS:
        raise ConfigError(f"instagram setting 'host' must be one of {sorted(HOSTS)}, not {value!r}")
    return value


class InstagramChannel(messaging.MessagingChannel):
    """Instagram's differences from Messenger's sending: which host, and which node sends."""

    def platform_base_url(self, settings: Mapping[str, Any]) -> str:
        """The configured host's Graph base URL (a Page token and an Instagram token live apart)."""
        return HOSTS[host(settings)]

    def send_node(self, account: str, secrets: Mapping[str, str], settings: Mapping[str, Any]) -> str:
        """The IG account on graph.instagram.com, or the Page (``me``) with Facebook Login."""
        if host(settings) == "instagram":
            return account
        # With Facebook Login the Send API lives on the Page linked to the account; ``me`` is the Page
        # the Page access token belongs to, unless the Page id is configured explicitly.
        return secrets.get("page_id") or "me"


INSTAGRAM = InstagramChannel(PROFILE, REPLY_WINDOW, account_field="ig_account_id", account_noun="Instagram account")


@hookimpl
def channel_info() -> dict[str, Any]:
    """Tell the core how to load, configure and gate Instagram replies, as plain data (no model at cold start)."""
    return INSTAGRAM.describe(
        display_name="Instagram",
        version=version(DISTRIBUTION),
        contract_version=CONTRACT_VERSION,
        secret_fields=["app_secret", "verify_token", "access_token", "ig_account_id"],
        optional_secret_fields=["page_id"],
        settings=DEFAULT_SETTINGS,
        display=DISPLAY,
    )


# pluggy registers this module, so the shared hooks are bound to module names here.
handshake = INSTAGRAM.handshake
verify_signature = INSTAGRAM.verify_signature
normalize = INSTAGRAM.normalize
send_reply = INSTAGRAM.send_reply
download_media = INSTAGRAM.download_media
simulate_webhook = INSTAGRAM.simulate_webhook
stand_in_response = INSTAGRAM.stand_in_response
fetch_profile = INSTAGRAM.fetch_profile
