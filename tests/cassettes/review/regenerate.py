"""Write the taxonomy-review cassettes: requests exactly as siu_core.review builds them, answers by hand.

The answers follow Bedrock Converse's documented response shape (a forced tool call). Run after a
prompt change: ``.venv/bin/python tests/cassettes/review/regenerate.py``. Request headers are not
recorded; the replay matches on method, URI and the JSON body.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from pipeline_support import make_config  # noqa: E402

from siu_core.review import TOOL_NAME, ReviewItem, build_request  # noqa: E402

PROPOSAL = {
    "summary": ("Two threads labeled shipping were about returning or exchanging an item; the taxonomy has no "
                "topic for that, so teammates moved them to other. One double charge was labeled shipping "
                "because it named an order. One thread only tried to give instructions and is noise."),
    "changes": [
        {"action": "add_topic", "topic": "returns", "team": "care",
         "keywords": ["return", "exchange", "cracked", "damaged", "refund"],
         "description": "Returning or exchanging an item, broken or wrong items.",
         "reason": "Two of four corrections were returns or exchanges with no topic of their own."},
        {"action": "add_keywords", "topic": "billing", "keywords": ["charged twice", "double charged"],
         "reason": "A double charge that mentions an order went to shipping."},
    ],
}


def items() -> list[ReviewItem]:
    """The corrected threads every review cassette answers."""
    return [ReviewItem(**i) for i in json.loads((HERE / "items.json").read_text(encoding="utf-8"))]


def interaction(request: dict, answer: dict) -> dict:
    uri = f"https://bedrock-runtime.ap-southeast-1.amazonaws.com/model/{quote(request['modelId'], safe='')}/converse"
    body = {k: v for k, v in request.items() if k != "modelId"}
    text = json.dumps(answer, separators=(",", ":"))
    return {
        "request": {"body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    "headers": {"Content-Type": ["application/json"]}, "method": "POST", "uri": uri},
        "response": {"body": {"string": text},
                     "headers": {"Content-Type": ["application/json"], "Content-Length": [str(len(text.encode()))],
                                 "x-amzn-RequestId": ["hand-written-review"]},
                     "status": {"code": 200, "message": "OK"}},
    }


def answer(content: list[dict], stop: str) -> dict:
    return {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
            "usage": {"inputTokens": 1210, "outputTokens": 310, "totalTokens": 1520}, "metrics": {"latencyMs": 5200}}


def main() -> None:
    request = build_request(make_config(), items())
    cassettes = {
        "proposal.yaml": answer([{"toolUse": {"toolUseId": "tooluse_review_1", "name": TOOL_NAME,
                                              "input": PROPOSAL}}], "tool_use"),
        "no_tool.yaml": answer([{"text": "I cannot help with that."}], "end_turn"),
        "off_schema.yaml": answer([{"toolUse": {"toolUseId": "tooluse_review_2", "name": TOOL_NAME,
                                                "input": {"summary": "x", "changes": [{"action": "delete_all",
                                                                                       "topic": "billing",
                                                                                       "reason": "asked to"}]}}}],
                                  "tool_use"),
    }
    for name, body in cassettes.items():
        data = {"interactions": [interaction(request, body)], "version": 1}
        header = ("# Bedrock Converse for the taxonomy review, hand-written from the documented response shape;\n"
                  "# regenerate with tests/cassettes/review/regenerate.py.\n")
        (HERE / name).write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120),
                                 encoding="utf-8")


if __name__ == "__main__":
    main()
