"""Process one batch of intake-queue events with an exactly-once effect.

For each batch: parse, order per customer (then by event time), read what the batch needs in one
strongly consistent BatchGetItem (stored messages, fingerprints, customer heads), label the messages
that open or reopen a thread in one ``label_batch`` call (one model call for the batch) and the
follow-ups from local signals (urgency words, language: no model call; an urgent one escalates its
thread), then apply events one by one. Each event's state change is a single DynamoDB transaction guarded by
conditions, preceded only by idempotent snapshot writes to S3:

- a message whose platform id is stored already changes nothing (the message create is conditional);
- a repeated content fingerprint inside the dedupe window, on an open thread, is appended without
  labels or routing;
- otherwise the message opens, joins or reopens its customer's thread, and the thread is routed,
  all in the same transaction as the message, fingerprint, head, assignment, counter and audit rows.

So a crash between any two writes leaves either nothing or the whole change, and the redelivered
event finishes the job or finds it done. When one event of a customer fails, that customer's later
events in the batch fail too (without side effects), so redelivery keeps their order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from siu_core import away, obs
from siu_core.aws.names import resource_names
from siu_core.customers import record as person
from siu_core.errors import ConfigError
from siu_core.fingerprint import message_fingerprint
from siu_core.models import (
    EditEvent,
    Event,
    Labels,
    MessageEvent,
    PlatformErrorEvent,
    QueueMessage,
    ReactionEvent,
    StatusEvent,
    UnsendEvent,
    dump_event,
)
from siu_core.notification_rules import Notice
from siu_core.pipeline import decide
from siu_core.pipeline.notices import UnassignedNotice, notify_unassigned
from siu_core.pipeline.router import PIPELINE_ACTOR, Router
from siu_core.privacy import retention
from siu_core.store import (
    aliases,
    audit,
    customers,
    ddb,
    dedupe,
    keys,
    lifecycle,
    messages,
    notifications,
    rollups,
    snapshots,
    threads,
)
from siu_core.store.dedupe import Fingerprint

if TYPE_CHECKING:
    from siu_core.accounts import Account
    from siu_core.config import SiuConfig
    from siu_core.labeling import Labeler
    from siu_core.plugins import Channel, ChannelRegistry

SERVICE = "labeler"
MAX_ATTEMPTS = 5
#: Attachment types whose bytes are worth keeping (shares and story links are only references).
MEDIA_TYPES = frozenset({"image", "audio", "video", "file", "sticker"})
#: A message item's mark that it was stored into a snoozed thread: only such a redelivery re-checks the
#: thread (a crash between the store and the wake heals), every other duplicate costs no read.
WAKES_SNOOZE = "wakes_snooze"

Outcome = Literal[
    "created", "appended", "reopened", "content_duplicate", "duplicate", "echo", "annotated", "stale",
    "status", "platform_error",
]
#: What each decision about an inbound message is reported as.
OUTCOMES: dict[decide.Kind, Outcome] = {
    "redelivery": "duplicate", "repeated_content": "content_duplicate", "new_thread": "created",
    "follow_up": "appended", "reopen": "reopened",
}


class RetryLater(Exception):
    """The event could not be applied now (contention, or an earlier event of its customer failed)."""


@dataclass
class Services:
    """What the pipeline loads once per cold start."""

    config: SiuConfig
    labeler: Labeler
    channels_loader: Callable[[], ChannelRegistry] | None = None
    secrets: Any | None = None  # siu_core.secrets.SecretStore
    session_factory: Callable[[], Any] | None = None
    _session: Any = None
    _channels: ChannelRegistry | None = None
    _signals: Labeler | None = None
    _notifier: Any = None

    def notifier(self) -> Any:
        """The Slack client for notifications' direct messages (built on first need: token read once)."""
        if self._notifier is None:
            from siu_core.notify import Notifier

            self._notifier = Notifier(secrets=self.secrets)
        return self._notifier

    def signals(self) -> Labeler:
        """The local labeler follow-ups take: urgency words and language, never a model call."""
        if self._signals is None:
            from siu_core.labeling.rules import RuleLabeler

            self._signals = (self.labeler if isinstance(self.labeler, RuleLabeler)
                             else RuleLabeler.from_config(self.config))
        return self._signals

    def channels(self) -> ChannelRegistry | None:
        """The channel plugins (loaded on first need: only media downloads use them here)."""
        if self._channels is None and self.channels_loader is not None:
            self._channels = self.channels_loader()
        return self._channels

    def session(self) -> Any:
        """The HTTP session for media downloads (created on first use)."""
        if self._session is None:
            if self.session_factory is not None:
                self._session = self.session_factory()
            else:
                import requests

                self._session = requests.Session()
        return self._session


@dataclass
class Entry:
    """One queue record: its id and parsed message (or why it could not be parsed)."""

    record_id: str
    index: int
    message: QueueMessage | None = None
    error: str | None = None
    receive_count: int = 1

    @property
    def event(self) -> Event:
        """The normalized event (only for parsed entries)."""
        assert self.message is not None
        return self.message.event

    @property
    def customer_key(self) -> str:
        """Whose conversation the event belongs to ("" for account-level events)."""
        if self.message is None:
            return ""
        ev = self.message.event
        if isinstance(ev, PlatformErrorEvent):
            return ""
        return keys.customer_key(ev.channel, ev.account_id, ev.customer.id)

    def order(self) -> tuple[str, str, int]:
        """Per customer, then by event time, then by arrival: the order events are applied in."""
        when = keys.ts(self.message.event.timestamp) if self.message is not None else ""
        return (self.customer_key, when, self.index)


def _notices(kind: str, thread_id: str, before: customers.CurrentThread | None, after: customers.CurrentThread,
             message_key: str) -> list[Notice]:
    """Whom a customer's message notifies: a new holder of the thread, or its holder that the customer answered."""
    from siu_core import notification_rules as rules

    previous = before.assignee if before is not None and kind != "new_thread" else None
    if after.assignee != previous:
        found = rules.on_assignment(thread_id, after.assignee, seq=after.assignment_seq, by=None, previous=previous)
    else:
        found = rules.on_customer_message(thread_id, kind, after.assignee, message_key)
    return [found] if found is not None else []


