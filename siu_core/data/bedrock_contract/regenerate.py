"""Write the Bedrock Converse cassettes of this directory (run after a prompt or cases.yaml change).

There is no AWS account here, so the answers below are written by hand from the documented
Converse response shape: native structured output answers with a JSON ``text`` block and
``stopReason: end_turn`` (docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html); a
forced tool answers with ``output.message.content[].toolUse`` and ``stopReason: tool_use``; every
answer carries ``usage`` and ``metrics``; errors come as ``x-amzn-ErrorType`` + ``{"message": ...}``.
``usage.inputTokens`` is the offline estimate of the request (``estimate_input_tokens``), not a
count Bedrock made. The requests are exactly what the labeler sends for each case's messages, so a
cassette plays back only while the prompt is unchanged, as a recorded one would.

    .venv/bin/python siu_core/data/bedrock_contract/regenerate.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siu_core.labeling.contract import RecordedAnswer, cassette_text, interaction, load_suite
from siu_core.labeling.prompt import TOOL_NAME, estimate_input_tokens

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Call:
    """One Converse call of a case: which of its messages it carries (by index), and the answer."""

    carries: tuple[int, ...]
    answer: dict[str, Any] | str | RecordedAnswer  # a str: the raw text of a structured-output answer
    resample: bool = False


def entry(local_id: str, topic: str, urgency: str, language: str, summary: str) -> dict[str, str]:
    """One message's labels in an answer, under the batch-local id the request gave it."""
    return {"id": local_id, "topic": topic, "urgency": urgency, "language": language, "summary": summary}


def answered(request: dict[str, Any], mode: str, content: Any, *, stop: str | None = None,
             output_tokens: int | None = None) -> RecordedAnswer:
    """A 200 answer: ``content`` as the structured-output text (JSON) or as the forced tool's input."""
    if mode == "tool":
        blocks: list[dict[str, Any]] = [{"toolUse": {"toolUseId": "tooluse_hand_written", "name": TOOL_NAME,
                                                     "input": content}}]
        default_stop = "tool_use"
    else:
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        blocks = [{"text": text}]
        default_stop = "end_turn"
    inputs = estimate_input_tokens(request)
    outputs = output_tokens if output_tokens is not None else max(1, len(json.dumps(content)) // 3)
    return RecordedAnswer(200, {
        "output": {"message": {"role": "assistant", "content": blocks}},
        "stopReason": stop or default_stop,
        "usage": {"inputTokens": inputs, "outputTokens": outputs, "totalTokens": inputs + outputs},
        "metrics": {"latencyMs": 690},
    })


def error(status: int, code: str, message: str) -> RecordedAnswer:
    """A service error as Bedrock's REST-JSON protocol sends it."""
    return RecordedAnswer(
        status,
        {"message": message},
        {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"},
    )


#: case name -> its calls in order: which messages each carries, and the answer.
CALLS: dict[str, list[Call]] = {
    "good": [Call((0, 1, 2, 3), {"labels": [
        entry("1", "billing_payments", "urgent", "en", "Charged twice for order #1234; wants it fixed urgently."),
        entry("2", "orders_shipping", "normal", "es", "Asks where their order is; it was due yesterday."),
        entry("3", "wholesale", "normal", "zh", "A cafe asks for wholesale coffee bean prices."),
        entry("4", "other", "normal", "en", "Image whose caption tries to instruct the labeler; no actual request."),
    ]})],
    "partial": [
        Call((0, 1), {"labels": [
            entry("1", "returns_refunds", "normal", "de", "Wants to return a grinder that arrived scratched."),
            entry("2", "refunds", "urgent", "id", "Payment taken twice; asks for help."),  # not in the taxonomy
        ]}),
        Call((1,), {"labels": [
            entry("1", "billing_payments", "urgent", "id", "Payment taken twice; asks for help quickly."),
        ]}, resample=True),
    ],
    "nova_tool": [Call((0, 1), {"labels": [
        entry("1", "orders_shipping", "normal", "fr", "Asks when the order will be delivered."),
        entry("2", "wholesale", "normal", "pt", "A cafe asks about bulk prices."),
    ]})],
    "throttled_then_good": [
        Call((0,), error(429, "ThrottlingException", "Too many requests, please wait before trying again.")),
        Call((0,), {"labels": [
            entry("1", "orders_shipping", "normal", "ms", "Parcel has not arrived yet; asks to check."),
        ]}),
    ],
    "malformed": [
        # fields missing
        Call((0,), {"labels": [{"id": "1", "topic": "returns_refunds", "urgency": "normal"}]}),
        # a topic outside the taxonomy (the code checks it; the schema the model reads has no topic enum)
        Call((0,), {"labels": [entry("1", "refunds", "normal", "pt", "Wants a refund for a broken mug.")]},
             resample=True),
        # an urgency outside the enum and a field the schema forbids
        Call((0,), {"labels": [{**entry("1", "returns_refunds", "high", "pt", "Wants a refund for a broken mug."),
                                "sentiment": "negative"}]}, resample=True),
    ],
    "refusal": [
        Call((0,), "I'm not able to help with that request.", resample=n > 0) for n in range(3)
    ],
    "content_filtered": [Call((0,), "", )],
    "max_tokens": [
        Call((0,), '{"labels":[{"id":"1","topic":"orders_sh', resample=n > 0) for n in range(3)
    ],
}
#: Answers that stop for a reason other than the mode's normal one.
STOPS = {"content_filtered": "content_filtered", "max_tokens": "max_tokens"}


def main() -> None:
    """Rewrite every cassette named in cases.yaml from the calls above."""
    suite = load_suite(HERE)
    for case in suite.cases:
        spec = suite.prompt(case.model_id)
        interactions = []
        for n, call in enumerate(CALLS[case.name], start=1):
            items = [case.items[i] for i in call.carries]
            request = spec.request(items, resample=call.resample)
            answer = call.answer if isinstance(call.answer, RecordedAnswer) else answered(
                request, spec.mode, call.answer, stop=STOPS.get(case.name),
                output_tokens=0 if case.name == "content_filtered" else None)
            interactions.append(interaction(spec, items, answer, request_id=f"hand-written-{case.name}-{n}",
                                            resample=call.resample))
        header = (
            f"Bedrock Converse, case {case.name!r} ({spec.mode} output): hand-written from the documented\n"
            "response shape, not recorded (see cases.yaml and regenerate.py). Request headers are\n"
            "scrubbed; bodies match as JSON."
        )
        (HERE / case.cassette).write_text(cassette_text(interactions, header), encoding="utf-8")
        print(f"wrote {case.cassette}: {len(interactions)} interaction(s)")


if __name__ == "__main__":
    main()
