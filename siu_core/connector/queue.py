"""Queue bodies -> SendMessageBatch calls within SQS's limits, retried until every entry is taken.

A delivery that fits one call (the common case) is sent on the caller's thread; a large one (Meta
batches up to 1000 updates per POST) is sent in parallel on a small pool started on first need.
The intake queue is FIFO: every entry carries its message group and deduplication id
(:mod:`siu_core.queueing`); entries are grouped before chunking, and calls that share a group are
sent one after the other, so each customer's events stay in their order while customers go in parallel.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from siu_core import obs
from siu_core.aws.names import QUEUE_URL_ENV, resource_names
from siu_core.errors import SiuError
from siu_core.queueing import QueueIds

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

#: SQS takes at most 10 entries and 256 KiB per SendMessageBatch call (and 256 KiB per message: the
#: template pins the queue's MaximumMessageSize there, so 10 messages fit one Lambda invocation).
SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 256 * 1024
#: Calls per chunk before giving up on entries the queue keeps refusing (botocore also retries errors).
SEND_ATTEMPTS = 4
#: Parallel SendMessageBatch calls for a large delivery.
SEND_WORKERS = 8


class EnqueueError(SiuError):
    """The queue did not take every event: the platform must deliver again (answer 500)."""


def chunk_bodies(
    bodies: Sequence[str], max_entries: int = SQS_BATCH_ENTRIES, max_bytes: int = SQS_BATCH_BYTES
) -> Iterator[list[str]]:
    """Split bodies into SendMessageBatch calls within SQS's entry and size limits, in order."""
    chunk: list[str] = []
    size = 0
    for body in bodies:
        length = len(body) if body.isascii() else len(body.encode("utf-8"))
        if length > max_bytes:
            raise EnqueueError(f"a queue body of {length} bytes exceeds the {max_bytes}-byte batch limit")
        if chunk and (len(chunk) == max_entries or size + length > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(body)
        size += length
    if chunk:
        yield chunk


def send_chunk(sqs: Any, url: str, chunk: Sequence[tuple[str, QueueIds]], *, channel: str,
               sleep: Callable[[float], None]) -> None:
    """One SendMessageBatch call, repeated for the entries the queue refused; EnqueueError if some remain."""
    pending = {str(i): (body, ids) for i, (body, ids) in enumerate(chunk)}
    codes: set[str] = set()
    for attempt in range(SEND_ATTEMPTS):
        if attempt:
            sleep(0.05 * 2**attempt)
        resp = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": key, "MessageBody": body, **ids.entry()} for key, (body, ids) in pending.items()],
        )
        for ok in resp.get("Successful", []):
            pending.pop(ok["Id"], None)
        if not pending:
            return
        codes = {str(f.get("Code")) for f in resp.get("Failed", [])}
        obs.get_logger("connector").warning(
            "queue refused entries; retrying", channel=channel, refused=len(pending), codes=sorted(codes))
    raise EnqueueError(f"{len(pending)} event(s) refused by the queue ({', '.join(sorted(codes))})")


def send_runs(bodies: Sequence[str], ids: Sequence[QueueIds]) -> list[list[list[tuple[str, QueueIds]]]]:
    """The calls of a delivery, as runs: calls in one run share a message group and go in order.

    Entries are ordered by group (stable: a group keeps its own order), chunked within SQS's limits,
    and a chunk that continues the previous chunk's last group joins its run.
    """
    if len(bodies) != len(ids):
        raise ValueError(f"{len(bodies)} bodies but {len(ids)} queue ids")
    first: dict[str, int] = {}
    for i, one in enumerate(ids):
        first.setdefault(one.group, i)
    order = sorted(range(len(bodies)), key=lambda i: first[ids[i].group])
    paired = [(bodies[i], ids[i]) for i in order]
    runs: list[list[list[tuple[str, QueueIds]]]] = []
    start = 0
    for chunk in chunk_bodies([body for body, _ in paired]):
        part = paired[start:start + len(chunk)]
        start += len(chunk)
        if runs and runs[-1][-1][-1][1].group == part[0][1].group:
            runs[-1].append(part)
        else:
            runs.append([part])
    return runs


def _send_run(sqs: Any, url: str, run: list[list[tuple[str, QueueIds]]], *, channel: str,
              sleep: Callable[[float], None]) -> None:
    for chunk in run:
        send_chunk(sqs, url, chunk, channel=channel, sleep=sleep)


def send_all(sqs: Any, url: str, bodies: Sequence[str], ids: Sequence[QueueIds], *, channel: str,
             sleep: Callable[[float], None]) -> None:
    """Put every body on the queue or raise EnqueueError (some may be on it: a retry is safe)."""
    runs = send_runs(bodies, ids)
    if len(runs) == 1:
        _send_run(sqs, url, runs[0], channel=channel, sleep=sleep)
        return
    sends = [pool().submit(_send_run, sqs, url, run, channel=channel, sleep=sleep) for run in runs]
    for done in sends:
        done.result()


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def pool() -> ThreadPoolExecutor:
    """Worker threads for parallel calls, started once and kept warm between requests."""
    global _executor
    with _executor_lock:
        if _executor is None:
            from concurrent.futures import ThreadPoolExecutor

            _executor = ThreadPoolExecutor(max_workers=SEND_WORKERS, thread_name_prefix="siu-enqueue")
        return _executor


def new_sqs_client() -> Any:
    """An SQS client with short timeouts: a webhook answer must not wait long on a slow queue."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs", config=Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3}))


def intake_url(sqs: Any) -> str:
    """The intake queue's URL: ``$SIU_QUEUE_URL`` as deployed, else looked up by the queue's name."""
    given = os.environ.get(QUEUE_URL_ENV, "").strip()
    return given or str(sqs.get_queue_url(QueueName=resource_names().queue)["QueueUrl"])