def _contact_fields(ev: MessageEvent) -> dict[str, str | None]:
    """How the thread can reach and name the customer besides their id: phone and username, when known."""
    return {"customer_phone": ev.customer.phone, "customer_username": ev.customer.username}


def _alternate_key(ev: Event) -> str | None:
    """The key of the customer's other name: their phone, when the event carries one that is not its id."""
    if isinstance(ev, PlatformErrorEvent):
        return None
    phone = ev.customer.phone
    if not phone or phone == ev.customer.id:
        return None
    return keys.customer_key(ev.channel, ev.account_id, phone)


def parse_entry(record_id: str, index: int, body: str, receive_count: int = 1) -> Entry:
    """An entry from a queue record body; a body that is not a QueueMessage is kept with its error."""
    try:
        message = QueueMessage.model_validate_json(body)
    except ValueError as exc:
        return Entry(record_id, index, error=f"not a queue message: {type(exc).__name__}",
                     receive_count=receive_count)
    return Entry(record_id, index, message=message, receive_count=receive_count)


def _message_key(ev: MessageEvent | ReactionEvent | UnsendEvent | EditEvent, message_id: str | None = None) -> str:
    return keys.message_key(ev.channel, ev.account_id, message_id or str(getattr(ev, "message_id", "")))


def _label_fields(labels: Labels) -> dict[str, Any]:
    return {"topic": labels.topic, "urgency": labels.urgency, "language": labels.language,
            "summary": labels.summary, "labeler": labels.labeler, "fallback": labels.fallback}


def _describe_conflict(ops: Sequence[ddb.TxItem], conflict: ddb.TransactionConflict) -> str:
    """Which writes of a cancelled transaction met a changed item (table and action), for the logs."""
    parts = []
    for i in conflict.failed:
        kind, body = next(iter(ops[i].items()))
        parts.append(f"{kind} {body['TableName']}")
    return ", ".join(parts)


def _scope(stored: Mapping[str, Any] | None, message_key: str) -> str:
    """Audit rows of an annotation go to the message's thread, or to the message while it is unknown."""
    if stored is not None and messages.is_stored(stored):
        return str(stored["thread_id"])
    return audit.message_scope(message_key)


def _snoozed_at(thread_id: str) -> str | None:
    """When the thread a follow-up goes to was snoozed (None: not snoozed), read for the message's record."""
    thread = threads.get(thread_id)
    return str(thread["snoozed_at"]) if thread and thread.get("snoozed_at") else None


def _current_thread(head: customers.CurrentThread | None) -> decide.CurrentThread | None:
    """The decision's view of a customer's head (plain values: no store types cross into decide)."""
    if head is None:
        return None
    closed_at = keys.parse_ts(head.closed_at) if head.closed_at else None
    return decide.CurrentThread(seq=head.seq, status=head.status, closed_at=closed_at, assignee=head.assignee,
                                team=head.team, topic=head.topic, urgency=head.urgency)


def _seen_content(record: Fingerprint | None) -> decide.SeenContent | None:
    """The decision's view of a stored content fingerprint."""
    if record is None:
        return None
    return decide.SeenContent(message_key=record.message_key, window_ends=keys.parse_ts(record.window_ends))


@dataclass(frozen=True)
class _StoredMessage:
    """What an inbound message is stored with, fixed before its transaction is planned (and re-planned)."""

    key: str
    fingerprint: str | None
    received_at: datetime
    snapshot: str
    attachments: list[dict[str, Any]]


@dataclass
class _Plan:
    """The transaction that applies one decision, and what the batch learns once it commits."""

    ops: list[ddb.TxItem]
    head: customers.CurrentThread
    outcome: Outcome
    thread_id: str
    fingerprint: Fingerprint | None = None
    assignee: str | None = None
    queued_team: str | None = None
    urgency: str = "normal"
    #: The teammates' notifications the transaction writes (told on Slack after it commits).
    notices: list[Notice] = field(default_factory=list)
    #: The message went to a thread that was snoozed when it was stored: it may wake the thread.
    wakes_snooze: bool = False


