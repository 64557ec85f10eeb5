"""The customer (person) record: one item per person in the composer table, found from any of their handles.

A *handle* is one conversation of the person with one business account on one channel (the key the
customers table's head lives under). A person's items:

- ``pk = customer#<id>``, ``sk = record``: the record (handles with what the plugin knew of them,
  notes, tags, the fetched profile, ``merged_into`` / ``merged`` pointers, ``version``);
- ``pk = customer#<id>``, ``sk = merge#<other>``: one per customer merged into this one (who, when,
  both records as they were), which ``unmerge`` deletes;
- ``pk = contact#<kind>#<value>``, ``sk = <id>``: which customers have a handle with this phone (or
  email), what merge suggestions look up instead of scanning;
- the head of each handle (customers table, ``customer_key``) carries ``person_id``: the handle ->
  customer lookup is the one GetItem the pipeline already does.

A person is created with the head of their first conversation, in the same transaction (so a retried
ingest creates it once). Heads stored before customers existed have no ``person_id``: their customer's
id is derived from the handle (:func:`legacy_id`) and the record is created on first read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from siu_core.aws.names import ResourceNames, resource_names
from siu_core.store import ddb, keys

if TYPE_CHECKING:
    from siu_core.store.customers import CurrentThread

#: The id prefix of a customer (person) record.
ID_PREFIX = "cus_"
RECORD_SK = "record"
MERGE_PREFIX = "merge#"
#: Longest chain of merges followed when resolving a handle (merging a merged customer is refused,
#: so a chain is one hop; the bound guards against a hand-edited table).
MAX_HOPS = 8


@dataclass(frozen=True)
class Handle:
    """One conversation of a customer: the channel, the business account and the platform's id of the person."""

    channel: str
    account_id: str
    customer_id: str

    @property
    def key(self) -> str:
        """The customers-table key of this conversation's head."""
        return keys.customer_key(self.channel, self.account_id, self.customer_id)


def new_id(customer_key: str, first_message_key: str) -> str:
    """The id of the customer a conversation's first message creates.

    Deterministic, so a redelivered first message names the same customer; the message is part of it,
    so a person erased and seen again (a new first message) is a new customer.
    """
    return f"{ID_PREFIX}{keys.short_hash(f'{customer_key}{keys.SEP}{first_message_key}', 24)}"


def legacy_id(customer_key: str) -> str:
    """The id of the customer of a head stored before customers existed (stable, derived from the handle)."""
    return f"{ID_PREFIX}{keys.short_hash(customer_key, 24)}"


def is_id(text: str) -> bool:
    """Whether ``text`` has the shape of a customer id (checked before any read)."""
    body = text.removeprefix(ID_PREFIX)
    return text.startswith(ID_PREFIX) and len(body) == 24 and all(c in "0123456789abcdef" for c in body)


def partition(person_id: str) -> str:
    """The composer-table partition of a customer's items."""
    return f"customer#{person_id}"


def contact_partition(kind: str, value: str) -> str:
    """The partition listing the customers that have a handle with this phone or email."""
    return f"contact#{kind}#{value}"


def audit_scope(person_id: str) -> str:
    """The audit key of a customer (notes, tags, merges)."""
    return f"customer#{person_id}"


def record_key(person_id: str) -> ddb.Key:
    """The key of a customer's record."""
    return {"pk": partition(person_id), "sk": RECORD_SK}


def handle_data(head: CurrentThread, *, username: str | None = None, phone: str | None = None) -> dict[str, Any]:
    """What a record keeps of one handle: the conversation's key parts and what the plugin knew."""
    data = {"channel": head.channel, "account_id": head.account_id, "customer_id": head.customer_id,
            "name": head.customer_name, "username": username, "phone": phone}
    return {k: v for k, v in data.items() if v is not None}


def handle_of(data: Mapping[str, Any]) -> Handle:
    """A stored handle as a :class:`Handle`."""
    return Handle(str(data["channel"]), str(data["account_id"]), str(data["customer_id"]))


