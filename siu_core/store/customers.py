"""The customers table: per conversation (channel + account + customer), which thread is current.

The head mirrors what the pipeline must know to place the next message without reading the thread
(its status, assignee, assignment sequence, close time). Every change is a whole-item Put guarded by
``version``, inside the same transaction that changes the thread, so two writers can never both act
on the same stale view (the loser retries on fresh data).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from siu_core.aws.names import resource_names
from siu_core.store import ddb
from siu_core.store.aliases import ALIAS_OF

ThreadStatus = Literal["open", "closed"]


@dataclass(frozen=True)
class CurrentThread:
    """A customer's current thread and the facts routing and reopening need about it."""

    customer_key: str
    channel: str
    account_id: str
    customer_id: str
    thread_id: str
    seq: int
    status: ThreadStatus
    version: int
    assignment_seq: int = 0
    assignee: str | None = None
    team: str | None = None
    topic: str | None = None
    urgency: str | None = None
    closed_at: str | None = None
    last_inbound_at: str | None = None
    customer_name: str | None = None
    #: The customer (person) this conversation belongs to (:mod:`siu_core.customers.record`).
    person_id: str | None = None

    def evolve(self, **changes: Any) -> CurrentThread:
        """A copy with changes and the version bumped (what the guarded Put will store)."""
        return replace(self, version=self.version + 1, **changes)


def table() -> str:
    """The table's physical name."""
    return resource_names().customers


def key(customer_key: str) -> ddb.Key:
    """The item key of a customer."""
    return {"customer_key": customer_key}


def from_item(data: dict[str, Any] | None) -> CurrentThread | None:
    """A head from a stored item (None stays None, and so does an alias: it holds no conversation)."""
    if data is None or data.get(ALIAS_OF):
        return None
    fields = CurrentThread.__dataclass_fields__
    return CurrentThread(**{k: v for k, v in data.items() if k in fields})


def get(customer_key: str) -> CurrentThread | None:
    """The current head, strongly consistent."""
    return from_item(ddb.get(table(), key(customer_key)))


def put_op(head: CurrentThread, expected_version: int | None) -> ddb.TxItem:
    """Store ``head``; only if the stored version is still ``expected_version`` (None: no head yet)."""
    condition = (
        ddb.Cond.missing("customer_key") if expected_version is None
        else ddb.Cond.eq("version", expected_version)
    )
    return ddb.put_op(table(), asdict(head), condition)


def alias_op(alias_key: str, target_key: str) -> ddb.TxItem:
    """Record that the customer named by ``alias_key`` is the one whose conversation is ``target_key``.

    Only where nothing is stored yet: an alias never replaces a conversation or an earlier alias.
    """
    return ddb.put_op(table(), {"customer_key": alias_key, ALIAS_OF: target_key}, ddb.Cond.missing("customer_key"))