@dataclass
class Batch:
    """One batch of events being applied; holds the batch's reads and routing view."""

    entries: list[Entry]
    services: Services
    now: datetime
    heads: dict[str, customers.CurrentThread | None] = field(default_factory=dict)
    stored: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    fingerprints: dict[str, Fingerprint | None] = field(default_factory=dict)
    labels: dict[str, Labels] = field(default_factory=dict)
    #: Follow-ups' labels from local signals (rules), kept apart: a guess that proves wrong never labels a thread.
    signals: dict[str, Labels] = field(default_factory=dict)
    failed_customers: set[str] = field(default_factory=set)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    router: Router | None = None
    #: An event's own customer key -> the key its conversation lives under (see siu_core.store.aliases).
    conversation_keys: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entries = sorted(self.entries, key=Entry.order)
        self.router = Router(self.services.config)
        self.log = obs.get_logger(SERVICE)

    # --- reading what the batch needs -------------------------------------------------------------

    def prefetch(self) -> None:
        """One strongly consistent BatchGetItem: stored messages and targets, fingerprints, heads."""
        message_keys: list[str] = []
        fps: list[str] = []
        heads: list[str] = []
        for entry in self.entries:
            if entry.message is None:
                continue
            ev = entry.event
            if entry.customer_key:
                heads.append(entry.customer_key)
                if (alternate := _alternate_key(ev)) is not None:
                    heads.append(alternate)
            if isinstance(ev, MessageEvent):
                message_keys.append(_message_key(ev))
                fp = message_fingerprint(ev) if ev.type == "message" else None
                if fp:
                    fps.append(fp)
            elif isinstance(ev, ReactionEvent | UnsendEvent | EditEvent):
                message_keys.append(_message_key(ev, ev.target_message_id))
            elif isinstance(ev, StatusEvent):
                message_keys += [keys.message_key(ev.channel, ev.account_id, m) for m in ev.message_ids]
        if not (message_keys or fps or heads):
            return
        requests = [
            ddb.GetRequest(messages.table(), [messages.key(k) for k in message_keys]),
            ddb.GetRequest(dedupe.table(), [dedupe.key(f) for f in fps]),
            ddb.GetRequest(customers.table(), [customers.key(c) for c in heads]),
        ]
        found = ddb.batch_get([r for r in requests if r.keys])
        self.stored = {k: None for k in message_keys}
        self.stored.update({str(d["message_key"]): d for d in found.get(messages.table(), [])})
        self.fingerprints = {f: None for f in fps}
        self.fingerprints.update({str(d["fingerprint"]): dedupe.from_item(d) for d in found.get(dedupe.table(), [])})
        stored_heads = {str(d["customer_key"]): d for d in found.get(customers.table(), [])}
        self.heads = {c: None for c in heads}
        self.heads.update({k: customers.from_item(d) for k, d in stored_heads.items()})
        self._resolve_customers(stored_heads)

    def _resolve_customers(self, stored_heads: Mapping[str, dict[str, Any]]) -> None:
        """Each event's conversation key (one customer named by phone and by BSUID is one conversation),
        recording the aliases that let the other name find it."""
        for entry in self.entries:
            if entry.message is None or not entry.customer_key or entry.customer_key in self.conversation_keys:
                continue
            resolution = aliases.resolve(entry.customer_key, _alternate_key(entry.event), stored_heads)
            self.conversation_keys[entry.customer_key] = resolution.key
            if resolution.key not in self.heads:  # reached through an alias: its head was not in the batch read
                self.heads[resolution.key] = customers.get(resolution.key)
            for alias in resolution.aliases:
                # Recorded meanwhile (a redelivery, another batch): the first record stands.
                with contextlib.suppress(ddb.ConditionFailed):
                    ddb.run(customers.alias_op(alias, resolution.key))
            if resolution.aliases:
                self.log.info("customer known under another id", extra={
                    "channel": entry.event.channel, "aliases": len(resolution.aliases)})
        if any(own != key for own, key in self.conversation_keys.items()):
            # One person under two names is one customer: their events go in time order, whichever name.
            names = self.conversation_keys
            self.entries.sort(key=lambda e: (names.get(e.customer_key, e.customer_key), *e.order()[1:]))

    def _key(self, ev: MessageEvent | ReactionEvent | UnsendEvent | EditEvent | StatusEvent) -> str:
        """The key of the conversation an event belongs to (its own key unless an alias says otherwise)."""
        own = keys.customer_key(ev.channel, ev.account_id, ev.customer.id)
        return self.conversation_keys.get(own, own)

    def _refresh(self, customer_key: str, message_key: str | None, fingerprint: str | None) -> None:
        self.heads[customer_key] = customers.get(customer_key)
        if message_key is not None:
            self.stored[message_key] = messages.get(message_key)
        if fingerprint is not None:
            self.fingerprints[fingerprint] = dedupe.get(fingerprint)
        assert self.router is not None
        self.router.refresh()

    # --- labels -------------------------------------------------------------------------------------

    def _needs_labels(self) -> tuple[list[MessageEvent], list[MessageEvent]]:
        """New customer messages, as far as the batch can tell before applying: those that open or reopen
        a thread (the model labels them) and follow-ups (local signals only). A guess is harmless: a
        message found to need other labels when it is applied is labeled then."""
        batch_fingerprints: set[str] = set()  # the second message with the same content repeats the first
        open_after: set[str] = set()  # customers whose thread an earlier message of the batch opens or joins
        model: list[MessageEvent] = []
        local: list[MessageEvent] = []
        for entry in self.entries:
            if entry.message is None or not isinstance(entry.event, MessageEvent) or entry.event.type != "message":
                continue
            ev = entry.event
            fingerprint = message_fingerprint(ev)
            placement = self._placement(ev, fingerprint)
            if not placement.needs_labels or fingerprint in batch_fingerprints:
                continue
            if fingerprint:
                batch_fingerprints.add(fingerprint)
            follow_up = placement.kind == "follow_up" or entry.customer_key in open_after
            (local if follow_up else model).append(ev)
            open_after.add(entry.customer_key)
        return model, local

    def label_all(self) -> None:
        """Label the batch's openers in one labeler call (one model call), its follow-ups from local signals."""
        model, local = self._needs_labels()
        if model:
            self._label(model)
        if local:
            self._signal(local)

    def _label(self, events: Sequence[MessageEvent]) -> None:
        from siu_core.labeling import LabelInput

        inputs = [LabelInput.from_event(ev) for ev in events]
        try:
            results = list(self.services.labeler.label_batch(inputs))
            if len(results) != len(inputs):
                raise ValueError(f"labeler returned {len(results)} labels for {len(inputs)} messages")
        except Exception as exc:  # the contract says never raises; a broken labeler must not lose messages
            obs.metric("LabelerErrors", len(inputs))
            self.log.error("labeler failed; using the rule-based labels", extra={"error": type(exc).__name__})
            from siu_core.labeling import build_labeler

            results = list(build_labeler(self.services.config, kind="rules").label_batch(inputs))
        for ev, labels in zip(events, results, strict=True):
            self.labels[_message_key(ev)] = labels  # FallbackLabels is counted by the labeler, per channel

    def _signal(self, events: Sequence[MessageEvent]) -> None:
        """Follow-ups' labels from local signals: urgency words and language (rules; no AWS, no model)."""
        from siu_core.labeling import LabelInput

        results = self.services.signals().label_batch([LabelInput.from_event(ev) for ev in events])
        for ev, labels in zip(events, results, strict=True):
            self.signals[_message_key(ev)] = labels

    def _labels_for(self, ev: MessageEvent, placement: decide.Placement) -> Labels:
        """A follow-up's local labels (or the model's, when the batch paid for them already); the model's otherwise."""
        message_key = _message_key(ev)
        if placement.kind == "follow_up" and message_key not in self.labels:
            if message_key not in self.signals:
                self._signal([ev])
            return self.signals[message_key]
        if message_key not in self.labels:
            self._label([ev])
        return self.labels[message_key]

    # --- applying -----------------------------------------------------------------------------------

    def apply(self, entry: Entry) -> Outcome:
        """Apply one event (raises to fail its record; the queue redelivers it)."""
        if entry.message is None:
            raise ValueError(entry.error or "unreadable record")
        # The customer by the event's own key and by their conversation's (one person, two names).
        names = {k for k in (entry.customer_key, self.conversation_keys.get(entry.customer_key)) if k}
        if names & self.failed_customers:
            raise RetryLater("an earlier event of this customer failed in this batch")
        try:
            outcome = self._apply(entry.event, entry.message.received_at)
        except Exception:
            self.failed_customers.update(names)
            # A failure may come after a write landed (a lost response): re-read loads before routing again.
            assert self.router is not None
            self.router.refresh()
            raise
        self.outcomes[entry.record_id] = outcome
        return outcome

    def _apply(self, ev: Event, received_at: datetime) -> Outcome:
        if isinstance(ev, MessageEvent):
            if ev.type == "echo":
                return self._echo(ev, received_at)
            return self._inbound(ev, received_at)
        if isinstance(ev, ReactionEvent | UnsendEvent | EditEvent):
            return self._annotate(ev, received_at)
        if isinstance(ev, StatusEvent):
            return self._status(ev, received_at)
        return self._platform_error(ev, received_at)

    def _log(self, what: str, ev: Event, **ids: Any) -> None:
        self.log.info(what, extra={"channel": ev.channel, "event_type": ev.type, **ids})

    # inbound customer messages ---------------------------------------------------------------------

    def _inbound(self, ev: MessageEvent, received_at: datetime) -> Outcome:
        message_key = _message_key(ev)
        fingerprint = message_fingerprint(ev)
        if self._placement(ev, fingerprint).kind == "redelivery":
            obs.metric("Duplicates", channel=ev.channel)
            self._log("duplicate delivery ignored", ev, message_id=ev.message_id)
            stored = self.stored.get(message_key) or {}
            if stored.get(WAKES_SNOOZE):  # stored into a snoozed thread: heal a crash before the wake
                self._wake_snoozed(stored.get("thread_id"))
            return "duplicate"
        customer_key = self._key(ev)
        snapshot = snapshots.put_event(ev, received_at)
        message = _StoredMessage(message_key, fingerprint, received_at, snapshot, self._media(ev))
        conflicts: list[str] = []
        for _ in range(MAX_ATTEMPTS):
            placement = self._placement(ev, fingerprint)
            if placement.kind == "redelivery":  # re-read after a lost race: a concurrent delivery won
                obs.metric("Duplicates", channel=ev.channel)
                return "duplicate"
            plan = self._plan_inbound(ev, placement, customer_key, message)
            try:
                ddb.transact(plan.ops)
            except ddb.TransactionConflict as conflict:
                if 0 in conflict.failed:  # the message itself is stored: a concurrent delivery won
                    obs.metric("Duplicates", channel=ev.channel)
                    return "duplicate"
                conflicts.append(_describe_conflict(plan.ops, conflict))
                self._refresh(customer_key, message_key, fingerprint)
                continue
            self._committed(plan, customer_key, message_key, fingerprint)
            if plan.notices:
                self._tell(plan.notices)
            if plan.wakes_snooze:
                self._wake_snoozed(plan.thread_id)
            if plan.queued_team is not None:
                notify_unassigned(UnassignedNotice(plan.thread_id, plan.queued_team, plan.urgency, ev.channel))
            if plan.outcome != "content_duplicate":
                obs.metric("MessagesIn", channel=ev.channel)
                away.after_inbound(self.services, plan.head, ev.timestamp, self.now)
            self._log(f"message {plan.outcome}", ev, message_id=ev.message_id, thread_id=plan.thread_id,
                      assignee=plan.assignee)
            return plan.outcome
        raise RetryLater(f"message {ev.message_id}: still conflicting after {MAX_ATTEMPTS} attempts: "
                         f"{'; '.join(conflicts)}")

    def _tell(self, notices: Sequence[Notice]) -> None:
        """Slack direct messages for the committed notices (teammates with a Slack id who opted in)."""
        assert self.router is not None
        entries = {e.id: e for e in self.router.entries() if e.slack_user}
        if not any(n.teammate in entries for n in notices):
            return
        from siu_core.notification_events import tell_on_slack

        for notice in notices:
            if notice.teammate in entries:
                tell_on_slack(notice, entries[notice.teammate], self.services.notifier())

    def _wake_snoozed(self, thread_id: Any) -> None:
        """The customer wrote: a snoozed thread comes back (decided on the stored thread, so a retry heals it)."""
        if not thread_id:
            return
        from siu_core.pipeline.snooze_wake import wake_if_due

        wake_if_due(str(thread_id), self.now, by=PIPELINE_ACTOR)

    def _placement(self, ev: MessageEvent, fingerprint: str | None) -> decide.Placement:
        """Where an inbound message goes, judged on what the batch knows now (see :mod:`.decide`)."""
        message_key = _message_key(ev)
        record = self.fingerprints.get(fingerprint) if fingerprint else None
        facts = decide.Inbound(
            message_key=message_key, at=ev.timestamp, already_stored=messages.is_stored(self.stored.get(message_key)),
            has_fingerprint=bool(fingerprint), seen=_seen_content(record),
            current=_current_thread(self.heads.get(self._key(ev))),
        )
        return decide.place(facts, self.services.config.reopen_window())

    def _committed(self, plan: _Plan, customer_key: str, message_key: str, fingerprint: str | None) -> None:
        self.heads[customer_key] = plan.head
        self.stored[message_key] = {"message_key": message_key, "thread_id": plan.thread_id,
                                    WAKES_SNOOZE: plan.wakes_snooze or None}
        if fingerprint and plan.fingerprint is not None:
            self.fingerprints[fingerprint] = plan.fingerprint
        if plan.assignee is not None:
            assert self.router is not None
            self.router.assigned(plan.assignee, self.now)

    def _message_item(self, ev: MessageEvent, message_key: str, thread_id: str, received_at: datetime,
                      snapshot: str, attachments: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        raw = dump_event(ev)
        for dropped in ("text", "attachments"):
            raw.pop(dropped, None)
        return {
            "message_key": message_key,
            "message_id": ev.message_id,
            "thread_id": thread_id,
            "sort_key": keys.sort_key(ev.timestamp, ev.message_id),
            "channel": ev.channel,
            "account_id": ev.account_id,
            "customer_key": self._key(ev),
            "direction": "in" if ev.type == "message" else "out",
            "type": ev.type,
            "kind": ev.kind,
            "timestamp": keys.ts(ev.timestamp),
            "received_at": keys.ts(received_at),
            "attachments": attachments or None,
            "event": raw,
            "snapshot_key": snapshot,
            retention.TTL_ATTRIBUTE: retention.message_expiry(ev.timestamp, self.services.config.retention),
            **extra,
        }

    def _text_for(self, ev: MessageEvent, message_key: str) -> str | None:
        stub = self.stored.get(message_key)
        if stub and stub.get("deleted"):
            return None  # the customer unsent it before we saw it
        return ev.text

    def _plan_inbound(self, ev: MessageEvent, placement: decide.Placement, customer_key: str,
                      message: _StoredMessage) -> _Plan:
        """The one transaction that applies the decision about a message, guarded by the state it read."""
        labels = self._labels_for(ev, placement) if placement.needs_labels else None
        decision = decide.decide(placement, self._routing_labels(labels, ev))
        head = self.heads.get(customer_key)
        snoozed_at: str | None = None
        if decision.kind == "new_thread":
            thread_id = keys.thread_id(customer_key, placement.seq)
        else:
            assert head is not None
            thread_id = head.thread_id
            snoozed_at = _snoozed_at(thread_id)
        change = self._route(decision, head, thread_id, ev.timestamp)
        ops = [self._message_op(ev, thread_id, message, labels, placement, wakes_snooze=snoozed_at is not None)]
        new_fingerprint: Fingerprint | None = None
        if placement.claim_fingerprint and message.fingerprint:
            claim = dedupe.claim_op(message.fingerprint, thread_id=thread_id, message_key=message.key,
                                    seen=ev.timestamp, window=self.services.config.dedupe_window())
            ops.append(claim)
            new_fingerprint = dedupe.from_item(ddb.from_ddb(claim["Put"]["Item"]))
        audit_rows = [audit.row_op(thread_id, "message_in", by=PIPELINE_ACTOR, at=self.now, ref=ev.message_id,
                                   after={"message_key": message.key, "kind": ev.kind,
                                          "duplicate_of": placement.duplicate_of})]
        if decision.kind == "new_thread":
            assert labels is not None and change is not None
            thread_op, new_head = self._open_thread(ev, customer_key, thread_id, placement.seq, message.key,
                                                    labels, change, head, audit_rows)
        else:
            assert head is not None
            thread_op, new_head = self._update_thread(ev, decision, head, message.key, labels, change, audit_rows,
                                                      snoozed_at)
        ops += [thread_op, customers.put_op(new_head, head.version if head is not None else None)]
        if head is None:
            ops += self._new_customer_ops(ev, new_head)
        if change is not None:
            ops += change.ops
        ops += audit_rows
        notices = _notices(decision.kind, thread_id, head, new_head, message.key)
        ops += [notifications.put_op(n, self.now) for n in notices]
        queued = change is not None and change.new_assignee is None
        return _Plan(ops=ops, head=new_head, outcome=OUTCOMES[decision.kind], thread_id=thread_id,
                     fingerprint=new_fingerprint, assignee=change.new_assignee if change is not None else None,
                     queued_team=new_head.team if queued else None, urgency=new_head.urgency or "normal",
                     notices=notices, wakes_snooze=snoozed_at is not None)

    def _new_customer_ops(self, ev: MessageEvent, head: customers.CurrentThread) -> list[ddb.TxItem]:
        """A new conversation's customer (person) record, created with its head: once, whatever the retries."""
        assert head.person_id is not None
        handle = person.handle_data(head, username=ev.customer.username, phone=ev.customer.phone)
        return person.create_ops(resource_names(), head.person_id, handle, ev.timestamp)

    def _routing_labels(self, labels: Labels | None, ev: MessageEvent) -> decide.MessageLabels | None:
        if labels is None:
            return None
        team = self.services.config.team_for(labels.topic, ev.channel, ev.account_id)
        return decide.MessageLabels(topic=labels.topic, urgency=labels.urgency, team=team)

    def _message_op(self, ev: MessageEvent, thread_id: str, message: _StoredMessage, labels: Labels | None,
                    placement: decide.Placement, *, wakes_snooze: bool) -> ddb.TxItem:
        """The message's create (conditional on its key: a second delivery of the same id fails here)."""
        extra: dict[str, Any] = {"fingerprint": message.fingerprint, WAKES_SNOOZE: wakes_snooze or None}
        if labels is not None:
            extra["labels"] = labels.model_dump(mode="json")
        if placement.duplicate_of is not None:
            extra["duplicate_of"] = placement.duplicate_of
        item = self._message_item(ev, message.key, thread_id, message.received_at, message.snapshot,
                                  message.attachments, **extra)
        return messages.create_op(item, text=self._text_for(ev, message.key))

    def _route(self, decision: decide.Decision, head: customers.CurrentThread | None, thread_id: str,
               since: datetime) -> lifecycle.AssignmentChange | None:
        """Who takes the thread, if the decision asks (None: the assignment stays as it is)."""
        route = decision.route
        if route is None:
            return None
        assert self.router is not None
        choice = self.router.decide(route.team, route.urgency, self.now, previous=route.previous)
        if route.only_if_someone and choice.assignee is None:
            return None
        # The thread's current assignment row, which the new one follows.
        if head is None or decision.kind == "new_thread":
            seq, holder, row_open = 0, None, False
        elif decision.kind == "reopen":
            seq, holder, row_open = head.assignment_seq, head.assignee, False
        else:  # a follow-up handing out a queued thread
            seq, holder, row_open = head.assignment_seq, keys.queue_assignee(route.team), head.assignment_seq > 0
        return self._assignment(thread_id, seq, holder, row_open, choice.assignee, route.team, choice.reason,
                                route.urgency, since)

    def _open_thread(self, ev: MessageEvent, customer_key: str, thread_id: str, seq: int, message_key: str,
                     labels: Labels, change: lifecycle.AssignmentChange, head: customers.CurrentThread | None,
                     audit_rows: list[ddb.TxItem]) -> tuple[ddb.TxItem, customers.CurrentThread]:
        """The new thread's create and the customer's new head (the thread starts open and routed)."""
        when = keys.ts(ev.timestamp)
        team = change.thread_fields["team"]
        thread = {
            "thread_id": thread_id, "customer_key": customer_key, "channel": ev.channel,
            "account_id": ev.account_id, "customer_id": ev.customer.id, "customer_name": ev.customer.name,
            **_contact_fields(ev), "seq": seq, "status": "open", "opened_at": when, "started_by": "customer",
            **_label_fields(labels),
            "message_count": 1, "inbound_count": 1, "last_message_at": when, "last_inbound_at": when,
            "first_message_key": message_key, "last_inbound_key": message_key, **change.thread_fields,
            "reply_context": ev.reply_context,
        }
        audit_rows.append(audit.row_op(thread_id, "thread_opened", by=PIPELINE_ACTOR, at=self.now, ref=str(seq),
                                       after={"customer_key": customer_key, **_label_fields(labels), "team": team}))
        audit_rows += rollups.thread_fact_ops("opened", thread, at=ev.timestamp, start=ev.timestamp)
        new_head = customers.CurrentThread(
            customer_key=customer_key, channel=ev.channel, account_id=ev.account_id, customer_id=ev.customer.id,
            thread_id=thread_id, seq=seq, status="open", version=(head.version + 1) if head else 1,
            assignment_seq=change.head_fields["assignment_seq"], assignee=change.new_assignee, team=team,
            topic=labels.topic, urgency=labels.urgency, closed_at=None, last_inbound_at=when,
            customer_name=ev.customer.name or (head.customer_name if head else None),
            person_id=head.person_id if head else person.new_id(customer_key, message_key),
        )
        return threads.create_op({k: v for k, v in thread.items() if v is not None}), new_head

    def _update_thread(self, ev: MessageEvent, decision: decide.Decision, head: customers.CurrentThread,
                       message_key: str, labels: Labels | None, change: lifecycle.AssignmentChange | None,
                       audit_rows: list[ddb.TxItem],
                       snoozed_at: str | None) -> tuple[ddb.TxItem, customers.CurrentThread]:
        """The current thread's update (follow-up, repeated content or reopen) and the customer's new head.

        Guarded by the status and assignment sequence the decision was made on, and by the snooze the
        message item records (a snooze or wake meanwhile re-plans: the record stays true).
        """
        when = keys.ts(ev.timestamp)
        last_inbound = max(when, head.last_inbound_at or "")
        sets: dict[str, Any] = {"last_message_at": last_inbound, "last_inbound_at": last_inbound}
        if when >= (head.last_inbound_at or ""):  # the newest customer message: the queue previews it
            sets["last_inbound_key"] = message_key
            sets["reply_context"] = ev.reply_context  # the plugin's way to answer it; None drops an older one
        adds = {"message_count": 1, "inbound_count": 1}
        head_changes: dict[str, Any] = {"last_inbound_at": last_inbound}
        if ev.customer.name:
            sets["customer_name"] = head_changes["customer_name"] = ev.customer.name
        if decision.kind == "reopen":
            assert labels is not None
            sets.update({"status": "open", "closed_at": None, "reopened_at": keys.ts(self.now),
                         "urgency": decision.urgency})
            if decision.label_thread:  # a thread the business started: the customer's first words label it
                sets.update(_label_fields(labels))
                head_changes["topic"] = labels.topic
            adds["reopen_count"] = 1
            head_changes.update({"status": "open", "closed_at": None, "urgency": decision.urgency})
            expect = ddb.Cond.eq("status", "closed")
            audit_rows.append(audit.row_op(head.thread_id, "reopened", by=PIPELINE_ACTOR, at=self.now,
                                           ref=ev.message_id, before={"status": "closed", "closed_at": head.closed_at},
                                           after={"status": "open"}))
        else:
            expect = ddb.Cond.eq("status", "open")
            if decision.escalated:
                sets["urgency"] = head_changes["urgency"] = decision.urgency
                audit_rows.append(audit.row_op(head.thread_id, "escalated", by=PIPELINE_ACTOR, at=self.now,
                                               ref=ev.message_id, before={"urgency": head.urgency},
                                               after={"urgency": decision.urgency}))
        if change is not None:
            sets.update(change.thread_fields)
            head_changes.update(change.head_fields)
        expect = expect & ddb.Cond.eq("assignment_seq", head.assignment_seq)
        expect = expect & (ddb.Cond.eq("snoozed_at", snoozed_at) if snoozed_at else ddb.Cond.missing("snoozed_at"))
        thread_op = threads.change_op(head.thread_id, set_=sets, add=adds, expect=expect)
        new_head = head.evolve(**head_changes)
        if decision.kind == "reopen":
            reopened = {**asdict(new_head), "language": labels.language if labels else None, **sets}
            audit_rows += rollups.thread_fact_ops("reopened", reopened, at=ev.timestamp, start=ev.timestamp)
        return thread_op, new_head

    def _assignment(self, thread_id: str, seq: int, current: str | None, current_open: bool, assignee: str | None,
                    team: str, reason: str, urgency: str, since: datetime) -> lifecycle.AssignmentChange:
        assert self.router is not None
        return lifecycle.change_assignment(
            thread_id, current_seq=seq, current_assignee=current, current_open=current_open, assignee=assignee,
            team=team, reason=reason, urgency=urgency, at=self.now,
            sla_due=self.router.first_response_due(urgency, team, since), by=PIPELINE_ACTOR,
            capacity=self.router.capacity(assignee) if assignee else None, waiting_since=since,
        )

    # media ---------------------------------------------------------------------------------------

    def _account_secrets(self, channel: Channel, account_id: str) -> Mapping[str, str]:
        """The secrets of the account a message came to (its media is fetched with that account's token)."""
        if self.services.secrets is None:
            return {}
        store = self.services.secrets
        account: Account | None = store.accounts(channel.name, channel.info).get(account_id)
        if account is None and store.reread_if_stale(channel.name):  # added since this process read it
            account = store.accounts(channel.name, channel.info).get(account_id)
        if account is None:
            raise ConfigError(f"{channel.name} account {account_id} is not configured")
        return account.secrets

    def _media(self, ev: MessageEvent) -> list[dict[str, Any]]:
        """Each attachment as stored: its fields, plus the snapshot key of its bytes when downloaded."""
        out: list[dict[str, Any]] = []
        channel = None
        for index, att in enumerate(ev.attachments):
            data = att.model_dump(mode="json", exclude_none=True)
            if att.type in MEDIA_TYPES and (att.media_id or att.url) and self.services.channels_loader is not None:
                media = None
                try:
                    if channel is None:
                        registry = self.services.channels()
                        assert registry is not None
                        channel = registry.get(ev.channel)
                    if channel.has_hook("download_media"):
                        secrets = self._account_secrets(channel, ev.account_id)
                        media = channel.download_media(
                            att, secrets, self.services.session(),
                            self.services.config.channel_settings(ev.channel),
                        )
                except Exception as exc:  # the platform refused: keep the message, say why the media is missing
                    data["media_error"] = type(exc).__name__
                    self.log.warning("media download failed", extra={
                        "channel": ev.channel, "message_id": ev.message_id, "error": type(exc).__name__})
                if media is not None:
                    # Our own storage failing is not the platform's fault: let the event be retried.
                    key = snapshots.media_key(ev, index)
                    snapshots.put_media(key, media.content, media.mime_type or att.mime_type)
                    data["media_key"] = key
                    data["media_size"] = len(media.content)
            out.append(data)
        return out

    # echoes of the business's own messages --------------------------------------------------------

    def _echo(self, ev: MessageEvent, received_at: datetime) -> Outcome:
        message_key = _message_key(ev)
        if messages.is_stored(self.stored.get(message_key)):
            # A redelivery, or the echo of a reply the inbox stored already under the same id (the inbox
            # counts its own replies). A redelivered echo may be a first response a crash kept from
            # being counted: counting it again is idempotent.
            stored = self.stored.get(message_key) or {}
            sent_by = str(stored.get("sent_by") or "business_app")
            if stored.get("thread_id") and not sent_by.startswith("user:"):
                self._first_response(str(stored["thread_id"]), ev.timestamp, sent_by)
            return "duplicate"
        customer_key = self._key(ev)
        snapshot = snapshots.put_event(ev, received_at)
        for _ in range(MAX_ATTEMPTS):
            head = self.heads.get(customer_key)
            when = keys.ts(ev.timestamp)
            ops: list[ddb.TxItem] = []
            if head is None:
                # The business wrote first: a thread that waits for the customer (closed, unrouted),
                # which their reply reopens and routes.
                thread_id = keys.thread_id(customer_key, 1)
                thread = {
                    "thread_id": thread_id, "customer_key": customer_key, "channel": ev.channel,
                    "account_id": ev.account_id, "customer_id": ev.customer.id, "seq": 1, "status": "closed",
                    "opened_at": when, "closed_at": when, "started_by": "business", "assignment_seq": 0,
                    "message_count": 1, "outbound_count": 1, "last_message_at": when, "last_outbound_at": when,
                    "first_message_key": message_key, "customer_name": ev.customer.name, **_contact_fields(ev),
                }
                new_head = customers.CurrentThread(
                    customer_key=customer_key, channel=ev.channel, account_id=ev.account_id, customer_id=ev.customer.id,
                    thread_id=thread_id, seq=1, status="closed", version=1, closed_at=when,
                    customer_name=ev.customer.name, person_id=person.new_id(customer_key, message_key),
                )
                thread_op = threads.create_op({k: v for k, v in thread.items() if v is not None})
                head_op = customers.put_op(new_head, None)
                ops += self._new_customer_ops(ev, new_head)
            else:
                thread_id, new_head = head.thread_id, head
                thread_op = threads.change_op(thread_id, set_={"last_outbound_at": when},
                                              add={"message_count": 1, "outbound_count": 1})
                head_op = ddb.condition_check_op(customers.table(), customers.key(customer_key),
                                                 ddb.Cond.eq("thread_id", thread_id))
            sent_by = "siu" if ev.own_app else "business_app"
            ops.append(messages.create_op(
                self._message_item(ev, message_key, thread_id, received_at, snapshot, self._attachments_only(ev),
                                   sent_by=sent_by),
                text=self._text_for(ev, message_key),
            ))
            ops += [thread_op, head_op,
                    audit.row_op(thread_id, "message_out", by=PIPELINE_ACTOR, at=self.now, ref=ev.message_id,
                                 after={"message_key": message_key, "kind": ev.kind, "sent_by": sent_by})]
            try:
                ddb.transact(ops)
            except ddb.TransactionConflict as conflict:
                if 0 in conflict.failed:
                    self._first_response(thread_id, ev.timestamp, sent_by)
                    return "duplicate"
                self._refresh(customer_key, message_key, None)
                continue
            self.heads[customer_key] = new_head
            self.stored[message_key] = {"message_key": message_key, "thread_id": thread_id}
            if head is not None:
                self._first_response(thread_id, ev.timestamp, sent_by)
            self._log("echo stored", ev, message_id=ev.message_id, thread_id=thread_id)
            return "echo"
        raise RetryLater(f"echo {ev.message_id}: still conflicting after {MAX_ATTEMPTS} attempts")

    def _first_response(self, thread_id: str, at: datetime, sent_by: str) -> None:
        """An echo may be the opening's first answer (from the business's phone): the reports count it."""
        thread = threads.get(thread_id)
        if thread is not None:
            rollups.record_first_response(thread, at=at, by=sent_by)

    @staticmethod
    def _attachments_only(ev: MessageEvent) -> list[dict[str, Any]]:
        return [a.model_dump(mode="json", exclude_none=True) for a in ev.attachments]

    # annotations: reactions, unsends, edits ------------------------------------------------------

    def _annotate(self, ev: ReactionEvent | UnsendEvent | EditEvent, received_at: datetime) -> Outcome:
        target = _message_key(ev, ev.target_message_id)
        snapshot = snapshots.put_event(ev, received_at)
        stored = self.stored.get(target)
        scope = _scope(stored, target)
        after: dict[str, Any]
        if isinstance(ev, ReactionEvent):
            op = messages.reaction_op(target, by=ev.by, emoji=ev.emoji or ev.reaction,
                                      removed=ev.action == "unreact", at=ev.timestamp)
            action, after = "reaction", {"by": ev.by, "action": ev.action}
        elif isinstance(ev, UnsendEvent):
            op, action, after = messages.unsend_op(target, at=ev.timestamp), "unsent", {"deleted": True}
        else:
            return self._edit(ev, target, scope, snapshot)
        # The row names the event's snapshot: an erasure finds it there (siu_core.privacy).
        row = audit.row_op(scope, action, by=PIPELINE_ACTOR, at=self.now, ref=ev.target_message_id,
                           after={"message_key": target, **after, "snapshot_key": snapshot})
        try:
            ddb.transact([op, row])
        except ddb.TransactionConflict:
            self._log("stale annotation ignored", ev, message_id=ev.target_message_id)
            return "stale"
        if isinstance(ev, UnsendEvent):
            self.stored[target] = {**(stored or {"message_key": target}), "deleted": True}
        self._log(f"message {action}", ev, message_id=ev.target_message_id)
        return "annotated"

    def _edit(self, ev: EditEvent, target: str, scope: str, snapshot: str) -> Outcome:
        """Replace the text, keeping the one it replaces in the message's history (guarded, retried on fresh data)."""
        for attempt in range(2):
            stored = self.stored.get(target) or {}
            if messages.is_stored(stored) and "text" not in stored and not stored.get("deleted"):
                stored = messages.get(target) or {}  # created earlier in this batch: read what it says
            previous = stored.get("text") if isinstance(stored.get("text"), str) else None
            # One row per edit (several edits of one message in a batch share ``now``): the ref names its time.
            row = audit.row_op(scope, "edited", by=PIPELINE_ACTOR, at=self.now,
                               ref=f"{ev.target_message_id}#{keys.ts(ev.timestamp)}",
                               after={"message_key": target, "edited": True, "snapshot_key": snapshot})
            try:
                ddb.transact([messages.edit_op(target, text=ev.text, at=ev.timestamp, previous=previous), row])
            except ddb.TransactionConflict:
                if attempt == 0 and previous is not None:
                    self.stored[target] = messages.get(target)  # edited meanwhile: judge again on what is stored
                    continue
                self._log("stale annotation ignored", ev, message_id=ev.target_message_id)
                return "stale"
            edits = [*stored.get("edits", []), {"text": previous, "until": keys.ts(ev.timestamp)}] if previous else []
            self.stored[target] = {**stored, "message_key": target, "text": ev.text,
                                   "edited_at": keys.ts(ev.timestamp), **({"edits": edits} if edits else {})}
            self._log("message edited", ev, message_id=ev.target_message_id)
            return "annotated"
        return "stale"

    # delivery status of outbound messages --------------------------------------------------------

    def _status(self, ev: StatusEvent, received_at: datetime) -> Outcome:
        snapshot = snapshots.put_event(ev, received_at)
        error = ev.error.model_dump(mode="json", exclude_none=True) if ev.error else None
        changed = False
        for message_id in ev.message_ids:
            target = keys.message_key(ev.channel, ev.account_id, message_id)
            scope = _scope(self.stored.get(target), target)
            try:
                ddb.transact([
                    messages.status_op(target, status=ev.status, at=ev.timestamp, error=error),
                    audit.row_op(scope, "status", by=PIPELINE_ACTOR, at=self.now, ref=f"{message_id}#{ev.status}",
                                 after={"message_key": target, "status": ev.status, "snapshot_key": snapshot}),
                ])
                changed = True
            except ddb.TransactionConflict:
                continue  # not forward (a later status is recorded): nothing to do
        if ev.watermark is not None:
            head = self.heads.get(self._key(ev))
            if head is not None:
                try:
                    ddb.transact([
                        threads.watermark_op(head.thread_id, ev.status, ev.watermark),
                        audit.row_op(head.thread_id, f"watermark_{ev.status}", by=PIPELINE_ACTOR, at=self.now,
                                     ref=keys.ts(ev.watermark),
                                     after={"watermark": keys.ts(ev.watermark), "snapshot_key": snapshot}),
                    ])
                    changed = True
                except ddb.TransactionConflict:
                    pass
        return "status" if changed else "stale"

    # account-level platform errors ----------------------------------------------------------------

    def _platform_error(self, ev: PlatformErrorEvent, received_at: datetime) -> Outcome:
        key = snapshots.put_event(ev, received_at)
        codes = [str(e.code) for e in ev.errors]
        ddb.transact([audit.row_op(audit.account_scope(ev.channel, ev.account_id), "platform_error",
                                   by=PIPELINE_ACTOR, at=ev.timestamp, ref=keys.short_hash(key, 16),
                                   after={"codes": codes, "snapshot_key": key})])
        self.log.warning("platform reported an account error", extra={"channel": ev.channel, "codes": codes})
        return "platform_error"


def describe(outcomes: Mapping[str, Outcome]) -> dict[str, int]:
    """Counts per outcome (for logs and the local runner)."""
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts

