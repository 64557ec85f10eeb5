"""Labeler benchmark: batch latency against a slow model stand-in, and the prompt's overhead.

- ``labeler_batch_latency_ratio``: wall time for a batch of 10 new messages when every Converse call
  takes a fixed L (a stand-in HTTP server on 127.0.0.1 with a fixed delay; the real boto3 client is
  pointed at it with ``endpoint_url``), over L. Concurrency makes it ~1; sequential calls would be
  10. Median of several warm batches (target <= 1.5); the first, cold batch (client creation and
  imports included) is reported too.
- ``label_prompt_overhead_chars``: characters of the request body the stand-in received beyond the
  customer's text, for the example config's taxonomy (target <= 1,200).

Run alone: ``.venv/bin/python -m bench.labeler``.
"""

from __future__ import annotations

import json
import re
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LATENCY_S = 0.3
BATCH = 10
RUNS = 5
MESSAGE = "Hi, where is my order? I paid last week and the tracking has not moved since Monday."


class _ConverseStandIn(BaseHTTPRequestHandler):
    """Answers every Converse call after ``server.latency`` seconds with valid labels."""

    protocol_version = "HTTP/1.1"  # keep-alive, as Bedrock does
    server: _Server

    def do_POST(self) -> None:
        """Answer like Converse after a fixed delay, so only the labeler's own overhead varies."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.bodies.append(body)
        request = json.loads(body)
        ids = re.findall(r'<m id="(\d+)"', request["messages"][0]["content"][0]["text"])
        time.sleep(self.server.latency)
        labels = {"labels": [{"id": local, "topic": "orders_shipping", "urgency": "normal", "language": "en",
                              "summary": "Asks where the order is."} for local in ids]}
        if "toolConfig" in request:
            tool = request["toolConfig"]["toolChoice"]["tool"]["name"]
            content: list[dict[str, Any]] = [{"toolUse": {"toolUseId": "t", "name": tool, "input": labels}}]
            stop = "tool_use"
        else:
            content, stop = [{"text": json.dumps(labels)}], "end_turn"
        answer = json.dumps(
            {
                "output": {"message": {"role": "assistant", "content": content}},
                "stopReason": stop,
                "usage": {"inputTokens": 400, "outputTokens": 50 * len(ids), "totalTokens": 400 + 50 * len(ids)},
                "metrics": {"latencyMs": int(self.server.latency * 1000)},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log line."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    latency: float
    bodies: list[bytes]


@contextmanager
def converse_standin(latency: float) -> Iterator[tuple[str, list[bytes]]]:
    """A Converse stand-in on a free loopback port; yields its base URL and the bodies it receives."""
    server = _Server(("127.0.0.1", 0), _ConverseStandIn)
    server.latency = latency
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, name="converse-standin", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.bodies
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run() -> dict[str, float | int]:
    """Measure the labeler's figures; returns name -> value."""
    import boto3
    from botocore.config import Config

    from siu_core.config import example_config
    from siu_core.labeling import LabelInput
    from siu_core.labeling.bedrock import BedrockLabeler
    from siu_core.labeling.prompt import PromptSpec
    from siu_core.labeling.rules import RuleLabeler

    config = example_config()
    items = [LabelInput(f"bench-{i}", "whatsapp", f"c-{i}", "text", f"{MESSAGE} (#{i})") for i in range(BATCH)]
    with converse_standin(LATENCY_S) as (url, bodies):
        client = boto3.client(
            "bedrock-runtime",
            endpoint_url=url,
            region_name="ap-southeast-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, max_pool_connections=BATCH),
        )
        labeler = BedrockLabeler(PromptSpec.from_config(config), RuleLabeler.from_config(config), client=client)
        started = time.perf_counter()
        labels = labeler.label_batch(items)
        cold = time.perf_counter() - started
        if any(lab.fallback for lab in labels):
            raise RuntimeError("the stand-in's answers were not accepted: the benchmark would measure the fallback")
        walls = []
        for _ in range(RUNS):
            started = time.perf_counter()
            labeler.label_batch(items)
            walls.append(time.perf_counter() - started)
    body = bodies[0].decode("utf-8")
    customer = json.dumps(items[0].text)[1:-1]  # as the wire carries it (escaped)
    overhead = len(body) - len(customer)
    return {
        "labeler_batch_latency_ratio": round(statistics.median(walls) / LATENCY_S, 3),
        "labeler_cold_batch_latency_ratio": round(cold / LATENCY_S, 3),
        "labeler_model_latency_s": LATENCY_S,
        "label_prompt_overhead_chars": overhead,
        "label_prompt_taxonomy_topics": len(config.taxonomy),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:36} {value}")
