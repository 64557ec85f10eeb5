"""The embedded default under load: ``siu demo`` end to end, and ``siu dev`` taking webhooks from 8 clients.

- ``demo_messages_per_second``: the 300-message scripted day (signed webhooks over HTTP through
  connector, queue, labeler, router, on the AWS emulation) divided by its wall time.
- ``dev_ack_p99_ms``: 99th percentile of the time ``siu dev`` takes to answer a signed webhook while
  8 concurrent clients post for 3 s; ``dev_lost``: accepted messages that never reached a thread
  (must be 0). Each client posts one customer message per request, as Meta mostly does.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from datetime import UTC, datetime
from typing import Any

CLIENTS = 8
DURATION_S = 3.0
TARGETS = {"dev_lost": ("<=", 0)}


def _demo() -> float:
    from siu_core.dev.demo import run_demo

    report = run_demo(300)
    if report.figures.get("lost") or report.figures.get("dlq"):
        raise RuntimeError(f"the demo lost messages: {report.figures}")
    return float(report.figures["messages_per_second"])


def _load() -> dict[str, float | int]:
    import requests

    from siu_core.dev import wiring
    from siu_core.dev.stack import DevOptions, DevStack
    from siu_core.models import SimulatedMessage

    stack = DevStack(DevOptions(port=0, schedules=False, batching_window=0.5))
    stack.start()
    try:
        channel = stack.channels.get("whatsapp" if "whatsapp" in stack.channels.names() else stack.channels.names()[0])
        account = stack.account_id(channel.name)
        secrets = stack.secrets[channel.name]
        settings = stack.config.channel_settings(channel.name) if stack.config else None
        url = stack.webhook_url(channel.name)
        latencies: list[float] = []
        accepted: list[str] = []
        refused = 0
        lock = threading.Lock()
        stop_at = time.monotonic() + DURATION_S

        def client(n: int) -> None:
            nonlocal refused
            http = requests.Session()
            seq = 0
            while time.monotonic() < stop_at:
                seq += 1
                msg = SimulatedMessage(sender_id=f"659{n:03d}{seq:05d}", sender_name=f"Load {n}",
                                       text=f"Load test {n}-{seq}: where is my order?",
                                       message_id=f"load-{n}-{seq}", timestamp=datetime.now(UTC))
                webhook = channel.simulate_webhook([msg], account, secrets, settings)
                t0 = time.perf_counter()
                resp = http.post(url, data=webhook.body, headers=webhook.headers, timeout=30)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if resp.status_code == 200:
                        accepted.append(webhook.message_ids.get(msg.message_id, msg.message_id))
                    else:
                        refused += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stack.wait_drained(timeout=600)
        stored = {m for t in wiring.pipeline_snapshot()["threads"] for m in t["message_ids"]}
        lost = len(set(accepted) - stored)
        p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else latencies[0]
        return {
            "dev_ack_p99_ms": round(p99 * 1000, 1),
            "dev_ack_median_ms": round(statistics.median(latencies) * 1000, 1),
            "dev_requests": len(latencies),
            "dev_refused": refused,
            "dev_lost": lost,
        }
    finally:
        stack.stop()


def run() -> dict[str, Any]:
    """Both figures, each on a fresh embedded stack."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    figures: dict[str, Any] = {"demo_messages_per_second": _demo()}
    figures.update(_load())
    return figures
