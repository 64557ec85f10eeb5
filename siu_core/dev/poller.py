"""A local SQS event-source mapping: poll the intake queue and call the labeler as Lambda would."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from siu_core.dev.lambda_events import LocalContext, sqs_record

log = logging.getLogger("siu.dev.poller")


@dataclass
class PollerStats:
    """What the poller has done, for the demo summary and tests."""

    batches: int = 0
    records: int = 0
    failed_records: int = 0
    handler_crashes: int = 0


@dataclass
class QueuePoller:
    """Receive up to ``batch_size`` messages within ``batching_window`` seconds, call the handler, delete successes.

    Records the handler reports in ``batchItemFailures`` (and every record when it raises) stay on
    the queue: they come back after the visibility timeout, and the queue's redrive policy moves them
    to the DLQ after ``maxReceiveCount`` receives, exactly as with the real event source mapping.
    """

    sqs: Any
    queue_url: str
    queue_arn: str
    region: str
    handler: Callable[[dict[str, Any], Any], Any]
    batch_size: int = 10
    batching_window: float = 5.0
    stats: PollerStats = field(default_factory=PollerStats)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _idle: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        """Poll in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._run, name="siu-queue-poller", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether the polling thread runs (the dev server's health check asks)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch in hand, then stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _receive(self, wait: int, max_messages: int) -> list[dict[str, Any]]:
        resp = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = resp.get("Messages", [])
        return messages

    def poll_once(self) -> int:
        """Gather one batch (batch size or batching window, whichever first), process it; return its size."""
        batch = self._receive(wait=1, max_messages=self.batch_size)
        if not batch:
            self._idle.set()
            return 0
        self._idle.clear()
        deadline = time.monotonic() + self.batching_window
        while len(batch) < self.batch_size and time.monotonic() < deadline and not self._stop.is_set():
            more = self._receive(wait=0, max_messages=self.batch_size - len(batch))
            if not more:
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
                continue
            batch.extend(more)
        self._process(batch)
        return len(batch)

    def _process(self, batch: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(m, self.queue_arn, self.region) for m in batch]}
        self.stats.batches += 1
        self.stats.records += len(batch)
        try:
            result = self.handler(event, LocalContext("siu-labeler", memory_limit_in_mb=512, timeout_seconds=30))
        except Exception:
            # Lambda treats a raised error as every record failed: nothing deleted, all retried later.
            log.exception("labeler raised; the whole batch stays on the queue")
            self.stats.handler_crashes += 1
            self.stats.failed_records += len(batch)
            return
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        self.stats.failed_records += len(failed)
        done = [m for m in batch if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            chunk = done[i:i + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)],
            )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("queue poll failed; retrying in 1 s")
                self._stop.wait(1.0)

    def wait_idle(self, timeout: float) -> bool:
        """Block until a poll found the queue empty (used by the demo to know the pipeline drained)."""
        return self._idle.wait(timeout)
