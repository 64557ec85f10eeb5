"""The plugin API: everything a channel plugin (or a library for plugins, like siu-meta) may import from siu.

A plugin imports from this module only, never from another ``siu_core`` module: what is here is kept
stable within a contract major version, everything else may change with any release
(``tests/test_plugin_api.py`` checks every plugin in the repository, siu-meta and the
``siu new-channel`` template). Its parts: the ``hookimpl`` marker and the contract version, the
models a hook receives and returns, the typed errors a hook raises, the reply-window rule, and
:func:`require_secret`, the one way a hook asks for a secret field it cannot work without.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from siu_core.event_data import MessageEventData, ParticipantData, utc_text

if TYPE_CHECKING:
    from siu_core.errors import (
        ConfigError,
        InvalidReply,
        MalformedPayload,
        MissingSecret,
        MissingSignature,
        PermanentSendError,
        RateLimited,
        SendError,
        SignatureError,
        SiuError,
        TransientSendError,
        WindowClosed,
    )
    from siu_core.hookspecs import CONTRACT_VERSION, hookimpl
    from siu_core.models import (
        Acknowledgement,
        Attachment,
        AttachmentRule,
        AttachmentSupport,
        AttachmentType,
        ChannelInfo,
        ContactCard,
        CustomerProfile,
        EditEvent,
        Event,
        HandshakeResponse,
        InboundRequest,
        Interaction,
        Labels,
        Location,
        MediaContent,
        MessageEvent,
        MessageKind,
        Order,
        OrderItem,
        OutboundAttachment,
        OutboundKind,
        Participant,
        PlatformError,
        PlatformErrorEvent,
        ReactionEvent,
        Referral,
        ReplyRequest,
        ReplyWindowPolicy,
        SendResult,
        SimulatedMessage,
        StandInResponse,
        StatusEvent,
        Story,
        TemplateRef,
        Unreadable,
        UnsendEvent,
        WebhookRequest,
    )
    from siu_core.plugin_settings import SettingValues
    from siu_core.secrets import require_secret
    from siu_core.window import WindowState, reply_window

#: Where each name lives. Imported on first use (module ``__getattr__``), so a plugin module's
#: ``from siu_core.plugin import hookimpl, MalformedPayload`` imports no pydantic: the connector's cold
#: start loads only what its hot path runs (contract 1.4 events are plain mappings).
_HOMES: dict[str, str] = {
    "ConfigError": "siu_core.errors",
    "InvalidReply": "siu_core.errors",
    "MalformedPayload": "siu_core.errors",
    "MissingSecret": "siu_core.errors",
    "MissingSignature": "siu_core.errors",
    "PermanentSendError": "siu_core.errors",
    "RateLimited": "siu_core.errors",
    "SendError": "siu_core.errors",
    "SignatureError": "siu_core.errors",
    "SiuError": "siu_core.errors",
    "TransientSendError": "siu_core.errors",
    "WindowClosed": "siu_core.errors",
    "CONTRACT_VERSION": "siu_core.hookspecs",
    "hookimpl": "siu_core.hookspecs",
    "Acknowledgement": "siu_core.models",
    "Attachment": "siu_core.models",
    "AttachmentRule": "siu_core.models",
    "AttachmentSupport": "siu_core.models",
    "AttachmentType": "siu_core.models",
    "ChannelInfo": "siu_core.models",
    "ContactCard": "siu_core.models",
    "CustomerProfile": "siu_core.models",
    "EditEvent": "siu_core.models",
    "Event": "siu_core.models",
    "HandshakeResponse": "siu_core.models",
    "InboundRequest": "siu_core.models",
    "Interaction": "siu_core.models",
    "Labels": "siu_core.models",
    "Location": "siu_core.models",
    "MediaContent": "siu_core.models",
    "MessageEvent": "siu_core.models",
    "MessageKind": "siu_core.models",
    "Order": "siu_core.models",
    "OrderItem": "siu_core.models",
    "OutboundAttachment": "siu_core.models",
    "OutboundKind": "siu_core.models",
    "Participant": "siu_core.models",
    "PlatformError": "siu_core.models",
    "PlatformErrorEvent": "siu_core.models",
    "ReactionEvent": "siu_core.models",
    "Referral": "siu_core.models",
    "ReplyRequest": "siu_core.models",
    "ReplyWindowPolicy": "siu_core.models",
    "SendResult": "siu_core.models",
    "SimulatedMessage": "siu_core.models",
    "StandInResponse": "siu_core.models",
    "StatusEvent": "siu_core.models",
    "Story": "siu_core.models",
    "TemplateRef": "siu_core.models",
    "Unreadable": "siu_core.models",
    "UnsendEvent": "siu_core.models",
    "WebhookRequest": "siu_core.models",
    "require_secret": "siu_core.secrets",
    "SettingValues": "siu_core.plugin_settings",
    "WindowState": "siu_core.window",
    "reply_window": "siu_core.window",
}


def __getattr__(name: str) -> Any:
    """Import an exported name from its home on first use and keep it here (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CONTRACT_VERSION",
    "Acknowledgement",
    "Attachment",
    "AttachmentRule",
    "AttachmentSupport",
    "AttachmentType",
    "ChannelInfo",
    "ConfigError",
    "ContactCard",
    "CustomerProfile",
    "EditEvent",
    "Event",
    "HandshakeResponse",
    "InboundRequest",
    "Interaction",
    "InvalidReply",
    "Labels",
    "Location",
    "MalformedPayload",
    "MediaContent",
    "MessageEvent",
    "MessageEventData",
    "MessageKind",
    "MissingSecret",
    "MissingSignature",
    "Order",
    "OrderItem",
    "OutboundAttachment",
    "OutboundKind",
    "Participant",
    "ParticipantData",
    "PermanentSendError",
    "PlatformError",
    "PlatformErrorEvent",
    "RateLimited",
    "ReactionEvent",
    "Referral",
    "ReplyRequest",
    "ReplyWindowPolicy",
    "SendError",
    "SendResult",
    "SettingValues",
    "SignatureError",
    "SimulatedMessage",
    "SiuError",
    "StandInResponse",
    "StatusEvent",
    "Story",
    "TemplateRef",
    "TransientSendError",
    "Unreadable",
    "UnsendEvent",
    "WebhookRequest",
    "WindowClosed",
    "WindowState",
    "distribution_version",
    "hookimpl",
    "reply_window",
    "require_secret",
    "utc_text",
]


def distribution_version(distribution: str) -> str:
    """The installed distribution's version for ``ChannelInfo.version``, so ``siu channels`` reports what is deployed.

    ``0+unknown`` when the package runs from a bare checkout that was never installed.
    """
    from importlib.metadata import PackageNotFoundError, version  # only when channel_info is asked

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"
