"""What the core knows about the WhatsApp channel, and the settings a deployment may override.

The description is plain data (a mapping of ``ChannelInfo`` fields, contract 1.4): the connector's cold
start reads it without building a model, and the core checks it against ``ChannelInfo`` wherever it is used
whole (the contract suite and every other process check it when the plugin loads).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from siu_meta.graph import DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION

from siu_core.plugin import CONTRACT_VERSION, PermanentSendError, distribution_version
from siu_whatsapp.display import DISPLAY

CHANNEL = "whatsapp"
DISTRIBUTION = "siu-whatsapp"
SECRET_FIELDS = ["app_secret", "verify_token", "access_token", "phone_number_id"]
#: Optional: the WhatsApp Business Account id, needed to list the account's message templates.
BUSINESS_ACCOUNT_FIELD = "business_account_id"
MAX_TEXT_LENGTH = 4096

#: A media caption: at most 1024 characters.
MAX_CAPTION_LENGTH = 1024
_MB = 1024 * 1024
#: The Cloud API's supported media (developers.facebook.com/docs/whatsapp/cloud-api/reference/media,
#: "Supported media types"), sent by link: Meta fetches the URL when it sends the message.
ATTACHMENTS: dict[str, Any] = {
    "kinds": {
        "image": {"content_types": ["image/jpeg", "image/png"], "max_bytes": 5 * _MB},
        "document": {"content_types": [
            "application/pdf", "text/plain", "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ], "max_bytes": 100 * _MB},
        "video": {"content_types": ["video/mp4", "video/3gpp"], "max_bytes": 16 * _MB},
        "audio": {"content_types": ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"],
                  "max_bytes": 16 * _MB},
    },
    "caption": True,
    "max_caption_length": MAX_CAPTION_LENGTH,
}
#: ``ReplyWindowPolicy`` fields: 24 hours of free-form replies, then only approved templates.
REPLY_WINDOW: dict[str, Any] = {"standard_hours": 24, "human_agent_days": None, "template_when_closed": True}
DEFAULT_TIMEOUT_SECONDS = 10.0

DEFAULT_SETTINGS: dict[str, Any] = {
    "api_base_url": DEFAULT_GRAPH_BASE_URL,
    "graph_version": DEFAULT_GRAPH_VERSION,
    "timeout_seconds": DEFAULT_TIMEOUT_SECONDS,
    # The templates the inbox may offer outside the 24-hour window:
    # [{"name": "order_update", "language": "en_US", "param_count": 1}, ...]. With the
    # business_account_id secret set, the inbox offers those of them WhatsApp approved (all approved
    # ones when empty); without it, this list is checked as given (empty: no check).
    "templates": [],
}

_VERSION_RE = re.compile(r"^v\d+\.\d+$")



def channel_info() -> dict[str, Any]:
    """Describe WhatsApp to the core (secrets, the 24-hour window with templates after, text limits) as plain data."""
    return {
        "name": CHANNEL,
        "display_name": "WhatsApp",
        "version": distribution_version(DISTRIBUTION),
        "contract_version": CONTRACT_VERSION,
        "secret_fields": list(SECRET_FIELDS),
        "optional_secret_fields": [BUSINESS_ACCOUNT_FIELD],
        "signing_secret_fields": ["app_secret"],
        "account_secret_field": "phone_number_id",
        "settings": {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_SETTINGS.items()},
        "reply_window": dict(REPLY_WINDOW),
        "max_text_length": MAX_TEXT_LENGTH,
        "text_length_unit": "characters",
        "supports_templates": True,
        "attachments": copy.deepcopy(ATTACHMENTS),
        **DISPLAY,
    }


@dataclass(frozen=True)
class ApprovedTemplate:
    """One approved template the deployment lets teammates send."""

    name: str
    language: str
    param_count: int


@dataclass(frozen=True)
class Settings:
    """Validated deployment settings for the Graph calls."""

    api_base_url: str
    graph_version: str
    timeout: float
    templates: tuple[ApprovedTemplate, ...]

    def url(self, *parts: str) -> str:
        """A Graph URL under the configured base and version."""
        return "/".join([self.api_base_url, self.graph_version, *parts])


def read_settings(settings: Mapping[str, Any]) -> Settings:
    """Check the merged settings once per call; a bad value is a permanent, named configuration error."""
    merged = {**DEFAULT_SETTINGS, **dict(settings)}
    base = merged["api_base_url"]
    if not isinstance(base, str) or not base.startswith(("https://", "http://")):
        raise PermanentSendError("setting api_base_url must be an http(s) URL")
    graph_version = merged["graph_version"]
    if not isinstance(graph_version, str) or not _VERSION_RE.match(graph_version):
        raise PermanentSendError("setting graph_version must look like 'v25.0'")
    timeout = merged["timeout_seconds"]
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 60:
        raise PermanentSendError("setting timeout_seconds must be a number of seconds in (0, 60]")
    return Settings(
        api_base_url=base.rstrip("/"),
        graph_version=graph_version,
        timeout=float(timeout),
        templates=_templates(merged["templates"]),
    )


def _templates(raw: Any) -> tuple[ApprovedTemplate, ...]:
    if not isinstance(raw, list):
        raise PermanentSendError("setting templates must be a list")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise PermanentSendError(f"setting templates[{i}] must be an object")
        name, language, count = item.get("name"), item.get("language"), item.get("param_count", 0)
        if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
            raise PermanentSendError(f"setting templates[{i}] needs a name and a language")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise PermanentSendError(f"setting templates[{i}].param_count must be a whole number >= 0")
        out.append(ApprovedTemplate(name=name, language=language, param_count=count))
    return tuple(out)

