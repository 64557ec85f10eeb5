"""Measuring a labeler against the labeled evaluation set: accuracy per field, urgent recall, cost (pure).

The set (``siu_core/data/label_eval.jsonl``) holds customer messages written for this project in
the languages the example taxonomy's shop hears (English, Chinese, Malay, Indonesian, Spanish,
Portuguese, French, German, Arabic, Hindi, Tamil), each with the topic, urgency and language a
teammate would give it, and whether it opens a conversation or follows up. One JSON object a line:
``{"id", "text", "topic", "urgency", "language", "turn"}``; ``turn`` is ``first`` or ``follow_up``.

The labeler under test labels every message of the set in SQS-sized batches (what production
sends); :func:`score` compares the answers with the expected labels. Cost per 1,000 messages comes
from the tokens the model reported (``usage``) and :data:`MODEL_PRICES`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siu_core.deploy.prices import PRICES

if TYPE_CHECKING:
    from siu_core.labeling import Labeler, LabelInput
    from siu_core.labeling.bedrock import LabelOutcome
    from siu_core.models import Labels

FIELDS = ("topic", "urgency", "language")
TURNS = ("first", "follow_up")
#: What the labeler handler receives at most at once (the event source mapping's BatchSize).
BATCH_SIZE = 10

#: Bedrock on-demand list prices, USD per 1M (input, output) tokens, by model id fragment (any
#: inference-profile prefix). Haiku 4.5 is the deploy price table's figure; the others are AWS's
#: published on-demand prices as last confirmed in 2025 (not re-checked online): check
#: aws.amazon.com/bedrock/pricing before relying on a comparison.
MODEL_PRICES: dict[str, tuple[float, float]] = {
    "anthropic.claude-haiku-4-5": (PRICES["bedrock_haiku45_input_token"] * 1e6,
                                   PRICES["bedrock_haiku45_output_token"] * 1e6),
    "anthropic.claude-sonnet-4-5": (3.00, 15.00),
    "anthropic.claude-3-5-haiku": (0.80, 4.00),
    "anthropic.claude-3-haiku": (0.25, 1.25),
    "amazon.nova-micro": (0.035, 0.14),
    "amazon.nova-lite": (0.06, 0.24),
    "amazon.nova-pro": (0.80, 3.20),
}


class EvalSetError(ValueError):
    """The evaluation set cannot be read (which line, and why)."""


@dataclass(frozen=True)
class EvalItem:
    """One message of the evaluation set and the labels a teammate would give it."""

    id: str
    text: str
    topic: str
    urgency: str
    language: str
    turn: str = "first"

    def label_input(self) -> LabelInput:
        """What the labeler sees of this message (a text message on a neutral channel)."""
        from siu_core.labeling import LabelInput

        return LabelInput(message_id=self.id, channel="eval", customer_id=self.id, kind="text", text=self.text)


def shipped_set() -> Path:
    """The evaluation set that ships with siu-core."""
    from importlib import resources

    return Path(str(resources.files("siu_core").joinpath("data", "label_eval.jsonl")))


def load_set(path: Path | None = None) -> list[EvalItem]:
    """Read an evaluation set (JSONL); EvalSetError names the first bad line."""
    source = path or shipped_set()
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalSetError(f"{source}: cannot read: {exc.strerror or exc}") from None
    items: list[EvalItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            item = EvalItem(**{k: str(data[k]) for k in ("id", "text", "topic", "urgency", "language")},
                            turn=str(data.get("turn", "first")))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalSetError(f"{source}:{number}: not an evaluation item ({type(exc).__name__}: {exc})") from None
        if item.urgency not in ("urgent", "normal") or item.turn not in TURNS or item.id in seen:
            raise EvalSetError(f"{source}:{number}: bad urgency, turn or a repeated id ({item.id})")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise EvalSetError(f"{source}: no items")
    return items


def price_of(model_id: str) -> tuple[float, float] | None:
    """USD per 1M (input, output) tokens of a model, None when the table does not know it."""
    for fragment, price in MODEL_PRICES.items():
        if fragment in model_id:
            return price
    return None


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


@dataclass(frozen=True)
class Ratio:
    """A count out of a total, shown as a percentage."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        """The share, None when there is nothing to count."""
        return self.hits / self.total if self.total else None

    def __str__(self) -> str:
        value = self.value
        return "n/a" if value is None else f"{value:6.1%} ({self.hits}/{self.total})"


@dataclass(frozen=True)
class Usage:
    """What labeling the set took from the model."""

    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    fallbacks: int = 0


@dataclass(frozen=True)
class Report:
    """The labeler's figures on the set."""

    labeler: str
    model_id: str | None
    output_mode: str | None
    messages: int
    accuracy: dict[str, Ratio]
    urgent_recall: Ratio
    urgent_precision: Ratio
    topic_by_language: dict[str, Ratio]
    usage: Usage = field(default_factory=Usage)

    @property
    def cost_per_1000(self) -> float | None:
        """USD for the model to label 1,000 messages like these (0 for the rules; None: price unknown)."""
        if self.model_id is None:
            return 0.0
        price = price_of(self.model_id)
        if price is None or not self.messages:
            return None
        usd = (self.usage.input_tokens * price[0] + self.usage.output_tokens * price[1]) / 1e6
        return usd / self.messages * 1000

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values."""
        return {
            "labeler": self.labeler, "model_id": self.model_id, "output_mode": self.output_mode,
            "messages": self.messages,
            "accuracy": {k: v.value for k, v in self.accuracy.items()},
            "urgent_recall": self.urgent_recall.value, "urgent_precision": self.urgent_precision.value,
            "topic_accuracy_by_language": {k: v.value for k, v in self.topic_by_language.items()},
            "model_calls": self.usage.model_calls, "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens, "fallbacks": self.usage.fallbacks,
            "input_tokens_per_message": round(self.usage.input_tokens / self.messages, 1) if self.messages else None,
            "cost_per_1000_messages_usd": self.cost_per_1000,
        }


def score(items: Sequence[EvalItem], labels: Sequence[Labels], *, labeler: str, model_id: str | None = None,
          output_mode: str | None = None, usage: Usage | None = None) -> Report:
    """Compare a labeler's answers with the expected labels of the set."""
    if len(items) != len(labels):
        raise ValueError(f"{len(labels)} answers for {len(items)} messages")
    hits: Counter[str] = Counter()
    urgent_found = urgent_flagged = urgent_right = 0
    by_language: dict[str, list[int]] = {}
    for item, got in zip(items, labels, strict=True):
        topic_ok = got.topic == item.topic
        hits["topic"] += topic_ok
        hits["urgency"] += got.urgency == item.urgency
        hits["language"] += _primary(got.language) == _primary(item.language)
        counts = by_language.setdefault(item.language, [0, 0])
        counts[0] += topic_ok
        counts[1] += 1
        if item.urgency == "urgent":
            urgent_found += 1
            urgent_right += got.urgency == "urgent"
        urgent_flagged += got.urgency == "urgent"
    return Report(
        labeler=labeler, model_id=model_id, output_mode=output_mode, messages=len(items),
        accuracy={f: Ratio(hits[f], len(items)) for f in FIELDS},
        urgent_recall=Ratio(urgent_right, urgent_found),
        urgent_precision=Ratio(urgent_right, urgent_flagged),
        topic_by_language={lang: Ratio(h, n) for lang, (h, n) in sorted(by_language.items())},
        usage=usage or Usage(),
    )


