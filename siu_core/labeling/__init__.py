"""Labeling new customer messages: topic, urgency, language and a teammate-only summary.

Two labelers share one protocol: :class:`~siu_core.labeling.bedrock.BedrockLabeler` (one Converse
call per batch, per-message labels in the model's native structured output or a forced tool,
rule-based fallback per message) and
:class:`~siu_core.labeling.rules.RuleLabeler` (keywords and simple signals, no AWS). A labeler
never raises because of the model and never loses a message: every item gets valid labels.

Importing this package is cheap: boto3 and the language model load on first use only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from siu_core.errors import ConfigError
from siu_core.models import Labels, MessageEvent

if TYPE_CHECKING:
    from siu_core.config import SiuConfig

__all__ = ["LabelInput", "Labeler", "build_labeler"]


@dataclass(frozen=True)
class LabelInput:
    """What a labeler sees of one new customer message (never the customer's identity beyond ids)."""

    message_id: str
    channel: str
    customer_id: str
    kind: str
    text: str | None
    attachment_types: tuple[str, ...] = ()

    @classmethod
    def from_event(cls, event: MessageEvent) -> LabelInput:
        """The labeler's view of a message event: its text plus attachment captions, and media types."""
        parts = [event.text or ""]
        parts += [a.caption for a in event.attachments if a.caption and a.caption != event.text]
        if event.interaction is not None and event.interaction.title and not event.text:
            parts.append(event.interaction.title)
        text = "\n".join(p for p in parts if p.strip()) or None
        return cls(
            message_id=event.message_id,
            channel=event.channel,
            customer_id=event.customer.id,
            kind=event.kind,
            text=text,
            attachment_types=tuple(a.type for a in event.attachments),
        )


@runtime_checkable
class Labeler(Protocol):
    """Anything that labels a batch of new messages: same order out as in, never raises."""

    name: str

    def label_batch(self, items: Sequence[LabelInput]) -> list[Labels]:
        """Labels for every item, in the order given."""
        ...


def build_labeler(config: SiuConfig, *, kind: str | None = None, bedrock_client: Any | None = None) -> Labeler:
    """The deployment's labeler (``kind`` overrides ``config.labeler``; ``rules`` needs no AWS at all)."""
    chosen = kind or config.labeler
    if chosen == "rules":
        from siu_core.labeling.rules import RuleLabeler

        return RuleLabeler.from_config(config)
    if chosen == "bedrock":
        from siu_core.labeling.bedrock import BedrockLabeler

        return BedrockLabeler.from_config(config, client=bedrock_client)
    raise ConfigError(f"labeler {chosen!r} is not a labeler kind (use 'bedrock' or 'rules')")
