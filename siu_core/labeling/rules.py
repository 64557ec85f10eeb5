"""The rule-based labeler: needs no AWS, explains every decision, and is the model's fallback.

- topic: the taxonomy topic with the most distinct keyword matches (ties: the topic listed first);
  ``other`` when nothing matches;
- urgency: ``urgent`` when an urgent keyword occurs (the config's plus a few built-in words in the
  languages customers write in), when ``!`` is repeated, or when the message is mostly capitals;
- language: detected locally (:mod:`siu_core.labeling.language`);
- summary: the first sentence (past a short greeting), truncated, for teammates only. It is the
  customer's own words, never composed text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from siu_core.labeling.language import detect_language
from siu_core.labeling.text import FoldedText, Keyword, compile_keywords, first_sentence, matching
from siu_core.models import Labels

if TYPE_CHECKING:
    from siu_core.config import SiuConfig
    from siu_core.labeling import LabelInput

OTHER = "other"
RULES_NAME = "rules"
FALLBACK_NAME = "rules-fallback"

#: Words that mean "now" in the languages siu's customers write in; config's urgent_keywords add to them.
BUILTIN_URGENT_KEYWORDS: tuple[str, ...] = (
    # English
    "urgent", "urgently", "asap", "emergency", "immediately", "right now",
    # Spanish / Portuguese
    "urgente", "urgencia", "urgência", "emergencia", "emergência", "inmediatamente", "imediatamente",
    "lo antes posible", "o mais rápido possível",
    # French
    "urgence", "immédiatement", "au plus vite",
    # German
    "dringend", "sofort", "notfall",
    # Indonesian / Malay
    "segera", "darurat", "mendesak", "secepatnya", "kecemasan",
    # Chinese
    "紧急", "尽快", "马上", "立刻",
    # Arabic
    "عاجل", "فورا", "طارئ",
    # Hindi
    "तुरंत", "जरूरी", "ज़रूरी", "आपातकाल",
)  # fmt: skip

_REPEATED_BANG = re.compile(r"[!！]{2,}")
#: A message is "shouting" when at least this many cased letters are there and this share is upper case.
CAPS_MIN_LETTERS = 8
CAPS_SHARE = 0.7


@dataclass(frozen=True)
class RuleDecision:
    """The labels the rules chose and why, so a teammate or a test can see the reason."""

    topic: str
    urgency: str
    language: str
    summary: str
    topic_keywords: tuple[str, ...]
    urgency_reasons: tuple[str, ...]


def _shouting(text: str) -> bool:
    cased = [ch for ch in text if ch.isupper() or ch.islower()]
    if len(cased) < CAPS_MIN_LETTERS:
        return False
    return sum(ch.isupper() for ch in cased) >= CAPS_SHARE * len(cased)


def media_summary(kind: str, attachment_types: Sequence[str]) -> str:
    """What a teammate sees for a message without text: what was sent, in brackets."""
    parts = list(dict.fromkeys(attachment_types)) or [kind]
    return "[" + ", ".join(parts) + "]"


class RuleLabeler:
    """Labels by keywords and simple signals, with no model and no AWS."""

    def __init__(
        self,
        taxonomy: Mapping[str, Sequence[str]],
        urgent_keywords: Sequence[str] = (),
        *,
        builtin_urgent: bool = True,
    ) -> None:
        self.name = RULES_NAME
        self._topics: tuple[tuple[str, tuple[Keyword, ...]], ...] = tuple(
            (topic, compile_keywords(keywords)) for topic, keywords in taxonomy.items() if topic != OTHER
        )
        extra = BUILTIN_URGENT_KEYWORDS if builtin_urgent else ()
        self._urgent = compile_keywords([*urgent_keywords, *extra])

    @classmethod
    def from_config(cls, config: SiuConfig) -> RuleLabeler:
        """The rules of a deployment: its taxonomy's keywords and its urgent keywords."""
        return cls(
            {topic: spec.keywords for topic, spec in config.taxonomy.items()},
            config.urgent_keywords,
        )

    @property
    def topics(self) -> list[str]:
        """Every topic this labeler may answer, ``other`` included."""
        return [*(topic for topic, _ in self._topics), OTHER]

    def explain(self, item: LabelInput) -> RuleDecision:
        """Decide the labels of one message and keep the reasons."""
        text = (item.text or "").strip()
        if not text:
            summary = media_summary(item.kind, item.attachment_types)
            return RuleDecision(OTHER, "normal", "und", summary, (), ())
        folded = FoldedText.of(text)
        best_topic, best_hits = OTHER, list[str]()
        for topic, keywords in self._topics:
            hits = matching(keywords, folded)
            if len(hits) > len(best_hits):
                best_topic, best_hits = topic, hits
        reasons = [f"keyword:{k}" for k in matching(self._urgent, folded)]
        if _REPEATED_BANG.search(text):
            reasons.append("repeated-exclamation")
        if _shouting(text):
            reasons.append("capitals")
        summary = first_sentence(text)
        if item.attachment_types:
            summary = f"{summary} {media_summary(item.kind, item.attachment_types)}"
        return RuleDecision(
            topic=best_topic,
            urgency="urgent" if reasons else "normal",
            language=detect_language(text),
            summary=summary[:280],
            topic_keywords=tuple(best_hits),
            urgency_reasons=tuple(reasons),
        )

    def label(self, item: LabelInput, *, fallback: bool = False) -> Labels:
        """Labels for one message; as the model's fallback they say so."""
        decision = self.explain(item)
        return Labels(
            topic=decision.topic,
            urgency="urgent" if decision.urgency == "urgent" else "normal",
            language=decision.language,
            summary=decision.summary,
            labeler=FALLBACK_NAME if fallback else RULES_NAME,
            fallback=fallback,
        )

    def label_batch(self, items: Sequence[LabelInput]) -> list[Labels]:
        """Labels for a batch, in order; pure CPU work, so no concurrency is needed."""
        return [self.label(item) for item in items]
