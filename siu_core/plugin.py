"""The plugin API: everything a channel plugin (or a library for plugins, like siu-meta) may import from siu.

A plugin imports from this module only, never from another ``siu_core`` module: what is here is kept
stable within a contract major version, everything else may change with any release
(``tests/test_plugin_api.py`` checks every plugin in the repository, siu-meta and the
``siu new-channel`` template). Its parts: the ``hookimpl`` marker and the contract version, the
models a hook receives and returns, the typed errors a hook raises, the reply-window rule, and
:func:`require_secret`, the one way a hook asks for a secret field it cannot work without.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

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
from siu_core.secrets import require_secret
from siu_core.window import WindowState, reply_window

__all__ = [
    "CONTRACT_VERSION",
    "Acknowledgement",
    "Attachment",
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
    "MessageKind",
    "MissingSecret",
    "MissingSignature",
    "Order",
    "OrderItem",
    "Participant",
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
]


def distribution_version(distribution: str) -> str:
    """The installed distribution's version for ``ChannelInfo.version``, so ``siu channels`` reports what is deployed.

    ``0+unknown`` when the package runs from a bare checkout that was never installed.
    """
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0+unknown"
