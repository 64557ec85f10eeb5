"""What the core knows about the LINE channel, and the settings and secrets each call reads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from siu_core.plugin import (
    CONTRACT_VERSION,
    AttachmentRule,
    AttachmentSupport,
    ChannelInfo,
    ReplyWindowPolicy,
    SettingValues,
    distribution_version,
    require_secret,
)
from siu_line.display import DISPLAY

CHANNEL = "line"
DISTRIBUTION = "siu-line"
#: Named as the LINE Developers console names them: ``channel_secret`` signs every webhook POST
#: (``x-line-signature``); ``channel_access_token`` authenticates every API call (Bearer).
SECRET_FIELDS = ["channel_secret", "channel_access_token"]
#: The bot's own user id (console: "Your user ID"; webhooks: ``destination``). Optional: every
#: webhook names it, so normalize never needs it; when set, replies are checked against it.
OPTIONAL_SECRET_FIELDS = ["bot_user_id"]
SIGNING_SECRET_FIELDS = ["channel_secret"]
ACCOUNT_SECRET_FIELD = "bot_user_id"  # noqa: S105 - a field name, not a secret
#: A text message object holds at most 5000 characters (LINE counts UTF-16 code units).
MAX_TEXT_LENGTH = 5000
#: Images only (developers.line.biz/en/reference/messaging-api/#image-message): JPEG or PNG by HTTPS URL.
#: LINE takes an original of up to 10 MB but a preview (``previewImageUrl``) of at most 1 MB, and siu
#: sends the same file as both, so 1 MB is the limit. Video and audio need a preview image or a
#: duration siu does not have; documents LINE does not send at all. The reply's text goes as a
#: second message of the same request (LINE takes up to five per call).
ATTACHMENTS = AttachmentSupport(
    kinds={"image": AttachmentRule(content_types=["image/jpeg", "image/png"], max_bytes=1024 * 1024)},
    caption=True,
)
#: Push messages may be sent at any time to a user who has the account as a friend: no window.
REPLY_WINDOW = ReplyWindowPolicy(standard_hours=None, human_agent_days=None, template_when_closed=False)
DEFAULT_API_BASE_URL = "https://api.line.me"
#: Content (media) is served from another host; see :func:`read_settings` for how it is chosen.
DEFAULT_DATA_API_BASE_URL = "https://api-data.line.me"
DEFAULT_TIMEOUT_SECONDS = 10.0
#: How long after the customer's message its reply token is still tried (LINE: about a minute).
DEFAULT_REPLY_TOKEN_SECONDS = 50

DEFAULT_SETTINGS: dict[str, Any] = {
    "api_base_url": DEFAULT_API_BASE_URL,
    "data_api_base_url": "",
    "timeout_seconds": DEFAULT_TIMEOUT_SECONDS,
    "reply_token_seconds": DEFAULT_REPLY_TOKEN_SECONDS,
}

#: What a channel access token may contain (JWT-like characters); anything else cannot be LINE's.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9+/=._~-]{1,2000}$")



def channel_info() -> ChannelInfo:
    """Describe LINE to the core: two secrets (plus the optional bot id), no window, no templates, 5000 characters."""
    return ChannelInfo(
        name=CHANNEL,
        display_name="LINE",
        version=distribution_version(DISTRIBUTION),
        contract_version=CONTRACT_VERSION,
        secret_fields=list(SECRET_FIELDS),
        optional_secret_fields=list(OPTIONAL_SECRET_FIELDS),
        signing_secret_fields=list(SIGNING_SECRET_FIELDS),
        account_secret_field=ACCOUNT_SECRET_FIELD,
        settings=dict(DEFAULT_SETTINGS),
        reply_window=REPLY_WINDOW,
        max_text_length=MAX_TEXT_LENGTH,
        text_length_unit="characters",
        supports_templates=False,
        attachments=ATTACHMENTS,
        **DISPLAY,
    )


@dataclass(frozen=True)
class Settings:
    """Validated deployment settings for Messaging API calls."""

    api_base_url: str
    data_api_base_url: str
    timeout: float
    reply_token_seconds: int

    def url(self, path: str) -> str:
        """An ``api.line.me`` endpoint (``/v2/bot/message/push`` ...)."""
        return f"{self.api_base_url}{path}"

    def content_url(self, message_id: str) -> str:
        """Where a customer's image, video, audio or file is downloaded from."""
        return f"{self.data_api_base_url}/v2/bot/message/{message_id}/content"


def read_settings(settings: Mapping[str, Any]) -> Settings:
    """Check the merged settings once per call; a bad value is a permanent, named configuration error.

    ``data_api_base_url`` left empty follows ``api_base_url``: LINE's own content host when the API is
    LINE's, else the same base (a proxy or ``siu dev``'s stand-in serves both).
    """
    values = SettingValues(DEFAULT_SETTINGS, settings)
    api = values.base_url("api_base_url")
    data_base = values.base_url("data_api_base_url", optional=True)
    if not data_base:
        data_base = DEFAULT_DATA_API_BASE_URL if api == DEFAULT_API_BASE_URL else api
    return Settings(api_base_url=api, data_api_base_url=data_base, timeout=values.seconds("timeout_seconds", most=60),
                    reply_token_seconds=int(values.seconds("reply_token_seconds", most=60, zero=True, whole=True)))


def access_token(secrets: Mapping[str, str]) -> str:
    """The channel access token, refused (without echoing it) when it could not be one."""
    return require_secret(secrets, "channel_access_token", CHANNEL, shape=_TOKEN_RE, shape_of="a LINE token")
