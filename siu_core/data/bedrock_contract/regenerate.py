"""Write the Bedrock Converse cassettes of this directory (run after a prompt or cases.yaml change).

There is no AWS account here, so the answers below are written by hand from the documented
Converse response shape (``output.message.content[].toolUse``, ``stopReason``, ``usage``,
``metrics``; errors as ``x-amzn-ErrorType`` + ``{"message": ...}``). The requests are exactly what
the labeler sends for each case's messages, so a cassette plays back only while the prompt is
unchanged, as a recorded one would.

    .venv/bin/python siu_core/data/bedrock_contract/regenerate.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from siu_core.labeling.contract import RecordedAnswer, cassette_text, interaction, load_suite
from siu_core.labeling.prompt import TOOL_NAME

HERE = Path(__file__).resolve().parent


def tool_use(
    labels: dict[str, Any], *, tool_id: str, input_tokens: int = 402, output_tokens: int = 61
) -> RecordedAnswer:
    """A forced-tool answer: the model called the label tool with ``labels``."""
    return RecordedAnswer(
        200,
        {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": tool_id, "name": TOOL_NAME, "input": labels}}],
                }
            },
            "stopReason": "tool_use",
            "usage": {
                "inputTokens": input_tokens,
                "outputTokens": output_tokens,
                "totalTokens": input_tokens + output_tokens,
            },
            "metrics": {"latencyMs": 742},
        },
    )


def stopped(reason: str, content: list[dict[str, Any]], *, output_tokens: int = 12) -> RecordedAnswer:
    """An answer that stopped for ``reason`` with ``content`` (text, or a cut-off tool call)."""
    return RecordedAnswer(
        200,
        {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": reason,
            "usage": {"inputTokens": 398, "outputTokens": output_tokens, "totalTokens": 398 + output_tokens},
            "metrics": {"latencyMs": 655},
        },
    )


def error(status: int, code: str, message: str) -> RecordedAnswer:
    """A service error as Bedrock's REST-JSON protocol sends it."""
    return RecordedAnswer(
        status,
        {"message": message},
        {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"},
    )


#: case name -> per message (in cases.yaml order) -> the answers to its attempts, in order.
ANSWERS: dict[str, list[list[RecordedAnswer]]] = {
    "good": [
        [
            tool_use(
                {
                    "topic": "billing_payments",
                    "urgency": "urgent",
                    "language": "en",
                    "summary": "Charged twice for order #1234; wants it fixed urgently.",
                },
                tool_id="tooluse_good_en",
            )
        ],
        [
            tool_use(
                {
                    "topic": "orders_shipping",
                    "urgency": "normal",
                    "language": "es",
                    "summary": "Asks where their order is; it was due yesterday.",
                },
                tool_id="tooluse_good_es",
            )
        ],
        [
            tool_use(
                {
                    "topic": "wholesale",
                    "urgency": "normal",
                    "language": "zh",
                    "summary": "A cafe asks for wholesale coffee bean prices.",
                },
                tool_id="tooluse_good_zh",
            )
        ],
        [
            tool_use(
                {
                    "topic": "other",
                    "urgency": "normal",
                    "language": "en",
                    "summary": "Image whose caption tries to instruct the labeler; no actual request.",
                },
                tool_id="tooluse_good_injection",
            )
        ],
    ],
    "throttled_then_good": [
        [
            error(429, "ThrottlingException", "Too many requests, please wait before trying again."),
            tool_use(
                {
                    "topic": "orders_shipping",
                    "urgency": "normal",
                    "language": "ms",
                    "summary": "Parcel has not arrived yet; asks to check.",
                },
                tool_id="tooluse_throttled_ms",
            ),
        ]
    ],
    "malformed": [
        [
            # fields missing
            tool_use({"topic": "returns_refunds", "urgency": "normal"}, tool_id="tooluse_bad_1", output_tokens=24),
            # a topic outside the taxonomy's enum
            tool_use(
                {
                    "topic": "refunds",
                    "urgency": "normal",
                    "language": "pt",
                    "summary": "Wants a refund for a mug that arrived broken.",
                },
                tool_id="tooluse_bad_2",
            ),
            # an urgency outside the enum and a field the schema forbids
            tool_use(
                {
                    "topic": "returns_refunds",
                    "urgency": "high",
                    "language": "pt",
                    "summary": "Wants a refund for a broken mug.",
                    "sentiment": "negative",
                },
                tool_id="tooluse_bad_3",
            ),
        ]
    ],
    "refusal": [
        [stopped("end_turn", [{"text": "I'm not able to help with that request."}])] * 3,
    ],
    "content_filtered": [
        [stopped("content_filtered", [{"text": ""}], output_tokens=0)],
    ],
    "max_tokens": [
        [
            stopped(
                "max_tokens",
                [{"toolUse": {"toolUseId": f"tooluse_cut_{n}", "name": TOOL_NAME, "input": {}}}],
                output_tokens=200,
            )
            for n in range(1, 4)
        ]
    ],
}


def main() -> None:
    """Rewrite every cassette named in cases.yaml from the answers above."""
    suite = load_suite(HERE)
    spec = suite.prompt()
    for case in suite.cases:
        answers = ANSWERS[case.name]
        if len(answers) != len(case.items):
            raise SystemExit(f"{case.name}: {len(case.items)} messages but answers for {len(answers)}")
        interactions = [
            interaction(
                spec,
                item,
                answer,
                request_id=f"hand-written-{case.name}-{n}-{attempt}",
                # after an answer that came back (HTTP 200) but was unusable, the labeler resamples
                resample=any(earlier.status == 200 for earlier in per_item[: attempt - 1]),
            )
            for n, (item, per_item) in enumerate(zip(case.items, answers, strict=True))
            for attempt, answer in enumerate(per_item, start=1)
        ]
        header = (
            f"Bedrock Converse, case {case.name!r}: hand-written from the documented response shape\n"
            "(see cases.yaml and regenerate.py). Request headers are scrubbed; bodies match as JSON."
        )
        (HERE / case.cassette).write_text(cassette_text(interactions, header), encoding="utf-8")
        print(f"wrote {case.cassette}: {len(interactions)} interaction(s)")


if __name__ == "__main__":
    main()
