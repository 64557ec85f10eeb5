"""Who an export or erasure is about: a customer (person) record, or one conversation of theirs.

A *subject* is the id a teammate or operator names on the command line or in the admin API: a
customer id (``cus_…``, as ``GET /api/customers/{id}`` and the thread's customer panel show it), or a
conversation key as :func:`siu_core.store.keys.customer_key` builds it (``channel#account#customer``),
which names the customer that conversation belongs to. Either way the subject is the whole person:
every conversation handle of the record, those of customers merged into it included
(:func:`siu_core.customers.handles_of`), and the record itself goes last
(:func:`siu_core.customers.forget_customer`).
"""

from __future__ import annotations

from siu_core.aws.names import ResourceNames, resource_names
from siu_core.customers import Handle, forget_customer, handles_of
from siu_core.errors import SiuError
from siu_core.store import keys

__all__ = ["Handle", "UnknownSubject", "forget_record", "handles_for", "parse_subject", "person_of"]


class UnknownSubject(SiuError):
    """The id names no customer siu could hold data on (neither a customer id nor a conversation key)."""


def parse_subject(customer_id: str) -> Handle | None:
    """The conversation a key names (``channel#account#customer``); None for a customer id; else UnknownSubject."""
    from siu_core.customers import record

    if record.is_id(customer_id):
        return None
    parts = customer_id.split(keys.SEP, 2)
    if len(parts) != 3 or not all(p.strip() for p in parts) or len(customer_id) > 512:
        raise UnknownSubject("a customer id is cus_ and 24 hex digits (the customer panel shows it), "
                             "or a conversation key channel#account#customer")
    return Handle(channel=parts[0], account_id=parts[1], customer_id=parts[2])


def person_of(names: ResourceNames | None, customer_id: str) -> str | None:
    """The customer record a subject names (None: no record, e.g. erased already)."""
    from siu_core.customers import record
    from siu_core.store import customers

    names = names or resource_names()
    conversation = parse_subject(customer_id)
    if conversation is None:
        return customer_id if record.get(names, customer_id) is not None else None
    from siu_core.store import ddb
    from siu_core.store.aliases import ALIAS_OF

    item = ddb.get(customers.table(), customers.key(conversation.key))
    target = str(item[ALIAS_OF]) if item and item.get(ALIAS_OF) else conversation.key  # a phone's alias
    head = customers.get(target) if target != conversation.key else customers.from_item(item)
    person = record.person_of_head(head) if head is not None else record.legacy_id(target)
    return person if record.get(names, person) is not None else None


def handles_for(names: ResourceNames | None, customer_id: str, person: str | None = None) -> list[Handle]:
    """Every conversation handle of the subject: its record's (merged ones included), and the named one."""
    names = names or resource_names()
    found = handles_of(names, person) if person else []
    conversation = parse_subject(customer_id)
    if conversation is not None and conversation not in found:
        found.insert(0, conversation)
    return found


def forget_record(names: ResourceNames | None, person: str | None) -> int:
    """Delete the customer record (and those merged into it, their merge and contact items); records deleted."""
    if not person:
        return 0
    names = names or resource_names()
    from siu_core.customers import record

    count = len(record.members(names, person))
    forget_customer(names, person)
    return count
