"""siu, the social inbox unifier: the core.

The public API for channel plugins is this module's names: the ``hookimpl`` marker, the models
and the errors. Plugins import nothing else from ``siu_core`` except :mod:`siu_core.graph`
(shared Meta Graph mechanics).
"""

from siu_core.errors import (
    InvalidReply,
    MalformedPayload,
    PermanentSendError,
    RateLimited,
    SendError,
    SignatureError,
    TransientSendError,
    WindowClosed,
)
from siu_core.hookspecs import CONTRACT_VERSION, hookimpl
from siu_core.models import (
    Attachment,
    ChannelInfo,
    ContactCard,
    EditEvent,
    Event,
    HandshakeResponse,
    Interaction,
    Labels,
    Location,
    MediaContent,
    MessageEvent,
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
    StatusEvent,
    Story,
    TemplateRef,
    UnsendEvent,
    WebhookRequest,
)

__version__ = "0.1.0"

__all__ = [
    "CONTRACT_VERSION",
    "Attachment",
    "ChannelInfo",
    "ContactCard",
    "EditEvent",
    "Event",
    "HandshakeResponse",
    "Interaction",
    "InvalidReply",
    "Labels",
    "Location",
    "MalformedPayload",
    "MediaContent",
    "MessageEvent",
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
    "StatusEvent",
    "Story",
    "TemplateRef",
    "TransientSendError",
    "UnsendEvent",
    "WebhookRequest",
    "WindowClosed",
    "hookimpl",
]
