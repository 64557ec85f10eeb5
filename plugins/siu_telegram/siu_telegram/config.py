"""What the core knows about the Telegram channel, and the settings and secrets each call reads."""

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
from siu_telegram.display import DISPLAY

CHANNEL = "telegram"
DISTRIBUTION = "siu-telegram"
#: ``bot_token`` authenticates API calls (it sits in the URL path, as Telegram requires);
#: ``secret_token`` is what ``setWebhook`` was given and Telegram sends back on every POST;
#: ``bot_id`` (the number before the token's colon) names the account every event belongs to.
SECRET_FIELDS = ["bot_token", "secret_token", "bot_id"]
SIGNING_SECRET_FIELDS = ["secret_token"]
ACCOUNT_SECRET_FIELD = "bot_id"  # noqa: S105 - a field name, not a secret
#: A bot token's shape (``<bot id>:AA<35 characters>``), so the core's cassette and fixture scans find one
#: written out anywhere: the Bot API puts it in the URL path.
SECRET_PATTERNS = {"a Telegram bot token": r"(?<!\d)\d{6,12}:AA[A-Za-z0-9_-]{30,}"}
#: sendMessage text: 1-4096 characters.
MAX_TEXT_LENGTH = 4096
#: A photo, video, audio or document caption: at most 1024 characters.
MAX_CAPTION_LENGTH = 1024
_MB = 1024 * 1024
#: What the Bot API fetches by URL (core.telegram.org/bots/api, "Sending files"): photos up to 5 MB, other
#: files up to 20 MB, and sendDocument by URL only for GIF, PDF and ZIP.
ATTACHMENTS = AttachmentSupport(
    kinds={
        "image": AttachmentRule(content_types=["image/jpeg", "image/png", "image/webp"], max_bytes=5 * _MB),
        "document": AttachmentRule(content_types=["application/pdf", "application/zip", "image/gif"],
                                   max_bytes=20 * _MB),
        "video": AttachmentRule(content_types=["video/mp4"], max_bytes=20 * _MB),
        "audio": AttachmentRule(content_types=["audio/mpeg", "audio/mp4"], max_bytes=20 * _MB),
    },
    caption=True,
    max_caption_length=MAX_CAPTION_LENGTH,
)
#: Telegram lets a bot answer a private chat at any time after the user started it: no window.
REPLY_WINDOW = ReplyWindowPolicy(standard_hours=None, human_agent_days=None, template_when_closed=False)
DEFAULT_API_BASE_URL = "https://api.telegram.org"
DEFAULT_TIMEOUT_SECONDS = 10.0

DEFAULT_SETTINGS: dict[str, Any] = {
    "api_base_url": DEFAULT_API_BASE_URL,
    "timeout_seconds": DEFAULT_TIMEOUT_SECONDS,
}

#: What a bot token may contain; anything else would change the URL path it is placed in.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9:_-]{1,200}$")



def channel_info() -> ChannelInfo:
    """Describe Telegram to the core: three secrets, no reply window, no templates, 4096 characters."""
    return ChannelInfo(
        name=CHANNEL,
        display_name="Telegram",
        version=distribution_version(DISTRIBUTION),
        contract_version=CONTRACT_VERSION,
        secret_fields=list(SECRET_FIELDS),
        signing_secret_fields=list(SIGNING_SECRET_FIELDS),
        account_secret_field=ACCOUNT_SECRET_FIELD,
        settings=dict(DEFAULT_SETTINGS),
        reply_window=REPLY_WINDOW,
        max_text_length=MAX_TEXT_LENGTH,
        text_length_unit="characters",
        supports_templates=False,
        secret_patterns=dict(SECRET_PATTERNS),
        attachments=ATTACHMENTS,
        **DISPLAY,
    )


@dataclass(frozen=True)
class Settings:
    """Validated deployment settings for Bot API calls."""

    api_base_url: str
    timeout: float

    def method_url(self, token: str, method: str) -> str:
        """``{base}/bot{token}/{method}``: Telegram authenticates by the token in the path."""
        return f"{self.api_base_url}/bot{token}/{method}"

    def file_url(self, token: str, file_path: str) -> str:
        """``{base}/file/bot{token}/{file_path}``: where getFile's answer can be downloaded."""
        return f"{self.api_base_url}/file/bot{token}/{file_path}"


def read_settings(settings: Mapping[str, Any]) -> Settings:
    """Check the merged settings once per call; a bad value is a permanent, named configuration error."""
    values = SettingValues(DEFAULT_SETTINGS, settings)
    return Settings(api_base_url=values.base_url("api_base_url"), timeout=values.seconds("timeout_seconds", most=60))


def bot_token(secrets: Mapping[str, str]) -> str:
    """The bot token, refused (without echoing it) when it could change the URL it is placed in."""
    return require_secret(secrets, "bot_token", CHANNEL, shape=_TOKEN_RE, shape_of="a Telegram bot token")
