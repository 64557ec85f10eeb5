"""The counter invariant under any sequence of pipeline and inbox actions, crashes included.

After every step of a random sequence (new messages, redeliveries, crash-and-retry, close, reassign,
claim, availability changes, queue drains, time passing, two invocations racing for one customer),
each teammate's ``open_threads`` counter equals the open threads assigned to them, and equals their
open assignment rows; a customer never has two open threads; a thread nobody holds sits in exactly
one queue row.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pipeline_support import (
    NOW,
    counters,
    inbound,
    install_services,
    open_rows_by_assignee,
    open_threads_by_assignee,
    records,
    run_batch,
    wipe,
)

from siu_core.aws import clients
from siu_core.aws.names import resource_names
from siu_core.handlers import labeler as handler_module
from siu_core.pipeline.ingest import Batch, parse_entry
from siu_core.pipeline.router import drain_unassigned
from siu_core.store import customers, ddb, keys, lifecycle, roster

CUSTOMERS = ["u0", "u1", "u2", "u3"]
TEAMMATES = ["ana", "ben", "cho", "mei"]
TEXTS = ["where is my order", "I was charged twice", "URGENT refund now", "hello", "parcel tracking?"]
WRITES = frozenset({"PutItem", "UpdateItem", "TransactWriteItems", "PutObject"})


class Crash(BaseException):
    pass


def head_of(customer: str) -> customers.CurrentThread | None:
    return customers.get(keys.customer_key("whatsapp", "acct-1", customer))


class Pipeline(RuleBasedStateMachine):
    env: Any = None

    def __init__(self) -> None:
        super().__init__()
        wipe(self.env.config)
        install_services(self.env.config)
        self.now = NOW
        self.sent: list[dict[str, Any]] = []
        self.n = 0

    def _message(self, customer: str, text: str) -> list[dict[str, Any]]:
        self.n += 1
        return records([inbound(f"m{self.n}", text, customer=customer, at=self.now - timedelta(seconds=30))],
                       prefix=f"r{self.n}")

    @rule(customer=st.sampled_from(CUSTOMERS), text=st.sampled_from(TEXTS))
    def message(self, customer: str, text: str) -> None:
        batch = self._message(customer, text)
        assert run_batch(event={"Records": batch}, now=self.now) == {"batchItemFailures": []}
        self.sent.append(batch[0])

    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        if self.sent:
            record = data.draw(st.sampled_from(self.sent))
            assert run_batch(event={"Records": [record]}, now=self.now) == {"batchItemFailures": []}

    @rule(customer=st.sampled_from(CUSTOMERS), text=st.sampled_from(TEXTS), nth=st.integers(1, 3),
          after=st.booleans())
    def crash_and_retry(self, customer: str, text: str, nth: int, after: bool) -> None:
        batch = self._message(customer, text)
        seen = {"writes": 0}

        def before(model: Any, **_: Any) -> None:
            if model.name in WRITES:
                seen["writes"] += 1
                if not after and seen["writes"] == nth:
                    raise Crash

        def after_call(model: Any, **_: Any) -> None:
            if model.name in WRITES and after and seen["writes"] == nth:
                raise Crash

        undo = [clients.observe_calls(before, "before-call.*.*"), clients.observe_calls(after_call, "after-call.*.*")]
        try:
            run_batch(event={"Records": batch}, now=self.now)
        except Crash:
            pass
        finally:
            for u in undo:
                u()
        assert run_batch(event={"Records": batch}, now=self.now) == {"batchItemFailures": []}
        self.sent.append(batch[0])

    @rule(customer=st.sampled_from(CUSTOMERS))
    def race(self, customer: str) -> None:
        services = handler_module.services()
        batches = []
        for _ in range(2):
            body = self._message(customer, "where is my order")[0]["body"]
            b = Batch([parse_entry(f"race{self.n}", 0, body)], services, now=self.now)
            b.prefetch()
            b.label_all()
            batches.append(b)
        for b in batches:
            b.apply(b.entries[0])

    @rule(customer=st.sampled_from(CUSTOMERS))
    def close(self, customer: str) -> None:
        head = head_of(customer)
        if head is not None:
            lifecycle.close_thread(head.thread_id, by="user:test", at=self.now)

    @rule(customer=st.sampled_from(CUSTOMERS), to=st.sampled_from(TEAMMATES))
    def reassign(self, customer: str, to: str) -> None:
        head = head_of(customer)
        if head is not None and head.status == "open":
            lifecycle.reassign_thread(head.thread_id, to, by="user:test", at=self.now)

    @rule(customer=st.sampled_from(CUSTOMERS), who=st.sampled_from(TEAMMATES))
    def claim(self, customer: str, who: str) -> None:
        head = head_of(customer)
        if head is not None and head.status == "open":
            lifecycle.claim_thread(head.thread_id, who, at=self.now)

    @rule(who=st.sampled_from(TEAMMATES), status=st.sampled_from(["available", "away", "off"]))
    def availability(self, who: str, status: str) -> None:
        roster.set_status(who, status, by="user:admin", at=self.now)

    @rule(team=st.sampled_from(["care", "accounts"]))
    def drain(self, team: str) -> None:
        drain_unassigned(team, config=self.env.config, now=self.now)

    @rule(step=st.sampled_from([timedelta(hours=1), timedelta(hours=9), timedelta(days=2), timedelta(days=8)]))
    def time_passes(self, step: timedelta) -> None:
        self.now += step

    @invariant()
    def counters_equal_open_assigned_threads(self) -> None:
        assert counters() == open_threads_by_assignee() == open_rows_by_assignee()

    @invariant()
    def one_open_thread_per_customer_and_queued_threads_are_queued_once(self) -> None:
        open_per_customer: Counter[str] = Counter()
        unheld = set()
        for t in ddb.scan_all(resource_names().threads):
            if t.get("status") == "open":
                open_per_customer[t["customer_key"]] += 1
                if not t.get("assignee"):
                    unheld.add(t["thread_id"])
        assert all(n == 1 for n in open_per_customer.values())
        queued = Counter(r["thread_id"] for r in ddb.scan_all(resource_names().assignments)
                         if r.get("status") == "open" and keys.is_queue(r.get("assignee")))
        assert set(queued) == unheld and all(n == 1 for n in queued.values())


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_counters_never_drift(aws) -> None:
    Pipeline.env = aws
    Pipeline.TestCase.settings = settings(max_examples=6, stateful_step_count=20, deadline=None,
                                          derandomize=True, suppress_health_check=list(HealthCheck))
    Pipeline.TestCase().runTest()
