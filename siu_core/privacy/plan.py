"""What erasing a person deletes, item by item: pure planning from the items read, no I/O.

The stores keep a person's data under keys derived from their conversation keys and thread ids, so
everything is found through keys and indexes (never a scan) and planned here from the items read:

- a message: its item, its content fingerprint in the dedupe table (only while it still names this
  message), the idempotency record of a reply a teammate sent, its raw snapshot and its media
  objects in the bucket, and the audit rows kept under ``message#<key>`` for early annotations;
- an audit row: itself, and the raw snapshot of the reaction, edit or status event it records;
- a thread: its notes, the notifications about it (found in the partitions of the teammates who
  could hold one: its assignees and the people its notes mention), its away-reply claim, the files
  teammates uploaded for it (records and objects, sent or abandoned), its
  assignment rows (an open one is ended together with its teammate's load counter, so the counter
  never drifts), its audit rows and the thread item;
- a conversation: its head in the customers table and the aliases that point at it.

Day roll-ups (``report#<day>`` rows) and label corrections keep only thread ids, labels and times:
aggregate facts with nothing that names the person, left so reports stay whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from siu_core.aws.names import ResourceNames
from siu_core.store import keys
from siu_core.store.aliases import ALIAS_OF

#: The kinds counted in an erasure's audit entry and an export's summary.
KINDS = ("customers", "conversations", "threads", "messages", "notes", "notifications", "assignments", "audit_rows",
         "dedupe", "claims", "uploads", "objects")


@dataclass(frozen=True)
class Delete:
    """One item to delete; ``only_if`` = (attribute, value): only while the item still holds that value."""

    kind: str
    table: str
    key: dict[str, Any]
    only_if: tuple[str, str] | None = None


@dataclass(frozen=True)
class Release:
    """An open assignment to end with its teammate's open-thread counter, in one transaction."""

    thread_id: str
    seq: int
    assignee: str


@dataclass
class Plan:
    """Items and objects to delete, and assignments to release first."""

    deletes: list[Delete] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)

    def extend(self, other: Plan) -> None:
        """Add another plan's work after this one's."""
        self.deletes += other.deletes
        self.objects += other.objects
        self.releases += other.releases


def object_keys(message: Mapping[str, Any]) -> list[str]:
    """The bucket keys a message names: its raw snapshot and each downloaded attachment."""
    found = [str(message["snapshot_key"])] if message.get("snapshot_key") else []
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, Mapping) and attachment.get("media_key"):
            found.append(str(attachment["media_key"]))
    return found


def reply_record(message: Mapping[str, Any]) -> str | None:
    """The dedupe-table key of the idempotency record of a reply a teammate sent from the inbox."""
    sent_by, idem = str(message.get("sent_by") or ""), message.get("idempotency_key")
    if not sent_by.startswith("user:") or not idem:
        return None
    from siu_core.store.replies import record_key

    return record_key(str(message["thread_id"]), sent_by.removeprefix("user:"), str(idem))


def for_message(names: ResourceNames, message: Mapping[str, Any]) -> Plan:
    """A message's items and objects (see the module docstring)."""
    key = str(message["message_key"])
    plan = Plan(objects=object_keys(message))
    if message.get("fingerprint"):
        plan.deletes.append(Delete("dedupe", names.dedupe, {"fingerprint": str(message["fingerprint"])},
                                   only_if=("message_key", key)))
    record = reply_record(message)
    if record:
        plan.deletes.append(Delete("dedupe", names.dedupe, {"fingerprint": record}))
    plan.deletes.append(Delete("messages", names.messages, {"message_key": key}))
    return plan


def audit_objects(row: Mapping[str, Any]) -> list[str]:
    """The bucket key an audit row names: the snapshot of the reaction, edit or status event it records."""
    after = row.get("after")
    key = after.get("snapshot_key") if isinstance(after, Mapping) else None
    return [str(key)] if key else []


#: Attributes an annotation (reaction, unsend, edit, delivery status) leaves on its message.
ANNOTATED = ("reaction_customer", "reaction_business", "deleted", "edited_at", "status")


def may_have_early_rows(message: Mapping[str, Any]) -> bool:
    """Whether audit rows may sit under ``message#<key>``: only an annotation that came before its message
    writes there, and it leaves its mark on the message (so most messages need no query at all)."""
    return any(message.get(attr) is not None for attr in ANNOTATED)


