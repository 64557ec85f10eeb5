"""The inbound decision as a table: plain values in, a decision out. No AWS, no moto, no clock."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from siu_core.pipeline import decide
from siu_core.pipeline.decide import CurrentThread, Inbound, MessageLabels, Route, SeenContent

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
CLOSED_3_DAYS = NOW - timedelta(days=3)
CLOSED_8_DAYS = NOW - timedelta(days=8)
ME = "whatsapp#a#m2"
EARLIER = "whatsapp#a#m1"

OPEN = CurrentThread(seq=2, status="open", assignee="ana", team="care", topic="shipping", urgency="normal")
QUEUED = CurrentThread(seq=2, status="open", assignee=None, team="care", topic="shipping", urgency="normal")
OPEN_URGENT = CurrentThread(seq=2, status="open", assignee="ana", team="care", topic="shipping", urgency="urgent")
CLOSED = CurrentThread(seq=2, status="closed", closed_at=CLOSED_3_DAYS, assignee="ana", team="care",
                       topic="shipping", urgency="normal")
CLOSED_LONG_AGO = CurrentThread(seq=2, status="closed", closed_at=CLOSED_8_DAYS, assignee="ana", team="care",
                                topic="shipping", urgency="normal")
CLOSED_NO_TIME = CurrentThread(seq=2, status="closed", assignee="ana", team="care", topic="shipping")
BUSINESS_STARTED = CurrentThread(seq=1, status="closed", closed_at=CLOSED_3_DAYS)  # no topic, team or urgency

LIVE = SeenContent(message_key=EARLIER, window_ends=NOW + timedelta(hours=1))
EXPIRED = SeenContent(message_key=EARLIER, window_ends=NOW)  # the window ends as the message arrives
MINE = SeenContent(message_key=ME, window_ends=NOW + timedelta(hours=1))  # a retry of our own claim

BILLING = MessageLabels(topic="billing", urgency="normal", team="accounts")
BILLING_URGENT = MessageLabels(topic="billing", urgency="urgent", team="accounts")


@dataclass(frozen=True)
class Row:
    """One line of the table: the facts, the labels, and what must be decided."""

    current: CurrentThread | None
    kind: decide.Kind
    seq: int
    labels: MessageLabels | None = BILLING
    seen: SeenContent | None = None
    stored: bool = False
    fingerprint: bool = True
    at: datetime = NOW
    claim: bool = True
    duplicate_of: str | None = None
    urgency: str | None = None
    escalated: bool = False
    label_thread: bool = False
    route: Route | None = field(default=None)


TABLE: dict[str, Row] = {
    # placement
    "first message starts thread 1": Row(
        None, "new_thread", 1, urgency="normal", label_thread=True, route=Route("accounts", "normal", None)),
    "urgent first message": Row(
        None, "new_thread", 1, labels=BILLING_URGENT, urgency="urgent", label_thread=True,
        route=Route("accounts", "urgent", None)),
    "follow-up on an assigned thread changes nothing else": Row(OPEN, "follow_up", 2),
    "reopen inside the window, previous assignee preferred, team kept": Row(
        CLOSED, "reopen", 2, urgency="normal", route=Route("care", "normal", "ana")),
    "reopen on the last instant of the window": Row(
        CLOSED, "reopen", 2, at=CLOSED_3_DAYS + WINDOW, urgency="normal", route=Route("care", "normal", "ana")),
    "a second past the window: the next thread": Row(
        CLOSED, "new_thread", 3, at=CLOSED_3_DAYS + WINDOW + timedelta(seconds=1), urgency="normal",
        label_thread=True, route=Route("accounts", "normal", "ana")),
    "closed longer than the window: the next thread": Row(
        CLOSED_LONG_AGO, "new_thread", 3, urgency="normal", label_thread=True,
        route=Route("accounts", "normal", "ana")),
    "closed with no close time reopens": Row(
        CLOSED_NO_TIME, "reopen", 2, urgency="normal", route=Route("care", "normal", "ana")),
    "a thread the business started takes the customer's labels": Row(
        BUSINESS_STARTED, "reopen", 1, urgency="normal", label_thread=True, route=Route("accounts", "normal", None)),
    # escalation and urgency
    "urgent follow-up escalates": Row(OPEN, "follow_up", 2, labels=BILLING_URGENT, urgency="urgent",
                                      escalated=True),
    "urgent follow-up on an urgent thread is no escalation": Row(OPEN_URGENT, "follow_up", 2, labels=BILLING_URGENT),
    "normal follow-up never lowers urgency": Row(OPEN_URGENT, "follow_up", 2),
    "urgent reopen takes the stronger urgency": Row(
        CLOSED, "reopen", 2, labels=BILLING_URGENT, urgency="urgent", route=Route("care", "urgent", "ana")),
    # hand-out from the team's queue
    "follow-up on a queued thread tries a hand-out": Row(
        QUEUED, "follow_up", 2, route=Route("care", "normal", None, only_if_someone=True)),
    "urgent follow-up on a queued thread escalates and hands out as urgent": Row(
        QUEUED, "follow_up", 2, labels=BILLING_URGENT, urgency="urgent", escalated=True,
        route=Route("care", "urgent", None, only_if_someone=True)),
    # dedupe
    "redelivery of a stored message id": Row(OPEN, "redelivery", 2, labels=None, stored=True, claim=False),
    "redelivery before any thread": Row(None, "redelivery", 0, labels=None, stored=True, claim=False),
    "repeated content on an open thread": Row(
        OPEN, "repeated_content", 2, labels=None, seen=LIVE, claim=False, duplicate_of=EARLIER),
    "repeated content on a queued thread is not routed": Row(
        QUEUED, "repeated_content", 2, labels=None, seen=LIVE, claim=False, duplicate_of=EARLIER),
    "repeated content on a closed thread reopens, the first owner keeps the fingerprint": Row(
        CLOSED, "reopen", 2, seen=LIVE, claim=False, urgency="normal", route=Route("care", "normal", "ana")),
    "repeated content with no thread yet starts one without claiming": Row(
        None, "new_thread", 1, seen=LIVE, claim=False, urgency="normal", label_thread=True,
        route=Route("accounts", "normal", None)),
    "content seen outside its window is new again": Row(OPEN, "follow_up", 2, seen=EXPIRED),
    "our own claim (a retry) is not a repeat": Row(OPEN, "follow_up", 2, seen=MINE),
    "no fingerprint (media only): nothing to claim": Row(OPEN, "follow_up", 2, fingerprint=False, claim=False),
}


@pytest.mark.parametrize("row", TABLE.values(), ids=TABLE.keys())
def test_the_decision_table(row: Row) -> None:
    facts = Inbound(message_key=ME, at=row.at, already_stored=row.stored, has_fingerprint=row.fingerprint,
                    seen=row.seen, current=row.current)
    placement = decide.place(facts, WINDOW)
    assert (placement.kind, placement.seq) == (row.kind, row.seq)
    assert (placement.claim_fingerprint, placement.duplicate_of) == (row.claim, row.duplicate_of)
    assert placement.needs_labels == (row.labels is not None)
    decision = decide.decide(placement, row.labels)
    assert decision.kind == row.kind
    assert (decision.urgency, decision.escalated, decision.label_thread) == (row.urgency, row.escalated,
                                                                             row.label_thread)
    assert decision.route == row.route


def test_a_labeled_kind_without_labels_is_refused() -> None:
    placement = decide.place(Inbound(message_key=ME, at=NOW), WINDOW)
    with pytest.raises(ValueError, match="needs its labels"):
        decide.decide(placement, None)


@pytest.mark.parametrize(("a", "b", "stronger"), [
    ("normal", "urgent", "urgent"), ("urgent", "normal", "urgent"), (None, "normal", "normal"),
    (None, None, "normal"), ("normal", None, "normal"), (None, "urgent", "urgent"),
])
def test_stronger_urgency(a: str | None, b: str | None, stronger: str) -> None:
    assert decide.stronger_urgency(a, b) == stronger


# --- purity: the decision and the SLA rule never reach the store or AWS ---------------------------

CORE = Path(decide.__file__).resolve().parents[1]
NEVER = ("boto3", "botocore", "moto", "requests", "siu_core.store", "siu_core.aws", "siu_core.handlers")


def _imports(path: Path) -> set[str]:
    """Every module a source file imports, anywhere in it (function bodies and TYPE_CHECKING blocks too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            found.add(node.module or "")
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_decision_module_imports_only_the_standard_library() -> None:
    imported = _imports(CORE / "pipeline" / "decide.py")
    tops = {name.split(".")[0] for name in imported}
    assert tops <= set(sys.stdlib_module_names) | {"__future__"}, sorted(tops)


@pytest.mark.parametrize("module", ["pipeline/decide.py", "sla.py", "routing.py"])
def test_pure_rules_never_import_the_store_or_aws(module: str) -> None:
    imported = _imports(CORE / module)
    assert not {name for name in imported if name.startswith(NEVER)}, module
