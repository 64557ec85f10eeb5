"""Reading a batched Converse answer into per-message labels, or saying precisely why it cannot be used (pure).

Every failure is an :class:`InvalidOutput` with a ``kind`` (for metrics and retry decisions) and a
``detail`` that is safe to log: schema paths and keywords, never the model's text or the customer's.
"""

from __future__ import annotations

import json
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


def _json_text(response: Mapping[str, Any]) -> Any:
    """The JSON object of a structured-output answer (its text blocks), None when there is no text."""
    message = (response.get("output") or {}).get("message") or {}
    texts = [str(block["text"]) for block in message.get("content") or []
             if isinstance(block, Mapping) and isinstance(block.get("text"), str)]
    text = "".join(texts).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidOutput("refusal", "the text answer is not JSON", retryable=True) from None


def _answer(response: Mapping[str, Any], mode: str, tool_name: str) -> Any:
    stop = str(response.get("stopReason") or "")
    if stop in FINAL_STOP_REASONS:
        raise InvalidOutput(FINAL_STOP_REASONS[stop], f"stopReason {stop}", retryable=False)
    if stop in RETRY_STOP_REASONS:
        raise InvalidOutput(RETRY_STOP_REASONS[stop], f"stopReason {stop}", retryable=True)
    answer = _tool_input(response, tool_name) if mode == "tool" else _json_text(response)
    if answer is None:
        what = f"a {tool_name} call" if mode == "tool" else "a JSON answer"
        raise InvalidOutput("refusal", f"stopReason {stop or 'missing'} without {what}", retryable=True)
    return answer


@dataclass(frozen=True)
class BatchAnswer:
    """What one answer says per message: labels for some ids, a reason for the others."""

    labels: dict[str, Labels]
    problems: dict[str, InvalidOutput]


def parse_batch(response: Mapping[str, Any], *, mode: str, tool_name: str, ids: Sequence[str],
                topics: Sequence[str], labeler: str) -> BatchAnswer:
    """Per-message labels of a batched Converse answer, each validated against the taxonomy's labels schema.

    A fault of the whole answer (a stop reason, no answer, not JSON, not the answer's shape) raises
    :class:`InvalidOutput`; a bad or missing entry is a problem of that message only.
    """
    try:
        answer = _answer(response, mode, tool_name)
    except (AttributeError, TypeError, KeyError) as exc:  # a response of an unexpected shape
        raise InvalidOutput("invalid_output", f"unreadable response ({type(exc).__name__})", retryable=True) from None
    entries = answer.get("labels") if isinstance(answer, Mapping) else None
    if not isinstance(entries, list):
        raise InvalidOutput("invalid_output", "the answer has no labels list", retryable=True)
    wanted = set(ids)
    found: dict[str, Labels] = {}
    problems: dict[str, InvalidOutput] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or str(entry.get("id")) not in wanted:
            continue  # an entry for no message of ours: nothing to attach it to
        local = str(entry["id"])
        if local in found or local in problems:
            continue  # the first entry for a message counts
        fields = {k: v for k, v in entry.items() if k != "id"}
        try:
            found[local] = _validated(fields, topics=topics, labeler=labeler)
        except InvalidOutput as bad:
            problems[local] = bad
    for local in ids:
        if local not in found and local not in problems:
            problems[local] = InvalidOutput("invalid_output", "no labels for this message", retryable=True)
    return BatchAnswer(found, problems)


def _validated(fields: Mapping[str, Any], *, topics: Sequence[str], labeler: str) -> Labels:
    candidate = {**fields, "labeler": labeler, "fallback": False}
    problems = schema_problems(candidate, topics)
    if problems:
        raise InvalidOutput("invalid_output", "; ".join(problems), retryable=True)
    try:
        return Labels.model_validate(candidate)
    except ValidationError as exc:  # the schema and the model agree; this is a second guard
        bad = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        raise InvalidOutput("invalid_output", "model: " + ", ".join(bad), retryable=True) from None
