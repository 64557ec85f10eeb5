"""Events as plain JSON mappings (contract 1.4): what ``normalize`` may return instead of models.

A hot webhook path need not build a pydantic model per message: a plugin may return a
:class:`MessageEventData` mapping, the same fields and JSON shape as
``MessageEvent.model_dump(mode="json", exclude_none=True)`` (timestamps as RFC 3339 strings in UTC,
``Z`` suffix; nested parts as plain objects). The connector serializes it straight to the queue; the
labeler parses every queue message strictly, and the contract suite validates every mapping against
``schemas/event.schema.json``, so a wrong mapping fails the deploy gate, not a customer. Pure
typing: importing this module imports no pydantic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, NotRequired, TypedDict

#: What a channel name may be (an event's ``channel``, the entry-point name, a connector's ``SIU_CHANNEL``).
CHANNEL_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
#: The version of the event and queue message schemas (``schemas/``); :mod:`siu_core.models` uses it too.
EVENT_SCHEMA_VERSION: Literal["1"] = "1"


class ParticipantData(TypedDict):
    """A customer, as :class:`~siu_core.models.Participant` dumps it (absent keys are None)."""

    id: str
    name: NotRequired[str]
    username: NotRequired[str]
    phone: NotRequired[str]


class MessageEventData(TypedDict):
    """A message event, as :class:`~siu_core.models.MessageEvent` dumps it to JSON (absent keys take defaults)."""

    type: Literal["message", "echo"]
    channel: str
    account_id: str
    customer: ParticipantData
    timestamp: str
    message_id: str
    kind: str
    schema_version: NotRequired[Literal["1"]]
    text: NotRequired[str]
    attachments: NotRequired[list[dict[str, Any]]]
    reply_to: NotRequired[str]
    story: NotRequired[dict[str, Any]]
    interaction: NotRequired[dict[str, Any]]
    location: NotRequired[dict[str, Any]]
    contacts: NotRequired[list[dict[str, Any]]]
    order: NotRequired[dict[str, Any]]
    referral: NotRequired[dict[str, Any]]
    forwarded: NotRequired[bool]
    standby: NotRequired[bool]
    own_app: NotRequired[bool]
    errors: NotRequired[list[dict[str, Any]]]
    reply_context: NotRequired[str]


def utc_text(value: datetime) -> str:
    """A timestamp as the event schema writes it (UTC, ``Z``), equal to what the models serialize."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def event_field(event: Any, name: str) -> Any:
    """One field of an event, whether the plugin returned a model or a mapping (None when absent)."""
    return event.get(name) if isinstance(event, dict) else getattr(event, name, None)
