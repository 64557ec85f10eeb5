"""``siu demo``: a business day of signed webhooks over HTTP through the embedded stack, and what came of it."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from siu_core.connector.inbound import with_public_url
from siu_core.dev import wiring
from siu_core.dev.scenario import Day, business_day
from siu_core.dev.stack import DevOptions, DevStack
from siu_core.models import WebhookRequest


@dataclass
class DemoReport:
    """What the demo sent and what the pipeline made of it (the ``--json`` object is ``figures``)."""

    figures: dict[str, Any] = field(default_factory=dict)
    by_team: dict[str, int] = field(default_factory=dict)
    by_assignee: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


class DayClock:
    """The pipeline's clock during the demo: it follows the scripted day, so shifts and SLAs mean something."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, to: datetime) -> None:
        """Move forward to ``to`` (never back)."""
        self.now = max(self.now, to)


def last_business_morning(time_zone: str, now: datetime | None = None) -> datetime:
    """09:30 local on the most recent weekday before today: a full working day that already happened."""
    zone = ZoneInfo(time_zone)
    local = (now or datetime.now(UTC)).astimezone(zone) - timedelta(days=1)
    while local.weekday() >= 5:
        local -= timedelta(days=1)
    return local.replace(hour=9, minute=30, second=0, microsecond=0).astimezone(UTC)


@contextmanager
def _quiet_handlers() -> Iterator[None]:
    """The handlers' JSON logs and EMF lines are for CloudWatch; the demo prints its own summary."""
    saved = {k: os.environ.get(k) for k in ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED")}
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # the summary reports unassigned threads itself
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(messages: int = 300, *, seed: int = 7, on_step: Callable[[int, int], None] | None = None,
             batching_window: float = 0.5) -> DemoReport:
    """Run the scripted day end to end and measure it; nothing is faked past the HTTP request."""
    import requests

    with _quiet_handlers():
        from siu_core.handlers import labeler  # after the log level is set: its logger reads it once

        stack = DevStack(DevOptions(port=0, batching_window=batching_window, schedules=False))
        stack.start()
        assert stack.config is not None
        clock = DayClock(last_business_morning(stack.config.time_zone))
        saved_clock = labeler.clock
        labeler.clock = clock
        try:
            channels = [n for n in stack.channels.names() if stack.channels.get(n).has_hook("simulate_webhook")]
            day = business_day(channels, messages, seed=seed, start=clock.now)
            started = time.perf_counter()
            report = _push(stack, day, requests.Session(), on_step, clock)
            if not stack.wait_drained(timeout=300):
                report.refused.append("the queue did not drain within 300 s")
            elapsed = time.perf_counter() - started
            _summarise(stack, day, report, elapsed)
            return report
        finally:
            labeler.clock = saved_clock
            stack.stop()


def _push(stack: DevStack, day: Day, http: Any, on_step: Callable[[int, int], None] | None,
          clock: DayClock) -> DemoReport:
    report = DemoReport()
    last: dict[str, list[WebhookRequest]] = {}
    sent = enqueued = 0
    total = len(day.steps)
    for index, step in enumerate(day.steps, 1):
        channel = stack.channels.get(step.channel)
        if step.kind == "close":
            stack.wait_drained(timeout=60)
            if step.customer_id is not None:
                wiring.close_customer_thread(step.channel, stack.account_id(step.channel), step.customer_id,
                                             at=clock.now)
        else:
            if step.kind == "post":
                clock.advance(max(m.timestamp for m in step.messages))
                settings = stack.config.channel_settings(step.channel) if stack.config else {}
                webhooks = channel.simulate_webhooks(
                    step.messages, stack.account_id(step.channel), stack.secrets[step.channel], settings,
                    url=with_public_url(stack.webhook_url(step.channel), settings),
                )
                for webhook in webhooks:  # a platform that cannot keep the demo's ids says what they became
                    for simulated_id, channel_id in webhook.message_ids.items():
                        day.unique_message_ids.discard(simulated_id)
                        day.unique_message_ids.add(channel_id)
                last[step.channel] = webhooks
            else:
                webhooks = last[step.channel]
            for webhook in webhooks:  # one POST per update where the platform does not batch
                resp = http.post(stack.webhook_url(step.channel), data=webhook.body, headers=webhook.headers,
                                 timeout=30)
                sent += 1
                if 200 <= resp.status_code < 300:  # a plugin's acknowledgement may be any 2xx
                    enqueued += _events_in(resp)
                else:
                    report.refused.append(
                        f"{step.channel} webhook answered {resp.status_code}: {resp.text[:120]}")
        if on_step is not None:
            on_step(index, total)
    report.figures.update({"webhooks_sent": sent, "events_enqueued": enqueued})
    return report


def _events_in(resp: Any) -> int:
    from siu_core.handlers.connector import ENQUEUED_HEADER

    return int(resp.headers.get(ENQUEUED_HEADER, 0))


def _summarise(stack: DevStack, day: Day, report: DemoReport, elapsed: float) -> None:
    snap = wiring.pipeline_snapshot()
    threads = snap["threads"]
    in_threads = {m for t in threads for m in t["message_ids"]}
    unique = day.unique_message_ids
    lost = sorted(unique - in_threads)
    assigned = [t for t in threads if t["assignee"]]
    labels = [t["labels"] for t in threads if t.get("labels")]
    report.by_team = dict(Counter(t["team"] or "-" for t in threads))
    report.by_assignee = dict(Counter(t["assignee"] for t in assigned))
    report.by_topic = dict(Counter(lb["topic"] for lb in labels))
    report.by_language = dict(Counter(lb["language"] for lb in labels))
    report.by_channel = dict(Counter(t["channel"] for t in threads))
    depths = wiring.queue_depths(stack.resources)
    report.figures.update(
        {
            "messages_unique": len(unique),
            "messages_in_threads": len(unique & in_threads),
            "duplicates_dropped": snap["duplicates_dropped"],
            "redeliveries_sent": day.redeliveries,
            "same_text_repeats": day.same_text_repeats,
            "threads": len(threads),
            "assigned": len(assigned),
            "unassigned": len(threads) - len(assigned),
            "urgent": sum(1 for lb in labels if lb["urgency"] == "urgent"),
            "reopened": snap["reopened"],
            "dlq": depths["dlq_visible"] + depths["dlq_in_flight"],
            "lost": len(lost),
            "seconds": round(elapsed, 2),
            "messages_per_second": round(len(unique) / elapsed, 1) if elapsed > 0 else None,
        }
    )
    if lost:
        report.refused.append(f"lost message ids: {', '.join(lost[:10])}")
