"""The Facebook Messenger channel: hook implementations (entry point ``facebook``).

Webhook parsing, sending, media download and the hooks on top of them are shared with Instagram in
:mod:`siu_meta.messaging`; this module holds only what is Messenger's own: the channel's
description, its Send API node (the Page), its text limit and its error codes.

The description, window and file rules are plain data (mappings of ``ChannelInfo``, ``ReplyWindowPolicy``
and ``AttachmentSupport`` fields, contract 1.4) and nothing here imports a model at module level: a
Messenger connector's cold start and its webhooks import no pydantic.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from siu_meta import messaging, profiles
from siu_meta.graph import DEFAULT_GRAPH_VERSION, GraphErrorPolicy

from siu_core.plugin import CONTRACT_VERSION, hookimpl
from siu_facebook.display import DISPLAY

CHANNEL = "facebook"
DISTRIBUTION = "siu-facebook"
MAX_TEXT_CHARACTERS = 2000
#: ``ReplyWindowPolicy`` fields: 24 hours of free-form replies, 7 days with the HUMAN_AGENT tag, no templates.
REPLY_WINDOW: dict[str, Any] = {"standard_hours": 24, "human_agent_days": 7, "template_when_closed": False}
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
_MB = 1024 * 1024
#: What the Send API takes by URL (developers.facebook.com/docs/messenger-platform/send-messages,
#: "Sending attachments": at most 25 MB; no caption, so a reply is text or one file).
ATTACHMENTS: dict[str, Any] = {
    "kinds": {
        "image": {"content_types": ["image/jpeg", "image/png", "image/gif"], "max_bytes": 25 * _MB},
        "video": {"content_types": ["video/mp4"], "max_bytes": 25 * _MB},
        "audio": {"content_types": ["audio/mpeg", "audio/mp4", "audio/aac", "audio/wav"], "max_bytes": 25 * _MB},
        "document": {"content_types": [
            "application/pdf", "text/plain", "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ], "max_bytes": 25 * _MB},
    },
    "caption": False,
}
PROFILE = messaging.MessagingProfile(
    channel=CHANNEL,
    webhook_object="page",
    display_name="Messenger",
    error_policy=ERROR_POLICY,
    max_text=MAX_TEXT_CHARACTERS,
    text_unit="characters",
    send_metadata=True,
    attachments=ATTACHMENTS,
    profile_fields=profiles.MESSENGER_FIELDS,
)
#: Messenger sends as the Page, on graph.facebook.com: the shared defaults, unchanged.
MESSENGER = messaging.MessagingChannel(PROFILE, REPLY_WINDOW, account_field="page_id", account_noun="Page")


@hookimpl
def channel_info() -> dict[str, Any]:
    """Tell the core how to load, configure and gate Messenger replies, as plain data (no model at cold start)."""
    return MESSENGER.describe(
        display_name="Facebook Messenger",
        version=version(DISTRIBUTION),
        contract_version=CONTRACT_VERSION,
        secret_fields=["app_secret", "verify_token", "access_token", "page_id"],
        settings=DEFAULT_SETTINGS,
        display=DISPLAY,
    )


# pluggy registers this module, so the shared hooks are bound to module names here.
handshake = MESSENGER.handshake
verify_signature = MESSENGER.verify_signature
normalize = MESSENGER.normalize
send_reply = MESSENGER.send_reply
download_media = MESSENGER.download_media
simulate_webhook = MESSENGER.simulate_webhook
stand_in_response = MESSENGER.stand_in_response
fetch_profile = MESSENGER.fetch_profile
