"""Reading a Converse answer into labels, or saying precisely why it cannot be used (pure).

Every failure is an :class:`InvalidOutput` with a ``kind`` (for metrics and retry decisions) and a
``detail`` that is safe to log: schema paths and keywords, never the model's text or the customer's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from siu_core.models import Labels
from siu_core.schemas import labels_schema

#: Stop reasons after which asking again gives the same answer: go straight to the fallback.
FINAL_STOP_REASONS = {
    "content_filtered": "filtered",
    "guardrail_intervened": "filtered",
    "model_context_window_exceeded": "too_long",
}
#: Stop reasons worth another attempt (the answer was cut or garbled this time).
RETRY_STOP_REASONS = {
    "max_tokens": "max_tokens",
    "malformed_tool_use": "malformed",
    "malformed_model_output": "malformed",
}


class InvalidOutput(Exception):
    """The model answered, but not with usable labels."""

    def __init__(self, kind: str, detail: str, *, retryable: bool) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retryable = retryable


@dataclass(frozen=True)
class Usage:
    """Tokens one call consumed (what Bedrock bills)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @classmethod
    def of(cls, response: Mapping[str, Any]) -> Usage:
        """The usage block of a Converse response (zeros when absent)."""
        usage = response.get("usage") or {}
        return cls(int(usage.get("inputTokens") or 0), int(usage.get("outputTokens") or 0))


@cache
def _validator(topics: tuple[str, ...]) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(labels_schema(list(topics)))


def schema_problems(instance: Any, topics: Sequence[str]) -> list[str]:
    """Why labels break the labels schema of this taxonomy, as ``path: keyword`` (never values)."""
    errors = _validator(tuple(sorted(topics))).iter_errors(instance)
    problems = set()
    for error in errors:
        path = "/".join(str(p) for p in error.absolute_path) or "<root>"
        if error.validator == "required":
            problems.add(f"{path}: required ({error.message.split(' ', 1)[0]})")
        else:
            problems.add(f"{path}: {error.validator}")
    return sorted(problems)


def _tool_input(response: Mapping[str, Any], tool_name: str) -> Any:
    message = (response.get("output") or {}).get("message") or {}
    for block in message.get("content") or []:
        tool_use = block.get("toolUse") if isinstance(block, Mapping) else None
        if isinstance(tool_use, Mapping) and tool_use.get("name") == tool_name:
            return tool_use.get("input")
    return None


def parse_labels(response: Mapping[str, Any], *, tool_name: str, topics: Sequence[str], labeler: str) -> Labels:
    """The labels in a Converse response, validated against the taxonomy's labels schema."""
    try:
        return _parse(response, tool_name=tool_name, topics=topics, labeler=labeler)
    except (AttributeError, TypeError, KeyError) as exc:  # a response of an unexpected shape
        raise InvalidOutput("invalid_output", f"unreadable response ({type(exc).__name__})", retryable=True) from None


def _parse(response: Mapping[str, Any], *, tool_name: str, topics: Sequence[str], labeler: str) -> Labels:
    stop = str(response.get("stopReason") or "")
    if stop in FINAL_STOP_REASONS:
        raise InvalidOutput(FINAL_STOP_REASONS[stop], f"stopReason {stop}", retryable=False)
    if stop in RETRY_STOP_REASONS:
        raise InvalidOutput(RETRY_STOP_REASONS[stop], f"stopReason {stop}", retryable=True)
    tool_input = _tool_input(response, tool_name)
    if tool_input is None:
        raise InvalidOutput("refusal", f"stopReason {stop or 'missing'} without a {tool_name} call", retryable=True)
    if not isinstance(tool_input, Mapping):
        raise InvalidOutput("invalid_output", f"tool input is {type(tool_input).__name__}", retryable=True)
    candidate = {**tool_input, "labeler": labeler, "fallback": False}
    problems = schema_problems(candidate, topics)
    if problems:
        raise InvalidOutput("invalid_output", "; ".join(problems), retryable=True)
    try:
        return Labels.model_validate(candidate)
    except ValidationError as exc:  # the schema and the model agree; this is a second guard
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        raise InvalidOutput("invalid_output", "model: " + ", ".join(fields), retryable=True) from None
