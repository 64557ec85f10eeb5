"""What the core knows about the Twilio channel, and the settings and secrets each call reads."""

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
from siu_twilio.display import DISPLAY

CHANNEL = "twilio"
DISTRIBUTION = "siu-twilio"
#: ``account_sid`` (``AC`` + 32 hex) names the account in every API path and is the basic-auth user;
#: ``auth_token`` is the basic-auth password and the key Twilio signs every webhook with.
SECRET_FIELDS = ["account_sid", "auth_token"]
#: ``phone_number``: the business's Twilio number (E.164). Webhooks name the number they were sent
#: to, so events need no secret for it; ``siu dev`` and ``siu simulate`` address simulated webhooks to it.
OPTIONAL_SECRET_FIELDS = ["phone_number"]
SIGNING_SECRET_FIELDS = ["auth_token"]
ACCOUNT_SECRET_FIELD = "phone_number"  # noqa: S105 - a field name, not a secret
#: The Messages API takes a Body of at most 1600 characters (error 21617 beyond).
MAX_TEXT_LENGTH = 1600
_MMS_BYTES = 5 * 1024 * 1024
#: ``MediaUrl`` on the Messages API (twilio.com/docs/messaging/api/message-resource#create-a-message-resource,
#: "Accepted content types for MMS" and "WhatsApp supported media"): what both transports take, within
#: MMS's 5 MB per message; the Body goes along as the caption.
ATTACHMENTS = AttachmentSupport(
    kinds={
        "image": AttachmentRule(content_types=["image/jpeg", "image/png"], max_bytes=_MMS_BYTES),
        "document": AttachmentRule(content_types=["application/pdf"], max_bytes=_MMS_BYTES),
        "video": AttachmentRule(content_types=["video/mp4"], max_bytes=_MMS_BYTES),
    },
    caption=True,
)
#: SMS and MMS have no reply window, and the core applies one policy per channel: so the channel
#: declares none, and :mod:`siu_twilio.window` applies WhatsApp's 24 hours per ``whatsapp:`` address.
REPLY_WINDOW = ReplyWindowPolicy(standard_hours=None, human_agent_days=None, template_when_closed=False)
#: WhatsApp through Twilio: free text for 24 hours after the customer's last message, then only an
#: approved template (a Content SID).
WHATSAPP_WINDOW = ReplyWindowPolicy(standard_hours=24, human_agent_days=None, template_when_closed=True)
DEFAULT_API_BASE_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT_SECONDS = 10.0
API_VERSION = "2010-04-01"

DEFAULT_SETTINGS: dict[str, Any] = {
    "api_base_url": DEFAULT_API_BASE_URL,
    "timeout_seconds": DEFAULT_TIMEOUT_SECONDS,
    #: Where Twilio should POST delivery statuses of replies (usually this channel's webhook URL);
    #: empty: the number's or Messaging Service's own status callback setting applies.
    "status_callback_url": "",
    #: The Content API (templates): empty means Twilio's, or ``api_base_url`` when that is overridden
    #: (``siu dev``'s stand-in answers both).
    "content_api_base_url": "",
}

#: What may stand in an account SID's place in a URL path. Twilio's are ``AC`` and 32 hex digits;
#: ``siu dev``'s made-up ones are longer words: both pass, a ``/`` or ``?`` never does.
ACCOUNT_SID_RE = re.compile(r"^[A-Za-z0-9_-]{2,64}$")



def channel_info() -> ChannelInfo:
    """Describe Twilio to the core: account SID and auth token, no channel-wide window, Content SID templates."""
    return ChannelInfo(
        name=CHANNEL,
        display_name="Twilio",
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
        supports_templates=True,
        attachments=ATTACHMENTS,
        **DISPLAY,
    )


@dataclass(frozen=True)
class Settings:
    """Validated deployment settings for Messages API calls."""

    api_base_url: str
    timeout: float
    status_callback_url: str

    def account_url(self, account_sid: str, tail: str) -> str:
        """``{base}/2010-04-01/Accounts/{AccountSid}/{tail}``: every Messaging REST resource lives there."""
        return f"{self.api_base_url}/{API_VERSION}/Accounts/{account_sid}/{tail}"


def read_settings(settings: Mapping[str, Any]) -> Settings:
    """Check the merged settings once per call; a bad value is a permanent, named configuration error."""
    values = SettingValues(DEFAULT_SETTINGS, settings)
    return Settings(api_base_url=values.base_url("api_base_url"), timeout=values.seconds("timeout_seconds", most=60),
                    status_callback_url=values.url("status_callback_url", optional=True))


def account_sid(secrets: Mapping[str, str]) -> str:
    """The account SID, refused (without echoing it) when it could change the URL path it is placed in."""
    return require_secret(secrets, "account_sid", CHANNEL, shape=ACCOUNT_SID_RE, shape_of="a Twilio account SID")