def batches(items: Sequence[EvalItem], size: int = BATCH_SIZE) -> Iterable[Sequence[EvalItem]]:
    """The set in the batches production would see (at most ``size`` messages)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def label_set(labeler: Labeler, items: Sequence[EvalItem],
              progress: Callable[[int], None] | None = None) -> tuple[list[Labels], Usage]:
    """Label every message of the set in batches; tokens and calls where the labeler reports them."""
    labels: list[Labels] = []
    calls = inputs = outputs = fallbacks = 0
    detailed = getattr(labeler, "label_batch_detailed", None)
    for batch in batches(items):
        inputs_of = [item.label_input() for item in batch]
        if detailed is not None:
            outcomes: list[LabelOutcome] = detailed(inputs_of)
            labels += [o.labels for o in outcomes]
            calls += max((o.model_calls for o in outcomes), default=0)  # a batch's messages share its calls
            inputs += sum(o.usage.input_tokens for o in outcomes)
            outputs += sum(o.usage.output_tokens for o in outcomes)
        else:
            labels += labeler.label_batch(inputs_of)
        fallbacks += sum(1 for lab in labels[-len(batch):] if lab.fallback)
        if progress is not None:
            progress(len(batch))
    return labels, Usage(calls, inputs, outputs, fallbacks)


def render(report: Report) -> str:
    """The report as an operator reads it."""
    mode = f" ({report.output_mode} output)" if report.output_mode else ""
    lines = [f"labeler          {report.labeler}{mode}",
             f"messages         {report.messages} in {len(report.topic_by_language)} languages"]
    lines += [f"{name + ' accuracy':<17}{ratio}" for name, ratio in report.accuracy.items()]
    lines += [f"urgent recall    {report.urgent_recall}", f"urgent precision {report.urgent_precision}"]
    lines.append("topic by language " + ", ".join(
        f"{lang} {ratio.value:.0%}" for lang, ratio in report.topic_by_language.items() if ratio.value is not None))
    if report.model_id is not None:
        usage = report.usage
        per = usage.input_tokens / report.messages if report.messages else 0.0
        lines.append(f"model            {usage.model_calls} calls, {usage.input_tokens:,} input tokens ({per:.1f} a "
                     f"message), {usage.output_tokens:,} output tokens, {usage.fallbacks} fallback labels")
    cost = report.cost_per_1000
    if cost is None:
        lines.append(f"cost             unknown: no price for {report.model_id} (siu_core/labeling/evaluate.py)")
    elif report.model_id is None:
        lines.append("cost             $0.00 per 1,000 messages (no model call; Lambda time only)")
    else:
        lines.append(f"cost             ${cost:.4f} per 1,000 messages labeled (list prices; follow-ups in the "
                     "pipeline take no model call)")
    return "\n".join(lines)


def check_taxonomy(items: Sequence[EvalItem], topics: Iterable[str]) -> list[str]:
    """Topics the set expects that the config's taxonomy lacks (the set cannot be scored against it)."""
    known = {*topics, "other"}
    return sorted({item.topic for item in items} - known)


def composition(items: Sequence[EvalItem]) -> Mapping[str, int]:
    """How many messages of each language the set holds."""
    return dict(sorted(Counter(item.language for item in items).items()))
