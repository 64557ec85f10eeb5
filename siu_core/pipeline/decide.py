"""What an inbound customer message does, decided from plain values. Pure: no store, no clock, no I/O.

Placement (:func:`place`), from the message, its content fingerprint's record and the customer's
current thread:

- the platform message id is stored already: a redelivery, nothing changes;
- the same content came from another message inside the dedupe window, and the current thread is
  open: repeated content, appended without labels or routing;
- no thread yet: start thread 1;
- the current thread is open: a follow-up, appended to it;
- it is closed, and the message came within the reopen window after the close: reopen it;
- closed longer ago: start the next thread.

Repeated content on a closed thread is a new message (it reopens or starts a thread) and the live
fingerprint keeps its first owner; a fingerprint is claimed only by content not seen in the window.

Effects (:func:`decide`), once the message's labels are known:

- a new thread takes the message's topic, team and urgency, and is routed (the customer's previous
  assignee preferred);
- a reopened thread keeps its team (or takes the topic's), takes the stronger urgency, and is
  routed again (previous assignee preferred); a thread the business started takes the first
  customer message's labels;
- an urgent follow-up escalates a normal thread (a follow-up's labels are local signals: the
  ingest path calls the model only for messages that open or reopen a thread); a follow-up on a
  thread waiting in its team's queue is a chance to hand it out, but only to someone eligible (it
  is never queued again).

Who gets a routed thread is the router's answer (:mod:`siu_core.routing` on the live roster), and
the store applies the whole decision in one conditional transaction (:mod:`siu_core.pipeline.ingest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Kind = Literal["redelivery", "repeated_content", "new_thread", "follow_up", "reopen"]
ThreadStatus = Literal["open", "closed"]
URGENT = "urgent"
NORMAL = "normal"


@dataclass(frozen=True)
class CurrentThread:
    """The customer's current thread, as far as placing and routing a new message needs to know it."""

    seq: int
    status: ThreadStatus
    closed_at: datetime | None = None
    assignee: str | None = None
    team: str | None = None
    topic: str | None = None
    urgency: str | None = None


@dataclass(frozen=True)
class SeenContent:
    """A stored content fingerprint: the message that carried the content first, and when it stops counting."""

    message_key: str
    window_ends: datetime


@dataclass(frozen=True)
class Inbound:
    """The plain facts about one inbound customer message that decide where it goes."""

    message_key: str
    at: datetime
    already_stored: bool = False
    has_fingerprint: bool = False
    seen: SeenContent | None = None
    current: CurrentThread | None = None


@dataclass(frozen=True)
class Placement:
    """Where the message goes: which thread (by sequence), and whether its content is claimed or repeated."""

    kind: Kind
    seq: int
    current: CurrentThread | None
    claim_fingerprint: bool = False
    duplicate_of: str | None = None

    @property
    def needs_labels(self) -> bool:
        """Only messages that join the conversation as new words are labeled (no model call otherwise)."""
        return self.kind not in ("redelivery", "repeated_content")


@dataclass(frozen=True)
class MessageLabels:
    """The labels of the message that routing needs, with the team the taxonomy gives its topic."""

    topic: str
    urgency: str
    team: str


@dataclass(frozen=True)
class Route:
    """A request to the router: give the thread to someone of ``team``."""

    team: str
    urgency: str
    previous: str | None
    #: A follow-up on a queued thread: assign only if someone is eligible, else leave the queue as is.
    only_if_someone: bool = False


@dataclass(frozen=True)
class Decision:
    """Everything a new customer message does to its thread, for the store to apply."""

    placement: Placement
    urgency: str | None = None  # the thread's urgency after the message; None leaves it as stored
    escalated: bool = False  # a follow-up raised the thread to urgent (audited as such)
    label_thread: bool = False  # the thread takes the message's labels (topic, urgency, summary...)
    route: Route | None = None

    @property
    def kind(self) -> Kind:
        """The placement's kind (what the pipeline reports as the event's outcome)."""
        return self.placement.kind


def stronger_urgency(a: str | None, b: str | None) -> str:
    """Urgent if either says so: a thread never becomes less urgent by a new message."""
    return URGENT if URGENT in (a, b) else (a or b or NORMAL)


def is_repeated(event: Inbound) -> bool:
    """Another message carried the same content, and the message falls inside that content's window."""
    seen = event.seen
    return seen is not None and seen.message_key != event.message_key and event.at < seen.window_ends


def thread_for(current: CurrentThread | None, at: datetime, reopen_window: timedelta) -> Kind:
    """Which thread a new message joins, judged on the message's own time (stable across retries)."""
    if current is None:
        return "new_thread"
    if current.status == "open":
        return "follow_up"
    if current.closed_at is None or at - current.closed_at <= reopen_window:
        return "reopen"
    return "new_thread"


def place(event: Inbound, reopen_window: timedelta) -> Placement:
    """Where an inbound message goes (see the module docstring)."""
    current = event.current
    repeated = is_repeated(event)
    if event.already_stored:
        kind: Kind = "redelivery"
    elif repeated and current is not None and current.status == "open":
        kind = "repeated_content"
    else:
        kind = thread_for(current, event.at, reopen_window)
    return Placement(
        kind=kind, seq=_seq(kind, current), current=current,
        claim_fingerprint=kind != "redelivery" and event.has_fingerprint and not repeated,
        duplicate_of=event.seen.message_key if kind == "repeated_content" and event.seen is not None else None,
    )


def _seq(kind: Kind, current: CurrentThread | None) -> int:
    """The sequence number of the thread the message goes to (0: none, for a redelivery with no thread)."""
    if kind == "new_thread":
        return current.seq + 1 if current is not None else 1
    return current.seq if current is not None else 0


def decide(placement: Placement, labels: MessageLabels | None) -> Decision:
    """What the message does to its thread once its labels are known (None only for unlabeled kinds)."""
    current = placement.current
    if not placement.needs_labels:
        return Decision(placement)
    if labels is None:
        raise ValueError(f"a {placement.kind} message needs its labels to be decided")
    if placement.kind == "new_thread":
        previous = current.assignee if current is not None else None
        return Decision(placement, urgency=labels.urgency, label_thread=True,
                        route=Route(labels.team, labels.urgency, previous))
    assert current is not None  # a follow-up or a reopen has a current thread
    if placement.kind == "reopen":
        urgency = stronger_urgency(current.urgency, labels.urgency)
        return Decision(placement, urgency=urgency, label_thread=current.topic is None,
                        route=Route(current.team or labels.team, urgency, current.assignee))
    return _follow_up(placement, current, labels)


def _follow_up(placement: Placement, current: CurrentThread, labels: MessageLabels) -> Decision:
    escalated = labels.urgency == URGENT and current.urgency != URGENT
    route = None
    if current.assignee is None and current.team:  # still in the team's queue: a chance to hand it out
        route = Route(current.team, stronger_urgency(current.urgency, labels.urgency), None, only_if_someone=True)
    return Decision(placement, urgency=URGENT if escalated else None, escalated=escalated, route=route)