def for_audit_rows(names: ResourceNames, rows: Iterable[Mapping[str, Any]]) -> Plan:
    """Audit rows of a thread or of a message scope, and the event snapshots they name."""
    plan = Plan()
    for r in rows:
        plan.deletes.append(Delete("audit_rows", names.audit, {"thread_id": str(r["thread_id"]), "ts": str(r["ts"])}))
        plan.objects += audit_objects(r)
    return plan


def for_thread(names: ResourceNames, thread: Mapping[str, Any], *, notes: Iterable[Mapping[str, Any]],
               assignments: Iterable[Mapping[str, Any]], uploads: Iterable[Mapping[str, Any]] = (),
               notifications: Iterable[Mapping[str, Any]] = ()) -> Plan:
    """A thread's own items after its messages: notes, notifications, claim, uploads, assignments, the thread."""
    thread_id = str(thread["thread_id"])
    plan = Plan()
    for note in notes:
        plan.deletes.append(Delete("notes", names.composer, {"pk": str(note["pk"]), "sk": str(note["sk"])}))
    for notice in notifications:
        if notice.get("thread_id") == thread_id:
            key = {"pk": str(notice["pk"]), "sk": str(notice["sk"])}
            plan.deletes.append(Delete("notifications", names.composer, key))
    plan.deletes.append(Delete("claims", names.composer, {"pk": f"away#{thread_id}", "sk": "claim"}))
    for upload in uploads:
        plan.deletes.append(Delete("uploads", names.composer, {"pk": str(upload["pk"]), "sk": str(upload["sk"])}))
        plan.objects.append(str(upload["object_key"]))
    for row in assignments:
        seq, assignee = int(row["seq"]), str(row.get("assignee") or "")
        if row.get("status") == "open" and assignee and not keys.is_queue(assignee):
            plan.releases.append(Release(thread_id, seq, assignee))
        plan.deletes.append(Delete("assignments", names.assignments, {"thread_id": thread_id, "seq": seq}))
    plan.deletes.append(Delete("threads", names.threads, {"thread_id": thread_id}))
    return plan


def for_conversations(names: ResourceNames, conversation_keys: Iterable[str],
                      found: Mapping[str, Mapping[str, Any] | None]) -> Plan:
    """The conversations' heads and every alias among ``found`` (key -> item) that points at one of them."""
    wanted = set(conversation_keys)
    plan = Plan()
    for key, item in found.items():
        if item is not None and (key in wanted or item.get(ALIAS_OF) in wanted):
            plan.deletes.append(Delete("conversations", names.customers, {"customer_key": key}))
    return plan


def alias_candidates(conversation_key: str, customer_ids: Iterable[str]) -> list[str]:
    """Keys that may alias a conversation: the same account keyed by another id it recorded (a phone)."""
    channel, account, own = conversation_key.split(keys.SEP, 2)
    found: list[str] = []
    for customer_id in customer_ids:
        candidate = keys.customer_key(channel, account, customer_id)
        if customer_id and customer_id != own and candidate not in found:
            found.append(candidate)
    return found


def customer_ids(item: Mapping[str, Any]) -> list[str]:
    """The customer ids a thread or message item records (``customer_phone``, the event's participant)."""
    found = [str(item["customer_phone"])] if item.get("customer_phone") else []
    event = item.get("event")
    customer = event.get("customer") if isinstance(event, Mapping) else None
    if isinstance(customer, Mapping):
        found += [str(customer[f]) for f in ("id", "phone") if customer.get(f)]
    return found


def counts(plan: Plan) -> dict[str, int]:
    """How many items of each kind a plan deletes (objects: bucket keys, every version of each)."""
    out = dict.fromkeys(KINDS, 0)
    for delete in plan.deletes:
        out[delete.kind] += 1
    out["objects"] += len(plan.objects)
    return out


def notified(notes: Iterable[Mapping[str, Any]], assignments: Iterable[Mapping[str, Any]]) -> list[str]:
    """The teammates who may hold a notification about a thread: everyone it was assigned to or a note mentioned."""
    found: list[str] = []
    mentioned = [str(m) for n in notes for m in n.get("mentions") or []]
    for who in [str(r.get("assignee") or "") for r in assignments] + mentioned:
        if who and not keys.is_queue(who) and who not in found:
            found.append(who)
    return found