def contacts(handles: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The (kind, value) pairs of a record's handles the contact index lists (phones, emails)."""
    from siu_core.customers.suggest import canonical_email, canonical_phone

    found: set[tuple[str, str]] = set()
    for handle in handles:
        phone, email = canonical_phone(handle.get("phone")), canonical_email(handle.get("email"))
        found |= {("phone", phone)} if phone else set()
        found |= {("email", email)} if email else set()
    return sorted(found)


def create_ops(names: ResourceNames, person_id: str, handle: Mapping[str, Any], at: datetime) -> list[ddb.TxItem]:
    """A new customer with one handle, and its contact index rows (for the head's creating transaction)."""
    record = {"pk": partition(person_id), "sk": RECORD_SK, "person_id": person_id, "handles": [dict(handle)],
              "tags": [], "notes": "", "merged": [], "version": 1, "created_at": keys.ts(at)}
    ops = [ddb.put_op(names.composer, record, ddb.Cond.missing("pk"))]
    ops += [ddb.put_op(names.composer, {"pk": contact_partition(kind, value), "sk": person_id})
            for kind, value in contacts([handle])]
    return ops


def get(names: ResourceNames, person_id: str) -> dict[str, Any] | None:
    """A customer's record, strongly consistent (None when there is none)."""
    return ddb.get(names.composer, record_key(person_id))


def person_of_head(head: CurrentThread) -> str:
    """The customer a head names (its own id, before any merge is followed)."""
    return head.person_id or legacy_id(head.customer_key)


def ensure(names: ResourceNames, head: CurrentThread, at: datetime) -> dict[str, Any]:
    """The record of a head's customer, created first when the head predates customer records."""
    person_id = person_of_head(head)
    found = get(names, person_id)
    if found is not None:
        return found
    with contextlib.suppress(ddb.TransactionConflict):  # created meanwhile by another reader: the same record
        ddb.transact(create_ops(names, person_id, handle_data(head), at))
    return get(names, person_id) or {}


def root(names: ResourceNames, person_id: str) -> str:
    """The customer ``person_id`` now belongs to: itself, or the customer it was merged into."""
    current = person_id
    for _ in range(MAX_HOPS):
        record = get(names, current)
        target = record.get("merged_into") if record else None
        if not target:
            return current
        current = str(target)
    return current


def members(names: ResourceNames, person_id: str) -> list[dict[str, Any]]:
    """The records of a customer and of every customer merged into it (recursively), the customer first."""
    out: list[dict[str, Any]] = []
    pending: list[str] = [person_id]
    seen: set[str] = set()
    while pending and len(seen) < 1000:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        record = get(names, current)
        if record is None:
            continue
        out.append(record)
        pending += [str(m) for m in record.get("merged") or []]
    return out


def handles_of(tables: ResourceNames, customer_id: str) -> list[Handle]:
    """Every conversation handle of a customer, those of customers merged into it included (for export/erase)."""
    found: list[Handle] = []
    for record in members(tables, customer_id):
        found += [handle_of(h) for h in record.get("handles") or [] if handle_of(h) not in found]
    return found


def merge_records(names: ResourceNames, person_id: str) -> list[dict[str, Any]]:
    """The merge records stored under a customer (one per customer merged into it)."""
    return list(ddb.query_all(names.composer, key_condition="#p = :p AND begins_with(#s, :m)",
                              names={"#p": "pk", "#s": "sk"},
                              vals=ddb.values(p=partition(person_id), m=MERGE_PREFIX)))


def forget_customer(tables: ResourceNames, customer_id: str) -> None:
    """Delete a customer and everyone merged into it: records, merge records, contact rows, heads' pointers.

    Idempotent: each delete is unconditional, and a customer already gone is skipped. Heads lose their
    ``person_id`` only while it still names a forgotten customer (so a later message starts a new one).
    """
    group = members(tables, customer_id)
    parent = str(group[0].get("merged_into") or "") if group else ""
    parent_record = get(tables, parent) if parent else None
    if parent_record is not None:  # the forgotten customer leaves the one it was merged into
        kept = [m for m in parent_record.get("merged") or [] if m != customer_id]
        ddb.transact([
            ddb.update_op(tables.composer, record_key(parent), set_={"merged": kept}, add={"version": 1},
                          condition=ddb.Cond.exists("pk")),
            ddb.delete_op(tables.composer, {"pk": partition(parent), "sk": f"{MERGE_PREFIX}{customer_id}"}),
        ])
    for record in group:
        person_id = str(record["person_id"])
        for handle in record.get("handles") or []:
            with contextlib.suppress(ddb.ConditionFailed):  # no head, or it names another customer already
                ddb.run(ddb.update_op(tables.customers, {"customer_key": handle_of(handle).key},
                                      set_={"person_id": None}, add={"version": 1},
                                      condition=ddb.Cond.eq("person_id", person_id)))
        for kind, value in contacts(record.get("handles") or []):
            ddb.transact([ddb.delete_op(tables.composer, {"pk": contact_partition(kind, value), "sk": person_id})])
        for merge in merge_records(tables, person_id):
            ddb.transact([ddb.delete_op(tables.composer, {"pk": merge["pk"], "sk": merge["sk"]})])
        ddb.transact([ddb.delete_op(tables.composer, record_key(person_id))])


def default_tables() -> ResourceNames:
    """The tables of the current deployment (what callers pass as ``tables``)."""
    return resource_names()


class VersionConflict(Exception):
    """The record changed since the caller read it (or is gone)."""


def edit(names: ResourceNames, person_id: str, version: int, changes: Mapping[str, Any], *, by: str,
         at: datetime, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    """Change a record's teammate-written fields (notes, tags) with its audit row; VersionConflict when stale."""
    from siu_core.store import audit

    ops = [ddb.update_op(names.composer, record_key(person_id), set_={**changes, "updated_at": keys.ts(at)},
                         add={"version": 1}, condition=ddb.Cond.eq("version", version)),
           audit.row_op(audit_scope(person_id), "customer_edited", by=by, at=at, ref=str(version + 1),
                        before=before, after=after)]
    try:
        ddb.transact(ops)
    except ddb.TransactionConflict:
        raise VersionConflict(person_id) from None


def set_profile(names: ResourceNames, person_id: str, profile: Mapping[str, Any]) -> None:
    """Cache a fetched profile on the record (no version bump: a teammate's edit in flight is not disturbed)."""
    with contextlib.suppress(ddb.ConditionFailed):  # the record went away (erased): nothing to cache
        ddb.run(ddb.update_op(names.composer, record_key(person_id), set_={"profile": dict(profile)},
                              condition=ddb.Cond.exists("pk")))


def note_profile_attempt(names: ResourceNames, person_id: str, at: datetime) -> None:
    """Remember a failed profile fetch, so reads do not ask the platform again before the retry period."""
    from siu_core.customers.profile_due import TRIED_AT

    with contextlib.suppress(ddb.ConditionFailed):  # the record went away (erased): nothing to note
        ddb.run(ddb.update_op(names.composer, record_key(person_id), set_={TRIED_AT: keys.ts(at)},
                              condition=ddb.Cond.exists("pk")))
