"""Crash at every write boundary, redeliver, and find exactly the state of a run that never crashed.

Two kinds of failure are injected at the N-th write (DynamoDB or S3), before it reaches the service
and after it landed (a lost response): a process crash (``BaseException``: the whole batch comes
back, nothing was deleted from the queue) and an error in one record (``Exception``: the partial
batch response names the failed records, only those come back).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pipeline_support import (
    NOW,
    counters,
    dump_state,
    echo,
    failed_ids,
    inbound,
    install_services,
    open_rows_by_assignee,
    open_threads_by_assignee,
    reaction,
    records,
    run_batch,
    status,
    unsend,
    wipe,
)

from siu_core.aws import clients
from siu_core.models import Attachment, MediaContent
from siu_core.store import customers, keys, lifecycle

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem", "PutObject"})


class Crash(BaseException):
    """The process dies: nothing after this point runs, the queue redelivers the whole batch."""


class Glitch(Exception):
    """One call fails (throttling, a timeout): the record fails, the queue redelivers it."""


class Injector:
    """Fails the N-th write call, before it is sent or after its response arrived."""

    def __init__(self, nth: int | None, when: str, error: type[BaseException]) -> None:
        self.nth, self.when, self.error = nth, when, error
        self.writes = 0
        self.fired = False

    def before(self, model: Any, **_: Any) -> None:
        if model.name in WRITES:
            self.writes += 1
            if self.when == "before" and self.writes == self.nth:
                self.fired = True
                raise self.error(f"injected before write {self.nth} ({model.name})")

    def after(self, model: Any, **_: Any) -> None:
        if model.name in WRITES and self.when == "after" and self.writes == self.nth:
            self.fired = True
            raise self.error(f"injected after write {self.nth} ({model.name})")


class _Channel:
    def has_hook(self, name: str) -> bool:
        return name == "download_media"

    def download_media(self, attachment: Attachment, secrets: Any, session: Any, settings: Any) -> MediaContent:
        return MediaContent(content=b"voice-note-bytes", mime_type="audio/ogg")


class _Registry:
    def get(self, name: str) -> _Channel:
        return _Channel()


def setup_history(config: Any) -> None:
    """Earlier days: cust-1 closed yesterday (will reopen), c3 closed ten days ago (will start anew)."""
    install_services(config, channels_loader=_Registry, secrets=None)
    monday = NOW - timedelta(days=2)
    run_batch([inbound("s1", "Where is my order?", at=monday)], now=monday)
    lifecycle.close_thread(customers.get(keys.customer_key("whatsapp", "acct-1", "cust-1")).thread_id,  # type: ignore[union-attr]
                           by="user:ana", at=NOW - timedelta(days=1))
    before = NOW - timedelta(days=12)
    run_batch([inbound("s3", "parcel tracking please", customer="c3", at=before)], now=before)
    lifecycle.close_thread(customers.get(keys.customer_key("whatsapp", "acct-1", "c3")).thread_id,  # type: ignore[union-attr]
                           by="user:ben", at=NOW - timedelta(days=10))


_HISTORY: dict[str, Any] = {}


def restore_history(config: Any) -> None:
    """The state :func:`setup_history` leaves, written back directly (much faster than replaying it)."""
    from siu_core.aws.names import resource_names
    from siu_core.store import ddb

    if not _HISTORY:
        wipe(config)
        setup_history(config)
        names = resource_names()
        s3 = clients.s3()
        _HISTORY["tables"] = {t: list(ddb.scan_all(t)) for t in (
            names.dedupe, names.threads, names.messages, names.customers, names.assignments, names.loadcount,
            names.roster, names.audit, names.composer)}
        _HISTORY["objects"] = {
            o["Key"]: s3.get_object(Bucket=names.bucket, Key=o["Key"])["Body"].read()
            for o in s3.list_objects_v2(Bucket=names.bucket).get("Contents", [])}
        return
    wipe(config)
    install_services(config, channels_loader=_Registry, secrets=None)
    client = clients.dynamodb()
    for table, items in _HISTORY["tables"].items():
        for start in range(0, len(items), 25):
            client.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": ddb.item(i)}}
                                                          for i in items[start:start + 25]]})
    for key, body in _HISTORY["objects"].items():
        clients.s3().put_object(Bucket=resource_names().bucket, Key=key, Body=body)


def crash_batch() -> list[dict[str, Any]]:
    """Ten events touching every kind of write the pipeline makes."""
    t = lambda minutes: NOW - timedelta(minutes=minutes)  # noqa: E731
    return records([
        inbound("m10", "still waiting for my order", at=t(10)),           # reopen, routed to ana again
        inbound("m11", "Still waiting for my ORDER", at=t(9)),            # repeated content
        echo("e10", "Checking now", at=t(8)),                             # outbound from the phone app
        status(["e10"], "delivered", at=t(7)),                             # status of it
        reaction("m10", "🙏", at=t(6)),                                    # annotation
        inbound("m20", "I was charged twice", customer="c2", at=t(10)),   # new thread, accounts
        unsend("m20", customer="c2", at=t(5)),                             # the customer deletes it
        inbound("m30", "hello again, where is my parcel", customer="c3", at=t(10)),  # new thread, seq 2
        inbound("m40", None, customer="c4", kind="audio", at=t(10),
                attachments=[Attachment(type="audio", media_id="voice-1")]),  # media to the bucket
        inbound("m10", "still waiting for my order", at=t(10)),           # the same delivery again
    ], prefix="batch")


def run_with(injector: Injector | None, batch: list[dict[str, Any]]) -> dict[str, Any] | None:
    undo = []
    if injector is not None:
        undo = [clients.observe_calls(injector.before, "before-call.*.*"),
                clients.observe_calls(injector.after, "after-call.*.*")]
    try:
        return run_batch(event={"Records": batch})
    except Crash:
        return None
    finally:
        for u in undo:
            u()


def redeliver_until_done(batch: list[dict[str, Any]], response: dict[str, Any] | None) -> None:
    """What SQS does: a crashed batch comes back whole; a partial failure brings back the failed records."""
    pending = batch if response is None else [r for r in batch if r["messageId"] in failed_ids(response)]
    for round_ in range(3):
        if not pending:
            return
        again = [{**r, "attributes": {"ApproximateReceiveCount": str(round_ + 2)}} for r in pending]
        result = run_with(None, again)
        assert result is not None
        pending = [r for r in again if r["messageId"] in failed_ids(result)]
    assert not pending, "records still failing after redelivery"


@pytest.fixture
def baseline(aws) -> tuple[dict[str, Any], int]:
    """The state after the batch ran without a crash, and how many writes it made."""
    _HISTORY.clear()
    restore_history(aws.config)
    counter = Injector(None, "never", Crash)
    response = run_with(counter, crash_batch())
    assert response == {"batchItemFailures": []}
    state = dump_state()
    assert counters() == open_threads_by_assignee() == open_rows_by_assignee()
    return state, counter.writes


def test_the_scenario_exercises_every_kind_of_write(aws, baseline) -> None:
    state, writes = baseline
    # 9 events x (snapshot + transaction + the inbox change counter's bump) + one media object + the first
    # response an echo gave a customer
    assert writes == 29
    heads = {c: customers.get(keys.customer_key("whatsapp", "acct-1", c)) for c in ("cust-1", "c2", "c3", "c4")}
    assert heads["cust-1"].status == "open" and heads["cust-1"].assignee == "ana"  # type: ignore[union-attr]
    assert heads["c3"].seq == 2 and heads["c2"].assignee == "cho"  # type: ignore[union-attr]
    assert any(k.startswith("media/") for k in state["s3"])
    assert all(n == 1 for n in state["s3"].values())


def fail_at(config: Any, nth: int, when: str, error: type[BaseException], *, late_copy: bool = True) -> None:
    """Fresh history, the batch with a failure at write ``nth``, then SQS redeliveries until done."""
    restore_history(config)
    batch = crash_batch()
    injector = Injector(nth, when, error)
    response = run_with(injector, batch)
    assert injector.fired, f"write {nth} was never reached"
    redeliver_until_done(batch, response)
    if late_copy:
        run_with(None, batch)  # and a late duplicate delivery of the whole batch changes nothing either


def test_a_crash_at_every_write_boundary_ends_in_the_no_crash_state(aws, baseline) -> None:
    """A process crash between two writes is the same as one before the next write: crashing before
    each write, and once after the last, covers every boundary."""
    expected, writes = baseline
    boundaries = [(nth, "before") for nth in range(1, writes + 1)] + [(writes, "after")]
    for nth, when in boundaries:
        fail_at(aws.config, nth, when, Crash)
        assert dump_state() == expected, f"state differs after a crash {when} write {nth}"


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_record_error_at_every_write_boundary_loses_and_doubles_nothing(aws, baseline, when) -> None:
    """The failed record (and its customer's later events) are retried after the rest of the batch, so
    they may be routed to someone else than in the run without the error; everything else is equal."""
    _, writes = baseline
    expected_unrouted = dump_state(ignore_routing=True)  # the fixture left the no-error state in place
    for nth in range(1, writes + 1):
        fail_at(aws.config, nth, when, Glitch, late_copy=False)
        assert dump_state(ignore_routing=True) == expected_unrouted, f"state differs: error {when} write {nth}"
        assert counters() == open_threads_by_assignee() == open_rows_by_assignee()
